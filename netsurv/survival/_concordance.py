"""Harrell's concordance with R ``survival``'s pair counts and infinitesimal-jackknife SE.

The pair counts are weighted dominance counts ("how much weight lies later in time with a lower
risk score"), computed for all rows at once by a bottom-up merge over the time order: at each of
the log2(n) levels one sort and three ``searchsorted`` calls count, for every element of a left
block, the elements of its right neighbour block by risk-score rank.  No loop over subjects.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def later_sums(
    v: np.ndarray, w: np.ndarray, seg: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each position p: Σ w_q over q > p with seg_q == seg_p, split by v_q <, ==, > v_p.

    Parameters
    ----------
    v
        Integer ranks (0..R-1) of the compared values, in processing order.
    w
        Weights of the elements as counted partners (0 for query-only elements).
    seg
        Integer segment ids (e.g. strata); only elements of the same segment are compared.

    Returns
    -------
    tuple of numpy.ndarray
        ``less``, ``equal``, ``greater`` weight sums, aligned with the inputs.
    """
    n = v.size
    less = np.zeros(n)
    equal = np.zeros(n)
    greater = np.zeros(n)
    if n < 2:
        return less, equal, greater
    v = v.astype(np.int64)
    seg = seg.astype(np.int64)
    nv = int(v.max()) + 2
    ns = int(seg.max()) + 1
    pos = np.arange(n)
    b = 1
    while b < n:
        pair = pos // (2 * b)
        right = (pos // b) % 2 == 1
        base = (pair * ns + seg) * nv
        key = base + v
        rk = key[right]
        order = np.argsort(rk, kind="stable")
        rk = rk[order]
        cw = np.concatenate([[0.0], np.cumsum(w[right][order])])
        left = ~right
        kb = base[left]
        kl = key[left]
        lo = np.searchsorted(rk, kb, side="left")
        mid = np.searchsorted(rk, kl, side="left")
        hi = np.searchsorted(rk, kl, side="right")
        top = np.searchsorted(rk, kb + nv - 1, side="left")
        less[left] += cw[mid] - cw[lo]
        equal[left] += cw[hi] - cw[mid]
        greater[left] += cw[top] - cw[hi]
        b *= 2
    return less, equal, greater


def _sorted_sums(
    keys: tuple[np.ndarray, ...], v: np.ndarray, w: np.ndarray, seg: np.ndarray, *, reverse: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`later_sums` over the order given by ``np.lexsort(keys)`` (reversed if asked)."""
    order = np.lexsort(keys)
    if reverse:
        order = order[::-1]
    less, equal, greater = later_sums(v[order], w[order], seg[order])
    out = [np.empty_like(less), np.empty_like(less), np.empty_like(less)]
    for arr, src in zip(out, (less, equal, greater), strict=True):
        arr[order] = src
    return out[0], out[1], out[2]


@dataclass(frozen=True)
class Concordance:
    """Pair counts and Harrell's C (risk orientation: a higher score means earlier events)."""

    concordant: float
    discordant: float
    tied_x: float
    tied_y: float
    tied_xy: float
    concordance: float
    std: float


def harrell_c(
    time: np.ndarray,
    event: np.ndarray,
    score: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    stratum: np.ndarray | None = None,
    start: np.ndarray | None = None,
    cluster: np.ndarray | None = None,
) -> Concordance:
    """Harrell's C of a risk score as R's ``coxph`` reports it (``concordancefit``, timewt "n").

    A pair is comparable when, at an event time t of one member, the other is at risk at t
    (time > t, or censored at t; for counting-process rows ``start < t <= stop``), within the
    same stratum.  Pairs tied on the score count one half.  Pairs of events at the same time are
    ``tied_y`` and not comparable.  Pair weights are products of case weights.  The standard
    error is R's infinitesimal-jackknife one (summed within clusters when given).

    Parameters
    ----------
    time, event
        Stop times and 0/1 events.
    score
        Risk score (e.g. the linear predictor); higher means shorter survival.
    weights, stratum, start, cluster
        Optional case weights, integer stratum codes, entry times, cluster codes.

    Returns
    -------
    Concordance
        Pair counts, C and its standard error.

    Examples
    --------
    >>> import numpy as np
    >>> c = harrell_c(np.array([1.0, 2, 3, 4]), np.array([1, 1, 0, 1]),
    ...               np.array([4.0, 3, 2, 1]))
    >>> c.concordance
    1.0
    """
    n = time.size
    ev = np.asarray(event).astype(bool)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    st = np.zeros(n, dtype=np.int64) if stratum is None else np.asarray(stratum, dtype=np.int64)
    _, v = np.unique(score, return_inverse=True)
    v = v.astype(np.int64)
    idx = np.arange(n)
    # event groups: (stratum, time) of each death
    dead = np.flatnonzero(ev)
    _, dgroup = np.unique(np.stack([st[dead], time[dead]]), axis=1, return_inverse=True)
    dgroup = dgroup.ravel()
    wd = np.where(ev, w, 0.0)

    # death role: partners later in (stratum, time, censored-after-deaths) order
    keys = (idx, ~ev, time, st)
    l1, e1, g1 = _sorted_sums(keys, v, w, st, reverse=False)
    # partner role: deaths earlier in the same order
    l2, e2, g2 = _sorted_sums(keys, v, wd, st, reverse=True)
    # remove tied deaths (same stratum and time), counted in both passes above
    dkeys = (idx[dead], time[dead], st[dead])
    tl, te, tg = _sorted_sums(dkeys, v[dead], w[dead], dgroup, reverse=False)
    l1[dead] -= tl
    e1[dead] -= te
    g1[dead] -= tg
    tl, te, tg = _sorted_sums(dkeys, v[dead], w[dead], dgroup, reverse=True)
    l2[dead] -= tl
    e2[dead] -= te
    g2[dead] -= tg
    if start is not None:
        # death role: drop partners that entered at or after the death time (start >= t)
        m = dead.size
        kt = np.concatenate([time[dead], start])
        sub = np.concatenate([np.zeros(m), np.ones(n)])  # query before data at equal key
        vv = np.concatenate([v[dead], v])
        ww = np.concatenate([np.zeros(m), w])
        ss = np.concatenate([st[dead], st])
        ii = np.arange(m + n)
        sl, se, sg = _sorted_sums((ii, sub, kt, ss), vv, ww, ss, reverse=False)
        l1[dead] -= sl[:m]
        e1[dead] -= se[:m]
        g1[dead] -= sg[:m]
        # partner role: drop deaths at or before the row's entry (t <= start)
        kt = np.concatenate([start, time[dead]])
        sub = np.concatenate([np.ones(n), np.zeros(m)])  # data before query at equal key
        vv = np.concatenate([v, v[dead]])
        ww = np.concatenate([np.zeros(n), w[dead]])
        ss = np.concatenate([st, st[dead]])
        ii = np.arange(m + n)
        sl, se, sg = _sorted_sums((ii, sub, kt, ss), vv, ww, ss, reverse=True)
        l2 -= sl[:n]
        e2 -= se[:n]
        g2 -= sg[:n]

    # risk orientation: the death has the higher score -> concordant
    conc = float(np.sum(wd * l1))
    disc = float(np.sum(wd * g1))
    tx = float(np.sum(wd * e1))
    ty_all = _tied_pairs(w[dead], dgroup)
    _, xy_group = np.unique(np.stack([dgroup, v[dead]]), axis=1, return_inverse=True)
    txy = _tied_pairs(w[dead], xy_group.ravel())
    npair = conc + disc + tx
    c_inf = np.where(ev, l1, 0.0) + g2
    d_inf = np.where(ev, g1, 0.0) + l2
    t_inf = np.where(ev, e1, 0.0) + e2
    if npair > 0:
        somer = (conc - disc) / npair
        dfbeta = w * ((c_inf - d_inf) / npair - somer / npair * (c_inf + d_inf + t_inf))
        if cluster is not None:
            _, cl = np.unique(cluster, return_inverse=True)
            dfbeta = np.bincount(cl.ravel(), weights=dfbeta)
        std = float(np.sqrt(np.sum(dfbeta**2) / 4))
        c_index = (somer + 1) / 2
    else:
        std = c_index = float("nan")
    return Concordance(
        concordant=conc,
        discordant=disc,
        tied_x=tx,
        tied_y=ty_all - txy,
        tied_xy=txy,
        concordance=float(c_index),
        std=std,
    )


def _tied_pairs(w: np.ndarray, group: np.ndarray) -> float:
    """Σ over groups of Σ_{i<j} w_i w_j."""
    if w.size == 0:
        return 0.0
    s1 = np.bincount(group, weights=w)
    s2 = np.bincount(group, weights=w * w)
    return float(np.sum((s1 * s1 - s2) / 2))
