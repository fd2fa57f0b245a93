"""Harrell's concordance with R ``survival``'s pair counts and infinitesimal-jackknife SE.

Every pair count is a weighted dominance sum (:func:`~netsurv.survival._concordance.
dominance_sums`) over the rows in a processing order that depends on the rows only
(:func:`pair_rows`: shared by the scores of one set of rows, e.g. the criteria scored on one
bootstrap resample).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netsurv.survival._concordance import Split, dominance_sums
from netsurv.survival._sorting import dense_rank, group_codes, lexsort


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


@dataclass(frozen=True)
class PairRows:
    """What Harrell's C of any score on the same rows shares (:func:`pair_rows`): the deaths,
    their event groups and the processing orders of the pair sums."""

    n: int
    event: np.ndarray  # bool
    weights: np.ndarray
    stratum: np.ndarray
    one: bool  # a single stratum
    dead: np.ndarray  # rows of the deaths
    dgroup: np.ndarray  # event group (stratum, time) of each death
    order: np.ndarray  # (stratum, time, censored after deaths) order of the rows
    tie_order: np.ndarray  # deaths by event group
    entry_order: np.ndarray | None  # (start, stop] rows: deaths at t, then rows entering at t
    tied_y: float  # Σ over event groups of the tied death pairs' weights


def pair_rows(
    time: np.ndarray,
    event: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    stratum: np.ndarray | None = None,
    start: np.ndarray | None = None,
) -> PairRows:
    """The score-free part of :func:`harrell_c` on these rows (arguments as there)."""
    n = time.size
    ev = np.asarray(event).astype(bool)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    st = np.zeros(n, dtype=np.int64) if stratum is None else np.asarray(stratum, dtype=np.int64)
    # one stratum (e.g. the zeros of an unstratified model): no segments to keep apart, and
    # no sort key -- the orders and sums are those with the constant key, found faster
    one = _constant(st)
    # event groups: (stratum, time) of each death
    dead = np.flatnonzero(ev)
    dgroup = group_codes(st[dead], time[dead])
    entry_order = None
    if start is not None:
        sub = np.concatenate([np.zeros(dead.size), np.ones(n)])
        kt = np.concatenate([time[dead], start])
        ss = np.concatenate([st[dead], st])
        entry_order = lexsort((sub, kt) if one else (sub, kt, ss))
    # in (stratum, time, censored-after-deaths) order a death's partners come later, a row's
    # partner deaths earlier (np.lexsort is stable: rows tied on every key stay in row order)
    return PairRows(
        n=n,
        event=ev,
        weights=w,
        stratum=st,
        one=one,
        dead=dead,
        dgroup=dgroup,
        order=lexsort((~ev, time) if one else (~ev, time, st)),
        tie_order=lexsort((dgroup,)),
        entry_order=entry_order,
        tied_y=_tied_pairs(w[dead], dgroup),
    )


def _sums_in_order(
    order: np.ndarray,
    v: np.ndarray,
    seg: np.ndarray | None,
    later: np.ndarray,
    earlier: np.ndarray | None,
) -> tuple[Split, Split | None]:
    """:func:`dominance_sums` over the processing ``order`` (``seg`` must be its primary key,
    or None: one segment), returned in the original order (``earlier`` None: the ``later``
    sums only)."""
    sorted_seg = None if seg is None else seg[order]
    lat, ear = dominance_sums(
        v[order],
        later=later[order],
        earlier=None if earlier is None else earlier[order],
        seg=sorted_seg,
    )
    assert lat is not None
    out: list[Split | None] = []
    for split in (lat, ear):
        if split is None:
            out.append(None)
            continue
        parts = []
        for src in split:
            arr = np.empty_like(src)
            arr[order] = src
            parts.append(arr)
        out.append((parts[0], parts[1], parts[2]))
    assert out[0] is not None
    return out[0], out[1]


def harrell_c(
    time: np.ndarray,
    event: np.ndarray,
    score: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    stratum: np.ndarray | None = None,
    start: np.ndarray | None = None,
    cluster: np.ndarray | None = None,
    std: bool = True,
    pairs: PairRows | None = None,
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
    std
        Compute the standard error (False: NaN, and about half the pair sums: those of the
        partners before each row, which only the standard error reads).
    pairs
        :func:`pair_rows` of these rows, when already computed (e.g. for another score).

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
    rows = pairs or pair_rows(time, event, weights=weights, stratum=stratum, start=start)
    n, ev, w, st, dead, dgroup = (
        rows.n,
        rows.event,
        rows.weights,
        rows.stratum,
        rows.dead,
        rows.dgroup,
    )
    v = dense_rank(score)[1]
    wd = np.where(ev, w, 0.0)

    # a death's partners come later (l1, e1, g1), a row's partner deaths earlier (l2, e2, g2)
    seg = None if rows.one else st
    (l1, e1, g1), side2 = _sums_in_order(rows.order, v, seg, w, wd if std else None)
    # remove tied deaths (same stratum and time), counted on both sides above
    (tl, te, tg), tied2 = _sums_in_order(
        rows.tie_order, v[dead], dgroup, w[dead], w[dead] if std else None
    )
    l1[dead] -= tl
    e1[dead] -= te
    g1[dead] -= tg
    if side2 is not None and tied2 is not None:
        (l2, e2, g2), (sl, se, sg) = side2, tied2
        l2[dead] -= sl
        e2[dead] -= se
        g2[dead] -= sg
    if rows.entry_order is not None:
        # deaths (at t) before rows (entering at start) at equal keys: a death drops the
        # partners that entered at or after t, a row the deaths at or before its entry
        m = dead.size
        zero_m, zero_n = np.zeros(m), np.zeros(n)
        (al, ae, ag), entered = _sums_in_order(
            rows.entry_order,
            np.concatenate([v[dead], v]),
            None if rows.one else np.concatenate([st[dead], st]),
            np.concatenate([zero_m, w]),
            np.concatenate([w[dead], zero_n]) if std else None,
        )
        l1[dead] -= al[:m]
        e1[dead] -= ae[:m]
        g1[dead] -= ag[:m]
        if side2 is not None and entered is not None:
            (bl, be, bg) = entered
            l2 -= bl[m:]
            e2 -= be[m:]
            g2 -= bg[m:]

    # risk orientation: the death has the higher score -> concordant
    conc = float(np.sum(wd * l1))
    disc = float(np.sum(wd * g1))
    tx = float(np.sum(wd * e1))
    ty_all = rows.tied_y
    txy = _tied_pairs(w[dead], group_codes(dgroup, v[dead]))
    npair = conc + disc + tx
    sd = c_index = float("nan")
    if npair > 0:
        somer = (conc - disc) / npair
        c_index = (somer + 1) / 2
        if side2 is not None:
            c_inf = np.where(ev, l1, 0.0) + g2
            d_inf = np.where(ev, g1, 0.0) + l2
            t_inf = np.where(ev, e1, 0.0) + e2
            dfbeta = w * ((c_inf - d_inf) / npair - somer / npair * (c_inf + d_inf + t_inf))
            if cluster is not None:
                _, cl = np.unique(cluster, return_inverse=True)
                dfbeta = np.bincount(cl.ravel(), weights=dfbeta)
            sd = float(np.sqrt(np.sum(dfbeta**2) / 4))
    return Concordance(
        concordant=conc,
        discordant=disc,
        tied_x=tx,
        tied_y=ty_all - txy,
        tied_xy=txy,
        concordance=float(c_index),
        std=sd,
    )


def _constant(codes: np.ndarray) -> bool:
    """Whether every code is the same (True when there is none)."""
    return codes.size == 0 or bool((codes == codes[0]).all())


def _tied_pairs(w: np.ndarray, group: np.ndarray) -> float:
    """Σ over groups of Σ_{i<j} w_i w_j."""
    if w.size == 0:
        return 0.0
    s1 = np.bincount(group, weights=w)
    s2 = np.bincount(group, weights=w * w)
    return float(np.sum((s1 * s1 - s2) / 2))
