"""Risk sets of a Cox fit: the sort orders and positions describing them
(:func:`build_risk_sets`, computed once per fit) and the sums over them.

For counting-process rows the risk set at an event time t is ``start < t <= stop``: the sums
over ``stop >= t`` minus those over ``start >= t``, each a reverse cumulative sum over the rows
sorted once (a loop over strata, never over subjects).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from netsurv.survival._harrell import PairRows, pair_rows


@dataclass(frozen=True)
class RiskSets:
    """Sort orders and positions describing every risk set, computed once per fit.

    An *event group* is one distinct event time within one stratum.
    """

    n: int
    time: np.ndarray  # stop times (n,)
    start: np.ndarray | None  # entry times (n,) or None
    event: np.ndarray  # bool (n,)
    weights: np.ndarray  # (n,)
    stratum: np.ndarray  # int codes (n,)
    group_time: np.ndarray  # (G,)
    group_stratum: np.ndarray  # (G,)
    # per stratum: row order by stop, positions of each group's first row with stop >= t
    stop_order: list[np.ndarray] = field(repr=False)
    stop_lo: list[np.ndarray] = field(repr=False)
    start_order: list[np.ndarray] | None = field(repr=False)
    start_lo: list[np.ndarray] | None = field(repr=False)
    group_slices: list[slice] = field(repr=False)
    # deaths sorted by (group, original row); boundaries of each group for reduceat
    death_rows: np.ndarray = field(repr=False)
    death_group: np.ndarray = field(repr=False)
    death_first: np.ndarray = field(repr=False)
    n_dead: np.ndarray = field(repr=False)  # unweighted deaths per group
    dead_weight: np.ndarray = field(repr=False)  # weighted deaths per group
    k_frac: np.ndarray = field(repr=False)  # k / m for each death (Efron)

    @cached_property
    def pair_rows(self) -> PairRows:
        """The score-free part of Harrell's C on these rows (:func:`~netsurv.survival._harrell.
        pair_rows`), computed once for the models fitted on them."""
        return pair_rows(
            self.time, self.event, weights=self.weights, stratum=self.stratum, start=self.start
        )


def build_risk_sets(
    time: np.ndarray,
    event: np.ndarray,
    weights: np.ndarray,
    stratum: np.ndarray,
    start: np.ndarray | None = None,
) -> RiskSets:
    """Index the risk sets of right-censored or (start, stop] data, stratified."""
    n = time.size
    g_time: list[np.ndarray] = []
    g_strat: list[np.ndarray] = []
    stop_order, stop_lo = [], []
    start_order: list[np.ndarray] | None = [] if start is not None else None
    start_lo: list[np.ndarray] | None = [] if start is not None else None
    slices = []
    offset = 0
    for s in range(int(stratum.max()) + 1 if n else 0):
        rows = np.flatnonzero(stratum == s)
        et = np.unique(time[rows][event[rows]])
        order = rows[np.argsort(time[rows], kind="stable")]
        stop_order.append(order)
        stop_lo.append(np.searchsorted(time[order], et, side="left"))
        if start is not None and start_order is not None and start_lo is not None:
            order1 = rows[np.argsort(start[rows], kind="stable")]
            start_order.append(order1)
            start_lo.append(np.searchsorted(start[order1], et, side="left"))
        g_time.append(et)
        g_strat.append(np.full(et.size, s))
        slices.append(slice(offset, offset + et.size))
        offset += et.size
    group_time = np.concatenate(g_time) if g_time else np.zeros(0)
    group_stratum = np.concatenate(g_strat) if g_strat else np.zeros(0, dtype=np.int64)

    dead = np.flatnonzero(event)
    # group index of each death: position of (stratum, time) among the groups
    dg = np.empty(dead.size, dtype=np.int64)
    for s, sl in enumerate(slices):
        sel = stratum[dead] == s
        dg[sel] = sl.start + np.searchsorted(group_time[sl], time[dead[sel]])
    order = np.lexsort((dead, dg))
    death_rows = dead[order]
    death_group = dg[order]
    n_dead = np.bincount(death_group, minlength=group_time.size).astype(float)
    death_first = np.concatenate([[0], np.cumsum(n_dead)[:-1]]).astype(np.int64)
    dead_weight = np.bincount(death_group, weights=weights[death_rows], minlength=group_time.size)
    k = np.arange(death_rows.size) - death_first[death_group]
    return RiskSets(
        n=n,
        time=time,
        start=start,
        event=event,
        weights=weights,
        stratum=stratum,
        group_time=group_time,
        group_stratum=group_stratum,
        stop_order=stop_order,
        stop_lo=stop_lo,
        start_order=start_order,
        start_lo=start_lo,
        group_slices=slices,
        death_rows=death_rows,
        death_group=death_group,
        death_first=death_first,
        n_dead=n_dead,
        dead_weight=dead_weight,
        k_frac=k / n_dead[death_group],
    )


def same_rows(
    rs: RiskSets,
    time: np.ndarray,
    event: np.ndarray,
    weights: np.ndarray,
    stratum: np.ndarray,
    start: np.ndarray | None = None,
) -> bool:
    """Whether ``rs`` are the risk sets of these rows (what :func:`build_risk_sets` reads)."""
    if rs.n != time.size or (rs.start is None) != (start is None):
        return False
    pairs = [(rs.time, time), (rs.event, event), (rs.weights, weights), (rs.stratum, stratum)]
    if start is not None and rs.start is not None:
        pairs.append((rs.start, start))
    return all(np.array_equal(a, b) for a, b in pairs)


@dataclass(frozen=True)
class Moments:
    """Risk-set sums of the risk weights r times 1, x, x x' (and x ⊗ x ⊗ x) at each group."""

    s0: np.ndarray  # (G,)
    s1: np.ndarray  # (G, p)
    s2: np.ndarray  # (G, p, p)
    s3: np.ndarray | None  # (G, p, p, p) or None


def risk_moments(rs: RiskSets, r: np.ndarray, x: np.ndarray, *, third: bool = False) -> Moments:
    """Σ over each group's risk set of ``r``, ``r x_j``, ``r (x_j x_k)`` (and, with
    ``third``, ``r ((x_j x_k) x_l)``), ``r`` the rows' risk weights.

    Per stratum, ``r`` and ``x`` are put in stop order once and each distinct product
    (``x_j x_k = x_k x_j`` bit for bit) is summed by one reverse cumulative sum; with
    (start, stop] rows, minus the same over the start order.
    """
    p = x.shape[1]
    terms = _moment_terms(p, third)
    out = np.zeros((len(terms), rs.group_time.size))
    xt = np.ascontiguousarray(x.T)
    for s, sl in enumerate(rs.group_slices):
        if sl.stop == sl.start:
            continue
        out[:, sl] = _moment_tails(r, xt, terms, rs.stop_order[s], rs.stop_lo[s])
        if rs.start_order is not None and rs.start_lo is not None:
            out[:, sl] -= _moment_tails(r, xt, terms, rs.start_order[s], rs.start_lo[s])
    index = {t: i for i, t in enumerate(terms)}
    g = rs.group_time.size

    def gather(order: int) -> np.ndarray:
        combos = [_canonical(c) for c in np.ndindex(*(p,) * order)]
        rows = out[[index[c] for c in combos]] if combos else np.zeros((0, g))
        return np.ascontiguousarray(rows.T).reshape(g, *(p,) * order)

    return Moments(s0=out[0].copy(), s1=gather(1), s2=gather(2), s3=gather(3) if third else None)


def _moment_terms(p: int, third: bool) -> list[tuple[int, ...]]:
    """The distinct products ``(x_j x_k) x_l`` (in that order of multiplication): (), (j,),
    (j, k) with j <= k, (j, k, l) with j <= k (``x_j x_k = x_k x_j``, but floating-point
    products are not associative, so l stays apart)."""
    out: list[tuple[int, ...]] = [()]
    for order in (1, 2, 3) if third else (1, 2):
        out += sorted({_canonical(c) for c in np.ndindex(*(p,) * order)})
    return out


def _canonical(c: tuple[int, ...]) -> tuple[int, ...]:
    """The term whose product equals that of ``c`` bit for bit: its first two factors
    swapped into order."""
    return (*sorted(c[:2]), *c[2:])


def _moment_tails(
    r: np.ndarray, xt: np.ndarray, terms: list[tuple[int, ...]], order: np.ndarray, lo: np.ndarray
) -> np.ndarray:
    """Each term's Σ over ``order[j:]`` for j in ``lo`` (0 for j = len(order)), added from the
    last row backwards: (terms, len(lo))."""
    rev = order[::-1]
    m = rev.size
    rr = r[rev]
    xs = xt[:, rev]
    at = m - lo
    out = np.empty((len(terms), lo.size))
    rc = np.empty(m + 1)  # one term's running sums at a time, read off at ``lo``
    rc[0] = 0.0
    for i, t in enumerate(terms):
        if not t:
            v = rr
        else:
            prod = xs[t[0]]
            for j in t[1:]:
                prod = prod * xs[j]
            v = rr * prod
        np.cumsum(v, out=rc[1:])
        out[i] = rc[at]
    return out


def death_sums(rs: RiskSets, a: np.ndarray) -> np.ndarray:
    """Σ over each group's deaths of ``a`` (shape (D, ...): one row per death, in
    ``rs.death_rows`` order) -> (G, ...)."""
    if rs.death_rows.size == 0:
        return np.zeros((0, *a.shape[1:]))
    return np.add.reduceat(a, rs.death_first, axis=0)
