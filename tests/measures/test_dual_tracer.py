"""Dual-tracer linkage, discordant volume and grades, Krenning score: hand-worked cases.

NETPET (Chan et al., Theranostics 2017; Br J Cancer 2023) and the three-scale grade (Karfis et
al. 2020) as defined in netsurv.measures.dual_tracer.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import netsurv as ns
from netsurv.measures import (
    baseline_measures,
    dual_tracer_grades,
    krenning_per_scan,
    link_lesions,
    pair_pet_scans,
)


def _cohort(lesions: list[dict[str, Any]], scans: list[tuple[str, str, str, str]]) -> ns.Cohort:
    pids = sorted({s[0] for s in scans})
    patients = pd.DataFrame({"patient_id": pids, "last_alive_date": "2022-01-01"})
    lines = pd.DataFrame(
        {"patient_id": pids, "line_id": "L1", "regimen": "Lu", "start_date": "2020-02-01"}
    )
    assessments = pd.DataFrame(scans, columns=["patient_id", "assessment_id", "date", "modality"])
    les = pd.DataFrame(lesions)
    les = les.assign(site=les.get("site", "liver"), role=les.get("role", "non_target"))
    return ns.Cohort.from_frames(patients, lines, assessments, les)


SCANS = [
    ("P1", "S", "2020-01-10", "SST-PET"),
    ("P1", "F", "2020-01-20", "FDG-PET"),
]


def les(aid: str, lid: str, **kw: Any) -> dict[str, Any]:
    return {"patient_id": "P1", "assessment_id": aid, "lesion_id": lid, **kw}


def grades_of(lesions: list[dict[str, Any]]) -> pd.Series:
    g = dual_tracer_grades(link_lesions(_cohort(lesions, SCANS)))
    assert len(g) == 1
    return g.iloc[0]


def test_p1_c1_all_sst_positive_no_fdg() -> None:
    g = grades_of(
        [
            les("S", "L1", sst_avid=True, krenning_score=4),
            les("S", "L2", sst_avid=True, krenning_score=3),
            les("F", "L1", fdg_avid=False, volume_ml=10.0),
        ]
    )
    assert (g["netpet_grade"], g["three_scale_grade"]) == ("P1", "C1")
    assert g["discordant_volume_ml"] == 0.0


def test_p2_4_c2_fdg_avid_lesions_all_sst_positive() -> None:
    g = grades_of(
        [
            les("S", "L1", sst_avid=True),
            les("S", "L2", sst_avid=True),
            les("F", "L1", fdg_avid=True, volume_ml=10.0),
            les("F", "L2", fdg_avid=False, volume_ml=3.0),
        ]
    )
    assert (g["netpet_grade"], g["three_scale_grade"]) == ("P2-4", "C2")
    assert (g["n_fdg_avid"], g["n_discordant"]) == (1, 0)


def test_p5_c3_discordant_volume_hand_worked() -> None:
    """L2 FDG+ with SST- (row says no): 6.5 mL; L3 FDG+ and absent from the SST-PET scan
    (no uptake): 2.5 mL.  Discordant volume = 6.5 + 2.5 = 9 mL; L1 FDG+ SST+ does not count."""
    g = grades_of(
        [
            les("S", "L1", sst_avid=True),
            les("S", "L2", sst_avid=False),
            les("F", "L1", fdg_avid=True, volume_ml=20.0),
            les("F", "L2", fdg_avid=True, volume_ml=6.5),
            les("F", "L3", fdg_avid=True, volume_ml=2.5),
        ]
    )
    assert (g["netpet_grade"], g["three_scale_grade"]) == ("P5", "C3")
    assert g["n_discordant"] == 2
    assert g["discordant_volume_ml"] == pytest.approx(9.0)


def test_p0_no_avid_lesion() -> None:
    g = grades_of([les("S", "L1", sst_avid=False), les("F", "L1", fdg_avid=False)])
    assert g["netpet_grade"] == "P0"
    assert pd.isna(g["three_scale_grade"])


def test_unrecorded_avidity_leaves_the_pair_ungraded_with_a_reason() -> None:
    g = grades_of([les("S", "L1", sst_avid=True), les("F", "L1", volume_ml=3.0)])
    assert pd.isna(g["netpet_grade"]) and pd.isna(g["discordant_volume_ml"])
    assert g["reason"] == "avidity not recorded for 1 lesion(s) (fdg_avid / sst_avid empty)"


def test_linkage_is_by_lesion_id_and_documents_presence() -> None:
    links = link_lesions(
        _cohort(
            [
                les("S", "L1", sst_avid=True, krenning_score=3),
                les("S", "L9", sst_avid=True, krenning_score=2),
                les("F", "L1", fdg_avid=True, volume_ml=4.0),
            ],
            SCANS,
        )
    )
    got = links.set_index("lesion_id")[["on_sst", "on_fdg", "krenning_score", "discordant"]]
    assert got.loc["L1"].tolist() == [True, True, 3, False]
    assert got.loc["L9"].tolist() == [True, False, 2, False]


def test_scans_further_apart_than_the_window_are_not_paired() -> None:
    far = [("P1", "S", "2019-11-01", "SST-PET"), ("P1", "F", "2020-01-20", "FDG-PET")]
    c = _cohort([les("S", "L1", sst_avid=True), les("F", "L1", fdg_avid=True)], far)
    assert pair_pet_scans(c).empty
    assert len(pair_pet_scans(c, window_days=90)) == 1


def test_krenning_and_grades_as_baseline_covariates() -> None:
    c = _cohort(
        [
            les("S", "L1", sst_avid=True, krenning_score=4),
            les("S", "L2", sst_avid=True, krenning_score=2),
            les("F", "L1", fdg_avid=True, volume_ml=4.0),
            les("F", "L3", fdg_avid=True, volume_ml=1.5),
        ],
        SCANS,
    )
    r = baseline_measures(c).table.iloc[0]
    assert (r["netpet_grade"], r["three_scale_grade"]) == ("P5", "C3")
    assert r["discordant_volume_ml"] == pytest.approx(1.5)
    assert (r["krenning_max"], r["krenning_min"], r["krenning_range"]) == (4, 2, 2)
    k = krenning_per_scan(c).iloc[0]
    assert (k["n_scored"], k["krenning_below_liver"]) == (2, 0)


def test_lines_without_a_measure_are_in_attrition() -> None:
    scans = [*SCANS, ("P2", "S", "2020-01-10", "SST-PET")]
    lesions = [
        les("S", "L1", sst_avid=True, krenning_score=3),
        les("F", "L1", fdg_avid=False),
        {"patient_id": "P2", "assessment_id": "S", "lesion_id": "L1", "sst_avid": True},
    ]
    bm = baseline_measures(_cohort(lesions, scans))
    reasons = bm.attrition.set_index("row_key")["reason"]
    assert "no baseline FDG-PET scan graded" in reasons.loc["P2 / L1"].iloc[0]
    assert any("Krenning" in r for r in reasons.loc["P2 / L1"])
