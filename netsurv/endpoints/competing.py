"""Endpoint rows as competing-risks data: the event's cause as a status code.

The engine records which event source ended each endpoint (``event_cause``).  A PFS event is
a progression or a death without progression, so PFS split by cause is time to progression
with death as a competing event — the competing-risks version of TTP, which instead censors
deaths (and so analyses a world without them).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from netsurv.endpoints.result import EndpointResult
from netsurv.errors import ConfigError

#: Columns added by :func:`competing_events`.
COMPETING_COLUMNS = ["status", "cause"]


def competing_events(
    endpoints: EndpointResult | pd.DataFrame,
    *,
    endpoint: str = "PFS",
    causes: Sequence[str] = ("progression", "death"),
) -> pd.DataFrame:
    """The rows of one endpoint with a competing-risks status: 0 censored, k for cause k.

    Parameters
    ----------
    endpoints
        Derived endpoints (:func:`netsurv.derive_endpoints`) or their ``table``.
    endpoint
        The endpoint whose events compete, e.g. ``"PFS"`` (progression vs death) or
        ``"TTF"`` (``causes=("discontinuation", "death", "next_line")``).  ``"TTP"`` is refused:
        it censors deaths, so use ``"PFS"`` to analyse time to progression with death as a
        competing event.
    causes
        Event causes (values of ``event_cause``) in code order: the first is status 1 (the
        cause of interest of :func:`netsurv.survival.fine_gray`'s default), the second 2, ...
        Every cause among the endpoint's events must be listed.

    Returns
    -------
    pandas.DataFrame
        The endpoint's rows with ``status`` (0 = censored, 1..k) and ``cause`` (the cause
        name, empty when censored), ready for :func:`netsurv.survival.cumulative_incidence`,
        :func:`~netsurv.survival.gray_test` and :func:`~netsurv.survival.fine_gray`
        (``duration_col="months"``, ``event_col="status"``).

    Examples
    --------
    >>> import netsurv as ns
    >>> ep = ns.derive_endpoints(ns.load_demo(), "recist1.1", endpoints=["PFS"])
    >>> cr = competing_events(ep, endpoint="PFS")
    >>> cr.groupby("status")["cause"].first().tolist()
    [None, 'progression', 'death']
    """
    table = endpoints.table if isinstance(endpoints, EndpointResult) else endpoints
    if not isinstance(table, pd.DataFrame):
        raise ConfigError(
            f"endpoints must be an EndpointResult or its table, got {type(endpoints).__name__}"
        )
    missing = [c for c in ("endpoint", "event", "event_cause") if c not in table.columns]
    if missing:
        raise ConfigError(
            f"endpoints table lacks column(s) {missing}; derive it with netsurv.derive_endpoints "
            "(or read it with netsurv.io.read_adtte, which takes the cause from SRCDOM / SRCVAR)"
        )
    if endpoint == "TTP":
        raise ConfigError(
            "endpoint='TTP' censors deaths, so it has no competing events; use endpoint='PFS' "
            "with causes=('progression', 'death') for time to progression with death as a "
            "competing event"
        )
    rows = table[table["endpoint"] == endpoint]
    if rows.empty:
        have = sorted(pd.unique(table["endpoint"].dropna()))
        raise ConfigError(f"endpoints table has no {endpoint!r} rows; it has {have}")
    names = list(causes)
    if not names or len(set(names)) != len(names):
        raise ConfigError(f"causes must name distinct event causes, got {causes!r}")
    event = rows["event"].to_numpy() == 1
    cause = rows["event_cause"]
    unknown = event & ~cause.isin(names).to_numpy()
    if unknown.any():
        found = sorted({str(c) for c in cause[unknown]})
        keys = (
            rows.loc[unknown, "patient_id"].astype(str)
            + " / "
            + rows.loc[unknown, "line_id"].astype(str)
        )
        raise ConfigError(
            f"{int(unknown.sum())} {endpoint} event(s) have a cause not in causes={names}: "
            f"{found} (lines {keys.head(5).tolist()}); list every cause of the endpoint"
        )
    code = {name: k for k, name in enumerate(names, start=1)}
    status = np.where(event, cause.map(code).fillna(0).to_numpy(), 0).astype(np.int64)
    names_out = cause.to_numpy(dtype=object).copy()
    names_out[~event] = None
    return rows.assign(status=status, cause=names_out).reset_index(drop=True)
