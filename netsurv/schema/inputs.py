"""Pandera models of the input tables: patients, lines, assessments, lesions (required), and
the optional markers (circulating tumour markers) and scan-level ``tumour_burden``.

These models are the single source of truth for column names, types, units, allowed values
and meanings.  The data dictionary (``data_dictionary/``) is generated from them, the readers
coerce raw text to the types declared here, and :mod:`netsurv.validation` checks values
against them.

Types used in the models:

* identifiers are strings (``"P001"``; numbers in a CSV are read as text, so ``1`` and
  ``"1"`` are the same patient);
* dates are ``datetime64[ns]`` at day resolution (ISO ``YYYY-MM-DD`` in files);
* measurements are ``float64`` in the unit named in the column (mm, mL, HU, g/mL);
* flags are pandas' nullable ``boolean``; counts are nullable ``Int64``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from netsurv.schema.marker_units import with_canonical_units

SEX = ("F", "M")
PRIMARY_SITES = (
    "pancreas",
    "small_intestine",
    "duodenum",
    "stomach",
    "appendix",
    "colon",
    "rectum",
    "lung",
    "thymus",
    "unknown",
    "other",
)
GRADES = ("G1", "G2", "G3")
REGIMEN_CLASSES = ("SSA", "PRRT", "mTOR", "TKI", "chemo", "locoregional", "surgery", "other")
END_REASONS = (
    "progression",
    "clinical_progression",
    "toxicity",
    "death",
    "completed",
    "patient_decision",
    "other",
)
MODALITIES = ("CT", "MRI", "SST-PET", "FDG-PET", "SPECT")
#: PET / SPECT tracers; quantitative values (SUV, volume) of different tracers are not compared.
TRACERS = ("68Ga-DOTATATE", "68Ga-DOTATOC", "68Ga-DOTANOC", "64Cu-DOTATATE", "18F-FDG", "other")
ANATOMICAL_MODALITIES = ("CT", "MRI")
NONTARGET_STATUSES = ("CR", "NON-CR/NON-PD", "PD", "NE")
READER_RESPONSES = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "ND")
LESION_SITES = ("liver", "lymph_node", "bone", "lung", "peritoneum", "pancreas", "bowel", "other")
LESION_ROLES = ("target", "non_target", "new")
MEASUREMENT_FLAGS = ("too_small", "not_evaluable", "equivocal")
#: Circulating tumour markers (units accepted for each: :data:`netsurv.schema.marker_units.
#: MARKER_UNITS`).
MARKERS = ("CgA", "5-HIAA", "NSE", "serotonin", "pancreastatin", "other")
#: What a scan-level sum adds up, and the units each may be given in (converted to mm / mL).
BURDEN_UNITS: dict[str, tuple[str, ...]] = {"diameter": ("mm", "cm"), "volume": ("mL",)}
BURDEN_MEASURES = tuple(BURDEN_UNITS)
#: Plausible range of an apparent diffusion coefficient in 10^-6 mm^2/s (free water at 37 °C is
#: about 3000; solid tumour 600-1500).  A value outside is a unit slip (10^-3 mm^2/s typed as
#: 1.2) or a reading error: rule ``adc_out_of_range``.
ADC_PLAUSIBLE = (100.0, 4000.0)

#: The key columns of each input table, in order.
KEYS: dict[str, tuple[str, ...]] = {
    "patients": ("patient_id",),
    "lines": ("patient_id", "line_id"),
    "assessments": ("patient_id", "assessment_id"),
    "lesions": ("patient_id", "assessment_id", "lesion_id"),
    "markers": ("patient_id", "marker", "date"),
    "tumour_burden": ("patient_id", "assessment_id"),
}
#: Tables a cohort must have; the others (``markers``, ``tumour_burden``) are optional (and
#: ``lesions`` may be left out when every measured patient is in ``tumour_burden``).
REQUIRED_TABLES = ("patients", "lines", "assessments", "lesions")

_EARLIEST = pd.Timestamp("1900-01-01")
_LATEST = pd.Timestamp("2100-12-31")


def _date(description: str, *, nullable: bool = True) -> Any:
    return pa.Field(
        nullable=nullable,
        ge=_EARLIEST,
        le=_LATEST,
        description=description,
    )


def _id(description: str) -> Any:
    return pa.Field(nullable=False, str_length={"min_value": 1}, description=description)


def _measure(
    description: str, unit: str, *, ge: float | None = 0.0, le: float | None = None
) -> Any:
    return pa.Field(nullable=True, ge=ge, le=le, description=description, metadata={"unit": unit})


def _choice(description: str, allowed: tuple[str, ...]) -> Any:
    return pa.Field(nullable=True, isin=list(allowed), description=description)


class Patients(pa.DataFrameModel):
    """One row per patient. Columns not listed here pass through as covariates."""

    patient_id: Series[str] = _id("Patient identifier, unique in the cohort.")
    last_alive_date: Series[pd.Timestamp] = _date(
        "Last date the patient was known to be alive (last contact); censoring date for OS.",
        nullable=False,
    )
    death_date: Series[pd.Timestamp] | None = _date("Date of death, any cause; empty if alive.")
    sex: Series[str] | None = _choice("Sex recorded at birth.", SEX)
    birth_date: Series[pd.Timestamp] | None = _date("Date of birth.")
    primary_site: Series[str] | None = _choice("Site of the primary tumour.", PRIMARY_SITES)
    grade: Series[str] | None = _choice(
        "WHO 2022 grade (G1: Ki-67 < 3 %, G2: 3-20 %, G3: > 20 %).", GRADES
    )
    ki67_pct: Series[float] | None = _measure("Ki-67 proliferation index.", "%", le=100.0)
    functional: Series[pd.BooleanDtype] | None = pa.Field(
        nullable=True, description="Hormonal (functional) syndrome present."
    )
    diagnosis_date: Series[pd.Timestamp] | None = _date("Date of histological diagnosis.")

    class Config:
        strict = False
        coerce = False


class Lines(pa.DataFrameModel):
    """One row per treatment line of a patient."""

    patient_id: Series[str] = _id("Patient identifier (patients.patient_id).")
    line_id: Series[str] = _id("Treatment line identifier, unique within the patient.")
    regimen: Series[str] = pa.Field(
        nullable=False, str_length={"min_value": 1}, description="Regimen as given, free text."
    )
    start_date: Series[pd.Timestamp] = _date("First day of treatment.", nullable=False)
    regimen_class: Series[str] | None = _choice("Class of the regimen.", REGIMEN_CLASSES)
    end_date: Series[pd.Timestamp] | None = _date("Last day of treatment; empty while ongoing.")
    end_reason: Series[str] | None = _choice(
        "Why treatment stopped; empty while ongoing. clinical_progression = stopped for "
        "clinical (symptomatic) progression without documented radiological progression: a "
        "PFS event at end_date only when the censoring scheme's clinical_progression is on.",
        END_REASONS,
    )
    n_cycles: Series[pd.Int64Dtype] | None = pa.Field(
        nullable=True,
        ge=0,
        description="Number of cycles given (PRRT, chemotherapy).",
        metadata={"unit": "cycles"},
    )
    origin_date: Series[pd.Timestamp] | None = _date(
        "Time origin for endpoints when it is not the start date (e.g. randomisation)."
    )
    progression_date: Series[pd.Timestamp] | None = _date(
        "Progression recorded outside the scans (e.g. an ADSL / ADRS progression date, a "
        "clinical progression). A progression event for PFS / TTP / DoR only when the "
        "censoring scheme's external_progression is on (the earlier of it and the first PD "
        "time-point counts); never used otherwise."
    )

    class Config:
        strict = False
        coerce = False


class Assessments(pa.DataFrameModel):
    """One row per imaging assessment (one scan of one modality on one date)."""

    patient_id: Series[str] = _id("Patient identifier (patients.patient_id).")
    assessment_id: Series[str] = _id("Assessment identifier, unique within the patient.")
    date: Series[pd.Timestamp] = _date("Date of the scan.", nullable=False)
    modality: Series[str] = pa.Field(
        nullable=False, isin=list(MODALITIES), description="Imaging modality."
    )
    line_id: Series[str] | None = pa.Field(
        nullable=True,
        description="Treatment line the scan belongs to; empty = assigned from the dates.",
    )
    nontarget_status: Series[str] | None = _choice(
        "Reader's status of the non-target lesions as a whole (RECIST 1.1 section 4.3.2).",
        NONTARGET_STATUSES,
    )
    new_lesion: Series[pd.BooleanDtype] | None = pa.Field(
        nullable=True,
        description="An unequivocal new lesion is seen on this scan (true / false); "
        "'equivocal' = a finding that may be a new lesion: it is moved to "
        "new_lesion_equivocal and leaves this cell empty.",
        metadata={"equivocal_to": "new_lesion_equivocal"},
    )
    new_lesion_equivocal: Series[pd.BooleanDtype] | None = pa.Field(
        nullable=True,
        description="An equivocal new lesion is seen on this scan (set from new_lesion = "
        "'equivocal' or given directly). RECIST 1.1: progression only when a later scan shows "
        "an unequivocal new lesion, then dated at this scan; unconfirmed, no progression.",
    )
    reader_response: Series[str] | None = _choice(
        "Overall response recorded by the reader (kept for agreement analyses); ND = not "
        "done, read as NE.",
        READER_RESPONSES,
    )
    tracer: Series[str] | None = _choice(
        "PET/SPECT tracer. SUV- and volume-based criteria compare a follow-up scan only with a "
        "baseline of the same tracer: after a switch they are NE on the line (a validation "
        "warning and an attrition row name the scans); empty = not recorded (no switch seen).",
        TRACERS,
    )
    liver_volume_ml: Series[float] | None = _measure(
        "Whole-liver volume (parenchyma and tumour) segmented on this scan (CT/MRI, or PET "
        "where the reader segments the liver on the PET's CT); the denominator of the liver "
        "tumour fraction (consensus: report the liver metastatic fraction). It must not be "
        "smaller than the sum of the scan's liver lesion volumes (rule "
        "liver_volume_below_lesions).",
        "mL",
    )
    liver_suv_mean: Series[float] | None = _measure(
        "Mean SUV of normal liver parenchyma (reference region) on this PET scan; the "
        "denominator of the normalised ZP (Zwirtz et al. 2022).",
        "g/mL",
    )
    visit_id: Series[str] | None = pa.Field(
        nullable=True,
        description="Groups scans of one modality taken on different days into one time point "
        "(e.g. CT chest and CT abdomen); progression is dated at the scan showing a new lesion, "
        "growth at the visit's last scan (FDA 2018). Empty = each scan is its own time point.",
    )

    class Config:
        strict = False
        coerce = False


class Lesions(pa.DataFrameModel):
    """One row per lesion per assessment."""

    patient_id: Series[str] = _id("Patient identifier (patients.patient_id).")
    assessment_id: Series[str] = _id("Assessment the measurement was made on.")
    lesion_id: Series[str] = _id("Lesion identifier, stable across the patient's assessments.")
    site: Series[str] = pa.Field(nullable=False, isin=list(LESION_SITES), description="Organ.")
    role: Series[str] = pa.Field(
        nullable=False,
        isin=list(LESION_ROLES),
        description="RECIST role chosen at baseline (new = first seen after baseline).",
    )
    long_axis_mm: Series[float] | None = _measure(
        "Longest diameter in the axial plane; 0 = disappeared.", "mm"
    )
    short_axis_mm: Series[float] | None = _measure(
        "Short axis, perpendicular to the long axis (required for lymph nodes).", "mm"
    )
    density_hu: Series[float] | None = _measure(
        "Mean CT attenuation of the lesion (Choi).", "HU", ge=-1000.0, le=3000.0
    )
    volume_ml: Series[float] | None = _measure(
        "Lesion volume (CT segmentation or SST-PET functional volume).", "mL"
    )
    suv_max: Series[float] | None = _measure("Maximum standardised uptake value.", "g/mL")
    suv_mean: Series[float] | None = _measure("Mean standardised uptake value.", "g/mL")
    sul_peak: Series[float] | None = _measure(
        "Peak SUV normalised to lean body mass, 1 cm^3 sphere (PERCIST).", "g/mL"
    )
    viable_long_axis_mm: Series[float] | None = _measure(
        "Longest diameter of the viable (arterially enhancing) part (mRECIST).", "mm"
    )
    parent_lesion_id: Series[str] | None = pa.Field(
        nullable=True,
        description="Lesion of the same patient this row is measured with (RECIST 1.1 section "
        "4.3): a fragment of a lesion that split (its reading is added to the parent's; never "
        "a new lesion) or a lesion coalesced into the parent (record it as 0 mm; the parent "
        "carries the coalesced diameter). Empty = a lesion of its own.",
    )
    measurement_flag: Series[str] | None = _choice(
        "too_small = present but too small to measure; not_evaluable = could not be assessed; "
        "equivocal = a new lesion (role new) that may not be one: progression only when a "
        "later scan shows the same lesion_id unequivocally, then dated at the first sighting.",
        MEASUREMENT_FLAGS,
    )
    krenning_score: Series[pd.Int64Dtype] | None = pa.Field(
        nullable=True,
        ge=0,
        le=4,
        description="Krenning score of the lesion's somatostatin-receptor uptake on SST-PET or "
        "SST scintigraphy, read against normal organs: 0 none, 1 very low, 2 equal to normal "
        "liver, 3 above liver, 4 above spleen / kidney (Krenning et al., J Nucl Med "
        "1994;35:1127; Hope et al. 2018 for PET).",
        metadata={"unit": "score"},
    )
    adc: Series[float] | None = _measure(
        "Mean apparent diffusion coefficient of the lesion on diffusion-weighted MRI "
        "(a value in 10^-3 mm^2/s, e.g. 1.2, is 1200 here); an increase after treatment is "
        "read as response (issue 19; proposed by the NET response reviews). Plausible range "
        f"{ADC_PLAUSIBLE[0]:g}-{ADC_PLAUSIBLE[1]:g} (rule adc_out_of_range).",
        "10^-6 mm^2/s",
    )
    fdg_avid: Series[pd.BooleanDtype] | None = pa.Field(
        nullable=True,
        description="On an FDG-PET scan: the reader calls the lesion FDG-avid (uptake above "
        "normal liver). Read with sst_avid of the same lesion_id on the paired SST-PET scan "
        "for the dual-tracer grades and the discordant volume (Chan et al., Theranostics "
        "2017;7:1149).",
    )
    sst_avid: Series[pd.BooleanDtype] | None = pa.Field(
        nullable=True,
        description="On an SST-PET scan: the reader calls the lesion somatostatin-receptor "
        "avid (uptake at least that of normal liver, Krenning >= 2). A lesion of the paired "
        "FDG-PET scan with no row on the SST-PET scan counts as without SST uptake.",
    )

    class Config:
        strict = False
        coerce = False


class Markers(pa.DataFrameModel):
    """One row per circulating tumour marker measurement (optional table).

    A marker series is read by biochemical criteria (``measure="marker"``,
    :data:`netsurv.criteria.CGA_BIOCHEMICAL`) as time points of its own, linked to treatment
    lines by date as scans are.
    """

    patient_id: Series[str] = _id("Patient identifier (patients.patient_id).")
    marker: Series[str] = pa.Field(
        nullable=False,
        isin=list(MARKERS),
        description="Marker: chromogranin A (CgA), 5-hydroxyindoleacetic acid (5-HIAA, urine "
        "or plasma), neuron-specific enolase (NSE), serotonin, pancreastatin, or other (one "
        "series per patient).",
    )
    date: Series[pd.Timestamp] = _date("Date the sample was taken.", nullable=False)
    value: Series[float] = pa.Field(
        nullable=False,
        ge=0.0,
        description="Measured concentration (or 24-h excretion), in `unit`.",
        metadata={"unit": "see unit"},
    )
    unit: Series[str] = pa.Field(
        nullable=False,
        str_length={"min_value": 1},
        description="Unit of value and uln; must be one the marker is reported in (CgA: ng/mL "
        "= µg/L, nmol/L, U/L; 5-HIAA: mg/24h, µmol/24h, nmol/L, ng/mL; NSE: ng/mL; serotonin: "
        "ng/mL, nmol/L, µmol/L; pancreastatin: pg/mL, pmol/L; other: any). Spellings are "
        "normalised (ug/L, μg/L -> ng/mL; mg/d -> mg/24h). Units are those the assays in use "
        "report (netsurv.schema.marker_units); values are never converted.",
    )
    uln: Series[float] | None = pa.Field(
        nullable=True,
        gt=0.0,
        description="Upper limit of normal of the assay, in `unit` (criteria with a "
        "progression_min_uln need it).",
        metadata={"unit": "see unit"},
    )

    class Config:
        strict = False
        coerce = False


class TumourBurden(pa.DataFrameModel):
    """One row per scan of a patient whose data give the tumour burden, not each lesion.

    Optional: for sum-only data (trial ADaM ADTR tables, published tumour-size datasets,
    spreadsheets with one sum per scan).  A patient's measurements come either from
    ``lesions`` or from ``tumour_burden``, never both; new lesions and the non-target status
    stay on ``assessments``.  Which criterion rules work on a sum and which set the line aside
    is listed in :mod:`netsurv.response.burden`.
    """

    patient_id: Series[str] = _id("Patient identifier (patients.patient_id).")
    assessment_id: Series[str] = _id("Assessment (assessments.assessment_id) the sum is of.")
    measure: Series[str] | None = _choice(
        "What is summed over the target lesions: diameter (RECIST sum of diameters: long axes, "
        "short axes of nodes) or volume. Required with sum_value or pct_change_baseline; one "
        "measure per patient.",
        BURDEN_MEASURES,
    )
    sum_value: Series[float] | None = _measure(
        "Sum of the target lesions' measurement on this scan, in unit; 0 = all disappeared. "
        "Empty (and pct_change_baseline empty) = not evaluable.",
        "unit column",
    )
    unit: Series[str] | None = _choice(
        "Unit of sum_value: mm or cm for diameter (cm is converted to mm), mL for volume.",
        tuple(u for units in BURDEN_UNITS.values() for u in units),
    )
    pct_change_baseline: Series[float] | None = _measure(
        "Percentage change of the sum from the line's baseline scan (0 on the baseline scan; "
        "-100 = all disappeared), when the sums themselves are not given. A patient gives "
        "sums or percentage changes, not both.",
        "%",
        ge=-100.0,
    )

    class Config:
        strict = False
        coerce = False


#: The input table models by table name, in loading order (the required ones first).
INPUT_MODELS: dict[str, type[pa.DataFrameModel]] = {
    "patients": Patients,
    "lines": Lines,
    "assessments": Assessments,
    "lesions": Lesions,
    "markers": Markers,
    "tumour_burden": TumourBurden,
}
#: What each table's values mean beyond their type, applied after coercion and before the value
#: checks: marker units in one spelling (``ug/L`` is ``ng/mL``).  Tables not named here are
#: taken as coerced.
NORMALISERS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "markers": with_canonical_units,
}
#: Optional input tables: read when present.
OPTIONAL_INPUT_MODELS: dict[str, type[pa.DataFrameModel]] = {
    t: m for t, m in INPUT_MODELS.items() if t not in REQUIRED_TABLES
}
