"""The prediction metrics of the criteria comparison equal scikit-survival's to the last bit.

:mod:`netsurv.survival._metrics` computes Uno's C, the cumulative/dynamic AUC and the integrated
Brier score itself (sorted counting instead of sksurv's pair loop); the same floating-point
operations in the same order give the same numbers, so the comparison's bootstrap tables do not
move.  The oracle is sksurv itself, called as the comparison did before.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sksurv.metrics import (
    concordance_index_ipcw,
    cumulative_dynamic_auc,
    integrated_brier_score,
)
from sksurv.nonparametric import CensoringDistributionEstimator
from sksurv.util import Surv

from netsurv.survival._metrics import (
    breslow_survival,
    censoring_distribution,
    ibs,
    td_auc,
)
from netsurv.survival._uno import uno_c

NAN_ERRORS = (ValueError, ZeroDivisionError, ArithmeticError)


def _y(t: np.ndarray, e: np.ndarray) -> np.ndarray:
    return Surv.from_arrays(event=e.astype(bool), time=t.astype(float))


def sksurv_uno(t: np.ndarray, e: np.ndarray, s: np.ndarray, tau: float) -> float:
    try:
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return float(concordance_index_ipcw(_y(t, e), _y(t, e), s, tau=tau)[0])
    except NAN_ERRORS:
        return float("nan")


def sksurv_auc(t: np.ndarray, e: np.ndarray, s: np.ndarray, h: np.ndarray) -> np.ndarray:
    out = np.full(h.size, np.nan)
    ok = (h >= t.min()) & (h < t.max())
    if ok.any():
        try:
            with np.errstate(invalid="ignore", divide="ignore"):
                out[ok] = cumulative_dynamic_auc(_y(t, e), _y(t, e), s, h[ok])[0]
        except NAN_ERRORS:
            pass
    return out


def sksurv_ibs(t: np.ndarray, e: np.ndarray, lp: np.ndarray, grid: np.ndarray) -> float:
    ok = (grid >= t.min()) & (grid < t.max())
    if ok.sum() < 2:
        return float("nan")
    surv = breslow_survival(t, e, lp, grid)
    try:
        return float(integrated_brier_score(_y(t, e), _y(t, e), surv[:, ok], grid[ok]))
    except NAN_ERRORS:
        return float("nan")


def random_case(rng: np.random.Generator, it: int) -> tuple[np.ndarray, ...]:
    """Small data with tied times, tied and near-tied scores and every censoring pattern."""
    n = int(rng.integers(1, 50))
    tied = rng.integers(1, 15, n).astype(float)
    t = tied if it % 2 else rng.exponential(10, n).round(1) + 0.1
    e = rng.random(n) < rng.choice([0.0, 0.3, 0.7, 1.0])
    kind = it % 5
    if kind == 0:  # a binary status, as in the comparison
        s = (rng.random(n) < 0.4) * rng.normal()
    elif kind == 1:
        s = rng.normal(size=n)
    elif kind == 2:  # scores 0.5e-8 .. 4.5e-8 apart: chains of ties within tied_tol
        s = rng.integers(0, 4, n) * 1e-8 * rng.choice([0.5, 1.0, 1.5])
    elif kind == 3:
        s = rng.integers(0, 3, n) + rng.integers(0, 2, n) * 5e-9
    else:
        s = rng.normal(size=n) * (rng.random(n) < 0.5)
    return t, e, s


def test_censoring_distribution_is_sksurvs() -> None:
    rng = np.random.default_rng(1)
    for it in range(200):
        t, e, _ = random_case(rng, it)
        g = censoring_distribution(t, e)
        if not e.any():
            assert g is None
            continue
        est = CensoringDistributionEstimator().fit(_y(t, e))
        assert g is not None
        np.testing.assert_array_equal(g.time, est.unique_time_)
        np.testing.assert_array_equal(g.prob, est.prob_)
        at = np.concatenate([t, t - 0.05])
        at = at[at <= t.max()]
        np.testing.assert_array_equal(g.at(at), est.predict_proba(at))


def test_uno_c_auc_and_ibs_equal_sksurv_to_the_last_bit() -> None:
    rng = np.random.default_rng(7)
    n_defined = 0
    for it in range(250):
        t, e, s = random_case(rng, it)
        tau = float(rng.choice([5, 10, 20, 100]))
        ours, theirs = uno_c(t, e, s, tau=tau), sksurv_uno(t, e, s, tau)
        np.testing.assert_array_equal(ours, theirs, err_msg=f"Uno's C, case {it}")
        n_defined += bool(np.isfinite(ours))
        h = np.unique(rng.choice([2.0, 5.0, 7.5, 12.0, 30.0], 2))
        np.testing.assert_array_equal(td_auc(t, e, s, h), sksurv_auc(t, e, s, h))
        grid = np.linspace(t.min(), max(t.min() + 1, np.quantile(t, 0.8)), 20)
        lp = 2 * s
        np.testing.assert_array_equal(ibs(t, e, lp, grid), sksurv_ibs(t, e, lp, grid))
    assert n_defined > 120  # most cases are defined, the rest check the NaN rules


def test_the_shared_censoring_distribution_changes_nothing() -> None:
    rng = np.random.default_rng(3)
    t = rng.integers(1, 30, 300).astype(float)
    e = rng.random(300) < 0.6
    s = (rng.random(300) < 0.3) * 0.8
    g = censoring_distribution(t, e)
    grid = np.linspace(t.min(), 20, 50)
    h = np.array([6.0, 12.0])
    assert uno_c(t, e, s, tau=20, censoring=g) == uno_c(t, e, s, tau=20)
    np.testing.assert_array_equal(td_auc(t, e, s, h, censoring=g), td_auc(t, e, s, h))
    assert ibs(t, e, s, grid, censoring=g) == ibs(t, e, s, grid)


@pytest.mark.parametrize(
    ("t", "e", "why"),
    [
        (np.array([1.0, 2, 3]), np.array([0, 0, 0]), "no event"),
        (np.array([30.0, 40, 50]), np.array([1, 1, 0]), "no event before tau"),
    ],
)
def test_undefined_uno_c_is_nan(t: np.ndarray, e: np.ndarray, why: str) -> None:
    assert np.isnan(uno_c(t, e, np.array([1.0, 0, 1]), tau=20)), why
    assert np.isnan(uno_c(np.array([1.0, 2]), np.array([1, 0]), np.array([np.inf, 0]), tau=5))
