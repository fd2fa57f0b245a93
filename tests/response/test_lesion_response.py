"""Lesion-level response, hand-worked: per-lesion changes vs baseline and vs the lesion's own
nadir, lesion classes, the lesions that drove a time-point response, combined criteria and the
attrition of lesions a lesion-level analysis cannot use."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from resp_build import Case, date, node, not_eval

import netsurv as ns


def lesion(lr: ns.response.LesionResponse, pid: str, day: int, lid: str) -> pd.Series:
    t = lr.table
    out = t[(t["patient_id"] == pid) & (t["date"] == date(day)) & (t["lesion_id"] == lid)]
    assert len(out) == 1, (pid, day, lid, len(out))
    return out.iloc[0]


def test_changes_and_classes_per_lesion() -> None:
    """Issue 17, precise rules: "Per-lesion classes use the criterion's relative cut-offs
    against the line's baseline (response) and the lesion's nadir over earlier scans including
    baseline (progression); the sum-level absolute rules (e.g. RECIST's 5 mm) do not apply per
    lesion. `disappeared`: non-nodal 0 mm; a lymph node < 10 mm short axis."

    T1 30 -> 15 -> 0 mm: -50 % (responding), then 0 mm (disappeared).  T2 20 -> 26 -> 20: +30 %
    vs its nadir 20 (progressing, although +6 mm is far from a sum-level rule), then back to
    20: 0 % vs nadir 20 (stable).  Node T3 short axis 16 -> 9 -> 8: < 10 mm (disappeared).
    """
    c = Case()
    c.scan("P1", -7, T1=30, T2=20, T3=node(25, 16))
    c.scan("P1", 56, T1=15, T2=26, T3=node(12, 9))
    c.scan("P1", 112, T1=0, T2=20, T3=node(11, 8))
    lr = ns.lesion_response(c.build(), "recist1.1")
    assert len(lr.table) == 9
    r = lesion(lr, "P1", 56, "T1")
    assert (r["pct_change_baseline"], r["lesion_class"]) == (pytest.approx(-50.0), "responding")
    r = lesion(lr, "P1", 56, "T2")
    assert r["nadir_value"] == 20
    assert (r["pct_change_nadir"], r["lesion_class"]) == (pytest.approx(30.0), "progressing")
    assert lesion(lr, "P1", 56, "T3")["lesion_class"] == "disappeared"
    assert lesion(lr, "P1", 56, "T3")["value"] == 9  # a node keeps its short axis
    assert lesion(lr, "P1", 112, "T1")["lesion_class"] == "disappeared"
    r = lesion(lr, "P1", 112, "T2")
    assert (r["nadir_value"], r["lesion_class"]) == (20, "stable")
    base = lesion(lr, "P1", -7, "T1")
    assert base["scan_role"] == "baseline" and base["lesion_class"] is None
    # the time-point response is the classifier's: sum 66 -> 50 (-24 %) SD
    assert lesion(lr, "P1", 56, "T1")["response"] == "SD"


def test_per_lesion_cutoffs_default_to_the_criterion_and_can_be_given() -> None:
    """Issue 17: "a lesion class ... with per-lesion cut-offs defaulting to the criterion's"."""
    c = Case()
    c.scan("P1", -7, T1=20, T2=40)
    c.scan("P1", 56, T1=23, T2=36)  # T1 +15 %, T2 -10 %
    cohort = c.build()
    assert lesion(ns.lesion_response(cohort, "recist1.1"), "P1", 56, "T1")["lesion_class"] == (
        "stable"
    )
    lr = ns.lesion_response(cohort, "recist1.1", progression_threshold=0.1)
    assert lesion(lr, "P1", 56, "T1")["lesion_class"] == "progressing"
    lr = ns.lesion_response(cohort, "liver3")  # -10 % response cut-off
    assert lesion(lr, "P1", 56, "T2")["lesion_class"] == "responding"


def test_drivers_of_the_time_point_response() -> None:
    """RECIST 1.1 (CRITERIA.md 1.4, 1.7): PD when "SOD - nadir >= 5 mm AND pct(SOD, nadir) >=
    20"; a new lesion is PD; PR when "pct(SOD, baseline) <= -30"; NE "if any TL is not
    assessed".  The lesions that drove each: the growing ones, the new one, the shrinking one,
    the unmeasured one."""
    c = Case()
    c.scan("SUM", -7, T1=20, T2=20)
    c.scan("SUM", 56, T1=30, T2=19)  # 49 vs 40: +22.5 %, +9 mm
    c.scan("NEW", -7, T1=20)
    c.scan("NEW", 56, T1=20, X1=12)
    c.scan("PR", -7, T1=30, T2=30)
    c.scan("PR", 56, T1=10, T2=31)  # -31.7 %
    c.scan("NE", -7, T1=20, T2=20)
    c.scan("NE", 56, T1=not_eval(), T2=20)
    lr = ns.lesion_response(c.build(), "recist1.1")
    assert lesion(lr, "SUM", 56, "T1")[["response", "reason", "drove_response"]].tolist() == [
        "PD",
        "sum_pd",
        True,
    ]
    assert not lesion(lr, "SUM", 56, "T2")["drove_response"]
    r = lesion(lr, "NEW", 56, "X1")
    assert (r["lesion_class"], r["lesion_role"], r["drove_response"]) == ("new", "new", True)
    assert not lesion(lr, "NEW", 56, "T1")["drove_response"]
    assert lesion(lr, "PR", 56, "T1")["drove_response"]
    assert not lesion(lr, "PR", 56, "T2")["drove_response"]
    r = lesion(lr, "NE", 56, "T1")
    assert (r["lesion_class"], r["response"], r["drove_response"]) == ("not_evaluable", "NE", True)


def test_matches_the_classifier_and_every_measure() -> None:
    """The per-lesion values sum to the time-point aggregate (same selection, same measure),
    for diameters, volume, SUV and TLA."""
    cohort = ns.load_demo()
    crits = ["recist1.1", "sstv", "percist1.0", "liver3"]
    tp = ns.classify(cohort, crits)
    lr = ns.lesion_response(tp)
    fol = lr.table[lr.table["lesion_class"].ne("new") & lr.table["lesion_role"].ne("new")]
    for name in ("recist1.1", "sstv", "liver3"):
        f = fol[fol["criterion"] == name]
        sums = f.groupby(["patient_id", "line_id", "assessment_id"])["value"].sum(min_count=1)
        t = tp.table[(tp.table["criterion"] == name) & tp.table["value"].notna()]
        t = t.set_index(["patient_id", "line_id", "assessment_id"])["value"]
        common = t.index.intersection(sums.index)
        assert len(common) > 100
        np.testing.assert_allclose(sums.loc[common], t.loc[common], rtol=1e-9)
    p = fol[fol["criterion"] == "percist1.0"]
    mx = p.groupby(["patient_id", "line_id", "assessment_id"])["value"].max()
    t = tp.table[(tp.table["criterion"] == "percist1.0") & tp.table["value"].notna()]
    t = t.set_index(["patient_id", "line_id", "assessment_id"])["value"]
    common = t.index.intersection(mx.index)
    np.testing.assert_allclose(mx.loc[common], t.loc[common], rtol=1e-9)
    tla = replace(ns.criteria.get("sstv"), name="tla", measure="tla")
    density = ns.criteria.Criterion(
        name="density",
        measure="density",
        lesion_set="all",
        cr_rule="none",
        progression_min_abs=None,
        too_small_mm=None,
    )
    out = ns.lesion_response(cohort, [tla, density]).table
    for name in ("tla", "density"):
        assert out.loc[out["criterion"] == name, "value"].notna().sum() > 100


def test_combined_criterion_gives_one_block_per_component() -> None:
    cohort = ns.load_demo()
    both = ns.criteria.combine("recist1.1", "sstv", name="ct_sst")
    lr = ns.lesion_response(cohort, both)
    assert set(lr.table["criterion"]) == {"ct_sst"}
    assert set(lr.table["component"]) == {"recist1.1", "sstv"}
    alone = ns.lesion_response(cohort, "sstv").table
    part = lr.table[lr.table["component"] == "sstv"].drop(columns=["criterion", "component"])
    pd.testing.assert_frame_equal(
        part.reset_index(drop=True), alone.drop(columns=["criterion", "component"])
    )


def test_attrition_lists_lesions_the_analysis_cannot_use() -> None:
    """Issue 17: "Lesions a lesion-level analysis cannot use are listed in attrition with the
    reason"."""
    c = Case()
    c.scan("P1", -7, T1=20, N1=15)
    c.scan("P1", 56, T1=not_eval(), N1=15, T9=12)  # T9: first seen at follow-up, not 'new'
    c.scan("P2", 10, T1=20)  # no baseline scan: the line is set aside
    lr = ns.lesion_response(c.build(), "recist1.1")
    att = lr.attrition.set_index("row_key")["reason"]
    assert "non-target" in att["P1 / L1 / N1"]
    assert "without role 'new'" in att["P1 / L1 / T9"]
    assert "not evaluable" in att["P1 / L1 / A02 / T1"]
    assert "no baseline" in att["P2 / L1"]
    assert set(lr.attrition["stage"]) == {"lesion_response", "classify"}


def test_bad_arguments_are_refused_by_name() -> None:
    with pytest.raises(ns.ConfigError, match="criterion"):
        ns.lesion_response(ns.load_demo())
    with pytest.raises(ns.ConfigError, match="Cohort"):
        ns.lesion_response(pd.DataFrame(), "recist1.1")  # type: ignore[arg-type]
