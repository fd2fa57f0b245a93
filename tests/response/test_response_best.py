"""Best overall response: every row of the RECIST 1.1 confirmation table (Table 3), the
admiralonco options (NE between, SD between, SD minimum), CR followed by PR, the window up to the
first PD, and the inputs of duration of response."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
import pytest
from resp_build import Case

import netsurv as ns
from netsurv.response import best_response, classify

START = pd.Timestamp("2020-01-15")


def tp_of(seq: list[tuple[int, str]], *, pid: str = "P1", criterion: str = "c") -> pd.DataFrame:
    """A time-point table: baseline at day -7, then (day, response) follow-ups."""
    rows = [(-7, None), *seq]
    return pd.DataFrame(
        {
            "patient_id": pid,
            "line_id": "L1",
            "criterion": criterion,
            "assessment_id": [f"A{i:02d}" for i in range(len(rows))],
            "date": [START + pd.Timedelta(days=d) for d, _ in rows],
            "days_from_start": [d for d, _ in rows],
            "role": ["baseline"] + ["follow_up"] * len(seq),
            "response": [r for _, r in rows],
        }
    )


def bor(seq: list[tuple[int, str]], **opts: Any) -> pd.Series:
    return best_response(tp_of(seq), **opts).iloc[0]


def day(d: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=d)


# RECIST 1.1 Table 3 (CRITERIA.md 1.9): first TPR, later TPR -> confirmed BOR, with the SD
# minimum met (first scan at day 56 >= 42) and not met (day 28, then a PD / NE that settles it).
TABLE3 = [
    ("CR-CR", [(56, "CR"), (112, "CR")], "CR", "CR"),
    ("CR-SD met", [(56, "CR"), (112, "SD")], "SD", "CR"),
    ("CR-SD not met", [(28, "CR"), (35, "SD"), (70, "PD")], "PD", "CR"),
    ("CR-PD met", [(56, "CR"), (112, "PD")], "SD", "CR"),
    ("CR-PD not met", [(28, "CR"), (35, "PD")], "PD", "CR"),
    ("CR-NE met", [(56, "CR"), (112, "NE")], "SD", "CR"),
    ("CR-NE not met", [(28, "CR"), (35, "NE")], "NE", "CR"),
    ("PR-CR", [(56, "PR"), (112, "CR")], "PR", "CR"),
    ("PR-PR", [(56, "PR"), (112, "PR")], "PR", "PR"),
    ("PR-SD", [(56, "PR"), (112, "SD")], "SD", "PR"),
    ("PR-PD met", [(56, "PR"), (112, "PD")], "SD", "PR"),
    ("PR-PD not met", [(28, "PR"), (35, "PD")], "PD", "PR"),
    ("PR-NE met", [(56, "PR"), (112, "NE")], "SD", "PR"),
    ("PR-NE not met", [(28, "PR"), (35, "NE")], "NE", "PR"),
    ("NE-NE", [(56, "NE"), (112, "NE")], "NE", "NE"),
]


@pytest.mark.parametrize(("case", "seq", "confirmed", "unconfirmed"), TABLE3)
def test_recist_confirmation_table(
    case: str, seq: list[tuple[int, str]], confirmed: str, unconfirmed: str
) -> None:
    r = bor(seq, confirm=True)
    assert (r["bor"], r["bor_confirmed"], r["bor_unconfirmed"]) == (
        confirmed,
        confirmed,
        unconfirmed,
    ), case
    assert bor(seq)["bor"] == unconfirmed


def test_cr_then_pr_three_ways() -> None:
    seq = [(56, "CR"), (112, "PR")]
    r = bor(seq, confirm=True)  # admiralonco: a data issue, no special handling
    assert (r["bor"], r["data_issue"]) == ("SD", "CR followed by PR")
    assert pd.isna(r["first_pd_date"])
    r = bor(seq, confirm=True, cr_then_pr="pr")  # re-label the CR: PR confirmed by the PR
    assert (r["bor"], r["first_response_date"]) == ("PR", day(56))
    r = bor(seq, confirm=True, cr_then_pr="pd")  # the PR is progression
    assert (r["bor"], r["first_pd_date"]) == ("SD", day(112))
    early = [(28, "CR"), (84, "PR")]
    assert bor(early, confirm=True, cr_then_pr="pd")["bor"] == "PD"
    assert bor(early, confirm=True)["bor"] == "SD"  # the PR at day 84 counts as SD
    assert bor(early, confirm=True, cr_then_pr="pr")["bor"] == "PR"


def test_pr_after_the_first_pd_is_ignored_by_cr_then_pr() -> None:
    """CR, CR, PD, then PR after the PD: the PR lies outside the BOR window (CRITERIA.md 1.9),
    so it neither re-labels the CRs nor raises the CR-followed-by-PR data issue."""
    seq = [(56, "CR"), (112, "CR"), (168, "PD"), (224, "PR")]
    for how in ("data_issue", "pr", "pd"):
        r = bor(seq, confirm=True, cr_then_pr=how)
        assert (r["bor"], r["bor_unconfirmed"], r["bor_date"]) == ("CR", "CR", day(56)), how
        assert r["data_issue"] is None, how
        assert (r["first_response_date"], r["first_pd_date"]) == (day(56), day(168)), how
        assert r["n_assessments"] == 3, how
    # the same PR before the PD is inside the window: re-label / data issue as documented
    inside = [(56, "CR"), (112, "CR"), (168, "PR"), (224, "PD")]
    r = bor(inside, confirm=True, cr_then_pr="pr")
    assert (r["bor"], r["data_issue"]) == ("PR", "CR followed by PR")
    r = bor(inside, confirm=True)
    assert (r["bor"], r["data_issue"]) == ("CR", "CR followed by PR")


def test_pseudoprogression_after_the_window_is_not_reported() -> None:
    """iRECIST: a confirmed progression ends the window; an iUPD resolved later (after the
    window) is not the line's pseudoprogression."""
    t = tp_of([(56, "SD"), (112, "PD"), (154, "PD"), (200, "SD"), (250, "PD"), (300, "SD")])
    t["pd_status"] = [None, None, "confirmed", "iCPD", None, "unconfirmed", None]
    r = best_response(t).iloc[0]
    assert (r["bor"], r["first_pd_date"], r["pd_status"]) == ("SD", day(112), "confirmed")
    assert not r["pseudoprogression"]


