"""Dominance sums, the pair counts of the concordance statistics (Harrell's C in
:mod:`netsurv.survival._harrell`, Uno's C, Oakes' τ).

Every pair count is a weighted *dominance sum*: for each element, the weight of the elements
after (or before) it in a processing order, split by whether their rank is lower, equal or
higher.  :func:`dominance_sums` computes these for all elements at once by merge-sort counting:
a bottom-up merge over the processing order in which, at level k, every element of a block of
2^k positions is compared with the block to its right, so each pair meets at exactly one level.
Within a (block pair, segment) the elements are kept sorted by rank — the order of a level is a
stable merge of the two sorted halves of the level before — and the sums are cumulative sums
over runs of equal rank.  O(n log n) for one weight vector, no loop over subjects; with few
distinct ranks (a binary score) one cumulative sum per rank is faster still.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

#: Ranks up to this many distinct values are counted by one cumulative sum per rank.
_FEW_RANKS = 8
#: Elements × weight vectors processed at once by :func:`dominance_totals`.
_CHUNK = 2_000_000

Split = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class _Level:
    """One merge level: elements sorted by (block pair, segment, rank), and their runs."""

    perm: np.ndarray  # this level's sorted order, as positions in the previous level's order
    right: np.ndarray  # per sorted element: in the right block of its pair
    starts: np.ndarray  # where each run of equal (pair, segment, rank) starts
    ends: np.ndarray  # where each run ends (exclusive)
    run: np.ndarray  # run of each sorted element
    group_start: np.ndarray  # per run: where its (pair, segment) starts
    group_end: np.ndarray  # per run: where its (pair, segment) ends (exclusive)


def _levels(v: np.ndarray, seg: np.ndarray | None) -> Iterator[tuple[np.ndarray, _Level]]:
    """The merge levels of ranks ``v`` (segments ``seg``), with each level's full order."""
    n = v.size
    pos = np.arange(n)
    nv = int(v.max()) + 1 if n else 1
    order = pos
    k = 0
    while (1 << k) < n:
        pair = pos >> (k + 1)
        if seg is None:
            group = pair
        else:
            change = np.ones(n, dtype=bool)
            change[1:] = (pair[1:] != pair[:-1]) | (seg[1:] != seg[:-1])
            group = np.cumsum(change) - 1
        key = group * nv + v
        perm = np.argsort(key[order], kind="stable")
        order = order[perm]
        ks = key[order]
        new_run = np.ones(n, dtype=bool)
        new_run[1:] = ks[1:] != ks[:-1]
        starts = np.flatnonzero(new_run)
        ends = np.append(starts[1:], n)
        gk = ks[starts] // nv
        new_group = np.ones(starts.size, dtype=bool)
        new_group[1:] = gk[1:] != gk[:-1]
        heads = np.flatnonzero(new_group)
        size = np.diff(np.append(heads, starts.size))
        yield (
            order,
            _Level(
                perm=perm,
                right=((order >> k) & 1).astype(bool),
                starts=starts,
                ends=ends,
                run=np.cumsum(new_run) - 1,
                group_start=np.repeat(starts[heads], size),
                group_end=np.repeat(ends[heads + size - 1], size),
            ),
        )
        k += 1


def _cumulative(ws: np.ndarray) -> np.ndarray:
    """Exclusive cumulative sums along the first axis: ``out[i] = Σ_{j < i} ws[j]``."""
    out = np.zeros((ws.shape[0] + 1, *ws.shape[1:]))
    np.cumsum(ws, axis=0, out=out[1:])
    return out


def _run_split(lv: _Level, ws: np.ndarray) -> Split:
    """Per run, the weight ``ws`` ((n, ...), sorted order) of lower, equal and higher runs of
    the same (pair, segment): three (runs, ...) arrays."""
    cum = _cumulative(ws)
    at_start = cum[lv.starts]
    at_end = cum[lv.ends]
    return at_start - cum[lv.group_start], at_end - at_start, cum[lv.group_end] - at_end


