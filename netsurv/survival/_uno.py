"""Uno's C(τ) of a risk score (scikit-survival's ``concordance_index_ipcw``; conventions in
:mod:`netsurv.survival._metrics`), split in the part any score of one data set shares
(:func:`uno_pairs`: the events asked about, their weights, the processing order) and the
score's own pair counts (:func:`uno_score`), so a bootstrap resample scored for several
criteria sorts its times once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netsurv.survival._concordance import dominance_sums
from netsurv.survival._metrics import TIED_TOL, Censoring, censoring_distribution, ipcw


def _tie_range(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted distinct scores u: the first and last index within ``TIED_TOL`` of each."""
    k = np.arange(u.size)
    lo, hi = np.zeros(u.size, dtype=np.int64), k.copy()
    while (lo < hi).any():  # first m with |u_m - u_k| <= tol (true at m = k)
        mid = (lo + hi) // 2
        tied = np.absolute(u[mid] - u) <= TIED_TOL
        hi = np.where(tied, mid, hi)
        lo = np.where(tied, lo, mid + 1)
    first = lo
    lo, hi = k.copy(), np.full(u.size, u.size - 1)
    while (lo < hi).any():  # last m with |u_m - u_k| <= tol
        mid = (lo + hi + 1) // 2
        tied = np.absolute(u[mid] - u) <= TIED_TOL
        lo = np.where(tied, mid, lo)
        hi = np.where(tied, hi, mid - 1)
    return first, lo


@dataclass(frozen=True)
class UnoPairs:
    """What Uno's C of any score on one data set shares: the events asked about (in sksurv's
    order: events by time, ``np.argsort``), their weights and the processing order of the
    units and the queries (:func:`uno_pairs`; a score is then :func:`uno_score`)."""

    n: int  # units
    order: np.ndarray  # units by time
    asks: np.ndarray  # the events asked about, as positions in ``order``
    proc: np.ndarray  # (time group, events, queries, censorings) order of units and queries
    wi: np.ndarray  # 1 / G(T)² of each asked event
    denominator: float  # Σ wi · (units after each asked event)


def uno_pairs(
    time: np.ndarray, event: np.ndarray, *, tau: float, censoring: Censoring | None = None
) -> UnoPairs | None:
    """The score-free part of :func:`uno_c` (None where C is not defined for any score)."""
    t = np.asarray(time, dtype=float)
    e = np.asarray(event).astype(bool)
    counted = e & (t < tau)
    if not counted.any():
        return None
    cens = censoring if censoring is not None else censoring_distribution(t, e)
    if cens is None:
        return None
    weights = ipcw(cens, counted)
    if weights is None:
        return None
    w = np.square(weights)

    # sksurv's pass: events in time order (np.argsort's order), each compared with the units
    # after its time and the censorings at its time
    n = t.size
    order = np.argsort(t)
    ts, es = t[order], e[order]
    new = np.ones(n, dtype=bool)
    new[1:] = ts[1:] != ts[:-1]
    group = np.cumsum(new) - 1
    group_start = np.flatnonzero(new)
    group_end = np.append(group_start[1:], n)[group]
    # the last unit is never an event "i" (nothing comes after it)
    asks = np.flatnonzero(es & (group_start[group] < n - 1))
    if asks.size == 0:
        return None
    # processing order: (time group, events, queries, censorings)
    m = asks.size
    kind = np.concatenate([np.where(es, 0, 2), np.ones(2 * m, dtype=np.int64)])
    grp = np.concatenate([group, group[asks], group[asks]])
    n_later = (n - group_end[asks]) + np.bincount(group[~es], minlength=group_start.size)[
        group[asks]
    ]
    wi = w[order][asks]
    return UnoPairs(
        n=n,
        order=order,
        asks=asks,
        proc=np.lexsort((kind, grp)),
        wi=wi,
        denominator=np.cumsum(wi * n_later)[-1],
    )


def uno_score(pairs: UnoPairs | None, score: np.ndarray) -> float:
    """Uno's C of ``score`` on the data of ``pairs`` (:func:`uno_pairs`; NaN if not defined)."""
    s = np.asarray(score, dtype=float)
    if pairs is None or not np.isfinite(s).all():
        return float("nan")
    n, asks = pairs.n, pairs.asks
    u, rank = np.unique(s[pairs.order], return_inverse=True)
    first, last = _tie_range(u)
    # ranks 2r+1 for units; a query 2·first (2·last + 2) counts the ranks below (up to) the
    # tie range
    m = asks.size
    value = np.concatenate([2 * rank + 1, 2 * first[rank[asks]], 2 * last[rank[asks]] + 2])
    proc = pairs.proc
    weights = np.concatenate([np.ones(n), np.zeros(2 * m)])
    later, _ = dominance_sums(value[proc], later=weights[proc])
    assert later is not None
    counts = np.empty(n + 2 * m)
    counts[proc] = later[0]
    n_con = counts[n : n + m]
    n_ties = counts[n + m :] - n_con
    wi = pairs.wi
    numerator = np.cumsum(wi * n_con + 0.5 * wi * n_ties)[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(numerator / pairs.denominator)


def uno_c(
    time: np.ndarray,
    event: np.ndarray,
    score: np.ndarray,
    *,
    tau: float,
    censoring: Censoring | None = None,
) -> float:
    """Uno's concordance of a risk score truncated at ``tau`` (NaN if not defined).

    Parameters
    ----------
    time, event
        Follow-up and 0/1 event.
    score
        Risk score (higher: earlier events).
    tau
        Only events before ``tau`` are compared.
    censoring
        :func:`censoring_distribution` of the same data, when already computed.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([1.0, 2, 3, 4, 5]); e = np.array([1, 1, 0, 1, 0])
    >>> round(uno_c(t, e, np.array([5.0, 4, 3, 1, 2]), tau=4.5), 6)
    0.756757
    """
    s = np.asarray(score, dtype=float)
    if not np.isfinite(s).all():
        return float("nan")
    return uno_score(uno_pairs(time, event, tau=tau, censoring=censoring), s)
