"""Honest inference after searching a grid: permutation max-statistic p-values, Harrell's
bootstrap optimism, selection frequencies and bootstrap percentile intervals.

* **Permutation** (Westfall–Young single step): the patients' outcomes are permuted against
  their groupings (the outcome order is never re-sorted; the grouping columns are permuted),
  the whole grid is evaluated and its maximum statistic kept.  The adjusted p-value of a
  variant is ``(1 + #{max* >= stat}) / (1 + n_perm)``; the apparent best's is the p-value of
  the search as a whole.
* **Several analyses** (landmarks): the search is one family, every analysis × variant, and
  its null is that of one maximum (:func:`search_maximum`): in each permutation the largest
  statistic over every analysis.  Each landmark is permuted within its own risk set (the lines
  at risk at L, whose response histories up to L are all observed; no one permutation of the
  cohort keeps every landmark's risk set and grouping meaningful), the landmarks
  independently of one another, so the null treats the analyses as independent.  They are
  not (they share patients), but for statistics that are asymptotically functions of ``|Z|``
  — the 1-df chi-squares (log-rank, LR, score), and Harrell's C, which its orientation by the
  fitted sign makes about ``1/2 + |C − 1/2|`` — the Gaussian correlation inequality (Royen
  2014) makes the independent-analyses maximum stochastically at least as large as the true
  one, whatever the correlation: the p-value is conservative, yet never above the Bonferroni
  sum of the analyses' own p-values at the best's statistic.  The chi-squares share one null
  scale (1 df) across analyses, so the maximum compares like with like; Harrell's C does not
  (its null spread shrinks as the analysis grows), so with C as the metric both the selection
  and its p-value lean toward the smaller analyses.  With one analysis the p-value is exactly
  the within-analysis one.
* **Optimism** (Harrell, *Regression Modeling Strategies*, 5.3.4): the whole selection is
  repeated in every bootstrap resample; the optimism of a resample is the resample winner's
  performance in the resample minus its performance on the original data (with the
  coefficient fitted in the resample); the corrected performance is the apparent one minus the
  mean optimism.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View
from netsurv.sweep import _print

#: Metrics a sweep can select on, all "larger is better".
METRICS = ("logrank", "lr", "score", "c_index")


def permutation_pvalues(stat: np.ndarray, null_max: np.ndarray) -> np.ndarray:
    """Single-step max-T adjusted p-values.

    Parameters
    ----------
    stat
        Observed statistics of the variants (NaN allowed).
    null_max
        Maximum statistic over the grid in each permutation.

    Returns
    -------
    numpy.ndarray
        ``(1 + #{null_max >= stat}) / (1 + n_perm)``; NaN where ``stat`` is NaN.  A null value
        within 1e-12 (relative) below ``stat`` counts as equal (the same statistic computed
        in another order differs by rounding).

    Examples
    --------
    >>> import numpy as np
    >>> permutation_pvalues(np.array([5.0, 1.0]), np.array([0.5, 2.0, 6.0, 1.5])).tolist()
    [0.4, 0.8]
    """
    stat = np.asarray(stat, dtype=float)
    null = np.sort(np.where(np.isnan(null_max), -np.inf, null_max))
    ge = null.size - np.searchsorted(null, stat - 1e-12 * np.abs(stat), side="left")
    p = (1.0 + ge) / (1.0 + null.size)
    return np.where(np.isnan(stat), np.nan, p)


def search_maximum(null_max: np.ndarray) -> np.ndarray:
    """Largest statistic of the whole search in each permutation (NaN ignored).

    Parameters
    ----------
    null_max
        (n_perm, analyses) maximum over the variants of each analysis, per permutation.

    Returns
    -------
    numpy.ndarray
        (n_perm,) maximum over the analyses; NaN where no analysis has a statistic.

    Examples
    --------
    >>> import numpy as np
    >>> search_maximum(np.array([[1.0, 4.0], [np.nan, 2.0], [np.nan, np.nan]])).tolist()
    [4.0, 2.0, nan]
    """
    null_max = np.asarray(null_max, dtype=float)
    if null_max.ndim != 2 or null_max.shape[1] == 0:
        return np.full(null_max.shape[0] if null_max.ndim else 0, np.nan)
    return np.fmax.reduce(null_max, axis=1)


def rejects(p: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """Whether each p-value rejects at level ``alpha``: ``p <= alpha`` (NaN never rejects).

    ``<=`` because a permutation p-value ``(1 + k) / (1 + n_perm)`` has
    ``P(p <= alpha) <= alpha`` under the null (e.g. 10 / 200 = 0.05 with 199 permutations is
    a rejection at 5 %).  The one definition used by :func:`netsurv.sweep.simulation_study`
    and the type-I benchmark.

    Examples
    --------
    >>> import numpy as np
    >>> rejects(np.array([0.01, 0.05, 0.2, np.nan])).tolist()
    [True, True, False, False]
    """
    p = np.asarray(p, dtype=float)
    return np.where(np.isnan(p), False, p <= alpha)


def rejection_rate(p: np.ndarray, alpha: float = 0.05) -> float:
    """Share of the defined p-values that reject (:func:`rejects`); NaN if none is defined.

    Runs without a p-value (e.g. every variant's statistic undefined) are left out of the
    denominator rather than counted as non-rejections; report how many there were.

    Examples
    --------
    >>> import numpy as np
    >>> rejection_rate(np.array([0.01, 0.05, 0.2, np.nan]))
    0.6666666666666666
    """
    p = np.asarray(p, dtype=float)
    ok = ~np.isnan(p)
    return float(rejects(p[ok], alpha).mean()) if ok.any() else float("nan")


def winners(metric: np.ndarray) -> np.ndarray:
    """Index of the best (largest, NaN ignored) column of every row; -1 if all are NaN.

    Examples
    --------
    >>> import numpy as np
    >>> winners(np.array([[1.0, 3.0, np.nan], [np.nan, np.nan, np.nan]])).tolist()
    [1, -1]
    """
    m = np.where(np.isnan(metric), -np.inf, metric)
    best = np.argmax(m, axis=1)
    return np.where(np.all(np.isnan(metric), axis=1), -1, best)


def selection_frequency(win: np.ndarray, n_columns: int) -> np.ndarray:
    """Share of the replicates in which each column won (replicates without a winner count).

    Examples
    --------
    >>> import numpy as np
    >>> selection_frequency(np.array([0, 2, 2, -1]), 3).tolist()
    [0.25, 0.0, 0.5]
    """
    if win.size == 0:
        return np.full(n_columns, np.nan)
    return np.bincount(win[win >= 0], minlength=n_columns) / win.size


def percentile_interval(
    values: np.ndarray, *, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap percentile interval of every column (NaN replicates ignored, ±inf kept).

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = percentile_interval(np.arange(101.0)[:, None])
    >>> round(float(lo[0]), 6), round(float(hi[0]), 6)
    (2.5, 97.5)
    """
    big = np.finfo(float).max / 4
    v = np.clip(np.asarray(values, dtype=float), -big, big)
    alpha = (1.0 - level) / 2.0
    ok = ~np.isnan(v).all(axis=0)
    lo = np.full(v.shape[1], np.nan)
    hi = np.full(v.shape[1], np.nan)
    if ok.any():
        q = np.nanquantile(v[:, ok], [alpha, 1.0 - alpha], axis=0)
        q = np.where(q >= big, np.inf, np.where(q <= -big, -np.inf, q))
        lo[ok], hi[ok] = q[0], q[1]
    return lo, hi


@dataclass(frozen=True, repr=False)
class Optimism(Displayable):
    """Harrell's optimism correction of the selected variant's performance.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per metric: ``apparent`` (the apparent best's value on the original data),
        ``optimism`` (mean over resamples), ``corrected`` = apparent − optimism, ``n_used``
        (resamples with a defined optimism).
    resamples : pandas.DataFrame
        One row per resample: ``winner`` (column index, -1 = none) and, per metric,
        ``apparent_<m>`` (the winner's value in the resample) and ``test_<m>`` (on the
        original data).

    Examples
    --------
    >>> import numpy as np
    >>> from netsurv.sweep.inference import optimism
    >>> optimism(np.array([0, 1, 0]), {"lr": np.array([[5.0, 1], [2, 6], [4, 3]])},
    ...          {"lr": np.array([3.0, 2.0, 3.5])}, {"lr": 5.0})
    <Optimism: Harrell's optimism over 3 bootstrap resamples>
       apparent optimism corrected n_used
    lr        5    2.167     2.833      3
    """

    table: pd.DataFrame
    resamples: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Apparent, optimism, corrected and resamples used per metric: a copy of :attr:`table`."""
        return self.table.copy()

    def _view(self) -> View:
        return _print.optimism_view(self)


def optimism(
    win: np.ndarray,
    boot: dict[str, np.ndarray],
    test: dict[str, np.ndarray],
    apparent: dict[str, float],
) -> Optimism:
    """Assemble Harrell's optimism from per-resample winners and their performances.

    Parameters
    ----------
    win
        (B,) winner of each resample (-1 = none).
    boot
        Metric -> (B, V) values in the resamples.
    test
        Metric -> (B,) value of each resample's winner on the original data.
    apparent
        Metric -> value of the apparent best on the original data.

    Returns
    -------
    Optimism

    Examples
    --------
    >>> import numpy as np
    >>> o = optimism(np.array([0, 1]), {"lr": np.array([[5.0, 1], [2, 6]])},
    ...              {"lr": np.array([3.0, 2.0])}, {"lr": 5.0})
    >>> o.table.loc["lr", ["optimism", "corrected"]].tolist()
    [3.0, 2.0]
    """
    rows = np.arange(win.size)
    res = {"winner": win}
    out = []
    for m, vals in boot.items():
        app = np.where(win >= 0, vals[rows, np.maximum(win, 0)], np.nan)
        tst = np.asarray(test[m], dtype=float)
        opt = app - tst
        ok = np.isfinite(opt)
        res[f"apparent_{m}"] = app
        res[f"test_{m}"] = tst
        mean_opt = float(opt[ok].mean()) if ok.any() else float("nan")
        out.append(
            {
                "metric": m,
                "apparent": apparent[m],
                "optimism": mean_opt,
                "corrected": apparent[m] - mean_opt,
                "n_used": int(ok.sum()),
            }
        )
    summary = pd.DataFrame(out).set_index("metric")
    return Optimism(table=summary, resamples=pd.DataFrame(res))
