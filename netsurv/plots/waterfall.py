"""Waterfall plot: best percentage change from baseline per patient × line, coloured by BOR."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba_array
from matplotlib.patches import Patch

from netsurv.criteria.combined import AnyCriterion
from netsurv.plots._pdf_runs import PolyCollection
from netsurv.plots._response import BOR_COLOURS, cutoff_lines, pick, select
from netsurv.response.classify import Timepoints


def best_change(
    timepoints: Timepoints | pd.DataFrame, *, criterion: str | None = None
) -> pd.DataFrame:
    """Best (most negative) % change from baseline of each patient × line.

    Parameters
    ----------
    timepoints
        Output of :func:`netsurv.classify` (or its table).
    criterion
        The criterion, when the table holds several.

    Returns
    -------
    pandas.DataFrame
        ``patient_id``, ``line_id``, ``criterion``, ``best_pct_change`` over the evaluable
        follow-up scans (lines without one are left out).

    Examples
    --------
    >>> import netsurv as ns
    >>> tp = ns.classify(ns.load_demo(), "recist1.1")
    >>> best_change(tp)["best_pct_change"].round(1).head(4).tolist()
    [-2.8, -35.9, -6.9, -5.8]
    """
    rows, _, _ = pick(timepoints, criterion, _COLUMNS)
    return _best_change(rows)


#: The time-point columns :func:`best_change` reads.
_COLUMNS = ("patient_id", "line_id", "role", "pct_change_baseline")


def _best_change(rows: pd.DataFrame) -> pd.DataFrame:
    """:func:`best_change` of one criterion's time-point rows."""
    fu = rows[(rows["role"] == "follow_up") & np.isfinite(rows["pct_change_baseline"])]
    out = (
        fu.groupby(["patient_id", "line_id", "criterion"], sort=True)["pct_change_baseline"]
        .min()
        .rename("best_pct_change")
        .reset_index()
    )
    return out


def waterfall(
    timepoints: Timepoints | pd.DataFrame,
    *,
    criterion: str | AnyCriterion | None = None,
    best: pd.DataFrame | None = None,
    confirm: bool | None = None,
    show_cutoffs: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Draw a waterfall plot of the best % change from baseline.

    One bar per patient × line with an evaluable follow-up scan, sorted from the largest
    increase to the largest decrease, coloured by best overall response, with dashed lines at
    the criterion's response (and minor-response) and progression cut-offs.  The bars are one
    collection (``ax.collections[0]``, a path per bar), not one patch each: a registry's
    waterfall has tens of thousands of bars.

    Parameters
    ----------
    timepoints
        Output of :func:`netsurv.classify` (or its table).
    criterion
        Criterion (or its name) to show when the table holds several; a
        :class:`~netsurv.criteria.Criterion` also gives the cut-off lines.
    best
        Best responses (:func:`netsurv.best_response`); computed when None.
    confirm
        Passed to :func:`netsurv.best_response` when ``best`` is None.
    show_cutoffs
        Draw the cut-off lines.
    ax
        Axes to draw on; a new figure is made if None.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import netsurv as ns
    >>> from netsurv.plots.waterfall import waterfall
    >>> ax = waterfall(ns.classify(ns.load_demo(), "recist1.1"))
    >>> len(ax.collections[0].get_paths()), ax.get_ylabel()
    (530, 'Best change from baseline (%)')
    """
    rows, bor, crit = select(timepoints, criterion, best, {"confirm": confirm}, _COLUMNS)
    data = _best_change(rows) if len(rows) else pd.DataFrame()
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(max(4.0, 0.12 * len(data) + 2), 3.5))
    if not data.empty:
        data = data.merge(
            bor[["patient_id", "line_id", "bor"]], on=["patient_id", "line_id"], how="left"
        )
        data = data.sort_values(
            ["best_pct_change", "patient_id", "line_id"], ascending=[False, True, True]
        )
        bar_bor = data["bor"].astype(object).fillna("NE")
        codes, hexes = pd.factorize(bar_bor.map(BOR_COLOURS).fillna("#bdbdbd"))
        colours = to_rgba_array(list(hexes))[codes]  # as matplotlib converts each bar's
        ax.add_collection(_bars(data["best_pct_change"].to_numpy(dtype=float), colours))
        ax.autoscale_view()
    ax.axhline(0, color="black", linewidth=0.6)
    if show_cutoffs:
        cutoff_lines(ax, crit)
    present = set(data["bor"].fillna("NE")) if not data.empty else set()
    handles = [Patch(color=c, label=b) for b, c in BOR_COLOURS.items() if b in present]
    if handles:
        ax.legend(
            handles=handles,
            title="BOR",
            fontsize="small",
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),  # a fixed place outside the bars
        )
    ax.set_xticks([])
    ax.set_xlabel(f"Patients × lines (n = {len(data)})")
    ax.set_ylabel("Best change from baseline (%)")
    name = str(rows["criterion"].iloc[0]) if len(rows) else ""
    ax.set_title(crit.title if crit is not None else name)
    return ax


def _bars(heights: np.ndarray, colours: np.ndarray, width: float = 0.85) -> PolyCollection:
    """Bars from 0 to ``heights`` at x = 0, 1, ... as one collection (as ``Axes.bar`` draws
    them, without an artist per bar).  The corners go in as one ``(bars, 4, 2)`` array, which
    matplotlib turns into the same closed paths as a list of polygons, without checking each
    polygon on its own (0.11 -> 0.03 s for 20,000 bars)."""
    x = np.arange(len(heights), dtype=float)
    left, right, zero = x - width / 2, x + width / 2, np.zeros(len(heights))
    corners = [(left, zero), (left, heights), (right, heights), (right, zero)]
    verts = np.stack([np.column_stack(c) for c in corners], axis=1)
    bars = PolyCollection(
        verts,  # type: ignore[arg-type]  # an (n, 4, 2) array: matplotlib's fast path
        facecolors=colours,
        edgecolors="none",
        linewidths=0,
    )
    bars.sticky_edges.y.append(0.0)
    return bars
