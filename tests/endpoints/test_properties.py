"""Endpoint properties on random cohorts: PFS <= OS, dates never before origin, and deriving
many criteria at once equals deriving each alone."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netsurv as ns
from netsurv.endpoints import derive_from_timepoints

SETTINGS = settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
RESPONSES = ["CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD"]
START = pd.Timestamp("2020-01-01")


@st.composite
def cohorts(draw: st.DrawFn) -> tuple[ns.Cohort, pd.DataFrame]:
    n = draw(st.integers(1, 5))
    n_crit = draw(st.integers(1, 4))
    pts, lines, scans, tps = [], [], [], []
    for i in range(n):
        pid = f"P{i}"
        start = START + pd.Timedelta(days=draw(st.integers(0, 100)))
        d = start
        k = 0
        for li in range(draw(st.integers(1, 2))):
            lines.append(
                {
                    "patient_id": pid,
                    "line_id": f"L{li + 1}",
                    "regimen": "x",
                    "start_date": d.date().isoformat(),
                }
            )
            k += 1
            scans.append((pid, f"A{k:02d}", (d - pd.Timedelta(days=5)).date().isoformat()))
            for _ in range(draw(st.integers(0, 5))):
                d = d + pd.Timedelta(days=draw(st.integers(30, 250)))
                k += 1
                scans.append((pid, f"A{k:02d}", d.date().isoformat()))
                for c in range(n_crit):
                    tps.append((pid, f"A{k:02d}", f"c{c}", draw(st.sampled_from(RESPONSES))))
            d = d + pd.Timedelta(days=draw(st.integers(6, 60)))
        end = d + pd.Timedelta(days=draw(st.integers(0, 300)))
        dead = draw(st.booleans())
        pts.append(
            {
                "patient_id": pid,
                "last_alive_date": end.date().isoformat(),
                "death_date": end.date().isoformat() if dead else None,
            }
        )
    sc = pd.DataFrame(scans, columns=["patient_id", "assessment_id", "date"]).assign(modality="CT")
    les = sc[["patient_id", "assessment_id"]].assign(
        lesion_id="T1", site="liver", role="target", long_axis_mm="20"
    )
    cohort = ns.Cohort.from_frames(pd.DataFrame(pts), pd.DataFrame(lines), sc, les)
    resp = pd.DataFrame(tps, columns=["patient_id", "assessment_id", "criterion", "response"])
    links = cohort.assessment_lines.query("role == 'follow_up'")
    tp = links.merge(resp, on=["patient_id", "assessment_id"])
    return cohort, tp


@given(cohorts(), st.sampled_from(["fda2018", "ema_itt"]))
@SETTINGS
def test_pfs_never_exceeds_os_and_dates_never_precede_origin(
    data: tuple[ns.Cohort, pd.DataFrame], scheme: str
) -> None:
    cohort, tp = data
    crit = sorted(tp["criterion"].unique()) or ["c0"]
    res = derive_from_timepoints(
        cohort,
        tp,
        endpoints=["PFS", "OS", "TTP", "TTF", "TTNT", "DoR"],
        censoring=scheme,
        criteria=crit,
    )
    t = res.table
    assert (t["date"] >= t["origin_date"]).all()
    assert (t["days"] >= 1).all()
    assert t["event"].isin([0, 1]).all()
    assert ((t["cnsr"] == 0) == (t["event"] == 1)).all()
    pfs = t[t["endpoint"] == "PFS"].set_index(["patient_id", "line_id"])
    os_ = t[t["endpoint"] == "OS"].set_index(["patient_id", "line_id"])["days"]
    assert (pfs["days"] <= os_.reindex(pfs.index)).all()
    ttp = t[t["endpoint"] == "TTP"].set_index(["patient_id", "line_id", "criterion"])["days"]
    pfs_c = pfs.set_index("criterion", append=True)
    # TTP censors deaths, so it can only be longer when PFS ended in death
    assert ((ttp.reindex(pfs_c.index) >= pfs_c["days"]) | (pfs_c["event"] == 1)).all()


@given(cohorts())
@SETTINGS
def test_many_criteria_at_once_equal_each_alone(data: tuple[ns.Cohort, pd.DataFrame]) -> None:
    cohort, tp = data
    crit = sorted(tp["criterion"].unique())
    if not crit:
        return
    together = derive_from_timepoints(cohort, tp, endpoints=["PFS", "TTP", "DoR"]).table
    for c in crit:
        alone = derive_from_timepoints(
            cohort, tp[tp["criterion"] == c], endpoints=["PFS", "TTP", "DoR"]
        ).table
        part = together[together["criterion"] == c].reset_index(drop=True)
        pd.testing.assert_frame_equal(part, alone.reset_index(drop=True))


@given(cohorts())
@SETTINGS
def test_row_order_does_not_matter(data: tuple[ns.Cohort, pd.DataFrame]) -> None:
    cohort, tp = data
    a = derive_from_timepoints(cohort, tp, endpoints=["PFS", "OS"], criteria=["c0"]).table
    b = derive_from_timepoints(
        cohort, tp.sample(frac=1, random_state=3), endpoints=["PFS", "OS"], criteria=["c0"]
    ).table
    pd.testing.assert_frame_equal(a, b)


def test_an_early_response_criterion_has_no_progression_endpoint() -> None:
    cohort = ns.load_demo()
    res = ns.derive_endpoints(cohort, ["recist1.1", "early_sstv"], endpoints=["PFS", "OS"])
    assert set(res.table["criterion"].dropna()) == {"recist1.1"}
    why = res.attrition[res.attrition["table"] == "criteria"]
    assert why["row_key"].tolist() == ["early_sstv"]
    assert not ns.criteria.EARLY_SSTV.defines_progression and ns.criteria.CHOI.defines_progression
