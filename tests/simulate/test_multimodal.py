"""The simulator's multi-modal scans: SST-PET on its own rhythm, FDG-PET for a subset, lesions
with one identity across modalities, tracers recorded (and switched when asked), and
``score_progression`` scoring combined criteria against the latent truth."""

from __future__ import annotations

import functools

import pandas as pd

import netsurv as ns
from netsurv.simulate import get_scenario, score_progression


@functools.cache
def prrt() -> ns.Cohort:
    return ns.simulate_cohort(n_patients=200, seed=11, scenario="prrt")


def test_modalities_rhythms_and_lesion_identities() -> None:
    cohort = ns.simulate_cohort(n_patients=200, seed=4, scenario="mixed")
    a = cohort.assessments
    per_patient = a.groupby(["patient_id", "modality"]).size().unstack(fill_value=0)
    # CT/MRI every 12-24 weeks, SST-PET on a slower rhythm, FDG-PET for a subset only
    anatomical = per_patient["CT"] + per_patient.get("MRI", 0)
    assert (per_patient["SST-PET"] < anatomical).mean() > 0.9
    has_fdg = per_patient["FDG-PET"] > 0
    assert 0 < has_fdg.mean() < 0.5
    # tracers: 18F-FDG on FDG-PET, an SST tracer on SST-PET, none on CT/MRI
    tr = a.groupby("modality")["tracer"].agg(lambda s: set(s.dropna()))
    assert tr["FDG-PET"] == {"18F-FDG"} and tr["CT"] == set()
    assert tr["SST-PET"] <= {"68Ga-DOTATATE", "68Ga-DOTATOC", "64Cu-DOTATATE"}
    assert a.loc[a["modality"] == "SST-PET", "tracer"].groupby(a["patient_id"]).nunique().max() == 1
    # one lesion identity across modalities: a CT lesion is read on SST-PET under its id
    les = cohort.lesions.merge(a[["patient_id", "assessment_id", "modality"]])
    mods = les.groupby(["patient_id", "lesion_id"])["modality"].agg(set)
    assert (mods.apply(lambda s: {"CT", "SST-PET"} <= s)).mean() > 0.5


def test_tracer_settings_change_only_the_tracer_column() -> None:
    sc = get_scenario("prrt").model_copy(
        update={"tracer_switch_rate": 0.5, "sst_tracer_shares": {"68Ga-DOTATOC": 1.0}}
    )
    other = ns.simulate_cohort(n_patients=200, seed=11, scenario=sc)
    base = prrt()
    pd.testing.assert_frame_equal(
        base.assessments.drop(columns="tracer"), other.assessments.drop(columns="tracer")
    )
    pd.testing.assert_frame_equal(base.lesions, other.lesions)
    # half the patients switch once: validation warnings and NE for the SST-PET volume
    switched = other.warnings[other.warnings["rule"] == "tracer_switch"]
    assert len(switched) > 20
    assert set(other.assessments["tracer"].dropna()) > {"68Ga-DOTATOC"}
    t = ns.classify(other, "sstv")
    assert (t.table["reason"] == "not_comparable").sum() >= len(switched) // 2
    assert t.attrition["reason"].str.startswith("tracer changed from 68Ga-DOTATOC").any()


def test_score_progression_scores_combined_criteria() -> None:
    """The same lines are scored under every criterion; with progression 'any' the combined
    criterion calls at least every progression its components call."""
    both = ns.criteria.combine("recist1.1", "sstv", name="any")
    s = score_progression(prrt(), ["recist1.1", "sstv", both, "recist1.1+sst_new_lesions"])
    s = s.set_index("criterion")
    assert s["lines"].nunique() == 1 and s["lines"].iloc[0] > 150
    assert (
        s.loc["any", "observed_progressions"]
        >= s.loc[["recist1.1", "sstv"], "observed_progressions"].max()
    )
    assert s.loc["any", "sensitivity"] >= s.loc["recist1.1", "sensitivity"]
    # a new SST-avid lesion adds progressions RECIST misses, never delays them
    assert s.loc["recist1.1+sst_new_lesions", "sensitivity"] >= s.loc["recist1.1", "sensitivity"]
    assert (
        s.loc["recist1.1+sst_new_lesions", "median_delay_days"]
        <= s.loc["recist1.1", "median_delay_days"]
    )
