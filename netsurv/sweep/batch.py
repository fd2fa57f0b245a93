"""Batched single-binary-covariate Cox fits, log-rank tests and Harrell's C from risk-set counts.

For one binary covariate every risk-set sum is ``A + C·e^β``: at an event time with ``m``
(weighted) deaths, Efron's l-th term (l = 0 … m-1) has ``A = N0 - (l/m) D0`` and
``C = N1 - (l/m) D1`` (Breslow: l = 0 only, counted m times), with N / D the numbers at risk and
dying in each group.  So the partial likelihood of every (replicate, variant) pair is a sum over
a short list of (A, C) terms, and a safeguarded Newton–Raphson runs on all pairs at once: the
score is monotone, so a bracket from the signs of earlier scores keeps every step inside; no
log-likelihood is needed until the end.  Whether the maximum is finite is decided in closed
form beforehand (the score at ±∞ is a count), so a group without events is flagged, with the
log-likelihood's limit, instead of being iterated toward infinity.

The log-rank test (R ``survdiff``, hypergeometric variance) and Harrell's C (R ``coxph``'s
``concordance``: tied risk scores count one half, events tied in time are not comparable, a
row censored at an event time is comparable) are closed forms of the same counts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal

import numpy as np

from netsurv.errors import ConfigError
from netsurv.sweep.counts import Counts

Ties = Literal["efron", "breslow"]

#: Newton–Raphson stops after a step below this, relative to ``1 + |beta|``; the step is
#: applied, so the remaining error is of the order of its square.
STEP_TOL = 1e-10
MAX_ITER = 60
MAX_STEP = 5.0

#: Why a (replicate, variant) pair has no finite estimate; index = :attr:`BatchStats.reason`.
REASONS = (
    "",
    "empty group: no patient in group 1",
    "empty group: no patient in group 0",
    "no events",
    "no events in group 1 (hazard ratio 0, coefficient -inf)",
    "no events in group 0 (hazard ratio inf, coefficient +inf)",
    "monotone likelihood (coefficient -inf)",
    "monotone likelihood (coefficient +inf)",
    "flat likelihood (coefficient not identifiable)",
    "Newton-Raphson did not converge",
)
OK, EMPTY1, EMPTY0, NO_EVENTS, NOEV1, NOEV0, MONO_NEG, MONO_POS, FLAT, NOCONV = range(10)


@dataclass(frozen=True)
class BatchStats:
    """Statistics of R replicates × V groupings; every array is (R, V).

    Attributes
    ----------
    beta, se : numpy.ndarray
        Log hazard ratio of group 1 vs group 0 at the exact root of the score, and its
        model-based standard error.  ±inf with NaN SE when the maximum is at infinity;
        NaN for empty groups, no events or a flat likelihood.
    loglik0, loglik : numpy.ndarray
        Log partial likelihood at beta = 0 and at the estimate (its limit when infinite).
    lr, score : numpy.ndarray
        Likelihood-ratio and score (beta = 0) chi-square statistics.
    logrank, logrank_oe, logrank_var : numpy.ndarray
        Log-rank chi-square (Mantel–Byar for a time-dependent grouping), O − E of group 1 and
        its hypergeometric variance.
    c_index : numpy.ndarray
        Harrell's C of the fitted linear predictor (group 1 = higher risk when beta >= 0).
    concordant, discordant, tied_x : numpy.ndarray
        Pair counts with group 1 as the higher-risk score (tied_x: same group).
    n1, n0, events1, events0 : numpy.ndarray
        Group sizes and events (weighted).
    converged : numpy.ndarray
        True when a finite estimate was found.
    reason : numpy.ndarray
        int8 index into :data:`REASONS` (0 = fine).
    iterations : numpy.ndarray
        Newton–Raphson iterations.
    """

    beta: np.ndarray
    se: np.ndarray
    loglik0: np.ndarray
    loglik: np.ndarray
    lr: np.ndarray
    score: np.ndarray
    logrank: np.ndarray
    logrank_oe: np.ndarray
    logrank_var: np.ndarray
    c_index: np.ndarray
    concordant: np.ndarray
    discordant: np.ndarray
    tied_x: np.ndarray
    n1: np.ndarray
    n0: np.ndarray
    events1: np.ndarray
    events0: np.ndarray
    converged: np.ndarray
    reason: np.ndarray
    iterations: np.ndarray

    @property
    def aic(self) -> np.ndarray:
        """``-2 loglik + 2`` (one coefficient)."""
        return -2.0 * self.loglik + 2.0


@dataclass(frozen=True)
class Terms:
    """The (A, C) terms of every (replicate, variant) pair, flattened to rows = R × V."""

    a: np.ndarray  # (rows, E)
    c: np.ndarray  # (rows, E)
    wt: np.ndarray | None  # (R, 1, E) multiplicities (Breslow), None = 1 (Efron)
    d1: np.ndarray  # (rows,) weighted deaths in group 1
    shape: tuple[int, int]

    def _wt(self, rows: np.ndarray) -> np.ndarray | None:
        if self.wt is None:
            return None
        r, v = self.shape
        return np.broadcast_to(self.wt, (r, v, self.wt.shape[-1])).reshape(r * v, -1)[rows]


def terms(counts: Counts, *, ties: Ties = "efron") -> Terms:
    """Expand counts into the (A, C) terms of the partial likelihood.

    Efron: one term per (weighted) death, ``l/m`` of the tied deaths removed; Breslow: one term
    per event time with the number of deaths as multiplicity.  Replicates with fewer terms are
    padded with neutral terms (A = 1, C = 0).
    """
    if ties not in ("efron", "breslow"):
        raise ConfigError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    n, d = counts.n_risk, counts.n_dead
    n1, d1 = counts.n_risk1, counts.n_dead1
    r, v, k = n1.shape
    d1tot = d1.sum(axis=2).reshape(-1)
    if ties == "breslow":
        # event times without deaths in a replicate carry no term (and may have no one at risk)
        none = (d <= 0)[:, None, :]
        a = np.where(none, 1.0, n[:, None, :] - n1)
        return Terms(
            a=a.reshape(r * v, k),
            c=np.where(none, 0.0, n1).reshape(r * v, k),
            wt=d[:, None, :],
            d1=d1tot,
            shape=(r, v),
        )
    if k == 0:
        return Terms(a=np.ones((r * v, 1)), c=np.zeros((r * v, 1)), wt=None, d1=d1tot, shape=(r, v))
    m = np.rint(d).astype(np.int64)
    if np.any(np.abs(d - m) > 1e-9):
        raise ConfigError("Efron ties need integer case weights (bootstrap counts)")
    total = m.sum(axis=1)
    e = max(int(total.max()) if total.size else 0, 1)
    flat = m.ravel()
    nterm = int(flat.sum())
    grp = np.repeat(np.arange(r * k), flat)
    first = np.concatenate([[0], np.cumsum(flat)[:-1]])
    l_idx = np.arange(nterm) - first[grp]
    frac = l_idx / np.maximum(flat[grp], 1)
    rr = grp // max(k, 1)
    pos = np.arange(nterm) - np.concatenate([[0], np.cumsum(total)[:-1]])[rr]
    term_k = np.zeros((r, e), dtype=np.int64)
    term_f = np.zeros((r, e))
    valid = np.zeros((r, e), dtype=bool)
    term_k[rr, pos] = grp % max(k, 1)
    term_f[rr, pos] = frac
    valid[rr, pos] = True
    # C = N1 - f D1 gathered per term; A = (N - f D) - C (one replicate at a time: the term
    # layout differs between replicates, and a per-replicate take needs no big index array)
    c = np.empty((r, v, e))
    a = np.empty((r, v, e))
    for j in range(r):
        cj = c[j]
        np.take(n1[j], term_k[j], axis=1, out=cj)
        cj -= term_f[j] * np.take(d1[j], term_k[j], axis=1)
        cj *= valid[j]
        tot = n[j, term_k[j]] - term_f[j] * d[j, term_k[j]]
        tot[~valid[j]] = 1.0
        np.subtract(tot, cj, out=a[j])
    return Terms(a=a.reshape(r * v, e), c=c.reshape(r * v, e), wt=None, d1=d1tot, shape=(r, v))


def _evaluate(
    a: np.ndarray,
    c: np.ndarray,
    d1: np.ndarray,
    wt: np.ndarray | None,
    beta: np.ndarray,
    *,
    with_loglik: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Score, information (and log-likelihood) of term rows ``a``, ``c`` at ``beta``."""
    x = np.exp(beta)[:, None]
    p = c * x
    den = a + p
    ll = None
    if with_loglik:
        lg = np.log(den)
        if wt is not None:
            lg *= wt
        ll = d1 * beta - lg.sum(axis=1)
    p /= den
    if wt is None:
        sp = p.sum(axis=1)
        spp = np.einsum("ij,ij->i", p, p)
    else:
        sp = np.einsum("ij,ij->i", p, wt)
        p *= p
        spp = np.einsum("ij,ij->i", p, wt)
    return d1 - sp, sp - spp, ll


