"""PFS–OS Kendall's τ with censoring (Oakes' orderable-pair concordance)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.stats import kendalltau
from sim_cohort import simulate_cohort

import netsurv as ns
from netsurv.survival import correlation, oakes_pairs, pfs_os_correlation


def brute_force(x, ex, y, ey) -> tuple[int, int]:
    """Count pairs by the rule in the module docstring, one pair at a time."""

    def order(t, e, i, j):  # +1: i later than j, -1: i earlier, 0: not orderable
        if e[j] and (t[j] < t[i] or (t[j] == t[i] and not e[i])):
            return 1
        if e[i] and (t[i] < t[j] or (t[i] == t[j] and not e[j])):
            return -1
        return 0

    c = d = 0
    for i, j in itertools.combinations(range(len(x)), 2):
        s = order(x, ex, i, j) * order(y, ey, i, j)
        c += s == 1
        d += s == -1
    return c, d


def _order_sign(t: np.ndarray, e: np.ndarray) -> np.ndarray:
    """+1 where row i is known to be later than column j, -1 earlier, 0 not orderable."""
    ti, ei, tj, ej = t[:, None], e[:, None], t[None, :], e[None, :]
    j_first = ej & ((tj < ti) | ((tj == ti) & ~ei))
    i_first = ei & ((ti < tj) | ((ti == tj) & ~ej))
    return j_first.astype(np.int8) - i_first.astype(np.int8)


def pairwise_oakes(x, x_event, y, y_event, *, weights=None) -> correlation.PairCounts:
    """The n² pair matrix, as oakes_pairs was computed before sorted counting (the oracle)."""
    ex, ey = np.asarray(x_event).astype(bool), np.asarray(y_event).astype(bool)
    prod = _order_sign(np.asarray(x, float), ex) * _order_sign(np.asarray(y, float), ey)
    w = np.ones((1, len(x))) if weights is None else np.atleast_2d(np.asarray(weights, float))
    conc = np.sum((w @ (prod == 1)) * w, axis=1) / 2
    disc = np.sum((w @ (prod == -1)) * w, axis=1) / 2
    if weights is None or np.asarray(weights).ndim == 1:
        return correlation.PairCounts(concordant=conc[0], discordant=disc[0])
    return correlation.PairCounts(concordant=conc, discordant=disc)


def test_sorted_counting_equals_the_pair_matrix_exactly() -> None:
    """Random cohorts with tied times (within and across the endpoints), tied events, every
    censoring pattern, unit, case and bootstrap weights: the same counts to the last bit."""
    rng = np.random.default_rng(11)
    for it in range(300):
        n = int(rng.integers(1, 70))
        x = rng.integers(1, int(rng.choice([3, 8, 40])), n).astype(float)
        y = x + rng.integers(0, 6, n) * (it % 4 != 0)  # it % 4 == 0: PFS = OS
        ex = rng.random(n) < rng.choice([0.0, 0.5, 1.0])
        ey = (rng.random(n) < 0.6) | (ex & (y == x))
        w = [None, rng.integers(0, 4, n), rng.multinomial(n, np.full(n, 1 / n), size=6)][it % 3]
        fast = oakes_pairs(x, ex, y, ey, weights=w)
        slow = pairwise_oakes(x, ex, y, ey, weights=w)
        np.testing.assert_array_equal(fast.concordant, slow.concordant)
        np.testing.assert_array_equal(fast.discordant, slow.discordant)
        np.testing.assert_array_equal(fast.tau, slow.tau)
    # non-integer case weights: the same sums, added in another order
    x, y = rng.exponential(size=80).round(1), rng.exponential(size=80).round(1)
    ex, ey, w = rng.random(80) < 0.6, rng.random(80) < 0.6, rng.random((3, 80))
    fast, slow = oakes_pairs(x, ex, y, ey, weights=w), pairwise_oakes(x, ex, y, ey, weights=w)
    np.testing.assert_allclose(fast.concordant, slow.concordant, rtol=1e-13)
    np.testing.assert_allclose(fast.discordant, slow.discordant, rtol=1e-13)


def test_the_correlation_table_with_its_bootstrap_is_unchanged(monkeypatch) -> None:
    ep = ns.derive_endpoints(ns.load_demo(), ["recist1.1", "choi"], endpoints=["PFS", "OS"])
    fast = pfs_os_correlation(ep, n_boot=40, seed=2)
    monkeypatch.setattr(correlation, "oakes_pairs", pairwise_oakes)
    slow = pfs_os_correlation(ep, n_boot=40, seed=2)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)


def test_bootstrap_on_worker_processes_is_the_in_process_one() -> None:
    # blocks of 25 replicates (60 = 25 + 25 + 10) on 2 processes: the same intervals
    ep = ns.derive_endpoints(ns.load_demo(), ["recist1.1", "choi"], endpoints=["PFS", "OS"])
    here = pfs_os_correlation(ep, n_boot=60, seed=4)
    there = pfs_os_correlation(ep, n_boot=60, seed=4, backend="processes", n_jobs=2)
    pd.testing.assert_frame_equal(here, there, check_exact=True)
    assert here["lower"].notna().all()


def test_without_censoring_it_is_kendalls_tau() -> None:
    rng = np.random.default_rng(2)
    x = rng.exponential(size=200)
    y = x + rng.exponential(size=200)
    pc = oakes_pairs(x, np.ones(200), y, np.ones(200))
    assert float(pc.tau) == pytest.approx(kendalltau(x, y).statistic, rel=1e-12)
    assert pc.concordant + pc.discordant == 200 * 199 / 2


def test_censored_pairs_by_hand() -> None:
    # i=0: PFS event 2, OS event 5; i=1: PFS censored 3, OS censored 3;
    # i=2: PFS event 4, OS event 4;  i=3: PFS event 4, OS censored 9
    x, ex = np.array([2.0, 3, 4, 4]), np.array([1, 0, 1, 1])
    y, ey = np.array([5.0, 3, 4, 9]), np.array([1, 0, 1, 0])
    # (0,1): PFS 0 first; OS: 1 censored at 3 < 5 -> not orderable
    # (0,2): PFS 0 first; OS 2 first -> discordant
    # (0,3): PFS 0 first; OS 0 first -> concordant
    # (1,2): PFS 1 censored at 3 < 4 -> not orderable
    # (1,3): not orderable in PFS
    # (2,3): PFS tied events -> not orderable
    pc = oakes_pairs(x, ex, y, ey)
    assert (float(pc.concordant), float(pc.discordant), float(pc.tau)) == (1.0, 1.0, 0.0)
    assert brute_force(x, ex == 1, y, ey == 1) == (1, 1)


def test_matches_brute_force_with_ties_and_censoring() -> None:
    rng = np.random.default_rng(5)
    n = 60
    x = rng.integers(1, 12, n).astype(float)
    y = x + rng.integers(0, 10, n)
    ex = rng.random(n) < 0.7
    ey = rng.random(n) < 0.5
    pc = oakes_pairs(x, ex, y, ey)
    assert (float(pc.concordant), float(pc.discordant)) == brute_force(x, ex, y, ey)


def test_bootstrap_weights_equal_a_resampled_data_frame() -> None:
    rng = np.random.default_rng(8)
    n = 40
    x = rng.integers(1, 20, n).astype(float)
    y = x + rng.integers(0, 15, n)
    ex, ey = rng.random(n) < 0.7, rng.random(n) < 0.6
    draws = rng.multinomial(n, np.full(n, 1 / n), size=3)
    weighted = oakes_pairs(x, ex, y, ey, weights=draws)
    for b, counts in enumerate(draws):
        idx = np.repeat(np.arange(n), counts)
        rows = oakes_pairs(x[idx], ex[idx], y[idx], ey[idx])
        assert weighted.concordant[b] == rows.concordant
        assert weighted.discordant[b] == rows.discordant


def test_pfs_os_correlation_on_a_simulated_cohort() -> None:
    cohort = simulate_cohort(300, seed=4, response_hr=0.6)
    res = pfs_os_correlation(cohort, criteria=["recist1.1", "recist_10"], n_boot=100, seed=3)
    again = pfs_os_correlation(cohort, criteria=["recist1.1", "recist_10"], n_boot=100, seed=3)
    pd.testing.assert_frame_equal(res, again)
    assert res["criterion"].tolist() == ["recist1.1", "recist_10"]
    assert (res["n"] == 300).all()
    assert ((res["lower"] < res["tau"]) & (res["tau"] < res["upper"])).all()
    assert ((res["tau"] > 0) & (res["tau"] <= 1)).all()
    # the same numbers from the endpoints table
    ep = ns.derive_endpoints(cohort, ["recist1.1", "recist_10"], endpoints=["PFS", "OS"])
    from_table = pfs_os_correlation(ep, n_boot=100, seed=3)
    pd.testing.assert_frame_equal(res, from_table)


def test_errors() -> None:
    cohort = ns.load_demo()
    with pytest.raises(ns.ConfigError, match="give the criteria"):
        pfs_os_correlation(cohort)
    ep = ns.derive_endpoints(cohort, "recist1.1", endpoints=["OS"])
    with pytest.raises(ns.ConfigError, match="needs 'PFS' and 'OS' rows"):
        pfs_os_correlation(ep)
    with pytest.raises(ns.ConfigError, match="weights must be non-negative"):
        oakes_pairs(np.ones(3), np.ones(3), np.ones(3), np.ones(3), weights=-np.ones(3))
