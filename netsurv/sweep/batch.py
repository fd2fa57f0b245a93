"""Batched single-binary-covariate Cox fits, log-rank tests and Harrell's C from risk-set counts.

For one binary covariate every risk-set sum is ``A + C·e^β``: at an event time with ``m``
(weighted) deaths, Efron's l-th term (l = 0 … m-1) has ``A = N0 - (l/m) D0`` and
``C = N1 - (l/m) D1`` (Breslow: l = 0 only, counted m times), with N / D the numbers at risk and
dying in each group.  So the partial likelihood of every (replicate, variant) pair is a sum over
a short list of (A, C) terms, and a safeguarded Newton–Raphson runs on all pairs at once: the
score is monotone, so a bracket from the signs of earlier scores keeps every step inside; no
log-likelihood is needed until the end.  Whether the maximum is finite is decided in closed
form beforehand (the score at ±∞ is a count), so a group without events is flagged, with the
log-likelihood's limit, instead of being iterated toward infinity.  The terms and the
Newton–Raphson are in :mod:`netsurv.sweep.terms`.

The log-rank test (R ``survdiff``, hypergeometric variance) and Harrell's C (R ``coxph``'s
``concordance``: tied risk scores count one half, events tied in time are not comparable, a
row censored at an event time is comparable) are closed forms of the same counts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View
from netsurv.errors import ConfigError
from netsurv.sweep import _print
from netsurv.sweep.counts import Counts
from netsurv.sweep.terms import (
    Ties,
    evaluate,
    limit_loglik,
    loglik0_rows,
    newton,
    terms,
)

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
    "no patient in the analysis (none at risk at the landmark)",
)
OK, EMPTY1, EMPTY0, NO_EVENTS, NOEV1, NOEV0, MONO_NEG, MONO_POS, FLAT, NOCONV, NOBODY = range(11)


@dataclass(frozen=True, repr=False)
class BatchStats(Displayable):
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

    Examples
    --------
    >>> import numpy as np
    >>> from netsurv.sweep import count_fixed, fit_counts, sort_outcome
    >>> o = sort_outcome(np.array([1.0, 2, 3, 4, 5, 6]), np.array([1, 1, 0, 1, 1, 0]))
    >>> g = np.array([[1, 0, 1, 0, 1, 0], [1, 1, 1, 0, 0, 0]], dtype=bool)
    >>> fit_counts(count_fixed(o, g[:, o.order]))
    <BatchStats: 1 replicate × 2 groupings, 1 of 2 Cox fits converged>
    replicate 0
    variant   beta    se      lr logrank c_index n1 n0 events1 events0                                 reason
          0 0.2739 1.011 0.07326  0.0739  0.5417  3  3       2       2
          1    Inf    NA 3.21888  2.4694  0.7500  3  3       2       2 monotone likelihood (coefficient +inf)
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

    def summary(self) -> pd.DataFrame:
        """One row per replicate × grouping with every statistic (``reason`` as text)."""
        return _print.batch_summary(self)

    def _view(self) -> View:
        return _print.batch_view(self)


def fit_counts(
    counts: Counts,
    *,
    ties: Ties = "efron",
    start: np.ndarray | None = None,
    cox: bool = True,
    chunk: int = 2,
    penalty: str = "none",
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
    penalty
        ``"firth"``: Firth's penalised likelihood (see :mod:`netsurv.sweep.terms`): ``beta``
        finite also where the ordinary maximum is at infinity (such pairs keep their reason
        code, 0 meaning a finite ML estimate exists), ``loglik0`` / ``loglik`` / ``lr``
        penalised; the score test stays the ordinary one.

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
    if penalty not in ("none", "firth"):
        raise ConfigError(f"sweep: penalty must be 'none' or 'firth', got {penalty!r}")
    firth = penalty == "firth"
    if r <= chunk:
        return _fit_counts(counts, ties=ties, start=start, cox=cox, firth=firth)
    parts = [
        _fit_counts(
            counts.replicates(slice(lo, lo + chunk)), ties=ties, start=start, cox=cox, firth=firth
        )
        for lo in range(0, r, chunk)
    ]
    return BatchStats(
        **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(BatchStats)}
    )


def _fit_counts(
    counts: Counts, *, ties: Ties, start: np.ndarray | None, cox: bool, firth: bool = False
) -> BatchStats:
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
    reason[np.broadcast_to(counts.size <= 0, (r, v))] = NOBODY

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
    t = terms(counts, ties=ties, firth=firth)
    flat_reason = reason.reshape(-1)
    infinite = (NOEV0, NOEV1, MONO_POS, MONO_NEG)
    beta = np.zeros(r * v)
    se = np.full(r * v, np.nan)
    loglik = np.full(r * v, np.nan)
    score_stat = np.full(r * v, np.nan)
    iters = np.zeros(r * v, dtype=np.int32)
    converged = np.zeros(r * v, dtype=bool)
    ll0 = loglik0_rows(t)

    # Firth's maximum is finite where the ordinary one is at infinity
    act = np.flatnonzero(np.isin(flat_reason, (OK, *infinite)) if firth else flat_reason == OK)
    if act.size:
        b0 = np.zeros(act.size)
        if start is not None:
            st = np.tile(np.asarray(start, dtype=float).reshape(-1), r)[act]
            b0 = np.where(np.isfinite(st), st, 0.0)
        res = newton(t, act, b0)
        beta[act], iters[act], converged[act] = res.beta, res.iterations, res.converged
        flat_reason[act[~res.converged]] = NOCONV
        score_stat[act] = res.score_stat
        loglik[act] = res.loglik
        with np.errstate(invalid="ignore", divide="ignore"):
            se[act] = 1.0 / np.sqrt(res.information)
    inf_rows = np.flatnonzero(np.isin(flat_reason, infinite))
    if inf_rows.size and not firth:
        s0, i0, _ = evaluate(
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
        if rows.size and not firth:
            beta[rows] = sign * np.inf
            loglik[rows] = limit_loglik(t, rows, sign)
    nan_rows = np.isin(flat_reason, (EMPTY1, EMPTY0, NO_EVENTS, FLAT, NOBODY))
    beta[nan_rows] = np.nan
    flat_rows = flat_reason == FLAT
    loglik[flat_rows] = ll0.reshape(-1)[flat_rows]

    beta2 = beta.reshape(r, v)
    loglik2 = loglik.reshape(r, v)
    empty = np.isin(reason, (EMPTY1, EMPTY0, NO_EVENTS, NOBODY))
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
    empty = np.isin(reason, (EMPTY1, EMPTY0, NO_EVENTS, NOBODY))
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


def _contract(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Σ_k x[r, v, k] w[r, k] -> (R, V), as a batched matrix-vector product."""
    return np.matmul(x.astype(float, copy=False), w[:, :, None])[:, :, 0]
