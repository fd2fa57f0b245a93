"""Lesion- and organ-level figures: lesion spider, lesion × time heatmap, organ waterfall.

Same conventions as the time-point figures (:mod:`netsurv.plots.spider`,
:mod:`netsurv.plots.waterfall`): each function takes ``ax=`` (or makes its own figure), draws,
and returns the Axes; legends sit at a fixed place outside the axes; nothing changes rcParams.
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from netsurv.errors import ConfigError
from netsurv.response.lesion_response import LesionResponse
from netsurv.schema.inputs import LESION_SITES

DAYS_PER_MONTH = 30.4375

#: Colour of each organ (``lesions.site``), the same in every lesion-level figure.
SITE_COLOURS = dict(
    zip(
        LESION_SITES,
        ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"),
        strict=True,
    )
)


def _one(table: pd.DataFrame, column: str, value: str | None, what: str) -> pd.DataFrame:
    """Rows with ``column == value``; without a value the table must hold just one."""
    have = list(pd.unique(table[column]))
    if value is None:
        if len(have) > 1:
            raise ConfigError(f"the {what} table holds {column} {have[:5]}...: choose one")
        return table
    if value not in have:
        raise ConfigError(f"{column} {value!r} is not in the {what} table")
    return table[table[column] == value]


def _legend(ax: Axes, sites: set[str], *, patches: bool) -> None:
    handles = [
        Patch(color=c, label=s) if patches else Line2D([], [], color=c, label=s)
        for s, c in SITE_COLOURS.items()
        if s in sites
    ]
    if handles:
        ax.legend(
            handles=handles,
            title="Organ",
            fontsize="small",
            frameon=False,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),  # outside the axes: a fixed place, not loc="best"
        )


def lesion_spider(
    lesions: LesionResponse | pd.DataFrame,
    *,
    criterion: str | None = None,
    patient_id: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw a lesion-level spider plot: % change from baseline of every followed lesion.

    One polyline per patient × line × lesion through its evaluable scans (months from the
    line's start), coloured by organ.  New lesions have no baseline and are not drawn.

    Parameters
    ----------
    lesions
        Output of :func:`netsurv.lesion_response` (or its table).
    criterion
        The criterion (or combined criterion's component) to show when the table holds
        several.
    patient_id
        Show one patient only.
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
    >>> lr = ns.lesion_response(ns.load_demo(), "recist1.1")
    >>> ax = ns.plots.lesion_spider(lr, patient_id="P0035")
    >>> len(ax.collections[0].get_segments()), ax.get_xlabel()
    (3, 'Months from start of line')
    """
    t = lesions.table if isinstance(lesions, LesionResponse) else lesions
    t = _one(t, "component", criterion, "lesion")
    if patient_id is not None:
        t = _one(t, "patient_id", patient_id, "lesion")
    ev = t[np.isfinite(t["pct_change_baseline"]) & t["baseline_value"].notna()].copy()
    ev["x"] = np.where(ev["scan_role"] == "baseline", 0.0, ev["days_from_start"] / DAYS_PER_MONTH)
    ev = ev.sort_values(["patient_id", "line_id", "lesion_id", "x"], kind="stable")
    key = ev["patient_id"].astype(str) + "\x1f" + ev["line_id"].astype(str) + "\x1f"
    key = key + ev["lesion_id"].astype(str)
    first = np.flatnonzero(key.ne(key.shift()).to_numpy())
    xy = np.column_stack([ev["x"].to_numpy(), ev["pct_change_baseline"].to_numpy()])
    segments = np.split(xy, first[1:]) if len(first) else []
    sites = ev["site"].to_numpy(dtype=object)[first]
    colours = [SITE_COLOURS.get(str(s), "#7f7f7f") for s in sites]
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    ax.add_collection(LineCollection(segments, colors=colours, linewidths=1.0))
    if len(ev):
        ax.set_xlim(ev["x"].min() - 0.5, ev["x"].max() + 0.5)
        lo, hi = ev["pct_change_baseline"].min(), ev["pct_change_baseline"].max()
        pad = 0.05 * max(hi - lo, 10.0)
        ax.set_ylim(lo - pad, hi + pad)
    ax.axhline(0, color="black", linewidth=0.6)
    _legend(ax, {str(s) for s in sites}, patches=False)
    ax.set_xlabel("Months from start of line")
    ax.set_ylabel("Lesion change from baseline (%)")
    name = str(t["component"].iloc[0]) if len(t) else ""
    ax.set_title(f"{name}: {patient_id}" if patient_id else name)
    return ax


