"""The ``[lesions]`` config section and the organ-level criterion fields in configs."""

from __future__ import annotations

import pytest

from netsurv.config import Config


def test_lesions_criteria_must_be_the_runs_and_fields_are_checked_by_key() -> None:
    with pytest.raises(ValueError, match=r"lesions.criteria\[0\]: 'nope' is not among"):
        Config.model_validate(
            {"criteria": {"presets": ["recist1.1"]}, "lesions": {"criteria": ["nope"]}}
        )
    bad = {"base": "recist1.1", "name": "x", "oligoprogression": [0, 2]}
    with pytest.raises(
        ValueError, match=r"criteria.variants\[0\]: criterion 'x': oligoprogression"
    ):
        Config.model_validate({"criteria": {"presets": ["recist1.1"], "variants": [bad]}})
    with pytest.raises(ValueError, match="level"):
        Config.model_validate({"lesions": {"level": "patient"}})


def test_organ_fields_from_toml_values() -> None:
    variant = {
        "base": "recist1.1",
        "name": "organs",
        "organ_thresholds": {"liver": [-0.2, 0.2]},
        "oligoprogression": [5, 3],
        "sites": ["liver", "bone"],
        "new_lesions": "anywhere",
    }
    cfg = Config.model_validate(
        {
            "criteria": {"presets": ["recist1.1"], "variants": [variant]},
            "lesions": {"enabled": True},
        }
    )
    crit = cfg.build_criteria()[1]
    assert crit.organ_thresholds == (("liver", -0.2, 0.2),)
    assert (crit.oligoprogression, crit.sites, crit.new_lesions) == (
        (5, 3),
        ("liver", "bone"),
        "anywhere",
    )
