"""The array steps of the best overall response (:func:`netsurv.best_response`).

Every step is a whole-column operation on the follow-up rows sorted by group (patient × line
× criterion) and date: the window up to the first PD, the CR-then-PR handling, the confirming
scan of each candidate (one ``searchsorted`` and a "next flagged row" array, the scans in
between counted with prefix sums) and each group's best rank and its date.  The rules
themselves are described in :mod:`netsurv.response.best`.

Examples
--------
>>> import numpy as np
>>> rows = BestRows(g=np.array([0, 0]), day=np.array([0, 56]), days_from_start=np.array([56, 112]),
...                 resp=np.array(["PR", "PR"], dtype=object), pd_status=np.array([None, None]),
...                 sd_min=np.array([42, 42]), conf_min=np.array([28, 28]), max_ne=np.array([1, 1]),
...                 max_sd=np.array([0, 0]), date=np.array(["2020-01-01", "2020-02-26"], dtype="datetime64[ns]"))
>>> out = best_arrays(rows, np.array(["data_issue"] * 2, dtype=object), 1)
>>> out["bor_unconfirmed"].tolist(), out["bor_confirmed"].tolist()
(['PR'], ['PR'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from netsurv.response.codes import BEST_ORDER
from netsurv.response.prepare import group_starts, prior_any

ADEQUATE = ("CR", "PR", "MR", "SD", "NON-CR/NON-PD", "PD")
RANK = {r: i for i, r in enumerate(BEST_ORDER)} | {"ND": BEST_ORDER.index("NE")}
_CR, _PR, _MR, _SD, _NONCR, _PD, _NE = range(7)
ADEQUATE_CODES = tuple(RANK[r] for r in ADEQUATE)
#: Ranks of the best response (lower = better): the codes above up to PD, then an iUPD that a
#: later non-PD scan resolved (iRECIST pseudoprogression; still the "iUPD" category, labelled
#: PD, but below a PD that counts so that the BOR date is the counted PD's), NE, nothing.
_B_PD, _B_UPD, _B_NE, _B_NONE = 5, 6, 7, 8
_BOR_LABELS = np.array([*BEST_ORDER[:_PD], "PD", "PD", "NE", "MISSING"], dtype=object)


@dataclass(frozen=True)
class BestRows:
    """The sorted follow-up rows with per-row settings."""

    g: np.ndarray
    day: np.ndarray
    days_from_start: np.ndarray
    resp: np.ndarray
    pd_status: np.ndarray
    sd_min: np.ndarray
    conf_min: np.ndarray
    max_ne: np.ndarray
    max_sd: np.ndarray
    date: np.ndarray


def _next_true(flag: np.ndarray) -> np.ndarray:
    """For each index k, the smallest index >= k where ``flag`` holds (len(flag) if none)."""
    n = len(flag)
    idx = np.where(flag, np.arange(n), n)
    return np.append(np.minimum.accumulate(idx[::-1])[::-1], n)


def _prev_true(flag: np.ndarray) -> np.ndarray:
    """For each index k, the largest index <= k where ``flag`` holds (-1 if none)."""
    return np.maximum.accumulate(np.where(flag, np.arange(len(flag)), -1))


def best_arrays(rows: BestRows, cr_then_pr: np.ndarray, n_keys: int) -> dict[str, Any]:
    """Per group (``0 .. n_keys - 1``): both best responses and their dates, the first
    response (all and confirmed) and PD dates, the last adequate scan, the scans in the window,
    ``pd_status``, ``pseudoprogression`` and ``data_issue``."""
    # the responses as their RANK codes ("ND" reads as NE: no test below tells them apart),
    # so that every test is an integer comparison, not one on text
    code = pd.Series(rows.resp, dtype=object).map(RANK).to_numpy(dtype=np.int64)
    unconfirmed = rows.pd_status == "unconfirmed"
    gstart = group_starts(rows.g)

    # CR followed by PR: flag, and apply the chosen handling.  Only scans up to and including
    # the first PD count (CRITERIA.md 1.9: assessments after PD are ignored for the BOR), so a
    # PR after the PD neither re-labels an earlier CR nor raises a data issue.
    before_pd = ~prior_any((code == _PD) & ~unconfirmed, gstart)
    is_cr = (code == _CR) & before_pd
    is_pr = (code == _PR) & before_pd
    pr_after_cr = is_pr & prior_any(is_cr, gstart)
    issue = np.zeros(n_keys, dtype=bool)
    issue[rows.g[pr_after_cr]] = True
    to_pd = pr_after_cr & (cr_then_pr == "pd")
    later_pr = _later_any(is_pr, rows.g)
    to_pr = is_cr & later_pr & (cr_then_pr == "pr")
    code[to_pd] = _PD
    code[to_pr] = _PR

    # window: up to and including the first PD that is not an unconfirmed iUPD
    is_pd = code == _PD
    cut = is_pd & ~unconfirmed
    keep = ~prior_any(cut, gstart)
    pseudo = np.zeros(n_keys, dtype=bool)
    unconf = is_pd & unconfirmed
    later_eval = _later_any(np.isin(code, (_CR, _PR, _MR, _SD, _NONCR)), rows.g)
    pseudo[rows.g[unconf & later_eval & keep]] = True

    g = rows.g[keep]
    code = code[keep]
    day = rows.day[keep]
    dfs = rows.days_from_start[keep]
    date = rows.date[keep]
    status = rows.pd_status[keep]
    unconfirmed = unconfirmed[keep]
    sd_min = rows.sd_min[keep]

    late = dfs >= sd_min
    sd_like = np.isin(code, (_CR, _PR, _MR, _SD)) & late
    noncr = (code == _NONCR) & late
    # an iUPD resolved by a later non-PD scan (pseudoprogression) is still the iUPD category
    # of the iBOR (CRITERIA.md 2.6: progression category > NE), e.g. iUPD then an iSD before
    # sd_min_days; a PD that counts (RECIST PD, confirmed or unresolved iUPD) ranks above it
    resolved_upd = (code == _PD) & unconfirmed
    base_rank = np.select(
        [
            sd_like,
            noncr,
            resolved_upd,
            code == _PD,
            np.isin(code, (_CR, _PR, _MR, _SD, _NONCR, _NE)),
        ],
        [_SD, _NONCR, _B_UPD, _B_PD, _B_NE],
        _B_NONE,
    )
    unconf_rank = np.minimum(np.where(np.isin(code, (_CR, _PR, _MR)), code, _B_NONE), base_rank)
    confirmed = _confirmed(g, day, code, rows.conf_min[keep], rows.max_ne[keep], rows.max_sd[keep])
    conf_rank = np.minimum(np.where(confirmed, code, _B_NONE), base_rank)

    out: dict[str, Any] = {}
    for label, rank in (("unconfirmed", unconf_rank), ("confirmed", conf_rank)):
        best, best_date = _group_best(g, rank, date, n_keys)
        out[f"bor_{label}"] = best
        out[f"bor_{label}_date"] = best_date
    resp_rows = np.isin(code, (_CR, _PR))
    out["_first_resp"] = _first_date(g, resp_rows, date, n_keys)
    out["_first_conf_resp"] = _first_date(g, resp_rows & confirmed, date, n_keys)
    out["first_pd_date"] = _first_date(g, (code == _PD) & ~unconfirmed, date, n_keys)
    out["last_adequate_date"] = _last_date(g, np.isin(code, ADEQUATE_CODES), date, n_keys)
    out["n_assessments"] = np.bincount(g, minlength=n_keys)
    # status of the window's last PD scan: the PD ending the window, else a resolved iUPD
    last_pd = np.full(n_keys, -1, dtype=np.int64)
    pd_rows = np.flatnonzero(code == _PD)
    np.maximum.at(last_pd, g[pd_rows], pd_rows)
    pd_stat = np.full(n_keys, None, dtype=object)
    has = last_pd >= 0
    pd_stat[has] = status[last_pd[has]]
    out["pd_status"] = pd_stat
    out["pseudoprogression"] = pseudo
    data_issue = np.full(n_keys, None, dtype=object)
    data_issue[issue] = "CR followed by PR"
    out["data_issue"] = data_issue
    return out


def _later_any(flag: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Whether ``flag`` holds on a later row of the same group (rows sorted by group)."""
    n = len(flag)
    if n == 0:
        return np.zeros(0, dtype=bool)
    nxt = _next_true(flag)[1:]  # smallest flagged index > k
    nxt_c = np.minimum(nxt, n - 1)
    return (nxt < n) & (g[nxt_c] == g)


