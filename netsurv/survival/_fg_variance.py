"""The censoring curve of Fine–Gray weights and Fine and Gray's (1999) sandwich variance.

The weights of a Fine–Gray risk set are ratios of a Kaplan–Meier curve ``G`` of the censoring
times (:func:`censoring_before`).  ``G`` is itself estimated, and Fine and Gray's variance of
the coefficients (their section 3, the one ``cmprsk::crr`` reports) adds to the sandwich of the
score contributions

    η_i = ∫ (Z_i − Z̄(s)) w_i(s) dM_i(s)

a term ψ_i for the estimation of ``G``: with ``q(u)`` the derivative of the score with respect
to the censoring hazard at ``u`` — a sum over the event times ``s ≥ u`` of the risk-set
contributions of subjects who failed from a competing cause before ``u`` —

    ψ_i = q(T_i)/π(T_i) · [i censored]  −  Σ_{censoring times u ≤ T_i} q(u) dN^c(u) / π(u)²,

π(u) the number still followed at ``u`` (the censoring martingale of subject i, integrated
against q/π).  The variance is ``I⁻¹ (Σ_i (η_i + ψ_i)(η_i + ψ_i)ᵀ) I⁻¹`` with ``I`` the
Breslow information.  Every sum over risk sets is a cumulative sum over the subjects sorted by
time once (O(n log n + events · p²)), where ``crr``'s Fortran loops over pairs of subjects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

if TYPE_CHECKING:
    from netsurv.survival.cox import CoxResult


def censoring_before(
    time: np.ndarray, code: np.ndarray, *, failures_at_risk: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct censoring times ``ct`` and ``G`` just after each (index 0 = 1, before any).

    ``G(t−)`` is then ``g_after[searchsorted(ct, t, side="left")]``.  With
    ``failures_at_risk=False`` events of any cause at a censoring time count before the
    censorings, so they are not at risk of being censored then (R ``finegray``'s shift of event
    times by −0.2 ranks); with ``True`` they are (``cmprsk::crr``'s ``survfit(Surv(ftime,
    cenind) ~ 1)``).  The two differ only when an event and a censoring share a time.
    """
    ct, c_idx = np.unique(time[code == 0], return_inverse=True)
    if ct.size == 0:
        return ct, np.ones(1)
    n_cens = np.bincount(c_idx, minlength=ct.size).astype(float)
    ordered = np.sort(time)
    if failures_at_risk:
        at_risk = time.size - np.searchsorted(ordered, ct, side="left")
    else:  # time > u, plus those censored at u
        at_risk = time.size - np.searchsorted(ordered, ct, side="right") + n_cens
    return ct, np.concatenate([[1.0], np.cumprod(1.0 - n_cens / at_risk)])


def _g_minus(ct: np.ndarray, g_after: np.ndarray, t: np.ndarray, last: float) -> np.ndarray:
    """``G(t−)`` at times ``t``; 0 past ``last``, the group's last follow-up (``crr``)."""
    return np.where(t > last, 0.0, g_after[np.searchsorted(ct, t, side="left")])


def _rev_cumsum(a: np.ndarray) -> np.ndarray:
    return np.cumsum(a[::-1], axis=0)[::-1]


def _with_zero(a: np.ndarray) -> np.ndarray:
    """``a`` (cumulative along axis 0) with a row of zeros in front (the empty sum)."""
    return np.concatenate([np.zeros((1, *a.shape[1:])), a], axis=0)


