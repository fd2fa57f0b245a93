"""Risk-set counts of many binary groupings × many replicates of one outcome, sorted once.

Every variant of a threshold sweep shares the same outcome (time, event); only the grouping
differs, and a bootstrap resample is a vector of integer case weights (equivalent to
duplicating rows, so ties behave as on a resampled data frame).  With the rows sorted by time
once, the numbers at risk and the deaths of group 1 at every distinct event time are prefix sums
over the sorted rows: for a chunk of replicates one elementwise product, one ``reduceat`` over
the time bins and one reverse cumulative sum give them for all variants at once.

A time-dependent binary covariate (a patient switches from group 0 to group 1 at a switch time,
e.g. the first response) uses the same counts: the patient is in group 1 at an event time t when
``switch < t <= time``, as with (start, stop] rows split at the switch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from netsurv.errors import ConfigError


@dataclass(frozen=True)
class Outcome:
    """A right-censored outcome sorted by time, with its distinct event times.

    Attributes
    ----------
    time : numpy.ndarray
        Times, ascending (float).
    event : numpy.ndarray
        Event flags (bool), aligned with ``time``.
    order : numpy.ndarray
        ``order[j]`` is the position in the caller's arrays of sorted row ``j``.
    event_times : numpy.ndarray
        Distinct event times, ascending (K,).
    risk_end : numpy.ndarray
        Number of event times ``<= time`` of each sorted row: the row is at risk at event time
        ``k`` for ``k < risk_end``.
    bin_start : numpy.ndarray
        First sorted row of each risk bin (rows with the same ``risk_end``), for ``reduceat``.
    bin_index : numpy.ndarray
        Event-time index (``risk_end - 1``) of each bin in ``bin_start``; -1 for rows before
        the first event time.
    death_rows : numpy.ndarray
        Sorted positions of the events.
    death_start : numpy.ndarray
        First position in ``death_rows`` of each event time.
    """

    time: np.ndarray
    event: np.ndarray
    order: np.ndarray
    event_times: np.ndarray
    risk_end: np.ndarray
    bin_start: np.ndarray
    bin_index: np.ndarray
    death_rows: np.ndarray
    death_start: np.ndarray

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.time.size)

    @property
    def k(self) -> int:
        """Number of distinct event times."""
        return int(self.event_times.size)

    def switch_index(self, switch: np.ndarray) -> np.ndarray:
        """Event-time index from which a row is in group 1, for switch times in sorted order.

        A row switches *after* ``switch``: it is in group 1 at event time ``t`` when
        ``switch < t``.  Returns ``K`` (never) for NaN / infinite switch times.
        """
        s = np.where(np.isnan(switch), np.inf, switch)
        return np.searchsorted(self.event_times, s, side="right").astype(np.int32)


def sort_outcome(time: np.ndarray, event: np.ndarray) -> Outcome:
    """Sort an outcome once and index its risk sets.

    Parameters
    ----------
    time
        Follow-up times (finite, >= 0).
    event
        1 / True for an event, 0 / False for censoring.

    Returns
    -------
    Outcome

    Raises
    ------
    netsurv.ConfigError
        When the arrays differ in length, or a time is missing, infinite or negative.

    Examples
    --------
    >>> import numpy as np
    >>> o = sort_outcome(np.array([5.0, 2, 2, 9]), np.array([1, 1, 0, 0]))
    >>> o.event_times.tolist(), o.risk_end.tolist()
    ([2.0, 5.0], [1, 1, 2, 2])
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event)
    if time.ndim != 1 or time.shape != event.shape:
        raise ConfigError(
            f"time and event must be 1-D arrays of the same length, got {time.shape} and "
            f"{event.shape}"
        )
    bad = ~np.isfinite(time) | (time < 0)
    if bad.any():
        raise ConfigError(
            f"outcome: {int(bad.sum())} time(s) missing, infinite or negative "
            f"(first at row {int(np.flatnonzero(bad)[0])})"
        )
    ev = event.astype(bool)
    # deaths before censorings at a tied time (the order does not change any count)
    order = np.lexsort((~ev, time))
    t = time[order]
    e = ev[order]
    et = np.unique(t[e])
    risk_end = np.searchsorted(et, t, side="right").astype(np.int64)
    change = np.flatnonzero(np.diff(risk_end)) + 1
    bin_start = np.concatenate([[0], change]) if t.size else np.zeros(0, dtype=np.int64)
    bin_index = risk_end[bin_start] - 1
    death_rows = np.flatnonzero(e)
    dk = risk_end[death_rows] - 1
    death_start = np.searchsorted(dk, np.arange(et.size), side="left")
    return Outcome(
        time=t,
        event=e,
        order=order,
        event_times=et,
        risk_end=risk_end,
        bin_start=bin_start.astype(np.int64),
        bin_index=bin_index.astype(np.int64),
        death_rows=death_rows,
        death_start=death_start.astype(np.int64),
    )