def _confirmed(
    g: np.ndarray,
    day: np.ndarray,
    code: np.ndarray,
    conf_min: np.ndarray,
    max_ne: np.ndarray,
    max_sd: np.ndarray,
) -> np.ndarray:
    """Whether each CR / PR / MR scan is confirmed (admiralonco ``cbor_cr`` / ``cbor_pr``)."""
    n = len(g)
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    big = np.int64(1) << 32
    composite = g * big + day
    k0 = np.searchsorted(composite, g * big + day + conf_min, side="left")
    is_cr, is_pr, is_mr = code == _CR, code == _PR, code == _MR
    is_ne, is_sd = code == _NE, code == _SD
    n_ne = np.cumsum(is_ne)
    n_sd = np.cumsum(is_sd)
    nxt_cr = _next_true(is_cr)
    prev_pr = np.concatenate((_prev_true(is_pr), [-1]))

    def between(counts: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return counts[j] - counts[i]

    for kind, confirming, allowed in (
        (_CR, is_cr, is_cr | is_ne),
        (_PR, is_cr | is_pr, is_cr | is_pr | is_ne | is_sd),
        (_MR, is_cr | is_pr | is_mr, is_cr | is_pr | is_mr | is_ne | is_sd),
    ):
        cand = np.flatnonzero(code == kind)
        if len(cand) == 0:
            continue
        j = _next_true(confirming)[np.minimum(k0[cand], n)]
        ok = j < n
        jc = np.minimum(j, n - 1)
        ok &= g[jc] == g[cand]
        bad = np.cumsum(~allowed)
        ok &= between(bad, cand, jc) == 0
        ok &= between(n_ne, cand, jc) <= max_ne[cand]
        ok &= between(n_sd, cand, jc) <= max_sd[cand]
        if kind != _CR:
            first_cr = nxt_cr[np.minimum(cand + 1, n)]
            last_pr = prev_pr[jc]
            ok &= (first_cr > jc) | (last_pr <= cand) | (first_cr > last_pr)
        out[cand[ok]] = True
    return out


def _group_best(
    g: np.ndarray, rank: np.ndarray, date: np.ndarray, n_keys: int
) -> tuple[np.ndarray, np.ndarray]:
    best = np.full(n_keys, _B_NONE, dtype=np.int64)
    if len(g):
        np.minimum.at(best, g, rank)
    hit = (rank == best[g]) & (rank < _B_NONE)
    return _BOR_LABELS[best], _first_date(g, hit, date, n_keys)


def _first_date(g: np.ndarray, flag: np.ndarray, date: np.ndarray, n_keys: int) -> np.ndarray:
    out = np.full(n_keys, np.datetime64("NaT"), dtype="datetime64[ns]")
    rows = np.flatnonzero(flag)
    first = np.full(n_keys, len(g), dtype=np.int64)
    np.minimum.at(first, g[rows], rows)
    ok = first < len(g)
    out[ok] = date[first[ok]]
    return out


def _last_date(g: np.ndarray, flag: np.ndarray, date: np.ndarray, n_keys: int) -> np.ndarray:
    out = np.full(n_keys, np.datetime64("NaT"), dtype="datetime64[ns]")
    rows = np.flatnonzero(flag)
    last = np.full(n_keys, -1, dtype=np.int64)
    np.maximum.at(last, g[rows], rows)
    ok = last >= 0
    out[ok] = date[last[ok]]
    return out
