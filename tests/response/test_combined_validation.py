"""Bad combined criteria: each a ConfigError naming the field and the fix."""

from __future__ import annotations

import dataclasses
import re

import pytest

import netsurv as ns

RECIST = ns.criteria.RECIST_1_1
SSTV = ns.criteria.SSTR_VOLUME


@pytest.mark.parametrize(
    ("components", "kwargs", "message"),
    [
        (
            (RECIST,),
            {},
            "combined criterion 'x': components needs at least two criteria, got 1 "
            "(['recist1.1']); use a single criterion directly",
        ),
        (
            (RECIST, SSTV, RECIST),
            {},
            "combined criterion 'x': components repeats ['recist1.1']: each component once",
        ),
        (
            (RECIST, dataclasses.replace(ns.criteria.RECIST_10, name="r10")),
            {},
            "combined criterion 'x': components 'recist1.1' and 'r10' both read diameter on "
            "CT/MRI: components must differ in modality or measure",
        ),
        (
            (RECIST, SSTV),
            {"window_days": 0},
            "combined criterion 'x': window_days must be a whole number of days > 0, got 0",
        ),
        (
            (RECIST, SSTV),
            {"window_days": -7},
            "combined criterion 'x': window_days must be a whole number of days > 0, got -7",
        ),
        (
            (RECIST, SSTV),
            {"window_days": 10.5},
            "combined criterion 'x': window_days must be a whole number of days > 0, got 10.5",
        ),
        (
            (RECIST, SSTV),
            {"anchor": "choi"},
            "combined criterion 'x': anchor must name a component, one of ['recist1.1', "
            "'sstv']; got 'choi'",
        ),
        (
            (RECIST, SSTV),
            {"progression": "first"},
            "combined criterion 'x': progression must be one of ['any', 'all', 'anchor'], got "
            "'first'",
        ),
        (
            (RECIST, SSTV),
            {"response": "best"},
            "combined criterion 'x': response must be one of ['all', 'any', 'anchor'], got 'best'",
        ),
        (
            (RECIST, SSTV, ns.criteria.PERCIST_1_0, ns.criteria.CHOI, ns.criteria.READER),
            {},
            "combined criterion 'x': components takes at most 4 criteria, got 5",
        ),
    ],
)
def test_bad_combined_criteria(components: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(ns.ConfigError, match="^" + re.escape(message)):
        ns.criteria.combine(*components, name="x", **kwargs)


def test_pooled_modalities_hint() -> None:
    """Two criteria on the same modality and measure: the message shows how to pool them."""
    ct = dataclasses.replace(RECIST, name="ct", modality=("CT",))
    ct_mri = dataclasses.replace(RECIST, name="ct_mri")
    with pytest.raises(ns.ConfigError, match=re.escape("modality=('CT', 'MRI'))")):
        ns.criteria.combine(ct, ct_mri, name="x")


def test_nested_and_non_criterion_components() -> None:
    inner = ns.criteria.combine(RECIST, SSTV, name="inner")
    with pytest.raises(ns.ConfigError, match="components\\[0\\] 'inner' is itself combined"):
        ns.criteria.combine(inner, ns.criteria.PERCIST_1_0, name="x")
    with pytest.raises(ns.ConfigError, match="must be Criterion values"):
        ns.criteria.CombinedCriterion(name="x", components=("recist1.1", "sstv"))  # type: ignore[arg-type]
    with pytest.raises(ns.ConfigError, match="unknown criterion 'nope'"):
        ns.criteria.combine("recist1.1", "nope", name="x")


def test_same_modality_different_measure_is_allowed() -> None:
    """SST-PET volume and SST-PET SUVmax read different measures on the same scans."""
    suv = dataclasses.replace(SSTV, name="sst_suv", measure="suv_max", aggregation="max")
    c = ns.criteria.combine(SSTV, suv, name="x")
    assert c.modalities == ("SST-PET",)


def test_grid_keys_of_a_combined_criterion() -> None:
    """Component fields are spelled '<component>.<field>' (component names may hold dots)."""
    both = ns.criteria.combine(RECIST, SSTV, name="ct+sst")
    variants = ns.criteria.grid(
        both,
        **{"recist1.1.progression_threshold": [0.1, 0.2], "window_days": [28, 42]},
    )
    assert [(v.component("recist1.1").progression_threshold, v.window_days) for v in variants] == [
        (0.1, 28),
        (0.1, 42),
        (0.2, 28),
        (0.2, 42),
    ]
    assert {v.component("sstv") for v in variants} == {SSTV}
    for bad in ("sstv.no_such_field", "choi.response_threshold", "sstv.name", "components"):
        with pytest.raises(
            ns.ConfigError, match=re.escape(f"grid: unknown or fixed field(s) ['{bad}']")
        ):
            ns.criteria.grid(both, **{bad: [1]})
    with pytest.raises(ns.ConfigError, match="window_days must be a whole number"):
        ns.criteria.grid(both, window_days=[0])
    with pytest.raises(ns.ConfigError, match="response_threshold must be a decrease"):
        ns.criteria.grid(both, **{"sstv.response_threshold": [40]})
    with pytest.raises(
        ns.ConfigError,
        match=re.escape("grid: unknown or fixed field(s) ['sstv.response_threshold']"),
    ):
        ns.criteria.grid(RECIST, **{"sstv.response_threshold": [-0.2]})
