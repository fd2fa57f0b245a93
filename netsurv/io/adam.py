"""CDISC ADaM out: ADRS and ADTR (ADTTE in :mod:`netsurv.io.adtte`), and the ADaM writer.

The ``build_*`` functions are pure: they turn netsurv results into ADaM-shaped DataFrames
(one row per subject × line × criterion × parameter, with the variables admiral /
admiralonco produce) and never touch the disk; :func:`write_adam` writes them (CSV, Parquet,
or SAS transport with ``pyreadstat``) and :func:`netsurv.io.read_adtte` reads an ADTTE back into
netsurv's endpoint table.

Sponsor-defined variables keep netsurv's keys: ``LINEID`` (treatment line), ``CRITERION``
(response criterion), ``ASSESSID`` (assessment) and ``SRCKEY`` (netsurv row key).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.errors import ConfigError
from netsurv.io.tables import write_tables
from netsurv.response.best import best_response
from netsurv.response.classify import Timepoints

#: admiralonco's ``aval_resp()`` codes (MR, netsurv's minor response, is 8).
AVAL_RESP = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6, "MISSING": 7, "MR": 8}
ADRS_COLUMNS = [
    "USUBJID",
    "LINEID",
    "CRITERION",
    "ASEQ",
    "PARAMCD",
    "PARAM",
    "AVALC",
    "AVAL",
    "ADT",
    "ASSESSID",
    "AVISIT",
    "ANL01FL",
    "ANL02FL",
]
ADTR_COLUMNS = [
    "USUBJID",
    "LINEID",
    "CRITERION",
    "PARAMCD",
    "PARAM",
    "ASSESSID",
    "AVISIT",
    "ADT",
    "ADY",
    "AVAL",
    "BASE",
    "CHG",
    "PCHG",
    "NADIR",
    "CHGNAD",
    "PCHGNAD",
    "ABLFL",
    "ANL01FL",
    "PDFL",
    "NLESIONS",
    "NMEAS",
]
_PARAMS = {
    "BOR": "Best Overall Response (confirmation not required)",
    "CBOR": "Best Confirmed Overall Response",
    "RSP": "Response (confirmation not required)",
    "CRSP": "Confirmed Response",
    "PD": "Disease Progression",
    "LSTA": "Last Disease Assessment",
    "LSTAA": "Last Adequate Disease Assessment",
}
_ADTR_PARAM = {
    "diameter": ("SDIAM", "Target Lesions Sum of Diameters"),
    "long_axis": ("SLDIAM", "Target Lesions Sum of Longest Diameters"),
    "viable_diameter": ("SVDIAM", "Sum of Viable Tumour Diameters"),
    "bidimensional": ("SPROD", "Sum of Products of Perpendicular Diameters"),
    "volume": ("SVOL", "Tumour Volume"),
    "density": ("DENS", "Tumour Density"),
    "suv_max": ("SUVMAX", "Maximum SUV"),
    "suv_mean": ("SUVMEAN", "Mean SUV"),
    "sul_peak": ("SULPEAK", "Peak SUL"),
    "tla": ("TLA", "Total Lesion Activity"),
}


def _yes(mask: pd.Series | np.ndarray) -> np.ndarray:
    """ADaM flag: "Y" where ``mask`` holds, empty elsewhere."""
    m = np.asarray(mask, dtype=bool)
    out = np.full(len(m), None, dtype=object)
    out[m] = "Y"
    return out


def _table(tp: Timepoints | pd.DataFrame) -> pd.DataFrame:
    return tp.table if isinstance(tp, Timepoints) else tp


def _visits(cohort: Cohort | None, frame: pd.DataFrame) -> pd.Series:
    """AVISIT of each row: the cohort's ``visit`` column (SDTM imports) else the assessment id."""
    if cohort is not None and "visit" in cohort.assessments.columns:
        idx = cohort.assessments.set_index(["patient_id", "assessment_id"])["visit"]
        keys = pd.MultiIndex.from_frame(frame[["patient_id", "assessment_id"]])
        visit = pd.Series(idx.reindex(keys).to_numpy(), index=frame.index)
        return visit.fillna(frame["assessment_id"]).astype(object)
    return frame["assessment_id"].astype(object)