def loglik_at(t: Terms, beta: np.ndarray) -> np.ndarray:
    """Log partial likelihood of every row at the given (finite or ±inf) coefficients."""
    beta = np.asarray(beta, dtype=float).reshape(-1)
    out = np.full(beta.size, np.nan)
    fin = np.flatnonzero(np.isfinite(beta))
    if fin.size:
        ll = _evaluate(t.a[fin], t.c[fin], t.d1[fin], t._wt(fin), beta[fin], with_loglik=True)[2]
        out[fin] = ll
    for sign in (1, -1):
        rows = np.flatnonzero(beta == sign * np.inf)
        if rows.size:
            out[rows] = _limit_loglik(t, rows, sign)
    return out


def _limit_loglik(t: Terms, rows: np.ndarray, sign: int) -> np.ndarray:
    """Limit of the log-likelihood as beta -> sign·inf (finite only when monotone that way)."""
    a, c = t.a[rows], t.c[rows]
    wt = t._wt(rows)
    if sign > 0:
        lead = np.where(c > 0, c, a)
        slope = t.d1[rows] - _wsum(c > 0, wt)
    else:
        lead = np.where(a > 0, a, c)
        slope = t.d1[rows] - _wsum(a == 0, wt)
    lg = np.log(lead)
    if wt is not None:
        lg = lg * wt
    ll = -lg.sum(axis=1)
    # a non-zero slope means the likelihood goes to -inf that way
    return np.where(np.abs(slope) < 0.5, ll, -np.inf)


