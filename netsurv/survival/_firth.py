"""Firth's penalised partial likelihood for the Cox model (Heinze & Schemper 2001).

The penalised log-likelihood is ``l*(β) = l(β) + ½ log |I(β)|`` (Firth 1993), ``I`` the observed
information of the partial likelihood.  Its score is ``U*(β)_r = U(β)_r + ½ tr(I⁻¹ ∂I/∂β_r)``;
the derivative of the information needs the third moments of the covariates over each risk set,
``S3 = Σ r_i x_i ⊗ x_i ⊗ x_i``, handled exactly as the first and second moments in
:mod:`netsurv.survival._coxfit` (sorted reverse cumulative sums, Efron's partial removal of the
tied deaths, case weights in ``r_i``).  Unlike ordinary maximum likelihood the maximum is finite
when the likelihood is monotone (a group without events), so hazard ratios stay estimable.

The estimate solves ``U*(β) = 0`` by Newton steps with the information ``I(β)`` as the (positive
definite) curvature, as R's ``coxphf`` does, step-halved while ``l*`` would decrease and iterated
to the exact root.  Profile penalised-likelihood intervals and penalised likelihood-ratio tests
(R ``coxphf(pl = TRUE)``, ``coxphftest``) re-maximise ``l*`` with some coefficients held fixed;
the penalty is always that of the full model, as in ``coxphf``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq
from scipy.stats import chi2 as chi2_dist

from netsurv.survival._coxfit import (
    CoxConvergenceWarning,
    Derivatives,
    derivatives,
)
from netsurv.survival._risksets import RiskSets

#: Newton steps stop below this (relative to ``1 + |beta|``) or when the penalised score is
#: below ``SCORE_TOL`` (relative to the information's scale).
STEP_TOL = 1e-12
SCORE_TOL = 1e-12
MAX_ITER = 200
#: Largest change of one coefficient in one Newton step (log hazard ratio units).
MAX_STEP = 5.0
#: The profile search for an interval limit stops this far (log-HR units) from the estimate.
PROFILE_LIMIT = 50.0


@dataclass(frozen=True)
class Penalised:
    """Penalised log-likelihood and score at one beta, with the ordinary pieces."""

    loglik: float  # l(β), unpenalised
    penalised: float  # l(β) + ½ log|I(β)|
    score: np.ndarray  # U*(β), penalised
    information: np.ndarray  # I(β), unpenalised


def penalised(
    rs: RiskSets, x: np.ndarray, beta: np.ndarray, *, efron: bool, at: Derivatives | None = None
) -> Penalised:
    """Firth's penalised log partial likelihood and its score at ``beta``.

    ``x`` should be centred (for numerical range only); ``at``: :func:`derivatives` at
    ``beta`` with ``third=True``, when already computed.
    """
    d = derivatives(rs, x, beta, efron=efron, third=True) if at is None else at
    p = x.shape[1]
    info = d.information
    sign, logdet = np.linalg.slogdet(info)
    if sign <= 0 or not np.isfinite(logdet):
        return Penalised(
            loglik=d.loglik, penalised=-np.inf, score=np.full(p, np.nan), information=info
        )
    # the moments of 1, x, x x' and x x x' over each risk set come with the derivatives
    assert d.den is not None and d.num2 is not None and d.num3 is not None
    assert d.xbar is not None
    den, n2, n3, xbar = d.den, d.num2, d.num3, d.xbar
    meanwt = (rs.dead_weight / rs.n_dead)[rs.death_group]
    m2 = n2 / den[:, None, None]
    m3 = n3 / den[:, None, None, None]
    # ∂I_jk/∂β_l per death, summed with the deaths' mean weights
    dinfo = (
        m3
        - m2[:, :, :, None] * xbar[:, None, None, :]
        - m2[:, :, None, :] * xbar[:, None, :, None]
        - xbar[:, :, None, None] * m2[:, None, :, :]
        + 2 * xbar[:, :, None, None] * xbar[:, None, :, None] * xbar[:, None, None, :]
    )
    dinfo = np.einsum("d,djkl->jkl", meanwt, dinfo)
    inv = np.linalg.inv(info)
    score = d.score + 0.5 * np.einsum("jk,jkl->l", inv, dinfo)
    return Penalised(
        loglik=d.loglik, penalised=d.loglik + 0.5 * logdet, score=score, information=info
    )


@dataclass(frozen=True)
class FirthFit:
    """The maximum of the penalised likelihood (some coefficients possibly held fixed)."""

    beta: np.ndarray
    at: Penalised
    iterations: int
    converged: bool


def firth_newton(
    rs: RiskSets,
    x: np.ndarray,
    *,
    efron: bool,
    beta0: np.ndarray | None = None,
    free: np.ndarray | None = None,
    max_iter: int = MAX_ITER,
    start: Penalised | None = None,
) -> FirthFit:
    """Maximise the penalised likelihood over the ``free`` coefficients (all by default).

    The others keep their values in ``beta0`` (zeros by default); ``start``: the
    :func:`penalised` value at ``beta0`` when already computed.
    """
    p = x.shape[1]
    beta = np.zeros(p) if beta0 is None else np.asarray(beta0, dtype=float).copy()
    idx = np.arange(p) if free is None else np.flatnonzero(free)
    cur = penalised(rs, x, beta, efron=efron) if start is None else start
    if idx.size == 0:
        return FirthFit(beta=beta, at=cur, iterations=0, converged=True)
    converged = False
    it = 0
    while it < max_iter:
        it += 1
        u = cur.score[idx]
        info = cur.information[np.ix_(idx, idx)]
        scale = max(1.0, float(np.max(np.abs(np.diag(info)))))
        if np.max(np.abs(u)) <= SCORE_TOL * scale:
            converged = True
            break
        step = np.linalg.solve(info, u)
        big = np.max(np.abs(step))
        if big > MAX_STEP:
            step *= MAX_STEP / big
        new = beta.copy()
        halvings = 0
        while True:
            new[idx] = beta[idx] + step
            nxt = penalised(rs, x, new, efron=efron)
            if np.isfinite(nxt.penalised) and nxt.penalised >= cur.penalised - 1e-13 * max(
                1.0, abs(cur.penalised)
            ):
                break
            halvings += 1
            if halvings > 40:
                break
            step = step / 2
        beta, cur = new, nxt
        if np.all(np.abs(step) <= STEP_TOL * (1 + np.abs(beta[idx]))):
            converged = True
            break
    return FirthFit(beta=beta, at=cur, iterations=it, converged=converged)


def penalised_lr(
    rs: RiskSets,
    x: np.ndarray,
    fit: FirthFit,
    *,
    efron: bool,
    test: np.ndarray,
    values: np.ndarray | None = None,
) -> tuple[float, int, float]:
    """Penalised likelihood-ratio test that the ``test`` coefficients equal ``values`` (0).

    The others are re-maximised under the hypothesis (R ``coxphftest``).  Returns the
    statistic, its degrees of freedom and the p-value.
    """
    test = np.asarray(test, dtype=bool)
    start = fit.beta.copy()
    start[test] = 0.0 if values is None else values
    restricted = firth_newton(rs, x, efron=efron, beta0=start, free=~test)
    stat = max(2.0 * (fit.at.penalised - restricted.at.penalised), 0.0)
    df = int(test.sum())
    return stat, df, float(chi2_dist.sf(stat, df))


def profile_interval(
    rs: RiskSets,
    x: np.ndarray,
    fit: FirthFit,
    j: int,
    *,
    efron: bool,
    conf_level: float,
) -> tuple[float, float]:
    """Profile penalised-likelihood interval of coefficient ``j`` (R ``coxphf(pl = TRUE)``).

    The limits are where ``2 (l*(β̂) − max l*(β | β_j = b)) = χ²₁(conf_level)``, found by a
    bracketing root search (Brent) on the profile; NaN when the profile does not reach the
    threshold within ``PROFILE_LIMIT`` of the estimate.
    """
    p = x.shape[1]
    free = np.ones(p, dtype=bool)
    free[j] = False
    target = fit.at.penalised - 0.5 * float(chi2_dist.ppf(conf_level, 1))
    warm = {1: fit.beta.copy(), -1: fit.beta.copy()}
    bj = float(fit.beta[j])

    def profile(b: float, side: int) -> float:
        start = warm[side].copy()
        start[j] = b
        res = firth_newton(rs, x, efron=efron, beta0=start, free=free)
        if not np.isfinite(res.at.penalised):  # information singular that far out: below
            return -1e10
        warm[side] = res.beta
        return res.at.penalised - target

    try:
        se = float(np.sqrt(np.linalg.inv(fit.at.information)[j, j]))
    except np.linalg.LinAlgError:
        se = 1.0
    se = se if np.isfinite(se) and se > 0 else 1.0
    limits = []
    for side in (-1, 1):
        inner, outer = bj, bj + side * se
        while profile(outer, side) > 0:
            inner, outer = outer, bj + 2 * (outer - bj)
            if abs(outer - bj) > PROFILE_LIMIT:
                outer = float("nan")
                break
        if np.isnan(outer):
            limits.append(float("nan"))
            continue
        lo, hi = sorted((inner, outer))
        root = brentq(
            lambda b, s=side: profile(b, s), lo, hi, xtol=1e-13, rtol=8 * np.finfo(float).eps
        )
        limits.append(float(root))
    return limits[0], limits[1]


@dataclass(frozen=True)
class FirthInference:
    """What :func:`netsurv.survival.cox` reports for a Firth fit."""

    beta: np.ndarray
    information: np.ndarray
    loglik: float  # penalised, at the estimate
    loglik_null: float  # penalised, at beta = 0
    score: np.ndarray  # penalised score at the estimate
    converged: bool
    iterations: int
    lower: np.ndarray | None  # profile limits of beta (None: Wald)
    upper: np.ndarray | None
    p_values: np.ndarray | None  # penalised LR p-values (None: Wald)


def firth_inference(
    rs: RiskSets,
    x: np.ndarray,
    *,
    efron: bool,
    conf_level: float,
    profile: bool,
    null: Derivatives | None = None,
) -> FirthInference:
    """Firth estimate, and with ``profile`` its profile intervals and penalised LR p-values.

    ``null``: :func:`derivatives` at beta = 0 with ``third=True``, when already computed.
    """
    p = x.shape[1]
    at_null = penalised(rs, x, np.zeros(p), efron=efron, at=null)
    fit = firth_newton(rs, x, efron=efron, start=at_null)
    if not fit.converged:
        warnings.warn(
            f"Firth-penalised Cox model did not converge in {fit.iterations} iterations",
            CoxConvergenceWarning,
            stacklevel=3,
        )
    lower = upper = p_values = None
    if profile:
        lower, upper, p_values = np.empty(p), np.empty(p), np.empty(p)
        for j in range(p):
            lower[j], upper[j] = profile_interval(rs, x, fit, j, efron=efron, conf_level=conf_level)
            test = np.zeros(p, dtype=bool)
            test[j] = True
            p_values[j] = penalised_lr(rs, x, fit, efron=efron, test=test)[2]
    return FirthInference(
        beta=fit.beta,
        information=fit.at.information,
        loglik=fit.at.penalised,
        loglik_null=at_null.penalised,
        score=fit.at.score,
        converged=fit.converged,
        iterations=fit.iterations,
        lower=lower,
        upper=upper,
        p_values=p_values,
    )
