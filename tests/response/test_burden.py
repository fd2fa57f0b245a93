"""Scan-level input (``tumour_burden``): hand-worked cases.

A cohort given lesion by lesion and the same cohort given as the sums of those lesions
classify identically under every sum-based rule; rules that need each lesion set the sum-only
line aside with a reason.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import netsurv as ns
from tests.response.resp_build import Case, responses

# (day, lesion T1, lesion T2): sums 50, 35, 30, 36 mm
# A: -30 % (PR), -40 % (PR, nadir 30), 36 = +20 % and +6 mm over the nadir (PD)
COURSE_A = [(-7, 30, 20), (56, 20, 15), (112, 18, 12), (168, 22, 14)]
# B: sums 50, 20, 24, 26: +20 % but +4 mm over the nadir 20 is not PD under RECIST's 5 mm
# rule (-52 % from baseline: PR); 26 = +30 % and +6 mm is PD
COURSE_B = [(-7, 30, 20), (56, 12, 8), (112, 14, 10), (168, 15, 11)]
# C: everything disappears at day 112 (sum 0: CR), confirmed at day 168
COURSE_C = [(-7, 30, 20), (56, 10, 10), (112, 0, 0), (168, 0, 0)]
COURSES = {"A": COURSE_A, "B": COURSE_B, "C": COURSE_C}

SUM_CRITERIA = ["recist1.1", "recist_mr", "irecist", "recist_10", "recist_10_10"]


def both_ways() -> ns.Cohort:
    """Each course twice: lesion rows (patient ``L<x>``) and their sums (patient ``S<x>``);
    one new lesion and one non-target PD so that the non-sum rules are exercised too."""
    c = Case()
    for name, course in COURSES.items():
        for i, (day, t1, t2) in enumerate(course):
            ntl = "NON-CR/NON-PD" if i and name != "C" else None
            extra = {"new": name == "B" and i == 3, "ntl": ntl}
            c.scan(f"L{name}", day, T1=t1, T2=t2, **extra)
            c.sums(f"S{name}", day, value=float(t1 + t2), **extra)
    return c.build()


def test_lesions_and_their_sums_classify_identically() -> None:
    cohort = both_ways()
    tp = ns.classify(cohort, SUM_CRITERIA)
    assert tp.attrition.empty
    t = tp.table
    cols = [
        "criterion",
        "date",
        "value",
        "baseline_value",
        "nadir_value",
        "pct_change_baseline",
        "pct_change_nadir",
        "target_response",
        "nontarget_response",
        "new_lesion",
        "response",
        "pd_status",
        "reason",
    ]
    for name in COURSES:
        a = t[t["patient_id"] == f"L{name}"][cols].reset_index(drop=True)
        b = t[t["patient_id"] == f"S{name}"][cols].reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
    bor = ns.best_response(tp, confirm=True)
    by = bor.set_index(["patient_id", "criterion"])
    for name in COURSES:
        left = by.loc[f"L{name}"].drop(columns=["line_id"], errors="ignore")
        right = by.loc[f"S{name}"].drop(columns=["line_id"], errors="ignore")
        pd.testing.assert_frame_equal(left, right, check_names=False)


def test_hand_worked_responses_on_sums() -> None:
    tp = ns.classify(both_ways(), "recist1.1")
    r = responses(tp)
    assert r["SA"] == ["PR", "PR", "PD"]  # -30 %, -40 %, +20 % and +6 mm over the nadir
    assert r["SB"] == ["PR", "PR", "PD"]  # +4 mm over the nadir is not PD; then a new lesion
    assert r["SC"] == ["PR", "CR", "CR"]  # 20 mm is -60 %; a sum of 0 is CR
    t = tp.table.set_index(["patient_id", "date"])
    sb = t.loc["SB"]
    assert sb["reason"].tolist()[1:] == ["size_pr", "size_pr", "sum_pd"]
    assert sb["new_lesion"].tolist()[1:] == [False, False, True]
    assert sb["pct_change_nadir"].iloc[2] == pytest.approx(20.0)
    # without the new lesion the +30 % / +6 mm scan is PD by size
    no_new = dataclasses.replace(ns.criteria.RECIST_1_1, name="no_new", new_lesion_pd=False)
    assert responses(ns.classify(both_ways(), no_new))["SB"] == ["PR", "PR", "PD"]


def test_percent_changes_equal_sums_for_relative_rules() -> None:
    c = Case()
    for day, t1, t2 in COURSE_A:
        c.sums("SA", day, value=float(t1 + t2))
        c.sums("PA", day, pct=100.0 * ((t1 + t2) / 50.0 - 1.0))
    cohort = c.build()
    relative = dataclasses.replace(ns.criteria.RECIST_1_1, name="pct", progression_min_abs=None)
    tp = ns.classify(cohort, relative)
    r = responses(tp)
    assert r["PA"] == r["SA"] == ["PR", "PR", "PD"]
    pa = tp.table[tp.table["patient_id"] == "PA"]
    assert pa["value"].tolist() == pytest.approx([100.0, 70.0, 60.0, 72.0])  # the index
    assert pa["pct_change_baseline"].tolist()[1:] == pytest.approx([-30.0, -40.0, -28.0])


def test_rules_that_need_lesions_set_the_sum_line_aside() -> None:
    c = Case()
    for day, t1, t2 in COURSE_A:
        c.scan("LA", day, T1=t1, T2=t2)
        c.sums("SA", day, value=float(t1 + t2))
        c.sums("PA", day, pct=100.0 * ((t1 + t2) / 50.0 - 1.0))
    cohort = c.build()
    hepatic = dataclasses.replace(ns.criteria.RECIST_1_1, name="hepatic", sites=("liver",))
    tp = ns.classify(cohort, ["recist1.1", "choi", "volumetric_recist", hepatic])
    att = tp.attrition.set_index(["criterion", "row_key"])["reason"]
    assert att[("recist1.1", "PA / L1")] == (
        "the absolute rule (progression_min_abs=5) needs sums; the line's tumour_burden gives "
        "% changes from baseline only"
    )
    assert ("recist1.1", "SA / L1") not in att.index
    assert att[("choi", "SA / L1")].startswith("the density rule (composite='size_or_density')")
    assert att[("volumetric_recist", "SA / L1")] == (
        "the criterion measures volume; the line's tumour_burden is a diameter sum"
    )
    assert att[("hepatic", "SA / L1")].startswith("the organ filter (sites=['liver'])")
    # the lesion line is read by every criterion that has its measurement
    assert ("recist1.1", "LA / L1") not in att.index
    assert ("hepatic", "LA / L1") not in att.index


def test_percent_line_needs_zero_at_baseline_and_a_baseline_value() -> None:
    c = Case()
    c.sums("P1", -7, pct=5.0)
    c.sums("P1", 56, pct=-40.0)
    c.sums("P2", -7)  # not evaluable at baseline
    c.sums("P2", 56, pct=-40.0)
    c.sums("P3", -7)  # no value at all: which measure is unknown
    c.sums("P3", 56)
    relative = dataclasses.replace(ns.criteria.RECIST_1_1, name="pct", progression_min_abs=None)
    att = ns.classify(c.build(), relative).attrition.set_index("row_key")["reason"]
    assert att["P1 / L1"] == "the baseline scan's pct_change_baseline is 5, not 0"
    assert att["P2 / L1"] == "no tumour_burden value on the baseline scan"
    assert att["P3 / L1"] == "no tumour_burden value on the baseline scan"


def test_missing_sum_is_ne_and_cm_is_mm() -> None:
    c = Case()
    c.sums("P1", -7, value=5.0, unit="cm")
    c.sums("P1", 56)  # not evaluable
    c.sums("P1", 112, value=3.0, unit="cm")
    tp = ns.classify(c.build(), "recist1.1")
    t = tp.table
    assert t["value"].tolist()[0] == 50.0
    assert responses(tp)["P1"] == ["NE", "PR"]


def test_validation_names_every_burden_problem() -> None:
    p = pd.DataFrame({"patient_id": ["P1", "P2", "P3"], "last_alive_date": ["2021-06-01"] * 3})
    ln = pd.DataFrame(
        {
            "patient_id": ["P1", "P2", "P3"],
            "line_id": ["L1"] * 3,
            "regimen": ["x"] * 3,
            "start_date": ["2020-01-15"] * 3,
        }
    )
    a = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P2", "P2", "P3"],
            "assessment_id": ["A1", "A2", "A1", "A2", "A1"],
            "date": ["2020-01-02", "2020-04-10"] * 2 + ["2020-01-02"],
            "modality": ["CT"] * 5,
        }
    )
    b = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P2", "P2", "P3", "P3"],
            "assessment_id": ["A1", "A2", "A1", "A2", "A1", "A9"],
            "measure": ["diameter", "diameter", "diameter", None, "volume", "volume"],
            "sum_value": [50.0, 30.0, 40.0, None, 10.0, None],
            "unit": ["mm", "mL", "mm", None, "mL", None],
            "pct_change_baseline": [None, None, 0.0, -10.0, None, 5.0],
        }
    )
    les = pd.DataFrame(
        {
            "patient_id": ["P3"],
            "assessment_id": ["A1"],
            "lesion_id": ["T1"],
            "site": ["liver"],
            "role": ["target"],
            "long_axis_mm": [20.0],
        }
    )
    with pytest.raises(ns.ValidationError) as err:
        ns.Cohort.from_frames(p, ln, a, les, tumour_burden=b)
    f = err.value.failures
    got = set(zip(f["table"], f["column"], f["row_key"], f["rule"], strict=True))
    assert ("tumour_burden", "unit", "P1 / A2", "burden_value") in got  # mL for a diameter
    assert ("tumour_burden", "measure", "P2 / A2", "burden_value") in got  # % without measure
    assert ("tumour_burden", "sum_value", "P2 / A1", "burden_one_kind") in got  # sum and %
    assert ("tumour_burden", "assessment_id", "P3 / A9", "unknown_assessment") in got
    assert ("tumour_burden", "patient_id", "P3 / A1", "burden_and_lesions") in got


def test_read_cohort_reads_a_folder_without_lesions(tmp_path) -> None:
    c = Case()
    for day, t1, t2 in COURSE_A:
        c.sums("SA", day, value=float(t1 + t2))
    cohort = c.build()
    written = ns.io.write_cohort(cohort, tmp_path)
    assert sorted(p.name for p in written) == [
        "assessments.csv",
        "lesions.csv",
        "lines.csv",
        "patients.csv",
        "tumour_burden.csv",
    ]
    (tmp_path / "lesions.csv").unlink()  # a sum-only data folder has no lesions file
    back = ns.read_cohort(tmp_path)
    pd.testing.assert_frame_equal(back.tumour_burden, cohort.tumour_burden)
    assert responses(ns.classify(back, "recist1.1"))["SA"] == ["PR", "PR", "PD"]


# ---------------------------------------------------------------------- visits (visit_id)
def _visits() -> ns.Cohort:
    """COURSE_A with each time point a visit of two CT scans two days apart (T1 on the
    first, T2 on the second): as lesion rows (``L``), as each scan's own sum (``S``), as the
    visit's sum on its last (``W``) or first (``F``) scan, and as a % change on one scan
    (``Q``) or on both (``R``, which cannot be combined)."""
    c = Case()
    base = COURSE_A[0][1] + COURSE_A[0][2]
    for i, (day, t1, t2) in enumerate(COURSE_A):
        v = f"V{i}"
        c.scan("L", day, T1=t1, visit=v)
        c.scan("L", day + 2, T2=t2, visit=v)
        c.sums("S", day, value=float(t1), visit=v)
        c.sums("S", day + 2, value=float(t2), visit=v)
        c.scan("W", day, visit=v)
        c.sums("W", day + 2, value=float(t1 + t2), visit=v)
        c.sums("F", day, value=float(t1 + t2), visit=v)
        c.scan("F", day + 2, visit=v)
        pct = 100.0 * (t1 + t2 - base) / base
        c.scan("Q", day, visit=v)
        c.sums("Q", day + 2, pct=pct, visit=v)
        c.sums("R", day, pct=pct, visit=v)
        c.sums("R", day + 2, pct=pct, visit=v)
    return c.build()


def test_burden_rows_of_a_visit_are_read_as_its_lesions_would_be() -> None:
    """The scans of a visit are one time point at the last scan; their sums add up as the
    lesions of those scans do, whichever scans carry them (before: only the last scan's row
    was read, silently: S read 20 mm instead of 50, F had no baseline value)."""
    tp = ns.classify(_visits(), "recist1.1")
    t = tp.table.set_index("patient_id")
    cols = ["date", "value", "baseline_value", "nadir_value", "pct_change_baseline", "response"]
    want = t.loc["L", cols].reset_index(drop=True)
    assert want["value"].tolist() == [50.0, 35.0, 30.0, 36.0]
    for pid in ("S", "W", "F"):
        pd.testing.assert_frame_equal(t.loc[pid, cols].reset_index(drop=True), want, obj=pid)
    # a % change on one scan of each visit is the visit's (on the index 100 + %); the
    # relative rules only, as a % change has no absolute size
    relative = dataclasses.replace(ns.criteria.RECIST_1_1, name="pct", progression_min_abs=None)
    tp = ns.classify(_visits(), relative)
    t = tp.table.set_index("patient_id")
    q = t.loc["Q"]
    assert q["value"].tolist() == [100.0, 70.0, 60.0, 72.0]
    assert q["response"].tolist() == t.loc["L", "response"].tolist()
    # % changes on two scans of one visit cannot be combined: the line is set aside, named
    assert "R" not in t.index
    (reason,) = tp.attrition.loc[tp.attrition["row_key"] == "R / L1", "reason"]
    assert "pct_change_baseline shares a visit (visit_id)" in reason


def test_a_visit_with_an_empty_burden_row_is_not_evaluable() -> None:
    """A row without a value is a not evaluable scan (schema): its visit's sum is unknown,
    so the visit is NE, however many other scans of it have sums."""
    c = Case()
    for i, (day, t1, t2) in enumerate(COURSE_A):
        c.sums("P", day, value=float(t1), visit=f"V{i}")
        c.sums("P", day + 2, value=None if i == 1 else float(t2), visit=f"V{i}")
    tp = ns.classify(c.build(), "recist1.1")
    assert responses(tp)["P"] == ["NE", "PR", "PD"]
    assert tp.table["value"].isna().tolist() == [False, True, False, False]
