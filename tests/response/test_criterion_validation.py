"""Validation of :class:`netsurv.criteria.Criterion`: every value and combination the validator
rejects (each message names the field), percentages typed as fractions, numpy numbers, recorded
reads with options they would ignore, and the presets, which must all construct."""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

import numpy as np
import pytest

import netsurv as ns
from netsurv.criteria import Criterion
from netsurv.criteria.fields import MAX_INCREASE, READER_IGNORES

CHOICES = (
    "measure",
    "lesion_set",
    "aggregation",
    "response_reference",
    "progression_reference",
    "composite",
    "cr_rule",
    "missing",
    "cr_then_pr",
    "unresolved_pd",
)
FLAGS = (
    "response_inclusive",
    "progression_inclusive",
    "new_lesion_pd",
    "nontarget_pd",
    "sticky_pr",
    "confirm_response",
    "confirm_pd",
)

# (case id, constructor arguments, field(s) the message must name, other text it must hold)
INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    ("name empty", {"name": " "}, "name", "non-empty string"),
    ("name not str", {"name": 3}, "name", "non-empty string"),
    ("label", {"label": 1}, "label", "must be a string"),
    ("source", {"source": None}, "source", "must be a string"),
    ("modality str", {"modality": "CT"}, "modality", "non-empty tuple"),
    ("modality empty", {"modality": ()}, "modality", "non-empty tuple"),
    ("modality unknown", {"modality": ("CT", "XR")}, "modality", "unknown value(s) ['XR']"),
    ("sites unknown", {"sites": ("moon",)}, "sites", "unknown value(s) ['moon']"),
    ("sites empty", {"sites": ()}, "sites", "non-empty tuple"),
    *[(f"{f} choice", {f: "nonsense"}, f, "must be one of") for f in CHOICES],
    *[(f"{f} flag", {f: 1}, f, "True or False") for f in FLAGS],
    ("max_lesions 0", {"max_lesions": 0}, "max_lesions", ">= 1"),
    ("max_lesions fraction", {"max_lesions": 2.5}, "max_lesions", "whole number"),
    ("max_lesions bool", {"max_lesions": True}, "max_lesions", "whole number"),
    ("max_per_organ", {"max_per_organ": "2"}, "max_per_organ", "whole number"),
    ("confirm_min_days 0", {"confirm_min_days": 0}, "confirm_min_days", ">= 1"),
    ("confirm_min_days None", {"confirm_min_days": None}, "confirm_min_days", "whole number"),
    ("confirm_max_ne", {"confirm_max_ne": -1}, "confirm_max_ne", ">= 0"),
    ("sd_min_days", {"sd_min_days": 41.5}, "sd_min_days", "whole number"),
    ("follow_up_scans", {"follow_up_scans": 0}, "follow_up_scans", ">= 1"),
    # relative changes: a fraction, not a percentage, with the right sign
    ("response percent", {"response_threshold": -30}, "response_threshold", "-0.30"),
    ("response positive", {"response_threshold": 0.3}, "response_threshold", "-0.30?"),
    ("response zero", {"response_threshold": 0.0}, "response_threshold", "-1 <= x < 0"),
    ("response text", {"response_threshold": "-0.3"}, "response_threshold", "a number"),
    ("response nan", {"response_threshold": math.nan}, "response_threshold", "finite"),
    ("progression percent", {"progression_threshold": 20}, "progression_threshold", "0.20"),
    ("progression negative", {"progression_threshold": -0.2}, "progression_threshold", "0.20?"),
    ("progression zero", {"progression_threshold": 0}, "progression_threshold", "0 < x <= 2"),
    ("progression above max", {"progression_threshold": 2.5}, "progression_threshold", "0 < x"),
    ("progression bool", {"progression_threshold": True}, "progression_threshold", "a number"),
    ("progression inf", {"progression_threshold": math.inf}, "progression_threshold", "finite"),
    ("minor percent", {"minor_response_threshold": -13}, "minor_response_threshold", "-0.13"),
    (
        "minor not between",
        {"minor_response_threshold": -0.4},
        "minor_response_threshold",
        "between response_threshold (-0.3) and 0",
    ),
    (
        "minor without response",
        {"minor_response_threshold": -0.13, "response_threshold": None},
        "minor_response_threshold",
        "needs a response_threshold",
    ),
    (
        "density percent",
        {"composite": "size_or_density", "density_response_threshold": -15},
        "density_response_threshold",
        "-0.15",
    ),
    (
        "density increase",
        {"composite": "size_or_density", "density_response_threshold": 0.15},
        "density_response_threshold",
        "decrease",
    ),
    (
        "density missing",
        {"composite": "size_and_density"},
        "density_response_threshold",
        "is required",
    ),
    (
        "density without composite",
        {"density_response_threshold": -0.15},
        "density_response_threshold",
        "composite is 'size'",
    ),
    (
        "composite without response",
        {
            "composite": "size_or_density",
            "density_response_threshold": -0.15,
            "response_threshold": None,
        },
        "composite",
        "needs a response_threshold",
    ),
    (
        "composite on density",
        {
            "composite": "size_or_density",
            "density_response_threshold": -0.15,
            "measure": "density",
            "cr_rule": "zero",
        },
        "composite",
        "size measure",
    ),
    # absolute amounts
    *[
        (f"{f} negative", {f: -1.0}, f, ">= 0.0")
        for f in (
            "response_min_abs",
            "progression_min_abs",
            "progression_abs_sufficient",
            "too_small_mm",
            "node_cr_mm",
            "confirm_pd_min_abs",
            "rounding_mm",
        )
    ],
    ("node_cr_mm None", {"node_cr_mm": None}, "node_cr_mm", "is required"),
    ("rounding_mm 0", {"rounding_mm": 0}, "rounding_mm", "> 0 or None"),
    ("progression_min_abs text", {"progression_min_abs": "5"}, "progression_min_abs", "number"),
    # combinations
    ("largest without k", {"lesion_set": "largest"}, "max_lesions", "is required"),
    ("recist cr on volumes", {"measure": "volume"}, "cr_rule", "needs a diameter measure"),
    (
        "reappearance value",
        {"reappearance_after_cr_pd": "always"},
        "reappearance_after_cr_pd",
        "True, False or 'confirmed'",
    ),
    (
        "reappearance without cr",
        {"reappearance_after_cr_pd": True, "cr_rule": "none"},
        "reappearance_after_cr_pd",
        "needs a CR class",
    ),
    (
        "classifies nothing",
        {
            "response_threshold": None,
            "progression_threshold": None,
            "cr_rule": "none",
            "new_lesion_pd": False,
            "nontarget_pd": False,
        },
        "response_threshold",
        "classifies nothing",
    ),
    # iRECIST confirmation window
    ("window length", {"confirm_pd_window": (28,)}, "confirm_pd_window", "(min_days, max_days"),
    ("window type", {"confirm_pd_window": 28}, "confirm_pd_window", "(min_days, max_days"),
    ("window min", {"confirm_pd_window": (-1, 56)}, "confirm_pd_window", "min_days must be >= 0"),
    ("window min float", {"confirm_pd_window": (28.5, 56)}, "confirm_pd_window", "whole number"),
    ("window max", {"confirm_pd_window": (28, "56")}, "confirm_pd_window", "max_days must be"),
    ("window order", {"confirm_pd_window": (28, 14)}, "confirm_pd_window", ">= min_days (28)"),
]


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [pytest.param(kw, f, t, id=case) for case, kw, f, t in INVALID],
)
def test_invalid_values_are_rejected_naming_the_field(
    kwargs: dict[str, Any], field: str, text: str
) -> None:
    kwargs = {"name": "bad", **kwargs}
    with pytest.raises(ns.ConfigError) as err:
        Criterion(**kwargs)
    msg = str(err.value)
    assert re.search(rf"\b{re.escape(field)}\b", msg), msg
    assert text in msg, msg


