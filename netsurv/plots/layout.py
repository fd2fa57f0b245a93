"""Constrained layout that places axes the same way in every process.

matplotlib's constrained layout solves for the axes' positions with kiwisolver, whose sums run
in an order that depends on where its objects happen to sit in memory: the same figure drawn in
two processes can get axes positions that differ in the last bit (``0.6320933327991455`` vs
``...453``).  That is invisible on screen, but it moves path vertices by a rounding step, which
can change where matplotlib's path simplification cuts a long step curve: the same run then
writes PDF files that differ (e.g. a Kaplan–Meier curve of 5,000 patients).  The engine here
solves the layout as matplotlib does and then rounds every axes' position to
:data:`DECIMALS` decimals of the figure (far below a pixel or a PDF point), so the file
depends on the figure alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.transforms import Bbox

__all__ = ["DECIMALS", "ReproducibleLayout", "reproducible_layout"]

#: Decimals of the figure's width and height to which axes positions are rounded.
DECIMALS = 10


class ReproducibleLayout(ConstrainedLayoutEngine):
    """matplotlib's :class:`~matplotlib.layout_engine.ConstrainedLayoutEngine`, with the axes'
    positions rounded to :data:`DECIMALS` decimals after each solve.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(layout=ReproducibleLayout())
    >>> ax = fig.add_subplot()
    >>> fig.draw_without_rendering()
    >>> bool((ax.get_position().get_points().round(DECIMALS) == ax.get_position().get_points()).all())
    True
    """

    def execute(self, fig: Any) -> Any:
        """Solve the layout (as matplotlib does), then round the positions."""
        info = super().execute(fig)
        for ax in fig.axes:
            for which, original in (("original", True), ("active", False)):
                corners = ax.get_position(original=original).get_points()
                ax.set_position(Bbox(np.round(corners, DECIMALS)), which=which)
        return info


def reproducible_layout(fig: Figure) -> Figure:
    """The figure with its constrained layout (if it has one) replaced by the same layout,
    same parameters, as a :class:`ReproducibleLayout`; any other layout is left alone.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = reproducible_layout(Figure(layout="constrained"))
    >>> type(fig.get_layout_engine()).__name__
    'ReproducibleLayout'
    """
    engine = fig.get_layout_engine()
    if type(engine) is ConstrainedLayoutEngine:
        params = engine.get()
        compress = bool(getattr(engine, "_compress", False))
        fig.set_layout_engine(ReproducibleLayout(compress=compress, **params))
    return fig
