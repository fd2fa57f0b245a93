"""Figures of a threshold sweep: a heatmap over two grid axes and a metric-vs-cut-off line plot."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from netsurv.errors import ConfigError
from netsurv.sweep.inference import rejects
from netsurv.sweep.result import SweepResult
from netsurv.sweep.select import COLUMN as _COLUMN

#: Unadjusted p-value column of each metric (1-df chi-square); Harrell's C has none.
_NAIVE_P = {"logrank": "p_logrank", "lr": "p_lr", "score": "p_score"}

_LABELS = {
    "logrank": "log-rank χ²",
    "lr": "likelihood-ratio χ²",
    "score": "score χ²",
    "c_index": "Harrell's C",
}


def _rows(
    result: SweepResult,
    analysis: str | None,
    fixed: dict[str, object] | None,
    *,
    every_analysis: bool = False,
) -> pd.DataFrame:
    t = result.table
    labels = list(t["analysis"].unique())
    if every_analysis:
        rows = t
    else:
        if analysis is None:
            if len(labels) > 1:
                raise ConfigError(f"sweep plot: choose an analysis, one of {labels}")
            analysis = labels[0]
        if analysis not in labels:
            raise ConfigError(f"sweep plot: no analysis {analysis!r}; have {labels}")
        rows = t[t["analysis"] == analysis]
    for col, val in (fixed or {}).items():
        if col not in rows.columns:
            raise ConfigError(f"sweep plot: fixed names unknown column {col!r}")
        rows = rows[rows[col] == val]
    return rows


def _metric(result: SweepResult, metric: str | None) -> tuple[str, str]:
    m = metric or str(result.settings.get("metric", "logrank"))
    if m not in _COLUMN:
        raise ConfigError(f"sweep plot: metric must be one of {list(_COLUMN)}, got {m!r}")
    return m, _COLUMN[m]


def _p_column(result: SweepResult, rows: pd.DataFrame, metric: str) -> tuple[str | None, str]:
    """The p-value column that decides the hatching of ``metric``'s cells, and its label."""
    selected = metric == result.settings.get("metric", "logrank")
    if selected and "p_adjusted" in rows and rows["p_adjusted"].notna().any():
        return "p_adjusted", "search-adjusted p"
    col = _NAIVE_P.get(metric)
    if col is not None and col in rows:
        return col, "unadjusted p"
    why = (
        "no permutations were run (n_perm=0)"
        if selected
        else f"the permutations were of the selection metric {result.settings.get('metric')!r}"
    )
    warnings.warn(
        f"sweep_heatmap: {_LABELS[metric]} has no p-value here ({why}, and Harrell's C has no "
        "unadjusted test in the table): no cell is hatched as non-significant",
        UserWarning,
        stacklevel=3,
    )
    return None, ""


