"""Validation of the input tables: every rule, all problems reported at once.

Rules are named (the ``rule`` column of :attr:`netsurv.ValidationError.failures`) and each has
a default severity; :class:`ValidationOptions` lets a study make a rule a warning, an error, or
switch it off.  Errors stop loading; warnings are kept on the cohort (``cohort.warnings``).
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, field_validator

from netsurv.lesion_parents import check_parent_lesions
from netsurv.schema.coerce import Problems, RowKeys, coerce_table
from netsurv.schema.inputs import (
    ANATOMICAL_MODALITIES,
    BURDEN_UNITS,
    INPUT_MODELS,
    KEYS,
)
from netsurv.schema.marker_units import check_markers, normalise_units
from netsurv.validation_biomarkers import BIOMARKER_RULES, check_biomarkers

Severity = Literal["error", "warning", "off"]

#: Every rule: its default severity and what it checks.  The data dictionary lists them.
RULES: dict[str, tuple[str, str]] = {
    # files
    "folder_not_found": ("error", "The data folder exists."),
    "missing_table": ("error", "Each of patients, lines, assessments, lesions is present."),
    "ambiguous_table": (
        "error",
        "A table is given by one file or sheet only (not patients.csv and Patients.csv, nor a "
        "CSV file and a workbook sheet).",
    ),
    "unreadable_file": ("error", "The file can be parsed (CSV structure, Excel, Parquet)."),
    "encoding": (
        "error",
        "Text files are in the configured encoding (UTF-8 by default, with or without a "
        "byte-order mark; data.encoding).",
    ),
    "nul_bytes": ("error", "A text file holds no NUL bytes (a damaged copy)."),
    "delimiter": (
        "error",
        "CSV fields are separated by the configured delimiter (',' by default; data.delimiter).",
    ),
    "decimal_mark": (
        "error",
        "Numbers in a CSV file use the configured decimal mark ('.' by default; data.decimal).",
    ),
    "ragged_row": (
        "error",
        "Every CSV row has as many fields as the header (no row cut short or split).",
    ),
    "empty_file": ("error", "A table file is not empty (a header line at least)."),
    "empty_table": ("error", "A table read from a file has at least one data row."),
    "excel_sheet": (
        "error",
        "A workbook named after a table has one sheet, or one sheet named after the table.",
    ),
    "header_row": (
        "warning",
        "A table's header is its first line or row (a title above it is skipped).",
    ),
    "excel_merged_cells": ("error", "No merged cells in a sheet's header or data."),
    "excel_formula": ("error", "Every formula cell has a result saved by Excel."),
    "excel_error_value": ("error", "No Excel error values (#N/A, #DIV/0! ...) in the data."),
    # columns and values
    "duplicate_column": (
        "error",
        "No two columns have the same name (ignoring case and surrounding blanks).",
    ),
    "unnamed_column": ("warning", "Every column that holds values has a header."),
    "missing_column": ("error", "Every required column is present."),
    "type_date": ("error", "Dates are ISO dates (YYYY-MM-DD) or date cells."),
    "excel_serial_date": ("error", "Dates are not Excel serial numbers (e.g. 44927)."),
    "partial_date": ("error", "Dates are complete (day, month and year); impute before loading."),
    "type_number": ("error", "Measurements are numbers."),
    "non_finite": ("error", "Numbers are finite (no inf, -inf or nan)."),
    "type_integer": ("error", "Counts are whole numbers within the 64-bit range."),
    "type_boolean": ("error", "Flags are true/false, yes/no or 1/0."),
    "not_null": ("error", "Required values are filled in."),
    "allowed_values": ("error", "Coded columns hold one of the allowed values."),
    "range": (
        "error",
        "Values lie in their allowed range (sizes and volumes >= 0, Ki-67 0-100, dates 1900-2100).",
    ),
    "duplicate_key": (
        "error",
        "Keys are unique (patient; patient+line; patient+assessment; patient+assessment+lesion; "
        "patient+marker+date).",
    ),
    # cross-table
    "unknown_patient": (
        "error",
        "Every line, assessment and marker measurement belongs to a patient in patients.",
    ),
    "unknown_assessment": (
        "error",
        "Every lesion measurement belongs to an assessment in assessments.",
    ),
    "unknown_line": ("error", "An assessment's line_id names a line of the same patient."),
    "death_before_last_alive": ("error", "death_date is not before last_alive_date."),
    "after_death": (
        "error",
        "No line, assessment or marker date after the patient's death.",
    ),
    "after_last_alive": (
        "warning",
        "No line or assessment date after last_alive_date for a living patient (update last_alive_date).",
    ),
    "before_birth": ("error", "No date before the patient's birth."),
    "end_before_start": ("error", "A line does not end before it starts."),
    "end_reason_without_end": ("warning", "A line with an end_reason has an end_date."),
    "parent_lesion": (
        "error",
        "A parent_lesion_id names another lesion of the same patient, one parent per lesion, "
        "without a cycle (RECIST 1.1 section 4.3: split and coalesced lesions).",
    ),
    "node_short_axis": ("error", "A measured lymph node on CT/MRI has its short axis."),
    "baseline_target_size": (
        "error",
        "Baseline targets are measurable: non-nodal long axis >= 10 mm, nodal short axis >= 15 mm (RECIST 1.1).",
    ),
    "too_many_targets": ("error", "At most 5 target lesions at baseline (RECIST 1.1)."),
    "too_many_targets_per_organ": (
        "error",
        "At most 2 target lesions per organ at baseline; all lymph nodes count as one organ (RECIST 1.1).",
    ),
    "unit_looks_like_cm": (
        "error",
        "Diameters are in mm: a patient whose every diameter is below 10 with decimals was probably entered in cm.",
    ),
    "implausible_size": ("warning", "Long axis <= 300 mm and volume <= 5000 mL."),
    "burden_value": (
        "error",
        "A tumour_burden row gives a sum (with its measure and unit, the unit one of the "
        "measure's) or a % change from baseline (with its measure), not both.",
    ),
    "burden_one_kind": (
        "error",
        "A patient's tumour_burden rows give one measure, and either sums in one unit or % "
        "changes, never a mix.",
    ),
    "burden_and_lesions": (
        "error",
        "A patient's measurements come from lesions or from tumour_burden, not both "
        "(netsurv does not choose between two sources).",
    ),
    "grade_ki67_mismatch": ("warning", "Grade agrees with Ki-67 (G1 < 3 %, G2 3-20 %, G3 > 20 %)."),
    "marker_unit": (
        "error",
        "A marker's unit is one it is reported in (CgA: ng/mL, nmol/L, U/L; 5-HIAA: mg/24h, "
        "µmol/24h, nmol/L, ng/mL; NSE: ng/mL; serotonin: ng/mL, nmol/L, µmol/L; "
        "pancreastatin: pg/mL, pmol/L).",
    ),
    "marker_unit_mixed": (
        "warning",
        "A patient's series of one marker keeps one unit (biochemical criteria are NE from a "
        "change of unit on).",
    ),
    # line assignment (rows set aside, listed in the attrition table)
    "no_line": ("warning", "Every patient has at least one treatment line."),
    "unassigned_assessment": (
        "warning",
        "Every assessment falls in a treatment line or its baseline window.",
    ),
    "no_baseline": (
        "warning",
        "Every line has a baseline scan on or before its start, within the baseline window.",
    ),
    "tracer_switch": (
        "warning",
        "A line's follow-up scans of a modality use its baseline scan's tracer (SUV- and "
        "volume-based criteria are NE from a switch on).",
    ),
    # NET biomarkers (lesion and assessment columns of issue 19)
    **BIOMARKER_RULES,
}


#: Rules whose severity cannot be changed: a damaged or ambiguous file is never read as if
#: whole, and a non-finite measurement is never accepted.
FIXED_RULES = frozenset(
    {
        "folder_not_found",
        "missing_table",
        "ambiguous_table",
        "unreadable_file",
        "encoding",
        "nul_bytes",
        "delimiter",
        "decimal_mark",
        "ragged_row",
        "empty_file",
        "excel_sheet",
        "excel_merged_cells",
        "excel_formula",
        "excel_error_value",
        "duplicate_column",
        "non_finite",
    }
)


def check_rule_names(names: Iterable[str]) -> None:
    """Raise ``ValueError`` for a rule name that is unknown or whose severity is fixed.

    Examples
    --------
    >>> check_rule_names(["too_many_targets"])
    >>> check_rule_names(["ragged_row"])
    Traceback (most recent call last):
    ...
    ValueError: the severity of rule(s) ['ragged_row'] cannot be changed (a damaged or ambiguous file is never read as if whole, a non-finite number never accepted)
    """
    unknown = sorted(set(names) - set(RULES))
    if unknown:
        raise ValueError(f"unknown validation rule(s) {unknown}; known rules: {sorted(RULES)}")
    fixed = sorted(set(names) & FIXED_RULES)
    if fixed:
        raise ValueError(
            f"the severity of rule(s) {fixed} cannot be changed (a damaged or ambiguous file "
            "is never read as if whole, a non-finite number never accepted)"
        )


class ValidationOptions(BaseModel):
    """Settings of validation and of assigning scans to treatment lines.

    Parameters
    ----------
    baseline_window_days
        A scan is the baseline of a line if it is the last scan of its modality on or before
        the line's start date and at most this many days before it (default 28: RECIST 1.1
        section 3.1, baseline evaluations "as close as possible to the treatment start and
        never more than 4 weeks before").  Lines left without a baseline are counted in the
        attrition table.
    severity
        Per-rule severity overrides, e.g. ``{"too_many_targets": "warning"}``; see
        :data:`RULES` for the names.

    Examples
    --------
    >>> opts = ValidationOptions(severity={"baseline_target_size": "warning"})
    >>> opts.severity_of("baseline_target_size")
    'warning'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    baseline_window_days: int = Field(28, ge=0, le=365)
    severity: dict[str, Severity] = Field(default_factory=dict)

    @field_validator("severity")
    @classmethod
    def _known_rules(cls, value: dict[str, Severity]) -> dict[str, Severity]:
        check_rule_names(value)
        return value

    def severity_of(self, rule: str) -> str:
        """The severity in force for ``rule``."""
        return self.severity.get(rule, RULES[rule][0])


