"""Sorting helpers of the concordance code (:mod:`netsurv.survival._concordance`): numpy's
lexicographic sort by one radix sort where the keys have few distinct values, codes of
distinct key pairs, and dense ranks found by hashing."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["dense_rank", "group_codes", "lexsort"]


def dense_rank(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` (distinct values sorted, each value's rank
    among them) by hashing, then sorting the distinct values only (:func:`pandas.factorize`);
    several times faster with few distinct values.  Booleans, integers and floats without
    NaN (a zero's sign aside: ``-0.0`` and ``0.0`` share a rank, as in ``np.unique``); other
    values go to ``np.unique``.

    Examples
    --------
    >>> import numpy as np
    >>> u, r = dense_rank(np.array([2.5, -1.0, 2.5, 0.0]))
    >>> u.tolist(), r.tolist()
    ([-1.0, 0.0, 2.5], [2, 0, 2, 1])
    """
    v = np.asarray(values).ravel()
    if v.dtype.kind not in "biuf" or (v.dtype.kind == "f" and np.isnan(v).any()):
        u, rank = np.unique(v, return_inverse=True)
        return u, rank.ravel()
    rank, u = pd.factorize(v, sort=True)
    return np.asarray(u), rank.astype(np.int64, copy=False)


def group_codes(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Codes 0..k-1 of the distinct (first, second) pairs, numbered in lexicographic order.

    Examples
    --------
    >>> import numpy as np
    >>> group_codes(np.array([1, 0, 1, 1]), np.array([5, 7, 5, 6])).tolist()
    [1, 0, 1, 2]
    """
    order = lexsort((second, first))
    new = np.ones(order.size, dtype=bool)
    new[1:] = (first[order][1:] != first[order][:-1]) | (second[order][1:] != second[order][:-1])
    codes = np.empty(order.size, dtype=np.int64)
    codes[order] = np.cumsum(new) - 1
    return codes


def lexsort(keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """``np.lexsort(keys)`` (the last key first; stable), by one radix sort when the keys
    have few distinct values (e.g. 3,000 distinct times and the event flag).

    Each key is replaced by its dense rank (:func:`dense_rank`: equal values, NaNs
    included, share a rank, as they tie in ``np.lexsort``), the ranks are combined into one
    key, and a key of at most 2**16 values is sorted by numpy's stable radix sort: the same
    permutation, several times faster than ``np.lexsort`` on 100,000 floats.

    Examples
    --------
    >>> import numpy as np
    >>> keys = (np.array([1, 0, 1, 0]), np.array([2.0, 1.0, 1.0, 2.0]))
    >>> lexsort(keys).tolist(), np.lexsort(keys).tolist()
    ([1, 2, 3, 0], [1, 2, 3, 0])
    """
    combined = np.zeros(keys[0].size if keys else 0, dtype=np.int64)
    size = 1
    for key in reversed(keys):  # the primary key first
        values, rank = dense_rank(key)
        size *= max(values.size, 1)
        if size > 2**16:
            return np.lexsort(keys)
        combined = combined * max(values.size, 1) + rank
    return np.argsort(combined.astype(np.uint16), kind="stable")
