"""Exception hierarchy: every error netsurv raises on purpose derives from :class:`NetsurvError`."""

from __future__ import annotations

import pandas as pd

FAILURE_COLUMNS = ("severity", "table", "column", "row_key", "rule", "value", "message", "file")


class NetsurvError(Exception):
    """Base class of the errors netsurv raises for user mistakes."""


class ConfigError(NetsurvError, ValueError):
    """An argument or configuration value is invalid."""


class OutputError(NetsurvError):
    """An output cannot be written where it was asked for: an unsafe or occupied target, or
    an operating-system error (read-only folder, disk full) naming the path."""


class ValidationError(NetsurvError):
    """Input tables break one or more rules.

    Parameters
    ----------
    failures
        One row per problem with columns ``severity`` (``"error"`` or ``"warning"``),
        ``table``, ``column``, ``row_key``, ``rule``, ``value``, ``message`` and ``file`` (the
        file, or ``"<workbook> [<sheet>]"``, the problem was found in; empty for tables given
        as DataFrames).

    Attributes
    ----------
    failures : pandas.DataFrame
        All problems found, errors first; warnings found on the way are included.

    Examples
    --------
    >>> import netsurv as ns
    >>> try:
    ...     ns.read_cohort("no/such/folder")
    ... except ns.ValidationError as err:
    ...     print(err.failures.loc[0, "rule"])
    folder_not_found
    """

    def __init__(self, failures: pd.DataFrame) -> None:
        self.failures = failures.reset_index(drop=True)
        super().__init__(format_failures(self.failures))

    def __reduce__(self) -> tuple[type[ValidationError], tuple[pd.DataFrame]]:
        """Pickled with its failures (a forked worker sends it to the run whole)."""
        return type(self), (self.failures,)


def format_failures(failures: pd.DataFrame, *, limit: int = 50) -> str:
    """Render problems as text a clinician can act on, grouped by table.

    Parameters
    ----------
    failures
        A failures table as held by :class:`ValidationError`.
    limit
        Show at most this many problems; the rest are counted.

    Returns
    -------
    str
        One line per problem, e.g.
        ``lesions, row (P003, A02, T1), column long_axis_mm: must be >= 0 (got -4.0)``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame([{"severity": "error", "table": "patients", "column": "death_date",
    ...     "row_key": "P1", "rule": "type_date", "value": "31/02/2020",
    ...     "message": "is not a date (expected YYYY-MM-DD)"}])
    >>> print(format_failures(f))
    1 error in the input tables:
      [error] patients, row P1, column death_date: is not a date (expected YYYY-MM-DD) (got '31/02/2020')
    """
    if failures.empty:
        return "No problems found."
    n_err = int((failures["severity"] == "error").sum())
    n_warn = len(failures) - n_err
    parts = []
    if n_err:
        parts.append(f"{n_err} error{'s' if n_err != 1 else ''}")
    if n_warn:
        parts.append(f"{n_warn} warning{'s' if n_warn != 1 else ''}")
    lines = [f"{' and '.join(parts)} in the input tables:"]
    for rec in failures.head(limit).itertuples(index=False):
        where = [str(rec.table)]
        file = getattr(rec, "file", "")
        if isinstance(file, str) and file and file != rec.table:
            where[0] += f" ({file})"
        if isinstance(rec.row_key, str) and rec.row_key:
            place = rec.row_key.startswith(("line ", "row ", "rows ", "cell ", "cells "))
            where.append(rec.row_key if place else f"row {rec.row_key}")
        if isinstance(rec.column, str) and rec.column:
            where.append(f"column {rec.column}")
        got = "" if _is_blank(rec.value) or rec.value == file else f" (got {rec.value!r})"
        lines.append(f"  [{rec.severity}] {', '.join(where)}: {rec.message}{got}")
    if len(failures) > limit:
        lines.append(f"  ... and {len(failures) - limit} more (see .failures)")
    return "\n".join(lines)


def _is_blank(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
