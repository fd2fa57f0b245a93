"""Tracers, modality changes and multi-day visits, worked by hand.

RECIST 1.1 on CT (target T1 50 mm at baseline: 50 SD, 62 PD), SST-PET tumour volume (V1 100 mL:
100 SD, 50 PR, 130 PD).  Baseline CT day -7, SST-PET day -5; the line starts on day 0.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from resp_build import Case, date

import netsurv as ns

GA, CU = "68Ga-DOTATATE", "64Cu-DOTATATE"


def vol(v: float) -> dict[str, Any]:
    return {"long_axis_mm": None, "volume_ml": float(v)}


def fu(tp: ns.response.Timepoints, name: str, *cols: str) -> list[tuple[Any, ...]]:
    t = tp.table[(tp.table["criterion"] == name) & (tp.table["role"] == "follow_up")]
    return [tuple(r) for r in t[list(cols)].itertuples(index=False, name=None)]


def tracer_case() -> Case:
    """SST-PET on days -5 (Ga), 90 (Ga), 170 (Cu) and 250 (Ga again); CT every 84 days."""
    c = Case()
    c.scan("P1", -7, T1=50)
    c.scan("P1", -5, modality="SST-PET", tracer=GA, V1=vol(100))
    for d in (84, 168, 252):
        c.scan("P1", d, T1=50)
    c.scan("P1", 90, modality="SST-PET", tracer=GA, V1=vol(100))
    c.scan("P1", 170, modality="SST-PET", tracer=CU, V1=vol(50))
    c.scan("P1", 250, modality="SST-PET", tracer=GA, V1=vol(130))
    return c


def test_tracer_switch_makes_volume_criteria_ne_from_the_switch_on() -> None:
    """The switch to 64Cu on day 170 (scan A07): sstv NE on days 170 and 250 (even back on Ga);
    a validation warning names patient, line and scans; the attrition lists the line; in the
    combined criterion sstv is NE there, so the time points are RECIST's (SD)."""
    cohort = tracer_case().build()
    w = cohort.warnings
    assert list(w["rule"]) == ["tracer_switch"] and w.loc[0, "row_key"] == "P1 / A07"
    assert w.loc[0, "message"] == (
        "line L1: tracer 64Cu-DOTATATE differs from the baseline SST-PET scan A02 "
        "(68Ga-DOTATATE); SUV- and volume-based criteria are NE on this line from this scan on"
    )
    both = ns.criteria.combine("recist1.1", "sstv", name="c")
    tp = ns.classify(cohort, ["sstv", both, "sst_new_lesions"])
    assert fu(tp, "sstv", "days_from_start", "response", "reason") == [
        (90, "SD", "stable"),
        (170, "NE", "not_comparable"),
        (250, "NE", "not_comparable"),
    ]
    assert fu(tp, "c", "days_from_start", "response", "sstv.response") == [
        (84, "SD", "SD"),
        (168, "SD", "NE"),
        (252, "SD", "NE"),
    ]
    # the new-lesion component compares no values: no switch for it
    assert [r for _, r in fu(tp, "sst_new_lesions", "days_from_start", "response")] == ["SD"] * 3
    att = tp.attrition.set_index("criterion")["reason"]
    expected = (
        "tracer changed from 68Ga-DOTATATE (baseline A02) to 64Cu-DOTATATE on A07 (2020-07-03): "
        "volume is not compared across tracers; NE on this line from that scan on"
    )
    assert att["sstv"] == expected and att["c"] == "component sstv: " + expected
    assert "sst_new_lesions" not in att.index


def test_unknown_tracer_is_a_validation_error() -> None:
    c = Case()
    c.scan("P1", -7, T1=50)
    c.scan("P1", -5, modality="SST-PET", tracer="68Ga-DOTA", V1=vol(100))
    with pytest.raises(ns.ValidationError) as err:
        c.build()
    f = err.value.failures
    row = f[f["column"] == "tracer"].iloc[0]
    assert (row["table"], row["row_key"], row["rule"], row["value"]) == (
        "assessments",
        "P1 / A02",
        "allowed_values",
        "68Ga-DOTA",
    )


