"""Scenario parameter sets: presets, overrides, and the errors for bad overrides."""

from __future__ import annotations

import pytest

from netsurv.errors import ConfigError
from netsurv.simulate import SCENARIOS, get_scenario, list_scenarios, simulate_cohort


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
        ({"prrt__sensitive_fraction": 1.5}, "therapies.PRRT.sensitive_fraction"),
        ({"first_line": {"XYZ": 1.0}}, "unknown therapy class"),
        ({"next_line_delay_days": (10, 5)}, "next_line_delay_days"),
        ({"sst_pet_schedule": "weekly"}, "sst_pet_schedule"),
    ],
)
def test_invalid_values(override: dict[str, object], where: str) -> None:
    with pytest.raises(ConfigError, match="invalid simulation parameter") as err:
        get_scenario("mixed", **override)  # type: ignore[arg-type]
    assert where in str(err.value)


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
