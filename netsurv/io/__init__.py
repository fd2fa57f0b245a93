"""Readers and writers: cohort folders (CSV / Parquet / Excel), CDISC SDTM in, ADaM out (and
ADTR's sums of diameters in), REDCap exports in."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from netsurv._lazy import lazy_names
from netsurv.cohort import Cohort, _build, empty_table
from netsurv.errors import ValidationError
from netsurv.io.adtr import ScanLevelTables, read_adtr
from netsurv.io.redcap import read_redcap
from netsurv.io.sdtm import read_sdtm
from netsurv.io.sdtm_maps import SdtmMaps, load_maps
from netsurv.io.tables import read_tables, write_tables
from netsurv.schema.problems import Problems
from netsurv.validation import (
    ValidationOptions,
    apply_severity,
    check_cross_table,
    coerce_and_check,
)

if TYPE_CHECKING:
    from netsurv.io.adam import build_adrs, build_adtr, write_adam
    from netsurv.io.adtte import build_adtte, read_adtte

# The ADaM writers need the response and endpoint engines (and scipy): imported on first use,
# not when a cohort folder is read (netsurv._lazy).
_DEFINED_IN = {
    "build_adrs": "netsurv.io.adam",
    "build_adtr": "netsurv.io.adam",
    "write_adam": "netsurv.io.adam",
    "build_adtte": "netsurv.io.adtte",
    "read_adtte": "netsurv.io.adtte",
}
__getattr__, __dir__ = lazy_names(__name__, globals(), _DEFINED_IN)

__all__ = [
    "ScanLevelTables",
    "SdtmMaps",
    "build_adrs",
    "build_adtr",
    "build_adtte",
    "load_maps",
    "read_adtr",
    "read_adtte",
    "read_cohort",
    "read_redcap",
    "read_sdtm",
    "read_tables",
    "write_adam",
    "write_cohort",
    "write_tables",
]


def read_cohort(
    folder: str | Path,
    *,
    options: ValidationOptions | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    decimal: str = ".",
    extra_columns: Collection[str] | None = None,
) -> Cohort:
    """Read and validate a cohort folder.

    The folder holds ``patients``, ``lines``, ``assessments`` and ``lesions`` as CSV,
    Parquet or Excel files (one per table), or one workbook with a sheet per table; the
    optional ``markers`` table (circulating tumour markers), an optional scan-level
    ``tumour_burden`` table (sums or % changes per scan, for patients without lesion rows;
    ``lesions`` may then be absent) and a ``truth`` table (simulated
    cohorts) are read when present.

    Parameters
    ----------
    folder
        The data folder.
    options
        Validation settings (baseline window, rule severities).
    encoding, delimiter, decimal
        How CSV files are written: text encoding (default UTF-8, with or without a
        byte-order mark), delimiter (default ``","``; tab for ``.tsv``; ``"tab"`` is a
        tab) and decimal mark (``"."`` or ``","``).  A file written otherwise is reported
        with the setting that reads it; a setting is never guessed.
    extra_columns
        The undeclared columns (covariates) to read, by header; by default every column is
        read and the undeclared ones pass through.  When given, Parquet files are read with
        only the declared columns and these (see :func:`read_tables`).

    Returns
    -------
    Cohort

    Raises
    ------
    netsurv.ValidationError
        With every problem found: in the files (missing, two for one table, empty,
        unreadable, another encoding or delimiter, damaged rows, merged cells or unsaved
        formulas in a workbook) and in the tables that could be read.  Each problem names
        its file (column ``file``).
    netsurv.ConfigError
        An unknown encoding, or an impossible delimiter or decimal mark.

    Examples
    --------
    >>> import netsurv as ns
    >>> from netsurv.datasets import demo_folder
    >>> ns.read_cohort(demo_folder()).n_patients == ns.load_demo().n_patients
    True
    """
    opts = options or ValidationOptions()
    problems = Problems()
    sources: dict[str, str] = {}
    raw = read_tables(
        folder,
        encoding=encoding,
        delimiter=delimiter,
        decimal=decimal,
        problems=problems,
        sources=sources,
        extra_columns=extra_columns,
    )
    truth = raw.pop("truth", None)
    if "lesions" not in raw and "tumour_burden" in raw:
        raw["lesions"] = empty_table("lesions")
    if any(t not in raw for t in ("patients", "lines", "assessments", "lesions")):
        failures = apply_severity(_with_tables(raw, problems), opts)
        raise ValidationError(_with_files(failures, sources))
    if truth is not None:
        truth = _typed_text(truth.drop(columns="_line"))
    try:
        cohort = _build(raw, truth=truth, options=opts, problems=problems)
    except ValidationError as err:
        raise ValidationError(_with_files(err.failures, sources)) from None
    return replace(cohort, warnings=_with_files(cohort.warnings, sources))


def _with_files(failures: pd.DataFrame, sources: dict[str, str]) -> pd.DataFrame:
    """Name the file of each problem found in a table after reading (coercion, rules)."""
    if failures.empty:
        return failures
    known = failures["file"].fillna("").astype(str)
    by_table = failures["table"].map(sources).fillna("")
    return failures.assign(file=known.where(known != "", by_table))


def _typed_text(df: pd.DataFrame) -> pd.DataFrame:
    """Type an optional table read as text: ``*_date`` columns as dates, columns of numbers
    as numbers, of true/false as flags (the ``truth`` table of a simulated cohort).  Each
    column's distinct values are tested and converted once, then spread to its rows."""
    out: dict[object, pd.Series] = {}
    for col in df.columns:
        s = df[col]
        out[col] = s
        if s.dtype != object:
            continue
        if str(col).endswith("_date"):
            out[col] = pd.to_datetime(s, errors="coerce", format="ISO8601")
            continue
        codes, uniques = pd.factorize(s)  # -1: a missing cell
        low = pd.Series(uniques, dtype=object).astype(str).str.lower()
        if len(low) and low.isin(["true", "false"]).all():
            flags = np.append(low.eq("true").to_numpy(), False)[codes]
            out[col] = pd.Series(pd.arrays.BooleanArray(flags, codes < 0), index=s.index)
            continue
        num = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce")
        if num.notna().all():  # every filled cell a number
            values = num.to_numpy()
            if (codes < 0).any():  # missing cells are NaN, as pandas parses them
                values = np.append(values.astype("float64"), np.nan)
            out[col] = pd.Series(values[codes], index=s.index)
    return pd.DataFrame(out, index=df.index)