def test_modality_change_is_an_option() -> None:
    """Baseline CT, MRI on day 84, CT on day 168: RECIST allows the change (default); with
    modality_change='ne' the criterion is NE from the MRI on, listed in the attrition."""
    c = Case()
    c.scan("P1", -7, T1=50)
    c.scan("P1", 84, modality="MRI", T1=50)
    c.scan("P1", 168, T1=62)
    strict = ns.criteria.grid("recist1.1", modality_change=["ne"])[0]
    tp = ns.classify(c.build(), ["recist1.1", strict])
    assert fu(tp, "recist1.1", "response") == [("SD",), ("PD",)]
    assert fu(tp, strict.name, "response", "reason") == [
        ("NE", "not_comparable"),
        ("NE", "not_comparable"),
    ]
    assert tp.attrition.loc[0, "reason"] == (
        "modality changed from CT (baseline A01) to MRI on A02 (2020-04-08), "
        "modality_change='ne'; NE on this line from that scan on"
    )
    with pytest.raises(ns.ConfigError, match="modality_change must be one of"):
        ns.criteria.grid("recist1.1", modality_change=["sometimes"])


def visit_case() -> Case:
    """Single-modality visits spanning days.

    * V1: baseline visit CT chest day -9 (T2 40) and CT abdomen day -7 (T1 50): one baseline,
      sum 90.  Follow-up visit: chest day 80 shows a new lesion X1, abdomen day 84 measures T1
      50, T2 40: PD by the new lesion, dated day 80 (the scan that first shows it), A03.
    * V2: baseline CT day -7 (T1 50, T2 40).  Follow-up visit: day 80 T1 60, day 84 T2 50:
      sum 110 (+22 %, +20 mm): PD by growth, dated day 84 (the visit's last scan).
    * V3: as V2 but both scans of the visit show the growth only on day 80's T1 (62) and the
      day-84 scan T2 40: sum 102 (+13 %): SD on day 84.
    """
    c = Case()
    c.scan("V1", -9, T2=40, visit="b")
    c.scan("V1", -7, T1=50, visit="b")
    c.scan("V1", 80, X1=12, visit="f")
    c.scan("V1", 84, T1=50, T2=40, visit="f")
    for pid, t1, t2 in (("V2", 60, 50), ("V3", 62, 40)):
        c.scan(pid, -7, T1=50, T2=40)
        c.scan(pid, 80, T1=t1, visit="f")
        c.scan(pid, 84, T2=t2, visit="f")
    return c


def test_visits_are_one_time_point_dated_by_the_fda_rule() -> None:
    cohort = visit_case().build()
    assert cohort.warnings.empty and cohort.attrition.empty  # the baseline visit is whole
    tp = ns.classify(cohort, "recist1.1")
    cols = ("patient_id", "assessment_id", "days_from_start", "value", "response", "reason")
    assert fu(tp, "recist1.1", *cols) == [
        ("V1", "A03", 80, 90.0, "PD", "new_lesion"),
        ("V2", "A03", 84, 110.0, "PD", "sum_pd"),
        ("V3", "A03", 84, 102.0, "SD", "stable"),
    ]
    base = tp.table[tp.table["role"] == "baseline"]
    assert list(base["value"]) == [90.0, 90.0, 90.0]
    # the matrix dates them the same way, and so do PFS events
    mat = ns.classify_matrix(cohort, "recist1.1")
    first = mat.first("PD")["recist1.1"]
    assert first.dropna().to_dict() == {("V1", "L1"): date(80), ("V2", "L1"): date(84)}
    assert pd.isna(first[("V3", "L1")])
    ep = ns.derive_endpoints(cohort, tp, endpoints=["PFS"]).table.set_index("patient_id")
    assert ep.loc["V1", "date"] == date(80)
    assert ep.loc["V2", "date"] == date(84)


def test_a_component_visit_dates_the_combined_pd() -> None:
    """CT on day 84 SD; an SST-PET visit on days 88 (new lesion X1) and 95 (V1 100 mL): the
    SST-PET visit pairs with the CT (by its last scan, 11 days) and its PD is dated day 88."""
    c = Case()
    c.scan("W1", -7, T1=50)
    c.scan("W1", -5, modality="SST-PET", V1=vol(100))
    c.scan("W1", 84, T1=50)
    c.scan("W1", 88, modality="SST-PET", visit="s", X1=vol(3))
    c.scan("W1", 95, modality="SST-PET", visit="s", V1=vol(100))
    cohort = c.build()
    both = ns.criteria.combine("recist1.1", "sstv", name="c")
    tp = ns.classify(cohort, both)
    assert fu(tp, "c", "assessment_id", "days_from_start", "response", "decided_by") == [
        ("A04", 88, "PD", "sstv")
    ]
    mat = ns.classify_matrix(cohort, both)
    assert mat.first("PD")["c"].tolist() == [date(88)]
