"""Simulated CgA (netsurv.simulate.markers): tracks the burden with lag and noise, its own
random stream, deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import netsurv as ns
from netsurv.simulate.markers import simulate_markers


def test_lagged_burden_by_hand() -> None:
    """One lesion, 20 mm on day 0 and 40 mm on day 84: the burden is 8 x baseline at day 84
    ((40/20)^3).  With a 28-day lag the marker reads the burden at day 56, interpolated:
    8 - (28/84) x (8 - 1) = 17/3 = 5.667 x baseline; no noise, every patient secretes."""
    ass = pd.DataFrame(
        {
            "patient_id": ["P1", "P1"],
            "assessment_id": ["A1", "A2"],
            "date": pd.to_datetime(["2020-01-10", "2020-04-03"]),
            "modality": ["CT", "CT"],
        }
    )
    les = pd.DataFrame(
        {"patient_id": ["P1", "P1"], "assessment_id": ["A1", "A2"], "long_axis_mm": [20.0, 40.0]}
    )
    m, truth = simulate_markers(ass, les, seed=1, secreting_fraction=1.0, noise_cv=0.0)
    assert m["date"].tolist() == [pd.Timestamp("2020-01-08"), pd.Timestamp("2020-04-01")]
    assert m["value"].iloc[1] / m["value"].iloc[0] == pytest.approx(17 / 3, rel=1e-3)
    assert truth["cga_secretor"].tolist() == [True]
    flat = simulate_markers(ass, les, seed=1, secreting_fraction=0.0, noise_cv=0.0)[0]
    assert flat["value"].tolist() == [50.0, 50.0]  # a non-secretor: 0.5 x ULN throughout


def test_markers_leave_the_other_tables_unchanged_and_are_seeded() -> None:
    a = ns.simulate_cohort(40, seed=7, scenario="prrt", markers=True)
    b = ns.simulate_cohort(40, seed=7, scenario="prrt")
    for table in ("patients", "lines", "assessments", "lesions"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))
    assert b.markers.empty and len(a.markers) > 0
    again = ns.simulate_cohort(40, seed=7, scenario="prrt", markers=True)
    pd.testing.assert_frame_equal(a.markers, again.markers)
    assert a.warnings.empty  # no marker after death, no unit problem
    assert set(a.truth["cga_secretor"].dropna().unique()) <= {True, False}


def test_secretors_markers_follow_the_burden() -> None:
    """Property on 200 simulated PRRT patients: among secretors the biochemical criterion
    calls a response or progression on a larger share of lines than among non-secretors
    (whose marker carries no information), and a secretor's CgA response is more frequent
    when RECIST 1.1 sees a response than when it does not."""
    c = ns.simulate_cohort(200, seed=11, scenario="prrt", markers=True)
    bor = ns.best_response(ns.classify(c, ["recist1.1", "cga"]))
    wide = bor.pivot_table(
        index=["patient_id", "line_id"], columns="criterion", values="bor", aggfunc="first"
    )
    sec = c.truth.set_index(["patient_id", "line_id"])["cga_secretor"].reindex(wide.index)
    responds = wide["cga"].isin(["PR", "PD"]).groupby(sec.to_numpy()).mean()
    assert responds[True] > responds[False]
    s = wide[sec.to_numpy(dtype=bool)]
    cga_pr = (s["cga"] == "PR").groupby((s["recist1.1"] == "PR").to_numpy()).mean()
    assert np.isfinite(cga_pr).all() and cga_pr[True] > cga_pr[False]
