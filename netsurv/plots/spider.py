"""Spider plot: % change from baseline over time, one line per patient × line."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from netsurv.criteria.combined import AnyCriterion
from netsurv.plots._pdf_runs import LineCollection
from netsurv.plots._response import BOR_COLOURS, cutoff_lines, select
from netsurv.response.classify import Timepoints

DAYS_PER_MONTH = 30.4375
#: The time-point columns the spider plot reads.
_COLUMNS = ("patient_id", "line_id", "role", "days_from_start", "pct_change_baseline", "response")


def spider(
    timepoints: Timepoints | pd.DataFrame,
    *,
    criterion: str | AnyCriterion | None = None,
    best: pd.DataFrame | None = None,
    confirm: bool | None = None,
    show_cutoffs: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Draw a spider plot of the % change from baseline over time.

    Each patient × line is a polyline from 0 % at the start through its evaluable scans
    (months from the line's start), coloured by best overall response; a marker shows the
    scan where PD was first recorded.

    Parameters
    ----------
    timepoints
        Output of :func:`netsurv.classify` (or its table).
    criterion
        Criterion (or its name) to show when the table holds several.
    best
        Best responses (:func:`netsurv.best_response`); computed when None.
    confirm
        Passed to :func:`netsurv.best_response` when ``best`` is None.
    show_cutoffs
        Draw dashed lines at the response and progression cut-offs.
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
    >>> from netsurv.plots.spider import spider
    >>> ax = spider(ns.classify(ns.load_demo(), "recist1.1"))
    >>> len(ax.collections[0].get_segments()), ax.get_xlabel()
    (558, 'Months from start of line')
    """
    rows, bor, crit = select(timepoints, criterion, best, {"confirm": confirm}, _COLUMNS)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    ev = rows[np.isfinite(rows["pct_change_baseline"])].copy()
    ev["x"] = np.where(ev["role"] == "baseline", 0.0, ev["days_from_start"] / DAYS_PER_MONTH)
    ev = ev.sort_values(["patient_id", "line_id", "x"], kind="stable")
    key = ev["patient_id"].astype(str) + "\x1f" + ev["line_id"].astype(str)
    first = np.flatnonzero(key.ne(key.shift()).to_numpy())
    xy = np.column_stack([ev["x"].to_numpy(), ev["pct_change_baseline"].to_numpy()])
    segments = np.split(xy, first[1:]) if len(first) else []
    line_bor = ev.iloc[first][["patient_id", "line_id"]].merge(
        bor[["patient_id", "line_id", "bor"]], on=["patient_id", "line_id"], how="left"
    )["bor"]
    colours = [BOR_COLOURS.get(str(b), "#bdbdbd") for b in line_bor.fillna("NE")]
    ax.add_collection(LineCollection(segments, colors=colours, linewidths=1.2))
    first_pd = ev[(ev["response"] == "PD")].drop_duplicates(["patient_id", "line_id"])
    if len(first_pd):
        ax.scatter(
            first_pd["x"], first_pd["pct_change_baseline"], marker="x", c="black", s=20, zorder=3
        )
    if len(ev):
        ax.set_xlim(ev["x"].min() - 0.5, ev["x"].max() + 0.5)
        lo, hi = ev["pct_change_baseline"].min(), ev["pct_change_baseline"].max()
        pad = 0.05 * max(hi - lo, 10.0)
        ax.set_ylim(lo - pad, hi + pad)
    ax.axhline(0, color="black", linewidth=0.6)
    if show_cutoffs:
        cutoff_lines(ax, crit)
    present = {str(c) for c in bor["bor"]} if len(bor) else set()
    handles = [Line2D([], [], color=c, label=b) for b, c in BOR_COLOURS.items() if b in present]
    handles.append(Line2D([], [], color="black", marker="x", linestyle="", label="first PD"))
    ax.legend(
        handles=handles,
        title="BOR",
        fontsize="small",
        frameon=False,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),  # outside the axes: a fixed place, not loc="best"
    )
    ax.set_xlabel("Months from start of line")
    ax.set_ylabel("Change from baseline (%)")
    name = str(rows["criterion"].iloc[0]) if len(rows) else ""
    ax.set_title(crit.title if crit is not None else name)
    return ax
