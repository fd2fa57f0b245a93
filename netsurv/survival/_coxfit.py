"""Numerical core of the Cox model: partial likelihood, Newton–Raphson, residuals.

Everything works on arrays: the risk sets are sorted once per fit and summed over by reverse
cumulative sums (:mod:`netsurv.survival._risksets`).  Tied events use Efron's or Breslow's approximation exactly as R's ``coxph``
(``coxfit6.c`` / ``agfit4.c``), including case weights (each tied death carries the mean weight
of the tied deaths in Efron's correction).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from netsurv.survival._risksets import RiskSets, death_sums, risk_moments

#: Newton–Raphson stops when every step is below this (relative to ``1 + |beta|``).
STEP_TOL = 1e-12
MAX_ITER = 100


class CoxConvergenceWarning(UserWarning):
    """The Cox partial likelihood has no finite maximum, or Newton–Raphson did not converge."""


@dataclass(frozen=True)
class Derivatives:
    """Log partial likelihood, score and information at one beta, with per-group pieces."""

    loglik: float
    score: np.ndarray
    information: np.ndarray
    group_score: np.ndarray | None = None  # (G, p)
    group_information: np.ndarray | None = None  # (G, p, p)
    # per death (in rs.death_rows order): Efron-weighted hazard pieces for residuals
    xbar: np.ndarray | None = None  # (D, p) Efron mean of the k-th term
    hazard: np.ndarray | None = None  # (D,) meanwt / d2_k
    shift: float = 0.0
    # per death: the risk weights' (Efron) sums of 1, x and x x' (Firth's penalty reuses them)
    den: np.ndarray | None = field(default=None, repr=False)  # (D,)
    num2: np.ndarray | None = field(default=None, repr=False)  # (D, p, p)
    num3: np.ndarray | None = field(default=None, repr=False)  # (D, p, p, p), with third
    risk: np.ndarray | None = field(default=None, repr=False)  # (n,) w exp(eta - shift)


def derivatives(
    rs: RiskSets,
    x: np.ndarray,
    beta: np.ndarray,
    *,
    efron: bool,
    per_group: bool = False,
    third: bool = False,
) -> Derivatives:
    """Partial-likelihood derivatives (Efron or Breslow ties) at ``beta``.

    ``x`` should be centred (only for numerical range; results do not depend on it).  With
    ``third``, also the (Efron) risk-set sums of ``r x ⊗ x ⊗ x`` per death (Firth's penalty).
    """
    eta = x @ beta
    shift = float(eta.max()) if eta.size else 0.0
    r = rs.weights * np.exp(eta - shift)
    p = x.shape[1]
    mom = risk_moments(rs, r, x, third=third)
    s0, s1, s2 = mom.s0, mom.s1, mom.s2
    dr = rs.death_rows
    g = rs.death_group
    f = rs.k_frac if efron else np.zeros(dr.size)
    meanwt = (rs.dead_weight / rs.n_dead)[g]
    num3 = None
    if efron:
        # the deaths' own sums (their rows only: the same products as over all rows)
        rd, xd = r[dr], x[dr]
        xxd = xd[:, :, None] * xd[:, None, :]
        d0 = death_sums(rs, rd)
        d1 = death_sums(rs, rd[:, None] * xd)
        d2m = death_sums(rs, rd[:, None, None] * xxd)
        den = s0[g] - f * d0[g]
        num1 = s1[g] - f[:, None] * d1[g]
        num2 = s2[g] - f[:, None, None] * d2m[g]
        if mom.s3 is not None:
            xxxd = xd[:, :, None, None] * xd[:, None, :, None] * xd[:, None, None, :]
            d3 = death_sums(rs, rd[:, None, None, None] * xxxd)
            num3 = mom.s3[g] - f[:, None, None, None] * d3[g]
    else:
        den = s0[g]
        num1 = s1[g]
        num2 = s2[g]
        num3 = None if mom.s3 is None else mom.s3[g]
    xbar = num1 / den[:, None]
    wd = rs.weights[dr]
    loglik = float(np.sum(wd * (eta[dr] - shift)) - np.sum(meanwt * np.log(den)))
    contrib_u = wd[:, None] * x[dr] - meanwt[:, None] * xbar
    contrib_i = meanwt[:, None, None] * (
        num2 / den[:, None, None] - xbar[:, :, None] * xbar[:, None, :]
    )
    score = contrib_u.sum(axis=0) if dr.size else np.zeros(p)
    info = contrib_i.sum(axis=0) if dr.size else np.zeros((p, p))
    gu = gi = None
    if per_group and dr.size:
        gu = np.add.reduceat(contrib_u, rs.death_first, axis=0)
        gi = np.add.reduceat(contrib_i, rs.death_first, axis=0)
    return Derivatives(
        loglik=loglik,
        score=score,
        information=info,
        group_score=gu,
        group_information=gi,
        xbar=xbar,
        hazard=meanwt / den,
        shift=shift,
        den=den,
        num2=num2,
        num3=num3,
        risk=r,
    )


@dataclass(frozen=True)
class NewtonResult:
    beta: np.ndarray
    loglik: float
    score: np.ndarray
    information: np.ndarray
    loglik_null: float
    score_null: np.ndarray
    information_null: np.ndarray
    iterations: int
    converged: bool
    infinite: np.ndarray  # bool (p,): coefficients that appear to diverge
    at: Derivatives  # at beta (residuals reuse it)


def _solve(info: np.ndarray, u: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(info, u)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(info, u, rcond=None)[0]


def newton_raphson(
    rs: RiskSets,
    x: np.ndarray,
    *,
    efron: bool,
    names: list[str],
    max_iter: int = MAX_ITER,
    warn: bool = True,
    null: Derivatives | None = None,
) -> NewtonResult:
    """Maximise the partial likelihood from beta = 0 to the exact root of the score.

    ``null``: :func:`derivatives` at beta = 0 when already computed (the same numbers).

    Iterates full Newton steps (halved while the log-likelihood would decrease) until every
    ``|step| <= 1e-12 (1 + |beta|)``.  When the log-likelihood stops increasing while steps
    stay large, the maximum is at infinity (monotone likelihood): the fit is flagged
    ``converged=False`` and a :class:`CoxConvergenceWarning` names the coefficients.
    """
    p = x.shape[1]
    beta = np.zeros(p)
    d = derivatives(rs, x, beta, efron=efron) if null is None else null
    null = d
    converged = False
    stalled = 0
    it = 0
    step = np.zeros(p)
    while it < max_iter:
        it += 1
        step = _solve(d.information, d.score)
        new = beta + step
        dn = derivatives(rs, x, new, efron=efron)
        halvings = 0
        while (not np.isfinite(dn.loglik) or dn.loglik < d.loglik - 1e-12 * abs(d.loglik)) and (
            halvings < 40
        ):
            step = step / 2
            new = beta + step
            dn = derivatives(rs, x, new, efron=efron)
            halvings += 1
        gain = dn.loglik - d.loglik
        beta, d = new, dn
        if np.all(np.abs(step) <= STEP_TOL * (1 + np.abs(beta))):
            converged = True
            break
        # numerical floor: tiny steps that no longer shrink, log-likelihood flat
        if np.max(np.abs(step)) < 1e-8 and abs(gain) <= 1e-14 * max(1.0, abs(d.loglik)):
            stalled += 1
            if stalled >= 3:
                converged = True
                break
        elif abs(gain) <= 4 * np.finfo(float).eps * max(1.0, abs(d.loglik)):
            # the likelihood is flat but the steps are not small: divergence
            stalled += 1
            if stalled >= 3:
                break
        else:
            stalled = 0
    infinite = np.zeros(p, dtype=bool)
    if not converged:
        infinite = np.abs(step) > 1e-6 * (1 + np.abs(beta))
    if not converged and warn:
        which = [nm for nm, inf in zip(names, infinite, strict=True) if inf] or names
        warnings.warn(
            f"Cox model: the log-likelihood converged before the coefficient(s) {which} "
            f"(after {it} iterations); the coefficient(s) may be infinite (monotone "
            "likelihood, e.g. a covariate level with no events), so their hazard ratios are "
            "not estimable by ordinary maximum likelihood: use penalty='firth' (Firth's "
            "penalised likelihood) for finite estimates with profile-likelihood CIs",
            CoxConvergenceWarning,
            stacklevel=3,
        )
    return NewtonResult(
        beta=beta,
        loglik=d.loglik,
        score=d.score,
        information=d.information,
        loglik_null=null.loglik,
        score_null=null.score,
        information_null=null.information,
        iterations=it,
        converged=converged,
        infinite=infinite,
        at=d,
    )


def score_residuals(
    rs: RiskSets, x: np.ndarray, beta: np.ndarray, *, efron: bool, at: Derivatives | None = None
) -> np.ndarray:
    """Score residuals (R ``residuals(fit, type = "score")``), one row per data row.

    For row i, ``Σ_t (x_i − x̄(t)) dM_i(t)`` with Efron's partial risk for tied deaths; their
    weighted sum over rows is the score vector.  ``at``: :func:`derivatives` at ``beta`` when
    already computed.
    """
    d = derivatives(rs, x, beta, efron=efron) if at is None else at
    if d.xbar is None or d.hazard is None:  # pragma: no cover - always set by derivatives()
        raise RuntimeError("derivatives() returned no per-death terms")
    eta = x @ beta
    r = np.exp(eta - d.shift)
    g = rs.death_group
    f = rs.k_frac if efron else np.zeros(g.size)
    ng = rs.group_time.size
    p = x.shape[1]
    hz = d.hazard
    haz = np.bincount(g, weights=hz, minlength=ng)
    hazx = np.zeros((ng, p))
    np.add.at(hazx, g, hz[:, None] * d.xbar)
    # the deaths' own share of each term: (1 - k/m)
    haz_d = np.bincount(g, weights=(1 - f) * hz, minlength=ng)
    hazx_d = np.zeros((ng, p))
    np.add.at(hazx_d, g, ((1 - f) * hz)[:, None] * d.xbar)
    xmean = np.zeros((ng, p))
    np.add.at(xmean, g, d.xbar)
    xmean /= rs.n_dead[:, None]

    # cumulative hazard pieces over the groups each row is at risk in
    cum_h = np.concatenate([[0.0], np.cumsum(haz)])
    cum_hx = np.concatenate([np.zeros((1, p)), np.cumsum(hazx, axis=0)])
    hi = np.zeros(rs.n, dtype=np.int64)
    lo = np.zeros(rs.n, dtype=np.int64)
    for s, sl in enumerate(rs.group_slices):
        rows = np.flatnonzero(rs.stratum == s)
        gt = rs.group_time[sl]
        hi[rows] = sl.start + np.searchsorted(gt, rs.time[rows], side="right")
        if rs.start is None:
            lo[rows] = sl.start
        else:
            lo[rows] = sl.start + np.searchsorted(gt, rs.start[rows], side="right")
    a = cum_h[hi] - cum_h[lo]
    b = cum_hx[hi] - cum_hx[lo]
    resid = -r[:, None] * (x * a[:, None] - b)
    dr = rs.death_rows
    resid[dr] += x[dr] - xmean[g]
    # deaths are only partly at risk at their own time under Efron
    resid[dr] += r[dr, None] * (x[dr] * (haz[g] - haz_d[g])[:, None] - (hazx[g] - hazx_d[g]))
    return resid
