"""Time-point response of one criterion from its per-scan measurements: array rules only.

Target response (RECIST 1.1 section 1.4 order): NE when a followed lesion is missing unless
progression is certain, then CR, PD, PR, MR, SD.  Overall response follows the RECIST
overall-response table (targets with non-targets and new lesions; non-target-only disease).
Optional steps: ``sticky_pr``, ``reappearance_after_cr_pd`` (by default after a confirmed
overall CR) and iRECIST confirmation of PD.
Each step is a handful of numpy operations on whole columns; running quantities within a line
use segmented accumulations (``prior_any``, ``last_before``), never a loop over patients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from netsurv.criteria.criterion import Criterion
from netsurv.response.codes import (
    BASE,
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
    R,
)
from netsurv.response.measures import Measured
from netsurv.response.prepare import last_before, next_at_or_after, prior_any

#: Relative tolerance of cut-off comparisons: absorbs binary rounding of decimal inputs
#: (31.1 + 20.2 mm) without moving any boundary a reader could measure.
EPS = 1e-9


@dataclass(frozen=True)
class Codes:
    """Per-scan codes of one criterion (see :mod:`netsurv.response.codes`)."""

    target: np.ndarray
    response: np.ndarray
    reason: np.ndarray
    pd_status: np.ndarray


def _tol(t: float) -> float:
    return EPS * max(1.0, abs(t))


def ge(x: np.ndarray, t: float, inclusive: bool = True) -> np.ndarray:
    """``x >= t`` (``x > t`` if not inclusive) up to :data:`EPS`; NaN is False."""
    with np.errstate(invalid="ignore"):
        return x >= t - _tol(t) if inclusive else x > t + _tol(t)


def le(x: np.ndarray, t: float, inclusive: bool = True) -> np.ndarray:
    """``x <= t`` (``x < t`` if not inclusive) up to :data:`EPS`; NaN is False."""
    with np.errstate(invalid="ignore"):
        return x <= t + _tol(t) if inclusive else x < t - _tol(t)


def rel(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Relative change ``(x - ref) / ref``; a zero reference gives +inf for growth, 0 for none."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (x - ref) / ref
        zero = ref == 0
        if zero.any():
            r = np.where(zero, np.where(x > 0, np.inf, np.where(x == 0, 0.0, np.nan)), r)
    return r


class _Memo:
    """Caches rule masks shared by criteria whose relevant fields agree (grids)."""

    def __init__(self) -> None:
        self.store: dict[tuple[Any, ...], Any] = {}

    def get(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        if key not in self.store:
            self.store[key] = make()
        return self.store[key]


def classify_codes(m: Measured, crit: Criterion, memo: _Memo | None = None) -> Codes:
    """Target, overall response, reason and PD status codes of every scan."""
    memo = memo or _Memo()
    if crit.measure == "reader":
        return _reader(m)
    tl, tl_reason = _target(m, crit, memo)
    resp, reason = _overall(m, crit, tl, tl_reason)
    pd_status = np.zeros(len(resp), dtype=np.int8)
    if crit.confirm_pd:
        pd_status = _confirm_pd(m, crit, resp)
    return Codes(target=tl, response=resp, reason=reason, pd_status=pd_status)


# --------------------------------------------------------------------------- target lesions
def _density_response(m: Measured, crit: Criterion) -> np.ndarray:
    if crit.density_response_threshold is None:
        return np.zeros(len(m.value), dtype=bool)
    base = np.where(m.density_base > 0, m.density_base, np.nan)
    return le(rel(m.density, base), crit.density_response_threshold, crit.response_inclusive)


def _progression(m: Measured, crit: Criterion, dens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PD on complete scans, and PD certain on incomplete scans from the measured lesions."""
    ref = m.nadir if crit.progression_reference == "nadir" else m.baseline

    def grows(x: np.ndarray) -> np.ndarray:
        out = np.zeros(len(x), dtype=bool)
        chg = x - ref
        if crit.progression_threshold is not None:
            cond = ge(rel(x, ref), crit.progression_threshold, crit.progression_inclusive)
            if crit.progression_min_abs is not None:
                cond &= ge(chg, crit.progression_min_abs, crit.progression_inclusive)
            out |= cond
        if crit.progression_abs_sufficient is not None:
            out |= ge(chg, crit.progression_abs_sufficient)
        if crit.composite != "size":
            out &= ~dens
        return out

    full = m.complete & grows(m.value)
    certain = np.zeros(len(full), dtype=bool)
    if (
        crit.missing == "ne_unless_pd"
        and crit.aggregation in ("sum", "max")
        and crit.measure != "density"
    ):
        certain = ~m.complete & (m.n_measured > 0) & grows(m.value_meas)
    return full, certain


