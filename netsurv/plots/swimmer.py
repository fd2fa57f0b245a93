"""Swimmer plot: one lane per patient with treatment lines, responses, progression and death."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from netsurv.cohort import Cohort

RESPONSE_STYLE = {
    "CR": ("#1a9850", "o"),
    "PR": ("#91cf60", "o"),
    "MR": ("#d9ef8b", "o"),
    "SD": ("#fee08b", "s"),
    "NON-CR/NON-PD": ("#fee08b", "D"),
    "PD": ("#d73027", "X"),
    "NE": ("#bdbdbd", "."),
}
LINE_COLOURS = ("#4575b4", "#74add1", "#abd9e9", "#313695", "#8073ac", "#b2abd2")
DAYS_PER_MONTH = 30.4375


def swimmer(
    cohort: Cohort,
    timepoints: pd.DataFrame | None = None,
    *,
    criterion: str | None = None,
    patients: Sequence[str] | None = None,
    max_patients: int = 40,
    ax: Axes | None = None,
) -> Axes:
    """Draw a swimmer plot.

    Each patient is a lane starting at the first line's start (month 0): one bar per treatment
    line (to its end date, else to death or last contact), a marker per follow-up scan coloured
    by its response (when ``timepoints`` are given), and at the end of follow-up a black
    cross for death or an arrow for a patient alive at last contact.

    Parameters
    ----------
    cohort
        The cohort.
    timepoints
        Optional time-point responses (columns ``patient_id``, ``date``, ``response`` and
        ``criterion``), e.g. from :func:`netsurv.classify`.
    criterion
        Which criterion's responses to show when ``timepoints`` hold several.
    patients
        Patients to show (default: the first ``max_patients`` by longest follow-up).
    max_patients
        Cap on the number of lanes.
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
    >>> from netsurv.plots import swimmer
    >>> ax = swimmer(ns.load_demo())
    >>> ax.get_xlabel()
    'Months from start of first line'
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 0.3 * min(max_patients, cohort.n_patients) + 1.5))
    pts = cohort.patients.set_index("patient_id")
    lines = cohort.lines.sort_values(["patient_id", "start_date", "line_id"])
    t0 = lines.groupby("patient_id")["start_date"].min()
    end = pts["death_date"].fillna(pts["last_alive_date"]).reindex(t0.index)
    if patients is None:
        order = ((end - t0).dt.days).sort_values(ascending=False).index[:max_patients]
    else:
        order = pd.Index(list(patients)[:max_patients])
    lane = pd.Series(np.arange(len(order))[::-1], index=order)

    def months(dates: pd.Series, pid: pd.Series) -> np.ndarray:
        return (
            (dates.to_numpy() - t0.reindex(pid).to_numpy())
            / np.timedelta64(1, "D")
            / DAYS_PER_MONTH
        )

    ln = lines[lines["patient_id"].isin(order)].copy()
    ln["number"] = ln.groupby("patient_id").cumcount()
    stop = ln["end_date"].fillna(ln["patient_id"].map(end))
    x0, x1 = months(ln["start_date"], ln["patient_id"]), months(stop, ln["patient_id"])
    colours = [LINE_COLOURS[n % len(LINE_COLOURS)] for n in ln["number"]]
    ax.barh(
        lane.reindex(ln["patient_id"]).to_numpy(),
        np.maximum(x1 - x0, 0.05),
        left=x0,
        height=0.6,
        color=colours,
        edgecolor="none",
    )
    handles: list[Line2D | Patch] = [
        Patch(color=LINE_COLOURS[i], label=f"line {i + 1}")
        for i in range(int(ln["number"].max()) + 1 if len(ln) else 0)
    ]
    if timepoints is not None:
        tp = timepoints
        if criterion is not None:
            tp = tp[tp["criterion"] == criterion]
        tp = tp[tp["patient_id"].isin(order)]
        for resp, (colour, marker) in RESPONSE_STYLE.items():
            sel = tp[tp["response"] == resp]
            if sel.empty:
                continue
            ax.scatter(
                months(sel["date"], sel["patient_id"]),
                lane.reindex(sel["patient_id"]).to_numpy(),
                c=colour,
                marker=marker,
                s=28,
                zorder=3,
                edgecolors="black",
                linewidths=0.3,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    color=colour,
                    marker=marker,
                    linestyle="",
                    markeredgecolor="black",
                    label=resp,
                )
            )
    dead = pts["death_date"].reindex(order).notna().to_numpy()
    x_end = months(end.reindex(order), pd.Series(order))
    y = lane.to_numpy()
    ax.scatter(x_end[dead], y[dead], marker="x", c="black", s=30, zorder=4)
    ax.scatter(x_end[~dead], y[~dead], marker=">", c="black", s=20, zorder=4)
    handles += [
        Line2D([], [], color="black", marker="x", linestyle="", label="death"),
        Line2D([], [], color="black", marker=">", linestyle="", label="alive"),
    ]
    ax.set_yticks(y, labels=list(order))
    ax.set_xlabel("Months from start of first line")
    ax.set_ylabel("Patient")
    ax.set_xlim(left=min(0.0, float(np.nanmin(x0)) if len(x0) else 0.0))
    ax.legend(
        handles=handles,
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        fontsize="small",
        frameon=False,
    )
    return ax
