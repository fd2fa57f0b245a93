"""Scenario parameter sets: presets, overrides, and the errors for bad overrides."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from netsurv.errors import ConfigError
from netsurv.simulate import (
    SCENARIOS,
    get_scenario,
    list_scenarios,
    parse_overrides,
    simulate_cohort,
)


def test_presets() -> None:
    assert list_scenarios() == ["ssa", "prrt", "targeted", "mixed"]
    assert get_scenario("ssa").first_line == {"SSA": 1.0}
    assert get_scenario("prrt").therapies["PRRT"].n_cycles == 4
    assert get_scenario("mixed").max_lines == 4
    assert get_scenario("targeted").first_line == {"mTOR": 0.6, "TKI": 0.4}
    # a preset is returned as is when nothing is overridden
    assert get_scenario("prrt") is SCENARIOS["prrt"]


def test_overrides_top_level_and_therapy() -> None:
    sc = get_scenario(
        "prrt",
        death_link=0.0,
        noise_cv=0.1,
        visit_interval=8,
        missed_visit_rate=0.1,
        followup_months=24,
        accrual_months=12,
        pseudoprogression_rate=0.3,
        prrt__sensitive_fraction=0.7,
        **{"SSA.kill_rate": 0.2, "post__growth_reduction": 0.0},
    )
    assert (sc.death_link, sc.noise_cv, sc.visit_interval) == (0.0, 0.1, 8)
    assert (sc.missed_visit_rate, sc.followup_months, sc.accrual_months) == (0.1, 24, 12)
    assert sc.pseudoprogression_rate == 0.3
    assert sc.therapies["PRRT"].sensitive_fraction == 0.7
    assert sc.therapies["SSA"].kill_rate == 0.2
    assert sc.post_progression.growth_reduction == 0.0
    # the preset itself is unchanged
    assert SCENARIOS["prrt"].death_link == 1.0
    assert SCENARIOS["prrt"].therapies["PRRT"].sensitive_fraction == 0.65


def test_unknown_parameter_names_it_and_lists_valid_ones() -> None:
    with pytest.raises(ConfigError, match="unknown simulation parameter 'noise'") as err:
        get_scenario("ssa", noise=0.1)
    assert "noise_cv" in str(err.value) and "death_link" in str(err.value)
    with pytest.raises(ConfigError, match="unknown therapy parameter 'kill'"):
        get_scenario("ssa", prrt__kill=0.1)
    with pytest.raises(ConfigError, match="class in"):
        get_scenario("ssa", chemo2__kill_rate=0.1)
    with pytest.raises(ConfigError, match="unknown scenario 'nets'"):
        get_scenario("nets")


@pytest.mark.parametrize(
    ("override", "where"),
    [
        ({"noise_cv": 3.0}, "noise_cv"),
        ({"missed_visit_rate": -0.1}, "missed_visit_rate"),
        ({"prrt__sensitive_fraction": 1.5}, "prrt__sensitive_fraction = 1.5"),
        ({"post__kill_rate": -1}, "post__kill_rate = -1"),
        ({"first_line": {"XYZ": 1.0}}, "first_line = {'XYZ': 1.0}: unknown therapy class"),
        ({"first_line": {"SSA": 0.0}}, "first_line = {'SSA': 0.0}: needs at least one positive"),
        ({"next_line_delay_days": (10, 5)}, "next_line_delay_days = (10, 5)"),
        ({"sst_pet_schedule": "weekly"}, "sst_pet_schedule"),
        ({"start_date": "notadate"}, "start_date = 'notadate': must be an ISO date"),
        ({"start_date": "2020-13-01"}, "start_date = '2020-13-01': must be an ISO date"),
        ({"start_date": "1950-06-01"}, "start_date = '1950-06-01': must be on or after 1990"),
        ({"start_date": 20200101}, "start_date = 20200101"),
        ({"lesion_sites": {"brain": 1}}, "lesion_sites = {'brain': 1}: unknown site(s) ['brain']"),
        ({"lesion_sites": {"liver": -1}}, "lesion_sites = {'liver': -1}: weights must be >= 0"),
        ({"primary_sites": {"brain": 1}}, "primary_sites = {'brain': 1}: unknown site(s)"),
        ({"primary_sites": {"pancreas": 0}}, "primary_sites = {'pancreas': 0}: needs at least"),
        ({"followup_months": 1e5}, "parameters: the data cut-off"),
    ],
)
def test_invalid_values(override: dict[str, object], where: str) -> None:
    # one message naming the parameter and the value given (never the whole scenario)
    with pytest.raises(ConfigError, match="invalid simulation parameter") as err:
        get_scenario("mixed", **override)  # type: ignore[arg-type]
    assert where in str(err.value)
    assert "description" not in str(err.value) and "\n" not in str(err.value)
    # the same error from the simulator itself, before any simulation
    with pytest.raises(ConfigError, match="invalid simulation parameter"):
        simulate_cohort(5, 1, scenario="mixed", **override)


def test_start_date_as_text_or_date() -> None:
    text = simulate_cohort(8, 2, start_date="2020-03-01", accrual_months=1)
    assert get_scenario("ssa", start_date=dt.date(2020, 3, 1)).start_date == "2020-03-01"
    assert get_scenario("ssa", start_date=pd.Timestamp("2020-03-01")).start_date == "2020-03-01"
    as_date = simulate_cohort(8, 2, start_date=dt.date(2020, 3, 1), accrual_months=1)
    pd.testing.assert_frame_equal(text.lines, as_date.lines)
    starts = text.lines["start_date"]
    assert starts.min() >= pd.Timestamp("2020-03-01")
    assert starts.max() <= pd.Timestamp("2020-04-01")
    with pytest.raises(ConfigError, match="without a time of day"):
        get_scenario("ssa", start_date=pd.Timestamp("2020-03-01 10:30"))


def test_site_overrides_are_used() -> None:
    c = simulate_cohort(30, 5, scenario="mixed", lesion_sites={"lymph_node": 1.0})
    assert c.warnings.empty and c.attrition.empty
    baseline_ct = c.lesions[c.lesions["lesion_id"].str.startswith("L")]
    assert set(baseline_ct["site"]) == {"lymph_node"}
    c = simulate_cohort(30, 5, primary_sites={"appendix": 1.0, "thymus": 0.0})
    assert set(c.patients["primary_site"]) == {"appendix"}


def test_extreme_new_lesion_link_does_not_overflow() -> None:
    c = simulate_cohort(20, 1, new_lesion_growth_link=100.0)
    assert c.warnings.empty and c.lesions["role"].eq("new").any()


def test_parse_overrides() -> None:
    got = parse_overrides(
        [
            "death_link=0",
            "noise_cv = 0.1",
            "prrt.kill_rate=0.2",
            "sst_pet_schedule=fixed",
            "start_date=2020-01-01",
            "lesion_sites={liver = 0.7, lymph_node = 0.3}",
            "next_line_delay_days=[30, 60]",
            "SSA={kill_rate = 0.1, growth_reduction = 2.0}",
            "death_link=0.5",
        ]
    )
    assert got == {
        "death_link": 0.5,
        "noise_cv": 0.1,
        "prrt.kill_rate": 0.2,
        "sst_pet_schedule": "fixed",
        "start_date": dt.date(2020, 1, 1),
        "lesion_sites": {"liver": 0.7, "lymph_node": 0.3},
        "next_line_delay_days": [30, 60],
        "SSA__kill_rate": 0.1,
        "SSA__growth_reduction": 2.0,
    }
    sc = get_scenario("mixed", **got)
    assert sc.start_date == "2020-01-01" and sc.next_line_delay_days == (30, 60)
    assert sc.therapies["SSA"].growth_reduction == 2.0 and sc.therapies["PRRT"].kill_rate == 0.2
    for bad in ("death_link", "=1", " = 2"):
        with pytest.raises(ConfigError, match="--set expects key=value"):
            parse_overrides([bad])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_patients": 0, "seed": 1}, "n_patients must be a whole number >= 1"),
        ({"n_patients": 2.5, "seed": 1}, "n_patients must be a whole number >= 1"),
        ({"n_patients": 3, "seed": -1}, "seed must be a whole number >= 0"),
        ({"n_patients": 3, "seed": True}, "seed must be a whole number >= 0"),
    ],
)
def test_bad_size_or_seed(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        simulate_cohort(**kwargs)  # type: ignore[arg-type]
