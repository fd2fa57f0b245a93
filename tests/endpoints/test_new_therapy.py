"""FDA 2018: "new anticancer therapy started before PD -> censored at the last adequate
assessment BEFORE new therapy", also when the data assign scans made after the next line's start
to the earlier line (``line_id``).  Both engines, worked by hand.

L1 starts on day 0, L2 on day 200; CT scans on days 84 and 168 are L1's by date, scans on days
252 and 336 carry ``line_id = "L1"``.  The last adequate assessment before the new therapy is
day 168: 169 days (+ 1, admiral convention), CNSR 4.
"""

from __future__ import annotations

import pytest
from hand_cohort import hand_cohort

import netsurv as ns
from netsurv.endpoints import endpoint_matrix

LINES = {"L1": 0, "L2": 200}


def both_engines(
    cohort: ns.Cohort, endpoint: str, censoring: str
) -> tuple[tuple[int, int, int, str], tuple[int, int, int]]:
    """(days, event, cnsr, reason) of L1 from the long engine, (days, event, cnsr) from the
    array engine."""
    long = ns.derive_endpoints(cohort, "recist1.1", endpoints=[endpoint], censoring=censoring)
    r = long.table.set_index("line_id").loc["L1"]
    mtx = ns.classify_matrix(cohort, ["recist1.1"])
    m = endpoint_matrix(cohort, mtx, endpoint=endpoint, censoring=censoring).column(0)  # type: ignore[arg-type]
    mr = m.set_index("line_id").loc["L1"]
    return (
        (int(r["days"]), int(r["event"]), int(r["cnsr"]), str(r["event_or_censor_reason"])),
        (int(mr["days"]), int(mr["event"]), int(mr["cnsr"])),
    )


@pytest.mark.parametrize("endpoint", ["PFS", "TTP"])
def test_progression_on_a_scan_assigned_to_l1_after_l2_started(endpoint: str) -> None:
    cohort = hand_cohort(
        {84: "SD", 168: "SD", 252: ("SD", "L1"), 336: ("PD", "L1")}, lines=LINES, alive=400
    )
    long, mat = both_engines(cohort, endpoint, "fda2018")
    # not day 252 (the last adequate assessment before the PD, but after L2 started)
    assert long == (169, 0, 4, "new anticancer therapy started")
    assert mat == (169, 0, 4)
    long, mat = both_engines(cohort, endpoint, "ema_itt")
    assert long == (337, 1, 0, "progression (recist1.1)")
    assert mat == (337, 1, 0)


def test_death_after_l2_started_with_l1_scans_after_it() -> None:
    cohort = hand_cohort({84: "SD", 168: "SD", 252: ("SD", "L1")}, lines=LINES, death=300)
    long, mat = both_engines(cohort, "PFS", "fda2018")
    assert long == (169, 0, 4, "new anticancer therapy started")
    assert mat == (169, 0, 4)
    long, mat = both_engines(cohort, "PFS", "ema_itt")
    assert long == (301, 1, 0, "death")
    assert mat == (301, 1, 0)


def test_no_event_but_l1_scans_after_l2_started() -> None:
    # censored, but the last adequate assessment (day 252) is under the new therapy
    cohort = hand_cohort({84: "SD", 168: "SD", 252: ("SD", "L1")}, lines=LINES, alive=400)
    long, mat = both_engines(cohort, "PFS", "fda2018")
    assert long == (169, 0, 4, "new anticancer therapy started")
    assert mat == (169, 0, 4)
    long, mat = both_engines(cohort, "PFS", "ema_itt")
    assert long == (253, 0, 1, "last adequate assessment")
    assert mat == (253, 0, 1)


def test_scan_on_the_day_l2_starts_is_before_the_new_therapy() -> None:
    # the day-200 scan (L1's by date: on or before the next start) is the last one before it
    cohort = hand_cohort({84: "SD", 200: "SD", 336: ("PD", "L1")}, lines=LINES, alive=400)
    long, mat = both_engines(cohort, "PFS", "fda2018")
    assert long == (201, 0, 4, "new anticancer therapy started")
    assert mat == (201, 0, 4)


def test_without_an_adequate_assessment_before_the_new_therapy() -> None:
    # L1's only follow-up scan is after L2 started: censored at the origin
    cohort = hand_cohort({252: ("PD", "L1")}, lines=LINES, alive=400)
    long, mat = both_engines(cohort, "PFS", "fda2018")
    assert long == (1, 0, 4, "new anticancer therapy started")
    assert mat == (1, 0, 4)
    t = ns.derive_endpoints(cohort, "recist1.1", endpoints=["PFS"]).table
    row = t.set_index("line_id").loc["L1"]
    assert (row["source_table"], row["source_key"]) == ("lines", "P1 / L1")