def _few_ranks(
    v: np.ndarray, w: np.ndarray, seg: np.ndarray | None, nv: int, *, later: bool
) -> Split:
    """:func:`dominance_sums` of one side by one cumulative sum per rank (few ranks)."""
    n = v.size
    if seg is None:
        end, begin = np.full(n, n), np.zeros(n, dtype=np.int64)
    else:
        end, begin = np.searchsorted(seg, seg, side="right"), np.searchsorted(seg, seg)
    less, equal, greater = np.zeros(n), np.zeros(n), np.zeros(n)
    cum = np.zeros(n + 1)
    for k in range(nv):
        rank_k = v == k
        np.cumsum(np.where(rank_k, w, 0.0), out=cum[1:])
        # weight of rank k after (before) each position, within its segment
        part = cum[end] - cum[1:] if later else cum[:-1] - cum[begin]
        less += np.where(v > k, part, 0.0)
        equal += np.where(rank_k, part, 0.0)
        greater += np.where(v < k, part, 0.0)
    return less, equal, greater


def dominance_sums(
    v: np.ndarray,
    *,
    later: np.ndarray | None = None,
    earlier: np.ndarray | None = None,
    seg: np.ndarray | None = None,
) -> tuple[Split | None, Split | None]:
    """For each position p, the weight of the elements after (before) it, split by rank.

    Parameters
    ----------
    v
        Integer ranks (0..R-1) of the compared values, in processing order.
    later
        Weights counted for the elements after p: the first result holds, for each p,
        ``Σ later_q`` over ``q > p`` with ``v_q <, ==, > v_p``.
    earlier
        Weights counted for the elements before p (``q < p``): the second result.
    seg
        Non-decreasing integer segment ids (e.g. strata); only elements of the same segment
        are compared.

    Returns
    -------
    tuple
        ``(less, equal, greater)`` arrays for ``later`` and for ``earlier`` (None when not
        asked for).

    Examples
    --------
    >>> import numpy as np
    >>> (lt, eq, gt), _ = dominance_sums(np.array([2, 0, 1, 2]), later=np.ones(4))
    >>> lt.tolist(), eq.tolist(), gt.tolist()
    ([2.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 1.0, 0.0])
    """
    v = np.asarray(v, dtype=np.int64)
    n = v.size
    if seg is not None:
        seg = np.asarray(seg, dtype=np.int64)
        if np.any(seg[1:] < seg[:-1]):
            raise ValueError("seg must be non-decreasing in processing order")
    weights = [None if w is None else np.asarray(w, dtype=float) for w in (later, earlier)]
    nv = int(v.max()) + 1 if n else 1
    if n == 0:
        empty = (np.zeros(0), np.zeros(0), np.zeros(0))
        return tuple(None if w is None else empty for w in weights)  # type: ignore[return-value]
    if nv <= _FEW_RANKS:
        return tuple(  # type: ignore[return-value]
            None if w is None else _few_ranks(v, w, seg, nv, later=side == 0)
            for side, w in enumerate(weights)
        )
    outs = [None if w is None else (np.zeros(n), np.zeros(n), np.zeros(n)) for w in weights]
    for order, lv in _levels(v, seg):
        for side, w in enumerate(weights):
            out = outs[side]
            if w is None or out is None:
                continue
            # later: right-block weights read by left elements; earlier: the reverse
            counted = lv.right if side == 0 else ~lv.right
            sums = _run_split(lv, np.where(counted, w[order], 0.0))
            readers = ~counted
            at, runs = order[readers], lv.run[readers]
            for arr, s in zip(out, sums, strict=True):
                arr[at] += s[runs]
    return outs[0], outs[1]


