"""When a status became known from the scans (response or progression, confirmed or not).

* ``"response"``, unconfirmed: the date of the first CR or PR time-point in the best-response
  window (up to the first progression; :func:`netsurv.best_response`).
* ``"response"``, confirmed: the date of the scan at which the confirmed best response first
  becomes CR or PR when only the scans up to that one are considered — the confirming scan, not
  the (earlier) response it confirms, so nothing is taken from the future.
* ``"progression"``: the date of the first PD time-point; for criteria that confirm
  progression (iRECIST, ``confirm_pd``) the date of the confirming scan (first ``iCPD`` row),
  since an unconfirmed iUPD is not yet progression when it is seen.

Dates only: :mod:`netsurv.survival._status` puts them on the outcome's clock.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.response.best import best_response
from netsurv.response.classify import Timepoints

KEY = ["patient_id", "line_id"]


def status_dates(
    tp: pd.DataFrame,
    source: Timepoints | None,
    *,
    status: Literal["response", "progression"],
    confirm: bool,
) -> pd.DataFrame:
    """``patient_id``, ``line_id``, ``status_date`` for the lines whose status was ever seen.

    ``tp`` holds one criterion's time-point rows; ``source`` (when given) is the
    :class:`~netsurv.response.Timepoints` they were taken from: it supplies the criterion's
    confirmation settings to :func:`netsurv.best_response` and its best responses, computed
    once for every analysis of it.
    """
    if status == "progression":
        fu = _follow_up(tp, [c for c in _PD_COLUMNS if c in tp.columns])
        pdrow = fu["response"] == "PD"
        if "pd_status" in fu.columns:
            pdrow &= fu["pd_status"].isna() | (fu["pd_status"] == "iCPD")
        first = fu[pdrow].drop_duplicates(KEY)
        return first[[*KEY, "date"]].rename(columns={"date": "status_date"})
    if not confirm:
        names = pd.unique(tp["criterion"].to_numpy()[_follow_up_rows(tp)])
        bor = _shared_best(source, names, confirm=False)
        if bor is None:
            bor = best_response(_with_table(source, _follow_up(tp)), confirm=False)
        got = bor[bor["first_response_date"].notna()]
        return got[[*KEY, "first_response_date"]].rename(
            columns={"first_response_date": "status_date"}
        )
    return _confirmation_dates(_follow_up(tp), source)


#: The columns the first progression is read from.
_PD_COLUMNS = [*KEY, "date", "assessment_id", "response", "pd_status"]


def _follow_up_rows(tp: pd.DataFrame) -> np.ndarray:
    """Which rows of ``tp`` are follow-up: with a response, not the baseline scan."""
    keep = tp["response"].notna().to_numpy()
    if "role" in tp.columns:
        keep &= (tp["role"] != "baseline").to_numpy()
    return keep


def _follow_up(tp: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """The follow-up rows of ``tp`` in scan order (only ``columns`` when given: a copy of
    the columns read, not of every column of the time points)."""
    rows = tp[_follow_up_rows(tp)] if columns is None else tp.loc[_follow_up_rows(tp), columns]
    return rows.sort_values([*KEY, "date", "assessment_id"], kind="stable")


def _with_table(source: Timepoints | None, table: pd.DataFrame) -> Timepoints | pd.DataFrame:
    return replace(source, table=table) if source is not None else table


def _shared_best(
    source: Timepoints | None, names: np.ndarray, *, confirm: bool
) -> pd.DataFrame | None:
    """The best responses of criterion ``names[0]`` among ``source``'s, shared by every
    analysis of ``source`` (a line's best response reads its own rows only, so the lines and
    values are the same as from that criterion's follow-up rows alone; lines without
    follow-up add rows with no dates); None unless there is a source and one criterion."""
    if source is None or len(names) != 1:
        return None
    bor = best_response(source, confirm=confirm)
    return bor[bor["criterion"].to_numpy() == names[0]]


def _confirmation_dates(fu: pd.DataFrame, source: Timepoints | None) -> pd.DataFrame:
    """Date of the scan at which each line's confirmed best response first becomes CR/PR.

    A line confirmed on the first k scans is confirmed on the first k + 1 (a confirmation only
    looks back), so the scans are added one ordinal at a time — a loop over scan number (at most
    the longest follow-up, ~20 scans), each step one vectorised :func:`best_response` over every
    line still unconfirmed.
    """
    out = pd.DataFrame({"patient_id": [], "line_id": [], "status_date": []})
    if "days_from_start" not in fu.columns:
        raise ConfigError("timepoints table lacks column 'days_from_start' (needed to confirm)")
    full = _shared_best(source, pd.unique(fu["criterion"].to_numpy()), confirm=True)
    if full is None:
        full = best_response(_with_table(source, fu), confirm=True)
    ok = full[full["bor_confirmed"].isin(["CR", "PR"])][KEY]
    fu = fu.merge(ok, on=KEY)
    if fu.empty:
        return out.astype({"status_date": "datetime64[ns]"})
    fu = fu.assign(_k=fu.groupby(KEY, sort=False).cumcount())
    found = []
    for k in range(1, int(fu["_k"].max()) + 1):
        trunc = fu[fu["_k"] <= k]
        has_k = trunc[trunc["_k"] == k][[*KEY, "date"]]
        bor = best_response(_with_table(source, trunc.drop(columns="_k")), confirm=True)
        now = bor[bor["bor_confirmed"].isin(["CR", "PR"])][KEY].merge(has_k, on=KEY)
        if not now.empty:
            found.append(now.rename(columns={"date": "status_date"}))
            fu = fu[~pd.MultiIndex.from_frame(fu[KEY]).isin(pd.MultiIndex.from_frame(now[KEY]))]
        if fu.empty:
            break
    return pd.concat(found, ignore_index=True) if found else out