def irecist_tp(seq: list[tuple[int, str, str | None]]) -> pd.DataFrame:
    t = tp_of([(d, r) for d, r, _ in seq])
    t["pd_status"] = [None] + [st for _, _, st in seq]
    return t


def test_irecist_iupd_resolved_by_an_early_isd() -> None:
    """iUPD, then an iSD before ``sd_min_days`` and nothing more: the iSD is worth NE, the iUPD
    is never confirmed, so the iBOR is the iUPD category (CRITERIA.md 2.6: progression category
    > NE; iRECIST table 3) -- PD dated to the iUPD, ``pd_status`` "unconfirmed" -- but it is a
    pseudoprogression, not a progression event: no ``first_pd_date``."""
    r = best_response(irecist_tp([(14, "PD", "unconfirmed"), (35, "SD", None)])).iloc[0]
    assert (r["bor"], r["bor_date"], r["pd_status"]) == ("PD", day(14), "unconfirmed")
    assert (r["bor_unconfirmed"], r["bor_confirmed"]) == ("PD", "PD")
    assert pd.isna(r["first_pd_date"]) and bool(r["pseudoprogression"])
    assert r["last_adequate_date"] == day(35) and not r["responder"]
    # the iSD meets the minimum: iBOR iSD, the resolved iUPD still reported
    r = best_response(irecist_tp([(14, "PD", "unconfirmed"), (42, "SD", None)])).iloc[0]
    assert (r["bor"], r["bor_date"], r["pd_status"]) == ("SD", day(42), "unconfirmed")
    assert pd.isna(r["first_pd_date"])


def test_irecist_bor_pd_is_dated_to_the_progression_that_counts() -> None:
    """A resolved iUPD, then a new iUPD confirmed later: BOR PD (iCPD) dated to the confirmed
    block's iUPD, the same date as ``first_pd_date`` (it used to take the resolved iUPD's)."""
    seq = [(14, "PD", "unconfirmed"), (35, "SD", None), (70, "PD", "confirmed")]
    r = best_response(irecist_tp([*seq, (112, "PD", "iCPD")]), confirm=True).iloc[0]
    assert (r["bor"], r["bor_date"], r["first_pd_date"]) == ("PD", day(70), day(70))
    assert (r["pd_status"], r["n_assessments"]) == ("confirmed", 3)
    assert bool(r["pseudoprogression"])
    # unresolved (no later scan): the iUPD category, an event at its date
    r = best_response(
        irecist_tp([(14, "PD", "unconfirmed"), (35, "SD", None), (70, "PD", "unresolved")])
    ).iloc[0]
    assert (r["bor"], r["bor_date"], r["first_pd_date"]) == ("PD", day(70), day(70))
    assert r["pd_status"] == "unresolved"