def fine_gray_variance(
    time: np.ndarray,
    code: np.ndarray,
    group: np.ndarray,
    x: np.ndarray,
    beta: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Breslow information and Fine and Gray's (1999) variance, as ``cmprsk::crr`` computes.

    Parameters
    ----------
    time
        Time to the first event or censoring, one per subject.
    code
        0 censored, 1 the cause modelled, 2 any competing cause.
    group
        Censoring group codes 0..m−1 (``crr``'s ``cengroup``); ``G`` is estimated within each
        with subjects failing at a censoring time still at risk of censoring (``crr``).
    x
        Covariates, (n, p).
    beta
        Coefficients.

    Returns
    -------
    information, variance : numpy.ndarray
        ``I(β)`` and ``I⁻¹ Σ I⁻¹`` (R ``crr(...)$var``), both (p, p).

    Notes
    -----
    With censoring groups ``crr`` sums the term ``q(u)`` of group g over the events of the
    cause *within g* only (its Fortran ``crrvv`` adds ``qu(k, icg(j1))`` for event subjects
    ``j1``); this function does the same so that its variance is ``crr``'s.  With one
    censoring group (the default) the question does not arise.
    """
    order = np.argsort(time, kind="stable")
    t, c, grp, z = time[order], code[order], group[order], x[order]
    n, p = z.shape
    risk = np.exp(z @ beta)
    s, d = np.unique(t[c == 1], return_counts=True)
    n_groups = int(grp.max()) + 1
    # each group's censoring curve: G(s−) at the event times, G(T_i−) of its subjects
    g_at_s = np.zeros((n_groups, s.size))
    g_own = np.ones(n)
    for g in range(n_groups):
        rows = grp == g
        ct, g_after = censoring_before(t[rows], c[rows], failures_at_risk=True)
        last = float(t[rows].max())
        g_at_s[g] = _g_minus(ct, g_after, s, last)
        g_own[rows] = _g_minus(ct, g_after, t[rows], last)
    # risk-set sums at each event time: subjects still followed, plus competing failures
    # before s weighted G(s−)/G(T_j−) (cumulative sums over the sorted subjects)
    zz = z[:, :, None] * z[:, None, :]
    m0, m1, m2 = risk, risk[:, None] * z, risk[:, None, None] * zz
    still = np.searchsorted(t, s, side="left")  # first subject with t >= s
    s0 = _rev_cumsum(m0)[still]
    s1 = _rev_cumsum(m1)[still]
    s2 = _rev_cumsum(m2)[still]
    comp = c == 2
    comp_w = np.where(comp, 1.0 / np.where(comp, g_own, 1.0), 0.0)
    # C_g(u) = Σ_{competing j in g, T_j < u} e_j (1, Z_j, Z_j Z_jᵀ) / G_g(T_j−), at u = t[k]:
    # entry k sums the subjects before position k
    c_sums = []
    for g in range(n_groups):
        wg = comp_w * (grp == g)
        c0 = _with_zero(np.cumsum(m0 * wg))
        c1 = _with_zero(np.cumsum(m1 * wg[:, None], axis=0))
        c2 = _with_zero(np.cumsum(m2 * wg[:, None, None], axis=0))
        c_sums.append((c0, c1, c2))
        s0 = s0 + g_at_s[g] * c0[still]
        s1 = s1 + g_at_s[g][:, None] * c1[still]
        s2 = s2 + g_at_s[g][:, None, None] * c2[still]
    zbar = s1 / s0[:, None]
    information = np.einsum("k,kij->ij", d / s0, s2) - np.einsum("k,ki,kj->ij", d, zbar, zbar)
    dlam = d / s0
    # η: the event's own term, minus the compensator while followed (s ≤ T_i) ...
    eta = np.zeros((n, p))
    ev = c == 1
    eta[ev] = z[ev] - zbar[np.searchsorted(s, t[ev])]
    upto = np.searchsorted(s, t, side="right")  # events at s ≤ T_i
    a0 = _with_zero(np.cumsum(dlam))[upto]
    a1 = _with_zero(np.cumsum(zbar * dlam[:, None], axis=0))[upto]
    eta -= risk[:, None] * (z * a0[:, None] - a1)
    # ... and, for a competing failure, at the later event times with its weight
    for g in range(n_groups):
        rows = np.flatnonzero(comp & (grp == g))
        gd = g_at_s[g] * dlam
        b0 = np.concatenate([_rev_cumsum(gd), [0.0]])[upto[rows]]
        b1 = np.concatenate([_rev_cumsum(zbar * gd[:, None]), np.zeros((1, p))])[upto[rows]]
        eta[rows] -= (risk[rows] / g_own[rows])[:, None] * (z[rows] * b0[:, None] - b1)
    # ψ: the censoring martingale of each subject integrated against q(u)/π(u), per group
    psi = np.zeros((n, p))
    for g in range(n_groups):
        rows = np.flatnonzero(grp == g)
        tg, cg = t[rows], c[rows]
        u, dc = np.unique(tg[cg == 0], return_counts=True)
        if u.size == 0:
            continue
        at_risk = tg.size - np.searchsorted(tg, u, side="left")
        # crr sums q_g over the events of the cause in group g only
        d_g = np.bincount(np.searchsorted(s, t[ev & (grp == g)]), minlength=s.size)
        gd = g_at_s[g] * d_g / s0
        from_u = np.searchsorted(s, u, side="left")  # events at s ≥ u
        b0 = np.concatenate([_rev_cumsum(gd), [0.0]])[from_u]
        b1 = np.concatenate([_rev_cumsum(zbar * gd[:, None]), np.zeros((1, p))])[from_u]
        before_u = np.searchsorted(t, u, side="left")  # competing failures with T_j < u
        c0, c1, _ = c_sums[g]
        q = c1[before_u] * b0[:, None] - c0[before_u][:, None] * b1
        h = _with_zero(np.cumsum(q * (dc / at_risk**2)[:, None], axis=0))
        psi[rows] -= h[np.searchsorted(u, tg, side="right")]
        cens = np.flatnonzero(cg == 0)
        k = np.searchsorted(u, tg[cens])
        psi[rows[cens]] += q[k] / at_risk[k][:, None]
    score = eta + psi
    inv = np.linalg.inv(information)
    return information, inv @ (score.T @ score) @ inv


def with_variance(
    model: CoxResult, var: np.ndarray, conf_level: float
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The model's coefficients, variance and tests with ``var`` (over the estimable
    coefficients, those not NA) as the robust variance."""
    coef = model.coefficients.copy()
    kept = coef["coef"].notna().to_numpy()
    full = np.full((kept.size, kept.size), np.nan)
    full[np.ix_(kept, kept)] = var
    var = full
    beta = coef["coef"].to_numpy()
    se = np.sqrt(np.diag(var))
    z_crit = float(norm.ppf(1 - (1 - conf_level) / 2))
    coef["robust_se"] = se
    coef["z"] = beta / se
    coef["p"] = 2 * norm.sf(np.abs(beta / se))
    coef["lower"] = np.exp(beta - z_crit * se)
    coef["upper"] = np.exp(beta + z_crit * se)
    tests = model.tests.copy()
    b = beta[kept]
    wald = float(b @ np.linalg.solve(var[np.ix_(kept, kept)], b))
    tests.loc["wald", ["statistic", "p_value"]] = [wald, float(chi2.sf(wald, b.size))]
    tests.loc["robust_score", ["statistic", "p_value"]] = np.nan
    index = model.variance.index
    return coef, pd.DataFrame(var, index=index, columns=index), tests
