"""Kaplan–Meier figure with an at-risk table on a shared-x row.

The numbers at risk are computed first, as a DataFrame (:meth:`KaplanMeierResult.risk_table` at
the curve's x ticks), then drawn as text in a second Axes that shares the x axis of the curve:
the table's columns sit on the curve's tick positions by construction, whatever the figure size,
and the pair lives inside the grid cell of the Axes it was given (the cell is split with a
sub-GridSpec), so it works in a grid of subplots.  Nothing changes ``rcParams``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from scipy.stats import norm

from netsurv.errors import ConfigError
from netsurv.survival.cox import CoxResult
from netsurv.survival.km import KaplanMeierResult
from netsurv.survival.logrank import LogrankResult

AT_RISK_LABEL = "netsurv at-risk table"


def _ticks(t_max: float) -> np.ndarray:
    loc = MaxNLocator(nbins=6, steps=[1, 2, 3, 6, 10], integer=t_max >= 6)
    ticks = np.asarray(loc.tick_values(0.0, t_max), dtype=float)
    keep = (ticks >= 0) & (ticks <= t_max * 1.0001)
    return ticks[keep]


def _cover(ticks: np.ndarray, t_max: float) -> np.ndarray:
    """``ticks`` continued at their last spacing (widened when many would be needed) up to the
    end of the data, so that the axis and the at-risk table span every curve.

    Examples
    --------
    >>> _cover(np.array([0.0, 12, 24, 36, 48, 60]), 110.0).tolist()
    [0.0, 12.0, 24.0, 36.0, 48.0, 60.0, 72.0, 84.0, 96.0, 108.0]
    >>> _cover(np.array([0.0, 12, 24]), 20.0).tolist()
    [0.0, 12.0, 24.0]
    """
    last = float(ticks[-1])
    if last >= t_max:
        return ticks
    if ticks.size > 1:
        step = float(ticks[-1] - ticks[-2])
    else:  # one time given: the spacing of the default ticks
        auto = np.diff(_ticks(t_max))
        step = float(auto[0]) if auto.size else t_max - last
    step *= max(1, int(np.ceil((t_max - last) / step / max(6, ticks.size))))
    n = int(np.floor((t_max - last) / step * (1 + 1e-9)))
    return np.concatenate([ticks, last + step * np.arange(1, n + 1)])


def km_times(km: KaplanMeierResult, times: Sequence[float] | None = None) -> np.ndarray:
    """The x ticks and at-risk columns :func:`km_plot` uses for ``km`` and ``times``.

    ``times`` (default: up to 7 round values from 0 to the last time), continued at the same
    spacing to the end of the curves.  Pass the result to
    :meth:`KaplanMeierResult.risk_table` to get the numbers the figure shows.

    Examples
    --------
    >>> import pandas as pd
    >>> import netsurv as ns
    >>> df = pd.DataFrame({"months": [5.0, 20, 31, 44, 70], "event": [1, 0, 1, 1, 0]})
    >>> km = ns.survival.kaplan_meier(df, duration_col="months", event_col="event")
    >>> km_times(km, [0, 12, 24]).tolist()
    [0.0, 12.0, 24.0, 36.0, 48.0, 60.0]
    """
    return axis_times(float(km.table["time"].max()), times)


def axis_times(t_max: float, times: Sequence[float] | None = None) -> np.ndarray:
    """x ticks and at-risk columns for curves ending at ``t_max`` (see :func:`km_times`)."""
    ticks = np.asarray(times, dtype=float) if times is not None else _ticks(t_max)
    if ticks.size == 0 or not np.isfinite(ticks).all() or np.any(np.diff(ticks) <= 0):
        raise ConfigError(f"times must be increasing finite values, got {list(ticks)}")
    return _cover(ticks, t_max)


def _fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def annotation_text(
    *,
    logrank: LogrankResult | None = None,
    cox: CoxResult | None = None,
    covariate: str | None = None,
) -> str:
    """``"Log-rank p = 0.012"`` and ``"HR 0.54 (95% CI 0.32–0.91)"`` lines for a KM figure.

    Examples
    --------
    >>> import pandas as pd
    >>> from netsurv.survival import cox, logrank
    >>> df = pd.DataFrame({"t": [5, 8, 3, 9, 12, 2, 7, 11], "e": [1, 1, 1, 0, 1, 1, 0, 1],
    ...                    "resp": [1, 0, 0, 1, 1, 0, 1, 0]})
    >>> print(annotation_text(logrank=logrank(df, by="resp", duration_col="t", event_col="e"),
    ...                       cox=cox(df, covariates=["resp"], duration_col="t", event_col="e")))
    Log-rank p = 0.12
    HR 0.20 (95% CI 0.02–1.83)
    """
    lines = []
    if logrank is not None:
        name = "Mantel–Byar" if logrank.test == "Mantel-Byar" else "Log-rank"
        lines.append(f"{name} {_fmt_p(logrank.p_value)}")
    if cox is not None:
        coefs = cox.coefficients
        name = covariate if covariate is not None else str(coefs.index[0])
        if name not in coefs.index:
            raise ConfigError(f"covariate {name!r} is not in the Cox model {list(coefs.index)}")
        values = coefs.loc[[str(name)]].to_numpy(dtype=float)[0]
        c = dict(zip(coefs.columns, values, strict=True))
        level = round(100 * (1 - 2 * _tail(c)))
        lines.append(f"HR {c['exp_coef']:.2f} ({level}% CI {c['lower']:.2f}–{c['upper']:.2f})")
    return "\n".join(lines)


def _tail(c: dict[str, float]) -> float:
    """Tail probability of the CI stored in a coefficient row (from its width)."""
    se = c["robust_se"] if np.isfinite(c["robust_se"]) else c["se"]
    if not se > 0:
        return 0.025
    z = (np.log(c["upper"]) - c["coef"]) / se
    return float(norm.sf(z))


def km_plot(
    km: KaplanMeierResult,
    *,
    ax: Axes | None = None,
    times: Sequence[float] | None = None,
    at_risk: bool = True,
    ci: bool = True,
    censor_marks: bool = True,
    median_lines: bool = True,
    logrank: LogrankResult | None = None,
    cox: CoxResult | None = None,
    covariate: str | None = None,
    annotation: str | None = None,
    colors: Sequence[str] | None = None,
    labels: Mapping[object, str] | None = None,
    xlabel: str = "Months",
    ylabel: str = "Survival probability",
    title: str | None = None,
    table_height: float | None = None,
) -> Axes:
    """Draw Kaplan–Meier (or Simon–Makuch) curves with an at-risk table below them.

    Parameters
    ----------
    km
        Curves from :func:`netsurv.survival.kaplan_meier` (or
        :func:`~netsurv.survival.simon_makuch`).
    ax
        Axes to draw on; it must come from a grid (``plt.subplots``, ``fig.add_subplot``)
        when ``at_risk`` is on, because its grid cell is split into the curve and the table.
        A new figure is made if None.
    times
        Times of the x ticks and of the at-risk columns (default: up to 7 round values from 0
        to the last time).  When the curves run past the last of them, the ticks and columns
        continue at the same spacing to the end of the curves.
    at_risk
        Draw the at-risk table (numbers with follow-up >= t, as
        :meth:`KaplanMeierResult.risk_table`).
    ci
        Shade the pointwise confidence band.
    censor_marks
        Mark censoring times with a tick on the curve.
    median_lines
        Dashed lines to each group's median (where reached).
    logrank, cox, covariate
        Add ``"Log-rank p = …"`` and ``"HR … (95% CI …)"`` (of ``covariate``, default the
        model's first) to the plot.
    annotation
        Further text for the annotation box.
    colors
        One colour per group (default: the style's colour cycle).
    labels
        Legend / table labels by group value (default: the group values).
    xlabel, ylabel, title
        Axis labels and title.
    table_height
        Share of the grid cell given to the table (default: grows with the number of groups).

    Returns
    -------
    matplotlib.axes.Axes
        The curve Axes.  The table Axes shares its x axis; get it with :func:`at_risk_axes`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from netsurv.survival import kaplan_meier
    >>> from netsurv.plots import at_risk_axes, km_plot
    >>> df = pd.DataFrame({"months": [2, 3, 3, 5, 8, 9], "event": [1, 1, 0, 1, 0, 1],
    ...                    "arm": ["a", "a", "a", "b", "b", "b"]})
    >>> km = kaplan_meier(df, duration_col="months", event_col="event", by="arm")
    >>> ax = km_plot(km, times=[0, 3, 6, 9])
    >>> [t.get_text() for t in at_risk_axes(ax).texts[:4]]
    ['3', '2', '0', '0']
    """
    import matplotlib.pyplot as plt

    groups = km.groups
    k = len(groups)
    if ax is None:
        height = 4.0 + (0.3 * (k + 1) if at_risk else 0)
        ax = plt.figure(figsize=(6.0, height), layout="constrained").add_subplot()
    fig = ax.get_figure()
    if fig is None:
        raise ConfigError("ax is not part of a figure")
    table = km.table
    t_max = float(table["time"].max())
    ticks = km_times(km, times)
    cycle = plt.rcParams["axes.prop_cycle"].by_key().get("color", ["C0"])
    cols = list(colors) if colors is not None else [cycle[i % len(cycle)] for i in range(k)]
    if len(cols) < k:
        raise ConfigError(f"{k} groups need {k} colors, got {len(cols)}")
    names = [str(labels.get(g, g)) if labels is not None else str(g) for g in groups]

    tab = table_axes(ax, k, table_height) if at_risk else None

    for g, name, col in zip(groups, names, cols, strict=True):
        cur = table[table["group"] == g]
        x = np.concatenate([[0.0], cur["time"].to_numpy(dtype=float)])
        y = np.concatenate([[1.0], cur["surv"].to_numpy(dtype=float)])
        n0 = km.medians.loc[km.medians["group"] == g, "n"].iloc[0]
        ax.step(x, y, where="post", color=col, label=f"{name} (n = {n0:g})")
        if ci:
            lo = np.concatenate([[1.0], cur["lower"].to_numpy(dtype=float)])
            hi = np.concatenate([[1.0], cur["upper"].to_numpy(dtype=float)])
            ax.fill_between(x, lo, hi, step="post", color=col, alpha=0.15, linewidth=0)
        if censor_marks:
            cens = cur[cur["n_censor"] > 0]
            ax.plot(cens["time"], cens["surv"], linestyle="none", marker="|", color=col, ms=6)
        med = float(km.medians.loc[km.medians["group"] == g, "median"].iloc[0])
        if median_lines and np.isfinite(med):
            ax.plot([0, med, med], [0.5, 0.5, 0], color=col, linestyle=":", linewidth=0.9)

    span = ticks[-1] - ticks[0]
    ax.set_xticks(ticks)
    ax.set_xlim(ticks[0] - 0.02 * span, max(ticks[-1], t_max) + 0.02 * span)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="upper right", frameon=False, fontsize="small")
    text = "\n".join(
        s for s in (annotation_text(logrank=logrank, cox=cox, covariate=covariate), annotation) if s
    )
    if text:
        ax.text(0.02, 0.04, text, transform=ax.transAxes, ha="left", va="bottom", fontsize="small")
    if tab is not None:
        draw_table(tab, km.risk_table(ticks), groups, names, cols)
    return ax


def table_axes(ax: Axes, n_rows: int, table_height: float | None = None) -> Axes:
    """Split ``ax``'s grid cell into the curve (``ax``) and an at-risk table row below it that
    shares its x axis; the table Axes is returned (found again by :func:`at_risk_axes`)."""
    fig = ax.get_figure()
    spec = ax.get_subplotspec()
    if fig is None or spec is None:
        raise ConfigError(
            "ax must come from a grid (plt.subplots or fig.add_subplot) to hold the "
            "at-risk table; or pass at_risk=False"
        )
    share = table_height if table_height is not None else min(0.45, 0.1 + 0.055 * n_rows)
    gs = spec.subgridspec(2, 1, height_ratios=[1 - share, share], hspace=_gap(ax, share))
    ax.set_subplotspec(gs[0])
    return fig.add_subplot(gs[1], sharex=ax, label=AT_RISK_LABEL)


def _gap(ax: Axes, share: float) -> float:
    """``hspace`` leaving room for the curve's tick labels and x label and the table title.

    The room is about four lines of tick-label text; ``hspace`` is relative to the mean height
    of the two Axes, so it is worked out from the height of the grid cell in inches.  A
    constrained-layout figure makes that room itself (0 is returned).
    """
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig = ax.get_figure(root=True)
    if fig is not None and isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        return 0.0
    height = fig.get_figheight() if isinstance(fig, Figure) else 4.0
    cell = ax.get_position().height * height
    size = FontProperties(size=plt.rcParams["xtick.labelsize"]).get_size_in_points()
    gap = 4.0 * size / 72
    gap = min(gap, 0.5 * cell)
    return 2 * gap / max(cell - gap, 1e-6)


def draw_table(
    tab: Axes, risk: pd.DataFrame, groups: list[object], names: list[str], cols: list[str]
) -> None:
    """Numbers at risk as text at (tick, row) of the shared-x table Axes."""
    k = len(groups)
    for row, (g, col) in enumerate(zip(groups, cols, strict=True)):
        r = risk[risk["group"] == g]
        for t, n in zip(r["time"], r["n_risk"], strict=True):
            tab.text(t, row, f"{n:g}", ha="center", va="center", color=col, fontsize="small")
    tab.set_ylim(k - 0.5, -0.5)
    tab.set_yticks(range(k))
    tab.set_yticklabels(names, fontsize="small")
    for label, col in zip(tab.get_yticklabels(), cols, strict=True):
        label.set_color(col)
    # keep the labels clear of the first column of numbers, centred on the first tick
    size = tab.yaxis.get_ticklabels()[0].get_fontsize() if k else 10.0
    digits = max((len(f"{n:g}") for n in risk["n_risk"]), default=1)
    tab.tick_params(axis="y", length=0, pad=4 + 0.35 * float(size) * digits)
    tab.tick_params(axis="x", which="both", length=0, labelbottom=False)
    tab.set_facecolor("none")
    for side in ("top", "right", "left", "bottom"):
        tab.spines[side].set_visible(False)
    tab.set_title("Number at risk", loc="left", fontsize="small", pad=2)


def at_risk_axes(ax: Axes) -> Axes | None:
    """The at-risk table drawn under the curve Axes ``ax`` by :func:`km_plot` (None if none).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> _, ax = plt.subplots()
    >>> at_risk_axes(ax) is None
    True
    """
    fig = ax.get_figure()
    if fig is None:
        return None
    shared = ax.get_shared_x_axes()
    for other in fig.axes:
        if other is not ax and other.get_label() == AT_RISK_LABEL and shared.joined(ax, other):
            return other
    return None