def _response(m: Measured, crit: Criterion, dens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PR (size, composite) and whether it rests on density alone."""
    n = len(m.value)
    if crit.response_threshold is None:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    ref = m.baseline if crit.response_reference == "baseline" else m.nadir
    size = le(rel(m.value, ref), crit.response_threshold, crit.response_inclusive)
    if crit.response_min_abs is not None:
        size &= ge(ref - m.value, crit.response_min_abs)
    if crit.composite == "size_or_density":
        resp = size | dens
    elif crit.composite == "size_and_density":
        resp = size & dens
    else:
        resp = size
    resp &= m.complete
    return resp, resp & ~size


def _target(m: Measured, crit: Criterion, memo: _Memo) -> tuple[np.ndarray, np.ndarray]:
    dkey = (crit.density_response_threshold, crit.response_inclusive, crit.composite)
    dens = memo.get(("dens", *dkey), lambda: _density_response(m, crit))
    pkey = (
        crit.progression_reference,
        crit.progression_threshold,
        crit.progression_inclusive,
        crit.progression_min_abs,
        crit.progression_abs_sufficient,
        crit.missing,
        crit.aggregation,
        crit.measure,
        *dkey,
    )
    pd_full, certain = memo.get(("pd", *pkey), lambda: _progression(m, crit, dens))
    rkey = (
        crit.response_threshold,
        crit.response_reference,
        crit.response_inclusive,
        crit.response_min_abs,
        *dkey,
    )
    resp, dens_only = memo.get(("pr", *rkey), lambda: _response(m, crit, dens))

    n = len(m.value)
    if crit.cr_rule == "recist":
        cr = m.complete & (m.n_pos_nonnodal == 0) & (m.n_big_node == 0)
        present = (m.n_pos_nonnodal > 0) | (m.n_big_node > 0)
    elif crit.cr_rule == "zero":
        cr = m.complete & (m.value == 0)
        present = m.value_meas > 0
    else:
        cr = np.zeros(n, dtype=bool)
        present = np.zeros(n, dtype=bool)
    reap = np.zeros(n, dtype=bool)
    if crit.reappearance_after_cr_pd is not False and crit.cr_rule != "none":
        # after an overall CR (RECIST 1.1: "if the tumour had reached a CR status and the
        # lesion reappeared" -- not a CR of the targets alone while non-target disease
        # persists, where the reappearing lesion is added back to the sum)
        fu = ~m.is_base
        blocked = (fu & m.new_any & crit.new_lesion_pd) | (crit.nontarget_pd & (m.ntl == PD))
        ntl_gone = np.isin(m.ntl, (CR, NONE)) | (not crit.nontarget_pd)
        overall_cr = cr & fu & ntl_gone & ~blocked
        if crit.reappearance_after_cr_pd == "confirmed":
            ne = ~m.complete & ~certain & ~blocked
            overall_cr = _cr_confirmed_at(m, crit, overall_cr, ne)
        reap = prior_any(overall_cr, m.gstart) & present

    mr = np.zeros(n, dtype=bool)
    if crit.minor_response_threshold is not None:
        ref = m.baseline if crit.response_reference == "baseline" else m.nadir
        mr = m.complete & le(rel(m.value, ref), crit.minor_response_threshold, True) & ~resp

    conds = [
        m.is_base,
        ~m.has_targets,
        certain,
        reap & ~m.complete,
        ~m.complete,
        cr,
        reap,
        pd_full,
        resp & dens_only,
        resp,
        mr,
    ]
    tl = np.select(conds, [BASE, NONE, PD, PD, NE, CR, PD, PD, PR, PR, MR], SD).astype(np.int8)
    reason = np.select(
        conds,
        [
            R["baseline"],
            R["stable"],
            R["sum_pd_despite_missing"],
            R["reappearance_after_cr"],
            R["missing_lesion"],
            R["cr"],
            R["reappearance_after_cr"],
            R["sum_pd"],
            R["density_pr"],
            R["size_pr"],
            R["minor_response"],
        ],
        R["stable"],
    ).astype(np.int8)
    if crit.sticky_pr:
        had = prior_any((tl == PR) | (tl == CR), m.gstart) & ~prior_any(tl == PD, m.gstart)
        stick = had & ((tl == SD) | (tl == MR))
        tl = np.where(stick, PR, tl).astype(np.int8)
        reason = np.where(stick, R["sticky_pr"], reason).astype(np.int8)
    return tl, reason


def _cr_confirmed_at(m: Measured, crit: Criterion, cr: np.ndarray, ne: np.ndarray) -> np.ndarray:
    """Scans that confirm an earlier complete response (``cr``: overall CR scans).

    A CR is confirmed by the first CR at least ``confirm_min_days`` later on the same line,
    when only CR or NE scans (at most ``confirm_max_ne`` NE) lie between -- the rule
    :func:`netsurv.best_response` applies to the overall response.  Vectorised: one
    ``searchsorted`` finds each CR's first possible confirming day, a "next CR" array the
    confirming scan, prefix sums the scans between.
    """
    n = len(cr)
    out = np.zeros(n, dtype=bool)
    cand = np.flatnonzero(cr)
    if len(cand) == 0:
        return out
    day = m.days - m.days.min()
    span = np.int64(day.max()) + crit.confirm_min_days + 1
    key = m.gstart.astype(np.int64) * span + day
    k0 = np.searchsorted(key, key[cand] + crit.confirm_min_days, side="left")
    j = next_at_or_after(cr)[np.minimum(k0, n)]
    jc = np.minimum(j, n - 1)
    ok = (j < n) & (m.gstart[jc] == m.gstart[cand])
    other = np.cumsum(~(cr | ne))
    n_ne = np.cumsum(ne)
    ok &= other[jc] == other[cand]
    ok &= n_ne[jc] - n_ne[cand] <= crit.confirm_max_ne
    out[jc[ok]] = True
    return out


# --------------------------------------------------------------------------- overall
def _overall(
    m: Measured, crit: Criterion, tl: np.ndarray, tl_reason: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    fu = ~m.is_base
    new = fu & m.new_any & crit.new_lesion_pd
    ntl = m.ntl if crit.nontarget_pd else np.full(len(tl), NONE, dtype=np.int8)
    ntl_pd = fu & (ntl == PD)
    targets = m.has_targets
    tl_pd = tl == PD
    conds = [
        m.is_base,
        tl_pd,
        new,
        ntl_pd,
        targets & (tl == CR) & ~np.isin(ntl, (CR, NONE)),
        targets,
        ntl == CR,
        ntl == NONCR,
    ]
    resp = np.select(conds, [BASE, PD, PD, PD, PR, tl, CR, NONCR], NE).astype(np.int8)
    reason = np.select(
        conds,
        [
            R["baseline"],
            tl_reason,
            R["new_lesion"],
            R["nontarget_pd"],
            R["cr_nontarget_not_cr"],
            tl_reason,
            R["nontarget_only_cr"],
            R["nontarget_only_non_cr"],
        ],
        R["nontarget_only_ne"],
    ).astype(np.int8)
    return resp, reason


def _reader(m: Measured) -> Codes:
    n = len(m.reader)
    fu = ~m.is_base
    recorded = m.reader > 0
    resp = np.where(m.is_base, BASE, np.where(recorded, m.reader, NE)).astype(np.int8)
    reason = np.where(
        m.is_base, R["baseline"], np.where(recorded, R["reader"], R["reader_missing"])
    ).astype(np.int8)
    return Codes(
        target=np.zeros(n, dtype=np.int8),
        response=np.where(fu, resp, BASE).astype(np.int8),
        reason=reason,
        pd_status=np.zeros(n, dtype=np.int8),
    )


# --------------------------------------------------------------------------- iRECIST
def _confirm_pd(m: Measured, crit: Criterion, resp: np.ndarray) -> np.ndarray:
    """iRECIST status of each PD scan: unconfirmed iUPD, iUPD later confirmed, or iCPD.

    A block is a run of PD scans (NE scans do not interrupt it) after a non-PD scan; its first
    scan is the iUPD.  A later PD scan of the block confirms it when it lies within
    ``confirm_pd_window`` days of the iUPD and shows further growth since the iUPD (sum up by
    ``confirm_pd_min_abs``, cumulative), new non-target progression, or more / larger new
    lesions.  A non-PD evaluable scan ends the block (pseudoprogression if unconfirmed); an
    unconfirmed block that no later evaluable scan of the line ends is ``unresolved``.
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
    with np.errstate(invalid="ignore"):
        grow = ge(m.value_meas - m.value_meas[bs], step)
        more_new = (
            (m.new_count > m.new_count[bs])
            | (m.new_any & ~m.new_any[bs])
            | ge(m.new_sum - m.new_sum[bs], step)
        )
    ntl_new = crit.nontarget_pd & (m.ntl == PD) & (m.ntl[bs] != PD)
    confirming = is_pd & ~start & within & (grow | ntl_new | more_new)

    block = np.cumsum(start) - 1
    n_blocks = int(start.sum())
    first = np.full(max(n_blocks, 1), n, dtype=np.int64)
    np.minimum.at(first, block[confirming], idx[confirming])
    status = np.zeros(n, dtype=np.int8)
    rows = np.flatnonzero(is_pd)
    fc = first[block[rows]]
    resolved = _later_in_group(np.isin(resp, (CR, PR, MR, SD, NONCR)), m.gstart)
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
