"""ZP (CT density × SST-PET SUVmean, Zwirtz et al. 2022): per lesion and as a criterion
measure, the CT paired with the SST-PET scan within a window."""

from __future__ import annotations

import pandas as pd
import pytest
from resp_build import Case, row

import netsurv as ns
from netsurv.measures import lesion_zp
from netsurv.response import classify

ZP = ns.criteria.Criterion(
    name="zp",
    modality=("SST-PET",),
    measure="zp",
    lesion_set="all",
    aggregation="mean",
    response_threshold=-0.30,
    progression_threshold=0.20,
    progression_min_abs=None,
    nontarget_pd=False,
    cr_rule="none",
    too_small_mm=None,
)


def ct(hu: float) -> dict[str, float]:
    return {"long_axis_mm": 30.0, "density_hu": hu}


def pet(suv: float) -> dict[str, float]:
    return {"suv_mean": suv}


def _case() -> Case:
    """Two lesions; SST-PET SUVmean, CT density (HU), normal-liver SUVmean.

    ========  ======  ======  =====  ===========  ==================================
    scan      T1      T2      liver  ZP mean      ZPnorm mean
    ========  ======  ======  =====  ===========  ==================================
    CT -10    80 HU   60 HU
    PET -7    12      10      6      (960+600)/2  (160+100)/2 = 130
                                     = 780
    CT 80     70 HU   50 HU
    PET 84    8       9       4      (560+450)/2  (140+112.5)/2 = 126.25
                                     = 505        -2.9 %: SD
                                     -35.3 %: PR
    CT 160    75 HU   55 HU
    PET 200   9       9       5      no CT within 30 days (40): NE
    ========  ======  ======  =====  ===========  ==================================
    """
    c = Case()
    c.scan("P1", -10, T1=ct(80), T2=ct(60))
    c.scan("P1", -7, modality="SST-PET", extra={"liver_suv_mean": 6.0}, T1=pet(12), T2=pet(10))
    c.scan("P1", 80, T1=ct(70), T2=ct(50))
    c.scan("P1", 84, modality="SST-PET", extra={"liver_suv_mean": 4.0}, T1=pet(8), T2=pet(9))
    c.scan("P1", 160, T1=ct(75), T2=ct(55))
    c.scan("P1", 200, modality="SST-PET", extra={"liver_suv_mean": 5.0}, T1=pet(9), T2=pet(9))
    return c


def test_zp_criterion_hand_worked() -> None:
    tp = classify(_case().build(), ZP)
    base = row(tp, "P1", -7)
    assert base["value"] == pytest.approx(780.0)
    fu = row(tp, "P1", 84)
    assert fu["value"] == pytest.approx(505.0)
    assert fu["pct_change_baseline"] == pytest.approx(100 * (505 / 780 - 1))
    assert fu["response"] == "PR"
    assert row(tp, "P1", 200)["response"] == "NE"


def test_normalised_zp_hand_worked() -> None:
    crit = ns.criteria.grid(ZP, measure=["zp_norm"])[0]
    tp = classify(_case().build(), crit)
    assert row(tp, "P1", -7)["value"] == pytest.approx(130.0)
    assert row(tp, "P1", 84)["value"] == pytest.approx(126.25)
    assert row(tp, "P1", 84)["response"] == "SD"


def test_a_wider_window_pairs_the_late_ct() -> None:
    """PET 200 pairs with CT 160 at 40 days: (75*9 + 55*9)/2 = 585, -25 %: SD."""
    crit = ns.criteria.grid(ZP, pair_window_days=[45])[0]
    r = row(classify(_case().build(), crit), "P1", 200)
    assert r["value"] == pytest.approx(585.0)
    assert r["response"] == "SD"


def test_lesion_zp_table_and_attrition() -> None:
    res = lesion_zp(_case().build())
    t = res.table
    assert t["zp"].tolist() == pytest.approx([960.0, 600.0, 560.0, 450.0])
    assert t["zp_norm"].tolist() == pytest.approx([160.0, 100.0, 140.0, 112.5])
    assert t["ct_assessment_id"].tolist() == ["A01", "A01", "A03", "A03"]
    assert list(res.attrition["row_key"]) == ["P1 / A06 / T1", "P1 / A06 / T2"]
    assert set(res.attrition["stage"]) == {"zp"}


def test_baseline_without_a_paired_ct_sets_the_line_aside_with_the_reason() -> None:
    c = Case()
    c.scan("P1", -60, T1=ct(80))
    c.scan("P1", -7, modality="SST-PET", T1=pet(12))
    c.scan("P1", 84, modality="SST-PET", T1=pet(8))
    tp = classify(c.build(), ZP)
    assert tp.table.empty
    reason = tp.attrition.loc[tp.attrition["criterion"] == "zp", "reason"].item()
    assert "CT density_hu of the same lesion within pair_window_days" in reason


def test_zp_needs_an_sst_pet_modality() -> None:
    with pytest.raises(ns.ConfigError, match="must include 'SST-PET' for measure 'zp'"):
        ns.criteria.Criterion(name="bad", measure="zp", cr_rule="none")


def test_pairing_picks_the_nearest_ct_and_the_earlier_on_a_tie() -> None:
    from netsurv.measures import nearest_reading

    left = pd.DataFrame(
        {"patient_id": ["P"], "lesion_id": ["L"], "assessment_id": ["S"], "day": [100]}
    )
    right = pd.DataFrame(
        {
            "patient_id": ["P", "P", "P"],
            "lesion_id": ["L", "L", "L"],
            "assessment_id": ["C1", "C2", "C3"],
            "day": [80, 90, 110],
            "density_hu": [1.0, 2.0, 3.0],
        }
    )
    got = nearest_reading(left, right, value="density_hu", window_days=30)
    assert got["paired_assessment_id"].item() == "C2"  # 10 days before beats 10 after
    got = nearest_reading(left, right.iloc[[0, 2]], value="density_hu", window_days=30)
    assert got["paired_assessment_id"].item() == "C3"  # 10 after beats 20 before
