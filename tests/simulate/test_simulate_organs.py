"""Organ-specific growth and lesion-level pseudoprogression in the simulator, with their truth
(``netsurv.simulate.organs``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import netsurv as ns
from netsurv.schema.inputs import LESION_SITES
from netsurv.simulate import get_scenario, simulate_cohort


def _growth_by_site(cohort: ns.Cohort) -> pd.Series:
    """Median change of each CT lesion's long axis, %/month, from the first to the last CT of
    its first line, per organ."""
    ass = cohort.assessments.query("modality == 'CT' and line_id == 'L1'")
    les = cohort.lesions.merge(ass[["patient_id", "assessment_id", "date"]])
    les = les[les["long_axis_mm"] > 0].sort_values("date")
    g = les.groupby(["patient_id", "lesion_id"])
    first, last = g.first(), g.last()
    months = (last["date"] - first["date"]).dt.days / 30.4375
    ok = months > 3
    rate = (np.log(last["long_axis_mm"] / first["long_axis_mm"]) / months)[ok]
    return rate.groupby(first.loc[ok, "site"], observed=True).median()


def test_defaults_leave_the_cohort_unchanged_and_truth_names_each_organ() -> None:
    """Off by default: no random number is drawn, so a seed gives the same data as before; the
    truth has each organ's intrinsic rate (= tgr_baseline) and no lesion-level swelling."""
    c = simulate_cohort(40, seed=5, scenario="prrt")
    t = c.truth
    for site in LESION_SITES:
        assert (t[f"tgr_{site}"] == t["tgr_baseline"]).all()
    assert (t["lesion_pseudoprogression"] == 0).all()
    assert (t["lesion_swelling_pct"] == 0).all()


def test_organ_specific_growth_is_in_the_data_and_in_the_truth() -> None:
    """Liver lesions +4 %/month, lymph nodes -4 %/month against the patient's rate: the truth
    gives each organ's rate and the measured liver lesions grow faster than the nodes."""
    offsets = {"liver": 4.0, "lymph_node": -4.0}
    c = simulate_cohort(150, seed=11, scenario="ssa", organ_tgr_offset=offsets)
    t = c.truth
    assert (t["tgr_liver"] - t["tgr_baseline"]).round(3).eq(4.0).all()
    assert (t["tgr_lymph_node"] - t["tgr_baseline"]).round(3).eq(-4.0).all()
    assert (t["tgr_bone"] == t["tgr_baseline"]).all()
    rate = _growth_by_site(c)
    base = _growth_by_site(simulate_cohort(150, seed=11, scenario="ssa"))
    # the long axis grows at a third of the volume's rate (%/month, log scale)
    assert rate["liver"] - rate["lymph_node"] > base["liver"] - base["lymph_node"] + 0.01


def test_lesion_level_pseudoprogression_after_prrt_is_recorded_in_the_truth() -> None:
    """Every CT lesion of a PRRT line swells transiently (rate 1): the truth counts them per
    PRRT line, no other line has any, and some lesion grows >= 20 % then falls back while the
    line goes on (lesion-level pseudoprogression, visible in the readings)."""
    c = simulate_cohort(
        60,
        seed=3,
        scenario="prrt",
        lesion_pseudoprogression_rate=1.0,
        lesion_pseudoprogression_amplitude=(0.5, 0.6),
    )
    t = c.truth
    prrt = t["regimen_class"] == "PRRT"
    assert (t.loc[prrt, "lesion_pseudoprogression"] > 0).all()
    assert (t.loc[~prrt, "lesion_pseudoprogression"] == 0).all()
    assert t.loc[prrt, "lesion_swelling_pct"].between(50.0, 60.0).all()
    ass = c.assessments.query("modality == 'CT' and line_id == 'L1'")
    les = c.lesions.merge(ass[["patient_id", "assessment_id", "date"]]).sort_values("date")
    les = les[les["role"] != "new"]
    g = les.groupby(["patient_id", "lesion_id"])["long_axis_mm"]
    base = g.transform("first")
    peak = g.transform("max")
    later = g.transform("last")
    back = (
        ((peak >= 1.2 * base) & (later < 1.2 * base))
        .groupby([les["patient_id"], les["lesion_id"]])
        .any()
    )
    assert back.sum() >= 5


def test_bad_organ_offsets_are_refused() -> None:
    with pytest.raises(ns.ConfigError, match=r"organ_tgr_offset .* unknown organ"):
        get_scenario("ssa", organ_tgr_offset={"brain": 1.0})
