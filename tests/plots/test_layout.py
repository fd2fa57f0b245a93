"""Constrained layout rounded to a fixed grid: the same file whatever the last bit of the
layout solver's answer (which depends on memory addresses, so differs between processes)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from netsurv.plots.layout import DECIMALS, ReproducibleLayout, reproducible_layout


def _figure() -> Figure:
    fig = Figure(figsize=(9, 6), layout="constrained")
    rng = np.random.default_rng(3)
    for i, ax in enumerate(fig.subplots(2, 2).ravel()):
        t = np.sort(rng.exponential(12, 4000))
        ax.step(t, np.linspace(1, 0, t.size), where="post")
        ax.set_title(f"panel {i}: a long title that needs room")
        ax.set_ylabel("survival probability")
    return fig


def _pdf(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", bbox_inches="tight", metadata={"CreationDate": None})
    return buf.getvalue()


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    return buf.getvalue()


def test_an_ulp_in_the_solver_does_not_reach_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    clean = _pdf(reproducible_layout(_figure()))
    solve = ConstrainedLayoutEngine.execute

    def noisy(self: ConstrainedLayoutEngine, fig: Figure) -> object:
        info = solve(self, fig)  # then one ulp off, as kiwisolver may be in another process
        for ax in fig.axes:
            x0, y0, w, h = ax.get_position(original=True).bounds
            ax.set_position((np.nextafter(x0, 1), np.nextafter(y0, 0), w, np.nextafter(h, 1)))
        return info

    monkeypatch.setattr(ConstrainedLayoutEngine, "execute", noisy)
    assert _pdf(reproducible_layout(_figure())) == clean


def test_positions_are_rounded_and_pixels_unchanged() -> None:
    fig = reproducible_layout(_figure())
    assert isinstance(fig.get_layout_engine(), ReproducibleLayout)
    png = _png(fig)
    for ax in fig.axes:
        corners = ax.get_position().get_points()
        assert (corners.round(DECIMALS) == corners).all()
    assert png == _png(_figure())  # the rounding is far below a pixel


def test_other_layouts_are_left_alone() -> None:
    fig = Figure(layout="tight")
    engine = fig.get_layout_engine()
    assert reproducible_layout(fig).get_layout_engine() is engine
    params = {"h_pad": 0.1, "w_pad": 0.2, "hspace": 0.05, "wspace": 0.06}
    fig = reproducible_layout(Figure(layout=ConstrainedLayoutEngine(compress=True, **params)))
    kept = fig.get_layout_engine()
    assert isinstance(kept, ReproducibleLayout)
    assert {k: kept.get()[k] for k in params} == params
    assert kept._compress
