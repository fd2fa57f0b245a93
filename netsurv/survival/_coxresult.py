"""The result of a Cox fit (:func:`netsurv.survival.cox`): coefficients, tests, and the design
kept for diagnostics (``cox.zph``), per-term tests and ``anova``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View
from netsurv.survival import _print
from netsurv.survival._risksets import RiskSets

if TYPE_CHECKING:
    from netsurv.survival.zph import CoxZphResult


@dataclass(frozen=True)
class CoxDesign:
    """The data a fit used, kept for diagnostics (``cox.zph``)."""

    x: np.ndarray  # centred covariates (n, p)
    risk_sets: RiskSets
    efron: bool
    stratum_labels: list[object]
    terms: dict[str, list[int]] = field(default_factory=dict)  # term -> its columns of x


@dataclass(frozen=True, repr=False)
class CoxResult(Displayable):
    """A fitted Cox model.

    Attributes
    ----------
    coefficients : pandas.DataFrame
        One row per covariate (index = covariate name, or a formula's column such as
        ``C(grade)[T.G2]``): ``coef`` (log hazard ratio), ``exp_coef`` (hazard ratio), ``se``
        (model-based, from the inverse information), ``robust_se`` (sandwich; NaN unless
        robust), ``z``, ``p`` (two-sided Wald) and ``lower`` / ``upper``, the CI of the hazard
        ratio.  When robust, z, p and the CI use ``robust_se``, as R's
        ``summary(coxph(...))``.  With ``penalty="firth"`` and ``conf_int="profile"`` (the
        default), ``p`` is the penalised likelihood-ratio test of the coefficient and
        ``lower`` / ``upper`` the profile penalised-likelihood interval (R
        ``coxphf(pl = TRUE)``'s ``prob``, ``ci.lower``, ``ci.upper``); ``se`` is then
        ``sqrt(diag(I(β̂)⁻¹))`` at the penalised estimate (coxphf's ``var``).
    variance : pandas.DataFrame
        Variance matrix of the coefficients used for inference (robust when requested).
    variance_model : pandas.DataFrame
        Inverse of the information matrix (R's ``naive.var`` when robust).
    loglik_null, loglik : float
        Log partial likelihood at beta = 0 and at the estimate; with ``penalty="firth"`` the
        penalised ``l(β) + ½ log|I(β)|`` (coxphf reports it for covariates divided by their
        SDs, which shifts both values by ``Σ log sd``; differences are the same).
    tests : pandas.DataFrame
        Index ``likelihood_ratio``, ``wald``, ``score`` (the log-rank test for one binary
        covariate; always the ordinary score test at beta = 0) and ``robust_score`` (NaN
        unless robust), columns ``statistic``, ``df``, ``p_value`` — R's ``summary`` lines.
        With Firth the likelihood ratio is penalised (coxphf's global test).
    aic : float
        ``-2 loglik + 2 p`` (penalised log-likelihood with Firth).
    concordance, concordance_se : float
        Harrell's C of the linear predictor and its standard error as R's ``coxph`` reports
        them (``fit$concordance``: pairs within strata, tied predictors count one half, events
        tied in time are not comparable, infinitesimal-jackknife SE).
    concordance_counts : pandas.Series
        ``concordant``, ``discordant``, ``tied_x``, ``tied_y``, ``tied_xy`` (weighted).
    n, events, n_dropped : int
        Rows used, events among them, rows dropped for missing values.
    ties : str
        ``"efron"`` or ``"breslow"``.
    converged : bool
        False when the estimate diverges (a :class:`CoxConvergenceWarning` was issued).
    iterations : int
        Newton–Raphson iterations.
    max_abs_score : float
        Largest absolute score component at the estimate (≈ 0 at the exact root).
    strata : list of str
        Stratification columns.
    robust : bool
        Whether the sandwich variance is used.
    penalty : str
        ``"none"`` or ``"firth"``.
    conf_int : str
        How ``lower`` / ``upper`` (and ``p``) were computed: ``"wald"`` or ``"profile"``.
    formula : str or None
        The formula, when the model was given one.

    Examples
    --------
    R's ``aml`` data; ``summary(coxph(Surv(time, status) ~ x, data = aml))`` prints the same
    numbers:

    >>> import pandas as pd
    >>> import netsurv as ns
    >>> aml = pd.DataFrame({  # R survival's aml data
    ...     "time": [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161,
    ...              5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45],
    ...     "status": [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
    ...     "x": ["Maintained"] * 11 + ["Nonmaintained"] * 12})
    >>> fit = ns.survival.cox(aml, formula="x", duration_col="time", event_col="status")
    >>> fit
    <CoxResult: n= 23, number of events= 18>
    formula: x; ties= efron
                          coef exp(coef) se(coef)      z       p lower .95 upper .95
    x[T.Nonmaintained]  0.9155     2.498   0.5119  1.788  0.0737    0.9159     6.813
    Concordance= 0.619  (se = 0.063)
    Likelihood ratio test= 3.38  on 1 df,   p=0.0658
    Wald test            = 3.20  on 1 df,   p=0.0737
    Score (logrank) test = 3.42  on 1 df,   p=0.0645
    """

    coefficients: pd.DataFrame
    variance: pd.DataFrame
    variance_model: pd.DataFrame
    loglik_null: float
    loglik: float
    tests: pd.DataFrame
    aic: float
    concordance: float
    concordance_se: float
    concordance_counts: pd.Series
    n: int
    events: int
    n_dropped: int
    ties: str
    converged: bool
    iterations: int
    max_abs_score: float
    strata: list[str]
    robust: bool
    design: CoxDesign = field(repr=False, compare=False)
    penalty: str = "none"
    conf_int: str = "wald"
    formula: str | None = None

    @property
    def hazard_ratios(self) -> pd.Series:
        """``exp(coef)`` by covariate."""
        return self.coefficients["exp_coef"]

    def zph(self, *, transform: str = "km") -> CoxZphResult:
        """Test proportional hazards (R ``cox.zph``); see :func:`netsurv.survival.cox_zph`."""
        from netsurv.survival.zph import cox_zph

        return cox_zph(self, transform=transform)

    def term_tests(self) -> pd.DataFrame:
        """Joint tests of each term's columns; see :func:`netsurv.survival.term_tests`."""
        from netsurv.survival.anova import term_tests

        return term_tests(self)

    def anova(self) -> pd.DataFrame:
        """Terms added sequentially (R ``anova(fit)``); see :func:`netsurv.survival.anova`."""
        from netsurv.survival.anova import anova

        return anova(self)

    def summary(self) -> pd.DataFrame:
        """The coefficient table (R ``summary(coxph)``): a copy of :attr:`coefficients`.

        One row per coefficient: ``coef``, ``exp_coef``, ``se``, ``robust_se``, ``z``, ``p``,
        ``lower``, ``upper``.  The global tests are :attr:`tests`.
        """
        return self.coefficients.copy()

    def _view(self) -> View:
        return _print.cox_view(self)