def sweep_heatmap(
    result: SweepResult,
    *,
    x: str,
    y: str,
    metric: str | None = None,
    analysis: str | None = None,
    fixed: dict[str, object] | None = None,
    alpha: float = 0.05,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of a metric over two grid axes, the apparent best outlined.

    Cells whose p-value does not reject at ``alpha`` (``p > alpha`` or missing, as
    :func:`netsurv.sweep.inference.rejects`) are hatched and greyed: the search-adjusted
    ``p_adjusted`` when ``metric`` is the selection metric and permutations were run,
    otherwise the metric's unadjusted 1-df p-value (``p_logrank``, ``p_lr``, ``p_score``).
    Harrell's C has no unadjusted test: without its permutations nothing is hatched and a
    ``UserWarning`` says so.  The title names the p-value used.  Variants the search could not
    select (a group smaller than ``min_group``; ``eligible`` False) are dotted instead, and
    the outlined best is the selected one.

    Parameters
    ----------
    result
        Output of :func:`netsurv.sweep.sweep`.
    x, y
        Grid axes (columns of ``result.table``), e.g. ``"response_threshold"``.
    metric
        ``"logrank"``, ``"lr"``, ``"score"`` or ``"c_index"`` (default: the selection metric).
    analysis
        Which analysis (e.g. ``"landmark 6 mo"``) when the result has several.
    fixed
        Values of further grid axes, so that each (x, y) cell is one variant.
    alpha
        Significance level for the hatching.
    ax
        Axes to draw on (a new figure when None).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import netsurv as ns
    >>> from netsurv.sweep import sweep
    >>> res = sweep(ns.load_demo(), "recist1.1",
    ...             {"response_threshold": [-0.1, -0.3], "progression_threshold": [0.1, 0.2]},
    ...             landmark_months=3, n_boot=0, n_perm=0, metric="lr")
    >>> ax = sweep_heatmap(res, x="response_threshold", y="progression_threshold")
    >>> ax.get_xlabel()
    'response_threshold'
    """
    m, col = _metric(result, metric)
    rows = _rows(result, analysis, fixed)
    for a in (x, y):
        if a not in rows.columns:
            raise ConfigError(f"sweep_heatmap: {a!r} is not a grid axis of the result")
    if rows.duplicated([x, y]).any():
        raise ConfigError(
            f"sweep_heatmap: several variants per ({x}, {y}) cell; fix the other axes with fixed="
        )
    xs = sorted(rows[x].unique())
    ys = sorted(rows[y].unique())
    grid = rows.pivot(index=y, columns=x, values=col).reindex(index=ys, columns=xs)
    p_col, p_label = _p_column(result, rows, m)
    # significant = rejected as in simulation studies (p <= alpha); NaN is not significant
    insignificant = (
        np.zeros((len(ys), len(xs)), dtype=bool)
        if p_col is None
        else ~rejects(
            rows.pivot(index=y, columns=x, values=p_col)
            .reindex(index=ys, columns=xs)
            .to_numpy(float),
            alpha,
        )
    )
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(1.1 * len(xs) + 2.5, 0.8 * len(ys) + 1.8))
    values = grid.to_numpy(float)
    small = (
        ~rows.pivot(index=y, columns=x, values="eligible")
        .reindex(index=ys, columns=xs)
        .fillna(True)
        .to_numpy(bool)
        if "eligible" in rows
        else np.zeros(values.shape, dtype=bool)
    )
    im = ax.imshow(values, origin="lower", aspect="auto", cmap="viridis")
    ax.figure.colorbar(im, ax=ax, label=_LABELS[m])
    ax.set_xticks(range(len(xs)), [f"{v:g}" if isinstance(v, float) else str(v) for v in xs])
    ax.set_yticks(range(len(ys)), [f"{v:g}" if isinstance(v, float) else str(v) for v in ys])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    for i in range(len(ys)):
        for j in range(len(xs)):
            val = values[i, j]
            if np.isnan(val):
                ax.add_patch(
                    Rectangle(
                        (j - 0.5, i - 0.5), 1, 1, facecolor="white", hatch="xx", edgecolor="0.6"
                    )
                )
                continue
            if small[i, j]:
                ax.add_patch(
                    Rectangle(
                        (j - 0.5, i - 0.5),
                        1,
                        1,
                        facecolor=(1, 1, 1, 0.6),
                        hatch="..",
                        edgecolor="0.5",
                        lw=0,
                    )
                )
                ax.text(j, i, f"{val:.3g}", ha="center", va="center", fontsize=8, color="0.4")
                continue
            insig = bool(insignificant[i, j])
            if insig:
                ax.add_patch(
                    Rectangle(
                        (j - 0.5, i - 0.5),
                        1,
                        1,
                        facecolor=(1, 1, 1, 0.45),
                        hatch="//",
                        edgecolor="0.5",
                        lw=0,
                    )
                )
            ax.text(
                j,
                i,
                f"{val:.3g}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if not insig else "0.2",
            )
    selectable = rows[col].where(rows["eligible"]) if "eligible" in rows else rows[col]
    best = rows.loc[selectable.idxmax()] if selectable.notna().any() else None
    if best is not None:
        j, i = xs.index(best[x]), ys.index(best[y])
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", lw=2.5))
    hatch = f"hatched: {p_label} > {alpha:g}" if p_col is not None else "no p-value"
    if small.any():
        hatch += "; dotted: a group below min_group"
    ax.set_title(f"{rows['analysis'].iloc[0]}: {_LABELS[m]} ({hatch}; red: best)", fontsize=9)
    return ax


def sweep_lines(
    result: SweepResult,
    *,
    x: str,
    by: str | None = None,
    metric: str | None = None,
    analysis: str | None = None,
    fixed: dict[str, object] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Metric against one grid axis, with bootstrap percentile bands, one line per ``by``.

    Bands are the ``metric_boot_lower`` / ``metric_boot_upper`` columns (shown when the
    result's selection metric is the one plotted and bootstrap resamples were run).

    Parameters
    ----------
    result
        Output of :func:`netsurv.sweep.sweep`.
    x
        Grid axis on the horizontal axis (e.g. ``"progression_threshold"``).
    by
        Another grid axis, or ``"analysis"`` (one line per landmark): one line per value.
    metric
        Metric to plot (default: the selection metric).
    analysis, fixed
        As in :func:`sweep_heatmap`.
    ax
        Axes to draw on (a new figure when None).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import netsurv as ns
    >>> from netsurv.sweep import sweep
    >>> res = sweep(ns.load_demo(), "recist1.1", {"response_threshold": [-0.1, -0.2, -0.3]},
    ...             landmark_months=3, n_boot=0, n_perm=0, metric="lr")
    >>> sweep_lines(res, x="response_threshold").get_ylabel()
    'likelihood-ratio χ²'
    """
    m, col = _metric(result, metric)
    rows = _rows(result, analysis, fixed, every_analysis=by == "analysis")
    if x not in rows.columns or (by is not None and by not in rows.columns):
        raise ConfigError(f"sweep_lines: {x!r} / {by!r} must be grid axes of the result")
    keys = [None] if by is None else sorted(rows[by].unique())
    bands = m == result.settings.get("metric") and rows["metric_boot_lower"].notna().any()
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 4))
    for key in keys:
        part = rows if key is None else rows[rows[by] == key]
        if part.duplicated(x).any():
            raise ConfigError(f"sweep_lines: several variants per {x} value; use by= or fixed=")
        part = part.sort_values(x)
        label = (
            None
            if key is None
            else f"{by} = {key:g}"
            if isinstance(key, float)
            else f"{by} = {key}"
        )
        (line,) = ax.plot(part[x], part[col], marker="o", label=label)
        if bands:
            ax.fill_between(
                part[x].to_numpy(float),
                part["metric_boot_lower"].to_numpy(float),
                part["metric_boot_upper"].to_numpy(float),
                color=line.get_color(),
                alpha=0.2,
                lw=0,
            )
    if rows[col].notna().any():
        best = rows.loc[rows[col].idxmax()]
        ax.plot(
            [best[x]], [best[col]], marker="*", ms=16, color="red", ls="none", label="apparent best"
        )
    ax.set_xlabel(x)
    ax.set_ylabel(_LABELS[m])
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
