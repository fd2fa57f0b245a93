"""Honest selection: the permutation max-statistic on the veteran data (SWEEP.md reference), the
null rejection rate, Harrell's optimism by hand, and the inference helpers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from netsurv.survival import cox
from netsurv.sweep import sweep_groups
from netsurv.sweep.inference import (
    optimism,
    percentile_interval,
    permutation_pvalues,
    selection_frequency,
    winners,
)
from netsurv.sweep.select import NO_PERMUTATIONS

VETERAN = Path(__file__).resolve().parents[1] / "reference" / "data" / "veteran.csv"
CUTS = [30, 40, 50, 60, 70, 75]


def veteran_result(**kwargs):
    vet = pd.read_csv(VETERAN)
    g = np.stack([vet["karno"].to_numpy() <= c for c in CUTS])
    names = [f"karno<={c}" for c in CUTS]
    return vet, sweep_groups(vet["time"], vet["status"], g, names=names, **kwargs)


def test_veteran_maximally_selected_logrank() -> None:
    _, res = veteran_result(n_boot=0, n_perm=2000, seed=1)
    best = res.best
    assert best["criterion"] == "karno<=40"
    assert round(best["value"], 2) == 44.50 and best["p_logrank"] < 1e-10
    # SWEEP.md: the 95th percentile of the maximum over the six cut-offs is ~6.6 under
    # permutation, not 3.84 (Monte Carlo: 2,000 permutations)
    q95 = np.quantile(res.null_max[:, 0], 0.95)
    assert 5.9 < q95 < 7.3
    # nothing in 2,000 permutations comes near 44.5: p = 1 / 2001
    assert best["p_search"] == pytest.approx(1 / 2001)
    assert (res.table["p_adjusted"] >= 1 / 2001).all()


def test_without_permutations_the_search_has_no_p_value() -> None:
    # min(1.0, nan) is 1.0 in Python: p_search must not turn "not computed" into "p = 1"
    _, res = veteran_result(n_boot=0, n_perm=0)
    best = res.best
    assert best["criterion"] == "karno<=40" and round(best["value"], 2) == 44.50
    assert np.isnan(best["p_search"]) and res.table["p_adjusted"].isna().all()
    assert best["p_search_reason"] == NO_PERMUTATIONS
    assert best["p_logrank"] < 1e-10  # the naive p-value is still reported
    _, res = veteran_result(n_boot=0, n_perm=20, seed=1)
    assert res.best["p_search"] == pytest.approx(1 / 21) and res.best["p_search_reason"] == ""


def test_optimism_by_hand_on_veteran() -> None:
    vet, res = veteran_result(n_boot=40, n_perm=0, seed=2)
    rs = res.optimism.resamples
    assert len(rs) == 40
    boot_lr = res.boot["lr"]
    win = winners(res.boot["logrank"])
    np.testing.assert_array_equal(rs["winner"], win)
    # one resample: its winner's LR on the original data with the resample's coefficient
    b = 0
    v = win[b]
    beta_b = res.boot["beta"][b, v]
    g = (vet["karno"] <= CUTS[v]).astype(int)
    df = pd.DataFrame({"t": vet["time"], "e": vet["status"], "g": g})
    ll0 = cox(df, covariates=["g"], duration_col="t", event_col="e").loglik_null
    x = g.to_numpy() - 0.0
    # log partial likelihood at a fixed beta: Efron by hand through the sorted risk sets
    ll = _efron_loglik(vet["time"].to_numpy(float), vet["status"].to_numpy(bool), x, beta_b)
    assert rs.loc[b, "test_lr"] == pytest.approx(2 * (ll - ll0), rel=1e-10)
    assert rs.loc[b, "apparent_lr"] == boot_lr[b, v]
    s = res.optimism.table
    opt = (rs["apparent_logrank"] - rs["test_logrank"]).mean()
    assert s.loc["logrank", "corrected"] == pytest.approx(res.best["value"] - opt)
    assert s.loc["logrank", "optimism"] > 0
    freq = res.table["selection_frequency"].to_numpy()
    np.testing.assert_allclose(freq, np.bincount(win, minlength=6) / 40)


def _efron_loglik(time: np.ndarray, event: np.ndarray, x: np.ndarray, beta: float) -> float:
    r = np.exp(beta * x)
    ll = 0.0
    for t in np.unique(time[event]):
        dead = (time == t) & event
        m = dead.sum()
        risk = r[time >= t].sum()
        dsum = r[dead].sum()
        ll += beta * x[dead].sum() - sum(np.log(risk - k / m * dsum) for k in range(m))
    return float(ll)


@pytest.mark.slow
def test_permutation_p_value_holds_its_level_under_the_null() -> None:
    rng = np.random.default_rng(11)
    n, reps = 120, 200
    hits = 0
    for i in range(reps):
        marker = rng.normal(size=n)
        time = np.ceil(rng.exponential(20, n))
        event = rng.random(n) < 0.8
        g = marker[None, :] > np.quantile(marker, [0.2, 0.35, 0.5, 0.65, 0.8])[:, None]
        res = sweep_groups(time, event, g, n_boot=0, n_perm=199, seed=i)
        hits += res.best["p_search"] <= 0.05
    # 5 % of 200 = 10; a binomial 99.9 % range is about 2 .. 21
    assert 2 <= hits <= 21


def test_helpers() -> None:
    assert np.isnan(permutation_pvalues(np.array([np.nan]), np.array([1.0]))).all()
    # a permutation where no grouping has a statistic never exceeds the observed one
    p = permutation_pvalues(np.array([3.0, 0.0]), np.array([1.0, 2.0, 3.0, np.nan]))
    np.testing.assert_allclose(p, [2 / 5, 4 / 5])
    assert winners(np.array([[np.nan, 2.0, 2.0]])).tolist() == [1]  # ties: first in grid order
    assert np.isnan(selection_frequency(np.array([], dtype=int), 2)).all()
    lo, hi = percentile_interval(np.array([[1.0, np.inf], [2.0, np.inf], [3.0, 1.0]]), level=0.5)
    assert lo[0] == 1.5 and hi[0] == 2.5 and hi[1] == np.inf
    o = optimism(
        np.array([-1, 0]),
        {"lr": np.array([[1.0], [4.0]])},
        {"lr": np.array([np.nan, 1.0])},
        {"lr": 4.0},
    )
    assert o.table.loc["lr", "n_used"] == 1 and o.table.loc["lr", "corrected"] == 1.0
