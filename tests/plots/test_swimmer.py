"""Swimmer plot: draws on a given Axes, one lane per patient, never touches rcParams."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

import netsurv as ns
from netsurv.plots import swimmer

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_swimmer_on_given_axes_with_responses() -> None:
    demo = ns.load_demo()
    cohort = demo.subset(demo.patients["patient_id"].iloc[:3])
    tp = cohort.assessment_lines.query("role == 'follow_up'").assign(
        criterion="reader", response="SD"
    )
    tp.loc[tp.index[-1], "response"] = "PD"
    before = dict(matplotlib.rcParams)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3))
    ax = swimmer(cohort, tp, criterion="reader", ax=axes[1])
    assert ax is axes[1]
    assert len(ax.get_yticks()) == cohort.n_patients
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"line 1", "SD", "PD", "death"}
    assert dict(matplotlib.rcParams) == before
    ARTIFACTS.mkdir(exist_ok=True)
    fig.savefig(ARTIFACTS / "swimmer.png", dpi=80)
    plt.close(fig)


def test_swimmer_subset_of_patients() -> None:
    cohort = ns.load_demo()
    ax = swimmer(cohort, patients=[cohort.patients["patient_id"].iloc[0]])
    assert len(ax.get_yticks()) == 1
    plt.close(ax.figure)
    # by default at most max_patients lanes
    ax = swimmer(cohort, max_patients=25)
    assert len(ax.get_yticks()) == 25 < cohort.n_patients
    plt.close(ax.figure)


# ---------------------------------------------------------------- Timepoints and PFS events
def _one_patient() -> ns.Cohort:
    """L1 from 2020-01-01: CT baseline 30 mm, 30 mm on day 84 (SD), 40 mm on day 168 (PD);
    L2 from day 186 (its baseline the day-168 scan, within the 28-day window); death on day
    300."""
    patients = pd.DataFrame(
        {"patient_id": ["P1"], "last_alive_date": ["2020-10-27"], "death_date": ["2020-10-27"]}
    )
    lines = pd.DataFrame(
        {
            "patient_id": ["P1", "P1"],
            "line_id": ["L1", "L2"],
            "regimen": ["lanreotide", "everolimus"],
            "start_date": ["2020-01-01", "2020-07-05"],
        }
    )
    scans = pd.DataFrame(
        {
            "patient_id": "P1",
            "assessment_id": ["A0", "A1", "A2"],
            "date": ["2019-12-25", "2020-03-25", "2020-06-17"],
            "modality": "CT",
        }
    )
    lesions = scans[["patient_id", "assessment_id"]].assign(
        lesion_id="T1", site="liver", role="target", long_axis_mm=[30.0, 30.0, 40.0]
    )
    return ns.Cohort.from_frames(
        patients,
        lines,
        scans,
        lesions,
        options=ns.ValidationOptions(severity={"no_baseline": "off"}),
    )


def _points(ax: plt.Axes) -> list[list[tuple[float, float]]]:
    return [[(round(x, 3), round(y, 3)) for x, y in c.get_offsets()] for c in ax.collections]


def test_swimmer_takes_the_timepoints_of_classify_and_marks_pfs_events() -> None:
    cohort = _one_patient()
    tp = ns.classify(cohort, "recist1.1")
    ep = ns.derive_endpoints(cohort, tp, endpoints=["PFS", "OS"])
    before = dict(matplotlib.rcParams)
    fig, ax = plt.subplots()
    out = swimmer(cohort, tp, endpoints=ep, ax=ax)
    assert out is ax
    assert dict(matplotlib.rcParams) == before
    # months = days / 30.4375: SD on day 84, PD on day 168, death on day 300; PFS events
    # above the lane (y + 0.42): L1's progression on day 168, L2's death on day 300 (before
    # any scan of L2, whose baseline is the day-168 scan)
    assert _points(ax) == [
        [(2.760, 0.0)],  # SD
        [(5.520, 0.0)],  # PD
        [(5.520, 0.42), (9.856, 0.42)],  # PFS events
        [(9.856, 0.0)],  # death
        [],  # alive
    ]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["line 1", "line 2", "SD", "PD", "PFS event", "death", "alive"]
    plt.close(fig)
    # the .table, and the endpoints' table, draw the same
    fig, ax = plt.subplots()
    swimmer(cohort, tp.table, endpoints=ep.table, ax=ax)
    assert _points(ax)[:3] == [[(2.760, 0.0)], [(5.520, 0.0)], [(5.520, 0.42), (9.856, 0.42)]]
    plt.close(fig)


def test_swimmer_chooses_a_criterion() -> None:
    cohort = _one_patient()
    tp = ns.classify(cohort, ["recist1.1", "recist_mr"])
    with pytest.raises(ns.ConfigError, match="choose one with criterion="):
        swimmer(cohort, tp)
    fig, ax = plt.subplots()
    swimmer(cohort, tp, criterion=ns.criteria.get("recist_mr"), ax=ax)
    assert len(ax.collections) == 4  # SD, PD, death, alive: one criterion's markers
    plt.close(fig)
    ep = ns.derive_endpoints(cohort, tp, endpoints=["PFS"])
    with pytest.raises(ns.ConfigError, match="endpoints hold PFS under"):
        swimmer(cohort, endpoints=ep)
    with pytest.raises(ns.ConfigError, match="criterion 'choi' is not in the timepoints"):
        swimmer(cohort, tp, criterion="choi")
    with pytest.raises(ns.ConfigError, match="endpoints hold no PFS"):
        swimmer(cohort, endpoints=ns.derive_endpoints(cohort, tp, endpoints=["OS"]))
    with pytest.raises(ns.ConfigError, match="timepoints must be the Timepoints"):
        swimmer(cohort, [1, 2])  # type: ignore[arg-type]


def test_swimmer_with_many_lines_per_patient() -> None:
    """Fourteen lines for one patient (it raised IndexError beyond six): colours repeat and
    each legend entry names the lines it draws."""
    from conftest import valid_tables

    t = valid_tables()
    starts = pd.date_range("2019-01-01", periods=14, freq="30D")
    many = pd.DataFrame(
        {
            "patient_id": "P002",
            "line_id": [f"L{i + 1}" for i in range(14)],
            "regimen": "octreotide LAR",
            "regimen_class": "SSA",
            "start_date": starts.strftime("%Y-%m-%d"),
            "end_date": (starts + pd.Timedelta(days=25)).strftime("%Y-%m-%d"),
            "end_reason": "toxicity",
            "n_cycles": None,
        }
    )
    t["lines"] = pd.concat([t["lines"][t["lines"]["patient_id"] != "P002"], many])
    cohort = ns.Cohort.from_frames(**t)
    fig, ax = plt.subplots()
    swimmer(cohort, ax=ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:6] == [
        "line 1, 7, 13",
        "line 2, 8, 14",
        "line 3, 9",
        "line 4, 10",
        "line 5, 11",
        "line 6, 12",
    ]
    lane = {p.get_y() for p in ax.patches}
    assert len(ax.patches) == 14 + 2  # P002's fourteen bars and one bar each for P001, P003
    assert len(lane) == 3
    plt.close(fig)
