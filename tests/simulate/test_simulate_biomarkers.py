"""The simulator's NET biomarker columns come from its latent truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import netsurv as ns
from netsurv.measures import baseline_measures, link_lesions, liver_fraction


@pytest.fixture(scope="module")
def cohort() -> ns.Cohort:
    return ns.simulate_cohort(
        250,
        seed=11,
        scenario="prrt",
        fdg_pet_rate=1.0,
        mri_fraction=0.3,
        dedifferentiation_rate=0.3,
    )


def _modality(c: ns.Cohort) -> pd.Series:
    key = ["patient_id", "assessment_id"]
    m = c.assessments.set_index(key)["modality"]
    return pd.Series(m.reindex(pd.MultiIndex.from_frame(c.lesions[key])).to_numpy())


def test_columns_sit_on_the_scans_that_read_them(cohort: ns.Cohort) -> None:
    les, mod = cohort.lesions, _modality(cohort)
    assert set(mod[les["krenning_score"].notna().to_numpy()]) == {"SST-PET"}
    assert set(mod[les["sst_avid"].notna().to_numpy()]) == {"SST-PET"}
    assert set(mod[les["fdg_avid"].notna().to_numpy()]) == {"FDG-PET"}
    assert set(mod[les["adc"].notna().to_numpy()]) == {"MRI"}
    ass = cohort.assessments
    assert set(ass.loc[ass["liver_volume_ml"].notna(), "modality"]) <= {"CT", "MRI"}
    assert set(ass.loc[ass["liver_suv_mean"].notna(), "modality"]) == {"SST-PET"}
    assert cohort.warnings.empty  # every rule holds, ADC range and liver volume included


def test_sst_avid_is_krenning_2_or_more(cohort: ns.Cohort) -> None:
    les = cohort.lesions.dropna(subset=["krenning_score"])
    assert (les["sst_avid"] == (les["krenning_score"] >= 2)).all()


def test_liver_fraction_stays_below_one(cohort: ns.Cohort) -> None:
    lf = liver_fraction(cohort)["liver_fraction"].dropna()
    assert len(lf) > 0 and ((lf >= 0) & (lf < 1)).all()


def test_discordant_disease_comes_from_the_dedifferentiated_clone(cohort: ns.Cohort) -> None:
    """FDG+/SST- lesions belong to patients with a dedifferentiated clone far more often than
    the patients' share."""
    links = link_lesions(cohort)
    dd = cohort.truth.groupby("patient_id")["dedifferentiation"].any()
    disc = links.loc[links["discordant"].fillna(False), "patient_id"].map(dd)
    share = dd.reindex(links["patient_id"].unique()).mean()
    assert len(disc) > 0 and disc.mean() > min(0.9, 2 * share)


def test_grades_track_dedifferentiation(cohort: ns.Cohort) -> None:
    bm = baseline_measures(cohort).table.merge(cohort.truth, on=["patient_id", "line_id"])
    graded = bm[bm["netpet_grade"].notna()]
    p1 = graded["netpet_grade"].eq("P1").groupby(graded["dedifferentiation"]).mean()
    assert p1[True] < p1[False] / 2  # a glycolytic clone makes the line FDG-avid


def test_adc_rises_with_the_latent_tissue_effect(cohort: ns.Cohort) -> None:
    tp = ns.classify(cohort, "adc").table
    fu = tp[(tp["role"] == "follow_up") & tp["value"].notna()]
    late = fu.merge(cohort.truth, on=["patient_id", "line_id"])
    strong = late["density_drop"] > late["density_drop"].median()
    rise = late["pct_change_baseline"]
    assert rise[strong].median() > rise[~strong].median() + 5
    assert np.isfinite(rise).all()
