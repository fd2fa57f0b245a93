"""Swimmer plot: draws on a given Axes, one lane per patient, never touches rcParams."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

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
