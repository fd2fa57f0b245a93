"""CDISC SDTM LB (laboratory) domain in: the circulating tumour markers of ``read_sdtm``.

Records whose ``LBTESTCD`` or ``LBTEST`` the ``lab_tests`` map names (chromogranin A, 5-HIAA,
NSE, serotonin, pancreastatin) become rows of the ``markers`` table: ``patient_id`` =
``USUBJID``, ``date`` = ``LBDTC`` (complete dates only: a partial specimen date is an error
naming the record, never imputed), ``value`` = ``LBSTRESN``, ``unit`` = ``LBSTRESU``, ``uln``
= ``LBSTNRHI``.  Other laboratory tests are not markers and are ignored; records without a
numeric result (``LBSTAT = "NOT DONE"``) are listed in the attrition table.
"""

from __future__ import annotations

import pandas as pd

from netsurv.cohort import ATTRITION_COLUMNS
from netsurv.io.dtc import parse_dtc
from netsurv.io.sdtm_maps import SdtmMaps, map_values
from netsurv.io.sdtm_visits import STAGE
from netsurv.schema.problems import Problems

MARKER_COLUMNS = ["patient_id", "marker", "date", "value", "unit", "uln"]
_REQUIRED = ("USUBJID", "LBDTC", "LBSTRESN", "LBSTRESU")


def markers_from_lb(
    lb: pd.DataFrame | None, maps: SdtmMaps, problems: Problems
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """The ``markers`` table from the LB domain, and the records set aside.

    Parameters
    ----------
    lb
        The LB domain (None: no markers table).
    maps
        The mapping tables (``lab_tests``).
    problems
        Where missing variables and bad dates are recorded (table ``LB``, row key
        ``USUBJID / LBSEQ``).

    Returns
    -------
    markers : pandas.DataFrame or None
        Columns :data:`MARKER_COLUMNS`; None when ``lb`` is None or names no marker.
    attrition : pandas.DataFrame
        Marker records without a result.

    Examples
    --------
    >>> from netsurv.io import load_maps
    >>> lb = pd.DataFrame({"USUBJID": ["S1", "S1", "S1"], "LBSEQ": [1, 2, 3],
    ...     "LBTESTCD": ["CHROMGRA", "HGB", "CHROMGRA"],
    ...     "LBTEST": ["Chromogranin A", "Hemoglobin", "Chromogranin A"],
    ...     "LBSTRESN": [250.0, 13.1, None], "LBSTRESU": ["ug/L", "g/dL", "ug/L"],
    ...     "LBSTNRHI": [100.0, 17.0, 100.0], "LBSTAT": ["", "", "NOT DONE"],
    ...     "LBDTC": ["2020-01-05", "2020-01-05", "2020-03-01"]})
    >>> m, att = markers_from_lb(lb, load_maps(), Problems())
    >>> m.to_dict("records")
    [{'patient_id': 'S1', 'marker': 'CgA', 'date': Timestamp('2020-01-05 00:00:00'), 'value': 250.0, 'unit': 'ug/L', 'uln': 100.0}]
    >>> att["row_key"].tolist(), att["reason"].tolist()
    (['S1 / 3'], ['CgA record without a numeric result (LBSTAT NOT DONE)'])
    """
    empty_att = pd.DataFrame(columns=ATTRITION_COLUMNS)
    if lb is None:
        return None, empty_att
    lb = lb.reset_index(drop=True)
    by_code = (
        map_values(lb["LBTESTCD"], maps.lab_tests, "marker")
        if "LBTESTCD" in lb
        else pd.Series(None, index=lb.index, dtype=object)
    )
    by_name = (
        map_values(lb["LBTEST"], maps.lab_tests, "marker")
        if "LBTEST" in lb
        else pd.Series(None, index=lb.index, dtype=object)
    )
    marker = by_code.where(by_code.notna(), by_name)
    rows = lb[marker.notna()]
    if rows.empty:
        return None, empty_att
    missing = [c for c in _REQUIRED if c not in rows.columns]
    for col in missing:
        problems.add(
            "LB", col, "", "missing_column", None, f"LB lacks {col}, needed for tumour markers"
        )
    if missing:
        return None, empty_att
    seq = rows["LBSEQ"].astype(str) if "LBSEQ" in rows else pd.Series(rows.index + 1).astype(str)
    key = rows["USUBJID"].astype(str).str.strip() + " / " + seq.to_numpy()
    dates = parse_dtc(rows["LBDTC"], impute="none")
    bad = dates.invalid | (rows["LBDTC"].astype("string").str.strip().fillna("") != "") & (
        dates.date.isna()
    )
    for k, v in zip(key[bad], rows.loc[bad, "LBDTC"], strict=True):
        problems.add(
            "LB",
            "LBDTC",
            k,
            "partial_date",
            v,
            "specimen date is not a complete ISO 8601 date (tumour markers are not imputed)",
        )
    value = pd.to_numeric(rows["LBSTRESN"], errors="coerce")
    no_result = value.isna()
    status = rows["LBSTAT"].astype("string").fillna("") if "LBSTAT" in rows else ""
    reasons = [
        f"{m} record without a numeric result" + (f" (LBSTAT {s})" if s else "")
        for m, s in zip(
            marker[rows.index][no_result],
            pd.Series(status, index=rows.index)[no_result],
            strict=True,
        )
    ]
    att = pd.DataFrame(
        {"table": "LB", "row_key": key[no_result].to_numpy(), "stage": STAGE, "reason": reasons},
        columns=ATTRITION_COLUMNS,
    )
    keep = ~no_result
    uln = (
        pd.to_numeric(rows["LBSTNRHI"], errors="coerce")
        if "LBSTNRHI" in rows
        else pd.Series(float("nan"), index=rows.index)
    )
    out = pd.DataFrame(
        {
            "patient_id": rows["USUBJID"].astype(str).str.strip(),
            "marker": marker[rows.index],
            "date": dates.date,
            "value": value,
            "unit": rows["LBSTRESU"],
            "uln": uln,
        }
    )[keep.to_numpy()]
    return out.reset_index(drop=True)[MARKER_COLUMNS], att
