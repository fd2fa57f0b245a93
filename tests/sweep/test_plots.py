"""Sweep figures: the heatmap marks the best cell and hatches the non-significant ones; the
line plot draws one line per value with bootstrap bands."""

from __future__ import annotations

import warnings
from functools import cache

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.patches import Rectangle
from scipy.stats import chi2
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
        min_group=0,  # every variant selectable: these tests are about the p-value hatching
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
    assert len(hatched) == int((rows["p_adjusted"] > 0.05).sum())
    assert "search-adjusted p" in ax.get_title()
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


def test_heatmap_dots_variants_below_min_group() -> None:
    res = sweep(cohort(200, seed=4), "recist1.1", GRID, landmark_months=4, n_boot=0, n_perm=50)
    rows = res.table
    fig, ax = plt.subplots()
    sweep_heatmap(res, x="response_threshold", y="progression_threshold", ax=ax)
    small = ~rows["eligible"] & rows["logrank_chi2"].notna()
    assert small.sum() == 4  # -20 % and -30 %: fewer than 10 % of the lines respond by 4 months
    assert sum(p.get_hatch() == ".." for p in ax.patches) == 4
    assert sum(p.get_hatch() == "//" for p in ax.patches) == int(
        (rows["eligible"] & ~(rows["p_adjusted"] <= 0.05)).sum()
    )
    assert rows.loc[~rows["eligible"], "p_adjusted"].isna().all()
    assert "dotted: a group below min_group" in ax.get_title()
    red = [p for p in ax.patches if p.get_edgecolor()[:3] == (1.0, 0.0, 0.0)]
    assert (
        red[0].get_xy()[0] == 3 - 0.5
    )  # the best is a -10 % variant (x axis ascending), the only eligible ones
    plt.close(fig)


def hatched(ax) -> int:
    return sum(isinstance(p, Rectangle) and p.get_hatch() == "//" for p in ax.patches)


@cache
def result_without_permutations():
    return sweep(
        cohort(200, seed=4),
        "recist1.1",
        GRID,
        landmark_months=[4, 8],
        n_boot=0,
        n_perm=0,
        min_group=0,
    )


def test_heatmap_of_score_without_permutations_hatches_by_its_own_p_value() -> None:
    # the fallback column used to be "p_score", absent from the table: nothing was hatched
    res = result_without_permutations()
    rows = res.table[res.table["analysis"] == "landmark 4 mo"]
    p = rows["p_score"].to_numpy()
    np.testing.assert_allclose(p, chi2.sf(rows["score_chi2"].to_numpy(), 1), rtol=1e-14)
    np.testing.assert_allclose(p[[0, 2, 4]], [0.009405, 0.088621, 0.296888], atol=5e-7)
    fig, ax = plt.subplots()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sweep_heatmap(
            res,
            x="response_threshold",
            y="progression_threshold",
            analysis="landmark 4 mo",
            metric="score",
            ax=ax,
        )
    # -10 %: p = 0.009 (2 cells, plain); -20 %, -30 %: p > 0.05 (4 cells, hatched);
    # -40 %: nobody responds by 4 months (2 cells crossed, no statistic)
    assert hatched(ax) == 4
    assert sum(p.get_hatch() == "xx" for p in ax.patches) == 2
    assert "unadjusted p > 0.05" in ax.get_title()
    plt.close(fig)


@pytest.mark.parametrize("permuted", [False, True])
def test_heatmap_of_c_index_without_its_permutations_warns(permuted: bool) -> None:
    # Harrell's C has no unadjusted test; with permutations of another metric its cells
    # cannot borrow that metric's p-values either
    res = result() if permuted else result_without_permutations()
    fig, ax = plt.subplots()
    with pytest.warns(UserWarning, match="no cell is hatched"):
        sweep_heatmap(
            res,
            x="response_threshold",
            y="progression_threshold",
            analysis="landmark 8 mo",
            metric="c_index",
            ax=ax,
        )
    assert hatched(ax) == 0 and "no p-value" in ax.get_title()
    plt.close(fig)


def test_heatmap_of_another_metric_uses_that_metric_p_value() -> None:
    res = result()  # selected on the log-rank statistic, 100 permutations
    rows = res.table[res.table["analysis"] == "landmark 8 mo"]
    fig, ax = plt.subplots()
    sweep_heatmap(
        res,
        x="response_threshold",
        y="progression_threshold",
        analysis="landmark 8 mo",
        metric="lr",
        ax=ax,
    )
    assert hatched(ax) == int((rows["p_lr"] > 0.05).sum()) == 8
    assert "unadjusted p" in ax.get_title()
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
