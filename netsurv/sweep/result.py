"""The frozen result of a threshold sweep."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from netsurv.sweep.inference import Optimism


@dataclass(frozen=True)
class SweepResult:
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
        Harrell's optimism for every metric (``summary``) and per resample (``resamples``).
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
    """

    table: pd.DataFrame
    best: pd.Series
    optimism: Optimism
    null_max: np.ndarray
    boot: dict[str, np.ndarray] = field(repr=False)
    attrition: pd.DataFrame = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)
