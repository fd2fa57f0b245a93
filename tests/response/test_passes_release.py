"""A classification call forgets each measurement pass after the last criterion reading it,
and gives the same time points as passes kept throughout; a size criterion reads its
composite twin's pass (RECIST 1.1 and Choi) and classifies as it does alone."""

from __future__ import annotations

import pandas as pd

import netsurv as ns
from netsurv.response.classify import classify_passes, resolve_criteria
from netsurv.response.passes import Passes
from netsurv.response.prepare import prepare


def test_passes_are_forgotten_after_their_last_criterion() -> None:
    cohort = ns.load_demo()
    crits = resolve_criteria(["recist1.1", "choi", "recist_10", "sstv"])
    passes = Passes(prepare(cohort), crits)
    for c in crits:
        passes.measured(c)
    recist, choi, sstv = (crits[i].measurement_key() for i in (0, 1, 3))
    assert recist == crits[2].measurement_key()  # recist_10 measures as RECIST 1.1 does
    assert passes.pass_key(crits[0]) == choi  # and both read Choi's pass
    assert set(passes._measured) == {recist, choi, sstv}
    passes.release_after(crits, 1)
    assert set(passes._measured) == {recist, choi, sstv}  # recist_10 reads both later
    passes.release_after(crits, 2)
    assert set(passes._measured) == {sstv}
    passes.release_after(crits, 3)
    assert passes._measured == {}


def test_a_size_criterion_reads_its_composite_twins_pass() -> None:
    cohort = ns.load_demo()
    crits = resolve_criteria(["recist1.1", "choi"])
    passes = Passes(prepare(cohort), crits)
    recist, choi = passes.measured(crits[0]), passes.measured(crits[1])
    assert recist.lesions is choi.lesions and recist.value is choi.value  # measured once
    assert recist.density.size and pd.isna(recist.density).all()
    assert not pd.isna(choi.density).all()
    both = ns.classify(cohort, crits)
    for c in crits:  # what each criterion classified alone gives
        alone = ns.classify(cohort, c)
        mine = both.table[both.table["criterion"] == c.name].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone.table, check_exact=True)
        att = both.attrition[both.attrition["criterion"] == c.name].reset_index(drop=True)
        pd.testing.assert_frame_equal(att, alone.attrition, check_exact=True)


def test_classify_releasing_passes_gives_the_same_time_points() -> None:
    cohort = ns.load_demo()
    crits = resolve_criteria(["recist1.1", "choi", "sstv", "recist_10"])
    kept = classify_passes(cohort, Passes(prepare(cohort), crits), crits)
    released = ns.classify(cohort, crits)
    pd.testing.assert_frame_equal(released.table, kept.table)
    pd.testing.assert_frame_equal(released.baselines, kept.baselines)
    pd.testing.assert_frame_equal(released.attrition, kept.attrition)
