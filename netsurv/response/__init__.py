"""Response under any criterion: time-point response, best overall response, agreement."""

from netsurv.response.agreement import Agreement, agreement, cohen_kappa
from netsurv.response.best import BOR_COLUMNS, best_response
from netsurv.response.classify import TIMEPOINT_COLUMNS, Timepoints, classify
from netsurv.response.lesion_response import (
    LESION_CLASSES,
    LESION_COLUMNS,
    LesionResponse,
    lesion_response,
)
from netsurv.response.matrix import ResponseMatrix, classify_matrix
from netsurv.response.organs import ORGAN_COLUMNS, organ_response
from netsurv.response.patterns import (
    EVENT_PATTERNS,
    PATTERN_COLUMNS,
    add_patterns,
    pattern_events,
)

__all__ = [
    "BOR_COLUMNS",
    "EVENT_PATTERNS",
    "LESION_CLASSES",
    "LESION_COLUMNS",
    "ORGAN_COLUMNS",
    "PATTERN_COLUMNS",
    "TIMEPOINT_COLUMNS",
    "Agreement",
    "LesionResponse",
    "ResponseMatrix",
    "Timepoints",
    "add_patterns",
    "agreement",
    "best_response",
    "classify",
    "classify_matrix",
    "cohen_kappa",
    "lesion_response",
    "organ_response",
    "pattern_events",
]
