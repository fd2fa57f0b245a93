"""Liver tumour fraction: per scan, as a baseline category and as a criterion measure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from resp_build import Case, row

import netsurv as ns
from netsurv.measures import baseline_measures, liver_fraction, liver_fraction_category
from netsurv.response import classify

LF = ns.criteria.get("liver_fraction")


def ct(ml: float) -> dict[str, float]:
    return {"long_axis_mm": 30.0, "volume_ml": ml}


def _case(last_liver: float | None = 1600.0) -> Case:
    """Two liver targets; whole-liver volume on each CT (mL).

    ====  =====  =====  =====  =======  ==========================================
    day   T1     T2     liver  frac.    change
    ====  =====  =====  =====  =======  ==========================================
    -7    60     40     2000   0.05     baseline
    56    20     15     1750   0.02     -60 % vs baseline: SD (PR needs <= -65 %)
    112   10     5      1500   0.01     -80 %: PR
    168   30     20     1600   0.03125  +212.5 % vs nadir 0.01: PD (>= +73 %)
    ====  =====  =====  =====  =======  ==========================================
    """
    c = Case()
    c.scan("P1", -7, extra={"liver_volume_ml": 2000.0}, T1=ct(60), T2=ct(40))
    c.scan("P1", 56, extra={"liver_volume_ml": 1750.0}, T1=ct(20), T2=ct(15))
    c.scan("P1", 112, extra={"liver_volume_ml": 1500.0}, T1=ct(10), T2=ct(5))
    c.scan("P1", 168, extra={"liver_volume_ml": last_liver}, T1=ct(30), T2=ct(20))
    return c


def test_liver_fraction_per_scan_hand_worked() -> None:
    lf = liver_fraction(_case().build())
    assert lf["liver_fraction"].tolist() == pytest.approx([0.05, 0.02, 0.01, 0.03125])
    assert lf["liver_fraction_category"].astype(str).tolist() == ["<10%"] * 4


def test_liver_fraction_criterion_hand_worked() -> None:
    tp = classify(_case().build(), LF)
    assert [row(tp, "P1", d)["response"] for d in (56, 112, 168)] == ["SD", "PR", "PD"]
    assert row(tp, "P1", 168)["value"] == pytest.approx(0.03125)
    assert row(tp, "P1", 168)["pct_change_nadir"] == pytest.approx(212.5)


def test_scan_without_liver_volume_is_ne_and_says_why() -> None:
    cohort = _case(last_liver=None).build()
    tp = classify(cohort, LF)
    assert row(tp, "P1", 168)["response"] == "NE"
    lf = liver_fraction(cohort)
    assert lf["reason"].iloc[-1] == "no liver_volume_ml on this scan"
    assert np.isnan(lf["liver_fraction"].iloc[-1])


def test_line_without_baseline_liver_volume_goes_to_attrition() -> None:
    c = Case()
    c.scan("P1", -7, T1=ct(60))
    c.scan("P1", 56, extra={"liver_volume_ml": 1700.0}, T1=ct(50))
    tp = classify(c.build(), LF)
    assert tp.table.empty
    reason = tp.attrition.loc[tp.attrition["criterion"] == "liver_fraction", "reason"].item()
    assert "liver_volume_ml" in reason


def test_consensus_categories_at_their_boundaries() -> None:
    cats = liver_fraction_category(np.array([0.0999, 0.10, 0.25, 0.2501, 0.50, 0.5001]))
    assert list(cats.astype(str)) == ["<10%", "10-25%", "10-25%", "25-50%", "25-50%", ">50%"]
    assert list(cats.categories) == ["<10%", "10-25%", "25-50%", ">50%"]


def test_liver_fraction_as_a_baseline_covariate() -> None:
    """Baseline 100 mL of tumour in a 2000 mL liver: 0.05, < 10 %."""
    bm = baseline_measures(_case().build())
    r = bm.table.iloc[0]
    assert r["liver_fraction"] == pytest.approx(0.05)
    assert r["liver_fraction_category"] == "<10%"


@settings(
    derandomize=True,
    deadline=None,
    max_examples=20,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    scans=st.lists(
        st.tuples(
            st.lists(st.floats(0.0, 800.0), min_size=1, max_size=4),
            st.floats(0.0, 2000.0),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_liver_fraction_never_exceeds_one_on_valid_data(
    scans: list[tuple[list[float], float]],
) -> None:
    """Valid data: liver volume = its lesions + any parenchyma >= 0.  The fraction (per scan,
    and the criterion's value) stays in [0, 1]."""
    c = Case()
    for k, (volumes, parenchyma) in enumerate(scans):
        vols = [round(v, 2) for v in volumes]
        liver = round(sum(vols) + parenchyma, 2) + 0.01
        lesions = {f"T{j}": ct(v) for j, v in enumerate(vols[:2])}
        lesions |= {f"N{j}": ct(v) for j, v in enumerate(vols[2:])}
        c.scan("P1", -7 + 56 * k, extra={"liver_volume_ml": liver}, **lesions)
    cohort = c.build()
    frac = liver_fraction(cohort)["liver_fraction"].dropna()
    assert ((frac >= 0) & (frac <= 1)).all()
    values = classify(cohort, LF).table["value"].dropna()
    assert ((values >= 0) & (values <= 1)).all()
    assert isinstance(frac, pd.Series)
