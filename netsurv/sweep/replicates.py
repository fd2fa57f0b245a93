"""One block of bootstrap resamples or permutations of a sweep (the unit of parallel work).

The functions are module-level and take only arrays and seeds, so they run unchanged in this
process, in a joblib worker or on a Dask worker; their random numbers come only from the
block's :class:`numpy.random.SeedSequence`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netsurv.sweep.batch import BatchStats, fit_counts
from netsurv.sweep.groups import Analysis
from netsurv.sweep.permute import logrank_permutations
from netsurv.sweep.terms import Ties

#: Statistics a bootstrap block returns for every (resample, analysis × variant) column.
BOOT_FIELDS = ("beta", "logrank", "lr", "score", "c_index")


@dataclass(frozen=True)
class Shared:
    """What every block reads: the analyses, the unit count and the settings."""

    analyses: tuple[Analysis, ...]
    n_units: int
    metric: str
    ties: Ties
    start: tuple[np.ndarray, ...]  # original estimates per analysis (Newton starting points)
    cluster: np.ndarray | None = None  # resampling cluster (patient) of each unit; None = unit
    eligible: tuple[np.ndarray, ...] | None = None  # per analysis: variants that may be selected
    penalty: str = "none"  # "firth": Firth-penalised Cox fits


def metric_values(stats: BatchStats, metric: str) -> np.ndarray:
    """The selection statistic of every (replicate, variant), larger = better."""
    return np.asarray(getattr(stats, metric), dtype=float)


def unit_weights(
    rng: np.random.Generator, n_units: int, cluster: np.ndarray | None, size: int
) -> np.ndarray:
    """Bootstrap case weights of the units: (size, n_units), whole clusters drawn together.

    Examples
    --------
    >>> import numpy as np
    >>> w = unit_weights(np.random.default_rng(0), 4, np.array([0, 1, 1, 2]), 3)
    >>> bool((w[:, 1] == w[:, 2]).all()), bool((w.sum(axis=1) == w[:, [0, 1, 3]].sum(axis=1) + w[:, 2]).all())
    (True, True)
    """
    if cluster is None:
        return rng.multinomial(n_units, np.full(n_units, 1.0 / n_units), size=size).astype(float)
    m = int(cluster.max()) + 1
    w = rng.multinomial(m, np.full(m, 1.0 / m), size=size).astype(float)
    return w[:, cluster]


def bootstrap_block(
    shared: Shared, seed: np.random.SeedSequence, size: int
) -> dict[str, np.ndarray]:
    """Fit every analysis on ``size`` bootstrap resamples of the units.

    A resample draws clusters (patients; units when no clusters are given) with replacement
    (multinomial case weights) and gives every unit its cluster's weight; every analysis sees
    the resampled units it contains, so landmarks are resampled together.

    Returns
    -------
    dict
        :data:`BOOT_FIELDS` -> (size, analyses × variants) arrays.
    """
    rng = np.random.default_rng(seed)
    w_units = unit_weights(rng, shared.n_units, shared.cluster, size)
    parts: dict[str, list[np.ndarray]] = {f: [] for f in BOOT_FIELDS}
    for a, start in zip(shared.analyses, shared.start, strict=True):
        st = fit_counts(
            a.counts(weights=w_units[:, a.units]),
            ties=shared.ties,
            start=start,
            penalty=shared.penalty,
        )
        for f in BOOT_FIELDS:
            parts[f].append(np.asarray(getattr(st, f), dtype=float))
    return {f: np.concatenate(v, axis=1) for f, v in parts.items()}


def permutation_block(shared: Shared, seed: np.random.SeedSequence, size: int) -> np.ndarray:
    """Maximum statistic over the variants of each analysis under ``size`` permutations.

    Within each analysis the outcomes are permuted against the groupings (the groupings'
    columns are permuted; the sorted outcome is reused).  Only the eligible variants
    (``shared.eligible``; group sizes do not change under permutation) enter the maximum.

    Returns
    -------
    numpy.ndarray
        (size, analyses) maxima (NaN where every variant is undefined).
    """
    rng = np.random.default_rng(seed)
    cox = shared.metric in ("lr", "score")
    out = np.full((size, len(shared.analyses)), np.nan)
    for j, a in enumerate(shared.analyses):
        perm = rng.permuted(np.broadcast_to(np.arange(a.n), (size, a.n)), axis=1)
        keep = None if shared.eligible is None else shared.eligible[j]
        if shared.metric == "logrank" and a.groups is not None:
            groups = a.groups if keep is None else a.groups[keep]
            m = logrank_permutations(a.outcome, groups, perm)
        else:
            st = fit_counts(a.counts(perm=perm), ties=shared.ties, cox=cox, penalty=shared.penalty)
            m = metric_values(st, shared.metric)
            if keep is not None:
                m = m[:, keep]
        if m.shape[1] == 0:
            continue
        ok = ~np.all(np.isnan(m), axis=1)
        out[ok, j] = np.nanmax(m[ok], axis=1)
    return out
