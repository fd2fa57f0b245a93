"""iRECIST confirmation of progression: the status of each PD scan of one criterion."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from netsurv.criteria.criterion import Criterion
from netsurv.response.codes import (
    CR,
    MR,
    NE,
    NONCR,
    NONE,
    PD,
    PD_CONFIRMED,
    PD_ICPD,
    PD_UNCONFIRMED,
    PD_UNRESOLVED,
    PR,
    SD,
)
from netsurv.response.cutoffs import ge
from netsurv.response.measures import Measured
from netsurv.response.prepare import last_before

if TYPE_CHECKING:
    from netsurv.response.timepoint import Codes


def confirm_pd(m: Measured, crit: Criterion, resp: np.ndarray) -> np.ndarray:
    """iRECIST status of each PD scan: unconfirmed iUPD, iUPD later confirmed, or iCPD.

    A block is a run of PD scans (NE scans do not interrupt it) after a non-PD scan; its first
    scan is the iUPD.  A later PD scan of the block confirms it when it lies within
    ``confirm_pd_window`` days of the iUPD and shows further growth since the iUPD (sum up by
    ``confirm_pd_min_abs``, cumulative), new non-target progression, or more / larger new
    lesions.  A non-PD evaluable scan ends the block (pseudoprogression if unconfirmed); an
    unconfirmed block that no later evaluable scan of the line ends is ``unresolved``.  With
    ``confirm_pd_min_abs`` None any later PD scan of the block within the window confirms.
    """
    n = len(resp)
    idx = np.arange(n)
    is_pd = resp == PD
    is_ne = resp == NE
    lnn = last_before(~is_ne, m.gstart)
    prev_pd = np.where(lnn >= 0, is_pd[np.maximum(lnn, 0)], False)
    start = is_pd & ~prev_pd
    bs = np.maximum(np.maximum.accumulate(np.where(start, idx, -1)), 0)
    lo, hi = crit.confirm_pd_window
    since = m.days - m.days[bs]
    within = since >= lo
    if hi is not None:
        within &= since <= hi
    step = crit.confirm_pd_min_abs
    if step is None:  # any later progressive scan within the window confirms
        confirming = is_pd & ~start & within
        return _status(resp, is_pd, start, confirming, m.gstart)
    with np.errstate(invalid="ignore"):
        grow = ge(m.value_meas - m.value_meas[bs], step)
        more_new = (
            (m.new_count > m.new_count[bs])
            | (m.new_any & ~m.new_any[bs])
            | (ge(m.new_sum - m.new_sum[bs], step) & (m.new_sum > m.new_sum[bs]))
        )
    ntl_new = crit.nontarget_pd & (m.ntl == PD) & (m.ntl[bs] != PD)
    confirming = is_pd & ~start & within & (grow | ntl_new | more_new)
    return _status(resp, is_pd, start, confirming, m.gstart)


def _status(
    resp: np.ndarray,
    is_pd: np.ndarray,
    start: np.ndarray,
    confirming: np.ndarray,
    gstart: np.ndarray,
) -> np.ndarray:
    """PD status of each scan from the blocks' starts and their confirming scans."""
    n = len(resp)
    idx = np.arange(n)
    block = np.cumsum(start) - 1
    n_blocks = int(start.sum())
    first = np.full(max(n_blocks, 1), n, dtype=np.int64)
    np.minimum.at(first, block[confirming], idx[confirming])
    status = np.zeros(n, dtype=np.int8)
    rows = np.flatnonzero(is_pd)
    fc = first[block[rows]]
    resolved = _later_in_group(np.isin(resp, (CR, PR, MR, SD, NONCR)), gstart)
    unconfirmed = np.where(resolved[rows], PD_UNCONFIRMED, PD_UNRESOLVED)
    status[rows] = np.where(
        fc < n, np.where(rows >= fc, PD_ICPD, PD_CONFIRMED), unconfirmed
    ).astype(np.int8)
    return status


def _later_in_group(flag: np.ndarray, gstart: np.ndarray) -> np.ndarray:
    """Whether ``flag`` holds on a later row of the same group (rows sorted by group)."""
    n = len(flag)
    if n == 0:
        return np.zeros(0, dtype=bool)
    idx = np.arange(n)
    first_at_or_after = np.minimum.accumulate(np.where(flag, idx, n)[::-1])[::-1]
    after = np.append(first_at_or_after[1:], n)
    starts = np.unique(gstart)
    group_end = np.append(starts[1:], n)[np.searchsorted(starts, gstart)]
    return after < group_end


def confirmed_only(codes: Codes, crit: Criterion) -> Codes:
    """``codes`` with PD kept only where progression is confirmed, for a combined criterion.

    A component that confirms progression (``confirm_pd``: iRECIST, or a biochemical
    criterion's confirmation by a later measurement) contributes PD on its iUPD later
    confirmed and on its iCPD scans, and on an unresolved iUPD when ``unresolved_pd`` is
    ``"event"``; an iUPD that a later scan resolved (pseudoprogression), or an unresolved one
    under ``unresolved_pd="censor"``, counts as stable (SD; NON-CR/NON-PD for non-target-only
    disease), as it does for the endpoints of the component alone.  The reason column keeps
    the component's own reason.  Codes of other criteria are returned unchanged.
    """
    if not crit.confirm_pd:
        return codes
    status = codes.pd_status
    drop = status == PD_UNCONFIRMED
    if crit.unresolved_pd == "censor":
        drop |= status == PD_UNRESOLVED
    if not drop.any():
        return codes
    stable = np.where(codes.target == NONE, NONCR, SD).astype(np.int8)
    return replace(codes, response=np.where(drop, stable, codes.response).astype(np.int8))
