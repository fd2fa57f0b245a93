"""The frozen result of a threshold sweep."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View
from netsurv.sweep import _print
from netsurv.sweep.inference import Optimism


@dataclass(frozen=True, repr=False)
class SweepResult(Displayable):
    """A threshold sweep: one row per variant (× landmark) and the honest selection.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per analysis × variant: ``criterion`` (variant name), one column per grid
        axis, ``analysis`` (``"landmark 6 mo"``, ``"time-dependent"``, ``"naive"``),
        ``landmark_months``, ``n``, ``n_group1`` / ``n_group0`` (responders or progressors
        and the others; for a time-dependent analysis, lines in group 1 at one event time or
        more: a line that switches after the last event time it is at risk for is not
        counted),
        ``events_group1`` / ``events_group0``, ``median_pfs_months`` (Kaplan–Meier median PFS
        of the analysed lines under the variant, from the line origin), ``hr``, ``hr_lower``,
        ``hr_upper`` (Wald), ``beta``, ``se``, ``p_wald``, ``lr_chi2``, ``p_lr``,
        ``logrank_chi2``, ``p_logrank``, ``score_chi2``, ``p_score`` (each p-value on 1 df, not
        adjusted for the search), ``c_index`` (Harrell's C), ``aic``,
        ``converged``, ``reason`` (why an estimate is infinite or missing; empty when fine),
        ``p_adjusted`` (single-step permutation max-statistic p-value of the selection metric
        over the whole search, every analysis × variant; NaN when ``n_perm=0``),
        ``p_adjusted_analysis`` (the same within the row's analysis only, as if that landmark
        alone had been searched), ``selection_frequency`` (share of bootstrap resamples the variant won),
        ``hr_boot_lower`` / ``hr_boot_upper``, ``c_index_boot_lower`` /
        ``c_index_boot_upper`` and ``metric_boot_lower`` / ``metric_boot_upper``
        (percentile intervals).
    best : pandas.Series
        The apparent best row of ``table`` (largest metric; variants with identical
        statistics, e.g. cut-offs that group the patients the same way, go to the first in grid
        order) plus ``metric``, ``value``, ``p_search`` (the permutation p-value of the whole
        search, the best's ``p_adjusted``: the share of permutations whose largest statistic
        over every analysis × variant reaches the best's; each landmark is permuted within its
        own risk set, independently of the others, which makes the p-value conservative — see
        :mod:`netsurv.sweep.inference`; NaN when no permutations were run, ``n_perm=0``), ``p_search_reason`` (why ``p_search`` is
        NaN; empty when it is defined) and ``corrected`` (optimism-corrected value of the
        metric).
    optimism : Optimism
        Harrell's optimism for every metric (``table``) and per resample (``resamples``).
    null_max : numpy.ndarray
        (n_perm, analyses) maximum statistic over the variants of each analysis under each
        permutation; the null of ``p_search`` is its maximum over the analyses
        (:func:`netsurv.sweep.inference.search_maximum`).
    boot : dict
        Bootstrap values per field (``beta``, ``logrank``, ``lr``, ``score``, ``c_index``):
        (n_boot, rows of ``table``) arrays.
    attrition : pandas.DataFrame
        Lines set aside (classification, endpoint derivation, line selection), with reasons.
    settings : dict
        The arguments that shaped the result (metric, seed, n_boot, n_perm, ...).

    Examples
    --------
    >>> import netsurv as ns
    >>> ns.sweep(ns.load_demo(), "recist1.1",
    ...          {"response_threshold": [-0.1, -0.2, -0.3], "progression_threshold": [0.1, 0.2]},
    ...          landmark_months=6, n_boot=20, n_perm=50, seed=1)
    <SweepResult: 6 variants × 1 analysis of OS, metric logrank (landmark 6 mo)>
    best: recist1.1[response_threshold=-0.1,progression_threshold=0.1] (landmark 6 mo): logrank= 0.09948
    p_search= 0.725 (50 permutations), optimism-corrected logrank= -1.329 (20 bootstrap resamples)
    response_threshold progression_threshold   n group 1     HR  lower upper logrank p_adjusted selected
                  -0.1                   0.1 199      47 0.9278 0.5812 1.481 0.09948      0.725        1
                  -0.1                   0.2 199      47 0.9278 0.5812 1.481 0.09948      0.725        0
                  -0.2                   0.1 199       5 0.0000     NA    NA 3.43874         NA        0
                  -0.2                   0.2 199       5 0.0000     NA    NA 3.43874         NA        0
                  -0.3                   0.1 199       1 0.0000     NA    NA 1.26038         NA        0
                  -0.3                   0.2 199       1 0.0000     NA    NA 1.26038         NA        0
    358 rows set aside (see .attrition)
    """

    table: pd.DataFrame
    best: pd.Series
    optimism: Optimism
    null_max: np.ndarray
    boot: dict[str, np.ndarray] = field(repr=False)
    attrition: pd.DataFrame = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per analysis × variant: ``criterion``, the grid values, ``analysis``, ``n``,
        group 1 size and events of both groups, ``hr`` with its Wald CI and ``p_wald``,
        ``metric_value`` (the selection metric), ``p_adjusted`` (permutation, whole search),
        ``selection_frequency`` and ``c_index``.  Every column is in :attr:`table`.
        """
        return _print.sweep_summary(self)

    def _view(self) -> View:
        return _print.sweep_view(self)