def lesion_heatmap(
    lesions: LesionResponse | pd.DataFrame,
    *,
    patient_id: str,
    line_id: str | None = None,
    criterion: str | None = None,
    limit: float = 100.0,
    ax: Axes | None = None,
) -> Axes:
    """Draw one patient's lesion × time heatmap of the % change from baseline.

    Rows are the lesions (labelled ``lesion_id (site)``, new lesions last, marked ``new``),
    columns the follow-up scans of the line (months from its start); colours run from blue
    (shrinking) through white (0 %) to red (growing), clipped at ±``limit`` %; cells without a
    value (not evaluable, new lesions) are grey.

    Parameters
    ----------
    lesions
        Output of :func:`netsurv.lesion_response` (or its table).
    patient_id
        The patient.
    line_id
        The line, when the patient has several.
    criterion
        The criterion (or component), when the table holds several.
    limit
        Colour-scale limit in %.
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
    >>> lr = ns.lesion_response(ns.load_demo(), "recist1.1")
    >>> ax = ns.plots.lesion_heatmap(lr, patient_id="P0035")
    >>> ax.images[0].get_array().shape
    (3, 21)
    """
    t = lesions.table if isinstance(lesions, LesionResponse) else lesions
    t = _one(t, "component", criterion, "lesion")
    t = _one(t, "patient_id", patient_id, "lesion")
    t = _one(t, "line_id", line_id, "lesion")
    fu = t[t["scan_role"] == "follow_up"]
    is_new = fu["lesion_class"].eq("new").groupby(fu["lesion_id"]).all()
    order = sorted(is_new.index, key=lambda lid: (bool(is_new[lid]), str(lid)))
    grid = fu.pivot_table(
        index="lesion_id", columns="days_from_start", values="pct_change_baseline", aggfunc="first"
    ).reindex(index=order)
    values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(max(4.0, 0.4 * grid.shape[1] + 2), 0.35 * len(order) + 1.5))
    cmap = mpl.colormaps["RdBu_r"].with_extremes(bad="#d9d9d9")
    image = ax.imshow(
        np.clip(values, -limit, limit),
        aspect="auto",
        cmap=cmap,
        norm=TwoSlopeNorm(vcenter=0.0, vmin=-limit, vmax=limit),
        interpolation="nearest",
    )
    site = t.drop_duplicates("lesion_id").set_index("lesion_id")["site"]
    labels = [f"{lid} ({site[lid]}{', new' if is_new[lid] else ''})" for lid in order]
    ax.set_yticks(np.arange(len(order)), labels)
    months = np.asarray(grid.columns, dtype=float) / DAYS_PER_MONTH
    ax.set_xticks(np.arange(len(months)), [f"{m:.0f}" for m in months])
    ax.set_xlabel("Months from start of line")
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
    bar.set_label("Change from baseline (%)")
    ax.set_title(f"{t['component'].iloc[0]}: {patient_id} / {t['line_id'].iloc[0]}")
    return ax


def organ_waterfall(
    organs: pd.DataFrame,
    *,
    criterion: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw an organ-level waterfall: best % change from baseline per patient × line × organ.

    One bar per patient × line × organ with an evaluable follow-up scan (the most negative
    organ change), sorted from the largest increase to the largest decrease, coloured by
    organ.

    Parameters
    ----------
    organs
        Output of :func:`netsurv.organ_response`.
    criterion
        The criterion (or component), when the table holds several.
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
    >>> ax = ns.plots.organ_waterfall(ns.organ_response(ns.load_demo(), "recist1.1"))
    >>> len(ax.patches) > 500, ax.get_ylabel()
    (True, 'Best organ change from baseline (%)')
    """
    t = _one(organs, "component", criterion, "organ")
    fu = t[(t["scan_role"] == "follow_up") & np.isfinite(t["pct_change_baseline"])]
    best = (
        fu.groupby(["patient_id", "line_id", "site"], sort=True)["pct_change_baseline"]
        .min()
        .rename("best")
        .reset_index()
        .sort_values(["best", "patient_id", "line_id", "site"], ascending=[False, True, True, True])
    )
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(max(4.0, 0.06 * len(best) + 2), 3.5))
    colours = [SITE_COLOURS.get(str(s), "#7f7f7f") for s in best["site"]]
    ax.bar(np.arange(len(best)), best["best"], color=colours, width=0.85)
    ax.axhline(0, color="black", linewidth=0.6)
    _legend(ax, set(best["site"].astype(str)), patches=True)
    ax.set_xticks([])
    ax.set_xlabel(f"Patients × lines × organs (n = {len(best)})")
    ax.set_ylabel("Best organ change from baseline (%)")
    ax.set_title(str(t["component"].iloc[0]) if len(t) else "")
    return ax
