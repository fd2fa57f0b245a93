"""Cumulative incidence figure under competing risks, with an at-risk table on a shared-x row.

Two views of a :class:`~netsurv.survival.CumulativeIncidenceResult`:

* per cause (default): one rising step curve per group × cause (colour = group, line style =
  cause) with its pointwise confidence band;
* stacked (one group): the causes' incidences stacked from 0, the event-free probability
  (all-cause Kaplan–Meier) the remaining band up to 1 — at every time the bands add up to one.

The numbers at risk come from :meth:`CumulativeIncidenceResult.risk_table` at the x ticks and
are drawn by the KM figure's table code (:mod:`netsurv.plots.km`) on a row sharing the x axis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from netsurv.errors import ConfigError
from netsurv.plots.km import axis_times, draw_table, table_axes
from netsurv.survival.competing import CumulativeIncidenceResult

_LINESTYLES = ("-", "--", ":", "-.")


def cif_times(cif: CumulativeIncidenceResult, times: Sequence[float] | None = None) -> np.ndarray:
    """The x ticks and at-risk columns :func:`cif_plot` uses (as :func:`km_times`).

    Examples
    --------
    >>> import pandas as pd
    >>> from netsurv.survival import cumulative_incidence
    >>> df = pd.DataFrame({"months": [5.0, 20, 31, 44, 70], "status": [1, 0, 2, 1, 0]})
    >>> cif = cumulative_incidence(df, duration_col="months", event_col="status")
    >>> cif_times(cif, [0, 12, 24]).tolist()
    [0.0, 12.0, 24.0, 36.0, 48.0, 60.0]
    """
    return axis_times(float(cif.table["time"].max()), times)


def cif_plot(
    cif: CumulativeIncidenceResult,
    *,
    ax: Axes | None = None,
    causes: Sequence[int] | None = None,
    stacked: bool = False,
    group: object = None,
    times: Sequence[float] | None = None,
    at_risk: bool = True,
    ci: bool = True,
    colors: Sequence[str] | None = None,
    labels: Mapping[object, str] | None = None,
    xlabel: str = "Months",
    ylabel: str = "Cumulative incidence",
    title: str | None = None,
    table_height: float | None = None,
) -> Axes:
    """Draw cumulative incidence curves with an at-risk table below them.

    Parameters
    ----------
    cif
        Curves from :func:`netsurv.survival.cumulative_incidence`.
    ax
        Axes to draw on; from a grid (``plt.subplots``, ``fig.add_subplot``) when ``at_risk``
        is on, because its cell is split into the curves and the table.  A new figure is made
        if None.
    causes
        Cause codes to draw (default: all in ``cif``); in the stacked view, the order of the
        bands from the bottom.
    stacked
        Stack the causes of one group, with the event-free probability on top.
    group
        The group drawn in the stacked view (required when ``cif`` has several groups).
    times
        Times of the x ticks and of the at-risk columns (default: up to 7 round values),
        continued at the same spacing to the end of the curves.
    at_risk
        Draw the numbers at risk (subjects with follow-up >= t) per group.
    ci
        Shade the pointwise confidence bands (per-cause view only).
    colors
        One colour per group (per-cause view) or per cause (stacked view).
    labels
        Legend / table labels by group value.
    xlabel, ylabel, title
        Axis labels and title.
    table_height
        Share of the grid cell given to the table.

    Returns
    -------
    matplotlib.axes.Axes
        The curve Axes; the table Axes shares its x axis (:func:`netsurv.plots.at_risk_axes`).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from netsurv.survival import cumulative_incidence
    >>> from netsurv.plots import at_risk_axes, cif_plot
    >>> df = pd.DataFrame({"months": [2, 3, 3, 5, 8, 9, 11, 12],
    ...                    "status": [1, 2, 0, 1, 1, 0, 2, 1],
    ...                    "arm": ["a", "a", "a", "a", "b", "b", "b", "b"]})
    >>> cif = cumulative_incidence(df, duration_col="months", event_col="status", by="arm",
    ...                            cause_labels={1: "progression", 2: "death"})
    >>> ax = cif_plot(cif, times=[0, 4, 8, 12])
    >>> [t.get_text() for t in at_risk_axes(ax).texts[:4]]
    ['4', '1', '0', '0']
    >>> ax = cif_plot(cif, stacked=True, group="b")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['progression', 'death', 'event-free']
    """
    import matplotlib.pyplot as plt

    drawn = list(cif.causes) if causes is None else [int(c) for c in causes]
    unknown = [c for c in drawn if c not in cif.causes]
    if unknown or not drawn:
        raise ConfigError(f"causes {unknown or drawn} are not among the curves' {cif.causes}")
    groups = cif.groups
    if stacked:
        if group is None:
            if len(groups) > 1:
                raise ConfigError(f"stacked=True draws one group; pass group= (one of {groups})")
            group = groups[0]
        if group not in groups:
            raise ConfigError(f"group {group!r} is not among the curves' groups {groups}")
        groups = [group]
    k = len(groups)
    if ax is None:
        height = 4.0 + (0.3 * (k + 1) if at_risk else 0)
        ax = plt.figure(figsize=(6.0, height), layout="constrained").add_subplot()
    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    n_col = len(drawn) + 1 if stacked else k
    cols = list(colors) if colors is not None else [cycle[i % len(cycle)] for i in range(n_col)]
    if len(cols) < n_col:
        raise ConfigError(f"{n_col} curves need {n_col} colors, got {len(cols)}")
    names = [str(labels.get(g, g)) if labels is not None else str(g) for g in groups]
    ticks = cif_times(cif, times)
    t_max = float(cif.table["time"].max())
    tab = table_axes(ax, k, table_height) if at_risk else None

    if stacked:
        _stacked(ax, cif, group, drawn, cols)
    else:
        for g, name, col in zip(groups, names, cols, strict=True):
            for j, c in enumerate(drawn):
                cur = cif.table[(cif.table["group"] == g) & (cif.table["cause"] == c)]
                x = np.concatenate([[0.0], cur["time"].to_numpy(dtype=float)])
                y = np.concatenate([[0.0], cur["cif"].to_numpy(dtype=float)])
                style = _LINESTYLES[j % len(_LINESTYLES)]
                label = cif.cause_labels[c] if k == 1 else f"{name}: {cif.cause_labels[c]}"
                ax.step(x, y, where="post", color=col, linestyle=style, label=label)
                if ci:
                    lo = np.concatenate([[0.0], cur["lower"].fillna(0.0).to_numpy(dtype=float)])
                    hi = np.concatenate([[0.0], cur["upper"].fillna(0.0).to_numpy(dtype=float)])
                    ax.fill_between(x, lo, hi, step="post", color=col, alpha=0.12, linewidth=0)

    span = ticks[-1] - ticks[0]
    ax.set_xticks(ticks)
    ax.set_xlim(ticks[0] - 0.02 * span, max(ticks[-1], t_max) + 0.02 * span)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="upper left", frameon=False, fontsize="small")
    if tab is not None:
        risk = cif.risk_table(ticks)
        risk = risk[risk["group"].isin(groups)]
        table_cols = ["black"] if stacked else cols
        draw_table(tab, risk, list(groups), names, table_cols)
    return ax


def _stacked(
    ax: Axes, cif: CumulativeIncidenceResult, group: object, causes: list[int], cols: list[str]
) -> None:
    """Bands of each cause stacked from 0; the all-cause event-free probability on top."""
    rows = cif.table[cif.table["group"] == group]
    x = np.concatenate([[0.0], rows.loc[rows["cause"] == causes[0], "time"].to_numpy(float)])
    base = np.zeros(x.size)
    for c, col in zip(causes, cols, strict=False):
        f = rows.loc[rows["cause"] == c, "cif"].to_numpy(float)
        top = base + np.concatenate([[0.0], f])
        ax.fill_between(
            x, base, top, step="post", color=col, alpha=0.7, linewidth=0, label=cif.cause_labels[c]
        )
        base = top
    # with every cause drawn, 1 − Σ CIF is the all-cause Kaplan–Meier curve
    ax.fill_between(
        x,
        base,
        np.ones(x.size),
        step="post",
        color=cols[len(causes)],
        alpha=0.25,
        linewidth=0,
        label="event-free" if set(causes) == set(cif.causes) else "other",
    )
    ax.step(x, base, where="post", color="black", linewidth=0.8)
