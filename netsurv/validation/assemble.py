"""The validation of a cohort's input tables from end to end: each table coerced and checked,
the rules across tables, scans linked to treatment lines, and the tables put in key order;
every problem found before any is raised (:class:`netsurv.ValidationError`)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from netsurv.errors import ValidationError
from netsurv.lines import (
    check_tracer_switch,
    lines_without_baseline,
    link_with_rows,
    record_assignment_problems,
)
from netsurv.schema.inputs import ANATOMICAL_MODALITIES, KEYS
from netsurv.schema.problems import Problems, row_keys
from netsurv.validation.cross_table import check_cross_table
from netsurv.validation.lesions import check_baseline_targets
from netsurv.validation.rules import ValidationOptions, apply_severity
from netsurv.validation.values import coerce_and_check

ATTRITION_COLUMNS = ["table", "row_key", "stage", "reason"]


class ValidatedTables(NamedTuple):
    """What :func:`validate_tables` makes of the input tables."""

    tables: dict[str, pd.DataFrame]
    """The typed tables the input had, sorted by their keys, numbered from 0."""
    links: pd.DataFrame
    """The assessment-line links (``Cohort.assessment_lines``)."""
    attrition: pd.DataFrame
    """Rows set aside by the line assignment, with the reason."""
    warnings: pd.DataFrame
    """Problems below the error threshold."""


def validate_tables(
    raw: dict[str, pd.DataFrame], options: ValidationOptions, problems: Problems
) -> ValidatedTables:
    """Coerce and check the input tables, link scans to lines, raise every error at once.

    Parameters
    ----------
    raw
        Input tables by name (``patients``, ``lines``, ``assessments``, ``lesions``; optional
        ``markers``, ``tumour_burden``), built for this call: each is removed as soon as it
        is coerced.
    options
        Severities and the baseline window.
    problems
        Where problems are recorded (a reader's problems may already be in it).

    Returns
    -------
    ValidatedTables

    Raises
    ------
    ValidationError
        When any problem is an error, with every problem found.

    Examples
    --------
    >>> p = pd.DataFrame({"patient_id": ["P1"], "last_alive_date": ["2021-06-01"]})
    >>> ln = pd.DataFrame({"patient_id": ["P1"], "line_id": ["L1"],
    ...                    "regimen": ["octreotide LAR"], "start_date": ["2020-01-15"]})
    >>> a = pd.DataFrame({"patient_id": ["P1"], "assessment_id": ["A1"],
    ...                   "date": ["2020-01-02"], "modality": ["CT"]})
    >>> les = pd.DataFrame({"patient_id": ["P1"], "assessment_id": ["A1"],
    ...                     "lesion_id": ["T1"], "site": ["liver"], "role": ["target"],
    ...                     "long_axis_mm": [32.0]})
    >>> raw = {"patients": p, "lines": ln, "assessments": a, "lesions": les}
    >>> v = validate_tables(raw, ValidationOptions(), Problems())
    >>> sorted(v.tables), v.links["role"].tolist(), len(v.attrition)
    (['assessments', 'lesions', 'lines', 'patients'], ['baseline'], 0)
    """
    for name in raw:  # not a loop variable holding a raw table to the end of the build
        if not isinstance(raw[name], pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame, got {type(raw[name]).__name__}")
    in_key_order: set[str] = set()
    tables = coerce_and_check(raw, problems, release=True, in_key_order=in_key_order)
    scan = check_cross_table(tables, problems)  # each lesion row's row in assessments
    if any(column in KEYS.get(table, ()) for table, column in problems.absent):
        # a table without its key column cannot be linked: its one missing_column error
        # stands, not a row-by-row echo of it from the linking
        raise ValidationError(apply_severity(problems.frame(), options))

    try:
        links, unassigned, no_baseline, without_line = _assign_lines(
            tables, options, problems, scan
        )
    except Exception:
        # Linking needs usable keys and dates; when earlier rules already failed, report
        # those rather than a traceback from the later stage.
        failures = apply_severity(problems.frame(), options)
        if (failures["severity"] == "error").any():
            raise ValidationError(failures) from None
        raise

    failures = apply_severity(problems.frame(), options)
    if (failures["severity"] == "error").any():
        raise ValidationError(failures)

    attrition = pd.concat(
        [
            _attrition(
                without_line,
                "patients",
                "line assignment",
                ["patient has no treatment line"] * len(without_line),
            ),
            _attrition(unassigned, "assessments", "line assignment", unassigned["reason"].tolist()),
            _attrition(
                no_baseline,
                "lines",
                "line assignment",
                [
                    f"no baseline scan within {options.baseline_window_days} days before "
                    "start: response cannot be assessed"
                ]
                * len(no_baseline),
            ),
        ],
        ignore_index=True,
    )
    # popped: a table sorted here is not held twice
    tables = {
        t: _in_key_order(_without_lines(tables.pop(t)), list(KEYS[t]), t in in_key_order)
        for t in list(tables)
    }
    return ValidatedTables(tables, links, attrition, failures.reset_index(drop=True))


def _without_lines(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (a typed table no one else holds) without its ``_line`` column, in place:
    ``drop`` would copy every column of millions of lesion rows."""
    del df["_line"]
    return df


def _in_key_order(df: pd.DataFrame, keys: list[str], in_order: bool) -> pd.DataFrame:
    """``df`` sorted by its keys (stable), without the sort when the rows already are in that
    order (``in_order``, found by the duplicate-key check: files are usually written so;
    sorting millions of lesion rows by three text keys costs seconds), numbered from 0."""
    if not in_order:
        df = df.sort_values(keys, kind="stable")
    df.index = pd.RangeIndex(len(df))  # not reset_index: that copies every column
    return df


def _assign_lines(
    tables: dict[str, pd.DataFrame],
    options: ValidationOptions,
    problems: Problems,
    scan: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Link scans to lines on the rows whose keys and dates are usable, and check baselines
    (``scan``: each lesion row's position in the assessments table, when known)."""
    ass = _usable(tables["assessments"], ["patient_id", "assessment_id", "date"])
    lines = _usable(tables["lines"], ["patient_id", "line_id", "start_date"])
    window = options.baseline_window_days
    links, unassigned, rows = link_with_rows(ass, lines, baseline_window_days=window)
    no_baseline = lines_without_baseline(links, lines)
    patients = tables["patients"]
    without_line = patients[~patients["patient_id"].isin(lines["patient_id"])]
    record_assignment_problems(
        unassigned, no_baseline, without_line, problems, baseline_window_days=window
    )
    is_base = (links["role"] == "baseline") & links["modality"].isin(ANATOMICAL_MODALITIES)
    base = links[is_base]
    located = None if scan is None else (scan, tables["assessments"])
    # the baseline scans' rows, when they are rows of the whole assessments table
    base_rows = None if rows is None or ass is not tables["assessments"] else rows[is_base]
    check_baseline_targets(tables["lesions"], base, problems, scans=located, rows=base_rows)
    check_tracer_switch(links, ass, problems, rows=rows)
    return links, unassigned, no_baseline, without_line


def _usable(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The rows of ``df`` with a value in each of ``columns``: ``df`` itself when every row
    has them (the usual case: a boolean selection would copy every column of a million
    scans, merging their blocks)."""
    filled = np.ones(len(df), dtype=bool)
    for column in columns:  # column by column: no 2-D copy of the three columns
        filled &= df[column].notna().to_numpy()
    return df if filled.all() else df[filled]


def _attrition(df: pd.DataFrame, table: str, stage: str, reasons: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"table": table, "row_key": row_keys(df, table), "stage": stage, "reason": reasons},
        columns=ATTRITION_COLUMNS,
    )