def apply_severity(failures: pd.DataFrame, options: ValidationOptions) -> pd.DataFrame:
    """Set each problem's severity from ``options`` and drop switched-off rules."""
    if failures.empty:
        return failures
    sev = failures["rule"].map(options.severity_of)
    out = failures.assign(severity=sev)
    out = out[out["severity"] != "off"]
    order = (out["severity"] != "error").astype(int)
    return (
        out.assign(_o=order)
        .sort_values("_o", kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def coerce_and_check(raw: dict[str, pd.DataFrame], problems: Problems) -> dict[str, pd.DataFrame]:
    """Coerce each raw table to its schema and run the single-table rules.

    Parameters
    ----------
    raw
        Tables by name (``patients``, ``lines``, ``assessments``, ``lesions``).
    problems
        Where problems are recorded.

    Returns
    -------
    dict of pandas.DataFrame
        The typed tables, with every declared column present.
    """
    typed: dict[str, pd.DataFrame] = {}
    for table, model in INPUT_MODELS.items():
        if table not in raw:
            continue
        df = coerce_table(raw[table], model, table, problems)
        if table == "markers":
            df["unit"] = normalise_units(df["unit"])
        _check_values(df, model, table, problems)
        _check_duplicates(df, table, problems)
        typed[table] = df
    return typed


_CHECK_RULES = {
    "isin": "allowed_values",
    "greater_than_or_equal_to": "range",
    "greater_than": "range",
    "less_than_or_equal_to": "range",
    "less_than": "range",
    "str_length": "not_null",
    "not_nullable": "not_null",
}


def _check_values(
    df: pd.DataFrame, model: type[pa.DataFrameModel], table: str, problems: Problems
) -> None:
    """The schema's value checks (required values, allowed values, ranges), column by column
    in schema order, as pandera states them: missing values fail only ``nullable=False`` and
    are not checked further.  Types are guaranteed by coercion, so the checks run as numpy
    comparisons on the typed columns (pandera's per-check Series machinery costs tens of
    seconds on millions of lesion rows); row keys are made only for failing rows."""
    schema = model.to_schema()
    keys = RowKeys(df, table)
    for column, col in schema.columns.items():
        s = df[column]
        null = s.isna().to_numpy()
        failures: list[tuple[str, np.ndarray]] = []
        if not col.nullable and (table, column) not in problems.absent:
            failures.append(("not_nullable", null))  # (a missing column is reported once)
        for check in col.checks:
            failed = _failed(s, null, check.name, check.statistics)
            if failed is not None:
                failures.append((check.name, failed))
        for name, failed in failures:
            rule = _CHECK_RULES[name]
            message = _check_message(col, name, name)
            values = s.to_numpy(dtype=object)
            for i in np.flatnonzero(failed):
                key = keys[i]
                if rule == "not_null" and (table, column, key) in problems.unconvertible:
                    continue  # already reported as a value of the wrong type
                problems.add(table, column, key, rule, values[i], message)


#: The schema's bound checks, as comparisons a valid value passes.
_COMPARE = {
    "greater_than_or_equal_to": operator.ge,
    "greater_than": operator.gt,
    "less_than_or_equal_to": operator.le,
    "less_than": operator.lt,
}


def _failed(
    s: pd.Series, null: np.ndarray, name: str, stats: dict[str, object]
) -> np.ndarray | None:
    """Where a filled value fails one pandera check (None: no such value)."""
    filled = ~null
    if not filled.any():
        return None
    if name == "isin":
        allowed = list(stats["allowed_values"])  # type: ignore[call-overload]
        failed = filled & ~s.isin(allowed).to_numpy()
    elif name == "str_length":
        text = pyarrow.array(s[filled].astype(str).to_numpy(dtype=object), type=pyarrow.string())
        lengths = pc.utf8_length(text).to_numpy()
        low, high = stats.get("min_value"), stats.get("max_value")
        bad = np.zeros(len(lengths), dtype=bool)
        if isinstance(low, int):
            bad |= lengths < low
        if isinstance(high, int):
            bad |= lengths > high
        failed = np.zeros(len(s), dtype=bool)
        failed[filled] = bad
    elif name in _COMPARE:
        bound: Any = next(iter(stats.values()))
        ok = _COMPARE[name](s[filled], bound)
        failed = np.zeros(len(s), dtype=bool)
        failed[filled] = ~ok.to_numpy(dtype=bool)
    else:  # a check this function does not know: a new schema check must be added here
        raise NotImplementedError(f"value check {name!r} of the input schema")
    return failed if failed.any() else None


def _check_message(col: pa.Column, name: str, check: str) -> str:
    if name == "isin":
        allowed = next(c for c in col.checks if c.name == "isin").statistics["allowed_values"]
        return "is not one of " + ", ".join(map(str, allowed))
    if name in ("not_nullable", "str_length"):
        return "is empty but required"
    stats: dict[str, object] = next((c.statistics for c in col.checks if c.name == name), {})
    bound = next(iter(stats.values()), None)
    if isinstance(bound, pd.Timestamp):
        bound = bound.date().isoformat()
    sign = {"greater_than_or_equal_to": ">=", "greater_than": ">", "less_than": "<"}.get(name, "<=")
    return f"must be {sign} {bound}"


def _check_duplicates(df: pd.DataFrame, table: str, problems: Problems) -> None:
    key = list(KEYS[table])
    complete = df[key].notna().all(axis=1)
    dup = df[key].duplicated(keep=False) & complete
    problems.add_rows(
        df,
        dup,
        table=table,
        column=", ".join(key),
        rule="duplicate_key",
        message="the same key appears on more than one row",
    )


def check_cross_table(tables: dict[str, pd.DataFrame], problems: Problems) -> None:
    """Rules that look at more than one table (references, dates against death, RECIST).

    A table whose key column is missing (reported once as ``missing_column``) takes no part:
    every reference to it would fail for that one reason."""
    keyless = {t for t, column in problems.absent if column in KEYS.get(t, ())}
    tables = {t: df for t, df in tables.items() if t not in keyless}
    pts = tables.get("patients")
    lines = tables.get("lines")
    ass = tables.get("assessments")
    les = tables.get("lesions")
    markers = tables.get("markers")
    if pts is not None:
        dead_early = pts["death_date"].notna() & (pts["death_date"] < pts["last_alive_date"])
        problems.add_rows(
            pts,
            dead_early,
            table="patients",
            column="death_date",
            rule="death_before_last_alive",
            value_column="death_date",
            message="death date is before last_alive_date",
        )
        late = pts["birth_date"].notna() & (
            (pts["birth_date"] > pts["last_alive_date"])
            | (pts["birth_date"] > pts["diagnosis_date"]).fillna(False)
        )
        problems.add_rows(
            pts,
            late,
            table="patients",
            column="birth_date",
            rule="before_birth",
            value_column="birth_date",
            message="birth date is after diagnosis or last contact",
        )
        _check_grade(pts, problems)
    for table, df in (
        ("lines", lines),
        ("assessments", ass),
        ("lesions", les),
        ("markers", markers),
        ("tumour_burden", tables.get("tumour_burden")),
    ):
        if df is not None and pts is not None:
            unknown = ~df["patient_id"].isin(pts["patient_id"]) & df["patient_id"].notna()
            problems.add_rows(
                df,
                unknown,
                table=table,
                column="patient_id",
                rule="unknown_patient",
                value_column="patient_id",
                message="patient is not in the patients table",
            )
    if lines is not None:
        bad = lines["end_date"].notna() & (lines["end_date"] < lines["start_date"])
        problems.add_rows(
            lines,
            bad,
            table="lines",
            column="end_date",
            rule="end_before_start",
            value_column="end_date",
            message="line ends before it starts",
        )
        open_end = lines["end_reason"].notna() & lines["end_date"].isna()
        problems.add_rows(
            lines,
            open_end,
            table="lines",
            column="end_date",
            rule="end_reason_without_end",
            value_column="end_reason",
            message="line has an end_reason but no end_date",
        )
    if ass is not None and lines is not None:
        given = ass["line_id"].notna()
        known = pd.MultiIndex.from_frame(lines[["patient_id", "line_id"]])
        ok = pd.MultiIndex.from_frame(ass[["patient_id", "line_id"]]).isin(known)
        problems.add_rows(
            ass,
            given & ~ok,
            table="assessments",
            column="line_id",
            rule="unknown_line",
            value_column="line_id",
            message="line_id is not a line of this patient in the lines table",
        )
    if les is not None and ass is not None:
        known = pd.MultiIndex.from_frame(ass[["patient_id", "assessment_id"]])
        ok = pd.MultiIndex.from_frame(les[["patient_id", "assessment_id"]]).isin(known)
        problems.add_rows(
            les,
            ~ok,
            table="lesions",
            column="assessment_id",
            rule="unknown_assessment",
            value_column="assessment_id",
            message="assessment is not in the assessments table",
        )
    burden = tables.get("tumour_burden")
    if burden is not None:
        _check_burden(burden, ass, les, problems)
    if pts is not None:
        _check_dates_against_patient(tables, problems)
    if markers is not None:
        check_markers(markers, problems)
    if les is not None:
        _check_lesion_units(les, problems)
        check_parent_lesions(les, problems)
        if ass is not None:
            _check_nodes(les, ass, problems)
        check_biomarkers(les, ass, problems)


def _check_burden(
    burden: pd.DataFrame,
    ass: pd.DataFrame | None,
    les: pd.DataFrame | None,
    problems: Problems,
) -> None:
    """The tumour_burden rules: each row one kind of value, one kind per patient, known scans,
    and no patient measured both lesion by lesion and as a sum."""
    table = "tumour_burden"
    has_sum = burden["sum_value"].notna()
    has_pct = burden["pct_change_baseline"].notna()

    def add(mask: pd.Series, column: str, rule: str, message: str) -> None:
        problems.add_rows(
            burden,
            mask,
            table=table,
            column=column,
            rule=rule,
            value_column=column,
            message=message,
        )

    add(
        has_sum & has_pct,
        "pct_change_baseline",
        "burden_value",
        "gives both a sum and a % change from baseline: give one (netsurv does not choose)",
    )
    add(
        (has_sum | has_pct) & burden["measure"].isna(),
        "measure",
        "burden_value",
        "a sum or % change needs its measure (diameter or volume)",
    )
    add(has_sum & burden["unit"].isna(), "unit", "burden_value", "a sum needs its unit")
    allowed = burden["measure"].map(lambda m: BURDEN_UNITS.get(m, ()) if isinstance(m, str) else ())
    wrong_unit = (
        burden["unit"].notna()
        & burden["measure"].notna()
        & ~pd.Series(
            [u in a for u, a in zip(burden["unit"], allowed, strict=True)], index=burden.index
        )
    )
    add(
        wrong_unit,
        "unit",
        "burden_value",
        "is not a unit of this measure "
        + "; ".join(f"{m}: {', '.join(u)}" for m, u in BURDEN_UNITS.items()),
    )
    kind = np.where(
        has_sum,
        "sum in " + burden["unit"].fillna("?").astype(str),
        np.where(has_pct, "% change", ""),
    )
    given = burden.assign(_kind=kind)[has_sum | has_pct]
    for column, shown, label in (
        ("measure", "measure", "measures"),
        ("_kind", "sum_value", "sums and % changes, or units"),
    ):
        n = given.groupby("patient_id")[column].nunique()
        mixed = given["patient_id"].isin(n.index[n > 1]) & ~given["patient_id"].duplicated()
        problems.add_rows(
            given,
            mixed,
            table=table,
            column=shown,
            rule="burden_one_kind",
            value_column="patient_id",
            message=f"this patient's tumour_burden rows mix {label}: give one kind",
        )
    if ass is not None:
        known = pd.MultiIndex.from_frame(ass[["patient_id", "assessment_id"]])
        ok = pd.MultiIndex.from_frame(burden[["patient_id", "assessment_id"]]).isin(known)
        add(
            pd.Series(~ok, index=burden.index),
            "assessment_id",
            "unknown_assessment",
            "assessment is not in the assessments table",
        )
    if les is not None and len(les):
        both = burden["patient_id"].isin(les["patient_id"]) & ~burden["patient_id"].duplicated()
        add(
            both,
            "patient_id",
            "burden_and_lesions",
            "this patient has rows in both lesions and tumour_burden: give one source",
        )


def _check_grade(pts: pd.DataFrame, problems: Problems) -> None:
    ki = pts["ki67_pct"]
    expected = pd.Series(
        np.select([ki < 3, ki <= 20, ki > 20], ["G1", "G2", "G3"], default=""), index=pts.index
    )
    bad = pts["grade"].notna() & ki.notna() & (pts["grade"] != expected)
    problems.add_rows(
        pts,
        bad,
        table="patients",
        column="grade",
        rule="grade_ki67_mismatch",
        value_column="grade",
        message="grade does not match ki67_pct (WHO 2022)",
    )


def _check_dates_against_patient(tables: dict[str, pd.DataFrame], problems: Problems) -> None:
    pts = tables["patients"].drop_duplicates("patient_id").set_index("patient_id")
    checks = [
        ("lines", "start_date"),
        ("lines", "end_date"),
        ("assessments", "date"),
        ("markers", "date"),
    ]
    for table, column in checks:
        df = tables.get(table)
        if df is None:
            continue
        death = df["patient_id"].map(pts["death_date"])
        alive = df["patient_id"].map(pts["last_alive_date"])
        birth = df["patient_id"].map(pts["birth_date"])
        date = df[column]
        after_death = (date > death).fillna(False)
        problems.add_rows(
            df,
            after_death,
            table=table,
            column=column,
            rule="after_death",
            value_column=column,
            message="date is after the patient's death_date",
        )
        after_alive = death.isna() & (date > alive).fillna(False)
        problems.add_rows(
            df,
            after_alive,
            table=table,
            column=column,
            rule="after_last_alive",
            value_column=column,
            message="date is after last_alive_date of a living patient",
        )
        before_birth = (date < birth).fillna(False)
        problems.add_rows(
            df,
            before_birth,
            table=table,
            column=column,
            rule="before_birth",
            value_column=column,
            message="date is before the patient's birth",
        )


def _check_lesion_units(les: pd.DataFrame, problems: Problems) -> None:
    diam = les["long_axis_mm"].where(les["long_axis_mm"] > 0)
    has_decimals = (diam.notna() & (diam != diam.round())).groupby(les["patient_id"]).any()
    n = diam.notna().astype(int).groupby(les["patient_id"]).sum()
    maximum = diam.groupby(les["patient_id"]).max()
    suspects = n.index[(n >= 2) & (maximum < 10) & has_decimals]
    first = les["patient_id"].isin(suspects) & ~les["patient_id"].duplicated()
    problems.add_rows(
        les,
        first,
        table="lesions",
        column="long_axis_mm",
        rule="unit_looks_like_cm",
        value_column="long_axis_mm",
        message="every diameter of this patient is below 10 with decimals: "
        "were they entered in cm? netsurv expects mm",
    )
    big = (les["long_axis_mm"] > 300) | (les["short_axis_mm"] > 300)
    problems.add_rows(
        les,
        big.fillna(False),
        table="lesions",
        column="long_axis_mm",
        rule="implausible_size",
        value_column="long_axis_mm",
        message="a diameter above 300 mm is implausible: check the unit",
    )
    vol = (les["volume_ml"] > 5000).fillna(False)
    problems.add_rows(
        les,
        vol,
        table="lesions",
        column="volume_ml",
        rule="implausible_size",
        value_column="volume_ml",
        message="a lesion volume above 5000 mL is implausible: check the unit",
    )


def _check_nodes(les: pd.DataFrame, ass: pd.DataFrame, problems: Problems) -> None:
    modality = _modality_of(les, ass)
    measured = les["long_axis_mm"].notna() & les["measurement_flag"].isna()
    missing = (
        (les["site"] == "lymph_node")
        & les["role"].isin(["target", "non_target"])
        & modality.isin(ANATOMICAL_MODALITIES).to_numpy()
        & measured
        & les["short_axis_mm"].isna()
    )
    problems.add_rows(
        les,
        missing,
        table="lesions",
        column="short_axis_mm",
        rule="node_short_axis",
        message="lymph node measured without its short axis (RECIST uses the short axis of nodes)",
    )


def _modality_of(les: pd.DataFrame, ass: pd.DataFrame) -> pd.Series:
    idx = ass.drop_duplicates(["patient_id", "assessment_id"]).set_index(
        ["patient_id", "assessment_id"]
    )["modality"]
    keys = pd.MultiIndex.from_frame(les[["patient_id", "assessment_id"]])
    return pd.Series(idx.reindex(keys).to_numpy(), index=les.index)


def check_baseline_targets(
    lesions: pd.DataFrame, baseline: pd.DataFrame, problems: Problems
) -> None:
    """RECIST 1.1 measurability and target-count rules on each line's baseline scans.

    Parameters
    ----------
    lesions
        The typed lesions table.
    baseline
        Rows of the assessment-line link table whose role is ``"baseline"`` and whose
        modality is CT or MRI (columns ``patient_id``, ``assessment_id``, ``line_id``).
    problems
        Where problems are recorded.
    """
    base_keys = baseline[["patient_id", "assessment_id"]].drop_duplicates()
    tl = lesions.merge(base_keys, on=["patient_id", "assessment_id"])
    tl = tl[tl["role"] == "target"]
    if tl.empty:
        return
    node = tl["site"] == "lymph_node"
    too_small = (~node & (tl["long_axis_mm"] < 10)) | (node & (tl["short_axis_mm"] < 15))
    column = np.where(node, "short_axis_mm", "long_axis_mm")
    for col in ("long_axis_mm", "short_axis_mm"):
        sel = too_small & (column == col)
        limit = "15 mm short axis (lymph node)" if col == "short_axis_mm" else "10 mm long axis"
        problems.add_rows(
            tl,
            sel,
            table="lesions",
            column=col,
            rule="baseline_target_size",
            value_column=col,
            message=f"baseline target lesion below the RECIST minimum of {limit}",
        )
    per_scan = tl.groupby(["patient_id", "assessment_id"])["lesion_id"].transform("size")
    first = ~tl.duplicated(["patient_id", "assessment_id"])
    problems.add_rows(
        tl.assign(n_targets=per_scan),
        (per_scan > 5) & first,
        table="lesions",
        column="role",
        rule="too_many_targets",
        value_column="n_targets",
        message="more than 5 target lesions on the baseline scan",
    )
    organ = tl["site"]
    per_organ = tl.groupby(["patient_id", "assessment_id", organ])["lesion_id"].transform("size")
    first_organ = ~tl.assign(_o=organ).duplicated(["patient_id", "assessment_id", "_o"])
    problems.add_rows(
        tl.assign(n_targets=per_organ),
        (per_organ > 2) & first_organ,
        table="lesions",
        column="site",
        rule="too_many_targets_per_organ",
        value_column="site",
        message="more than 2 target lesions in one organ on the baseline scan "
        "(all lymph nodes count as one organ)",
    )