def test_every_choice_and_flag_field_is_covered() -> None:
    """The lists above follow the dataclass: a new Literal or bool field must be added."""
    hints = {f.name: str(f.type) for f in dataclasses.fields(Criterion)}
    literal_types = (
        "Measure",
        "LesionSet",
        "Aggregation",
        "Reference",
        "Composite",
        "CRRule",
        "MissingRule",
        "CRThenPR",
        "UnresolvedPD",
    )
    assert sorted(f for f, t in hints.items() if t in literal_types) == sorted(CHOICES)
    assert sorted(f for f, t in hints.items() if t == "bool") == sorted(FLAGS)
    assert [f for f, t in hints.items() if t == "Reappearance"] == ["reappearance_after_cr_pd"]


def test_percentages_are_rejected_with_the_fraction_suggested() -> None:
    with pytest.raises(ns.ConfigError) as err:
        Criterion(name="pct", progression_threshold=20)
    assert str(err.value) == (
        "criterion 'pct': progression_threshold must be an increase given as a fraction, "
        "0 < x <= 2 (0.20 = +20 %), got 20; did you mean 0.20 (20 %)?"
    )
    with pytest.raises(ns.ConfigError, match=r"response_threshold .* did you mean -0\.30 \(30 %\)"):
        Criterion(name="pct", response_threshold=-30)
    with pytest.raises(ns.ConfigError, match=r"did you mean 0\.73 \(73 %\)"):
        dataclasses.replace(ns.criteria.VOLUMETRIC_RECIST, progression_threshold=73)
    with pytest.raises(ns.ConfigError, match=r"progression_threshold"):
        ns.criteria.grid("recist1.1", progression_threshold=[10, 20])
    # the extremes of the accepted range
    assert Criterion(name="max", progression_threshold=MAX_INCREASE).progression_threshold == 2.0
    assert Criterion(name="all", response_threshold=-1).response_threshold == -1.0