def dominance_totals(
    rx: np.ndarray,
    ry: np.ndarray,
    weights: np.ndarray,
    terms: Sequence[tuple[np.ndarray, np.ndarray, Literal["less", "greater"]]],
) -> np.ndarray:
    """Weighted counts of the pairs ordered in a first rank, for many weight vectors at once.

    For each row ``w`` of ``weights`` (e.g. bootstrap counts) and each term
    ``(query, later, side)`` (0/1 masks over the units):
    ``Σ_p query_p w_p Σ_q later_q w_q [rx_p < rx_q] [ry_q > ry_p]`` (``side="greater"``) or
    ``[ry_q < ry_p]`` (``"less"``).  One merge over the units in (rx, decreasing ry) order
    serves every term; units tied in ``rx`` never pair.

    Parameters
    ----------
    rx, ry
        Integer ranks of the units (ties allowed).
    weights
        (m, n) non-negative weights; a 1-D vector is one row.
    terms
        The pair counts to return.

    Returns
    -------
    numpy.ndarray
        (len(terms), m) totals.

    Examples
    --------
    >>> import numpy as np
    >>> r = np.array([0, 1, 2])
    >>> ones = np.ones(3)
    >>> dominance_totals(r, np.array([2, 0, 1]), ones, [(ones, ones, "greater")])
    array([[1.]])
    """
    rx, ry = np.asarray(rx, dtype=np.int64), np.asarray(ry, dtype=np.int64)
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    m, n = w.shape
    out = np.zeros((len(terms), m))
    if n < 2:
        return out
    # within a tie of rx, decreasing ry: a later unit there is never "greater" ...
    order = np.lexsort((-ry, rx))
    v = ry[order]
    masks = np.array([[t[0] for t in terms], [t[1] for t in terms]], dtype=float)[:, :, order]
    # ... and the "less" pairs it adds are those with a smaller ry: subtracted at the end
    new_x = np.ones(n, dtype=bool)
    new_x[1:] = rx[order][1:] != rx[order][:-1]
    new_xy = new_x.copy()
    new_xy[1:] |= v[1:] != v[:-1]
    x_end = _group_ends(new_x)
    xy_end = _group_ends(new_xy)
    step = max(1, _CHUNK // n)
    for lo in range(0, m, step):
        rows = slice(lo, min(m, lo + step))
        ws = w[rows][:, order].T.copy()  # element-major (n, replicates): rows move whole
        for k, (_, _, side) in enumerate(terms):
            if side == "less":
                cum = _cumulative(ws * masks[1, k][:, None])
                wrong = cum[x_end] - cum[xy_end]
                out[k, rows] -= np.einsum("nm,n,nm->m", ws, masks[0, k], wrong)
        qm, lm = masks[0], masks[1]
        for _, lv in _levels(v, None):
            ws = ws[lv.perm]
            qm, lm = qm[:, lv.perm], lm[:, lv.perm]
            for k, (_, _, side) in enumerate(terms):
                # only the rows that ask (left block) and the rows counted (right block)
                ask = np.flatnonzero((qm[k] != 0) & ~lv.right)
                src = np.flatnonzero((lm[k] != 0) & lv.right)
                if ask.size == 0 or src.size == 0:
                    continue
                # cum[i]: weight of the counted rows before the i-th of them
                cum = _cumulative(ws[src] * lm[k, src][:, None])
                run = lv.run[ask]
                if side == "less":
                    upto, since = lv.starts[run], lv.group_start[run]
                else:
                    upto, since = lv.group_end[run], lv.ends[run]
                counted = cum[np.searchsorted(src, upto)] - cum[np.searchsorted(src, since)]
                asked = ws[ask] * qm[k, ask][:, None]
                out[k, rows] += np.einsum("nm,nm->m", asked, counted)
    return out


def _group_ends(new: np.ndarray) -> np.ndarray:
    """For each position, the end (exclusive) of its run, from run-start flags."""
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], new.size)
    return ends[np.cumsum(new) - 1]
