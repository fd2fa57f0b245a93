"""Best overall response (BOR), confirmed and unconfirmed, per patient × line × criterion.

Rules (CRITERIA.md section 1.9 and 4, admiralonco's event objects):

* window: the line's follow-up scans up to and including the first PD (for criteria that
  confirm PD, the first PD that is not an unconfirmed iUPD);
* unconfirmed BOR: CR > PR > MR (any time) > SD (CR/PR/MR/SD on a scan at least
  ``sd_min_days`` after the line start) > NON-CR/NON-PD (same minimum) > PD > NE; no
  follow-up scan: MISSING;
* confirmed BOR: a CR needs a later CR at least ``confirm_min_days`` after it with only CR or
  NE between (at most ``max_ne_between`` NE); a PR needs a later CR/PR with only CR, PR, NE and
  at most ``max_sd_between`` SD between (admiralonco's ``accept_sd = TRUE`` is 1) and no PR
  after a CR in between; an MR likewise with MR allowed; otherwise as unconfirmed without
  CR/PR/MR.
* ``ND`` (not done, e.g. an imported RS record) ranks with NE everywhere: not an adequate
  assessment, an NE between a response and its confirmation, BOR NE at best.  This reproduces RECIST 1.1 Table 3
  (CR then SD / PD / NE gives SD when the SD minimum is met, else PD / NE);
* CR followed by PR (``cr_then_pr``): ``"data_issue"`` (admiralonco: no special handling,
  flagged in ``data_issue``), ``"pr"`` (the CR is re-labelled PR) or ``"pd"`` (the PR is PD).
  Only a PR inside the window counts: a PR after the first PD neither re-labels the CR nor
  raises the data issue (assessments after PD are ignored for the BOR);
* iRECIST (criteria with ``confirm_pd``): the progression category of the iBOR is iCPD when
  the iUPD was confirmed and iUPD when it never was (CRITERIA.md 2.6), both labelled PD and
  told apart by ``pd_status``.  An iUPD that a later iSD / iPR / iCR resolved
  (pseudoprogression) does not end the window and is no progression event, but it is still
  the iUPD category when nothing better qualifies: iUPD then an iSD before ``sd_min_days``
  gives BOR PD dated to the iUPD with ``pd_status`` "unconfirmed" and no ``first_pd_date``
  (iRECIST's own table: iUPD followed only by non-qualifying assessments is iBOR iUPD; the
  early iSD is worth NE, section 1.9).  A PD that counts outranks a resolved iUPD, so a BOR
  PD with a ``first_pd_date`` is always dated to it.

Every step is a whole-column operation on the rows sorted by line and date: the confirming
scan of each candidate is found with one ``searchsorted`` and a "next flagged row" array, and
the scans in between are counted with prefix sums.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.response.best_arrays import RANK, BestRows, best_arrays
from netsurv.response.classify import Timepoints
from netsurv.response.prepare import key_date_order, nat_last

KEY = ["patient_id", "line_id", "criterion"]
REQUIRED = ("patient_id", "line_id", "criterion", "assessment_id", "date", "response")
BOR_COLUMNS = [
    "patient_id",
    "line_id",
    "criterion",
    "bor",
    "bor_date",
    "bor_unconfirmed",
    "bor_unconfirmed_date",
    "bor_confirmed",
    "bor_confirmed_date",
    "confirm",
    "responder",
    "first_response_date",
    "first_pd_date",
    "last_adequate_date",
    "start_date",
    "n_assessments",
    "pd_status",
    "pseudoprogression",
    "data_issue",
]
DEFAULTS: dict[str, Any] = {
    "confirm": False,
    "sd_min_days": 42,
    "confirm_min_days": 28,
    "max_ne_between": 1,
    "max_sd_between": 0,
    "cr_then_pr": "data_issue",
}
_FROM_CRITERION = {
    "confirm": "confirm_response",
    "sd_min_days": "sd_min_days",
    "confirm_min_days": "confirm_min_days",
    "max_ne_between": "confirm_max_ne",
    "max_sd_between": "confirm_max_sd",
    "cr_then_pr": "cr_then_pr",
}


def best_response(
    timepoints: Timepoints | pd.DataFrame,
    *,
    confirm: bool | None = None,
    sd_min_days: int | None = None,
    confirm_min_days: int | None = None,
    max_ne_between: int | None = None,
    max_sd_between: int | None = None,
    cr_then_pr: str | None = None,
) -> pd.DataFrame:
    """Best overall response per patient × line × criterion.

    Each option left as None takes the criterion's own setting when ``timepoints`` is a
    :class:`~netsurv.response.Timepoints` (fields ``confirm_response``, ``sd_min_days``,
    ``confirm_min_days``, ``confirm_max_ne``, ``confirm_max_sd``, ``cr_then_pr``), else the
    default shown.

    Parameters
    ----------
    timepoints
        Output of :func:`netsurv.classify` (or its ``.table``; any table with
        ``patient_id``, ``line_id``, ``criterion``, ``assessment_id``, ``date``,
        ``response`` and ``days_from_start``; ``pd_status`` is used when present).  A
        ``response`` of ``ND`` (not done) counts as NE.
    confirm
        Report the confirmed BOR in ``bor`` (default False: unconfirmed).  Both are always in
        ``bor_unconfirmed`` / ``bor_confirmed``.
    sd_min_days
        SD and NON-CR/NON-PD count only on scans at least this many days after the line start
        (default 42, inclusive).
    confirm_min_days
        Days between a response and its confirming scan (default 28).
    max_ne_between
        NE scans allowed between a response and its confirmation (default 1).
    max_sd_between
        SD scans allowed between a PR (or MR) and its confirmation (default 0; admiralonco's
        ``accept_sd = TRUE`` accepts one: 1).
    cr_then_pr
        ``"data_issue"`` (default, admiralonco), ``"pr"`` or ``"pd"``; see the module notes.

    Returns
    -------
    pandas.DataFrame
        One row per patient × line × criterion (every line in ``timepoints``, including lines
        without follow-up: BOR ``MISSING``) with columns :data:`BOR_COLUMNS`: ``bor`` and
        ``bor_date`` (confirmed or not per ``confirm``), both variants, ``responder``
        (``bor`` is CR or PR), ``first_response_date`` (first CR/PR; first of a confirmed
        pair when ``confirm``), ``first_pd_date``, ``last_adequate_date`` (last evaluable
        scan in the window), ``start_date`` of the line, ``n_assessments`` in the window,
        ``pd_status`` of the window's last PD scan (iRECIST: the PD ending the window, else
        ``"unconfirmed"`` for a resolved iUPD), ``pseudoprogression`` (an unconfirmed PD
        followed by a non-PD evaluable scan) and ``data_issue`` (``"CR followed by PR"``).

        ``first_pd_date`` is the date of the progression event (RECIST PD; iRECIST: the iUPD
        of a confirmed block, or an unresolved iUPD); when ``bor`` is PD and ``pd_status`` is
        not ``"unconfirmed"``, ``bor_date`` equals it.  ``bor`` PD with ``pd_status``
        ``"unconfirmed"`` is the iUPD category from a pseudoprogression: ``bor_date`` is the
        iUPD, ``first_pd_date`` is empty (no progression event; PFS does not count it).

    Notes
    -----
    Lowering (loosening) the response cut-off never removes a response from the time-point
    responses or the unconfirmed BOR, nor from the confirmed BOR with ``max_sd_between=0``.
    With ``max_sd_between=1`` it can, through admiralonco's "no PR after a CR" rule: the time
    points PR, CR, SD, CR (days 56, 70, 84, 98) give confirmed BOR PR (the CR of day 98
    confirms the PR across the accepted SD), while the looser cut-off reads them PR, CR, PR,
    CR: the PR of day 84 now follows the CR, blocks both confirmations and has no scan 28
    days later itself, so the confirmed BOR is SD (``tests/response/test_response_properties``
    pins the example).

    Examples
    --------
    >>> import netsurv as ns
    >>> tp = ns.classify(ns.load_demo(), "recist1.1")
    >>> bor = ns.best_response(tp)
    >>> bor[["patient_id", "line_id", "bor", "first_pd_date"]].head(4).to_string(index=False)
    'patient_id line_id bor first_pd_date\\n     P0001      L1  SD    2015-02-11\\n     P0001      L2  PR    2020-05-15\\n     P0001      L3  SD           NaT\\n     P0002      L1  SD    2014-01-29'
    """
    table = timepoints.table if isinstance(timepoints, Timepoints) else timepoints
    missing = [c for c in (*REQUIRED, "days_from_start") if c not in table.columns]
    if missing:
        raise ConfigError(f"timepoints lacks column(s) {missing}")
    call = {
        "confirm": confirm,
        "sd_min_days": sd_min_days,
        "confirm_min_days": confirm_min_days,
        "max_ne_between": max_ne_between,
        "max_sd_between": max_sd_between,
        "cr_then_pr": cr_then_pr,
    }
    if cr_then_pr is not None and cr_then_pr not in ("data_issue", "pr", "pd"):
        raise ConfigError(f"cr_then_pr must be 'data_issue', 'pr' or 'pd', got {cr_then_pr!r}")
    settings = _settings(timepoints, table, call)

    if isinstance(timepoints, Timepoints):
        # only ``confirm`` picks among the columns computed: the rest is shared by every call
        # on this table with the same other options
        key = tuple(v for opt, v in call.items() if opt != "confirm")
        if key not in timepoints.best_cache:
            timepoints.best_cache[key] = _by_line(timepoints, table, settings)
        res = timepoints.best_cache[key].copy()
    else:
        res = _by_line(timepoints, table, settings)
    use_conf = settings["confirm"].reindex(res["criterion"].to_numpy()).to_numpy(dtype=bool)
    res["confirm"] = use_conf
    res["bor"] = np.where(use_conf, res["bor_confirmed"], res["bor_unconfirmed"])
    # the dates are datetime64[ns] arrays (best_arrays), and so is a pick among them
    # (pd.to_datetime would only look at the values again, element by element)
    for col, confirmed, unconfirmed in (
        ("bor_date", "bor_confirmed_date", "bor_unconfirmed_date"),
        ("first_response_date", "_first_conf_resp", "_first_resp"),
    ):
        res[col] = np.where(use_conf, res[confirmed].to_numpy(), res[unconfirmed].to_numpy())
    res["responder"] = res["bor"].isin(["CR", "PR"])
    return res[BOR_COLUMNS]


def _by_line(
    timepoints: Timepoints | pd.DataFrame, table: pd.DataFrame, settings: pd.DataFrame
) -> pd.DataFrame:
    """One row per patient × line × criterion in output order: key, ``start_date`` and the
    columns of :func:`~netsurv.response.best_arrays.best_arrays` (both best responses, both
    first-response dates, ...); ``settings['confirm']`` is not read.

    The keys are integer codes (each key column factorised once, in sorted order), so the
    groups, their order and the rows' order are integer sorts, never a hash or sort of the
    text columns again."""
    if isinstance(timepoints, Timepoints):
        order = {c.name: i for i, c in enumerate(timepoints.criteria)}
    else:
        order = {c: i for i, c in enumerate(sorted(pd.unique(table["criterion"])))}
    codes = [pd.factorize(table[k], sort=True) for k in KEY]
    (pc, _), (lc, lines), (cc, crits) = codes
    valid = (pc >= 0) & (lc >= 0) & (cc >= 0)  # groupby leaves out rows with a missing key
    rows = np.flatnonzero(valid)
    combined = (pc[rows].astype(np.int64) * len(lines) + lc[rows]) * len(crits) + cc[rows]
    gid, _ = pd.factorize(combined)
    first = rows[~pd.Series(gid).duplicated().to_numpy()]  # group g's first row: first[g]
    start = (table["date"] - pd.to_timedelta(table["days_from_start"], unit="D")).to_numpy()
    known = ~np.isnat(start[rows])  # the line's start: the first one known in the group
    start_of = np.full(len(first), np.datetime64("NaT"), dtype=start.dtype)
    firsts = ~pd.Series(gid[known]).duplicated().to_numpy()
    start_of[gid[known][firsts]] = start[rows[known][firsts]]
    # keys by criterion (given order), patient, start date (missing last) and line
    rank = np.array([order.get(c, len(order)) for c in crits], dtype=np.int64)
    by_key = np.lexsort((lc[first], nat_last(start_of), pc[first], rank[cc[first]]))
    keys = pd.DataFrame(
        {k: table[k].to_numpy()[first[by_key]] for k in KEY} | {"start_date": start_of[by_key]}
    )
    g_of = np.empty(len(first), dtype=np.int64)
    g_of[by_key] = np.arange(len(first))

    ranked = (table["response"].notna() & table["response"].isin(RANK)).to_numpy()[rows]
    fu_rows, g = rows[ranked], g_of[gid[ranked]]
    date = table["date"].to_numpy()
    # the array steps (confirmation search) need rows ordered by group, then date
    by_group = key_date_order(g, date[fu_rows], table["assessment_id"].to_numpy()[fu_rows])
    fu_rows, g = fu_rows[by_group], g[by_group]
    s = settings.reindex(crits).iloc[cc[fu_rows]]
    status = (
        table["pd_status"].to_numpy(dtype=object)[fu_rows]
        if "pd_status" in table.columns
        else np.full(len(fu_rows), None, dtype=object)
    )
    day = date[fu_rows].astype("datetime64[D]").astype(np.int64)
    best_rows = BestRows(
        g=g,
        day=day,
        days_from_start=table["days_from_start"].to_numpy(dtype=np.int64)[fu_rows],
        resp=table["response"].to_numpy(dtype=object)[fu_rows],
        pd_status=status,
        sd_min=s["sd_min_days"].to_numpy(dtype=np.int64),
        conf_min=s["confirm_min_days"].to_numpy(dtype=np.int64),
        max_ne=s["max_ne_between"].to_numpy(dtype=np.int64),
        max_sd=s["max_sd_between"].to_numpy(dtype=np.int64),
        date=date[fu_rows],
    )
    out = best_arrays(best_rows, s["cr_then_pr"].to_numpy(dtype=object), len(keys))
    return keys.assign(**out)[[*KEY, *out, "start_date"]]


def _settings(
    timepoints: Timepoints | pd.DataFrame, table: pd.DataFrame, call: dict[str, Any]
) -> pd.DataFrame:
    """One row of settings per criterion: call argument, else criterion field, else default."""
    names = pd.unique(table["criterion"].to_numpy(dtype=object))
    crits = {c.name: c for c in timepoints.criteria} if isinstance(timepoints, Timepoints) else {}
    rows = []
    for name in names:
        row = {}
        for opt, default in DEFAULTS.items():
            if call[opt] is not None:
                row[opt] = call[opt]
            elif name in crits:
                row[opt] = getattr(crits[name], _FROM_CRITERION[opt])
            else:
                row[opt] = default
        rows.append(row)
    return pd.DataFrame(rows, index=pd.Index(names, dtype=object), columns=list(DEFAULTS))
