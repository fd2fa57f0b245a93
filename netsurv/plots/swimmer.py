"""Swimmer plot: one lane per patient with treatment lines, responses, progression and death."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from netsurv.cohort import Cohort
from netsurv.criteria.combined import AnyCriterion
from netsurv.endpoints.result import EndpointResult
from netsurv.errors import ConfigError
from netsurv.plots._response import pick
from netsurv.response.classify import Timepoints

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
PFS_EVENT_STYLE = ("#762a83", "v")
DAYS_PER_MONTH = 30.4375


def swimmer(
    cohort: Cohort,
    timepoints: Timepoints | pd.DataFrame | None = None,
    *,
    criterion: str | AnyCriterion | None = None,
    endpoints: EndpointResult | pd.DataFrame | None = None,
    patients: Sequence[str] | None = None,
    max_patients: int = 40,
    ax: Axes | None = None,
) -> Axes:
    """Draw a swimmer plot.

    Each patient is a lane starting at the first line's start (month 0): one bar per treatment
    line (to its end date, else to death or last contact), a marker per follow-up scan coloured
    by its response (when ``timepoints`` are given), a triangle above the lane at each line's
    PFS event (when ``endpoints`` are given), and at the end of follow-up a black cross for
    death or an arrow for a patient alive at last contact.

    Parameters
    ----------
    cohort
        The cohort.
    timepoints
        Optional time-point responses: the :class:`~netsurv.response.Timepoints` returned by
        :func:`netsurv.classify`, or a table with columns ``patient_id``, ``date``,
        ``response`` and ``criterion`` (e.g. its ``.table``).
    criterion
        Which criterion's responses (and PFS) to show when ``timepoints`` or ``endpoints``
        hold several.
    endpoints
        Optional derived endpoints (:func:`netsurv.derive_endpoints` or its ``.table``): each
        line's PFS event (progression or death, ``event == 1``) under the criterion is marked.
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
    >>> cohort = ns.load_demo()
    >>> tp = ns.classify(cohort, "recist1.1")
    >>> ax = swimmer(cohort, tp, endpoints=ns.derive_endpoints(cohort, tp, endpoints="PFS"))
    >>> "PFS event" in [t.get_text() for t in ax.get_legend().get_texts()]
    True
    """
    tp, name = _timepoints(timepoints, criterion)
    pfs = _pfs_events(endpoints, name if name is not None else criterion)
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
    handles: list[Line2D | Patch] = _line_handles(int(ln["number"].max()) + 1 if len(ln) else 0)
    if tp is not None:
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
    if pfs is not None:
        pfs = pfs[pfs["patient_id"].isin(order)]
        colour, marker = PFS_EVENT_STYLE
        ax.scatter(
            months(pfs["date"], pfs["patient_id"]),
            lane.reindex(pfs["patient_id"]).to_numpy() + 0.42,
            c=colour,
            marker=marker,
            s=30,
            zorder=4,
        )
        handles.append(Line2D([], [], color=colour, marker=marker, linestyle="", label="PFS event"))
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


def _line_handles(n_lines: int) -> list[Line2D | Patch]:
    """Legend entries of the line colours: one per line number while the colours last, then
    each colour names the lines it draws (``line 1, 7, 13, …``).

    Examples
    --------
    >>> [h.get_label() for h in _line_handles(8)][:2]
    ['line 1, 7', 'line 2, 8']
    """
    k = len(LINE_COLOURS)
    handles: list[Line2D | Patch] = []
    for i in range(min(n_lines, k)):
        numbers = [str(n + 1) for n in range(i, n_lines, k)]
        shown = numbers if len(numbers) <= 3 else [*numbers[:3], "…"]
        handles.append(Patch(color=LINE_COLOURS[i], label="line " + ", ".join(shown)))
    return handles


def _timepoints(
    timepoints: Timepoints | pd.DataFrame | None, criterion: str | AnyCriterion | None
) -> tuple[pd.DataFrame | None, str | None]:
    """The chosen criterion's time-point rows and its name (None without timepoints)."""
    if timepoints is None:
        return None, None
    if isinstance(timepoints, pd.DataFrame) and "criterion" not in timepoints.columns:
        return timepoints, None  # one reader's responses: nothing to choose
    if not isinstance(timepoints, (Timepoints, pd.DataFrame)):
        raise ConfigError(
            "timepoints must be the Timepoints of netsurv.classify or its .table, "
            f"got {type(timepoints).__name__}"
        )
    rows, name, _ = pick(timepoints, criterion, ("patient_id", "date", "response"))
    return rows, name


def _pfs_events(
    endpoints: EndpointResult | pd.DataFrame | None, criterion: str | AnyCriterion | None
) -> pd.DataFrame | None:
    """PFS events (patient_id, date) under the criterion, from derived endpoints."""
    if endpoints is None:
        return None
    table = endpoints.table if isinstance(endpoints, EndpointResult) else endpoints
    if not isinstance(table, pd.DataFrame):
        raise ConfigError(
            "endpoints must be the EndpointResult of netsurv.derive_endpoints or its .table, "
            f"got {type(endpoints).__name__}"
        )
    pfs = table[table["endpoint"] == "PFS"]
    if pfs.empty and not table.empty:
        have = sorted(pd.unique(table["endpoint"]))
        raise ConfigError(f"endpoints hold no PFS (have {have}); derive it with endpoints=['PFS']")
    names = list(pd.unique(pfs["criterion"]))
    name = criterion.name if isinstance(criterion, AnyCriterion) else criterion
    if name is None:
        if len(names) > 1:
            raise ConfigError(f"endpoints hold PFS under {names}: choose one with criterion=")
        name = names[0] if names else None
    elif name not in names:
        raise ConfigError(f"no PFS under {name!r} in the endpoints (have {names})")
    return pfs[(pfs["criterion"] == name) & (pfs["event"] == 1)]
