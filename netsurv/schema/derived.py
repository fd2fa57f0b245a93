"""Pandera models of the tables netsurv derives from the inputs."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series


class AssessmentLines(pa.DataFrameModel):
    """Links between scans and treatment lines (``Cohort.assessment_lines``)."""

    patient_id: Series[str] = pa.Field(description="Patient identifier.")
    line_id: Series[str] = pa.Field(description="Treatment line the scan informs.")
    assessment_id: Series[str] = pa.Field(description="The scan.")
    date: Series[pd.Timestamp] = pa.Field(description="Date of the scan.")
    modality: Series[str] = pa.Field(description="Imaging modality of the scan.")
    role: Series[str] = pa.Field(
        isin=["baseline", "follow_up"],
        description="baseline = last scan of its modality on or before the line's start within "
        "the baseline window; follow_up = after the start, up to the next line's start.",
    )
    days_from_start: Series[int] = pa.Field(
        description="Scan date minus line start date.", metadata={"unit": "days"}
    )
    assigned_by: Series[str] = pa.Field(
        isin=["line_id", "date"],
        description="line_id = given in the assessments table; date = assigned from the dates.",
    )

    class Config:
        strict = True


class Attrition(pa.DataFrameModel):
    """Rows set aside by an analysis step (``Cohort.attrition`` and later stages)."""

    table: Series[str] = pa.Field(description="Table the row belongs to.")
    row_key: Series[str] = pa.Field(description="Key of the row, parts joined by ' / '.")
    stage: Series[str] = pa.Field(description="Step that set the row aside.")
    reason: Series[str] = pa.Field(description="Why, in words.")

    class Config:
        strict = True


class Failures(pa.DataFrameModel):
    """Problems found by validation (``ValidationError.failures``, ``Cohort.warnings``)."""

    severity: Series[str] = pa.Field(isin=["error", "warning"], description="error stops loading.")
    table: Series[str] = pa.Field(description="Table (or '(files)') with the problem.")
    column: Series[str] = pa.Field(nullable=True, description="Column(s) concerned.")
    row_key: Series[str] = pa.Field(
        nullable=True,
        description="Key of the row, or 'line N' of the file when the key is unusable.",
    )
    rule: Series[str] = pa.Field(description="Name of the broken rule (see the rules list).")
    value: Series[object] = pa.Field(nullable=True, description="The offending value.")
    message: Series[str] = pa.Field(description="What is wrong, in words.")
    file: Series[str] = pa.Field(
        nullable=True,
        description="File it was found in ('cohort.xlsx [lesions]' for a sheet); empty for "
        "tables given as DataFrames.",
    )


DERIVED_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "assessment_lines": AssessmentLines,
    "attrition": Attrition,
    "failures": Failures,
}
