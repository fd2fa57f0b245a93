"""CDISC ADaM ADTR in: a trial's sum of diameters per scan as netsurv's scan-level input.

An ADTR (tumour results analysis dataset) holds one record per subject × visit × parameter;
its sum-of-diameters parameter (``SUMDIAM`` in the CDISC oncology examples, ``SDIAM`` in
admiralonco's template and netsurv's own :func:`netsurv.io.build_adtr`) is the scan-level sum
that the optional ``tumour_burden`` table takes when the lesions themselves are not shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError, ValidationError
from netsurv.io.csv_text import read_csv_file
from netsurv.io.dtc import parse_dtc
from netsurv.schema.inputs import MODALITIES
from netsurv.schema.problems import Problems

_SAS_EPOCH = pd.Timestamp("1960-01-01")
#: ADaM units (AVALU) netsurv takes for a sum of diameters.
_UNITS = {"MM": "mm", "CM": "cm"}


class ScanLevelTables(NamedTuple):
    """The ``assessments`` and ``tumour_burden`` input tables read from an ADTR."""

    assessments: pd.DataFrame
    tumour_burden: pd.DataFrame


def read_adtr(
    adtr: pd.DataFrame | str | Path,
    *,
    paramcd: str | Sequence[str] = ("SUMDIAM", "SDIAM"),
    value: Literal["AVAL", "PCHG"] = "AVAL",
    modality: str = "CT",
) -> ScanLevelTables:
    """Read an ADaM ADTR's sum of diameters into ``assessments`` and ``tumour_burden``.

    Parameters
    ----------
    adtr
        The ADTR as a DataFrame or a file (``.csv``, ``.csv.gz``, ``.parquet``, ``.xpt``,
        ``.sas7bdat``).  Needs ``USUBJID``, ``PARAMCD``, ``ADT`` and ``AVAL`` (or ``PCHG``);
        ``ASSESSID`` or ``AVISIT`` name the scans when present (else the date does), ``AVALU``
        gives the unit (mm when absent), ``ABLFL = "Y"`` marks the baseline (its empty
        ``PCHG`` is 0).
    paramcd
        The sum-of-diameters parameter(s); the first one present is used.
    value
        ``"AVAL"``: the sums (mm or cm); ``"PCHG"``: the % changes from baseline (for an ADTR
        whose sums are withheld).  A record without the value is a not-evaluable scan.
    modality
        Modality of the scans (ADTR does not record it).

    Returns
    -------
    ScanLevelTables
        ``assessments`` (``patient_id`` = ``USUBJID``, ``assessment_id``, ``date``,
        ``modality``) and ``tumour_burden`` (one row per scan, measure ``diameter``).  Join
        them with patients and lines (e.g. from ADSL) in :meth:`netsurv.Cohort.from_frames`;
        new lesions and the non-target status are not in ADTR (add them to the assessments
        from ADRS / RS when you have them).

    Raises
    ------
    netsurv.ValidationError
        Missing variables, dates that are not ISO 8601 (or SAS dates), non-numeric or
        non-finite values, one scan with two different values; every problem at once,
        naming the variable and the ``USUBJID / scan`` row.
    netsurv.ConfigError
        ``value`` or ``modality`` unknown, or none of ``paramcd`` in the data.

    Examples
    --------
    >>> import pandas as pd
    >>> adtr = pd.DataFrame({"USUBJID": "S1", "PARAMCD": "SUMDIAM",
    ...     "AVISIT": ["BASELINE", "WEEK 8", "WEEK 16"],
    ...     "ADT": ["2020-01-05", "2020-03-04", "2020-05-01"],
    ...     "AVAL": [50.0, 34.0, None], "AVALU": "mm", "ABLFL": ["Y", None, None]})
    >>> t = read_adtr(adtr)
    >>> t.tumour_burden[["assessment_id", "sum_value", "unit"]].values.tolist()
    [['BASELINE', 50.0, 'mm'], ['WEEK 8', 34.0, 'mm'], ['WEEK 16', nan, None]]
    >>> read_adtr(adtr.assign(PCHG=[None, -32.0, None]), value="PCHG").tumour_burden[
    ...     "pct_change_baseline"].tolist()
    [0.0, -32.0, nan]
    """
    if value not in ("AVAL", "PCHG"):
        raise ConfigError(f"value must be 'AVAL' or 'PCHG', got {value!r}")
    if modality not in MODALITIES:
        raise ConfigError(f"modality must be one of {list(MODALITIES)}, got {modality!r}")
    df = _frame(adtr)
    problems = Problems()
    needed = ["USUBJID", "PARAMCD", "ADT", value]
    missing = [c for c in needed if c not in df.columns]
    for col in missing:
        problems.add("ADTR", col, "", "missing_column", None, f"ADTR lacks {col}")
    if missing:
        raise ValidationError(problems.frame())
    codes = [paramcd] if isinstance(paramcd, str) else list(paramcd)
    present = [c for c in codes if (df["PARAMCD"].astype(str).str.strip() == c).any()]
    if not present:
        found = sorted(df["PARAMCD"].dropna().astype(str).unique())[:20]
        raise ConfigError(f"ADTR has no PARAMCD in {codes}; it has {found}")
    df = df[df["PARAMCD"].astype(str).str.strip() == present[0]].reset_index(drop=True)

    pid = df["USUBJID"].astype(str).str.strip()
    date = _dates(df["ADT"])
    scan = _scan_ids(df, date)
    keys = (pid + " / " + scan.fillna("")).tolist()
    bad_date = date.isna()
    for i in np.flatnonzero(bad_date.to_numpy()):
        problems.add(
            "ADTR", "ADT", keys[i], "type_date", df["ADT"].iloc[i], "is not an ISO 8601 date"
        )
    number = pd.to_numeric(df[value], errors="coerce")
    not_number = number.isna() & df[value].notna() & (df[value].astype(str).str.strip() != "")
    for i in np.flatnonzero(not_number.to_numpy()):
        problems.add("ADTR", value, keys[i], "type_number", df[value].iloc[i], "is not a number")
    inf = ~np.isfinite(number.fillna(0.0).to_numpy(dtype=float))
    for i in np.flatnonzero(inf):
        problems.add("ADTR", value, keys[i], "non_finite", df[value].iloc[i], "is not finite")
    baseline = df["ABLFL"].astype(str).str.strip().eq("Y") if "ABLFL" in df else False
    if value == "PCHG":
        number = number.where(~(baseline & number.isna()), 0.0)
    unit = (
        df["AVALU"].astype(str).str.strip().str.upper().map(_UNITS)
        if "AVALU" in df.columns
        else pd.Series("mm", index=df.index)
    )
    if value == "AVAL" and "AVALU" in df.columns:
        unknown = unit.isna() & df["AVALU"].notna()
        for i in np.flatnonzero(unknown.to_numpy()):
            problems.add(
                "ADTR",
                "AVALU",
                keys[i],
                "allowed_values",
                df["AVALU"].iloc[i],
                f"is not one of {', '.join(_UNITS)}",
            )
    out = pd.DataFrame({"patient_id": pid, "assessment_id": scan, "date": date, "v": number})
    dup = out.duplicated(["patient_id", "assessment_id"], keep=False)
    groups = out[dup].groupby(["patient_id", "assessment_id"])["v"]
    conflict = groups.nunique(dropna=False) > 1
    for p, a in conflict.index[conflict.to_numpy()]:
        problems.add(
            "ADTR",
            value,
            f"{p} / {a}",
            "duplicate_key",
            None,
            "the scan has records with different values (several lines or evaluators?): keep one",
        )
    if problems.rows:
        raise ValidationError(problems.frame())
    keep = ~out.duplicated(["patient_id", "assessment_id"])
    out, unit = out[keep].reset_index(drop=True), unit[keep].reset_index(drop=True)
    assessments = out[["patient_id", "assessment_id", "date"]].assign(modality=modality)
    has = out["v"].notna().to_numpy()
    nothing = np.full(len(out), None, dtype=object)
    burden = pd.DataFrame(
        {
            "patient_id": out["patient_id"],
            "assessment_id": out["assessment_id"],
            "measure": np.where(has, "diameter", nothing),
            "sum_value": out["v"] if value == "AVAL" else np.nan,
            "unit": np.where(has, unit.to_numpy(dtype=object), nothing)
            if value == "AVAL"
            else nothing,
            "pct_change_baseline": out["v"] if value == "PCHG" else np.nan,
        }
    )
    return ScanLevelTables(assessments=assessments, tumour_burden=burden)


def _frame(adtr: pd.DataFrame | str | Path) -> pd.DataFrame:
    """The ADTR as given, or read from its file (CSV as text cells, Parquet, SAS)."""
    if isinstance(adtr, pd.DataFrame):
        return adtr.rename(columns=lambda c: str(c).strip().upper())
    path = Path(adtr)
    if not path.is_file():
        raise ConfigError(f"ADTR file not found: {path}")
    name = path.name.lower()
    problems = Problems()
    df: pd.DataFrame | None
    if name.endswith((".csv", ".csv.gz")):
        df = read_csv_file(path, table="ADTR", problems=problems, missing=("",))
        df = None if df is None else df.drop(columns="_line")
    elif name.endswith(".parquet"):
        df = pd.read_parquet(path)
    elif name.endswith((".xpt", ".sas7bdat")):
        df = pd.read_sas(str(path), format="xport" if name.endswith(".xpt") else "sas7bdat")
    else:
        raise ConfigError(f"ADTR file {path.name}: use .csv, .csv.gz, .parquet, .xpt or .sas7bdat")
    if df is None or problems.rows:
        raise ValidationError(problems.frame())
    return df.rename(columns=lambda c: str(c).strip().upper())


def _dates(s: pd.Series) -> pd.Series:
    """ADT as dates: ISO text, date cells, or SAS numeric days since 1960-01-01."""
    if pd.api.types.is_numeric_dtype(s):
        return (_SAS_EPOCH + pd.to_timedelta(s, unit="D")).astype("datetime64[ns]")
    return parse_dtc(s, impute="none").date


def _scan_ids(df: pd.DataFrame, date: pd.Series) -> pd.Series:
    """The scan's name: ASSESSID (netsurv's ADTR), else AVISIT, else the date."""
    for col in ("ASSESSID", "AVISIT"):
        if col in df.columns and df[col].notna().all():
            return df[col].astype(str).str.strip()
    return date.dt.strftime("%Y-%m-%d")
