"""Validation of the input tables: every rule, all problems reported at once.

Rules are named (the ``rule`` column of :attr:`netsurv.ValidationError.failures`) and each has
a default severity; :class:`ValidationOptions` lets a study make a rule a warning, an error, or
switch it off.  Errors stop loading; warnings are kept on the cohort (``cohort.warnings``).

The rules and their severities are in :mod:`~netsurv.validation.rules`; the single-table
value checks in :mod:`~netsurv.validation.values`; the rules across tables in
:mod:`~netsurv.validation.cross_table`, those on lesion measurements (units, lymph nodes,
RECIST 1.1 baseline targets) in :mod:`~netsurv.validation.lesions`; the whole validation of a
cohort's tables, scans linked to lines included, in :mod:`~netsurv.validation.assemble`.
"""

from netsurv.validation.assemble import ValidatedTables, validate_tables
from netsurv.validation.cross_table import check_cross_table
from netsurv.validation.lesions import check_baseline_targets
from netsurv.validation.rules import (
    FIXED_RULES,
    RULES,
    Severity,
    ValidationOptions,
    apply_severity,
    check_rule_names,
)
from netsurv.validation.values import coerce_and_check

__all__ = [
    "FIXED_RULES",
    "RULES",
    "Severity",
    "ValidatedTables",
    "ValidationOptions",
    "apply_severity",
    "check_baseline_targets",
    "check_cross_table",
    "check_rule_names",
    "coerce_and_check",
    "validate_tables",
]