@dataclass(frozen=True)
class Counts:
    """Weighted risk-set counts of R replicates × V groupings at the K event times.

    Attributes
    ----------
    n_risk, n_dead : numpy.ndarray
        (R, K): at risk and dying, all groups.
    n_risk1, n_dead1 : numpy.ndarray
        (R, V, K): at risk and dying in group 1.
    size1, size : numpy.ndarray
        (R, V) patients ever in group 1 and (R, 1) in total (weighted).
    """

    n_risk: np.ndarray
    n_dead: np.ndarray
    n_risk1: np.ndarray
    n_dead1: np.ndarray
    size1: np.ndarray
    size: np.ndarray

    def replicates(self, rows: slice) -> Counts:
        """The counts of a slice of the replicates."""
        return Counts(
            n_risk=self.n_risk[rows],
            n_dead=self.n_dead[rows],
            n_risk1=self.n_risk1[rows],
            n_dead1=self.n_dead1[rows],
            size1=self.size1[rows],
            size=self.size[rows],
        )


def _at_risk(per_bin: np.ndarray, outcome: Outcome) -> np.ndarray:
    """Numbers at risk at each event time from per-bin sums (last axis): suffix sums.

    Bins are the rows with the same number of event times at or before their time, so every
    event time has exactly one bin (its deaths are in it) plus, possibly, a leading bin of rows
    that end before the first event time (never at risk at an event time).
    """
    k = outcome.k
    if per_bin.shape[-1] > k:
        per_bin = per_bin[..., per_bin.shape[-1] - k :]
    cs = np.cumsum(per_bin, axis=-1)
    total = cs[..., -1:] if k else cs
    return total - cs + per_bin


def count_fixed(
    outcome: Outcome,
    groups: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    perm: np.ndarray | None = None,
) -> Counts:
    """Counts of fixed (baseline) binary groupings.

    Parameters
    ----------
    outcome
        The sorted outcome.
    groups
        (V, n) bool, group membership in *sorted* row order.
    weights
        (R, n) non-negative integer case weights in sorted order (None: one replicate of ones).
    perm
        (R, n) row indices: replicate r pairs sorted outcome row j with the grouping of sorted
        row ``perm[r, j]`` (a permutation test); None: identity.

    Returns
    -------
    Counts

    Examples
    --------
    >>> import numpy as np
    >>> o = sort_outcome(np.array([1.0, 2, 2, 3]), np.array([1, 1, 0, 1]))
    >>> c = count_fixed(o, np.array([[True, False, True, False]]),
    ...                 weights=np.array([[1, 1, 1, 1], [2, 0, 1, 1]]))
    >>> c.n_risk.tolist(), c.n_risk1[:, 0].tolist(), c.n_dead1[:, 0].tolist()
    ([[4.0, 3.0, 1.0], [4.0, 2.0, 1.0]], [[2.0, 1.0, 0.0], [3.0, 1.0, 0.0]], [[1.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    """
    g = np.asarray(groups, dtype=bool)
    r = _n_replicates(weights, perm)
    n, k = outcome.n, outcome.k
    v = g.shape[0]
    w = np.ones((r, n)) if weights is None else np.asarray(weights, dtype=float)
    src = np.broadcast_to(np.arange(n), (r, n)) if perm is None else np.asarray(perm)
    g_t = np.ascontiguousarray(g.T, dtype=float)  # (n, V): a row per patient
    # per-bin sums of every replicate as one sparse (replicates x bins, rows) @ dense product:
    # entry (replicate, bin of sorted row j) <- weight of j, taking the grouping of src[r, j]
    nb = outcome.bin_start.size
    row_bin = np.repeat(np.arange(nb), np.diff(np.append(outcome.bin_start, n)))
    per_bin = _sparse_sums(row_bin, nb, w, src, g_t)  # (r, nb, V)
    size1 = per_bin.sum(axis=1)
    at_risk1 = np.cumsum(per_bin[:, ::-1, :], axis=1)[:, ::-1, :][:, nb - k :, :]
    n_risk1 = np.ascontiguousarray(at_risk1.transpose(0, 2, 1))
    all_bin = np.add.reduceat(w, outcome.bin_start, axis=1) if n else np.zeros((r, 0))
    n_risk = _at_risk(all_bin, outcome)
    dr = outcome.death_rows
    if dr.size:
        wd = w[:, dr]
        dk = outcome.risk_end[dr] - 1
        per_k = _sparse_sums(dk, k, wd, src[:, dr], g_t)  # (r, K, V)
        n_dead1 = np.ascontiguousarray(per_k.transpose(0, 2, 1))
        n_dead = np.add.reduceat(wd, outcome.death_start, axis=1)
    else:
        n_dead1 = np.zeros((r, v, 0))
        n_dead = np.zeros((r, 0))
    return Counts(
        n_risk=n_risk,
        n_dead=n_dead,
        n_risk1=n_risk1,
        n_dead1=n_dead1,
        size1=size1,
        size=w.sum(axis=1, keepdims=True),
    )


