"""Forest plot of hazard ratios with confidence intervals (e.g. across criteria)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator
from matplotlib.transforms import blended_transform_factory

from netsurv.errors import ConfigError


def forest_plot(
    table: pd.DataFrame,
    *,
    ax: Axes | None = None,
    label: str = "criterion",
    estimate: str = "hr",
    lower: str = "lower",
    upper: str = "upper",
    reference: float = 1.0,
    annotate: bool = True,
    color: str | None = None,
    xlabel: str = "Hazard ratio (95% CI)",
    title: str | None = None,
) -> Axes:
    """Draw one row per estimate: a square at the hazard ratio and a line for its CI.

    Parameters
    ----------
    table
        One row per item, e.g. :attr:`CriteriaComparison.table
        <netsurv.survival.CriteriaComparison>` or a landmark result's ``table``; rows are drawn top to
        bottom in table order.  With ``penalty="firth"`` those tables hold Firth estimates
        and profile-likelihood intervals, so a criterion with few responders gets a finite
        row instead of ``"not estimable"`` (say so in ``xlabel``).
    ax
        Axes to draw on (a new figure if None).
    label, estimate, lower, upper
        Columns of the row label, the estimate and its CI.
    reference
        Position of the dashed no-effect line (1 for hazard ratios).
    annotate
        Write ``"0.54 (0.32–0.91)"`` right of each row (``"not estimable"`` when missing).
    color
        Colour of the markers (default: the style's first colour).
    xlabel, title
        Axis label and title.

    Returns
    -------
    matplotlib.axes.Axes
        The x axis is logarithmic.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from netsurv.plots import forest_plot
    >>> t = pd.DataFrame({"criterion": ["recist1.1", "choi"], "hr": [0.6, 0.45],
    ...                   "lower": [0.4, 0.3], "upper": [0.9, 0.68]})
    >>> ax = forest_plot(t)
    >>> ax.get_xscale(), [x.get_text() for x in ax.get_yticklabels()]
    ('log', ['recist1.1', 'choi'])
    """
    import matplotlib.pyplot as plt

    missing = [c for c in (label, estimate, lower, upper) if c not in table.columns]
    if missing:
        raise ConfigError(f"table lacks column(s) {missing} (columns: {list(table.columns)})")
    if len(table) == 0:
        raise ConfigError("table has no rows to draw")
    est = table[estimate].to_numpy(dtype=float)
    lo = table[lower].to_numpy(dtype=float)
    hi = table[upper].to_numpy(dtype=float)
    ok = np.isfinite(est) & np.isfinite(lo) & np.isfinite(hi) & (lo > 0) & (est > 0)
    bad = ok & ((lo > est) | (hi < est))
    if bad.any():
        rows = table[label].to_numpy()[bad].tolist()
        raise ConfigError(f"rows {rows}: the estimate must lie within [{lower}, {upper}]")
    if ax is None:
        ax = plt.figure(figsize=(6.0, 1.0 + 0.4 * len(table)), layout="constrained").add_subplot()
    col = color or plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])[0]
    y = np.arange(len(table))
    ax.errorbar(
        est[ok],
        y[ok],
        xerr=[est[ok] - lo[ok], hi[ok] - est[ok]],
        fmt="s",
        color=col,
        ecolor=col,
        capsize=0,
        markersize=6,
    )
    ax.axvline(reference, color="0.4", linestyle="--", linewidth=0.9)
    ax.set_xscale("log")
    finite = np.concatenate([lo[ok], hi[ok], [reference]])
    left, right = float(finite.min()), float(finite.max())
    ax.set_xlim(left / 1.25, right * 1.25)
    # wide enough for Firth's profile intervals of a group with very few events
    nice: tuple[float, ...] = (
        0.001,
        0.002,
        0.005,
        0.01,
        0.02,
        0.05,
        0.1,
        0.2,
        0.3,
        0.5,
        0.7,
        1,
        1.5,
        2,
        3,
        5,
    )
    nice += (10, 20, 50, 100, 200, 500, 1000)
    ticks = [v for v in nice if left / 1.25 <= v <= right * 1.25]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(y)
    ax.set_yticklabels([str(v) for v in table[label]])
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(xlabel)
    if title is not None:
        ax.set_title(title)
    if annotate:
        trans = blended_transform_factory(ax.transAxes, ax.transData)
        for yi, e, a, b, good in zip(y, est, lo, hi, ok, strict=True):
            text = f"{e:.2f} ({a:.2f}–{b:.2f})" if good else "not estimable"
            ax.text(
                1.02, float(yi), text, transform=trans, va="center", ha="left", fontsize="small"
            )
    return ax
