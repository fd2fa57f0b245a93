"""The multi-modal presets, worked by hand, and the new-lesion components they use.

Baselines: CT on day -7 (liver target T1 50 mm), SST-PET on day -5 (V1 100 mL), FDG-PET on day
-6 (F1 SULpeak 6); follow-up scans on days 84 (CT) and 90 (PET).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from resp_build import Case

import netsurv as ns


def pet(**extra: Any) -> dict[str, Any]:
    return {"long_axis_mm": None, **extra}


def cohort() -> ns.Cohort:
    c = Case()
    for pid, ct, sst, fdg in (
        # a new CT lesion; SST-TV and RECIST stable
        ("A", {"T1": 50, "X1": 12}, {"V1": pet(volume_ml=100)}, {"F1": pet(sul_peak=6)}),
        # a new SST-avid lesion only
        (
            "B",
            {"T1": 50},
            {"V1": pet(volume_ml=100), "X2": pet(volume_ml=3)},
            {"F1": pet(sul_peak=6)},
        ),
        # a new FDG-avid lesion only
        (
            "C",
            {"T1": 50},
            {"V1": pet(volume_ml=100)},
            {"F1": pet(sul_peak=6), "X3": pet(sul_peak=4)},
        ),
        # CT SD (-10 %), SST-TV PR (-50 %)
        ("D", {"T1": 45}, {"V1": pet(volume_ml=50)}, {"F1": pet(sul_peak=6)}),
    ):
        c.scan(pid, -7, T1=50)
        c.scan(pid, -6, modality="FDG-PET", F1=pet(sul_peak=6))
        c.scan(pid, -5, modality="SST-PET", V1=pet(volume_ml=100))
        c.scan(pid, 84, **ct)
        c.scan(pid, 90, modality="SST-PET", **sst)
        c.scan(pid, 90, modality="FDG-PET", **fdg)
    # E: disease seen on SST-PET only (a lesion-free baseline CT), a new CT lesion on day 84
    c.scan("E", -7)
    c.scan("E", -5, modality="SST-PET", V1=pet(volume_ml=100))
    c.scan("E", 84, X1=15)
    c.scan("E", 90, modality="SST-PET", V1=pet(volume_ml=100))
    return c.build()


def follow_up(tp: ns.response.Timepoints, name: str) -> dict[str, tuple[str, int]]:
    t = tp.table[(tp.table["criterion"] == name) & (tp.table["role"] == "follow_up")]
    return {r.patient_id: (r.response, r.days_from_start) for r in t.itertuples()}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # SST-PET time points (day 90); a CT new lesion (day 84) is PD, dated day 84
        (
            "sstv+new_lesions",
            {"A": ("PD", 84), "B": ("PD", 90), "C": ("SD", 90), "D": ("PR", 90), "E": ("PD", 84)},
        ),
        # CT time points; a new SST-avid lesion (day 90) is PD; the response is RECIST's
        (
            "recist1.1+sst_new_lesions",
            {"A": ("PD", 84), "B": ("PD", 90), "C": ("SD", 84), "D": ("SD", 84)},
        ),
        # Choi: the -10 % of D is a Choi PR already; PD by Choi only (B's SST lesion ignored)
        ("choi+sstv", {"A": ("PD", 84), "B": ("SD", 84), "C": ("SD", 84), "D": ("PR", 84)}),
        # a new FDG-avid lesion (day 90) is PD
        (
            "recist1.1+fdg_new_lesions",
            {"A": ("PD", 84), "B": ("SD", 84), "C": ("PD", 90), "D": ("SD", 84)},
        ),
    ],
)
def test_combined_presets(name: str, expected: dict[str, tuple[str, int]]) -> None:
    tp = ns.classify(cohort(), ns.criteria.get(name))
    assert follow_up(tp, name) == expected


def test_new_lesion_components_read_every_line() -> None:
    """``ct_new_lesions`` reads E although its baseline CT shows no lesion (RECIST sets the
    line aside); it is PD only on a new lesion."""
    tp = ns.classify(cohort(), ["ct_new_lesions", "recist1.1"])
    assert follow_up(tp, "ct_new_lesions") == {
        "A": ("PD", 84),
        "B": ("SD", 84),
        "C": ("SD", 84),
        "D": ("SD", 84),
        "E": ("PD", 84),
    }
    att = tp.attrition[tp.attrition["criterion"] == "recist1.1"]
    assert list(att["row_key"]) == ["E / L1"]
    assert ns.criteria.CT_NEW_LESIONS.new_lesions_only
    assert not ns.criteria.RECIST_1_1.new_lesions_only


def test_every_combined_preset_cites_a_source_and_is_listed() -> None:
    table = ns.criteria.list().set_index("name")
    for name, crit in ns.criteria.COMBINED_PRESETS.items():
        assert crit.source and name in table.index
        assert table.loc[name, "measure"] == "combined"
    assert len(table) == len(ns.criteria.PRESETS) + len(ns.criteria.COMBINED_PRESETS)


def test_combined_presets_run_on_the_demo() -> None:
    demo = ns.load_demo()
    tp = ns.classify(demo, list(ns.criteria.COMBINED_PRESETS))
    fu = tp.table[tp.table["role"] == "follow_up"]
    counts = fu.groupby("criterion")["response"].value_counts().unstack(fill_value=0)
    assert set(counts.index) == set(ns.criteria.COMBINED_PRESETS)
    assert (counts["PD"] > 0).all()
    assert isinstance(counts, pd.DataFrame)