def test_numpy_numbers_are_stored_as_python_numbers() -> None:
    variants = ns.criteria.grid(
        ns.criteria.RECIST_1_1,
        confirm_min_days=np.array([21, 28]),
        progression_threshold=np.array([0.1, 0.2], dtype=np.float32),
    )
    assert [v.name for v in variants] == [
        "recist1.1[confirm_min_days=21,progression_threshold=0.1]",
        "recist1.1[confirm_min_days=21,progression_threshold=0.2]",
        "recist1.1[confirm_min_days=28,progression_threshold=0.1]",
        "recist1.1[confirm_min_days=28,progression_threshold=0.2]",
    ]
    assert [(v.confirm_min_days, v.progression_threshold) for v in variants] == [
        (21, 0.1),
        (21, 0.2),
        (28, 0.1),
        (28, 0.2),
    ]
    for v in variants:
        assert type(v.confirm_min_days) is int and type(v.progression_threshold) is float
    c = Criterion(
        name="np",
        max_lesions=np.int32(3),
        lesion_set="largest",
        sd_min_days=np.float64(42.0),  # a whole number held as a float
        response_threshold=np.float64(-0.3),
        progression_min_abs=np.int64(5),
        sticky_pr=np.bool_(True),
        reappearance_after_cr_pd=np.bool_(False),
        confirm_pd_window=np.array([28, 56]),
    )
    assert (c.max_lesions, c.sd_min_days, c.progression_min_abs) == (3, 42, 5.0)
    assert type(c.max_lesions) is int and type(c.sd_min_days) is int
    assert type(c.response_threshold) is float and type(c.progression_min_abs) is float
    assert c.sticky_pr is True and c.reappearance_after_cr_pd is False
    assert c.confirm_pd_window == (28, 56) and type(c.confirm_pd_window[0]) is int
    # equal to the same criterion built from Python numbers
    assert c == Criterion(
        name="np",
        max_lesions=3,
        lesion_set="largest",
        sd_min_days=42,
        response_threshold=-0.3,
        progression_min_abs=5.0,
        sticky_pr=True,
        reappearance_after_cr_pd=False,
        confirm_pd_window=(28, 56),
    )