def _wsum(mask: np.ndarray, wt: np.ndarray | None) -> np.ndarray:
    return mask.sum(axis=1) if wt is None else (mask * wt).sum(axis=1)


def fit_counts(
    counts: Counts,
    *,
    ties: Ties = "efron",
    start: np.ndarray | None = None,
    cox: bool = True,
    chunk: int = 2,
) -> BatchStats:
    """Cox (one binary covariate), log-rank and Harrell's C of every replicate × grouping.

    Parameters
    ----------
    counts
        Risk-set counts from :func:`netsurv.sweep.counts.count_fixed` or
        :func:`~netsurv.sweep.counts.count_switch`.
    ties
        ``"efron"`` (default, as R ``coxph``) or ``"breslow"``.
    start
        Optional (V,) starting coefficients (e.g. the estimates on the original data when
        fitting bootstrap replicates); non-finite values start at 0.  The root found does not
        depend on it.
    cox
        Fit the Cox model.  False computes only the closed forms (log-rank, Harrell's C
        oriented by the sign of O − E, group sizes and reasons) and leaves the Cox columns NaN:
        what a permutation test of the log-rank or C statistic needs.

    Returns
    -------
    BatchStats

    Examples
    --------
    >>> import numpy as np
    >>> from netsurv.sweep.counts import sort_outcome, count_fixed
    >>> o = sort_outcome(np.array([1.0, 2, 3, 4, 5, 6]), np.array([1, 1, 0, 1, 1, 0]))
    >>> g = np.array([[True, False, True, False, True, False]])[:, o.order]
    >>> s = fit_counts(count_fixed(o, g))
    >>> round(float(s.beta[0, 0]), 6), round(float(s.logrank[0, 0]), 6)
    (0.273948, 0.073903)
    """
    r = counts.n_risk.shape[0]
    if r <= chunk:
        return _fit_counts(counts, ties=ties, start=start, cox=cox)
    parts = [
        _fit_counts(counts.replicates(slice(lo, lo + chunk)), ties=ties, start=start, cox=cox)
        for lo in range(0, r, chunk)
    ]
    return BatchStats(
        **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(BatchStats)}
    )