def _sparse_sums(
    bins: np.ndarray, n_bins: int, w: np.ndarray, src: np.ndarray, g_t: np.ndarray
) -> np.ndarray:
    """Σ_j w[r, j] g_t[src[r, j]] per (replicate, bins[j]): (R, n_bins, V).

    Only non-zero weights enter (a bootstrap resample leaves about a third of the rows out),
    and the sum over rows is a sparse-dense matrix product over contiguous patient rows.
    """
    r = w.shape[0]
    rr, jj = np.nonzero(w)
    mat = sparse.csr_matrix(
        (w[rr, jj], (rr * n_bins + bins[jj], src[rr, jj])), shape=(r * n_bins, g_t.shape[0])
    )
    return np.asarray(mat @ g_t).reshape(r, n_bins, g_t.shape[1])


def count_switch(
    outcome: Outcome,
    switch_index: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    perm: np.ndarray | None = None,
) -> Counts:
    """Counts of time-dependent groupings (group 0 until a switch, group 1 after it).

    Parameters
    ----------
    outcome
        The sorted outcome.
    switch_index
        (V, n) int, :meth:`Outcome.switch_index` of each row's switch time (sorted order):
        the row is in group 1 at event time k when ``switch_index <= k``.
    weights, perm
        As in :func:`count_fixed`.

    Returns
    -------
    Counts
        ``size1`` counts rows that switch while at risk (before their own time).

    Examples
    --------
    >>> import numpy as np
    >>> o = sort_outcome(np.array([2.0, 4, 6]), np.array([1, 1, 1]))
    >>> si = o.switch_index(np.array([[1.0, 3.0, np.inf]]))  # group 1 after day 1 / day 3
    >>> count_switch(o, si).n_risk1[0, 0].tolist()
    [1.0, 1.0, 0.0]
    """
    si = np.asarray(switch_index, dtype=np.int64)
    r = _n_replicates(weights, perm)
    n = si.shape[1]
    w = np.ones((r, n)) if weights is None else np.asarray(weights, dtype=float)
    all_bin = np.add.reduceat(w, outcome.bin_start, axis=1) if n else np.zeros((r, 0))
    n_risk = _at_risk(all_bin, outcome)
    dr = outcome.death_rows
    n_dead = np.add.reduceat(w[:, dr], outcome.death_start, axis=1) if dr.size else np.zeros((r, 0))
    if perm is None:
        n_risk1, n_dead1, size1 = _switch_weighted(outcome, si, w)
    elif weights is None:
        n_risk1, n_dead1, size1 = _switch_permuted_unweighted(outcome, si, np.asarray(perm))
    else:
        n_risk1, n_dead1, size1 = _switch_permuted(outcome, si, w, perm)
    return Counts(
        n_risk=n_risk,
        n_dead=n_dead,
        n_risk1=n_risk1,
        n_dead1=n_dead1,
        size1=size1,
        size=w.sum(axis=1, keepdims=True),
    )