def build_adrs(
    timepoints: Timepoints | pd.DataFrame,
    *,
    cohort: Cohort | None = None,
    **bor_options: Any,
) -> pd.DataFrame:
    """ADRS: per-visit overall response (``OVR``) and the best-response parameters.

    Parameters
    ----------
    timepoints
        Output of :func:`netsurv.classify` (or its table).
    cohort
        The cohort: gives ``AVISIT`` (the SDTM ``VISIT`` of imported data) and adds, for every
        line a criterion could not evaluate, BOR / CBOR ``MISSING`` and RSP / CRSP / PD ``N``
        (admiralonco's ``no_data_missing``).
    **bor_options
        Options of :func:`netsurv.best_response` (``sd_min_days``, ``confirm_min_days``,
        ``max_ne_between``, ``max_sd_between``, ``cr_then_pr``); default: each criterion's own.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ADRS_COLUMNS`.  Parameters: ``OVR`` (one row per follow-up scan; AVAL =
        ``aval_resp``; ANL02FL = up to and including the first PD), ``BOR`` / ``CBOR`` (best
        overall response unconfirmed / confirmed, ADT = its date), ``RSP`` / ``CRSP``
        (responder, ADT = first response; of the first confirmed pair for CRSP), ``PD`` (ADT =
        first progression), ``LSTA`` (last scan with a response, NE included: admiralonco's
        LSTA) and ``LSTAA`` (last adequate scan up to the first PD: netsurv's PFS censoring
        date).  ASEQ numbers each subject's rows.

    Examples
    --------
    >>> import netsurv as ns
    >>> adrs = build_adrs(ns.classify(ns.load_demo(), "recist1.1"))
    >>> adrs.query("USUBJID == 'P0035' and PARAMCD in ['BOR', 'RSP']")[["PARAMCD", "AVALC"]].values.tolist()
    [['BOR', 'PR'], ['RSP', 'Y']]
    """
    if "confirm" in bor_options:
        raise ConfigError("build_adrs derives both BOR and CBOR; do not pass confirm")
    table = _table(timepoints)
    b = best_response(timepoints, confirm=False, **bor_options)
    bc = best_response(timepoints, confirm=True, **bor_options)
    fu = table[(table["role"] == "follow_up") & table["response"].notna()]
    fu = fu.sort_values(["patient_id", "line_id", "criterion", "date"], kind="stable")
    is_pd = fu["response"].eq("PD").astype(int)
    before = is_pd.groupby([fu["patient_id"], fu["line_id"], fu["criterion"]], sort=False).cumsum()
    ovr = pd.DataFrame(
        {
            "USUBJID": fu["patient_id"],
            "LINEID": fu["line_id"],
            "CRITERION": fu["criterion"],
            "PARAMCD": "OVR",
            "PARAM": "Overall Response",
            "AVALC": fu["response"],
            "ADT": fu["date"],
            "ASSESSID": fu["assessment_id"],
            "AVISIT": _visits(cohort, fu),
            "ANL01FL": "Y",
            "ANL02FL": _yes(before - is_pd == 0),
        }
    )
    last = ~fu.duplicated(["patient_id", "line_id", "criterion"], keep="last").to_numpy()
    lsta = ovr[last].assign(PARAMCD="LSTA", ANL02FL=None)
    k = {"USUBJID": b["patient_id"], "LINEID": b["line_id"], "CRITERION": b["criterion"]}
    yn = {True: "Y", False: "N"}

    def param(code: str, avalc: pd.Series, adt: pd.Series) -> pd.DataFrame:
        return pd.DataFrame({**k, "PARAMCD": code, "AVALC": avalc, "ADT": adt, "ANL01FL": "Y"})

    resp, cresp = b["bor"].isin(["CR", "PR"]), bc["bor"].isin(["CR", "PR"])
    parts = [
        ovr,
        lsta,
        param("BOR", b["bor"], b["bor_date"]),
        param("CBOR", bc["bor"], bc["bor_date"]),
        param("RSP", resp.map(yn), b["first_response_date"].where(resp)),
        param("CRSP", cresp.map(yn), bc["first_response_date"].where(cresp)),
        param("PD", b["first_pd_date"].notna().map(yn), b["first_pd_date"]),
        param("LSTAA", b["last_adequate_date"].notna().map(yn), b["last_adequate_date"]),
    ]
    if cohort is not None:
        names = (
            [c.name for c in timepoints.criteria]
            if isinstance(timepoints, Timepoints)
            else list(pd.unique(table["criterion"]))
        )
        parts.append(_missing_lines(cohort, b, names))
    found = [p for p in parts if not p.empty]
    if not found:
        return pd.DataFrame(columns=ADRS_COLUMNS)
    out = pd.concat(found, ignore_index=True).reindex(columns=ADRS_COLUMNS)
    out["PARAM"] = out["PARAMCD"].map(_PARAMS).fillna(out["PARAM"])
    is_resp = out["PARAMCD"].isin(["OVR", "BOR", "CBOR", "LSTA"])
    out["AVAL"] = np.where(
        is_resp, out["AVALC"].map(AVAL_RESP), out["AVALC"].map({"Y": 1, "N": 0})
    ).astype(float)
    order = ["USUBJID", "LINEID", "CRITERION", "PARAMCD", "ADT", "ASSESSID"]
    return _aseq(out, order)[ADRS_COLUMNS]


