"""Shared helpers of the response figures (waterfall, spider)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes

from netsurv.criteria.combined import AnyCriterion, CombinedCriterion
from netsurv.criteria.presets import PRESETS
from netsurv.errors import ConfigError
from netsurv.response.best import best_response
from netsurv.response.classify import Timepoints

#: Colour of each best overall response (as the swimmer plot's markers).
BOR_COLOURS = {
    "CR": "#1a9850",
    "PR": "#91cf60",
    "MR": "#d9ef8b",
    "SD": "#fee08b",
    "NON-CR/NON-PD": "#fdd49e",
    "PD": "#d73027",
    "NE": "#bdbdbd",
    "MISSING": "#f0f0f0",
}


def pick(
    timepoints: Timepoints | pd.DataFrame,
    criterion: str | AnyCriterion | None,
    columns: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, str, AnyCriterion | None]:
    """The chosen criterion's time-point rows, its name, and the Criterion if known.

    With ``columns``, the rows hold only ``criterion`` and those columns, taken one by one:
    the other columns of a registry's time points (millions of rows) are not copied."""
    table = timepoints.table if isinstance(timepoints, Timepoints) else timepoints
    names = list(pd.unique(table["criterion"]))
    name = criterion.name if isinstance(criterion, AnyCriterion) else criterion
    if name is None:
        if len(names) != 1:
            raise ConfigError(f"timepoints hold criteria {names}: choose one with criterion=")
        name = str(names[0])
    if name not in names:
        raise ConfigError(f"criterion {name!r} is not in the timepoints ({names})")
    crit: AnyCriterion | None = criterion if isinstance(criterion, AnyCriterion) else None
    if crit is None and isinstance(timepoints, Timepoints):
        crit = next((c for c in timepoints.criteria if c.name == name), None)
    if crit is None:
        crit = PRESETS.get(name)
    chosen = (table["criterion"] == name).to_numpy()
    if columns is None:
        return table[chosen], name, crit
    keep = dict.fromkeys(["criterion", *columns])
    return pd.DataFrame({c: table[c][chosen] for c in keep}), name, crit


def select(
    timepoints: Timepoints | pd.DataFrame,
    criterion: str | AnyCriterion | None,
    best: pd.DataFrame | None,
    best_options: dict[str, Any],
    columns: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, AnyCriterion | None]:
    """The chosen criterion's time-point rows, its BOR table, and the Criterion if known;
    given ``best``, only ``columns`` of the rows (:func:`pick`); else every column, which
    :func:`~netsurv.response.best.best_response` reads."""
    if best is not None:
        rows, name, crit = pick(timepoints, criterion, columns)
        return rows, best[best["criterion"] == name], crit
    rows, name, crit = pick(timepoints, criterion)
    src: Timepoints | pd.DataFrame = rows
    if isinstance(timepoints, Timepoints):
        src = Timepoints(
            table=rows,
            attrition=timepoints.attrition,
            baselines=timepoints.baselines,
            criteria=tuple(c for c in timepoints.criteria if c.name == name),
        )
    return rows, best_response(src, **best_options), crit


def cutoff_lines(ax: Axes, crit: AnyCriterion | None, *, vertical: bool = False) -> None:
    """Dashed lines at the criterion's response and progression cut-offs (in %); a combined
    criterion's are its anchor's (the measurement columns of its time points are the
    anchor's)."""
    if crit is None:
        return
    if isinstance(crit, CombinedCriterion):
        crit = crit.anchor_criterion
    for value, label in (
        (crit.response_threshold, "response"),
        (crit.minor_response_threshold, "minor response"),
        (crit.progression_threshold, "progression"),
    ):
        if value is None:
            continue
        draw = ax.axvline if vertical else ax.axhline
        draw(100 * value, color="0.3", linestyle="--", linewidth=0.8, label=f"_{label} cut-off")