def _switch_weighted(
    outcome: Outcome, si: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group-1 counts of switch groupings under case weights, as sparse products.

    A row enters group 1 at its switch index and leaves the risk set at its end; both are
    one-hot matrices over (variant, event time) shared by every replicate, so the weighted
    sums of all replicates are one sparse-dense product each.
    """
    v, n = si.shape
    k = outcome.k
    r = w.shape[0]
    end = outcome.risk_end
    inside = si < end[None, :]  # switches while at risk at an event time
    vv, ii = np.nonzero(inside)
    shape = (v * (k + 1), n)
    enter = sparse.csr_matrix((np.ones(vv.size), (vv * (k + 1) + si[vv, ii], ii)), shape=shape)
    leave = sparse.csr_matrix((np.ones(vv.size), (vv * (k + 1) + end[ii], ii)), shape=shape)
    w_t = np.ascontiguousarray(w.T)  # (n, r)
    net = np.asarray((enter - leave) @ w_t).reshape(v, k + 1, r)
    n_risk1 = np.ascontiguousarray(np.cumsum(net, axis=1)[:, :k, :].transpose(2, 0, 1))
    size1 = (inside.astype(float) @ w_t).T
    dr = outcome.death_rows
    if dr.size:
        dk = outcome.risk_end[dr] - 1
        g_dead = np.ascontiguousarray((si[:, dr] <= dk[None, :]).T, dtype=float)
        src = np.broadcast_to(np.arange(dr.size), (r, dr.size))
        n_dead1 = np.ascontiguousarray(
            _sparse_sums(dk, k, w[:, dr], src, g_dead).transpose(0, 2, 1)
        )
    else:
        n_dead1 = np.zeros((r, v, 0))
    return n_risk1, n_dead1, size1


def _switch_permuted_unweighted(
    outcome: Outcome, si: np.ndarray, perm: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group-1 counts of permutations (unit weights) without per-row masks.

    Row i is in group 1 at event time k when ``s_i <= k < e_i`` (its switch index and the end
    of the outcome it is paired with), so the count is #{s_i <= k} (the same for every
    permutation) minus #{max(s_i, e_i) <= k}: one histogram of the row-wise maximum.
    """
    v, n = si.shape
    k = outcome.k
    r = perm.shape[0]
    s32 = np.minimum(si, k).astype(np.int32)
    e_rows = np.empty((r, n), dtype=np.int32)
    np.put_along_axis(e_rows, perm, outcome.risk_end.astype(np.int32)[None, :], axis=1)
    m = np.maximum(s32[None, :, :], e_rows[:, None, :])  # (r, v, n), values 0..k
    m += (np.arange(r * v, dtype=np.int32) * (k + 1)).reshape(r, v, 1)
    late = np.cumsum(np.bincount(m.ravel(), minlength=r * v * (k + 1)).reshape(r, v, k + 1), axis=2)
    early = np.cumsum(
        np.bincount(
            (s32 + (np.arange(v, dtype=np.int32) * (k + 1))[:, None]).ravel(), minlength=v * (k + 1)
        ).reshape(v, k + 1),
        axis=1,
    )
    n_risk1 = (early[None, :, :k] - late[:, :, :k]).astype(float)
    size1 = (s32[None, :, :] < e_rows[:, None, :]).sum(axis=2).astype(float)
    dr = outcome.death_rows
    if dr.size:
        dk = (outcome.risk_end[dr] - 1).astype(np.int32)
        s_dead = s32[:, perm[:, dr]].transpose(1, 0, 2)  # (r, v, deaths)
        n_dead1 = np.add.reduceat((s_dead <= dk).astype(float), outcome.death_start, axis=2)
    else:
        n_dead1 = np.zeros((r, v, 0))
    return n_risk1, n_dead1, size1


def _switch_permuted(
    outcome: Outcome, si: np.ndarray, w: np.ndarray, perm: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group-1 counts when each replicate pairs the outcomes with permuted switch times."""
    v, n = si.shape
    k = outcome.k
    r = w.shape[0]
    s = si[:, perm].transpose(1, 0, 2)
    end = outcome.risk_end[None, None, :]
    inside = s < end  # in group 1 at some event time while at risk
    wv = np.broadcast_to(w[:, None, :], (r, v, n))
    base = (np.arange(r)[:, None, None] * v + np.arange(v)[None, :, None]) * (k + 1)
    size = r * v * (k + 1)
    enter = np.bincount((base + s)[inside], weights=wv[inside], minlength=size)
    leave = np.bincount(
        (base + np.broadcast_to(end, s.shape))[inside], weights=wv[inside], minlength=size
    )
    n_risk1 = np.cumsum((enter - leave).reshape(r, v, k + 1), axis=2, dtype=float)[:, :, :k]
    dr = outcome.death_rows
    if dr.size:
        dk = outcome.risk_end[dr] - 1
        g_dead = (s[:, :, dr] <= dk) * w[:, None, dr]
        n_dead1 = np.add.reduceat(g_dead, outcome.death_start, axis=2)
    else:
        n_dead1 = np.zeros((r, v, 0))
    size1 = np.where(inside, wv, 0.0).sum(axis=2)
    return n_risk1, n_dead1, size1


def _n_replicates(weights: np.ndarray | None, perm: np.ndarray | None) -> int:
    if weights is not None and perm is not None and len(weights) != len(perm):
        raise ConfigError(
            f"weights and perm must have the same number of replicates, got {len(weights)} "
            f"and {len(perm)}"
        )
    if weights is not None:
        return len(weights)
    return 1 if perm is None else len(perm)