def _fit_counts(counts: Counts, *, ties: Ties, start: np.ndarray | None, cox: bool) -> BatchStats:
    n, d = counts.n_risk, counts.n_dead
    n1, d1 = counts.n_risk1, counts.n_dead1
    r, v, _ = n1.shape

    # log-rank (survdiff) and pair counts: closed forms of the counts, with per-replicate
    # weights over event times contracted against N1, D1 (batched matrix products)
    pos_n = n > 0
    safe_n = np.where(pos_n, n, 1.0)
    d_over_n = np.where(pos_n, d / safe_n, 0.0)
    factor = np.where(n > 1, d * (n - d) / np.where(n > 1, n - 1, 1.0), 0.0)
    f1 = np.where(pos_n, factor / safe_n, 0.0)
    f2 = np.where(pos_n, f1 / safe_n, 0.0)
    events1 = d1.sum(axis=2)
    oe = events1 - _contract(n1, d_over_n)
    var = _contract(n1, f1) - _contract(n1 * n1, f2)
    d1n1 = np.einsum("rvk,rvk->rv", d1, n1)
    d1d1 = np.einsum("rvk,rvk->rv", d1, d1)
    conc = _contract(d1, n - d) - d1n1 + d1d1
    disc = _contract(n1, d) - _contract(d1, d) - d1n1 + d1d1
    pairs = (d * (n - d)).sum(axis=1)[:, None]
    tied = pairs - conc - disc

    events = np.broadcast_to(d.sum(axis=1)[:, None], (r, v))
    size1 = counts.size1
    size0 = counts.size - size1
    reason = np.zeros((r, v), dtype=np.int8)
    reason[events == 0] = NO_EVENTS
    reason[size0 <= 0] = EMPTY0
    reason[size1 <= 0] = EMPTY1

    # where is the maximum?  score(+inf) = D1 - #terms with N1 > 0, score(-inf) = D1 - #N0 == 0
    up = events1 - _contract(n1 > 0, d)
    down = events1 - _contract(n1 >= n[:, None, :], d)
    pos_inf = np.abs(up) < 0.5
    neg_inf = np.abs(down) < 0.5
    fine = reason == OK
    reason[fine & pos_inf & neg_inf] = FLAT
    only_pos = fine & pos_inf & ~neg_inf
    only_neg = fine & neg_inf & ~pos_inf
    reason[only_pos] = np.where((events - events1)[only_pos] <= 0, NOEV0, MONO_POS)
    reason[only_neg] = np.where(events1[only_neg] <= 0, NOEV1, MONO_NEG)

    if not cox:
        return _closed_forms_only(counts, reason, oe, var, conc, disc, tied, events, events1)
    t = terms(counts, ties=ties)
    flat_reason = reason.reshape(-1)
    beta = np.zeros(r * v)
    se = np.full(r * v, np.nan)
    loglik = np.full(r * v, np.nan)
    score_stat = np.full(r * v, np.nan)
    iters = np.zeros(r * v, dtype=np.int32)
    converged = np.zeros(r * v, dtype=bool)
    ll0 = _loglik0(t)

    act = np.flatnonzero(flat_reason == OK)
    if act.size:
        b0 = np.zeros(act.size)
        if start is not None:
            st = np.tile(np.asarray(start, dtype=float).reshape(-1), r)[act]
            b0 = np.where(np.isfinite(st), st, 0.0)
        res = _newton(t, act, b0)
        beta[act], iters[act], converged[act] = res.beta, res.iterations, res.converged
        flat_reason[act[~res.converged]] = NOCONV
        score_stat[act] = res.score_stat
        loglik[act] = res.loglik
        with np.errstate(invalid="ignore", divide="ignore"):
            se[act] = 1.0 / np.sqrt(res.information)
    inf_rows = np.flatnonzero(np.isin(flat_reason, (NOEV0, NOEV1, MONO_POS, MONO_NEG)))
    if inf_rows.size:
        s0, i0, _ = _evaluate(
            t.a[inf_rows],
            t.c[inf_rows],
            t.d1[inf_rows],
            t._wt(inf_rows),
            np.zeros(inf_rows.size),
            with_loglik=False,
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            score_stat[inf_rows] = np.where(i0 > 0, s0 * s0 / i0, np.nan)
    for code, sign in ((NOEV0, 1), (MONO_POS, 1), (NOEV1, -1), (MONO_NEG, -1)):
        rows = np.flatnonzero(flat_reason == code)
        if rows.size:
            beta[rows] = sign * np.inf
            loglik[rows] = _limit_loglik(t, rows, sign)
    nan_rows = np.isin(flat_reason, (EMPTY1, EMPTY0, NO_EVENTS, FLAT))
    beta[nan_rows] = np.nan
    flat_rows = flat_reason == FLAT
    loglik[flat_rows] = ll0.reshape(-1)[flat_rows]

    beta2 = beta.reshape(r, v)
    loglik2 = loglik.reshape(r, v)
    empty = np.isin(reason, (EMPTY1, EMPTY0, NO_EVENTS))
    with np.errstate(invalid="ignore", divide="ignore"):
        logrank = np.where(var > 0, oe * oe / var, np.nan)
        c_g = (conc + 0.5 * tied) / (conc + disc + tied)
    logrank[empty] = np.nan
    c_model = np.where(beta2 >= 0, c_g, 1.0 - c_g)
    c_model[empty | np.isnan(beta2)] = np.nan
    return BatchStats(
        beta=beta2,
        se=se.reshape(r, v),
        loglik0=np.where(empty, np.nan, ll0),
        loglik=loglik2,
        lr=np.where(empty, np.nan, 2.0 * (loglik2 - ll0)),
        score=score_stat.reshape(r, v),
        logrank=logrank,
        logrank_oe=np.where(empty, np.nan, oe),
        logrank_var=np.where(empty, np.nan, var),
        c_index=c_model,
        concordant=conc,
        discordant=disc,
        tied_x=tied,
        n1=size1,
        n0=np.broadcast_to(size0, (r, v)).copy(),
        events1=events1,
        events0=events - events1,
        converged=converged.reshape(r, v),
        reason=flat_reason.reshape(r, v),
        iterations=iters.reshape(r, v),
    )


def _closed_forms_only(
    counts: Counts,
    reason: np.ndarray,
    oe: np.ndarray,
    var: np.ndarray,
    conc: np.ndarray,
    disc: np.ndarray,
    tied: np.ndarray,
    events: np.ndarray,
    events1: np.ndarray,
) -> BatchStats:
    r, v = reason.shape
    empty = np.isin(reason, (EMPTY1, EMPTY0, NO_EVENTS))
    nan = np.full((r, v), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        logrank = np.where(var > 0, oe * oe / var, np.nan)
        c_g = (conc + 0.5 * tied) / (conc + disc + tied)
    logrank[empty] = np.nan
    c_model = np.where(oe >= 0, c_g, 1.0 - c_g)
    c_model[empty] = np.nan
    return BatchStats(
        beta=nan,
        se=nan,
        loglik0=nan,
        loglik=nan,
        lr=nan,
        score=nan,
        logrank=logrank,
        logrank_oe=np.where(empty, np.nan, oe),
        logrank_var=np.where(empty, np.nan, var),
        c_index=c_model,
        concordant=conc,
        discordant=disc,
        tied_x=tied,
        n1=counts.size1,
        n0=np.broadcast_to(counts.size - counts.size1, (r, v)).copy(),
        events1=events1,
        events0=events - events1,
        converged=np.zeros((r, v), dtype=bool),
        reason=reason,
        iterations=np.zeros((r, v), dtype=np.int32),
    )


def loglik_rows(t: Terms, rows: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Log partial likelihood of the given term rows (repeats allowed) at given coefficients."""
    rows = np.asarray(rows, dtype=np.int64)
    beta = np.asarray(beta, dtype=float)
    out = np.full(rows.size, np.nan)
    fin = np.isfinite(beta)
    if fin.any():
        rr = rows[fin]
        out[fin] = _evaluate(t.a[rr], t.c[rr], t.d1[rr], t._wt(rr), beta[fin], with_loglik=True)[2]
    for sign in (1, -1):
        sel = beta == sign * np.inf
        if sel.any():
            out[sel] = _limit_loglik(t, rows[sel], sign)
    return out


def _contract(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Σ_k x[r, v, k] w[r, k] -> (R, V), as a batched matrix-vector product."""
    return np.matmul(x.astype(float, copy=False), w[:, :, None])[:, :, 0]


def _loglik0(t: Terms) -> np.ndarray:
    """Log-likelihood at beta = 0 (the same for every grouping of a replicate): (R, V)."""
    r, v = t.shape
    e = t.a.shape[1]
    lg = np.log((t.a + t.c).reshape(r, v, e)[:, 0, :])
    if t.wt is not None:
        lg = lg * t.wt[:, 0, :]
    return np.broadcast_to(-lg.sum(axis=1)[:, None], (r, v)).copy()


@dataclass(frozen=True)
class _Newton:
    beta: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    score_stat: np.ndarray  # score test at beta = 0
    loglik: np.ndarray
    information: np.ndarray


def _newton(t: Terms, rows: np.ndarray, beta0: np.ndarray) -> _Newton:
    """Safeguarded Newton–Raphson on the monotone score of ``rows`` (finite roots only).

    Every iteration evaluates the rows held in the working arrays and updates those still
    iterating; the arrays are compacted when a quarter of them have finished, so a few slow
    pairs do not keep the whole batch busy.
    """
    nr = rows.size
    beta = beta0.astype(float).copy()
    lo = np.full(nr, -np.inf)
    hi = np.full(nr, np.inf)
    iters = np.zeros(nr, dtype=np.int32)
    done = np.zeros(nr, dtype=bool)
    all_rows = nr == t.a.shape[0]
    a = t.a if all_rows else t.a[rows]
    c = t.c if all_rows else t.c[rows]
    d1 = t.d1[rows]
    wt = t._wt(rows)
    if np.any(beta != 0):
        s0, i0, _ = _evaluate(a, c, d1, wt, np.zeros(nr), with_loglik=False)
        score_stat = _ratio(s0 * s0, i0)
        first = False
    else:
        score_stat = np.full(nr, np.nan)
        first = True
    held = np.arange(nr)  # positions (in rows) held by a, c, d1, wt
    live = np.ones(nr, dtype=bool)  # which held positions still iterate
    for it in range(1, MAX_ITER + 1):
        b = beta[held]
        score, info, _ = _evaluate(a, c, d1, wt, b, with_loglik=False)
        if first:
            score_stat = _ratio(score * score, info)
            first = False
        lo_h, hi_h = lo[held], hi[held]
        lo_h = np.where(score > 0, b, lo_h)
        hi_h = np.where(score < 0, b, hi_h)
        step = np.clip(_ratio(score, info), -MAX_STEP, MAX_STEP)
        step = np.where(np.isfinite(step), step, 0.0)
        new = b + step
        new = np.where(new >= hi_h, 0.5 * (b + hi_h), new)
        new = np.where(new <= lo_h, 0.5 * (b + lo_h), new)
        small = np.abs(new - b) <= STEP_TOL * (1 + np.abs(new))
        upd = held[live]
        beta[upd] = new[live]
        lo[upd], hi[upd] = lo_h[live], hi_h[live]
        iters[upd] = it
        done[held[live & small]] = True
        live &= ~small
        n_live = int(live.sum())
        if n_live == 0:
            break
        if n_live <= 0.75 * held.size:
            held = held[live]
            a, c, d1 = a[live], c[live], d1[live]
            wt = None if wt is None else wt[live]
            live = np.ones(held.size, dtype=bool)
    a = t.a if all_rows else t.a[rows]
    c = t.c if all_rows else t.c[rows]
    _, info, ll = _evaluate(a, c, t.d1[rows], t._wt(rows), beta, with_loglik=True)
    return _Newton(
        beta=beta,
        iterations=iters,
        converged=done,
        score_stat=score_stat,
        loglik=ll if ll is not None else np.full(nr, np.nan),
        information=info,
    )


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den
