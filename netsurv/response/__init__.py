"""Response under any criterion: time-point response, best overall response, agreement."""

from netsurv.response.agreement import Agreement, agreement, cohen_kappa
from netsurv.response.best import BOR_COLUMNS, best_response
from netsurv.response.classify import TIMEPOINT_COLUMNS, Timepoints, classify
from netsurv.response.matrix import ResponseMatrix, classify_matrix

__all__ = [
    "BOR_COLUMNS",
    "TIMEPOINT_COLUMNS",
    "Agreement",
    "ResponseMatrix",
    "Timepoints",
    "agreement",
    "best_response",
    "classify",
    "classify_matrix",
    "cohen_kappa",
]
