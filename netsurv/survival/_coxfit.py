"""Numerical core of the Cox model: risk-set sums, partial likelihood, Newton–Raphson, residuals.

Everything works on arrays.  Risk sets are handled by sorting once and taking reverse cumulative
sums (a loop over strata, never over subjects).  For counting-process rows the risk set at an
event time t is ``start < t <= stop``: the sums over ``stop >= t`` minus those over
``start >= t``.  Tied events use Efron's or Breslow's approximation exactly as R's ``coxph``
(``coxfit6.c`` / ``agfit4.c``), including case weights (each tied death carries the mean weight
of the tied deaths in Efron's correction).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

#: Newton–Raphson stops when every step is below this (relative to ``1 + |beta|``).
STEP_TOL = 1e-12
MAX_ITER = 100


class CoxConvergenceWarning(UserWarning):
    """The Cox partial likelihood has no finite maximum, or Newton–Raphson did not converge."""


@dataclass(frozen=True)
class RiskSets:
    """Sort orders and positions describing every risk set, computed once per fit.

    An *event group* is one distinct event time within one stratum.
    """

    n: int
    time: np.ndarray  # stop times (n,)
    start: np.ndarray | None  # entry times (n,) or None
    event: np.ndarray  # bool (n,)
    weights: np.ndarray  # (n,)
    stratum: np.ndarray  # int codes (n,)
    group_time: np.ndarray  # (G,)
    group_stratum: np.ndarray  # (G,)
    # per stratum: row order by stop, positions of each group's first row with stop >= t
    stop_order: list[np.ndarray] = field(repr=False)
    stop_lo: list[np.ndarray] = field(repr=False)
    start_order: list[np.ndarray] | None = field(repr=False)
    start_lo: list[np.ndarray] | None = field(repr=False)
    group_slices: list[slice] = field(repr=False)
    # deaths sorted by (group, original row); boundaries of each group for reduceat
    death_rows: np.ndarray = field(repr=False)
    death_group: np.ndarray = field(repr=False)
    death_first: np.ndarray = field(repr=False)
    n_dead: np.ndarray = field(repr=False)  # unweighted deaths per group
    dead_weight: np.ndarray = field(repr=False)  # weighted deaths per group
    k_frac: np.ndarray = field(repr=False)  # k / m for each death (Efron)


def build_risk_sets(
    time: np.ndarray,
    event: np.ndarray,
    weights: np.ndarray,
    stratum: np.ndarray,
    start: np.ndarray | None = None,
) -> RiskSets:
    """Index the risk sets of right-censored or (start, stop] data, stratified."""
    n = time.size
    g_time: list[np.ndarray] = []
    g_strat: list[np.ndarray] = []
    stop_order, stop_lo = [], []
    start_order: list[np.ndarray] | None = [] if start is not None else None
    start_lo: list[np.ndarray] | None = [] if start is not None else None
    slices = []
    offset = 0
    for s in range(int(stratum.max()) + 1 if n else 0):
        rows = np.flatnonzero(stratum == s)
        et = np.unique(time[rows][event[rows]])
        order = rows[np.argsort(time[rows], kind="stable")]
        stop_order.append(order)
        stop_lo.append(np.searchsorted(time[order], et, side="left"))
        if start is not None and start_order is not None and start_lo is not None:
            order1 = rows[np.argsort(start[rows], kind="stable")]
            start_order.append(order1)
            start_lo.append(np.searchsorted(start[order1], et, side="left"))
        g_time.append(et)
        g_strat.append(np.full(et.size, s))
        slices.append(slice(offset, offset + et.size))
        offset += et.size
    group_time = np.concatenate(g_time) if g_time else np.zeros(0)
    group_stratum = np.concatenate(g_strat) if g_strat else np.zeros(0, dtype=np.int64)

    dead = np.flatnonzero(event)
    # group index of each death: position of (stratum, time) among the groups
    dg = np.empty(dead.size, dtype=np.int64)
    for s, sl in enumerate(slices):
        sel = stratum[dead] == s
        dg[sel] = sl.start + np.searchsorted(group_time[sl], time[dead[sel]])
    order = np.lexsort((dead, dg))
    death_rows = dead[order]
    death_group = dg[order]
    n_dead = np.bincount(death_group, minlength=group_time.size).astype(float)
    death_first = np.concatenate([[0], np.cumsum(n_dead)[:-1]]).astype(np.int64)
    dead_weight = np.bincount(death_group, weights=weights[death_rows], minlength=group_time.size)
    k = np.arange(death_rows.size) - death_first[death_group]
    return RiskSets(
        n=n,
        time=time,
        start=start,
        event=event,
        weights=weights,
        stratum=stratum,
        group_time=group_time,
        group_stratum=group_stratum,
        stop_order=stop_order,
        stop_lo=stop_lo,
        start_order=start_order,
        start_lo=start_lo,
        group_slices=slices,
        death_rows=death_rows,
        death_group=death_group,
        death_first=death_first,
        n_dead=n_dead,
        dead_weight=dead_weight,
        k_frac=k / n_dead[death_group],
    )


@dataclass(frozen=True)
class Moments:
    """Risk-set sums of the risk weights r times 1, x, x x' (and x ⊗ x ⊗ x) at each group."""

    s0: np.ndarray  # (G,)
    s1: np.ndarray  # (G, p)
    s2: np.ndarray  # (G, p, p)
    s3: np.ndarray | None  # (G, p, p, p) or None


