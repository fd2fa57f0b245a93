"""Prediction metrics for a risk score: Uno's C, cumulative/dynamic AUC, integrated Brier score.

The definitions are scikit-survival's (:mod:`sksurv.metrics`, version 0.23+), and the values are
the same to the last bit (``tests/survival/test_metrics.py`` compares them); the computations
are netsurv's own, because sksurv's Uno's C visits every comparable pair (quadratic in
patients) and its Kaplan–Meier counts loop over patients in Python.  Here the censoring
distribution is estimated once per data set (:func:`censoring_distribution`) and shared by the
three metrics, Uno's C (:mod:`netsurv.survival._uno`) counts pairs by merge-sort counting and
the Brier score evaluates each distinct predicted curve once.  A metric not defined for the data at hand (no event, a horizon
beyond the follow-up of a bootstrap resample, G = 0 at an event) is NaN, where sksurv raises.

Conventions (as scikit-survival's)
----------------------------------
* The censoring distribution G is the reverse Kaplan–Meier of the same data (``train = test``
  here), right-continuous, evaluated at the observed time: an event at T is weighted by
  1 / G(T).  R's ``concordance(..., timewt = "n/G2")`` uses G(T−) and agrees only up to how
  censorings tied with the event time are counted (``tests/survival/test_compare.py``).
* Uno's C(τ) (``concordance_index_ipcw``): pairs (i, j) with an event at T_i < τ and
  T_j > T_i (or j censored at T_i), each weighted by 1 / G(T_i)²; risk scores within 1e-8
  count one half; two events at the same time are not comparable.  A higher score means a
  higher risk.
* Cumulative/dynamic AUC(t) (``cumulative_dynamic_auc``, Uno et al. 2007, Hung & Chiang
  2010): cases are events at T <= t weighted by 1 / G(T), controls are T > t; ties of the
  score are one threshold.  Horizons must lie within the follow-up ``[min T, max T)``.
* Brier score (``brier_score``, Graf et al. 1999): at t, events before t are weighted by
  1 / G(T), units still at risk by 1 / G(t); the integrated Brier score is the trapezoidal
  integral over the time grid divided by its length (``integrated_brier_score``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.survival._sorting import dense_rank

#: Risk scores closer than this are tied (sksurv's ``tied_tol``).
TIED_TOL = 1e-8
#: Brier terms (grid times × units) spread out and averaged at once (a few MB: in cache).
_TERMS = 250_000


@dataclass(frozen=True)
class Censoring:
    """Reverse Kaplan–Meier estimate of the censoring distribution G of one data set.

    ``time`` / ``prob`` are the step function (``time`` starts with -inf, G = 1 before the
    first time, unless nobody is censored); ``unique`` / ``inverse`` the data's distinct times
    and each unit's index among them, ``observed`` G at each unit's own time.
    """

    time: np.ndarray
    prob: np.ndarray
    unique: np.ndarray
    inverse: np.ndarray
    observed: np.ndarray

    def at(self, t: np.ndarray) -> np.ndarray:
        """G at times ``t`` (0 past the last time; ValueError where G is undefined there)."""
        t = np.asarray(t, dtype=float)
        beyond = t > self.time[-1]
        if self.prob[-1] > 0 and beyond.any():
            raise ValueError("time beyond the last observed time")
        out = np.zeros(t.shape)
        inside = t[~beyond]
        idx = np.searchsorted(self.time, inside)
        exact = (
            np.absolute(self.time[np.minimum(idx, self.time.size - 1)] - inside)
            < np.finfo(float).eps
        )
        idx[~exact] -= 1
        out[~beyond] = self.prob[idx]
        return out


def censoring_distribution(time: np.ndarray, event: np.ndarray) -> Censoring | None:
    """The censoring distribution of the data (None without events: the metrics are then NaN).

    Examples
    --------
    >>> import numpy as np
    >>> g = censoring_distribution(np.array([1.0, 2, 2, 3]), np.array([1, 0, 1, 1]))
    >>> g.at(np.array([1.0, 2.0, 3.0])).tolist()
    [1.0, 0.5, 0.5]
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event).astype(bool)
    if t.size == 0 or not e.any():
        return None
    ut, inv = dense_rank(t)
    count = np.bincount(inv, minlength=ut.size)
    if e.all():
        ones = np.ones(ut.size)
        return Censoring(time=ut, prob=ones, unique=ut, inverse=inv, observed=ones[inv])
    deaths = np.bincount(inv, weights=e, minlength=ut.size).astype(np.int64)
    at_risk = t.size - np.concatenate([[0], np.cumsum(count)[:-1]]) - deaths
    censored = count - deaths
    ratio = np.divide(censored, at_risk, out=np.zeros(ut.size, dtype=float), where=censored != 0)
    prob = np.concatenate([[1.0], np.cumprod(1.0 - ratio)])
    return Censoring(
        time=np.concatenate([[-np.inf], ut]),
        prob=prob,
        unique=ut,
        inverse=inv,
        observed=prob[inv + 1],
    )


