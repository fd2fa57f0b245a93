"""Uno's C(τ) of a risk score (scikit-survival's ``concordance_index_ipcw``; conventions in
:mod:`netsurv.survival._metrics`), split in the part any score of one data set shares
(:func:`uno_pairs`: the events asked about, their weights, the processing order) and the
score's own pair counts (:func:`uno_score`), so a bootstrap resample scored for several
criteria sorts its times once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from netsurv.survival._concordance import dominance_sums
from netsurv.survival._metrics import TIED_TOL, Censoring, censoring_distribution, ipcw
from netsurv.survival._sorting import dense_rank

#: Scores with up to this many distinct values are counted per (time group, score), not by a
#: merge.
_FEW_RANKS = 8


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
    group: np.ndarray  # time group of each unit, in ``order``
    censored: np.ndarray  # each unit censored, in ``order``
    asks: np.ndarray  # the events asked about, as positions in ``order``
    wi: np.ndarray  # 1 / G(T)² of each asked event
    denominator: float  # Σ wi · (units after each asked event)

    @cached_property
    def proc(self) -> np.ndarray:
        """(time group, events, queries, censorings) order of the units and the queries."""
        m = self.asks.size
        kind = np.concatenate([np.where(self.censored, 2, 0), np.ones(2 * m, dtype=np.int64)])
        at = self.group[self.asks]
        return np.lexsort((kind, np.concatenate([self.group, at, at])))


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
    n_later = (n - group_end[asks]) + np.bincount(group[~es], minlength=group_start.size)[
        group[asks]
    ]
    wi = w[order][asks]
    return UnoPairs(
        n=n,
        order=order,
        group=group,
        censored=~es,
        asks=asks,
        wi=wi,
        denominator=np.cumsum(wi * n_later)[-1],
    )


def uno_score(pairs: UnoPairs | None, score: np.ndarray) -> float:
    """Uno's C of ``score`` on the data of ``pairs`` (:func:`uno_pairs`; NaN if not defined)."""
    s = np.asarray(score, dtype=float)
    if pairs is None or not np.isfinite(s).all():
        return float("nan")
    n, asks = pairs.n, pairs.asks
    u, rank = dense_rank(s[pairs.order])
    first, last = _tie_range(u)
    lo, hi = first[rank[asks]], last[rank[asks]]
    if u.size <= _FEW_RANKS:
        n_con, n_upto = _counts_by_rank(pairs, rank, u.size, lo, hi)
    else:
        # ranks 2r+1 for units; a query 2·first (2·last + 2) counts the ranks below (up to)
        # the tie range
        m = asks.size
        value = np.concatenate([2 * rank + 1, 2 * lo, 2 * hi + 2])
        proc = pairs.proc
        weights = np.concatenate([np.ones(n), np.zeros(2 * m)])
        later, _ = dominance_sums(value[proc], later=weights[proc])
        assert later is not None
        counts = np.empty(n + 2 * m)
        counts[proc] = later[0]
        n_con, n_upto = counts[n : n + m], counts[n + m :]
    n_ties = n_upto - n_con
    wi = pairs.wi
    numerator = np.cumsum(wi * n_con + 0.5 * wi * n_ties)[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(numerator / pairs.denominator)


def _counts_by_rank(
    pairs: UnoPairs, rank: np.ndarray, n_ranks: int, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each asked event, the units after it (in later time groups, or censored at its
    time) with a rank below ``lo`` and up to ``hi``: per (time group, rank) counts, few ranks.
    The counts are whole numbers: the same as the merge-sort counts of :func:`uno_score`."""
    n_groups = int(pairs.group[-1]) + 1
    cell = pairs.group * n_ranks + rank
    size = n_groups * n_ranks
    units = np.bincount(cell, minlength=size).reshape(n_groups, n_ranks)
    censored = np.bincount(cell[pairs.censored], minlength=size).reshape(n_groups, n_ranks)
    after = np.cumsum(units[::-1], axis=0)[::-1] - units + censored
    below = np.zeros((n_groups, n_ranks + 1), dtype=np.int64)
    np.cumsum(after, axis=1, out=below[:, 1:])
    at = pairs.group[pairs.asks]
    return below[at, lo].astype(float), below[at, hi + 1].astype(float)


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
