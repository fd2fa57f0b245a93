"""Waterfall and spider plots: draw on the given Axes (or a new figure), return it, leave
rcParams alone, show the criterion's cut-offs."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from resp_build import Case

import netsurv as ns
from netsurv.plots.spider import spider
from netsurv.plots.waterfall import best_change, waterfall
from netsurv.response import best_response, classify

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def timepoints() -> ns.response.Timepoints:
    c = Case()
    for pid, fu in (("P1", [25, 18]), ("P2", [30, 37]), ("P3", [31, 29]), ("P4", [None, 28])):
        c.scan(pid, -7, T1=30, T2=20)
        for k, v in enumerate(fu):
            c.scan(pid, 84 * (k + 1), T1=v, T2=20)
    return classify(c.build(), ["recist1.1", "recist_10"])


def test_waterfall_on_given_axes() -> None:
    tp = timepoints()
    before = dict(matplotlib.rcParams)
    fig, axes = plt.subplots(1, 2)
    ax = waterfall(tp, criterion="recist1.1", ax=axes[1])
    assert ax is axes[1]
    heights = sorted(p.vertices[1, 1] for p in ax.collections[0].get_paths())
    best = best_change(tp, criterion="recist1.1")["best_pct_change"]
    assert heights == pytest.approx(sorted(best))
    assert len(heights) == 4
    # dashed cut-off lines at -30 % and +20 %
    ys = sorted(line.get_ydata()[0] for line in ax.get_lines() if line.get_linestyle() == "--")
    assert ys == pytest.approx([-30.0, 20.0])
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert legend == set(best_response(tp, confirm=False).query("criterion == 'recist1.1'")["bor"])
    assert dict(matplotlib.rcParams) == before
    ARTIFACTS.mkdir(exist_ok=True)
    fig.savefig(ARTIFACTS / "waterfall.png")
    plt.close(fig)


def test_waterfall_makes_its_own_figure_and_needs_a_criterion_choice() -> None:
    tp = timepoints()
    ax = waterfall(tp, criterion=ns.criteria.RECIST_10)
    assert ax.figure is not None and ax.get_title() == ns.criteria.RECIST_10.title
    plt.close(ax.figure)
    with pytest.raises(ns.ConfigError, match="criterion="):
        waterfall(tp)


def test_spider_on_given_axes() -> None:
    tp = timepoints()
    before = dict(matplotlib.rcParams)
    fig, ax0 = plt.subplots()
    ax = spider(tp.table, criterion="recist1.1", ax=ax0)
    assert ax is ax0
    segs = ax.collections[0].get_segments()
    assert len(segs) == 4
    first = segs[0]
    assert first[0].tolist() == [0.0, 0.0]  # baseline at 0 %, month 0
    assert np.isclose(first[-1][0], 168 / 30.4375)
    assert dict(matplotlib.rcParams) == before
    fig.savefig(ARTIFACTS / "spider.png")
    plt.close(fig)
