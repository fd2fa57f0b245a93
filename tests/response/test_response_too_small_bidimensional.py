"""A target too small to measure is present, not gone: WHO / SWOG (products of diameters)
must not call a complete response when RECIST values the lesion at 5 mm (regression test for
a bug found with the simulator)."""

from __future__ import annotations

import pandas as pd

import netsurv as ns


def test_too_small_lesion_is_not_a_complete_response() -> None:
    p = pd.DataFrame({"patient_id": ["P1"], "last_alive_date": ["2021-01-01"]})
    ln = pd.DataFrame(
        {"patient_id": ["P1"], "line_id": ["L1"], "regimen": ["x"], "start_date": ["2020-01-10"]}
    )
    a = pd.DataFrame(
        {
            "patient_id": ["P1", "P1"],
            "assessment_id": ["A1", "A2"],
            "date": ["2020-01-05", "2020-04-05"],
            "modality": ["CT", "CT"],
        }
    )
    les = pd.DataFrame(
        {
            "patient_id": ["P1", "P1"],
            "assessment_id": ["A1", "A2"],
            "lesion_id": ["T1", "T1"],
            "site": ["liver", "liver"],
            "role": ["target", "target"],
            "long_axis_mm": [20.0, None],
            "short_axis_mm": [15.0, None],
            "measurement_flag": [None, "too_small"],
        }
    )
    tp = ns.classify(ns.Cohort.from_frames(p, ln, a, les), ["recist1.1", "who", "swog"]).table
    fu = tp[tp["role"] == "follow_up"].set_index("criterion")
    assert fu.loc["recist1.1", "response"] == "PR"
    assert fu.loc["who", "value"] == 25.0  # 5 mm x 5 mm
    assert fu.loc["who", "response"] == "PR"  # -92 % of 300 mm², not CR
    assert fu.loc["swog", "response"] == "PR"
