"""Organ-level response, hand-worked: organ sums and classes, organ-specific cut-offs, the
``sites`` filter applied to new lesions, and the property that restricting a criterion to the
only organ of a cohort changes nothing."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from resp_build import Case, date, row

import netsurv as ns


def bone(la: float) -> dict[str, object]:
    return {"site": "bone", "long_axis_mm": la}


def organ(org: pd.DataFrame, pid: str, day: int, site: str) -> pd.Series:
    out = org[(org["patient_id"] == pid) & (org["date"] == date(day)) & (org["site"] == site)]
    assert len(out) == 1
    return out.iloc[0]


def test_organ_sums_changes_and_classes() -> None:
    """Issue 17: "per line × scan × organ: the organ's sum (or the criterion's aggregation),
    its change and class under the criterion's cut-offs or organ-specific ones".

    Liver T1 + T2 = 30 + 20 = 50 -> 20 + 14 = 34 (-32 %, responding); bone T3 20 -> 26 (+30 %
    vs nadir, progressing).  The whole sum 70 -> 60 (-14 %) is SD."""
    c = Case()
    c.scan("P1", -7, T1=30, T2=20, T3=bone(20))
    c.scan("P1", 56, T1=20, T2=14, T3=bone(26))
    cohort = c.build()
    org = ns.organ_response(cohort, "recist1.1")
    liv = organ(org, "P1", 56, "liver")
    assert (liv["n_lesions"], liv["value"], liv["baseline_value"]) == (2, 34, 50)
    assert liv["pct_change_baseline"] == pytest.approx(-32.0)
    assert liv["organ_class"] == "responding"
    b = organ(org, "P1", 56, "bone")
    assert (b["pct_change_nadir"], b["organ_class"], b["response"]) == (
        pytest.approx(30.0),
        "progressing",
        "SD",
    )
    # organ-specific cut-offs: bone progresses only at +35 %, liver responds at -35 %
    org = ns.organ_response(
        cohort, "recist1.1", organ_thresholds={"bone": (-0.3, 0.35), "liver": (-0.35, 0.2)}
    )
    assert organ(org, "P1", 56, "bone")["organ_class"] == "stable"
    assert organ(org, "P1", 56, "liver")["organ_class"] == "stable"
    # the same as a criterion option
    crit = replace(ns.criteria.RECIST_1_1, name="r", organ_thresholds={"bone": (None, 0.35)})
    assert organ(ns.organ_response(cohort, crit), "P1", 56, "bone")["organ_class"] == "stable"


def test_new_lesion_organ_rows() -> None:
    """A new lesion in an organ without followed lesions is an organ of class ``new``; in an
    organ with followed lesions it makes the organ progressing (RECIST 1.1: a new lesion is
    PD)."""
    c = Case()
    c.scan("P1", -7, T1=30)
    c.scan("P1", 56, T1=30, X1=12, X2=bone(15))
    org = ns.organ_response(c.build(), "recist1.1")
    assert organ(org, "P1", 56, "liver")["organ_class"] == "progressing"
    b = organ(org, "P1", 56, "bone")
    assert (b["n_lesions"], b["n_new_lesions"], b["organ_class"]) == (0, 1, "new")


def test_unknown_site_in_organ_thresholds_is_refused_naming_the_field() -> None:
    """Issue 17, bad input: "organ thresholds for an unknown site ... clear errors naming
    ... field"."""
    with pytest.raises(
        ns.ConfigError, match=r"organ_thresholds names unknown site\(s\) \['brain'\]"
    ):
        replace(ns.criteria.RECIST_1_1, name="x", organ_thresholds={"brain": (-0.3, 0.2)})
    with pytest.raises(ns.ConfigError, match="organ_thresholds"):
        ns.organ_response(ns.load_demo(), "recist1.1", organ_thresholds={"skin": (None, 0.2)})
    with pytest.raises(ns.ConfigError, match=r"organ_thresholds \['liver'\] progression"):
        replace(ns.criteria.RECIST_1_1, name="x", organ_thresholds={"liver": (-0.3, 20)})
    with pytest.raises(ns.ConfigError, match="new_lesions must be one of"):
        replace(ns.criteria.RECIST_1_1, name="x", new_lesions="elsewhere")


def test_sites_filter_applies_to_new_lesions_by_default() -> None:
    """Issue 17: "The organ (`sites`) filter applies to new lesions too by default (a new bone
    lesion is not progression of a liver-only criterion); `new_lesions="anywhere"` restores
    counting them all."  A recorded new lesion without a lesion row has no known organ and
    counts."""
    c = Case()
    c.scan("BONE", -7, T1=30)
    c.scan("BONE", 56, T1=30, X1=bone(15))
    c.scan("LIVER", -7, T1=30)
    c.scan("LIVER", 56, T1=30, X1=12)
    c.scan("FLAG", -7, T1=30)
    c.scan("FLAG", 56, new=True, T1=30)
    cohort = c.build()
    liver = replace(ns.criteria.RECIST_1_1, name="liver", sites=("liver",))
    anywhere = replace(liver, name="anywhere", new_lesions="anywhere")
    tp = ns.classify(cohort, [liver, anywhere])
    assert row(tp, "BONE", 56, "liver")["response"] == "SD"
    assert row(tp, "BONE", 56, "anywhere")[["response", "reason"]].tolist() == [
        "PD",
        "new_lesion",
    ]
    for pid in ("LIVER", "FLAG"):
        assert row(tp, pid, 56, "liver")["response"] == "PD"
        assert row(tp, pid, 56, "anywhere")["response"] == "PD"
    # the lesion level counts the same new lesions, and lists the others in attrition
    lr = ns.lesion_response(cohort, [liver, anywhere])
    new = lr.table[lr.table["lesion_class"] == "new"]
    assert sorted(new.loc[new["criterion"] == "liver", "patient_id"]) == ["LIVER"]
    assert sorted(new.loc[new["criterion"] == "anywhere", "patient_id"]) == ["BONE", "LIVER"]
    att = lr.attrition.query("criterion == 'liver'").set_index("row_key")["reason"]
    assert "outside the criterion's sites" in att["BONE / L1 / X1"]
    pats = ns.add_patterns(cohort, liver)
    assert row(pats, "BONE", 56)["n_progressing_lesions"] == 0


