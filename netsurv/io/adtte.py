"""ADaM ADTTE out with traceability into ADRS, and any ADTTE back in as netsurv's endpoints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from netsurv.endpoints.adtte import ADTTE_COLUMNS, SRCVAR, to_adtte
from netsurv.endpoints.result import EndpointResult
from netsurv.endpoints.rules import ENDPOINTS
from netsurv.endpoints.vocabulary import DAYS_PER_MONTH, OUTPUT_COLUMNS
from netsurv.errors import ConfigError

_SRCTAB = {"ADSL": "patients", "ADRS": "assessments", "EX": "lines"}
#: The event cause (the engine's event-source kind) of an event dated from each source.
_CAUSE = {
    "patients|death_date": "death",
    "assessments|date": "progression",
    "lines|end_date": "discontinuation",
    "lines|start_date": "next_line",
}
_SRCCOL = {v: c for (_, c), v in SRCVAR.items()}
#: PARAMCD (upper case; admiralonco's RSD for duration of response) -> netsurv endpoint name
_ENDPOINT = {**{name.upper(): name for name in ENDPOINTS}, "RSD": "DoR"}


def _none_unless(values: pd.Series, keep: pd.Series) -> pd.Series:
    out = values.astype(object).copy()
    out[~keep.to_numpy(dtype=bool)] = None
    return out


def build_adtte(
    endpoints: EndpointResult | pd.DataFrame, *, adrs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """ADTTE from derived endpoints, with SRCSEQ pointing into ADRS.

    Parameters
    ----------
    endpoints
        A :class:`~netsurv.endpoints.EndpointResult` or its ``table``.
    adrs
        The ADRS built from the same time points (:func:`build_adrs`): dates taken from an
        assessment get ``SRCSEQ`` = the ``ASEQ`` of that assessment's ``OVR`` record.

    Returns
    -------
    pandas.DataFrame
        :data:`netsurv.endpoints.adtte.ADTTE_COLUMNS` (STARTDT, ADT, AVAL in days, CNSR,
        EVNTDESC, CNSDTDSC, SRCDOM, SRCVAR, SRCSEQ, ...); PARAMCD in upper case (``OS``,
        ``PFS``, ``TTP``, ``DOR``, ``TTF``, ``TTNT``, ``PFS2``).

    Examples
    --------
    >>> import netsurv as ns
    >>> from netsurv.io import build_adrs
    >>> cohort = ns.load_demo()
    >>> tp = ns.classify(cohort, "recist1.1")
    >>> ep = ns.derive_endpoints(cohort, tp, endpoints=["PFS"])
    >>> ad = build_adtte(ep, adrs=build_adrs(tp))
    >>> bool(ad.loc[ad["SRCDOM"] == "ADRS", "SRCSEQ"].notna().all())
    True
    """
    table = endpoints.table if isinstance(endpoints, EndpointResult) else endpoints
    out = to_adtte(table)
    out["PARAMCD"] = out["PARAMCD"].str.upper()  # ADaM: upper case, at most 8 characters
    if adrs is not None:
        ovr = adrs[adrs["PARAMCD"] == "OVR"]
        key = (
            ovr["USUBJID"]
            + " / "
            + ovr["ASSESSID"]
            + " | "
            + ovr["LINEID"]
            + " | "
            + ovr["CRITERION"]
        )
        seq = pd.Series(ovr["ASEQ"].to_numpy(), index=key.to_numpy())
        seq = seq[~seq.index.duplicated()]
        from_ass = table["source_table"].eq("assessments").to_numpy()
        k = (
            table["source_key"].astype("string")
            + " | "
            + table["line_id"].astype("string")
            + " | "
            + table["criterion"].astype("string")
        )
        found = k.map(seq).where(from_ass)
        out["SRCSEQ"] = found.astype("Int64")
    return out[ADTTE_COLUMNS]


def read_adtte(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read an ADTTE (file or frame) back into netsurv's endpoint table.

    The inverse of :func:`build_adtte` / :func:`netsurv.endpoints.to_adtte`: ``event`` = CNSR
    0, the reason from EVNTDESC (events) or CNSDTDSC, ``months`` = AVAL / 30.4375, the source
    table and column from SRCDOM / SRCVAR, the event cause from the source of the event date
    (death date: ``"death"``, an assessment: ``"progression"``, a line's end: ``"discontinuation"``,
    a line's start: ``"next_line"``; empty when the source is not given), the endpoint from
    PARAMCD (``DOR`` and
    admiralonco's ``RSD`` are ``DoR``).  ADTTE written by other tools work too (without LINEID
    / CRITERION those columns are empty).

    Parameters
    ----------
    source
        A CSV or Parquet file, or a DataFrame.

    Returns
    -------
    pandas.DataFrame
        The columns of :attr:`netsurv.endpoints.EndpointResult.table`.

    Examples
    --------
    >>> import netsurv as ns
    >>> ep = ns.derive_endpoints(ns.load_demo(), "recist1.1", endpoints=["PFS", "OS"])
    >>> back = read_adtte(build_adtte(ep))
    >>> back[["days", "event", "cnsr"]].equals(ep.table[["days", "event", "cnsr"]])
    True
    """
    if isinstance(source, pd.DataFrame):
        ad = source
    else:
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"ADTTE file {path} does not exist")
        ad = (
            pd.read_parquet(path)
            if path.suffix.lower() in (".parquet", ".pq")
            else pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        )
    need = ["USUBJID", "PARAMCD", "AVAL", "CNSR", "STARTDT", "ADT"]
    missing = [c for c in need if c not in ad.columns]
    if missing:
        raise ConfigError(f"ADTTE lacks variable(s) {missing}; needs {need}")
    aval = pd.to_numeric(ad["AVAL"], errors="coerce")
    cnsr = pd.to_numeric(ad["CNSR"], errors="coerce")
    bad = aval.isna() | cnsr.isna()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ConfigError(
            f"ADTTE row {i + 1} ({ad['USUBJID'].iloc[i]}, {ad['PARAMCD'].iloc[i]}): AVAL and CNSR must be numbers"
        )
    event = (cnsr == 0).astype(int)
    blank = pd.Series(None, index=ad.index, dtype=object)
    evdesc = ad.get("EVNTDESC", blank)
    cndesc = ad.get("CNSDTDSC", blank)
    dom = ad.get("SRCDOM", blank)
    var = ad.get("SRCVAR", blank).astype("string")
    table = dom.map(_SRCTAB).where(dom.notna(), "(cut-off)")
    column = var.map(_SRCCOL).fillna(var.str.lower()).astype(object)

    def opt(name: str) -> pd.Series:
        col = ad.get(name, blank)
        return _none_unless(col, col.notna())

    out = pd.DataFrame(
        {
            "patient_id": ad["USUBJID"].astype(str),
            "line_id": opt("LINEID"),
            "criterion": opt("CRITERION"),
            "endpoint": ad["PARAMCD"].astype(str).str.upper().map(_ENDPOINT).fillna(ad["PARAMCD"]),
            "origin_date": pd.to_datetime(ad["STARTDT"]),
            "date": pd.to_datetime(ad["ADT"]),
            "days": aval.astype(int),
            "months": aval / DAYS_PER_MONTH,
            "event": event,
            "cnsr": cnsr.astype(int),
            "event_cause": _none_unless(
                (table.astype("string") + "|" + column.astype("string")).map(_CAUSE), event == 1
            ),
            "event_or_censor_reason": evdesc.where(event == 1, cndesc).astype(object),
            "source_table": table.astype(object),
            "source_column": _none_unless(column, dom.notna()),
            "source_key": opt("SRCKEY"),
        }
    )
    return out[OUTPUT_COLUMNS]
