"""Prediction metrics for a risk score: Uno's C, cumulative/dynamic AUC, integrated Brier score.

Uno's C, the time-dependent AUC and the Brier score come from scikit-survival
(:mod:`sksurv.metrics`); this module only adapts arrays, predicts survival curves from a Cox
fit (Breslow baseline hazard) and turns sksurv's ``ValueError`` into NaN when a metric is not
defined for the data at hand (e.g. a horizon beyond the follow-up of a bootstrap resample).

Conventions of scikit-survival (version 0.23+, checked in ``tests/survival/test_compare.py``)
-------------------------------------------------------------------------------------------
* The censoring distribution G is the reverse Kaplan–Meier of the same data (``train = test``
  here), right-continuous, evaluated at the observed time: an event at T is weighted by
  1 / G(T).  R's ``concordance(..., timewt = "n/G2")`` uses G(T−) and agrees with sksurv only
  up to how censorings tied with the event time are counted (the tests measure the gap).
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

import numpy as np
from sksurv.metrics import (
    concordance_index_ipcw,
    cumulative_dynamic_auc,
    integrated_brier_score,
)
from sksurv.util import Surv


def _y(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    return Surv.from_arrays(event=np.asarray(event).astype(bool), time=np.asarray(time, float))


def uno_c(time: np.ndarray, event: np.ndarray, score: np.ndarray, *, tau: float) -> float:
    """Uno's concordance of a risk score truncated at ``tau`` (NaN if not defined)."""
    y = _y(time, event)
    try:
        return float(concordance_index_ipcw(y, y, np.asarray(score, float), tau=tau)[0])
    except (ValueError, ZeroDivisionError, ArithmeticError):
        return float("nan")


def td_auc(
    time: np.ndarray, event: np.ndarray, score: np.ndarray, horizons: np.ndarray
) -> np.ndarray:
    """Cumulative/dynamic AUC of a risk score at each horizon (NaN where not defined)."""
    y = _y(time, event)
    out = np.full(len(horizons), np.nan)
    t = np.asarray(time, float)
    ok = (horizons >= t.min()) & (horizons < t.max())
    if ok.any():
        try:  # no case before a horizon gives 0/0 inside sksurv: NaN
            with np.errstate(invalid="ignore", divide="ignore"):
                auc, _ = cumulative_dynamic_auc(y, y, np.asarray(score, float), horizons[ok])
        except (ValueError, ZeroDivisionError, ArithmeticError):
            return out
        out[ok] = auc
    return out


def breslow_survival(
    time: np.ndarray, event: np.ndarray, lp: np.ndarray, at: np.ndarray
) -> np.ndarray:
    """Predicted survival S(t | x) = exp(−H₀(t) e^{lp}) at times ``at`` (units × times).

    H₀ is Breslow's estimate: Σ over event times t_k <= t of d_k / Σ_{T_j >= t_k} e^{lp_j}.
    """
    t = np.asarray(time, float)
    ev = np.asarray(event).astype(bool)
    risk = np.exp(np.asarray(lp, float))
    ut, inv = np.unique(t, return_inverse=True)
    d = np.bincount(inv, weights=ev.astype(float), minlength=ut.size)
    r = np.cumsum(np.bincount(inv, weights=risk, minlength=ut.size)[::-1])[::-1]
    h0 = np.cumsum(np.where(d > 0, d / r, 0.0))
    pos = np.searchsorted(ut, at, side="right") - 1
    h_at = np.where(pos >= 0, h0[np.clip(pos, 0, None)], 0.0)
    return np.exp(-np.outer(risk, h_at))


def ibs(time: np.ndarray, event: np.ndarray, surv: np.ndarray, grid: np.ndarray) -> float:
    """Integrated Brier score of predicted survival on ``grid`` (the part inside follow-up).

    Grid points outside ``[min T, max T)`` of the data are dropped (sksurv requires it), so a
    bootstrap resample is integrated over the same grid, cut to its own follow-up.
    """
    t = np.asarray(time, float)
    ok = (grid >= t.min()) & (grid < t.max())
    if ok.sum() < 2:
        return float("nan")
    y = _y(t, event)
    try:
        return float(integrated_brier_score(y, y, surv[:, ok], grid[ok]))
    except (ValueError, ZeroDivisionError, ArithmeticError):
        return float("nan")
