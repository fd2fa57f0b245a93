"""Log hazard-ratio curve of a continuous marker: draws on the given Axes, the curve and band
are the result's table, the cut-offs are marked, rcParams untouched (writes
tests/artifacts/log_hr_curve.png for a look)."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

import netsurv as ns
from netsurv.errors import ConfigError
from netsurv.plots import log_hr_plot

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="module")
def cmp() -> ns.survival.CriteriaComparison:
    cohort = ns.simulate_cohort(200, seed=17, scenario="prrt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ns.survival.compare_criteria(
            cohort,
            criteria=["sstv", "early_sstv", "recist1.1"],
            outcome="PFS",
            outcome_criterion="recist1.1",
            continuous="sstv",
            at_months=4,
            horizons=[12],
            n_boot=0,
        )


def test_draws_curve_band_and_cutoffs_on_the_given_axes(
    cmp: ns.survival.CriteriaComparison,
) -> None:
    before = dict(matplotlib.rcParams)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    out = log_hr_plot(cmp, ax=ax, title="SST-TV change at 4 months")
    assert out is ax
    m = cmp.continuous
    line = ax.get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), m.curve["x"])
    np.testing.assert_array_equal(line.get_ydata(), m.curve["log_hr"])
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(m.curve["lower"].min())
    assert band[:, 1].max() == pytest.approx(m.curve["upper"].max())
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == ["early_sstv \N{MINUS SIGN}10 %", "sstv \N{MINUS SIGN}40 %"]
    verticals = [ln.get_xdata()[0] for ln in ax.get_lines() if ln.get_linestyle() == ":"]
    assert sorted(verticals) == [-40.0, -10.0]
    assert "sstv" in ax.get_xlabel() and "4-month" in ax.get_xlabel()
    assert dict(matplotlib.rcParams) == before
    ARTIFACTS.mkdir(exist_ok=True)
    fig.savefig(ARTIFACTS / "log_hr_curve.png", dpi=90)
    plt.close(fig)


def test_makes_its_own_figure_without_axes(cmp: ns.survival.CriteriaComparison) -> None:
    before = plt.get_fignums()
    ax = log_hr_plot(cmp.continuous, show_data=False)
    assert ax.figure.number not in before
    assert not [ln for ln in ax.get_lines() if ln.get_marker() in ("|", "^")]  # no rug, knots
    plt.close(ax.figure)


def test_a_comparison_without_marker_is_refused() -> None:
    cohort = ns.simulate_cohort(120, seed=2, scenario="prrt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = ns.survival.compare_criteria(
            cohort, criteria=["sstv"], at_months=4, horizons=[12], n_boot=0
        )
    with pytest.raises(ConfigError, match="no continuous marker"):
        log_hr_plot(plain)
