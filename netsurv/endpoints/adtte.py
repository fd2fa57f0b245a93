"""The endpoint table in the shape of CDISC ADaM ADTTE."""

from __future__ import annotations

import pandas as pd

ADTTE_COLUMNS = [
    "USUBJID",
    "LINEID",
    "CRITERION",
    "PARAMCD",
    "PARAM",
    "AVAL",
    "AVALU",
    "CNSR",
    "STARTDT",
    "ADT",
    "EVNTDESC",
    "CNSDTDSC",
    "SRCDOM",
    "SRCVAR",
    "SRCSEQ",
    "SRCKEY",
]
_PARAM = {
    "OS": "Overall Survival",
    "PFS": "Progression Free Survival",
    "TTP": "Time to Progression",
    "DoR": "Duration of Response",
    "TTF": "Time to Treatment Failure",
    "TTNT": "Time to Next Treatment",
    "PFS2": "Progression Free Survival 2",
}
_DOMAIN = {"patients": "ADSL", "assessments": "ADRS", "lines": "EX", "responses": "ADRS"}
#: ADaM names of the source variables (ADSL's and ADRS's); others are upper-cased.
SRCVAR = {
    ("patients", "death_date"): "DTHDT",
    ("patients", "last_alive_date"): "LSTALVDT",
    ("assessments", "date"): "ADT",
    ("responses", "date"): "ADT",
    ("lines", "start_date"): "EXSTDT",
    ("lines", "end_date"): "EXENDT",
    ("lines", "origin_date"): "RANDDT",
}


def to_adtte(table: pd.DataFrame) -> pd.DataFrame:
    """Reshape an endpoint table (from ``derive_endpoints``) to ADaM ADTTE variables.

    AVAL is in days (``AVALU = "DAYS"``); CNSR 0 is an event, positive codes are censoring
    reasons; EVNTDESC holds the event description for events, CNSDTDSC the censoring
    description otherwise; SRCDOM / SRCVAR name the source dataset and variable (ADSL
    ``DTHDT`` / ``LSTALVDT`` for patient dates, ADRS ``ADT`` for assessments, EX for treatment
    lines; :data:`SRCVAR`), SRCSEQ the source record's sequence number (empty here; filled with
    the ADRS ``ASEQ`` by :func:`netsurv.io.build_adtte`) and SRCKEY the netsurv row key.

    Parameters
    ----------
    table
        The ``table`` of an :class:`~netsurv.endpoints.EndpointResult`.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"patient_id": ["P1"], "line_id": ["L1"], "criterion": [None],
    ...     "endpoint": ["OS"], "origin_date": pd.to_datetime(["2020-01-01"]),
    ...     "date": pd.to_datetime(["2020-03-01"]), "days": [61], "event": [1], "cnsr": [0],
    ...     "event_or_censor_reason": ["death"], "source_table": ["patients"],
    ...     "source_column": ["death_date"], "source_key": ["P1"]})
    >>> to_adtte(t)[["PARAMCD", "AVAL", "CNSR", "EVNTDESC", "SRCDOM"]].values.tolist()
    [['OS', 61, 0, 'death', 'ADSL']]
    >>> to_adtte(t)["SRCVAR"].tolist()
    ['DTHDT']
    """
    ev = table["event"] == 1
    reason = table["event_or_censor_reason"]
    column = table["source_column"].astype("string")
    named = {f"{t}|{c}": v for (t, c), v in SRCVAR.items()}
    srcvar = (table["source_table"].astype("string") + "|" + column).map(named)
    srcvar = srcvar.fillna(column.str.upper()).astype(object)
    return pd.DataFrame(
        {
            "USUBJID": table["patient_id"],
            "LINEID": table["line_id"],
            "CRITERION": table["criterion"],
            "PARAMCD": table["endpoint"],
            "PARAM": table["endpoint"].map(_PARAM).fillna(table["endpoint"]),
            "AVAL": table["days"],
            "AVALU": "DAYS",
            "CNSR": table["cnsr"],
            "STARTDT": table["origin_date"],
            "ADT": table["date"],
            "EVNTDESC": reason.where(ev),
            "CNSDTDSC": reason.where(~ev),
            "SRCDOM": table["source_table"].map(_DOMAIN),
            "SRCVAR": srcvar,
            "SRCSEQ": pd.array([pd.NA] * len(table), dtype="Int64"),
            "SRCKEY": table["source_key"],
        },
        columns=ADTTE_COLUMNS,
    )
