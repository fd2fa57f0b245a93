"""The validation rules: each one's name, default severity and what it checks, and the
options that change a rule's severity or switch it off."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from netsurv.validation_biomarkers import BIOMARKER_RULES

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
