"""netsurv: survival analysis of neuroendocrine-tumour treatment response.

Load and validate longitudinal imaging data, classify response under any criterion, derive
PFS / OS / TTP / TTF / DoR, and test which criterion best predicts outcome.

Examples
--------
>>> import netsurv as ns
>>> cohort = ns.load_demo()
>>> cohort.summary().head(2)  # doctest: +SKIP
"""

from __future__ import annotations

from netsurv import criteria, endpoints, io, plots, simulate, survival
from netsurv.cohort import Cohort
from netsurv.datasets import load_demo
from netsurv.endpoints import derive_endpoints
from netsurv.errors import ConfigError, NetsurvError, ValidationError
from netsurv.io import read_cohort
from netsurv.response import (
    add_patterns,
    agreement,
    best_response,
    classify,
    classify_matrix,
    lesion_response,
    organ_response,
)
from netsurv.simulate import simulate_cohort
from netsurv.sweep import sweep
from netsurv.validation import ValidationOptions

__version__ = "0.1.0"

__all__ = [
    "Cohort",
    "ConfigError",
    "NetsurvError",
    "ValidationError",
    "ValidationOptions",
    "__version__",
    "add_patterns",
    "agreement",
    "best_response",
    "classify",
    "classify_matrix",
    "criteria",
    "derive_endpoints",
    "endpoints",
    "io",
    "lesion_response",
    "load_demo",
    "organ_response",
    "plots",
    "read_cohort",
    "simulate",
    "simulate_cohort",
    "survival",
    "sweep",
]
