"""The permutation null of the log-rank statistic of many fixed groupings, without Cox terms.

Permuting outcomes against groupings keeps the numbers at risk and dying of the whole sample,
the group sizes and every per-event-time weight of the log-rank statistic; only the group-1
counts change.  So for P permutations × V groupings the statistic needs just the group-1
numbers at risk (one sparse product and one cumulative sum, kept in (P, K, V) layout so the
sums over event times are matrix products) and the group-1 events (a sparse product over the
death rows).  The numbers equal :func:`netsurv.sweep.batch.fit_counts` (``logrank``) to
rounding.
"""

from __future__ import annotations

import numpy as np

from netsurv.sweep.counts import Outcome, _sparse_sums


def logrank_permutations(outcome: Outcome, groups: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """Log-rank chi-square of every grouping under every permutation.

    Parameters
    ----------
    outcome
        The sorted outcome.
    groups
        (V, n) bool group-1 membership in sorted row order.
    perm
        (P, n): permutation p pairs sorted outcome row j with the grouping of row
        ``perm[p, j]``.

    Returns
    -------
    numpy.ndarray
        (P, V) chi-square statistics (survdiff's hypergeometric variance); NaN for an empty
        group, no events or a zero variance.

    Examples
    --------
    >>> import numpy as np
    >>> from netsurv.sweep.batch import fit_counts
    >>> from netsurv.sweep.counts import count_fixed, sort_outcome
    >>> rng = np.random.default_rng(0)
    >>> o = sort_outcome(np.ceil(rng.exponential(9, 30)), rng.random(30) < 0.7)
    >>> g = rng.random((2, 30)) < 0.5
    >>> perm = np.stack([rng.permutation(30) for _ in range(3)])
    >>> fast = logrank_permutations(o, g, perm)
    >>> bool(np.allclose(fast, fit_counts(count_fixed(o, g, perm=perm), cox=False).logrank))
    True
    """
    g_t = np.ascontiguousarray(np.asarray(groups, dtype=bool).T, dtype=float)  # (n, V)
    p_count, n = perm.shape
    v = g_t.shape[1]
    k = outcome.k
    out = np.full((p_count, v), np.nan)
    size1 = g_t.sum(axis=0)
    if k == 0 or n == 0:
        return out
    ones = np.ones((p_count, n))
    nb = outcome.bin_start.size
    row_bin = np.repeat(np.arange(nb), np.diff(np.append(outcome.bin_start, n)))
    per_bin = _sparse_sums(row_bin, nb, ones, perm, g_t)  # (P, nb, V)
    n1 = np.cumsum(per_bin[:, ::-1, :], axis=1)[:, ::-1, :][:, nb - k :, :]  # (P, K, V)
    dr = outcome.death_rows
    events1 = _sparse_sums(np.zeros(dr.size, dtype=np.int64), 1, ones[:, dr], perm[:, dr], g_t)
    events1 = events1[:, 0, :]
    n_at = n - outcome.bin_start[np.searchsorted(outcome.bin_index, np.arange(k))]
    d = np.diff(np.append(outcome.death_start, dr.size)).astype(float)
    factor = np.where(n_at > 1, d * (n_at - d) / np.maximum(n_at - 1, 1), 0.0)
    d_over_n = d / n_at
    f1 = factor / n_at
    f2 = f1 / n_at
    oe = events1 - d_over_n @ n1
    var = f1 @ n1 - f2 @ (n1 * n1)
    with np.errstate(invalid="ignore", divide="ignore"):
        chi2 = np.where(var > 0, oe * oe / var, np.nan)
    empty = (size1 <= 0) | (size1 >= n)
    chi2[:, empty] = np.nan
    out[:] = chi2
    return out
