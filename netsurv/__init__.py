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

from netsurv import io
from netsurv.cohort import Cohort
from netsurv.datasets import load_demo
from netsurv.errors import ConfigError, NetsurvError, ValidationError
from netsurv.io import read_cohort
from netsurv.validation import ValidationOptions

__version__ = "0.1.0"

__all__ = [
    "Cohort",
    "ConfigError",
    "NetsurvError",
    "ValidationError",
    "ValidationOptions",
    "__version__",
    "io",
    "load_demo",
    "read_cohort",
]
