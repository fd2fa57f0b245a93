"""A classification call forgets each measurement pass after the last criterion reading it,
and gives the same time points as passes kept throughout."""

from __future__ import annotations

import pandas as pd

import netsurv as ns
from netsurv.response.classify import classify_passes, resolve_criteria
from netsurv.response.passes import Passes
from netsurv.response.prepare import prepare


def test_passes_are_forgotten_after_their_last_criterion() -> None:
    cohort = ns.load_demo()
    crits = resolve_criteria(["recist1.1", "choi", "recist_10"])
    passes = Passes(prepare(cohort), crits)
    for c in crits:
        passes.measured(c)
    recist, choi = crits[0].measurement_key(), crits[1].measurement_key()
    assert recist == crits[2].measurement_key()  # recist_10 measures as RECIST 1.1 does
    assert set(passes._measured) == {recist, choi}
    passes.release_after(crits, 0)
    assert set(passes._measured) == {recist, choi}  # both are read later
    passes.release_after(crits, 1)
    assert set(passes._measured) == {recist}  # choi is done; RECIST 1.1's pass is read later
    passes.release_after(crits, 2)
    assert passes._measured == {}


def test_classify_releasing_passes_gives_the_same_time_points() -> None:
    cohort = ns.load_demo()
    crits = resolve_criteria(["recist1.1", "choi", "sstv", "recist_10"])
    kept = classify_passes(cohort, Passes(prepare(cohort), crits), crits)
    released = ns.classify(cohort, crits)
    pd.testing.assert_frame_equal(released.table, kept.table)
    pd.testing.assert_frame_equal(released.baselines, kept.baselines)
    pd.testing.assert_frame_equal(released.attrition, kept.attrition)
