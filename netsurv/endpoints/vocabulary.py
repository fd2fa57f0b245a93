"""The endpoint tables' vocabulary: key and output columns, response classes, CNSR codes."""

from __future__ import annotations

#: Key of a derived endpoint row (criterion is None for OS-like endpoints).
KEY = ["patient_id", "line_id", "criterion"]
ADEQUATE = ("CR", "PR", "MR", "SD", "NON-CR/NON-PD", "PD")
RESPONSE = ("CR", "PR")
DAYS_PER_MONTH = 30.4375
TIMEPOINT_COLUMNS = ("patient_id", "line_id", "criterion", "assessment_id", "date", "response")
OUTPUT_COLUMNS = [
    "patient_id",
    "line_id",
    "criterion",
    "endpoint",
    "origin_date",
    "date",
    "days",
    "months",
    "event",
    "cnsr",
    "event_cause",
    "event_or_censor_reason",
    "source_table",
    "source_column",
    "source_key",
]
#: CNSR codes (CDISC: 0 = event, positive = censoring reason).
CENSOR_CODES = {
    "last adequate assessment": 1,
    "no adequate assessment after origin": 2,
    "no baseline tumour assessment": 3,
    "new anticancer therapy started": 4,
    "event after missed assessments": 5,
    "last known alive": 6,
    "data cut-off": 7,
    "on treatment at last contact": 8,
    "treatment completed as planned": 9,
    "last adequate assessment on next line": 10,
}
#: Columns of a candidate event or censoring date.
CANDIDATE_COLUMNS = [
    "_k",
    "date",
    "reason",
    "source_table",
    "source_column",
    "source_key",
    "priority",
]