#: A value different from the default for each field a recorded read ignores (with what it
#: needs to pass the checks that come before the reader check).
READER_VALUES: dict[str, dict[str, Any]] = {
    "lesion_set": {"lesion_set": "all"},
    "sites": {"sites": ("liver",)},
    "max_lesions": {"max_lesions": 3},
    "max_per_organ": {"max_per_organ": 1},
    "aggregation": {"aggregation": "max"},
    "response_threshold": {"response_threshold": -0.5},
    "response_reference": {"response_reference": "nadir"},
    "response_inclusive": {"response_inclusive": False},
    "response_min_abs": {"response_min_abs": 0.8},
    "minor_response_threshold": {"minor_response_threshold": -0.13},
    "progression_threshold": {"progression_threshold": 0.3},
    "progression_reference": {"progression_reference": "baseline"},
    "progression_inclusive": {"progression_inclusive": False},
    "progression_min_abs": {"progression_min_abs": 3.0},
    "progression_abs_sufficient": {"progression_abs_sufficient": 1000.0},
    "progression_min_uln": {"progression_min_uln": 1.0},
    "density_response_threshold": {
        "density_response_threshold": -0.15,
        "composite": "size_or_density",
    },
    "composite": {"composite": "size_and_density", "density_response_threshold": -0.15},
    "new_lesion_pd": {"new_lesion_pd": False},
    "new_lesion_rule": {"new_lesion_rule": "as_recorded"},
    "progression_scope": {"progression_scope": "any_lesion"},
    "nontarget_pd": {"nontarget_pd": False},
    "cr_rule": {"cr_rule": "zero"},
    "node_cr_mm": {"node_cr_mm": 8.0},
    "missing": {"missing": "ne"},
    "too_small_mm": {"too_small_mm": 3.0},
    "rounding_mm": {"rounding_mm": 0.1},
    "sticky_pr": {"sticky_pr": True},
    "reappearance_after_cr_pd": {"reappearance_after_cr_pd": True},
    "confirm_pd": {"confirm_pd": True},
    "confirm_pd_window": {"confirm_pd_window": (28, None)},
    "confirm_pd_min_abs": {"confirm_pd_min_abs": 3.0},
    "unresolved_pd": {"unresolved_pd": "censor"},
    "modality_change": {"modality_change": "ne"},
    "organ_thresholds": {"organ_thresholds": {"liver": (-0.3, 0.2)}},
    "new_lesions": {"new_lesions": "anywhere"},
    "direction": {"direction": "increase"},
    "pair_window_days": {"pair_window_days": 10},
}


def test_reader_values_cover_every_ignored_field() -> None:
    assert sorted(READER_VALUES) == sorted(READER_IGNORES)


@pytest.mark.parametrize("field", READER_IGNORES)
def test_reader_rejects_options_it_would_ignore(field: str) -> None:
    with pytest.raises(ns.ConfigError) as err:
        Criterion(name="read", measure="reader", **READER_VALUES[field])
    msg = str(err.value)
    assert msg.startswith("criterion 'read': ")
    assert re.search(rf"\b{field}\b", msg) and "ignored by measure='reader'" in msg, msg


def test_reader_with_confirm_pd_explains_itself() -> None:
    with pytest.raises(ns.ConfigError) as err:
        dataclasses.replace(ns.criteria.IRECIST, name="iread", measure="reader")
    assert str(err.value).startswith(
        "criterion 'iread': confirm_pd is ignored by measure='reader', which takes the "
        "recorded assessments.reader_response as the time-point response; got confirm_pd=True "
        "(iRECIST confirmation needs measurements"
    )
    with pytest.raises(ns.ConfigError, match=r"'rd': lesion_set, sticky_pr are ignored"):
        Criterion(name="rd", measure="reader", lesion_set="all", sticky_pr=True)


def test_reader_keeps_the_options_it_uses() -> None:
    r = dataclasses.replace(
        ns.criteria.READER,
        name="read_conf",
        modality=("CT", "MRI", "SST-PET"),
        confirm_response=True,
        confirm_min_days=21,
        confirm_max_ne=0,
        confirm_max_sd=1,
        sd_min_days=56,
        cr_then_pr="pr",
        follow_up_scans=2,
    )
    assert r.confirm_min_days == 21 and r.cr_then_pr == "pr"
    # a RECIST criterion switched to the recorded read: every ignored field at its default
    assert dataclasses.replace(ns.criteria.RECIST_1_1, name="r", measure="reader").measure == (
        "reader"
    )


@pytest.mark.parametrize("name", list(ns.criteria.PRESETS))
def test_every_preset_constructs_and_round_trips(name: str) -> None:
    preset = ns.criteria.get(name)
    again = Criterion(**preset.to_dict())
    assert again == preset
    assert dataclasses.replace(preset, name=f"{name}_copy").name == f"{name}_copy"
    for field, value in preset.to_dict().items():  # stored as plain Python values
        assert not isinstance(value, np.generic), (name, field)
