"""netsurv.plots._pdf_runs writes the bytes matplotlib writes, for every backend."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
import pytest
from matplotlib import collections as mcoll
from matplotlib.figure import Figure

from netsurv.plots import _pdf_runs

matplotlib.use("Agg")

METADATA = {"pdf": {"CreationDate": None}, "svg": {"Date": None}, "png": {}}
RNG = np.random.default_rng(20261207)
N = 600
HEIGHTS = np.sort(RNG.normal(0, 30, N))[::-1]
# colours that change often and come back: the same changes are met many times
PALETTE = ["#1a9850", "#fee08b", "#d73027", (0.2, 0.4, 0.6, 0.5), (0.9, 0.1, 0.1, 0.25)]
COLOURS = [PALETTE[i] for i in RNG.integers(0, len(PALETTE), N)]
SEGMENTS = [
    np.column_stack([np.arange(k, dtype=float), RNG.normal(0, 40, k)])
    for k in RNG.integers(1, 9, 200)
]
SEGMENTS[5][1, 1] = np.nan  # a gap in a line
SEGMENTS[7][:, 1] += 500  # a line off the page: clipped


def _bars(cls: type, **kw: Any) -> Any:
    x = np.arange(N, dtype=float)
    zero = np.zeros(N)
    corners = [(x - 0.4, zero), (x - 0.4, HEIGHTS), (x + 0.4, HEIGHTS), (x + 0.4, zero)]
    verts = np.stack([np.column_stack(c) for c in corners], axis=1)
    return cls(verts, **{"facecolors": COLOURS, "edgecolors": "none", "linewidths": 0, **kw})


def _lines(cls: type, **kw: Any) -> Any:
    colours = [COLOURS[3 * i] for i in range(len(SEGMENTS))]
    return cls(SEGMENTS, **{"colors": colours, "linewidths": 1.2, **kw})


CASES: dict[str, Callable[[bool], list[Any]]] = {
    "bars": lambda ours: [_bars(_pdf_runs.PolyCollection if ours else mcoll.PolyCollection)],
    "bars with edges": lambda ours: [
        _bars(
            _pdf_runs.PolyCollection if ours else mcoll.PolyCollection,
            edgecolors=[COLOURS[(i * 7) % N] for i in range(N)],
            linewidths=[0.5, 1.0],
        )
    ],
    "one colour": lambda ours: [
        _bars(_pdf_runs.PolyCollection if ours else mcoll.PolyCollection, facecolors="C0")
    ],
    "lines": lambda ours: [_lines(_pdf_runs.LineCollection if ours else mcoll.LineCollection)],
    "dashed lines": lambda ours: [
        _lines(
            _pdf_runs.LineCollection if ours else mcoll.LineCollection,
            linestyles="--",
            linewidths=[1.0, 2.0, 2.0],
        )
    ],
    "bars and lines": lambda ours: [
        _bars(_pdf_runs.PolyCollection if ours else mcoll.PolyCollection),
        _lines(_pdf_runs.LineCollection if ours else mcoll.LineCollection),
    ],
    "offsets (matplotlib draws)": lambda ours: [
        _bars(
            _pdf_runs.PolyCollection if ours else mcoll.PolyCollection,
            offsets=np.ones((N, 2)),
            offset_transform=matplotlib.transforms.IdentityTransform(),
        )
    ],
    "rasterised": lambda ours: [
        _bars(_pdf_runs.PolyCollection if ours else mcoll.PolyCollection, rasterized=True)
    ],
    "agg filter": lambda ours: [
        _filtered(_pdf_runs.LineCollection if ours else mcoll.LineCollection)
    ],
}


def _filtered(cls: type) -> Any:
    lines = _lines(cls)
    lines.set_agg_filter(lambda image, dpi: (image[::-1], 0, 0))
    return lines


def _render(case: str, ours: bool, fmt: str, tight: bool) -> bytes:
    fig = Figure(figsize=(6, 3))
    ax = fig.subplots()
    for artist in CASES[case](ours):
        ax.add_collection(artist)
    ax.autoscale_view()
    ax.set_title("runs")
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "netsurv"}):
        fig.savefig(
            buf,
            format=fmt,
            dpi=80,
            bbox_inches="tight" if tight else None,
            metadata=METADATA[fmt],
        )
    return buf.getvalue()


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("fmt", ["pdf", "svg", "png"])
def test_same_bytes_as_matplotlib(case: str, fmt: str) -> None:
    for tight in (True, False):
        assert _render(case, True, fmt, tight) == _render(case, False, fmt, tight)


@pytest.mark.skipif(not _pdf_runs.SUPPORTED, reason="this matplotlib lacks what runs need")
def test_runs_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The PDF of bars and lines goes through the runs (matplotlib draws a path only where the
    properties change to ones not met before), and matplotlib draws what they do not cover."""
    drawn: list[int] = []
    original = _pdf_runs._Runs._matplotlib

    def counted(self: Any, i: int) -> bytes:
        drawn.append(i)
        return original(self, i)

    monkeypatch.setattr(_pdf_runs._Runs, "_matplotlib", counted)
    _render("bars and lines", True, "pdf", True)
    assert 0 < len(drawn) < (N + len(SEGMENTS)) // 5
    drawn.clear()
    _render("offsets (matplotlib draws)", True, "pdf", True)
    assert drawn == []


def test_unsupported_matplotlib_draws_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where matplotlib lacks what the runs are written with, it draws every path itself."""
    monkeypatch.setattr(_pdf_runs, "SUPPORTED", False)
    monkeypatch.setattr(_pdf_runs._Runs, "draw", _fail)
    assert _render("bars and lines", True, "pdf", True) == _render(
        "bars and lines", False, "pdf", True
    )


def _fail(*args: Any) -> None:
    raise AssertionError("runs drawn")
