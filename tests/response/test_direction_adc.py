"""A measure whose increase is response (ADC): the criterion's ``direction`` field mirrors
every cut-off rule in the one classifier; hand-worked cases and a monotonicity property."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from resp_build import Case, date, row

import netsurv as ns
from netsurv.response import classify

ADC = ns.criteria.get("adc")


def mri(adc: float) -> dict[str, float | str]:
    return {"long_axis_mm": 30.0, "adc": adc}


def _case() -> Case:
    """Two liver lesions on DW-MRI, ADC in 10^-6 mm^2/s.

    ====  ======  ======  =====  =================================
    day   L1      L2      mean   change
    ====  ======  ======  =====  =================================
    -7    1000    1200    1100   baseline
    56    1300    1450    1375   +25.0 % vs baseline: PR (>= +25 %)
    112   1200    1300    1250   +13.6 %: SD
    168   1000    1000    1000   -27.3 % vs peak 1375: PD at -20 %
    ====  ======  ======  =====  =================================
    """
    c = Case()
    c.scan("P1", -7, modality="MRI", T1=mri(1000), T2=mri(1200))
    c.scan("P1", 56, modality="MRI", T1=mri(1300), T2=mri(1450))
    c.scan("P1", 112, modality="MRI", T1=mri(1200), T2=mri(1300))
    c.scan("P1", 168, modality="MRI", T1=mri(1000), T2=mri(1000))
    return c


def test_adc_increase_is_response_hand_worked() -> None:
    tp = classify(_case().build(), ADC)
    assert [row(tp, "P1", d)["response"] for d in (56, 112, 168)] == ["PR", "SD", "SD"]
    r = row(tp, "P1", 56)
    assert r["value"] == pytest.approx(1375.0)
    assert r["pct_change_baseline"] == pytest.approx(25.0)


def test_adc_decrease_from_peak_is_progression_when_asked() -> None:
    crit = replace(ADC, name="adc_pd", progression_threshold=-0.20, progression_reference="nadir")
    tp = classify(_case().build(), crit)
    last = row(tp, "P1", 168)
    assert last["nadir_value"] == pytest.approx(1375.0)  # the peak: largest earlier value
    assert last["pct_change_nadir"] == pytest.approx(100 * (1000 / 1375 - 1))
    assert last["response"] == "PD"
    # -27.3 % does not reach a -30 % cut-off
    strict = replace(crit, name="adc_pd30", progression_threshold=-0.30)
    assert row(classify(_case().build(), strict), "P1", 168)["response"] == "SD"


def test_minimum_absolute_rise_applies_in_the_favourable_direction() -> None:
    """+275 (1100 -> 1375) is below a required absolute rise of 300: no response."""
    crit = replace(ADC, name="adc_abs", response_min_abs=300.0)
    assert row(classify(_case().build(), crit), "P1", 56)["response"] == "SD"
    crit = replace(ADC, name="adc_abs2", response_min_abs=250.0)
    assert row(classify(_case().build(), crit), "P1", 56)["response"] == "PR"


def test_a_shrinking_criterion_reads_the_same_data_the_usual_way() -> None:
    """The same numbers with direction 'decrease': the +25 % is progression, not response."""
    crit = replace(
        ADC,
        name="adc_down",
        direction="decrease",
        response_threshold=-0.25,
        progression_threshold=0.20,
    )
    tp = classify(_case().build(), crit)
    assert row(tp, "P1", 56)["response"] == "PD"


def test_direction_is_in_the_criteria_listing() -> None:
    table = ns.criteria.list().set_index("name")
    assert table.loc["adc", "direction"] == "increase"
    assert table.loc["adc", "response"] == ">= +25 % vs baseline"
    assert table.loc["recist1.1", "direction"] == "decrease"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"response_threshold": -0.25}, "did you mean 0.25"),
        ({"progression_threshold": 0.2}, "progression_threshold must be a decrease"),
        ({"cr_rule": "zero"}, "cr_rule must be 'none' when direction is 'increase'"),
        ({"confirm_pd": True, "progression_threshold": -0.2}, "confirm_pd"),
        ({"direction": "up"}, "direction must be one of ['decrease', 'increase']"),
    ],
)
def test_direction_mistakes_name_the_field(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ns.ConfigError) as err:
        replace(ADC, name="bad", **changes)
    assert message in str(err.value)


SETTINGS = settings(
    derandomize=True,
    deadline=None,
    max_examples=15,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(
    series=st.lists(
        st.lists(st.floats(600.0, 2500.0), min_size=2, max_size=6), min_size=1, max_size=6
    ),
    cuts=st.lists(st.sampled_from([0.05, 0.1, 0.15, 0.25, 0.4, 0.6]), min_size=2, max_size=2),
)
def test_larger_adc_response_cut_off_never_responds_earlier(
    series: list[list[float]], cuts: list[float]
) -> None:
    """First PR day under the larger cut-off >= under the smaller (never earlier)."""
    lo, hi = sorted(cuts)
    c = Case()
    for p, values in enumerate(series):
        for k, v in enumerate(values):
            c.scan(f"P{p}", -7 + 56 * k, modality="MRI", T1=mri(round(v, 1)))
    grid = ns.criteria.grid(ADC, response_threshold=sorted({lo, hi}))
    tp = classify(c.build(), grid).table
    fu = tp[(tp["role"] == "follow_up") & (tp["response"] == "PR")]
    first = fu.groupby(["criterion", "patient_id"])["date"].min().unstack(0)
    names = [g.name for g in grid]
    if len(names) == 1:
        return
    first = first.reindex(columns=names).astype("datetime64[ns]")
    first = first.fillna(date(10_000))  # never = far in the future
    assert (first[names[1]] >= first[names[0]]).all()


def test_adc_lesion_level_mirrors_the_cutoffs() -> None:
    """Issue 17: per-lesion classes use the criterion's cut-offs against the baseline
    (response) and the lesion's nadir (progression); under ``direction="increase"`` the
    "nadir" is the lesion's largest earlier value and every comparison is mirrored.

    L1: 1000 -> 1300 (+30 %: responding) -> 1200 (-7.7 % vs its peak 1300: stable)
    -> 1000 (-23.1 % vs 1300: progressing at -20 %); L2: 1200 -> 1450 (+20.8 %: stable)
    -> 1300 (-10.3 % vs 1450: stable) -> 1000 (-31.0 %: progressing).
    """
    crit = replace(ADC, name="adc_pd", progression_threshold=-0.20, progression_reference="nadir")
    t = ns.lesion_response(_case().build(), crit).table
    t = t[t["scan_role"] == "follow_up"].sort_values(["days_from_start", "lesion_id"])
    classes = t.groupby("days_from_start")["lesion_class"].apply(list).to_dict()
    assert classes == {
        56: ["responding", "stable"],
        112: ["stable", "stable"],
        168: ["progressing", "progressing"],
    }
    last = t[t["days_from_start"] == 168]
    assert last["nadir_value"].tolist() == pytest.approx([1300.0, 1450.0])
    assert last["drove_response"].tolist() == [True, True]  # PD: both fell from their peaks
    first = t[t["days_from_start"] == 56]
    assert first["drove_response"].tolist() == [True, True]  # PR: both rose from baseline
