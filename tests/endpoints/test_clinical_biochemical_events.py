"""Optional progression sources of the censoring scheme: clinical progression (a line ended
with ``end_reason="clinical_progression"``) and biochemical progression (the first PD of a
named marker criterion), both off by default.  Hand-worked: the line starts on day 0
(2020-01-15); CT every 12 weeks shows stable disease (40 mm -> 40 -> 40).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

import netsurv as ns
from netsurv.endpoints import FDA2018

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "response"))
from resp_build import Case, date


def _cohort() -> ns.Cohort:
    """E1: line ended on day 120 for clinical progression.  E2: CgA 300 -> 100 -> day 120:
    150 (+50 % over the nadir 100, 1.5 x ULN: first progressive value) -> day 160: 140
    (still progressive, 40 days on: confirms; cga_confirmed's PD is dated day 120)."""
    c = Case()
    for pid in ("E1", "E2"):
        c.scan(pid, -7, T1=40)
        c.scan(pid, 84, T1=40)
        c.scan(pid, 168, T1=40)
    for day, v in ((-5, 300), (60, 100), (120, 150), (160, 140)):
        c.marker("E2", day, v)
    c.line("E1", "L1", 0)
    c.line("E2", "L1", 0)
    cohort = c.build()
    lines = cohort.lines.copy()
    ended = lines["patient_id"] == "E1"
    lines.loc[ended, "end_date"] = date(120)
    lines.loc[ended, "end_reason"] = "clinical_progression"
    return ns.Cohort.from_frames(
        cohort.patients, lines, cohort.assessments, cohort.lesions, markers=cohort.markers
    )


def _pfs(scheme: ns.endpoints.CensoringScheme) -> pd.DataFrame:
    ep = ns.derive_endpoints(
        _cohort(), ["recist1.1", "cga_confirmed"], endpoints=["PFS"], censoring=scheme
    )
    return ep.table[ep.table["criterion"] == "recist1.1"].set_index("patient_id")


def test_both_sources_are_off_by_default() -> None:
    pfs = _pfs(FDA2018)
    assert pfs["event"].tolist() == [0, 0]
    assert pfs["date"].tolist() == [date(168), date(168)]  # last adequate assessment
    assert pfs["event_or_censor_reason"].tolist() == ["last adequate assessment"] * 2


def test_clinical_progression_is_an_event_at_the_line_end() -> None:
    pfs = _pfs(FDA2018.model_copy(update={"clinical_progression": True}))
    e1 = pfs.loc["E1"]
    assert (e1["event"], e1["date"], e1["days"]) == (1, date(120), 121)  # + 1 day (admiral)
    assert e1["event_cause"] == "clinical_progression"
    assert (
        e1["event_or_censor_reason"] == "clinical progression (line ended for clinical progression)"
    )
    assert [e1["source_table"], e1["source_column"], e1["source_key"]] == [
        "lines",
        "end_date",
        "E1 / L1",
    ]
    assert pfs.loc["E2", "event"] == 0


def test_biochemical_progression_is_an_event_of_every_criterion() -> None:
    pfs = _pfs(FDA2018.model_copy(update={"biochemical_progression": "cga_confirmed"}))
    e2 = pfs.loc["E2"]
    assert (e2["event"], e2["date"], e2["event_cause"]) == (1, date(120), "biochemical_progression")
    assert e2["event_or_censor_reason"] == "biochemical progression (cga_confirmed)"
    assert e2["source_key"] == "E2 / CgA@2020-05-14"
    assert pfs.loc["E1", "event"] == 0


def test_the_censoring_rules_table_documents_both_switches() -> None:
    off = FDA2018.rules_table().set_index("situation")
    assert off.loc["line ended for clinical progression (lines.end_reason)", "outcome"] == (
        "censored (clinical_progression off)"
    )
    on = FDA2018.model_copy(
        update={"clinical_progression": True, "biochemical_progression": "cga_confirmed"}
    ).rules_table()
    on = on.set_index("situation")
    assert on.loc["line ended for clinical progression (lines.end_reason)"].tolist() == [
        "line end date",
        "event",
    ]
    assert on.loc["biochemical progression (cga_confirmed)"].tolist() == [
        "date of its first PD",
        "event",
    ]


def test_a_biochemical_criterion_that_is_not_derived_is_refused() -> None:
    scheme = FDA2018.model_copy(update={"biochemical_progression": "cga_confirmed"})
    with pytest.raises(ns.ConfigError, match="biochemical_progression names criterion 'cga_confir"):
        ns.derive_endpoints(_cohort(), ["recist1.1"], endpoints=["PFS"], censoring=scheme)