def test_irecist_early_pseudoprogression_end_to_end() -> None:
    c = Case()
    c.scan("P1", -7, T1=30, T2=20)  # 50
    c.scan("P1", 28, T1=36, T2=25)  # 61: +22 %, +11 mm: iUPD
    c.scan("P1", 35, T1=31, T2=21)  # 52: +4 % vs nadir 50: iSD, before day 42
    cohort = c.build()
    tp = classify(cohort, "irecist")
    r = best_response(tp).iloc[0]
    assert (r["bor"], r["bor_date"], r["pd_status"]) == ("PD", day(28), "unconfirmed")
    assert pd.isna(r["first_pd_date"])
    pfs = ns.derive_endpoints(cohort, "irecist", endpoints=["PFS"]).table.iloc[0]
    assert pfs["event"] == 0  # pseudoprogression is no PFS event
    # RECIST 1.1 on the same scans: PD at day 28 ends the window, a real event
    r = best_response(classify(cohort, "recist1.1")).iloc[0]
    assert (r["bor"], r["first_pd_date"], r["pd_status"]) == ("PD", day(28), None)


def test_ne_between_response_and_confirmation() -> None:
    assert bor([(56, "CR"), (84, "NE"), (112, "CR")], confirm=True)["bor"] == "CR"
    two = [(56, "CR"), (70, "NE"), (84, "NE"), (112, "CR")]  # admiralonco issue 245
    assert bor(two, confirm=True)["bor"] == "SD"
    assert bor(two, confirm=True, max_ne_between=2)["bor"] == "CR"


def test_sd_between_pr_and_confirmation() -> None:
    seq = [(56, "PR"), (84, "SD"), (112, "PR")]
    assert bor(seq, confirm=True)["bor"] == "SD"
    assert bor(seq, confirm=True, max_sd_between=1)["bor"] == "PR"


def test_sd_scans_between_pr_and_confirmation_are_counted() -> None:
    """admiralonco ``derive_param_confirmed_bor``: "accept_sd: If the argument is set to TRUE,
    one assessment of "SD" between the PR assessments is accepted as confirmation of PR"; netsurv
    counts them (``max_sd_between``; admiralonco's TRUE is 1, its default FALSE is 0).

    PR (56), SD (84), SD (98), PR (112): two SD scans between the PR and its confirmation."""
    seq = [(56, "PR"), (84, "SD"), (98, "SD"), (112, "PR")]
    assert bor(seq, confirm=True)["bor"] == "SD"
    assert bor(seq, confirm=True, max_sd_between=1)["bor"] == "SD"
    assert bor(seq, confirm=True, max_sd_between=2)["bor"] == "PR"
    # SD never confirms a CR (RECIST 1.1 Table 3: CR then SD is SD)
    cr = [(56, "CR"), (84, "SD"), (112, "CR")]
    assert bor(cr, confirm=True, max_sd_between=5)["bor"] == "SD"


def test_sd_allowance_comes_from_the_criterion() -> None:
    """``Criterion.confirm_max_sd`` is the default of ``max_sd_between``."""
    c = Case()
    c.scan("P1", -7, T1=50)
    c.scan("P1", 56, T1=30)  # PR
    c.scan("P1", 84, T1=35.5)  # -29 % vs baseline, +18 % vs nadir 30: SD
    c.scan("P1", 112, T1=30)  # PR
    cohort = c.build()
    strict = classify(cohort, replace(ns.criteria.RECIST_1_1, confirm_response=True))
    loose = replace(ns.criteria.RECIST_1_1, name="sd1", confirm_response=True, confirm_max_sd=1)
    assert best_response(strict).iloc[0]["bor"] == "SD"
    assert best_response(classify(cohort, loose)).iloc[0]["bor"] == "PR"


def test_not_done_ranks_with_ne() -> None:
    """CDISC RS ``ND`` (not done) is no assessment: like NE it is not adequate, may stand between
    a response and its confirmation (at most ``max_ne_between``), and is the BOR only as NE."""
    r = bor([(56, "PR"), (84, "ND"), (112, "PR")], confirm=True)
    assert (r["bor"], r["last_adequate_date"]) == ("PR", day(112))
    r = bor([(56, "PR"), (84, "ND"), (98, "NE"), (112, "PR")], confirm=True)
    assert r["bor"] == "SD"
    r = bor([(56, "ND"), (84, "ND")])
    assert (r["bor"], r["n_assessments"]) == ("NE", 2)
    assert pd.isna(r["last_adequate_date"])