def _with_tables(raw: dict[str, pd.DataFrame], problems: Problems) -> pd.DataFrame:
    """Check the tables that could be read, so one run reports as much as possible."""
    check_cross_table(coerce_and_check(raw, problems, release=True), problems)
    return problems.frame()


def write_cohort(
    cohort: Cohort,
    folder: str | Path,
    *,
    format: Literal["csv", "parquet", "xlsx"] = "csv",
) -> list[Path]:
    """Write a cohort's input tables (``markers`` when it has any, ``truth`` when simulated)
    to ``folder``.

    The files read back with :func:`read_cohort` into an equal cohort.

    Parameters
    ----------
    cohort
        The cohort.
    folder
        Output folder.
    format
        ``"csv"`` (default), ``"parquet"`` or ``"xlsx"``.

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> import tempfile, netsurv as ns
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = ns.io.write_cohort(ns.load_demo(), tmp)
    ...     ns.read_cohort(tmp).n_patients == ns.load_demo().n_patients
    True
    """
    tables = {
        "patients": cohort.patients,
        "lines": cohort.lines,
        "assessments": cohort.assessments,
        "lesions": cohort.lesions,
    }
    if len(cohort.markers):
        tables["markers"] = cohort.markers
    if len(cohort.tumour_burden):
        tables["tumour_burden"] = cohort.tumour_burden
    if cohort.truth is not None:
        tables["truth"] = cohort.truth
    return write_tables(tables, folder, format=format)
