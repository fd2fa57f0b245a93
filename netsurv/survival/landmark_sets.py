"""Landmark sets: the units still at risk at a landmark, their status as known then, the clock
reset to the landmark — and the units a landmark loses, for the attrition table.

A unit is in the set at L when its outcome time is > L (an event or a censoring at exactly L is
before the landmark); its status is 1 when it became known at or before L.  The same sets serve
:func:`netsurv.survival.landmark` and :func:`netsurv.survival.compare_criteria` (R builds them
with ``subset()`` in ``tests/reference/make_reference_timedep.R``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.survival._input import require_columns
from netsurv.survival._status import attrition_frame


def landmark_data(
    df: pd.DataFrame,
    *,
    at: float | Sequence[float],
    duration_col: str,
    event_col: str,
    status_time_col: str,
    status_col: str = "status",
    horizon: float | None = None,
) -> pd.DataFrame:
    """Landmark sets: units at risk at each landmark, status as known then, clock reset.

    Parameters
    ----------
    df
        One row per unit with the outcome and the time its status became known.
    at
        Landmark time(s), on the scale of ``duration_col``.
    duration_col, event_col
        Outcome time from the origin and 0/1 event.
    status_time_col
        Time the status (e.g. response) became known; NaN if never.
    status_col
        Name of the 0/1 status column added.
    horizon
        Optional length of follow-up kept after each landmark: outcomes later than
        ``landmark + horizon`` are censored there (van Houwelingen's prediction window).

    Returns
    -------
    pandas.DataFrame
        The rows of ``df`` at risk at each landmark L (``duration > L``: an event or censoring
        at exactly L is before the landmark), stacked, with ``landmark`` = L,
        ``status_col`` = 1 if ``status_time <= L`` else 0, and ``duration_col`` /
        ``event_col`` replaced by the time since L and the event within the horizon.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"t": [2.0, 5, 8, 12], "e": [1, 1, 0, 1], "resp": [np.nan, 3, 7, 1]})
    >>> landmark_data(df, at=4, duration_col="t", event_col="e", status_time_col="resp")
          t  e  resp  landmark  status
    1   1.0  1   3.0       4.0       1
    2   4.0  0   7.0       4.0       0
    3   8.0  1   1.0       4.0       1
    """
    require_columns(df, [duration_col, event_col, status_time_col])
    marks = np.atleast_1d(np.asarray(at, dtype=float))
    if marks.size == 0 or not np.isfinite(marks).all() or (marks < 0).any():
        raise ConfigError(f"landmarks must be finite and >= 0, got {list(marks)}")
    if len(np.unique(marks)) != marks.size:
        raise ConfigError(f"landmarks must be distinct, got {list(marks)}")
    if horizon is not None and not horizon > 0:
        raise ConfigError(f"horizon must be > 0, got {horizon!r}")
    if status_col in df.columns or "landmark" in df.columns:
        raise ConfigError(f"df already has a {status_col!r} or 'landmark' column")
    time = df[duration_col].to_numpy(dtype=float)
    event = df[event_col].to_numpy(dtype=float)
    known = df[status_time_col].to_numpy(dtype=float)
    # rows x landmarks, vectorised: keep the pairs at risk at the landmark
    at_risk = time[:, None] > marks[None, :]
    row, col = np.nonzero(at_risk)
    order = np.lexsort((row, col))
    row, col = row[order], col[order]
    lm = marks[col]
    out = df.iloc[row].copy()
    t = time[row] - lm
    e = event[row]
    if horizon is not None:
        beyond = t > horizon
        t = np.where(beyond, horizon, t)
        e = np.where(beyond, 0, e)
    out[duration_col] = t
    out[event_col] = e
    out[event_col] = out[event_col].astype(df[event_col].dtype)
    out["landmark"] = lm
    with np.errstate(invalid="ignore"):
        out[status_col] = (known[row] <= lm).astype(np.int64)
    return out


def lost_before(units: pd.DataFrame, lm: float, outcome: str) -> pd.DataFrame:
    """Attrition rows of the units whose outcome event or censoring is at or before ``lm``."""
    lost = units[units["time"] <= lm]
    what = np.where(lost["event"] == 1, f"{outcome} event", "censored")
    why = lost["reason"].fillna("").astype(str)
    text = [
        f"{w} before the {lm:g}-month landmark" + (f" ({r})" if r else "")
        for w, r in zip(what, why, strict=True)
    ]
    out = attrition_frame(lost, stage=f"landmark {lm:g} months", reason=pd.Series(text))
    return out.assign(landmark=lm)