def ipcw(cens: Censoring, counted: np.ndarray) -> np.ndarray | None:
    """1 / G(T) for the ``counted`` events, 0 elsewhere (None when G = 0 at one of them)."""
    g = cens.observed[counted]
    if (g == 0.0).any():
        return None
    w = np.zeros(counted.size)
    w[counted] = 1.0 / g
    return w


def td_auc(
    time: np.ndarray,
    event: np.ndarray,
    score: np.ndarray,
    horizons: np.ndarray,
    *,
    censoring: Censoring | None = None,
) -> np.ndarray:
    """Cumulative/dynamic AUC of a risk score at each horizon (NaN where not defined).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([1.0, 2, 3, 4, 5]); e = np.array([1, 1, 0, 1, 0])
    >>> td_auc(t, e, np.array([5.0, 4, 3, 1, 2]), np.array([2.5])).round(6).tolist()
    [1.0]
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event).astype(bool)
    s = np.asarray(score, dtype=float)
    horizons = np.asarray(horizons, dtype=float)
    out = np.full(horizons.size, np.nan)
    ok = (horizons >= t.min()) & (horizons < t.max())
    if not ok.any() or not np.isfinite(s).all():
        return out
    cens = censoring if censoring is not None else censoring_distribution(t, e)
    if cens is None:
        return out
    weights = ipcw(cens, e)
    if weights is None:
        return out
    # units by decreasing score; a run of tied scores is one threshold (its last position)
    o = np.argsort(-s)
    ts, es, ws, ss = t[o], e[o], weights[o], s[o]
    tied = np.absolute(np.diff(np.concatenate([[np.inf], ss]))) <= TIED_TOL
    keep = np.ones(t.size, dtype=bool)
    keep[np.flatnonzero(tied) - 1] = False
    auc = []
    for h in np.unique(horizons[ok]):
        cum_tp = np.cumsum(((ts <= h) & es) * ws)
        control = ts > h
        cum_fp = np.cumsum(control)
        with np.errstate(invalid="ignore", divide="ignore"):
            tp = np.concatenate([[0.0], (cum_tp / cum_tp[-1])[keep]])
            fp = np.concatenate([[0.0], (cum_fp / control.sum())[keep]])
            auc.append(np.trapezoid(tp, fp))
    out[ok] = auc
    return out


def _breslow_hazard(
    time: np.ndarray,
    event: np.ndarray,
    risk: np.ndarray,
    at: np.ndarray,
    distinct: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Breslow's cumulative baseline hazard H₀ at times ``at`` (``distinct``: the data's
    distinct times and each unit's index among them, when known)."""
    t = np.asarray(time, float)
    ev = np.asarray(event).astype(bool)
    ut, inv = np.unique(t, return_inverse=True) if distinct is None else distinct
    d = np.bincount(inv, weights=ev.astype(float), minlength=ut.size)
    r = np.cumsum(np.bincount(inv, weights=risk, minlength=ut.size)[::-1])[::-1]
    h0 = np.cumsum(np.where(d > 0, d / r, 0.0))
    pos = np.searchsorted(ut, at, side="right") - 1
    return np.where(pos >= 0, h0[np.clip(pos, 0, None)], 0.0)