def risk_moments(rs: RiskSets, r: np.ndarray, x: np.ndarray, *, third: bool = False) -> Moments:
    """Σ over each group's risk set of ``r``, ``r x_j``, ``r (x_j x_k)`` (and, with
    ``third``, ``r ((x_j x_k) x_l)``), ``r`` the rows' risk weights.

    Per stratum, ``r`` and ``x`` are put in stop order once and each distinct product
    (``x_j x_k = x_k x_j`` bit for bit) is summed by one reverse cumulative sum; with
    (start, stop] rows, minus the same over the start order.
    """
    p = x.shape[1]
    terms = _moment_terms(p, third)
    out = np.zeros((len(terms), rs.group_time.size))
    xt = np.ascontiguousarray(x.T)
    for s, sl in enumerate(rs.group_slices):
        if sl.stop == sl.start:
            continue
        out[:, sl] = _moment_tails(r, xt, terms, rs.stop_order[s], rs.stop_lo[s])
        if rs.start_order is not None and rs.start_lo is not None:
            out[:, sl] -= _moment_tails(r, xt, terms, rs.start_order[s], rs.start_lo[s])
    index = {t: i for i, t in enumerate(terms)}
    g = rs.group_time.size

    def gather(order: int) -> np.ndarray:
        combos = [_canonical(c) for c in np.ndindex(*(p,) * order)]
        rows = out[[index[c] for c in combos]] if combos else np.zeros((0, g))
        return np.ascontiguousarray(rows.T).reshape(g, *(p,) * order)

    return Moments(s0=out[0].copy(), s1=gather(1), s2=gather(2), s3=gather(3) if third else None)


def _moment_terms(p: int, third: bool) -> list[tuple[int, ...]]:
    """The distinct products ``(x_j x_k) x_l`` (in that order of multiplication): (), (j,),
    (j, k) with j <= k, (j, k, l) with j <= k (``x_j x_k = x_k x_j``, but floating-point
    products are not associative, so l stays apart)."""
    out: list[tuple[int, ...]] = [()]
    for order in (1, 2, 3) if third else (1, 2):
        out += sorted({_canonical(c) for c in np.ndindex(*(p,) * order)})
    return out


def _canonical(c: tuple[int, ...]) -> tuple[int, ...]:
    """The term whose product equals that of ``c`` bit for bit: its first two factors
    swapped into order."""
    return (*sorted(c[:2]), *c[2:])


def _moment_tails(
    r: np.ndarray, xt: np.ndarray, terms: list[tuple[int, ...]], order: np.ndarray, lo: np.ndarray
) -> np.ndarray:
    """Each term's Σ over ``order[j:]`` for j in ``lo`` (0 for j = len(order)), added from the
    last row backwards: (terms, len(lo))."""
    rev = order[::-1]
    m = rev.size
    rr = r[rev]
    xs = xt[:, rev]
    rc = np.empty((len(terms), m + 1))
    rc[:, 0] = 0.0
    for i, t in enumerate(terms):
        if not t:
            v = rr
        else:
            prod = xs[t[0]]
            for j in t[1:]:
                prod = prod * xs[j]
            v = rr * prod
        np.cumsum(v, out=rc[i, 1:])
    return rc[:, m - lo]


def death_sums(rs: RiskSets, a: np.ndarray) -> np.ndarray:
    """Σ over each group's deaths of ``a`` (shape (D, ...): one row per death, in
    ``rs.death_rows`` order) -> (G, ...)."""
    if rs.death_rows.size == 0:
        return np.zeros((0, *a.shape[1:]))
    return np.add.reduceat(a, rs.death_first, axis=0)


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
