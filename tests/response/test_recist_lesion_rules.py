"""RECIST 1.1 lesion rules, hand-worked: new lymph nodes read by their short axis, equivocal
new lesions confirmed later (progression dated at the first sighting), split and coalesced
lesions (``parent_lesion_id``), and their bad input."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from resp_build import Case, date, node, row

import netsurv as ns
from netsurv.response import best_response, classify

AS_RECORDED = replace(ns.criteria.RECIST_1_1, name="as_recorded", new_lesion_rule="as_recorded")


def _new_node(sa: float) -> dict[str, object]:
    return node(sa + 4, sa)


def test_new_lymph_nodes_are_read_by_their_short_axis() -> None:
    """EORTC RECIST FAQ, "New lymph node lesions" (Schwartz et al., Eur J Cancer 2016): "Nodes
    that have a short axis < 10 mm are considered non-pathological and should not be recorded.
    When a node increases in size so that the short axis is >= 10 mm then the criteria for being
    considered malignant have been met.  However, nodes that increase from for example 9 mm to
    11 mm may not represent true disease progression, and we suggest that ... this be evaluated
    at the next response assessment, especially when the short axis node measurement is
    < 15 mm."  netsurv's reading: < 10 mm never new; >= 15 mm new at once; 10 to < 15 mm
    equivocal, new when a later scan shows it >= 15 mm, PD then dated at the first sighting.

    Target T1 stays at 30 mm (SD without the node) in every patient:

    * N9: new node 9.9 mm on day 56 -> not a new lesion: SD (``as_recorded``: PD);
    * N15: new node 15.0 mm on day 56 -> PD (new_lesion);
    * N12C: 12 mm on day 56, 16 mm on day 112 -> day 56 PD (new_lesion_confirmed_later);
    * N12U: 12 mm on day 56, 14.9 mm on day 112 -> never confirmed: SD, SD.
    """
    c = Case()
    for pid in ("N9", "N15", "N12C", "N12U"):
        c.scan(pid, -7, T1=30)
    c.scan("N9", 56, T1=30, X1=_new_node(9.9))
    c.scan("N15", 56, T1=30, X1=_new_node(15.0))
    c.scan("N12C", 56, T1=30, X1=_new_node(12.0))
    c.scan("N12C", 112, T1=30, X1=_new_node(16.0))
    c.scan("N12U", 56, T1=30, X1=_new_node(12.0))
    c.scan("N12U", 112, T1=30, X1=_new_node(14.9))
    cohort = c.build()
    tp = classify(cohort, ["recist1.1", AS_RECORDED])
    r = row(tp, "N9", 56, "recist1.1")
    assert (r["response"], r["reason"], r["new_lesion"]) == ("SD", "stable", False)
    assert row(tp, "N9", 56, "as_recorded")["response"] == "PD"
    assert tuple(row(tp, "N15", 56, "recist1.1")[["response", "reason"]]) == ("PD", "new_lesion")
    r = row(tp, "N12C", 56, "recist1.1")
    assert (r["response"], r["reason"], r["new_lesion"]) == (
        "PD",
        "new_lesion_confirmed_later",
        True,
    )
    assert tuple(row(tp, "N12C", 112, "recist1.1")[["response", "reason"]]) == (
        "PD",
        "new_lesion",
    )
    for day in (56, 112):
        assert row(tp, "N12U", day, "recist1.1")["response"] == "SD"
    bor = best_response(tp).set_index(["patient_id", "criterion"])
    assert bor.loc[("N12C", "recist1.1"), "bor"] == "PD"
    assert bor.loc[("N12C", "recist1.1"), "first_pd_date"] == date(56)
    assert pd.isna(bor.loc[("N12U", "recist1.1"), "first_pd_date"])
    pfs = ns.derive_endpoints(cohort, tp, endpoints=["PFS"]).table
    pfs = pfs[pfs["criterion"] == "recist1.1"].set_index("patient_id")
    assert pfs.loc["N12C", "event"] == 1
    assert pfs.loc["N12C", "date"] == date(56)
    assert pfs.loc["N12U", "event"] == 0


def test_equivocal_new_lesion_is_pd_at_first_sighting_only_when_confirmed() -> None:
    """RECIST 1.1 (Eisenhauer 2009) section 4.3.2, new lesions: "If a new lesion is equivocal,
    for example because of its small size, continued therapy and follow-up evaluation will
    clarify if it represents truly new disease.  If repeat scans confirm there is definitely a
    new lesion, then progression should be declared using the date of the initial scan."

    Target T1 at 30 mm throughout (SD):

    * FLAG: ``new_lesion = "equivocal"`` on day 56, ``true`` on day 112 -> day 56 PD
      (new_lesion_confirmed_later), PFS event and BOR PD dated day 56;
    * FLAGU: ``"equivocal"`` on day 56, ``false`` on 112 -> SD, SD;
    * ROW: lesion X1 (role new) with ``measurement_flag = "equivocal"`` on day 56 and on day
      112, unflagged on day 168 -> days 56 and 112 PD, the first PD on day 56;
    * ROWU: X1 equivocal on day 56, gone from the record after -> SD.
    """
    c = Case()
    for pid in ("FLAG", "FLAGU", "ROW", "ROWU"):
        c.scan(pid, -7, T1=30)
    c.scan("FLAG", 56, T1=30, new="equivocal")  # type: ignore[arg-type]
    c.scan("FLAG", 112, T1=30, new=True)
    c.scan("FLAGU", 56, T1=30, new="equivocal")  # type: ignore[arg-type]
    c.scan("FLAGU", 112, T1=30, new=False)
    eq = {"long_axis_mm": 6.0, "measurement_flag": "equivocal"}
    c.scan("ROW", 56, T1=30, X1=eq)
    c.scan("ROW", 112, T1=30, X1=eq)
    c.scan("ROW", 168, T1=30, X1=12.0)
    c.scan("ROWU", 56, T1=30, X1=eq)
    c.scan("ROWU", 112, T1=30)
    cohort = c.build()
    assert cohort.assessments["new_lesion_equivocal"].sum() == 2
    tp = classify(cohort, "recist1.1")
    r = row(tp, "FLAG", 56)
    assert (r["response"], r["reason"]) == ("PD", "new_lesion_confirmed_later")
    assert [row(tp, "FLAGU", d)["response"] for d in (56, 112)] == ["SD", "SD"]
    assert [row(tp, "ROW", d)["reason"] for d in (56, 112, 168)] == [
        "new_lesion_confirmed_later",
        "new_lesion_confirmed_later",
        "new_lesion",
    ]
    assert [row(tp, "ROWU", d)["response"] for d in (56, 112)] == ["SD", "SD"]
    bor = best_response(tp).set_index("patient_id")
    assert bor.loc["FLAG", "first_pd_date"] == date(56)
    assert bor.loc["ROW", "first_pd_date"] == date(56)
    assert bor.loc["ROWU", "bor"] == "SD"
    pfs = ns.derive_endpoints(cohort, tp, endpoints=["PFS"]).table.set_index("patient_id")
    assert (pfs.loc["FLAG", "event"], pfs.loc["FLAG", "date"]) == (1, date(56))
    assert pfs.loc["FLAGU", "event"] == 0
    # read as recorded, an equivocal finding is a new lesion at once
    tp2 = classify(cohort, AS_RECORDED)
    assert row(tp2, "FLAGU", 56)["response"] == "PD"
    assert row(tp2, "ROWU", 56)["response"] == "PD"


def test_new_lesion_both_unequivocal_and_equivocal_is_refused() -> None:
    """A scan's new lesion is unequivocal or equivocal, never both: refused with table, column,
    row key and rule, like every other bad value."""
    c = Case()
    c.scan("P1", -7, T1=30)
    c.scan("P1", 56, T1=30, new=True)
    c.build()  # fine
    c.scans[-1]["new_lesion_equivocal"] = True
    with pytest.raises(ns.ValidationError) as err:
        c.build()
    f = err.value.failures
    bad = f[f["column"] == "new_lesion"].iloc[0]
    assert (bad["table"], bad["row_key"], bad["rule"]) == (
        "assessments",
        "P1 / A02",
        "type_boolean",
    )
    assert "not both" in bad["message"]


# --------------------------------------------------------------------------- split / coalesce
def _with_parents(
    c: Case, parents: dict[tuple[str, str], str], *, baseline: bool = False
) -> ns.Cohort:
    """``c`` built with ``parent_lesion_id`` set on the (patient, lesion) rows given, on the
    follow-up scans (and on the baseline scan A01 too with ``baseline``)."""
    for les in c.lesions:
        on = baseline or les["assessment_id"] != "A01"
        les["parent_lesion_id"] = parents.get((les["patient_id"], les["lesion_id"])) if on else None
    return c.build()


def test_fragments_are_summed_into_their_parent_and_are_not_new_lesions() -> None:
    """RECIST 1.1 (Eisenhauer 2009) section 4.3 / appendix II: "when non-nodal lesions
    'fragment', the longest diameters of the fragmented portions should be added together to
    calculate the target lesion sum."

    Baseline T1 30 + T2 20 = 50 mm.  Day 56: T1 has split into X1 12 mm and X2 9 mm (rows with
    role new and parent T1), T2 14 mm: sum 12 + 9 + 14 = 35 mm, -30 %: PR, and no new lesion.
    Without the parent links the same rows read as T1 missing and two new lesions: PD.
    """
    c = Case()
    c.scan("P1", -7, T1=30, T2=20)
    c.scan("P1", 56, X1=12, X2=9, T2=14)
    split = _with_parents(c, {("P1", "X1"): "T1", ("P1", "X2"): "T1"})
    r = row(classify(split, "recist1.1"), "P1", 56)
    assert r["value"] == pytest.approx(35.0)
    assert r["n_measured"] == 2  # T1 (its fragments) and T2
    assert (r["response"], r["reason"], r["new_lesion"]) == ("PR", "size_pr", False)
    unlinked = _with_parents(c, {})
    r = row(classify(unlinked, "recist1.1"), "P1", 56)
    assert (r["response"], r["reason"]) == ("PD", "new_lesion")


def test_coalesced_lesions_are_measured_as_one_and_the_others_count_as_0_mm() -> None:
    """RECIST 1.1 section 4.3: "If the lesions have truly coalesced such that they are no longer
    separable, the vector of the longest diameter in this instance should be the maximal longest
    diameter for the 'coalesced lesion'" (CRITERIA.md 1.3: the others 0).

    Baseline T1 30 + T2 20 = 50.  Day 56: T1 and T2 coalesced into one 45 mm mass, recorded on
    T1; T2's row has parent T1 and 0 mm: sum 45, -10 %, SD.  Day 112: the mass is 54 mm: +20 % and +9 mm over the nadir
    45: PD (sum_pd).
    """
    c = Case()
    c.scan("P1", -7, T1=30, T2=20)
    c.scan("P1", 56, T1=45, T2=0)
    c.scan("P1", 112, T1=54, T2=0)
    cohort = _with_parents(c, {("P1", "T2"): "T1"})
    tp = classify(cohort, "recist1.1")
    r = row(tp, "P1", 56)
    assert (r["value"], r["response"]) == (45.0, "SD")
    r = row(tp, "P1", 112)
    assert (r["value"], r["nadir_value"], r["response"], r["reason"]) == (
        54.0,
        45.0,
        "PD",
        "sum_pd",
    )


def test_volumes_of_fragments_add_up_and_suv_takes_the_hottest_part() -> None:
    """A split lesion's volume is the sum of its parts; an intensity (SUVmax) is that of the
    hottest part (module notes of ``netsurv.response.fragments``)."""
    c = Case()
    c.scan("P1", -7, modality="SST-PET", T1={"volume_ml": 40.0, "suv_max": 20.0})
    c.scan(
        "P1",
        56,
        modality="SST-PET",
        X1={"volume_ml": 10.0, "suv_max": 12.0},
        X2={"volume_ml": 14.0, "suv_max": 15.0},
    )
    cohort = _with_parents(c, {("P1", "X1"): "T1", ("P1", "X2"): "T1"})
    suv = replace(ns.criteria.get("sstv"), name="suvmax", measure="suv_max")
    tp = classify(cohort, ["sstv", suv])
    assert row(tp, "P1", 56, "sstv")["value"] == pytest.approx(24.0)
    assert row(tp, "P1", 56, "suvmax")["value"] == pytest.approx(15.0)


def test_bad_parent_lesion_ids_are_all_reported() -> None:
    """A parent_lesion_id naming a lesion of another patient, the lesion itself, or forming a
    cycle is refused: every problem at once, naming table, column, row key and rule."""
    c = Case()
    c.scan("P1", -7, T1=30, T2=20, T3=15)
    c.scan("P2", -7, T1=25, T9=11)
    c.scan("P1", 56, T1=30, T2=20, T3=15)
    parents = {("P1", "T1"): "T2", ("P1", "T2"): "T1", ("P1", "T3"): "T3", ("P2", "T9"): "T3"}
    with pytest.raises(ns.ValidationError) as err:
        _with_parents(c, parents, baseline=True)
    f = err.value.failures
    f = f[f["rule"] == "parent_lesion"]
    assert set(f["table"]) == {"lesions"} and set(f["column"]) == {"parent_lesion_id"}
    got = dict(zip(f["row_key"], f["message"], strict=True))
    assert "is the lesion itself" in got["P1 / A01 / T3"]
    assert "no lesion of patient P2" in got["P2 / A01 / T9"]
    assert "forms a cycle" in got["P1 / A01 / T1"] and "forms a cycle" in got["P1 / A02 / T2"]
    assert len(f) == 7  # T1, T2 (cycle) and T3 (itself) on both P1 scans, T9 of P2


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(
        st.tuples(st.integers(0, 600), st.integers(50, 400), st.integers(1, 9)),
        min_size=1,
        max_size=5,
    ),
    base=st.tuples(st.integers(100, 600), st.integers(100, 400)),
)
def test_splitting_a_lesion_into_fragments_of_the_same_total_changes_no_response(
    sizes: list[tuple[int, int, int]], base: tuple[int, int]
) -> None:
    """Property (issue 17): splitting a lesion into fragments whose diameters sum to the
    lesion's diameter changes no response.  T1 (tenths of a mm) is recorded whole for patient
    W and, on every follow-up scan, as two fragments (parent T1) of ``k`` and ``10 - k`` tenths
    of it for patient S; T2 is the same.  Every time-point response, reason, value and the best
    response agree."""
    c = Case()
    for pid in ("W", "S"):
        c.scan(pid, -7, T1=base[0] / 10, T2=base[1] / 10)
    for i, (t1, t2, k) in enumerate(sizes):
        day = 56 * (i + 1)
        a, b = t1 * k, t1 * (10 - k)  # hundredths: a + b = 10 * t1
        c.scan("W", day, T1=(a + b) / 100, T2=t2 / 10)
        c.scan("S", day, X1=a / 100, X2=b / 100, T2=t2 / 10)
    tp = classify(_with_parents(c, {("S", "X1"): "T1", ("S", "X2"): "T1"}), "recist1.1")
    t = tp.table
    whole, split = (t[t["patient_id"] == p].reset_index(drop=True) for p in ("W", "S"))
    cols = ["date", "response", "reason", "target_response", "new_lesion"]
    pd.testing.assert_frame_equal(whole[cols], split[cols])
    assert whole["value"].to_numpy() == pytest.approx(split["value"].to_numpy())
    bor = best_response(tp).set_index("patient_id")[["bor", "bor_date", "first_pd_date"]]
    assert bor.loc["W"].equals(bor.loc["S"])


# --------------------------------------------------------------------------- one lesion (WHO)
def test_progression_of_one_lesion_who_option() -> None:
    """WHO (Miller et al. 1981; CRITERIA.md 2.5): progressive disease is "a 25 % or more increase
    in the size of one or more measurable lesions" -- ``progression_scope="any_lesion"`` --
    where RECIST 1.1 reads the sum.

    Baseline T1 40 + T2 10 = 50 mm; day 56: T1 36, T2 12.5 (sum 48.5):

    * sum rule (RECIST): -3 %: SD;
    * any lesion, +25 % against the lesion's nadir, no absolute minimum: T2 10 -> 12.5 is
      +25 %: PD (reason sum_pd: progression by size);
    * any lesion with RECIST's 5 mm applied to the lesion: T2 grew 2.5 mm: SD;
    * day 112: T1 missing, T2 16 mm, +60 % and +6 mm over its nadir 10 (the baseline): PD is
      certain from T2 alone despite the missing T1 (sum_pd_despite_missing), even with the
      5 mm minimum; the sum rule has only NE.
    """
    c = Case()
    c.scan("P1", -7, T1=40, T2=10)
    c.scan("P1", 56, T1=36, T2=12.5)
    c.scan("P1", 112, T1=None, T2=16)
    base = ns.criteria.RECIST_1_1
    who = replace(
        base,
        name="one25",
        progression_scope="any_lesion",
        progression_threshold=0.25,
        progression_min_abs=None,
    )
    who5 = replace(who, name="one25_5mm", progression_min_abs=5.0)
    either = replace(who, name="either", progression_scope="sum_or_any_lesion")
    cohort = c.build()
    tp = classify(cohort, [base, who, who5, either])
    assert row(tp, "P1", 56, "recist1.1")["response"] == "SD"
    assert tuple(row(tp, "P1", 56, "one25")[["response", "reason"]]) == ("PD", "sum_pd")
    assert row(tp, "P1", 56, "one25_5mm")["response"] == "SD"
    assert row(tp, "P1", 56, "either")["response"] == "PD"
    r = row(tp, "P1", 112, "one25_5mm")
    assert (r["response"], r["reason"]) == ("PD", "sum_pd_despite_missing")
    assert row(tp, "P1", 112, "recist1.1")["response"] == "NE"
    # the lesion level reads the same per-lesion references the one-lesion rule used
    lr = ns.lesion_response(cohort, who).table.set_index(["days_from_start", "lesion_id"])
    t2 = lr.loc[(56, "T2")]
    assert (t2["nadir_value"], t2["pct_change_nadir"]) == (10.0, 25.0)
    assert (t2["lesion_class"], t2["drove_response"]) == ("progressing", True)
    assert not lr.loc[(56, "T1"), "drove_response"]


def test_one_lesion_scope_needs_a_progression_threshold() -> None:
    with pytest.raises(ns.ConfigError, match="progression_scope 'any_lesion' needs a progression"):
        replace(ns.criteria.RECIST_1_1, progression_scope="any_lesion", progression_threshold=None)


def test_sites_filter_applies_to_the_new_lesions_the_rules_count() -> None:
    """One new-lesion pipeline: RECIST 1.1's new-lesion rules first, then the criterion's organ
    filter (issue 17: "The organ (`sites`) filter applies to new lesions too by default (a new
    bone lesion is not progression of a liver-only criterion)"; "New lymph nodes: short axis
    < 10 mm never a new lesion; ... 10 to < 15 mm equivocal — it becomes a new lesion when a
    later scan shows it >= 15 mm, with PD dated at the scan where it was first seen").

    Target T1 (liver) at 30 mm throughout; criteria ``liver`` (``sites=("liver",)``) and
    ``liver+nodes`` (``sites=("liver", "lymph_node")``):

    * NODE: new node 12 mm on day 56, 16 mm on day 112 -> ``liver+nodes``: day 56 PD
      (new_lesion_confirmed_later); ``liver``: SD, SD (a node is outside its organs);
    * SMALL: new node 8 mm on day 56 -> SD under both (a normal node is no new lesion
      anywhere), and the lesion level lists it in attrition with the rule's reason;
    * FLAG: ``new_lesion = "equivocal"`` (no lesion row) on day 56, a new bone lesion on day
      112 -> ``liver``: the day-56 finding has no organ, so it counts; confirmed by the day-112
      lesion, it is PD dated day 56, while day 112 itself (bone only) is SD.
    """
    c = Case()
    for pid in ("NODE", "SMALL", "FLAG"):
        c.scan(pid, -7, T1=30)
    c.scan("NODE", 56, T1=30, X1=_new_node(12.0))
    c.scan("NODE", 112, T1=30, X1=_new_node(16.0))
    c.scan("SMALL", 56, T1=30, X1=_new_node(8.0))
    c.scan("FLAG", 56, T1=30, new="equivocal")  # type: ignore[arg-type]
    c.scan("FLAG", 112, T1=30, X1={"site": "bone", "long_axis_mm": 15.0})
    cohort = c.build()
    liver = replace(ns.criteria.RECIST_1_1, name="liver", sites=("liver",))
    nodes = replace(liver, name="liver+nodes", sites=("liver", "lymph_node"))
    tp = classify(cohort, [liver, nodes])
    r = row(tp, "NODE", 56, "liver+nodes")
    assert (r["response"], r["reason"]) == ("PD", "new_lesion_confirmed_later")
    assert [row(tp, "NODE", d, "liver")["response"] for d in (56, 112)] == ["SD", "SD"]
    for crit in ("liver", "liver+nodes"):
        assert row(tp, "SMALL", 56, crit)["response"] == "SD"
    r = row(tp, "FLAG", 56, "liver")
    assert (r["response"], r["reason"]) == ("PD", "new_lesion_confirmed_later")
    assert row(tp, "FLAG", 112, "liver")["response"] == "SD"
    assert row(tp, "FLAG", 112, "liver+nodes")["response"] == "SD"

    lr = ns.lesion_response(cohort, [liver, nodes])
    new = lr.table[lr.table["lesion_class"] == "new"]
    found = zip(new["criterion"], new["patient_id"], new["days_from_start"], strict=True)
    assert sorted(found) == [
        ("liver+nodes", "NODE", 56),
        ("liver+nodes", "NODE", 112),
    ]
    att = lr.attrition
    small = att[att["row_key"].str.startswith("SMALL / L1 / X1") & (att["criterion"] == "liver")]
    assert small["reason"].str.contains("not counted under new_lesion_rule='recist1.1'").all()
    assert len(small) == 1
