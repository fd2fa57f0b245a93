"""RECIST 1.1 time-point response, hand-worked: boundaries, nadir, nodes, missing targets, too
small to measure, new lesions, non-target progression, every row of the overall-response table,
automatic target selection and attrition."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from resp_build import Case, date, node, not_eval, row, small

import netsurv as ns
from netsurv.response import best_response, classify

NN = "NON-CR/NON-PD"


def test_exact_boundaries_pr_and_pd_absolute_minimum() -> None:
    c = Case()
    # -30.0 % exactly is PR; -29.9 % is SD
    c.scan("PR30", -7, T1=30, T2=20)
    c.scan("PR30", 56, T1=21, T2=14)
    c.scan("SD299", -7, T1=30, T2=20)
    c.scan("SD299", 56, T1=21, T2=14.05)
    # +20 % with +4.9 mm is not PD; +20 % with +5.0 mm is PD
    c.scan("PD49", -7, T1=24.5)
    c.scan("PD49", 56, T1=29.4)
    c.scan("PD50", -7, T1=25)
    c.scan("PD50", 56, T1=30)
    # +5 mm but only +19.9 %: not PD
    c.scan("PD199", -7, T1=25.2, T2=10)
    c.scan("PD199", 56, T1=30.2, T2=10)
    tp = classify(c.build(), ns.criteria.RECIST_1_1)
    r = row(tp, "PR30", 56)
    assert r["pct_change_baseline"] == pytest.approx(-30.0)
    assert (r["response"], r["reason"]) == ("PR", "size_pr")
    assert row(tp, "SD299", 56)["response"] == "SD"
    r = row(tp, "PD49", 56)
    assert r["pct_change_nadir"] == pytest.approx(20.0)
    assert r["abs_change_nadir"] == pytest.approx(4.9)
    assert r["response"] == "SD"
    r = row(tp, "PD50", 56)
    assert (r["response"], r["reason"]) == ("PD", "sum_pd")
    assert row(tp, "PD199", 56)["response"] == "SD"


def test_decimal_sums_are_compared_without_binary_rounding_error() -> None:
    # 0.1 + 0.2 style sums: 31.1 + 20.2 = 51.3 vs 36.0 + 20.2 - ...; -30 % of 51.3 is 35.91
    c = Case()
    c.scan("P1", -7, T1=31.1, T2=20.2)
    c.scan("P1", 56, T1=22.61, T2=13.3)  # 35.91 exactly -30 %
    tp = classify(c.build(), "recist1.1")
    assert row(tp, "P1", 56)["response"] == "PR"


def test_nadir_after_shrinkage_and_nadir_so_far() -> None:
    c = Case()
    c.scan("P1", -7, T1=30, T2=20)  # 50
    c.scan("P1", 56, T1=18, T2=12)  # 30: PR
    c.scan("P1", 112, T1=19, T2=13)  # 32: still PR vs baseline (-36 %), +6.7 % vs nadir
    c.scan("P1", 168, T1=22, T2=14)  # 36: -28 % vs baseline but +20 %, +6 mm vs nadir 30: PD
    tp = classify(c.build(), "recist1.1")
    t = tp.table[tp.table["role"] == "follow_up"]
    assert t["nadir_value"].tolist() == [50.0, 30.0, 30.0]
    assert t["response"].tolist() == ["PR", "PR", "PD"]
    last = row(tp, "P1", 168)
    assert last["pct_change_baseline"] == pytest.approx(-28.0)
    assert last["pct_change_nadir"] == pytest.approx(20.0)
    assert last["abs_change_nadir"] == pytest.approx(6.0)


def test_nadir_ignores_incomplete_scans() -> None:
    c = Case()
    c.scan("P1", -7, T1=30, T2=20)
    c.scan("P1", 56, T1=10, T2=None)  # incomplete: measured sum 10 must not become the nadir
    c.scan("P1", 112, T1=30, T2=20)
    tp = classify(c.build(), "recist1.1")
    assert row(tp, "P1", 112)["nadir_value"] == 50.0
    assert row(tp, "P1", 112)["response"] == "SD"


def test_nodes_cr_with_short_axis_below_10_and_sum_above_zero() -> None:
    c = Case()
    c.scan("CR", -7, T1=20, T2=node(25, 16), ntl="NON-CR/NON-PD")
    c.scan("CR", 56, T1=0, T2=node(12, 9.9), ntl="CR")
    c.scan("NOT", -7, T1=20, T2=node(25, 16))
    c.scan("NOT", 56, T1=0, T2=node(14, 10.0))  # node still 10 mm: not CR
    c.scan("PRN", -7, T1=20, T2=node(25, 16), ntl=NN)
    c.scan("PRN", 56, T1=0, T2=node(12, 8), ntl=NN)  # target CR, non-targets persist: PR
    tp = classify(c.build(), "recist1.1")
    r = row(tp, "CR", 56)
    assert r["value"] == pytest.approx(9.9)  # SOD > 0 at CR
    assert (r["target_response"], r["response"], r["reason"]) == ("CR", "CR", "cr")
    r = row(tp, "NOT", 56)
    assert r["target_response"] == "PR"  # 10 / 36 = -72 %
    r = row(tp, "PRN", 56)
    assert (r["target_response"], r["response"], r["reason"]) == (
        "CR",
        "PR",
        "cr_nontarget_not_cr",
    )


def test_missing_target_is_ne_unless_pd_is_certain() -> None:
    c = Case()
    c.scan("NE", -7, T1=30, T2=20)
    c.scan("NE", 56, T1=30, T2=None)
    c.scan("NEF", -7, T1=30, T2=20)
    c.scan("NEF", 56, T1=30, T2=not_eval())
    c.scan("PDC", -7, T1=30, T2=20)
    c.scan("PDC", 56, T1=61, T2=None)  # T1 alone 61 >= 50 * 1.2 and +11 mm
    c.scan("PDN", -7, T1=30, T2=20)
    c.scan("PDN", 56, T1=55, T2=None)  # 55 < 60: could still be anything
    tp = classify(c.build(), "recist1.1")
    for pid in ("NE", "NEF", "PDN"):
        r = row(tp, pid, 56)
        assert (r["response"], r["reason"]) == ("NE", "missing_lesion"), pid
        assert math.isnan(r["value"]) and r["n_measured"] == 1 and r["n_lesions"] == 2
    r = row(tp, "PDC", 56)
    assert (r["response"], r["reason"]) == ("PD", "sum_pd_despite_missing")
    strict = classify(c.build(), ns.criteria.Criterion(name="strict", missing="ne"))
    assert row(strict, "PDC", 56)["response"] == "NE"


def test_too_small_to_measure_is_5_mm_and_a_given_number_is_kept() -> None:
    c = Case()
    c.scan("TS", -7, T1=30, T2=20)
    c.scan("TS", 56, T1=small(), T2=12)  # 5 + 12 = 17
    c.scan("TV", -7, T1=30, T2=20)
    c.scan("TV", 56, T1=small(long_axis_mm=3.0), T2=12)  # 3 + 12 = 15
    tp = classify(c.build(), "recist1.1")
    assert row(tp, "TS", 56)["value"] == 17.0
    assert row(tp, "TV", 56)["value"] == 15.0
    four = ns.criteria.Criterion(name="tsm4", too_small_mm=4.0)
    assert row(classify(c.build(), four), "TS", 56)["value"] == 16.0


def test_new_lesion_and_nontarget_progression_are_pd() -> None:
    c = Case()
    c.scan("NEWF", -7, T1=30)
    c.scan("NEWF", 56, T1=20, new=True)  # flag on the assessment
    c.scan("NEWL", -7, T1=30)
    c.scan("NEWL", 56, T1=20, X1=12)  # a lesion with role "new"
    c.scan("NTL", -7, T1=30, ntl=NN)
    c.scan("NTL", 56, T1=20, ntl="PD")
    tp = classify(c.build(), "recist1.1")
    for pid in ("NEWF", "NEWL"):
        r = row(tp, pid, 56)
        assert (r["target_response"], r["response"], r["reason"]) == ("PR", "PD", "new_lesion")
        assert bool(r["new_lesion"])
    r = row(tp, "NTL", 56)
    assert (r["response"], r["reason"], r["nontarget_response"]) == ("PD", "nontarget_pd", "PD")
    # the rules are switches of the criterion
    lax = ns.criteria.Criterion(name="lax", new_lesion_pd=False, nontarget_pd=False)
    t2 = classify(c.build(), lax)
    assert [row(t2, p, 56)["response"] for p in ("NEWF", "NEWL", "NTL")] == ["PR"] * 3


# Every row of the RECIST 1.1 overall-response table (CRITERIA.md 1.8 a and b).
TABLE_A = [
    # id, follow-up targets, non-target status, new lesion, expected target, expected overall
    ("a1", {"T1": 0}, "CR", False, "CR", "CR"),
    ("a2", {"T1": 0}, NN, False, "CR", "PR"),
    ("a3", {"T1": 0}, "NE", False, "CR", "PR"),
    ("a4", {"T1": 20}, NN, False, "PR", "PR"),
    ("a5", {"T1": 20}, "NE", False, "PR", "PR"),
    ("a6", {"T1": 28}, NN, False, "SD", "SD"),
    ("a7", {"T1": 28}, "NE", False, "SD", "SD"),
    ("a8", {"T1": None}, NN, False, "NE", "NE"),
    ("a9", {"T1": 40}, NN, False, "PD", "PD"),
    ("a10", {"T1": 40}, "NE", True, "PD", "PD"),
    ("a11", {"T1": 20}, "PD", False, "PR", "PD"),
    ("a12", {"T1": None}, "PD", False, "NE", "PD"),
    ("a13", {"T1": 0}, "CR", True, "CR", "PD"),
    ("a14", {"T1": None}, NN, True, "NE", "PD"),
]
TABLE_B = [
    # non-target-only disease: no measurable lesion at baseline
    ("b1", "CR", False, "CR"),
    ("b2", NN, False, NN),
    ("b3", "NE", False, "NE"),
    ("b4", None, False, "NE"),
    ("b5", "PD", False, "PD"),
    ("b6", NN, True, "PD"),
]


def test_every_row_of_the_overall_response_table() -> None:
    c = Case()
    for pid, fu, ntl, new, _, _ in TABLE_A:
        c.scan(pid, -7, T1=30, N1=8, ntl=NN)
        c.scan(pid, 56, ntl=ntl, new=new, **fu)
    for pid, ntl, new, _ in TABLE_B:
        c.scan(pid, -7, N1=8, N2=node(12, 11), ntl=NN)
        c.scan(pid, 56, N1=8, ntl=ntl, new=new)
    tp = classify(c.build(), "recist1.1")
    for pid, _, _, _, tl, overall in TABLE_A:
        r = row(tp, pid, 56)
        assert (r["target_response"], r["response"]) == (tl, overall), pid
    for pid, _, _, overall in TABLE_B:
        r = row(tp, pid, 56)
        assert (r["target_response"], r["response"]) == ("NONE", overall), pid
        assert r["n_lesions"] == 0


def test_no_nontarget_disease_counts_as_absent_for_cr() -> None:
    c = Case()
    c.scan("P1", -7, T1=30)  # no non-target lesion, nothing recorded
    c.scan("P1", 56, T1=0)
    tp = classify(c.build(), "recist1.1")
    r = row(tp, "P1", 56)
    assert r["nontarget_response"] is None
    assert r["response"] == "CR"


def test_targets_chosen_as_recist_when_the_data_mark_none() -> None:
    c = Case()
    # six liver lesions, two nodes, one lung: all recorded as non-target
    spec = {
        "N1": 50,
        "N2": 45,
        "N3": 40,
        "N4": 9,  # not measurable
        "N5": node(30, 14),  # node below 15 mm short axis: not measurable
        "N6": node(30, 20),
        "N7": node(25, 18),
        "N8": {"site": "lung", "long_axis_mm": 12.0},
        "N9": {"site": "bone", "long_axis_mm": 11.0},
    }
    c.scan("P1", -7, **spec)
    c.scan("P1", 56, **spec)
    tp = classify(c.build(), "recist1.1")
    base = tp.table.iloc[0]
    # liver 50 + 45 (2 per organ), nodes 20 + 18, lung 12: five targets
    assert base["n_lesions"] == 5
    assert base["value"] == 50 + 45 + 20 + 18 + 12


def test_attrition_lists_lines_set_aside() -> None:
    c = Case()
    c.scan("OK", -7, T1=30)
    c.scan("OK", 56, T1=30)
    c.scan("NOB", 10, T1=30)  # no baseline scan at all
    c.scan("NOB", 56, T1=30)
    c.scan("MISS", -7, T1=30, T2=not_eval())  # a target unmeasured at baseline
    c.scan("MISS", 56, T1=30, T2=20)
    c.scan("NONE", -7)  # no lesion recorded
    c.scan("NONE", 56)
    cohort = c.build()
    tp = classify(cohort, "recist1.1")
    att = tp.attrition.set_index("row_key")
    assert set(att.index) == {"NOB / L1", "MISS / L1", "NONE / L1"}
    assert "no baseline CT/MRI scan" in att.loc["NOB / L1", "reason"]
    assert "no long_axis" not in att.loc["MISS / L1", "reason"]
    assert "baseline scan" in att.loc["MISS / L1", "reason"]
    assert set(tp.table["patient_id"]) == {"OK"}
    assert list(tp.attrition.columns) == ["table", "row_key", "stage", "reason", "criterion"]
    assert tp.baselines[["patient_id", "baseline_value"]].values.tolist() == [["OK", 30.0]]


def test_a_scan_can_be_follow_up_of_one_line_and_baseline_of_the_next() -> None:
    c = Case()
    c.line("P1", "L1", 0)
    c.line("P1", "L2", 120)
    c.scan("P1", -7, T1=30)
    c.scan("P1", 56, T1=31)
    c.scan("P1", 112, T1=40, T2=None)  # PD on L1, baseline of L2
    c.scan("P1", 200, T1=30)
    tp = classify(c.build(), "recist1.1")
    t = tp.table
    assert t.loc[t["line_id"] == "L1", "response"].tolist() == [None, "SD", "PD"]
    l2 = t[t["line_id"] == "L2"]
    assert l2["role"].tolist() == ["baseline", "follow_up"]
    assert l2["baseline_value"].tolist() == [40.0, 40.0]
    assert l2["response"].tolist() == [None, "SD"]


def test_reappearance_after_cr_and_sticky_pr_options() -> None:
    c = Case()
    c.scan("P1", -7, T1=30, T2=node(20, 16))
    c.scan("P1", 56, T1=0, T2=node(12, 8))  # CR, sum 8
    c.scan("P1", 112, T1=3, T2=node(12, 8))  # reappears: +3 mm only
    c.scan("P2", -7, T1=30, T2=20)
    c.scan("P2", 56, T1=20, T2=14)  # 34: PR
    c.scan("P2", 112, T1=22, T2=15)  # 37: -26 %, SD strictly
    cohort = c.build()
    tp = classify(cohort, "recist1.1")
    assert row(tp, "P1", 112)["response"] == "PR"  # 11 mm vs 46: -76 %, +3 mm vs nadir
    assert row(tp, "P2", 112)["response"] == "SD"
    opts = ns.criteria.Criterion(name="faq", reappearance_after_cr_pd=True, sticky_pr=True)
    tp2 = classify(cohort, opts)
    r = row(tp2, "P1", 112)
    assert (r["response"], r["reason"]) == ("PD", "reappearance_after_cr")
    r = row(tp2, "P2", 112)
    assert (r["response"], r["reason"]) == ("PR", "sticky_pr")


def test_reappearance_after_a_confirmed_cr_is_pd_by_default() -> None:
    """CRITERIA.md 1.4: a lesion reappearing after a confirmed CR is PD (default
    ``reappearance_after_cr_pd="confirmed"``); after an unconfirmed CR, or a CR of the targets
    alone (non-target disease persists: overall PR), the reappearing lesion is added back to
    the sum and the sum rule decides (here +3 mm over the nadir: not PD)."""
    nn = "NON-CR/NON-PD"
    c = Case()
    for pid in ("CONF", "UNCONF", "NTL", "NE1"):
        ntl = nn if pid == "NTL" else None
        c.scan(pid, -7, T1=30, T2=node(20, 16), ntl=ntl, **({"N1": 15} if ntl else {}))
        c.scan(pid, 56, T1=0, T2=node(12, 8), ntl=ntl, **({"N1": 12} if ntl else {}))  # CR
    c.scan("CONF", 112, T1=0, T2=node(12, 8))  # CR again 56 days later: confirmed
    c.scan("CONF", 168, T1=3, T2=node(12, 8))  # reappears: sum 11, +3 mm over the nadir 8
    c.scan("UNCONF", 112, T1=3, T2=node(12, 8))  # reappears before any confirmation
    c.scan("NTL", 112, T1=0, T2=node(12, 8), ntl=nn, N1=12)  # targets CR again (overall PR)
    c.scan("NTL", 168, T1=3, T2=node(12, 8), ntl=nn, N1=12)
    c.scan("NE1", 84, T1=None, T2=node(12, 8))  # NE between the CR and its confirmation
    c.scan("NE1", 112, T1=0, T2=node(12, 8))
    c.scan("NE1", 168, T1=3, T2=node(12, 8))
    cohort = c.build()
    default = ns.criteria.RECIST_1_1
    assert default.reappearance_after_cr_pd == "confirmed"
    never = replace(default, name="never", reappearance_after_cr_pd=False)
    anycr = replace(default, name="any_cr", reappearance_after_cr_pd=True)
    no_ne = replace(default, name="no_ne", confirm_max_ne=0)
    tp = classify(cohort, [default, never, anycr, no_ne])

    def resp(pid: str, day: int, crit: str) -> tuple[str, str]:
        r = row(tp, pid, day, crit)
        return r["response"], r["reason"]

    pd_reap = ("PD", "reappearance_after_cr")
    back_in_sum = ("PR", "size_pr")  # 11 mm vs 46 at baseline: -76 %
    assert resp("CONF", 168, "recist1.1") == pd_reap
    assert resp("CONF", 168, "never") == back_in_sum
    assert resp("UNCONF", 112, "recist1.1") == back_in_sum
    assert resp("UNCONF", 112, "any_cr") == pd_reap
    assert row(tp, "NTL", 112, "recist1.1")[["target_response", "response"]].tolist() == [
        "CR",
        "PR",
    ]
    assert resp("NTL", 168, "recist1.1") == back_in_sum
    assert resp("NTL", 168, "any_cr") == back_in_sum
    assert resp("NE1", 168, "recist1.1") == pd_reap  # one NE between is allowed (max 1)
    assert resp("NE1", 168, "no_ne") == back_in_sum
    # the PD dates the progression: BOR CR (confirmed), first PD at the reappearance
    b = best_response(tp, confirm=True).set_index(["criterion", "patient_id"])
    assert b.loc[("recist1.1", "CONF"), ["bor", "first_pd_date"]].tolist() == ["CR", date(168)]
    assert pd.isna(b.loc[("never", "CONF"), "first_pd_date"])


def test_reappearance_confirmation_interval() -> None:
    c = Case()
    c.scan("P1", -7, T1=30, T2=20)
    c.scan("P1", 56, T1=0, T2=0)  # CR
    c.scan("P1", 70, T1=0, T2=0)  # CR 14 days later: too soon to confirm (28)
    c.scan("P1", 112, T1=4, T2=0)  # reappears at 4 mm: < 5 mm over the nadir of 0
    cohort = c.build()
    short = replace(ns.criteria.RECIST_1_1, name="c14", confirm_min_days=14)
    tp = classify(cohort, ["recist1.1", short])
    # +inf % over the nadir of 0 but only +4 mm: not PD by the sum; -92 % vs baseline: PR
    assert row(tp, "P1", 112, "recist1.1")["response"] == "PR"
    r = row(tp, "P1", 112, "c14")
    assert (r["response"], r["reason"]) == ("PD", "reappearance_after_cr")


def test_rounding_option() -> None:
    c = Case()
    c.scan("P1", -7, T1=30.04, T2=20.0)
    c.scan("P1", 56, T1=21.04, T2=14.0)  # 35.04 / 50.04 = -29.98 %; rounded 35.0 / 50.0
    cohort = c.build()
    assert row(classify(cohort, "recist1.1"), "P1", 56)["response"] == "SD"
    rounded = ns.criteria.Criterion(name="r01", rounding_mm=0.1)
    assert row(classify(cohort, rounded), "P1", 56)["response"] == "PR"


def test_output_columns_and_several_criteria_in_order() -> None:
    c = Case()
    c.scan("P1", -7, T1=30)
    c.scan("P1", 56, T1=26)
    tp = classify(c.build(), ["recist_10", "recist1.1"])
    assert list(tp.table.columns) == ns.response.TIMEPOINT_COLUMNS
    assert tp.table["criterion"].tolist() == ["recist_10"] * 2 + ["recist1.1"] * 2
    assert tp.table.loc[tp.table["role"] == "follow_up", "response"].tolist() == ["PR", "SD"]
    assert tp.criterion("recist1.1") is ns.criteria.RECIST_1_1
    with pytest.raises(ns.ConfigError, match="unique"):
        classify(c.build(), ["recist1.1", ns.criteria.RECIST_1_1])
    with pytest.raises(ns.ConfigError, match="unknown criterion"):
        classify(c.build(), "recist9")


def test_scans_from_the_endpoint_engine_point_of_view() -> None:
    # the endpoint engine reads patient_id, line_id, criterion, assessment_id, date, response
    from netsurv.endpoints import derive_from_timepoints

    c = Case()
    c.scan("P1", -7, T1=30)
    c.scan("P1", 84, T1=30)
    c.scan("P1", 168, T1=40)
    cohort = c.build()
    tp = classify(cohort, "recist1.1")
    res = derive_from_timepoints(cohort, tp.table, endpoints=["PFS"], baselines=tp.baselines)
    pfs = res.table.iloc[0]
    assert pfs["event"] == 1
    assert pfs["date"] == pd.Timestamp("2020-01-15") + pd.Timedelta(days=168)
    assert np.isfinite(pfs["days"])
