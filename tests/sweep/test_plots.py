"""Sweep figures: the heatmap marks the best cell and hatches the non-significant ones; the
line plot draws one line per value with bootstrap bands."""

from __future__ import annotations

from functools import cache

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle
from sweep_cohort import cohort

import netsurv as ns
from netsurv.plots import sweep_heatmap, sweep_lines
from netsurv.sweep import sweep

GRID = {"response_threshold": [-0.1, -0.2, -0.3, -0.4], "progression_threshold": [0.1, 0.2]}


@cache
def result():
    return sweep(
        cohort(200, seed=4),
        "recist1.1",
        GRID,
        landmark_months=[4, 8],
        n_boot=30,
        n_perm=100,
        seed=1,
    )


def test_heatmap_marks_best_and_hatches_non_significant(tmp_path) -> None:
    res = result()
    fig, ax = plt.subplots()
    out = sweep_heatmap(
        res, x="response_threshold", y="progression_threshold", analysis="landmark 4 mo", ax=ax
    )
    assert out is ax
    rows = res.table[res.table["analysis"] == "landmark 4 mo"]
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch() == "//"]
    assert len(hatched) == int((rows["p_adjusted"] >= 0.05).sum())
    red = [p for p in ax.patches if p.get_edgecolor()[:3] == (1.0, 0.0, 0.0)]
    assert len(red) == 1
    best = rows.loc[rows["logrank_chi2"].idxmax()]
    xs = sorted(rows["response_threshold"].unique())
    ys = sorted(rows["progression_threshold"].unique())
    assert red[0].get_xy() == (
        xs.index(best["response_threshold"]) - 0.5,
        ys.index(best["progression_threshold"]) - 0.5,
    )
    fig.savefig(tmp_path / "heatmap.png")
    plt.close(fig)


def test_lines_with_bands(tmp_path) -> None:
    res = result()
    fig, ax = plt.subplots()
    sweep_lines(
        res,
        x="response_threshold",
        analysis="landmark 8 mo",
        fixed={"progression_threshold": 0.2},
        ax=ax,
    )
    assert len(ax.collections) == 1  # one bootstrap band
    assert ax.get_ylabel() == "log-rank χ²"
    fig.savefig(tmp_path / "lines.png")
    plt.close(fig)
    fig, ax = plt.subplots()
    sweep_lines(
        res,
        x="response_threshold",
        by="analysis",
        fixed={"progression_threshold": 0.1},
        metric="c_index",
        ax=ax,
    )
    assert len(ax.lines) == 3 and len(ax.collections) == 0  # 2 lines + best marker, no bands
    plt.close(fig)


def test_plot_arguments_are_checked() -> None:
    res = result()
    with pytest.raises(ns.ConfigError, match="choose an analysis"):
        sweep_heatmap(res, x="response_threshold", y="progression_threshold")
    with pytest.raises(ns.ConfigError, match="several variants"):
        sweep_lines(res, x="response_threshold", analysis="landmark 4 mo")
    with pytest.raises(ns.ConfigError, match="metric"):
        sweep_lines(res, x="response_threshold", analysis="landmark 4 mo", metric="auc")
    assert np.isfinite(res.table["metric_boot_lower"]).any()
