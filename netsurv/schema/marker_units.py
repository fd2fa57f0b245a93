"""Units of the circulating tumour markers: the ones each marker is reported in, spelling
normalisation, and the checks of the ``markers`` table that depend on them.

Accepted units follow what the assays in use report (CgA: ng/mL = µg/L for the Thermo Fisher
KRYPTOR and CisBio assays, nmol/L for EuroDiagnostica, U/L for DAKO; 5-HIAA: 24-hour urine
excretion in mg/24h or µmol/24h, plasma concentration in nmol/L or ng/mL; NSE ng/mL = µg/L;
whole-blood or serum serotonin ng/mL, nmol/L or µmol/L; pancreastatin pg/mL or pmol/L).  A
value in another unit (CgA in mmol/L) is refused, not converted: molar and mass units of
CgA differ by assay.  Only identical quantities are merged (µg/L is ng/mL, mg/d is mg/24h).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # the schema imports this module for its unit spellings
    from netsurv.schema.problems import Problems

#: Units accepted for each marker, canonical spelling (``other``: any unit).
MARKER_UNITS: dict[str, tuple[str, ...] | None] = {
    "CgA": ("ng/mL", "nmol/L", "U/L"),
    "5-HIAA": ("mg/24h", "µmol/24h", "nmol/L", "ng/mL"),
    "NSE": ("ng/mL",),
    "serotonin": ("ng/mL", "nmol/L", "µmol/L"),
    "pancreastatin": ("pg/mL", "pmol/L"),
    "other": None,
}

#: Spellings of the same quantity, after lower-casing and removing blanks.
_SAME = {
    "ug/l": "ng/mL",
    "µg/l": "ng/mL",
    "mcg/l": "ng/mL",
    "ng/ml": "ng/mL",
    "pg/ml": "pg/mL",
    "ng/l": "pg/mL",
    "nmol/l": "nmol/L",
    "pmol/l": "pmol/L",
    "µmol/l": "µmol/L",
    "umol/l": "µmol/L",
    "u/l": "U/L",
    "iu/l": "U/L",
    "mg/24h": "mg/24h",
    "mg/d": "mg/24h",
    "mg/day": "mg/24h",
    "mg/24hr": "mg/24h",
    "µmol/24h": "µmol/24h",
    "umol/24h": "µmol/24h",
    "µmol/d": "µmol/24h",
    "umol/d": "µmol/24h",
    "µmol/day": "µmol/24h",
    "umol/day": "µmol/24h",
    "µmol/24hr": "µmol/24h",
    "umol/24hr": "µmol/24h",
}


def normalise_units(unit: pd.Series) -> pd.Series:
    """Canonical spelling of each unit (unknown spellings are kept as given).

    Examples
    --------
    >>> normalise_units(pd.Series(["ug/L", "μg / l", "mg/d", "mmol/L", None])).tolist()
    ['ng/mL', 'ng/mL', 'mg/24h', 'mmol/L', None]
    """
    text = unit.astype("string")
    key = text.str.replace(r"\s+", "", regex=True).str.replace("μ", "µ").str.lower()
    mapped = key.map(_SAME)
    out = mapped.where(mapped.notna(), text).astype(object)
    out[text.isna().to_numpy(dtype=bool)] = None
    return out


def with_canonical_units(markers: pd.DataFrame) -> pd.DataFrame:
    """The coerced markers table with each unit in its canonical spelling (the schema's
    normalisation hook of the table, :data:`netsurv.schema.inputs.NORMALISERS`).

    Examples
    --------
    >>> with_canonical_units(pd.DataFrame({"unit": ["ug/L"]}))["unit"].tolist()
    ['ng/mL']
    """
    return markers.assign(unit=normalise_units(markers["unit"]))


def check_markers(markers: pd.DataFrame, problems: Problems) -> None:
    """Rules ``marker_unit`` (a unit the marker is not reported in) and
    ``marker_unit_mixed`` (a patient's series of one marker changes unit: a biochemical
    criterion is NE on a line from the change, as after a tracer switch).

    ``markers`` must already hold canonical units (:func:`normalise_units`).
    """
    allowed = markers["marker"].map(MARKER_UNITS)
    unit = markers["unit"].to_numpy(dtype=object)
    ok = np.array(
        [
            a is None or not isinstance(a, tuple) or u is None or u in a
            for a, u in zip(allowed.to_numpy(dtype=object), unit, strict=True)
        ],
        dtype=bool,
    )
    bad = ~ok & markers["marker"].notna().to_numpy()
    for marker in pd.unique(markers.loc[bad, "marker"]):
        units = ", ".join(MARKER_UNITS[str(marker)] or ())
        problems.add_rows(
            markers,
            bad & (markers["marker"] == marker).to_numpy(),
            table="markers",
            column="unit",
            rule="marker_unit",
            value_column="unit",
            message=f"{marker} is not reported in this unit; use one of {units} "
            "(values are not converted: molar and mass units differ by assay)",
        )
    ok_rows = markers[~bad & markers["unit"].notna().to_numpy()]
    series = ok_rows.sort_values(["patient_id", "marker", "date"], kind="stable")
    first_unit = series.groupby(["patient_id", "marker"], sort=False)["unit"].transform("first")
    changed = series["unit"] != first_unit
    first_change = changed & ~series.assign(_c=changed)[changed].duplicated(
        ["patient_id", "marker"]
    ).reindex(series.index, fill_value=True)
    problems.add_rows(
        series,
        first_change.to_numpy(),
        table="markers",
        column="unit",
        rule="marker_unit_mixed",
        value_column="unit",
        message="this patient's series of the marker changes unit here (another assay): "
        "biochemical criteria do not compare values across units and are NE from this "
        "measurement on",
    )
