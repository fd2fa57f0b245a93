"""The simulation-study helper: runs per (scenario, seed), the oracle truth, recovery and
rejection rates, identical on every backend."""

from __future__ import annotations

import numpy as np
import pytest
from sweep_cohort import cohort

import netsurv as ns
from netsurv.sweep import simulation_study, sweep
from netsurv.sweep.inference import rejection_rate, rejects

GRID = {"response_threshold": [-0.1, -0.2, -0.3, -0.5]}


def simulate(n_patients: int, *, seed: int, scenario: str) -> ns.Cohort:
    """'signal': survival follows shrinkage; 'null': no link."""
    return cohort(n_patients, seed=seed, effect={"signal": 2.0, "null": 0.0}[scenario])


def run(**kwargs):
    return simulation_study(
        "recist1.1",
        GRID,
        scenarios=["signal", "null"],
        seeds=6,
        n_patients=150,
        truth_patients=1500,
        simulate=simulate,
        landmark_months=4,
        n_boot=10,
        n_perm=50,
        **kwargs,
    )


def test_study_runs_truth_and_rates() -> None:
    st = run()
    assert len(st.runs) == 12 and set(st.runs["scenario"]) == {"signal", "null"}
    # the oracle: the sweep's choice on one large cohort of the scenario
    big = sweep(
        simulate(1500, seed=10**6, scenario="signal"),
        "recist1.1",
        GRID,
        landmark_months=4,
        n_boot=0,
        n_perm=0,
        seed=10**6,
    )
    assert st.truth["signal"] == big.best["criterion"]
    s = st.scenarios.set_index("scenario")
    assert s.loc["signal", "cohorts"] == 6
    runs = st.runs[st.runs["scenario"] == "signal"]
    assert s.loc["signal", "recovery_rate"] == (runs["best"] == st.truth["signal"]).mean()
    assert s.loc["signal", "rejection_rate"] == (runs["p_search"] <= 0.05).mean()
    assert s.loc["signal", "cohorts_with_p"] == 6
    sel = st.selection[st.selection["scenario"] == "null"]
    assert sel["rate"].sum() == pytest.approx(1.0)
    assert (st.runs["value"] >= st.runs["corrected"]).mean() > 0.5  # optimism is mostly > 0


def test_a_p_value_equal_to_alpha_rejects() -> None:
    # 19 permutations: the smallest p-value is 1 / 20 = 0.05, which rejects at 5 % (a
    # permutation p-value has P(p <= alpha) <= alpha); the benchmark counts the same way
    st = simulation_study(
        "recist1.1",
        GRID,
        scenarios=["signal"],
        seeds=4,
        n_patients=150,
        truth="x",
        simulate=simulate,
        landmark_months=4,
        n_boot=0,
        n_perm=19,
    )
    p = st.runs["p_search"].to_numpy()
    np.testing.assert_array_equal(p, np.full(4, 1 / 20))
    assert st.scenarios["rejection_rate"].iloc[0] == 1.0 == rejection_rate(p, 0.05)
    assert rejects(p, 0.05).all() and not rejects(p, 0.049).any()
    assert np.isnan(rejection_rate(np.array([np.nan]), 0.05))
    assert rejection_rate(np.array([0.05, 0.2, np.nan]), 0.05) == 0.5


def test_study_is_identical_on_a_worker_pool() -> None:
    a = run()
    b = run(backend="threads", n_jobs=2)
    assert a.runs.equals(b.runs) and a.truth == b.truth


def test_study_arguments() -> None:
    with pytest.raises(ns.ConfigError, match="set per run"):
        simulation_study("recist1.1", GRID, simulate=simulate, seed=1, landmark_months=4)
    with pytest.raises(ns.ConfigError, match="no true best"):
        simulation_study(
            "recist1.1",
            GRID,
            scenarios=["null"],
            simulate=simulate,
            truth={"signal": "x"},
            landmark_months=4,
        )
