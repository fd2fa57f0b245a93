"""Lesion spider, lesion × time heatmap and organ waterfall: draw on the given Axes (or a new
figure), return it, leave rcParams alone, place the legend outside the axes, draw the right
data (hand-worked)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from resp_build import Case

import netsurv as ns


def cohort() -> ns.Cohort:
    c = Case()
    bone = {"site": "bone", "long_axis_mm": 20}
    c.scan("P1", -7, T1=30, T2=bone)
    c.scan("P1", 56, T1=15, T2={"site": "bone", "long_axis_mm": 26})
    c.scan("P1", 112, T1=12, T2={"site": "bone", "long_axis_mm": 30}, X1=11)
    c.scan("P2", -7, T1=40)
    c.scan("P2", 56, T1=44)
    return c.build()


def test_lesion_spider_one_line_per_lesion_coloured_by_organ() -> None:
    lr = ns.lesion_response(cohort(), "recist1.1")
    before = dict(matplotlib.rcParams)
    fig, ax = plt.subplots()
    out = ns.plots.lesion_spider(lr, ax=ax)
    assert out is ax
    segs = ax.collections[0].get_segments()
    assert len(segs) == 3  # P1 T1, P1 T2, P2 T1 (the new lesion has no baseline)
    ys = sorted(tuple(np.round(s[:, 1], 1)) for s in segs)
    assert ys == [(0.0, -50.0, -60.0), (0.0, 10.0), (0.0, 30.0, 50.0)]
    colours = {tuple(c) for c in ax.collections[0].get_colors()}
    assert len(colours) == 2  # liver and bone
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["liver", "bone"]
    assert legend._loc == 2 and legend.get_bbox_to_anchor() is not None  # fixed, outside
    assert dict(matplotlib.rcParams) == before
    plt.close(fig)


def test_lesion_heatmap_rows_lesions_columns_scans() -> None:
    lr = ns.lesion_response(cohort(), "recist1.1")
    ax = ns.plots.lesion_heatmap(lr, patient_id="P1")
    grid = ax.images[0].get_array()
    assert grid.shape == (3, 2)
    np.testing.assert_allclose(grid[0], [-50.0, -60.0])
    np.testing.assert_allclose(grid[1], [30.0, 50.0])
    assert grid.mask[2].all()  # the new lesion: no change from baseline
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["T1 (liver)", "T2 (bone)", "X1 (liver, new)"]
    plt.close(ax.figure)
    with pytest.raises(ns.ConfigError, match="patient_id 'P9'"):
        ns.plots.lesion_heatmap(lr, patient_id="P9")


def test_organ_waterfall_best_change_per_organ() -> None:
    org = ns.organ_response(cohort(), "recist1.1")
    fig, ax = plt.subplots()
    ns.plots.organ_waterfall(org, ax=ax)
    heights = [round(p.get_height(), 1) for p in ax.patches]
    assert heights == [30.0, 10.0, -60.0]  # P1 bone best +30, P2 liver +10, P1 liver -60
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["liver", "bone"]
    plt.close(fig)