def breslow_survival(
    time: np.ndarray, event: np.ndarray, lp: np.ndarray, at: np.ndarray
) -> np.ndarray:
    """Predicted survival S(t | x) = exp(−H₀(t) e^{lp}) at times ``at`` (units × times).

    H₀ is Breslow's estimate: Σ over event times t_k <= t of d_k / Σ_{T_j >= t_k} e^{lp_j}.

    Examples
    --------
    >>> import numpy as np
    >>> breslow_survival(np.array([1.0, 2, 3]), np.array([1, 0, 1]), np.zeros(3),
    ...                  np.array([1.5])).round(4).tolist()
    [[0.7165], [0.7165], [0.7165]]
    """
    risk = np.exp(np.asarray(lp, float))
    return np.exp(-np.outer(risk, _breslow_hazard(time, event, risk, at)))


def ibs(
    time: np.ndarray,
    event: np.ndarray,
    lp: np.ndarray,
    grid: np.ndarray,
    *,
    censoring: Censoring | None = None,
) -> float:
    """Integrated Brier score of the Cox model's predicted survival (Breslow baseline hazard,
    :func:`breslow_survival`) over the part of ``grid`` inside the follow-up.

    Grid points outside ``[min T, max T)`` of the data are dropped (sksurv requires it), so a
    bootstrap resample is integrated over the same grid, cut to its own follow-up.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([1.0, 2, 3, 4, 5]); e = np.array([1, 1, 0, 1, 0])
    >>> round(ibs(t, e, np.zeros(5), np.array([1.0, 2, 3, 4])), 6)
    0.223923
    """
    t = np.asarray(time, float)
    e = np.asarray(event).astype(bool)
    grid = np.asarray(grid, float)
    ok = (grid >= t.min()) & (grid < t.max())
    times = np.unique(grid[ok])
    if ok.sum() < 2 or times.size != ok.sum():
        return float("nan")
    risk = np.exp(np.asarray(lp, float))
    cens = censoring if censoring is not None else censoring_distribution(t, e)
    if cens is None:
        return float("nan")
    # each distinct risk has one predicted curve; a unit's Brier term is its curve's value
    # divided by G at its event time (an event by t) or by G(t) (still at risk)
    curve, levels = pd.factorize(risk)  # in order of appearance: no sort
    hazard = _breslow_hazard(t, e, risk, grid[ok], (cens.unique, cens.inverse))
    surv = np.exp(-np.outer(levels, hazard))
    if not np.isfinite(surv).all():
        return float("nan")
    g_t = cens.at(times)
    g_t[g_t == 0] = np.inf
    # a unit's terms over the grid depend only on its curve, its event and its own time (G
    # there, and the grid times before it, where it is a control): computed once per such
    # profile, then spread to the units in their order, so the mean is the same sum
    key = (curve.astype(np.int64) * 2 + e) * cens.unique.size + cens.inverse.ravel()
    profile = pd.factorize(key)[0]
    # profiles are numbered in order of appearance: a profile's first unit raises the maximum
    first = np.flatnonzero(profile > np.maximum.accumulate(np.concatenate([[-1], profile[:-1]])))
    level = curve[first]
    g_y = cens.observed[first]
    g_y[g_y == 0] = np.inf
    case_val = np.square(surv).T
    ctrl_val = (np.square(1.0 - surv) / g_t[None, :]).T
    # a profile is a control (still at risk) at the grid times before its own time
    first_not_control = np.searchsorted(times, t[first], side="left")
    rows_all = np.arange(times.size)
    scores = np.empty(times.size)
    step = max(1, _TERMS // max(t.size, 1))
    for lo in range(0, times.size, step):
        rows = slice(lo, min(times.size, lo + step))
        term = np.take(ctrl_val[rows], level, axis=1)
        case = np.take(case_val[rows], level, axis=1)
        np.divide(case, g_y[None, :], out=case)
        case *= e[first][None, :]  # censored before t: 0
        np.copyto(term, case, where=rows_all[rows, None] >= first_not_control[None, :])
        scores[rows] = np.mean(np.take(term, profile, axis=1), axis=1)
    return float(np.trapezoid(scores, times) / (times[-1] - times[0]))
