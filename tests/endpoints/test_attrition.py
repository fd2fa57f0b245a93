"""Lines that cannot contribute to PFS / TTP (no follow-up scan, none evaluable) are censored at
the origin and listed in the attrition table with the reason, as lines without a baseline are."""

from __future__ import annotations

import pandas as pd
from hand_cohort import START, hand_cohort

import netsurv as ns
from netsurv.endpoints import derive_from_timepoints


def reasons(att: pd.DataFrame) -> list[str]:
    return att.loc[att["stage"] == "endpoints", "reason"].tolist()


def test_line_without_follow_up_scan_is_censored_at_origin_and_listed() -> None:
    cohort = hand_cohort({}, alive=300)  # a baseline scan, nothing after
    res = ns.derive_endpoints(cohort, "recist1.1", endpoints=["PFS", "TTP", "OS"])
    pfs = res.table.set_index("endpoint").loc["PFS"]
    assert (pfs["date"], pfs["days"], pfs["event"], pfs["cnsr"]) == (START, 1, 0, 2)
    assert reasons(res.attrition) == [
        "no follow-up scan (recist1.1): PFS censored at origin",
        "no follow-up scan (recist1.1): TTP censored at origin",
    ]
    assert res.attrition["row_key"].iloc[-1] == "P1 / L1"


def test_death_before_the_first_scan_is_a_pfs_event_not_attrition() -> None:
    # FDA: death before the first post-baseline assessment is a PFS event; TTP censors it
    res = ns.derive_endpoints(hand_cohort({}, death=40), "recist1.1", endpoints=["PFS", "TTP"])
    t = res.table.set_index("endpoint")
    assert t.loc["PFS", ["days", "event"]].tolist() == [41, 1]
    assert t.loc["TTP", ["days", "event", "cnsr"]].tolist() == [1, 0, 2]
    assert reasons(res.attrition) == ["no follow-up scan (recist1.1): TTP censored at origin"]
    # a death 400 days in, with no scan in between: censored at origin (missed assessments)
    res = ns.derive_endpoints(hand_cohort({}, death=400), "recist1.1", endpoints=["PFS"])
    assert res.table[["days", "event", "cnsr"]].iloc[0].tolist() == [1, 0, 5]
    assert reasons(res.attrition) == ["no follow-up scan (recist1.1): PFS censored at origin"]


def test_follow_up_scans_none_evaluable() -> None:
    cohort = hand_cohort({84: "SD", 168: "SD"}, alive=300)
    tp = cohort.assessment_lines.query("role == 'follow_up'").assign(
        criterion="reader", response="NE"
    )
    res = derive_from_timepoints(cohort, tp, endpoints=["PFS"])
    assert res.table[["days", "event", "cnsr"]].iloc[0].tolist() == [1, 0, 2]
    assert reasons(res.attrition) == [
        "no evaluable follow-up scan (reader): PFS censored at origin"
    ]


def test_follow_up_only_after_the_cutoff() -> None:
    cohort = hand_cohort({84: "SD", 168: "PD"}, alive=300)
    res = ns.derive_endpoints(cohort, "recist1.1", endpoints=["PFS"], cutoff_date="2020-03-01")
    assert res.table[["days", "event", "cnsr"]].iloc[0].tolist() == [1, 0, 2]
    assert reasons(res.attrition) == [
        "no follow-up scan (recist1.1) up to the cut-off: PFS censored at origin"
    ]
    # with follow-up, nothing is listed
    assert reasons(ns.derive_endpoints(cohort, "recist1.1", endpoints=["PFS"]).attrition) == []


def test_no_baseline_is_listed_once_not_also_as_no_follow_up() -> None:
    cohort = hand_cohort({}, baseline=None, alive=300)
    res = ns.derive_endpoints(cohort, "recist1.1", endpoints=["PFS"])
    assert reasons(res.attrition) == [
        "no baseline tumour assessment (recist1.1): PFS censored at origin"
    ]


def test_every_line_censored_at_origin_for_want_of_a_scan_is_listed_in_the_demo() -> None:
    res = ns.derive_endpoints(ns.load_demo(), ["recist1.1", "choi"], endpoints=["PFS"])
    t = res.table.assign(
        key=lambda d: d["patient_id"] + " / " + d["line_id"] + " " + d["criterion"]
    ).set_index("key")
    listed = res.attrition[res.attrition["reason"].str.contains("follow-up scan")]
    keys = listed["row_key"] + " " + listed["reason"].str.extract(r"\((.+?)\)", expand=False)
    rows = t.loc[keys]
    # each listed line is censored at its origin: for want of a scan (2), or with a death
    # after the next line started (4, new therapy)
    assert (rows["event"] == 0).all() and (rows["date"] == rows["origin_date"]).all()
    assert set(rows["cnsr"]) == {2, 4}
    # and every line censored for want of an adequate assessment is listed
    assert set(t.index[t["cnsr"] == 2]) <= set(keys)
