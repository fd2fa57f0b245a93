"""Scoring criteria against the simulated truth."""

from __future__ import annotations

import pandas as pd
import pytest

import netsurv as ns
from netsurv.simulate.scoring import score_progression


@pytest.fixture(scope="module")
def prrt() -> ns.Cohort:
    return ns.simulate_cohort(300, seed=11, scenario="prrt")


def test_counts_are_consistent_and_match_a_direct_computation(prrt: ns.Cohort) -> None:
    s = score_progression(prrt, ["recist1.1", "volumetric_recist"]).set_index("criterion")
    assert (s["observed_progressions"] >= s["early_calls"]).all()
    assert s["sensitivity"].between(0, 1).all()
    # direct: first PD per line from the long table, against the truth table
    tp = ns.classify(prrt, "recist1.1").table
    first = tp[tp["response"] == "PD"].groupby(["patient_id", "line_id"])["date"].min()
    truth = prrt.truth.set_index(["patient_id", "line_id"])
    truth = truth.loc[
        truth.index.intersection(tp.set_index(["patient_id", "line_id"]).index.unique())
    ]
    truly = truth["true_progression_date"].notna() & (
        truth["true_progression_date"] <= truth["window_end_date"]
    )
    obs = first.reindex(truth.index)
    early = obs.notna() & (~truly | (obs < truth["true_progression_date"]))
    assert s.loc["recist1.1", "true_progressions"] == int(truly.sum())
    assert s.loc["recist1.1", "observed_progressions"] == int(obs.notna().sum())
    assert s.loc["recist1.1", "early_calls"] == int(early.sum())


def test_less_noise_gives_fewer_early_calls() -> None:
    noisy = ns.simulate_cohort(300, seed=5, scenario="ssa", noise_cv=0.15)
    quiet = ns.simulate_cohort(300, seed=5, scenario="ssa", noise_cv=0.02)
    a = score_progression(noisy, "recist1.1").iloc[0]
    b = score_progression(quiet, "recist1.1").iloc[0]
    assert b["early_call_rate"] < a["early_call_rate"]


def test_tolerance_and_errors(prrt: ns.Cohort) -> None:
    strict = score_progression(prrt, "recist1.1").iloc[0]
    loose = score_progression(prrt, "recist1.1", tolerance_days=60).iloc[0]
    assert loose["early_calls"] <= strict["early_calls"]
    with pytest.raises(ns.ConfigError, match="tolerance_days"):
        score_progression(prrt, "recist1.1", tolerance_days=-1)
    real = ns.Cohort.from_frames(
        **{k: getattr(prrt, k) for k in ("patients", "lines", "assessments", "lesions")}
    )
    with pytest.raises(ns.ConfigError, match="simulated cohort"):
        score_progression(real, "recist1.1")
    assert isinstance(strict, pd.Series)