def test_confirmation_interval() -> None:
    assert bor([(56, "PR"), (70, "PR")], confirm=True)["bor"] == "SD"
    assert bor([(56, "PR"), (70, "PR"), (84, "PR")], confirm=True)["bor"] == "PR"
    assert bor([(56, "PR"), (70, "PR")], confirm=True, confirm_min_days=14)["bor"] == "PR"
    assert bor([(56, "PR"), (84, "PR")], confirm=True)["bor"] == "PR"  # exactly 28 days


def test_pr_confirmed_by_a_cr_then_pr_inside_the_interval() -> None:
    r = bor([(56, "PR"), (84, "CR"), (112, "PR")], confirm=True)
    assert r["bor"] == "PR"
    assert r["data_issue"] == "CR followed by PR"
    # a PR after a CR between a PR and its confirming scan blocks the confirmation
    r = bor([(56, "PR"), (70, "CR"), (77, "PR"), (84, "PR")], confirm=True)
    assert r["bor"] == "SD"


def test_sd_minimum_duration_is_inclusive() -> None:
    assert bor([(42, "SD")])["bor"] == "SD"
    assert bor([(41, "SD")])["bor"] == "NE"
    assert bor([(41, "SD")], sd_min_days=28)["bor"] == "SD"
    assert bor([(41, "NON-CR/NON-PD")])["bor"] == "NE"
    assert bor([(42, "NON-CR/NON-PD")])["bor"] == "NON-CR/NON-PD"
    assert bor([(30, "SD"), (60, "PD")])["bor"] == "PD"


def test_pd_ends_the_window() -> None:
    r = bor([(56, "SD"), (112, "PD"), (168, "PR"), (224, "PR")], confirm=True)
    assert r["bor"] == "SD"
    assert r["first_pd_date"] == day(112)
    assert r["last_adequate_date"] == day(112)
    assert r["n_assessments"] == 2


def test_early_pr_then_pd_keeps_the_pr_date() -> None:
    # admiralonco issue 244: unconfirmed BOR PR dated to the PR
    r = bor([(28, "PR"), (56, "PD")])
    assert (r["bor"], r["bor_date"]) == ("PR", day(28))
    r = bor([(28, "PR"), (56, "PD")], confirm=True)
    assert (r["bor"], r["bor_date"]) == ("PD", day(56))


def test_duration_of_response_inputs() -> None:
    seq = [(56, "PR"), (84, "SD"), (112, "PR"), (140, "PR"), (168, "NE"), (224, "PD")]
    r = bor(seq)
    assert r["first_response_date"] == day(56)
    r = bor(seq, confirm=True)
    assert r["first_response_date"] == day(112)  # first of the confirmed pair
    assert r["first_pd_date"] == day(224)
    assert r["last_adequate_date"] == day(224)
    assert r["start_date"] == START
    assert r["responder"]


def test_line_without_follow_up_is_missing() -> None:
    r = bor([])
    assert r["bor"] == "MISSING" and r["n_assessments"] == 0 and pd.isna(r["bor_date"])


def test_criterion_settings_and_call_overrides() -> None:
    c = Case()
    c.scan("P1", -7, T1=30, T2=20)
    c.scan("P1", 56, T1=20, T2=14)  # PR
    c.scan("P1", 70, T1=20, T2=14)  # PR, 14 days later
    cohort = c.build()
    conf = ns.criteria.Criterion(name="conf", confirm_response=True, confirm_min_days=14)
    tp = classify(cohort, [conf, "recist1.1"])
    b = best_response(tp).set_index("criterion")
    assert b.loc["conf", "confirm"] and b.loc["conf", "bor"] == "PR"
    assert not b.loc["recist1.1", "confirm"] and b.loc["recist1.1", "bor"] == "PR"
    b = best_response(tp, confirm=True).set_index("criterion")
    assert b.loc["recist1.1", "bor"] == "SD"  # 14 days < 28
    assert list(best_response(tp).columns) == ns.response.BOR_COLUMNS
    # a bare table uses the documented defaults
    assert best_response(tp.table).set_index("criterion").loc["conf", "confirm"] == False  # noqa: E712


def test_bad_arguments() -> None:
    with pytest.raises(ns.ConfigError, match="cr_then_pr"):
        best_response(tp_of([(56, "CR")]), cr_then_pr="both")
    with pytest.raises(ns.ConfigError, match="lacks"):
        best_response(tp_of([(56, "CR")]).drop(columns="days_from_start"))
