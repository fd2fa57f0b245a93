"""netsurv: survival analysis of neuroendocrine-tumour treatment response.

Load and validate longitudinal imaging data, classify response under any criterion, derive
PFS / OS / TTP / TTF / DoR, and test which criterion best predicts outcome.

The public names are imported on first use (:pep:`562`): ``import netsurv`` loads pandas and
the error types only, so the command line does not load matplotlib, scipy and every analysis
to validate a folder.

Examples
--------
>>> import netsurv as ns
>>> cohort = ns.load_demo()
>>> cohort.summary().head(2)  # doctest: +SKIP
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

from netsurv._lazy import lazy_names
from netsurv.errors import ConfigError, NetsurvError, ValidationError

if TYPE_CHECKING:
    from netsurv import criteria, endpoints, io, plots, simulate, survival
    from netsurv.cohort import Cohort
    from netsurv.datasets import load_demo
    from netsurv.endpoints import derive_endpoints
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

# The subpackages that are public names, and the module each other public name is defined in:
# imported on first use (netsurv._lazy).
_SUBPACKAGES = {"criteria", "endpoints", "io", "plots", "simulate", "survival"}
_DEFINED_IN = {
    "Cohort": "netsurv.cohort",
    "ValidationOptions": "netsurv.validation",
    "add_patterns": "netsurv.response",
    "agreement": "netsurv.response",
    "best_response": "netsurv.response",
    "classify": "netsurv.response",
    "classify_matrix": "netsurv.response",
    "derive_endpoints": "netsurv.endpoints",
    "lesion_response": "netsurv.response",
    "load_demo": "netsurv.datasets",
    "organ_response": "netsurv.response",
    "read_cohort": "netsurv.io",
    "simulate_cohort": "netsurv.simulate",
    "sweep": "netsurv.sweep",
}

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


__getattr__, __dir__ = lazy_names(__name__, globals(), _DEFINED_IN, _SUBPACKAGES)


class _Package(types.ModuleType):
    """``netsurv`` itself: ``netsurv.sweep`` is the function :func:`netsurv.sweep.sweep`, as
    when it was imported eagerly, not the subpackage the import system sets as an attribute
    of its parent the first time ``netsurv.sweep`` (or a module in it) is imported."""

    def __setattr__(self, name: str, value: object) -> None:
        if name == "sweep" and isinstance(value, types.ModuleType):
            return  # the subpackage stays reachable as sys.modules["netsurv.sweep"]
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
