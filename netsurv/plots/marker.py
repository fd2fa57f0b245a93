"""Log hazard ratio of a continuous marker (a restricted cubic spline) with its cut-offs marked."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.transforms import blended_transform_factory

from netsurv.errors import ConfigError
from netsurv.survival.compare import CriteriaComparison
from netsurv.survival.marker import ContinuousMarker


def log_hr_plot(
    marker: ContinuousMarker | CriteriaComparison,
    *,
    ax: Axes | None = None,
    color: str | None = None,
    show_data: bool = True,
    title: str | None = None,
) -> Axes:
    """Draw the log hazard-ratio curve of a % change with pointwise CIs and the cut-offs.

    Parameters
    ----------
    marker
        :attr:`CriteriaComparison.continuous <netsurv.survival.CriteriaComparison>` (or the
        comparison itself) from ``compare_criteria(..., continuous=...)``.
    ax
        Axes to draw on (a new figure if None).
    color
        Colour of the curve and its band (default: the style's first colour).
    show_data
        A rug of the observed changes along the x axis and the knots as triangles.
    title
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The curve (log hazard ratio against the reference change, 0 at the reference), its
        pointwise confidence band, a dashed line at 0, and per dichotomising criterion a dotted
        vertical line at its cut-off, labelled, with the curve's estimate and CI there.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import netsurv as ns
    >>> cmp = ns.survival.compare_criteria(ns.load_demo(), criteria=["sstv"], continuous=True,
    ...                                    at_months=12, horizons=[24], n_boot=0)
    >>> ax = ns.plots.log_hr_plot(cmp)
    >>> [t.get_text() for t in ax.texts]
    ['sstv −40 %']
    """
    import matplotlib.pyplot as plt

    if isinstance(marker, CriteriaComparison):
        if marker.continuous is None:
            raise ConfigError(
                "the comparison has no continuous marker: run compare_criteria(..., "
                "continuous=True)"
            )
        marker = marker.continuous
    if not isinstance(marker, ContinuousMarker):
        raise ConfigError(
            f"expected a ContinuousMarker or a CriteriaComparison, got {type(marker).__name__}"
        )
    if ax is None:
        ax = plt.figure(figsize=(6.5, 4.5), layout="constrained").add_subplot()
    col = color or plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])[0]
    curve = marker.curve
    x = curve["x"].to_numpy()
    ax.fill_between(x, curve["lower"], curve["upper"], color=col, alpha=0.2, linewidth=0)
    ax.plot(x, curve["log_hr"], color=col, linewidth=1.8)
    ax.axhline(0.0, color="0.4", linestyle="--", linewidth=0.9)
    top = blended_transform_factory(ax.transData, ax.transAxes)
    cut = marker.cutoffs[np.isfinite(marker.cutoffs["cutoff_pct"].to_numpy(dtype=float))]
    for row in cut.itertuples(index=False):
        ax.axvline(row.cutoff_pct, color="0.25", linestyle=":", linewidth=1.0)
        ax.errorbar(
            [row.cutoff_pct],
            [row.log_hr],
            yerr=[[row.log_hr - row.lower], [row.upper - row.log_hr]],
            fmt="o",
            color="0.25",
            markersize=4,
            capsize=2,
        )
        ax.text(
            row.cutoff_pct,
            0.98,
            f"{row.criterion} {row.cutoff_pct:g} %".replace("-", "\N{MINUS SIGN}"),
            transform=top,
            rotation=90,
            va="top",
            ha="right",
            fontsize="small",
        )
    if show_data:
        values = marker.data["pct_change"].to_numpy(dtype=float)
        ax.plot(
            values,
            np.full(values.size, 0.0),
            "|",
            transform=top,
            color="0.3",
            markersize=8,
            alpha=0.5,
            clip_on=False,
        )
        ax.plot(
            marker.knots,
            np.full(len(marker.knots), 0.0),
            "^",
            transform=top,
            color=col,
            markersize=6,
            clip_on=False,
        )
    when = "smallest" if marker.change == "best" else "last"
    ax.set_xlabel(
        f"% change from baseline under {marker.criterion} "
        f"({when} by the {marker.at_months:g}-month landmark)"
    )
    ax.set_ylabel(f"log hazard ratio (vs {marker.reference_change:g} %)")
    if title is not None:
        ax.set_title(title)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax
