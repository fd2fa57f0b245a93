"""Log-rank test for two or more groups, stratified and for trend, as R ``survdiff``; weighted
Fleming–Harrington G(ρ, γ) tests (Peto–Peto for ρ = 1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist

from netsurv._display import Displayable, View
from netsurv.errors import ConfigError
from netsurv.survival import _print
from netsurv.survival._input import as_list, group_codes, prepare


@dataclass(frozen=True, repr=False)
class LogrankResult(Displayable):
    """A log-rank test.

    Attributes
    ----------
    chi2 : float
        Test statistic.
    df : int
        Degrees of freedom: groups with a non-zero expected count minus one, or 1 for the
        trend test.
    p_value : float
        Upper-tail chi-square probability.
    table : pandas.DataFrame
        One row per group, as R's ``print(survdiff(...))``: ``group``, ``N`` (weighted),
        ``observed``, ``expected`` (summed over strata), ``oe2_e`` = (O−E)²/E and
        ``oe2_v`` = (O−E)²/V with V the diagonal of the variance matrix, and ``score``
        (the trend score of each group; NaN unless ``trend=True``).
    variance : pandas.DataFrame
        The hypergeometric variance–covariance matrix of O − E (groups × groups).
    test : str
        ``"logrank"`` or ``"logrank trend"``; ``"G(ρ, γ)"`` / ``"G(ρ, γ) trend"`` for weighted
        tests (e.g. ``"G(1, 0)"``).
    n_dropped : int
        Rows dropped because a used column was missing.

    Examples
    --------
    R's ``aml`` data; ``print(survdiff(Surv(time, status) ~ x, data = aml))`` prints the same
    table:

    >>> import pandas as pd
    >>> import netsurv as ns
    >>> aml = pd.DataFrame({  # R survival's aml data
    ...     "time": [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161,
    ...              5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45],
    ...     "status": [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
    ...     "x": ["Maintained"] * 11 + ["Nonmaintained"] * 12})
    >>> ns.survival.logrank(aml, by="x", duration_col="time", event_col="status")
    <LogrankResult: logrank, 2 groups, n= 23>
                    N Observed Expected (O-E)^2/E (O-E)^2/V
    Maintained     11        7    10.69      1.27       3.4
    Nonmaintained  12       11     7.31      1.86       3.4
    Chisq= 3.4  on 1 degrees of freedom, p= 0.0653
    """

    chi2: float
    df: int
    p_value: float
    table: pd.DataFrame
    variance: pd.DataFrame
    test: str
    n_dropped: int

    def summary(self) -> pd.DataFrame:
        """Observed and expected events per group (R ``print(survdiff)``): a copy of
        :attr:`table`; the test itself is :attr:`chi2`, :attr:`df`, :attr:`p_value`.
        """
        return self.table.copy()

    def _view(self) -> View:
        return _print.logrank_view(self)


def _observed_expected(
    time: np.ndarray,
    event: np.ndarray,
    weights: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    rho: float = 0.0,
    gamma: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """O, E and the hypergeometric variance of O − E within one stratum, each event time
    weighted by ``S(t−)^ρ (1 − S(t−))^γ`` (S the stratum's pooled Kaplan–Meier curve)."""
    ut, inv = np.unique(time, return_inverse=True)
    nt = ut.size
    # weighted counts per distinct time × group: at risk (time >= t) and events (time == t)
    cell = inv * n_groups + group
    d_tg = np.bincount(cell, weights=weights * event, minlength=nt * n_groups).reshape(nt, n_groups)
    all_tg = np.bincount(cell, weights=weights, minlength=nt * n_groups).reshape(nt, n_groups)
    n_tg = np.cumsum(all_tg[::-1], axis=0)[::-1]
    d = d_tg.sum(axis=1)
    n = n_tg.sum(axis=1)
    keep = d > 0
    d_tg, n_tg, d, n = d_tg[keep], n_tg[keep], d[keep], n[keep]
    wt = np.ones(d.size)
    if rho != 0 or gamma != 0:
        s_before = np.concatenate([[1.0], np.cumprod(1.0 - d / n)[:-1]])  # KM at t−
        wt = s_before**rho * (1.0 - s_before) ** gamma
        d_tg = d_tg * wt[:, None]
    frac = n_tg / n[:, None]
    observed = d_tg.sum(axis=0)
    expected = ((wt * d)[:, None] * frac).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = wt**2 * np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    # V_gh = Σ_t factor_t · frac_tg (δ_gh − frac_th)
    var = np.diag((factor[:, None] * frac).sum(axis=0)) - np.einsum(
        "t,tg,th->gh", factor, frac, frac
    )
    return observed, expected, var


def logrank(
    df: pd.DataFrame,
    *,
    by: str | Sequence[str],
    duration_col: str,
    event_col: str,
    strata: str | Sequence[str] | None = None,
    trend: bool = False,
    scores: Mapping[Any, float] | None = None,
    weights_col: str | None = None,
    rho: float = 0.0,
    gamma: float = 0.0,
) -> LogrankResult:
    """Log-rank test of equal survival across groups (R ``survdiff``); G(ρ, γ) weighted tests.

    Parameters
    ----------
    df
        One row per subject.
    by
        Grouping column (two or more groups), or several columns whose combinations present
        in the data are the groups, labelled as R's ``survdiff(Surv(t, e) ~ a + b)``
        (``"a=1, b=x"``).
    duration_col, event_col
        Follow-up time and 0/1 event indicator.
    strata
        Optional stratification column(s): observed, expected and variance are computed within
        each stratum and summed, as ``survdiff(Surv(t, e) ~ g + strata(s))``.
    trend
        Test for a trend across ordered groups instead of heterogeneity: with group scores
        ``s``, ``chi2 = (s·(O − E))² / (s' V s)`` on 1 df, V the same hypergeometric variance
        matrix.  This equals the score test of a Cox model with the score as a numeric covariate
        and the exact partial likelihood (R ``coxph(..., ties = "exact")``).
    scores
        Trend scores by group label.  Default: the group values themselves when the ``by``
        column is numeric, else 1, 2, …, k in group order (sorted, or category order for an
        ordered categorical).
    weights_col
        Optional case (frequency) weights: counts are weighted sums (R's ``survdiff`` takes no
        weights; integer weights give the same test as repeating rows).

    Returns
    -------
    LogrankResult
        ``chi2``, ``df``, ``p_value`` and the per-group ``table``.

    Notes
    -----
    The variance at an event time with n at risk and d events is hypergeometric,
    ``d (n − d) / (n − 1) · (n_g / n) (δ_gh − n_h / n)``; the statistic is
    ``(O − E)' V⁻ (O − E)`` using all groups but the first among those with E > 0, exactly as
    ``survdiff``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 0, 1, 1, 0, 1],
    ...                    "arm": ["a", "b"] * 4})
    >>> res = logrank(df, by="arm", duration_col="t", event_col="e")
    >>> round(res.chi2, 4), res.df
    (0.4476, 1)
    >>> res.table[["group", "N", "observed"]]
      group  N  observed
    0     a  4       3.0
    1     b  4       3.0
    """
    for name, value in (("rho", rho), ("gamma", gamma)):
        if not (isinstance(value, int | float) and np.isfinite(value) and value >= 0):
            raise ConfigError(
                f"{name} must be a finite number >= 0 (the Fleming-Harrington weight "
                f"S(t-)^rho (1 - S(t-))^gamma), got {value!r}; use rho=0, gamma=0 for the "
                "log-rank test"
            )
    strata_cols = as_list(strata)
    by_cols = as_list(by)
    if not by_cols:
        raise ConfigError("by must name at least one grouping column")
    prep = prepare(
        df,
        duration_col=duration_col,
        event_col=event_col,
        weights_col=weights_col,
        other_cols=[*by_cols, *strata_cols],
    )
    codes, labels = group_codes(prep.frame[by_cols], r_labels=True)
    k = len(labels)
    if k < 2:
        raise ConfigError(f"by {by!r} has {k} group after dropping missing values; need >= 2")
    if strata_cols:
        s_codes, s_labels = group_codes(prep.frame[strata_cols])
    else:
        s_codes, s_labels = np.zeros(len(codes), dtype=np.int64), [None]
    observed = np.zeros(k)
    expected = np.zeros(k)
    var = np.zeros((k, k))
    for s in range(len(s_labels)):
        sel = s_codes == s
        o, e, v = _observed_expected(
            prep.time[sel], prep.event[sel], prep.weights[sel], codes[sel], k, rho, gamma
        )
        observed += o
        expected += e
        var += v
    n_group = np.bincount(codes, weights=prep.weights, minlength=k)

    score_arr = np.full(k, np.nan)
    if trend:
        if scores is not None:
            missing = [g for g in labels if g not in scores]
            if missing:
                raise ConfigError(f"scores has no value for group(s) {missing} of column {by!r}")
            score_arr = np.array([float(scores[g]) for g in labels])
        elif len(by_cols) == 1 and pd.api.types.is_numeric_dtype(prep.frame[by_cols[0]]):
            score_arr = np.array(labels, dtype=float)
        else:
            score_arr = np.arange(1.0, k + 1)
        u = float(score_arr @ (observed - expected))
        v_trend = float(score_arr @ var @ score_arr)
        chi2 = u * u / v_trend if v_trend > 0 else 0.0
        dof = 1
        test = "logrank trend" if rho == 0 and gamma == 0 else f"G({rho:g}, {gamma:g}) trend"
    else:
        use = np.flatnonzero(expected > 0)
        dof = use.size - 1
        if dof < 1:
            chi2 = 0.0
        else:
            idx = use[1:]
            oe = (observed - expected)[idx]
            try:
                chi2 = float(oe @ np.linalg.solve(var[np.ix_(idx, idx)], oe))
            except np.linalg.LinAlgError:
                raise ConfigError(
                    "log-rank test undefined: its variance matrix is singular (no event time "
                    "at which the groups' members could have fared differently; R's survdiff "
                    "fails too)"
                ) from None
        test = "logrank" if rho == 0 and gamma == 0 else f"G({rho:g}, {gamma:g})"
    p = float(chi2_dist.sf(chi2, dof)) if dof >= 1 else float("nan")

    weighted = weights_col is not None
    oe = observed - expected
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame(
            {
                "group": labels,
                "N": n_group if weighted else np.rint(n_group).astype(np.int64),
                "observed": observed,
                "expected": expected,
                "oe2_e": oe**2 / expected,
                "oe2_v": oe**2 / np.diag(var),
                "score": score_arr,
            }
        )
    return LogrankResult(
        chi2=float(chi2),
        df=int(dof),
        p_value=p,
        table=table,
        variance=pd.DataFrame(var, index=labels, columns=labels),
        test=test,
        n_dropped=prep.n_dropped,
    )
