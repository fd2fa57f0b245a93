"""Properties of the response engine on random small cohorts (hypothesis, derandomised):
raising the progression cut-off never makes the first PD earlier; loosening the response
cut-off never removes a response; permuting row order changes nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from resp_build import Case

import netsurv as ns
from netsurv.response import best_response, classify

SETTINGS = settings(
    derandomize=True,
    deadline=None,
    max_examples=15,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def cohorts(draw: Any) -> ns.Cohort:
    """1-5 patients, 1-3 targets (liver, lung, bone), 1-6 follow-up scans with random changes."""
    c = Case()
    for p in range(draw(st.integers(1, 5))):
        pid = f"P{p}"
        n_les = draw(st.integers(1, 3))
        sizes = [draw(st.floats(10, 60)) for _ in range(n_les)]
        names = [f"T{k}" for k in range(n_les)]
        sites = ["liver", "lung", "bone"]
        c.scan(
            pid,
            -7,
            ntl="NON-CR/NON-PD",
            **{
                n: {"site": sites[k], "long_axis_mm": s}
                for k, (n, s) in enumerate(zip(names, sizes, strict=True))
            },
        )
        dayn = 0
        for _ in range(draw(st.integers(1, 6))):
            dayn += draw(st.integers(28, 120))
            factor = draw(st.floats(0.4, 1.6))
            sizes = [round(s * factor * draw(st.floats(0.9, 1.1)), 1) for s in sizes]
            values: dict[str, Any] = {
                n: {"site": sites[k], "long_axis_mm": s}
                for k, (n, s) in enumerate(zip(names, sizes, strict=True))
            }
            if draw(st.integers(0, 9)) == 0:
                values[names[0]] = None  # a missing target
            if draw(st.integers(0, 19)) == 0:
                values = {n: {"site": sites[k], "long_axis_mm": 0.0} for k, n in enumerate(names)}
            ntl = draw(st.sampled_from(["NON-CR/NON-PD"] * 8 + ["PD", "NE"]))
            new = draw(st.integers(0, 14)) == 0
            c.scan(pid, dayn, ntl=ntl, new=new, **values)
    return c.build()


def _first_pd(tp: ns.response.Timepoints) -> pd.DataFrame:
    b = best_response(tp)
    days = (b["first_pd_date"] - b["start_date"]).dt.days.fillna(1e9)  # never: after all
    return b.assign(pd_day=days).pivot_table(
        index=["patient_id", "line_id"], columns="criterion", values="pd_day", sort=False
    )


@SETTINGS
@given(cohort=cohorts())
def test_raising_the_progression_cut_off_never_makes_first_pd_earlier(cohort: ns.Cohort) -> None:
    for base in (ns.criteria.RECIST_1_1, ns.criteria.CHOI, ns.criteria.SSTR_VOLUME):
        if base is ns.criteria.SSTR_VOLUME:
            base = ns.criteria.Criterion(name="dia", progression_min_abs=None)
        grid = ns.criteria.grid(base, progression_threshold=[0.05, 0.1, 0.2, 0.3, 0.73])
        first = _first_pd(classify(cohort, grid))[[c.name for c in grid]].to_numpy()
        assert (np.diff(first, axis=1) >= 0).all()


@SETTINGS
@given(cohort=cohorts())
def test_loosening_the_response_cut_off_never_removes_a_response(cohort: ns.Cohort) -> None:
    grid = ns.criteria.grid(ns.criteria.RECIST_1_1, response_threshold=[-0.5, -0.3, -0.2, -0.1])
    tp = classify(cohort, grid)
    t = tp.table[tp.table["role"] == "follow_up"]
    resp = t.pivot_table(
        index=["patient_id", "line_id", "assessment_id"],
        columns="criterion",
        values="response",
        aggfunc="first",
        sort=False,
    )[[c.name for c in grid]]
    is_resp = resp.isin(["CR", "PR"]).to_numpy()
    assert (is_resp[:, :-1] <= is_resp[:, 1:]).all()
    b = best_response(tp).pivot_table(
        index=["patient_id", "line_id"], columns="criterion", values="responder", sort=False
    )[[c.name for c in grid]]
    r = b.to_numpy(dtype=bool)
    assert (r[:, :-1] <= r[:, 1:]).all()


@SETTINGS
@given(cohort=cohorts(), seed=st.integers(0, 2**16))
def test_permuting_rows_changes_nothing(cohort: ns.Cohort, seed: int) -> None:
    rng = np.random.default_rng(seed)
    crits = ["recist1.1", "irecist", "recist_mr"]
    ref = classify(cohort, crits)

    def shuffle(df: pd.DataFrame) -> pd.DataFrame:
        return df.iloc[rng.permutation(len(df))].reset_index(drop=True)

    again = ns.Cohort.from_frames(
        shuffle(cohort.patients),
        shuffle(cohort.lines),
        shuffle(cohort.assessments),
        shuffle(cohort.lesions),
    )
    pd.testing.assert_frame_equal(classify(again, crits).table, ref.table)
    bor = best_response(ref, confirm=True)
    shuffled = ns.response.Timepoints(
        table=shuffle(ref.table),
        attrition=ref.attrition,
        baselines=ref.baselines,
        criteria=ref.criteria,
    )
    pd.testing.assert_frame_equal(best_response(shuffled, confirm=True), bor)