def _missing_lines(cohort: Cohort, b: pd.DataFrame, criteria: list[str]) -> pd.DataFrame:
    crit = pd.DataFrame({"CRITERION": criteria})
    lines = cohort.lines[["patient_id", "line_id"]].rename(
        columns={"patient_id": "USUBJID", "line_id": "LINEID"}
    )
    allk = lines.merge(crit, how="cross")
    have = pd.MultiIndex.from_frame(b[["patient_id", "line_id", "criterion"]])
    miss = allk[~pd.MultiIndex.from_frame(allk).isin(have)]
    if miss.empty:
        return pd.DataFrame()
    rows = [
        miss.assign(PARAMCD=p, AVALC=v, ANL01FL="Y")
        for p, v in (
            ("BOR", "MISSING"),
            ("CBOR", "MISSING"),
            ("RSP", "N"),
            ("CRSP", "N"),
            ("PD", "N"),
            ("LSTAA", "N"),
        )
    ]
    return pd.concat(rows, ignore_index=True)


def _aseq(df: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    df = df.sort_values(order, kind="stable", na_position="first").reset_index(drop=True)
    df["ASEQ"] = df.groupby("USUBJID", sort=False).cumcount() + 1
    return df


def build_adtr(
    timepoints: Timepoints | pd.DataFrame, *, cohort: Cohort | None = None
) -> pd.DataFrame:
    """ADTR: the per-scan aggregate of each criterion (sum of diameters for RECIST) with change
    from baseline and from the nadir.

    Criteria that compute no value (``measure="reader"``) are left out.  ``ANL01FL = "Y"``
    when every followed lesion was measured (otherwise AVAL is empty: netsurv does not report
    partial sums); ``NADIR`` is the smallest earlier evaluable value (baseline included);
    ``PCHGNAD`` is empty when the nadir is 0; ``PDFL = "Y"`` where the target response is PD.

    Examples
    --------
    >>> import netsurv as ns
    >>> adtr = build_adtr(ns.classify(ns.load_demo(), "recist1.1"))
    >>> adtr.query("USUBJID == 'P0035'")[["PARAMCD", "ABLFL", "AVAL", "PCHG"]].round(1).head(3).values.tolist()
    [['SDIAM', 'Y', 101.9, 0.0], ['SDIAM', None, 96.9, -4.9], ['SDIAM', None, 88.5, -13.2]]
    """
    table = _table(timepoints)
    crits = timepoints.criteria if isinstance(timepoints, Timepoints) else ()
    measure = {c.name: c.measure for c in crits}
    df = table[table["value"].notna() | table["baseline_value"].notna()].copy()
    m = df["criterion"].map(measure).fillna("diameter")
    df = df[m != "reader"]
    m = m[df.index]
    code = m.map(lambda x: _ADTR_PARAM.get(x, (x.upper(), x))[0])
    label = m.map(lambda x: _ADTR_PARAM.get(x, (x.upper(), x))[1])
    base = df["role"] == "baseline"
    pchgnad = df["pct_change_nadir"].replace([np.inf, -np.inf], np.nan)
    dfs = df["days_from_start"].astype(float)
    out = pd.DataFrame(
        {
            "USUBJID": df["patient_id"],
            "LINEID": df["line_id"],
            "CRITERION": df["criterion"],
            "PARAMCD": code,
            "PARAM": label,
            "ASSESSID": df["assessment_id"],
            "AVISIT": _visits(cohort, df),
            "ADT": df["date"],
            "ADY": np.where(dfs >= 0, dfs + 1, dfs),
            "AVAL": df["value"],
            "BASE": df["baseline_value"],
            "CHG": df["value"] - df["baseline_value"],
            "PCHG": df["pct_change_baseline"],
            "NADIR": df["nadir_value"].where(~base),
            "CHGNAD": df["abs_change_nadir"].where(~base),
            "PCHGNAD": pchgnad.where(~base),
            "ABLFL": _yes(base),
            "ANL01FL": _yes(df["value"].notna()),
            "PDFL": _yes(df["target_response"].eq("PD")),
            "NLESIONS": df["n_lesions"],
            "NMEAS": df["n_measured"],
        }
    )
    return out[ADTR_COLUMNS].reset_index(drop=True)


def write_adam(
    folder: str | Path,
    *,
    datasets: Mapping[str, pd.DataFrame],
    format: Literal["csv", "parquet", "xpt"] = "csv",
) -> list[Path]:
    """Write ADaM datasets (``{"adtte": ..., "adrs": ..., "adtr": ...}``) to ``folder``.

    CSV and Parquet use netsurv's table writer (ISO dates, full precision).  ``"xpt"`` writes
    SAS transport files version 5 with ``pyreadstat`` (install it to use this format);
    variable names longer than 8 characters are shortened (``CRITERION`` -> ``CRIT``).

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> import tempfile, netsurv as ns
    >>> from netsurv.io import build_adtte
    >>> ep = ns.derive_endpoints(ns.load_demo(), "recist1.1", endpoints=["OS"])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in write_adam(tmp, datasets={"adtte": build_adtte(ep)})]
    ['adtte.csv']
    """
    if format in ("csv", "parquet"):
        return write_tables(dict(datasets), folder, format=format)
    if format != "xpt":
        raise ConfigError(f"format must be 'csv', 'parquet' or 'xpt', got {format!r}")
    try:
        import pyreadstat
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError(
            "writing SAS transport (xpt) files needs pyreadstat: pip install pyreadstat"
        ) from exc
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in datasets.items():
        path = out / f"{name}.xpt"
        short = df.rename(columns={"CRITERION": "CRIT"}).rename(columns=lambda c: str(c)[:8])
        short = short.astype({c: object for c in short.columns if short[c].dtype == "Int64"})
        pyreadstat.write_xport(short, str(path), table_name=name.upper()[:8], file_format_version=5)
        paths.append(path)
    return paths
