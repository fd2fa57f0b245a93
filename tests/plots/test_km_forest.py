"""KM figure with the at-risk table on a shared-x row, forest plot, paper style.

The tests check structure (the table's columns sit on the curve's x ticks, its numbers are the
risk-table DataFrame, nothing touches rcParams) and write PNGs to tests/artifacts/ for a look:
km_1group.png, km_2groups.png, km_4groups.png, km_grid.png, km_simon_makuch.png,
km_long_follow_up.png, forest.png.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import netsurv as ns
import netsurv.styles
from netsurv.plots import at_risk_axes, forest_plot, km_plot
from netsurv.survival import kaplan_meier, landmark, time_dependent_cox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "survival"))
from sim_cohort import simulate_cohort

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="module")
def lm() -> ns.survival.LandmarkResult:
    cohort = simulate_cohort(300, seed=4, response_hr=0.6)
    return landmark(cohort, criterion="recist1.1", at_months=[3, 6, 9, 12])


def save(fig: plt.Figure, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    fig.savefig(ARTIFACTS / name, dpi=90)
    plt.close(fig)


def check_table(ax: plt.Axes, km: ns.survival.KaplanMeierResult) -> None:
    """The at-risk row shares x with the curve and shows the risk-table DataFrame."""
    tab = at_risk_axes(ax)
    assert tab is not None
    assert ax.get_shared_x_axes().joined(ax, tab)
    ticks = ax.get_xticks()
    np.testing.assert_array_equal(tab.get_xticks(), ticks)
    assert tab.get_xlim() == ax.get_xlim()
    expected = km.risk_table(ticks)
    drawn = pd.DataFrame(
        [(t.get_position()[0], t.get_position()[1], t.get_text()) for t in tab.texts],
        columns=["time", "row", "text"],
    )
    assert len(drawn) == len(expected)
    for row, g in enumerate(km.groups):
        got = drawn[drawn["row"] == row]
        want = expected[expected["group"] == g]
        np.testing.assert_array_equal(got["time"].to_numpy(), ticks)
        assert got["text"].tolist() == [f"{n:g}" for n in want["n_risk"]]
    assert [t.get_text() for t in tab.get_yticklabels()] == [str(g) for g in km.groups]
    # the table sits below the curve, inside the grid cell the curve was given
    ax.figure.canvas.draw()
    assert tab.get_position().y1 <= ax.get_position().y0 + 1e-9


@pytest.mark.parametrize("n_groups", [1, 2, 4])
def test_km_plot_with_at_risk_table(lm: ns.survival.LandmarkResult, n_groups: int) -> None:
    before = dict(matplotlib.rcParams)
    if n_groups == 1:
        km = kaplan_meier(lm.units, duration_col="time", event_col="event")
        ax = km_plot(km)
    elif n_groups == 2:
        km = lm.km[6.0]
        ax = km_plot(km, logrank=lm.logrank[6.0], cox=lm.cox[6.0], title="6-month landmark")
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert legend == ["non-responder (n = 197)", "responder (n = 47)"]
        notes = [t.get_text() for t in ax.texts]
        assert any(t.startswith("Log-rank p = ") and "\nHR 0.61 (95% CI" in t for t in notes)
    else:
        arms = np.array(["arm A", "arm B", "arm C", "arm D"])
        u = lm.units.assign(arm=arms[np.arange(len(lm.units)) % 4])
        km = kaplan_meier(u, duration_col="time", event_col="event", by="arm")
        ax = km_plot(km, times=[0, 12, 24, 36, 48, 60])
        np.testing.assert_array_equal(ax.get_xticks(), [0, 12, 24, 36, 48, 60])
    check_table(ax, km)
    # one median line per group that reaches its median
    dotted = [ln for ln in ax.lines if ln.get_linestyle() == ":"]
    assert len(dotted) == int(np.isfinite(km.medians["median"]).sum())
    assert dict(matplotlib.rcParams) == before
    save(ax.figure, f"km_{n_groups}group{'s' if n_groups > 1 else ''}.png")


def test_km_plot_inside_a_subplot_grid(lm: ns.survival.LandmarkResult) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5), layout="constrained")
    for a, mark in zip(axes.ravel(), [3.0, 6.0, 9.0, 12.0], strict=True):
        out = km_plot(lm.km[mark], ax=a, logrank=lm.logrank[mark], title=f"Landmark {mark:g} mo")
        assert out is a
    assert len(fig.axes) == 8
    for a, mark in zip(axes.ravel(), [3.0, 6.0, 9.0, 12.0], strict=True):
        check_table(a, lm.km[mark])
    # each table stays in its own cell: left column tables left of the right column curves
    fig.canvas.draw()
    left_tab = at_risk_axes(axes[1, 0])
    assert left_tab is not None
    assert left_tab.get_position().x1 < axes[1, 1].get_position().x0
    assert at_risk_axes(axes[0, 0]).get_position().y0 > axes[1, 0].get_position().y1
    save(fig, "km_grid.png")


def test_simon_makuch_curves_draw_like_km() -> None:
    cohort = simulate_cohort(300, seed=4, response_hr=0.6)
    td = time_dependent_cox(cohort, criterion="recist1.1")
    ax = km_plot(td.simon_makuch, logrank=td.mantel_byar, title="Simon–Makuch")
    check_table(ax, td.simon_makuch)
    tab = at_risk_axes(ax)
    # nobody is a responder at time 0: the responder row starts at 0
    assert tab is not None and tab.texts[len(ax.get_xticks())].get_text() == "0"
    assert any(t.get_text().startswith("Mantel–Byar p") for t in ax.texts)
    save(ax.figure, "km_simon_makuch.png")


def test_km_plot_options_and_errors(lm: ns.survival.LandmarkResult) -> None:
    fig = plt.figure()
    free = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    with pytest.raises(ns.ConfigError, match="must come from a grid"):
        km_plot(lm.km[6.0], ax=free)
    ax = km_plot(lm.km[6.0], ax=free, at_risk=False, ci=False, censor_marks=False)
    assert at_risk_axes(ax) is None
    assert not ax.collections  # no CI band
    with pytest.raises(ns.ConfigError, match="increasing"):
        km_plot(lm.km[6.0], times=[0, 10, 5])
    with pytest.raises(ns.ConfigError, match="need 2 colors"):
        km_plot(lm.km[6.0], colors=["red"])
    plt.close("all")


def test_forest_plot(lm: ns.survival.LandmarkResult) -> None:
    before = dict(matplotlib.rcParams)
    table = lm.table.assign(label=[f"{m:g} months" for m in lm.table["landmark"]])
    table.loc[len(table)] = {"label": "no model", "hr": np.nan, "lower": np.nan, "upper": np.nan}
    ax = forest_plot(table, label="label", title="Responders vs non-responders, OS")
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == [*table["label"]]
    ref = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert len(ref) == 1 and ref[0].get_xdata()[0] == 1.0
    notes = [t.get_text() for t in ax.texts]
    h = lm.table.iloc[0]
    assert notes[0] == f"{h['hr']:.2f} ({h['lower']:.2f}–{h['upper']:.2f})"
    assert notes[-1] == "not estimable"
    assert dict(matplotlib.rcParams) == before
    save(ax.figure, "forest.png")
    with pytest.raises(ns.ConfigError, match="lacks column"):
        forest_plot(table.drop(columns="upper"), label="label")
    bad = pd.DataFrame({"criterion": ["x"], "hr": [2.0], "lower": [0.5], "upper": [1.5]})
    with pytest.raises(ns.ConfigError, match="must lie within"):
        forest_plot(bad)


def test_paper_style_is_packaged_and_used_only_in_a_context(lm) -> None:
    path = Path(netsurv.styles.paper_style())
    assert path.is_file() and path.suffix == ".mplstyle"
    before = dict(matplotlib.rcParams)
    with plt.style.context(netsurv.styles.paper_style()):
        ax = km_plot(lm.km[12.0])
        assert plt.rcParams["pdf.fonttype"] == 42
        check_table(ax, lm.km[12.0])
        save(ax.figure, "km_paper_style.png")
    assert dict(matplotlib.rcParams) == before
    with pytest.raises(ns.ConfigError, match="unknown style"):
        netsurv.styles.style_path("poster")


def test_ticks_and_at_risk_columns_cover_curves_longer_than_the_times_given() -> None:
    """The demo's OS curves run to about 110 months; ticks asked for stop at 60 (the run's
    km.risk_times_months): the axis goes on at the same spacing to the end of the curves."""
    ep = ns.derive_endpoints(ns.load_demo(), endpoints=["OS"]).table
    km = kaplan_meier(ep, duration_col="months", event_col="event")
    t_max = float(km.table["time"].max())
    assert t_max > 100
    ax = km_plot(km, times=[0, 12, 24, 36, 48, 60])
    ticks = ax.get_xticks()
    np.testing.assert_array_equal(ticks, np.arange(0, t_max, 12))
    assert ticks[-1] > t_max - 12 and ax.get_xlim()[1] >= t_max
    check_table(ax, km)  # an at-risk column under every tick
    save(ax.figure, "km_long_follow_up.png")
    # times that already reach the end of the curves are kept as given
    ax = km_plot(km, times=[0, 50, 100, 150])
    np.testing.assert_array_equal(ax.get_xticks(), [0, 50, 100, 150])
    # a fine spacing is widened rather than crowding the axis
    ax = km_plot(km, times=[0, 1, 2])
    assert len(ax.get_xticks()) <= 10 and ax.get_xticks()[-1] > t_max - 20
    plt.close("all")


def test_forest_plot_of_firth_landmarks_on_the_demo() -> None:
    """One RECIST 1.1 responder without events: not estimable by ML, finite with Firth."""
    demo = ns.load_demo()
    with pytest.warns(ns.survival.CoxConvergenceWarning, match="penalty='firth'"):
        plain = landmark(demo, criterion="recist1.1", at_months=[6, 12])
    firth = landmark(demo, criterion="recist1.1", at_months=[6, 12], penalty="firth")
    assert plain.table.loc[0, "hr"] < 1e-10 and np.isinf(plain.table.loc[0, "upper"])
    row = firth.table.iloc[0]
    assert 0 < row["lower"] < row["hr"] < row["upper"] < np.inf
    table = firth.table.assign(label=[f"{m:g} months" for m in firth.table["landmark"]])
    ax = forest_plot(table, label="label", xlabel="HR, Firth-penalised (profile 95% CI)")
    notes = [t.get_text() for t in ax.texts]
    assert notes[0] == f"{row['hr']:.2f} ({row['lower']:.2f}–{row['upper']:.2f})"
    assert "not estimable" not in notes
    save(ax.figure, "forest_firth.png")
    plt.close("all")
