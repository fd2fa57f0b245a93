"""Duration of response: the missed-assessment rule uses the schedule in force since the line's
start (q12w for two years, then q24w), not a schedule restarted at the first response.

L1 starts on day 0; SD every 84 days to day 588, PR on day 672, SD on days 840 and 1008.  At
day 1008 the line is past two years: q24w, 2 x 168 + 14 = 350 days allowed.  Counted from the
response (day 336 of the response) it would be q12w: 2 x 84 + 14 = 182 days.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hand_cohort import day, hand_cohort

import netsurv as ns

SCANS = {d: "SD" for d in range(84, 589, 84)} | {672: "PR", 840: "SD", 1008: "SD"}


def pfs_and_dor(pd_day: int, **kw: object) -> pd.DataFrame:
    cohort = hand_cohort(SCANS | {pd_day: "PD"}, alive=1400)
    t = ns.derive_endpoints(cohort, "recist1.1", endpoints=["PFS", "DoR"], **kw).table  # type: ignore[arg-type]
    return t.set_index("endpoint")[["origin_date", "date", "days", "event", "cnsr"]]


def test_pd_216_days_after_the_last_scan_past_two_years_is_an_event_for_pfs_and_dor() -> None:
    t = pfs_and_dor(1224)
    assert t.loc["PFS"].tolist() == [day(0), day(1224), 1225, 1, 0]
    # DoR from the response on day 672: 1224 - 672 + 1 days
    assert t.loc["DoR"].tolist() == [day(672), day(1224), 553, 1, 0]


@pytest.mark.parametrize(
    ("pd_day", "pfs", "dor"),
    [
        (1008 + 350, [day(1358), 1359, 1, 0], [day(1358), 687, 1, 0]),
        # one day more than allowed: both censored at day 1008 for missed assessments
        (1008 + 351, [day(1008), 1009, 0, 5], [day(1008), 337, 0, 5]),
    ],
)
def test_dor_and_pfs_allow_the_same_gap(pd_day: int, pfs: list, dor: list) -> None:
    t = pfs_and_dor(pd_day)
    assert t.loc["PFS", ["date", "days", "event", "cnsr"]].tolist() == pfs
    assert t.loc["DoR", ["date", "days", "event", "cnsr"]].tolist() == dor


def test_schedule_counts_from_the_lines_origin_date() -> None:
    # randomised 400 days before the line start: day 672 of the line is day 1072 since
    # randomisation (q24w), so a PD 300 days after a PR on day 672 is on time...
    cohort = hand_cohort({84: "SD", 672: "PR", 972: "PD"}, alive=1100)
    lines = cohort.lines.assign(origin_date=cohort.lines["start_date"] - pd.Timedelta(days=400))
    rand = ns.Cohort.from_frames(
        cohort.patients,
        lines,
        cohort.assessments,
        cohort.lesions,
        options=ns.ValidationOptions(severity={"no_baseline": "off"}),
    )
    t = ns.derive_endpoints(rand, "recist1.1", endpoints=["DoR"], origin="origin_date").table
    assert t[["date", "days", "event"]].iloc[0].tolist() == [day(972), 301, 1]
    # ...but counted from the line start (day 672 < 730: q12w, 182 days) it is not
    t = ns.derive_endpoints(cohort, "recist1.1", endpoints=["DoR"]).table
    assert t[["date", "days", "event", "cnsr"]].iloc[0].tolist() == [day(672), 1, 0, 5]