def test_organ_restricted_criterion_on_a_one_organ_cohort_equals_the_unrestricted_one() -> None:
    """Property (issue 17, done when): "an organ-restricted criterion on a one-organ cohort
    equals the unrestricted one" -- for every preset that follows lesions, every scan."""
    demo = ns.load_demo()
    # one organ; targets unmarked (RECIST allows 2 per organ: the engine chooses them)
    les = demo.lesions.assign(
        site="liver", role=demo.lesions["role"].astype(object).replace("target", "non_target")
    )
    cohort = ns.Cohort.from_frames(demo.patients, demo.lines, demo.assessments, les)
    for name in ("recist1.1", "recist_10", "sstv", "percist1.0", "choi", "who", "irecist"):
        base = ns.criteria.get(name)
        only = replace(base, name="only", sites=("liver",))
        tp = ns.classify(cohort, [base, only]).table
        a = tp[tp["criterion"] == name].drop(columns="criterion").reset_index(drop=True)
        b = tp[tp["criterion"] == "only"].drop(columns="criterion").reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, obj=name)
        org = ns.organ_response(cohort, base)
        assert set(org["site"]) == {"liver"}


def test_organ_thresholds_of_a_criterion_judge_progression_organ_by_organ() -> None:
    """Issue 17, item 2: organ thresholds "usable as a criterion option so that a criterion can
    be ... [given] separate thresholds for organs".  With ``organ_thresholds`` each named organ
    is judged on its own aggregate against its own progression cut-off and nadir, the other
    organs' lesions together against the criterion's; response stays on the whole sum
    (:mod:`netsurv.response.organ_parts`).

    Liver T1 40 mm and bone T2 20 mm at baseline (sum 60):

    * STRICT, bone cut-off +25 %: T2 20 -> 26 (+30 %, +6 mm), sum 66 (+10 %): RECIST 1.1 SD,
      by organ PD;
    * LOOSE, bone cut-off +70 %: T2 20 -> 33 (+65 %), sum 73 (+22 %, +13 mm): RECIST 1.1 PD,
      by organ SD (bone below its cut-off, liver unchanged);
    * LIVER: T1 40 -> 48 (+20 %, +8 mm), T2 unchanged, sum +13 %: RECIST 1.1 SD; by organ the
      liver (the organs not named) is judged alone: PD;
    * SHRINK: T1 40 -> 20, T2 20 -> 20, sum -33 %: PR under both (response on the whole sum).
    """
    c = Case()
    follow = {"STRICT": (40, 26), "LOOSE": (40, 33), "LIVER": (48, 20), "SHRINK": (20, 20)}
    for pid, (t1, t2) in follow.items():
        c.scan(pid, -7, T1=40, T2=bone(20))
        c.scan(pid, 56, T1=t1, T2=bone(t2))
    cohort = c.build()
    base = ns.criteria.RECIST_1_1
    strict = replace(base, name="strict", organ_thresholds={"bone": (None, 0.25)})
    loose = replace(base, name="loose", organ_thresholds={"bone": (None, 0.7)})
    tp = ns.classify(cohort, [base, strict, loose])
    got = {
        (pid, crit): row(tp, pid, 56, crit)["response"]
        for pid in follow
        for crit in ("recist1.1", "strict", "loose")
    }
    assert got == {
        ("STRICT", "recist1.1"): "SD",
        ("STRICT", "strict"): "PD",
        ("STRICT", "loose"): "SD",
        ("LOOSE", "recist1.1"): "PD",
        ("LOOSE", "strict"): "PD",
        ("LOOSE", "loose"): "SD",
        ("LIVER", "recist1.1"): "SD",
        ("LIVER", "strict"): "PD",
        ("LIVER", "loose"): "PD",
        ("SHRINK", "recist1.1"): "PR",
        ("SHRINK", "strict"): "PR",
        ("SHRINK", "loose"): "PR",
    }
    assert row(tp, "STRICT", 56, "strict")["reason"] == "sum_pd"


def test_organ_thresholds_on_the_only_organ_change_nothing() -> None:
    """Property: a criterion restricted to the liver, with the liver's own cut-offs named in
    ``organ_thresholds``, reads exactly as without them (the liver is the whole sum)."""
    cohort = ns.load_demo()
    liver = replace(ns.criteria.RECIST_1_1, name="liver", sites=("liver",))
    named = replace(liver, name="named", organ_thresholds={"liver": (-0.3, 0.2)})
    t = ns.classify(cohort, [liver, named]).table
    a = t[t["criterion"] == "liver"].drop(columns="criterion").reset_index(drop=True)
    b = t[t["criterion"] == "named"].drop(columns="criterion").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert (a["response"] == "PD").sum() > 0
