"""Argument checks and row preparation shared by the survival functions.

Every user mistake raises :class:`netsurv.errors.ConfigError` (a ``ValueError``) that names the
column and shows the first offending row labels.  Rows with a missing value in a column an
analysis uses are dropped and counted, as R's ``na.action = na.omit`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError

_SHOW = 5


def _rows(index: pd.Index, mask: np.ndarray) -> str:
    labels = [repr(x) for x in index[mask][:_SHOW]]
    more = int(mask.sum()) - len(labels)
    return ", ".join(labels) + (f" and {more} more" if more > 0 else "")


def as_list(cols: str | Sequence[str] | None) -> list[str]:
    """Normalise a column argument (``None``, one name or several) to a list of names."""
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    return list(cols)


def require_columns(df: pd.DataFrame, columns: Sequence[str], *, role: str = "column") -> None:
    """Raise a :class:`ConfigError` naming the first column of ``columns`` missing from ``df``."""
    if not isinstance(df, pd.DataFrame):
        raise ConfigError(f"expected a pandas DataFrame, got {type(df).__name__}")
    for col in columns:
        if col not in df.columns:
            raise ConfigError(
                f"{role} {col!r} is not a column of the data (columns: {list(df.columns)})"
            )


def numeric_column(df: pd.DataFrame, col: str, *, role: str) -> np.ndarray:
    """The column as float64, or a :class:`ConfigError` naming it when it is not numeric."""
    s = df[col]
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=float)
    if not pd.api.types.is_numeric_dtype(s):
        raise ConfigError(
            f"{role} {col!r} must be numeric (got dtype {s.dtype}); "
            "code categories as 0/1 indicator columns first"
        )
    return s.to_numpy(dtype=float)


@dataclass(frozen=True)
class Prepared:
    """Rows kept for an analysis, as arrays aligned with ``frame``."""

    frame: pd.DataFrame
    time: np.ndarray
    event: np.ndarray
    weights: np.ndarray
    start: np.ndarray | None
    n_dropped: int
    #: Event codes (0 = censored, 1..k = cause) when prepared with ``causes=True``.
    cause: np.ndarray | None = None


def prepare(
    df: pd.DataFrame,
    *,
    duration_col: str,
    event_col: str,
    weights_col: str | None = None,
    start_col: str | None = None,
    other_cols: Sequence[str] = (),
    causes: bool = False,
) -> Prepared:
    """Check the survival columns, drop rows with missing values in any used column.

    Parameters
    ----------
    df
        The analysis table.
    duration_col, event_col
        Follow-up time (numeric, >= 0) and event indicator (0/1 or boolean).
    weights_col
        Optional case weights (numeric, > 0).
    start_col
        Optional entry time for counting-process (start, stop] rows; must be < the duration.
    other_cols
        Further columns the analysis uses (groups, strata, covariates); rows missing any are
        dropped too.
    causes
        Competing risks: the event column holds 0 (censored) or a cause code 1, 2, ..., k
        (whole numbers); ``event`` is then "any cause" and ``cause`` the codes.

    Returns
    -------
    Prepared
        The kept rows and their time, event, weight and start arrays.
    """
    used = [c for c in [start_col, duration_col, event_col, weights_col] if c is not None]
    used += [c for c in dict.fromkeys(other_cols) if c not in used]
    require_columns(df, used)
    for col, role in [
        (duration_col, "duration column"),
        (event_col, "event column"),
        (weights_col, "weights column"),
        (start_col, "start column"),
    ]:
        if col is not None:
            numeric_column(df, col, role=role)
    missing = df[used].isna().any(axis=1).to_numpy()
    frame = df.loc[~missing, used] if missing.any() else df[used]
    n_dropped = int(missing.sum())
    if len(frame) == 0:
        raise ConfigError(f"no rows left after dropping {n_dropped} rows with missing values")

    time = numeric_column(frame, duration_col, role="duration column")
    bad = ~np.isfinite(time) | (time < 0)
    if bad.any():
        raise ConfigError(
            f"duration column {duration_col!r} must be finite and >= 0; "
            f"offending rows: {_rows(frame.index, bad)}"
        )
    event_raw = numeric_column(frame, event_col, role="event column")
    cause = None
    if causes:
        bad = (event_raw < 0) | (event_raw != np.round(event_raw))
        if bad.any():
            raise ConfigError(
                f"event column {event_col!r} must hold 0 (censored) or a cause code 1, 2, ..., k "
                f"(whole numbers); got {sorted(set(event_raw[bad].tolist()))[:_SHOW]} in rows "
                f"{_rows(frame.index, bad)}; recode the causes as 1..k and censoring as 0"
            )
        cause = event_raw.astype(np.int64)
        event = cause > 0
    else:
        bad = (event_raw != 0) & (event_raw != 1)
        if bad.any():
            raise ConfigError(
                f"event column {event_col!r} must be 0/1 (or boolean); got "
                f"{sorted(set(event_raw[bad].tolist()))[:_SHOW]} in rows {_rows(frame.index, bad)}"
            )
        event = event_raw == 1
    if weights_col is None:
        weights = np.ones(len(frame))
    else:
        weights = numeric_column(frame, weights_col, role="weights column")
        bad = ~np.isfinite(weights) | (weights <= 0)
        if bad.any():
            raise ConfigError(
                f"weights column {weights_col!r} must be finite and > 0; "
                f"offending rows: {_rows(frame.index, bad)}"
            )
    start = None
    if start_col is not None:
        start = numeric_column(frame, start_col, role="start column")
        bad = ~np.isfinite(start) | (start >= time)
        if bad.any():
            raise ConfigError(
                f"start column {start_col!r} must be finite and < {duration_col!r}; "
                f"offending rows: {_rows(frame.index, bad)}"
            )
    return Prepared(
        frame=frame,
        time=time,
        event=event,
        weights=weights,
        start=start,
        n_dropped=n_dropped,
        cause=cause,
    )


def group_codes(
    values: pd.Series | pd.DataFrame, *, r_labels: bool = False
) -> tuple[np.ndarray, list[Any]]:
    """Integer codes 0..k-1 for the groups (one column, or combinations of several columns).

    Groups are ordered as a categorical column's categories, else sorted (R's factor order);
    a combination of several columns is labelled ``"a, b"`` in the order of the columns, or
    with ``r_labels`` as R's strata ``"col1=a, col2=b"`` (first column varying slowest).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sex": [1, 2, 1], "grade": ["G2", "G1", "G1"]})
    >>> group_codes(df, r_labels=True)
    (array([1, 2, 0]), ['sex=1, grade=G1', 'sex=1, grade=G2', 'sex=2, grade=G1'])
    """
    if isinstance(values, pd.DataFrame):
        # a column named twice (by=["g", "g"], or by and strata the same) is one column
        values = values.loc[:, ~values.columns.duplicated()]
        if values.shape[1] == 1:
            return group_codes(values.iloc[:, 0])
        parts = [group_codes(values[c]) for c in values.columns]
        codes = np.zeros(len(values), dtype=np.int64)
        for c, levels in parts:
            codes = codes * len(levels) + c
        uniq, inv = np.unique(codes, return_inverse=True)
        labels: list[Any] = []
        for u in uniq:
            pieces = []
            rem = int(u)
            for col, (_, levels) in zip(reversed(values.columns), reversed(parts), strict=True):
                text = _r_text(levels[rem % len(levels)])
                pieces.append(f"{col}={text}" if r_labels else text)
                rem //= len(levels)
            labels.append(", ".join(reversed(pieces)))
        return inv.astype(np.int64), labels
    if isinstance(values.dtype, pd.CategoricalDtype):
        cat = values.cat.remove_unused_categories()
        return cat.cat.codes.to_numpy(dtype=np.int64), list(cat.cat.categories)
    try:
        levels = sorted(pd.unique(values))
    except TypeError:
        levels = sorted(pd.unique(values), key=str)
    lookup = {v: i for i, v in enumerate(levels)}
    return values.map(lookup).to_numpy(dtype=np.int64), [_plain(v) for v in levels]


def _r_text(value: Any) -> str:
    """A level as R prints it in a label (whole floats without ``.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plain(value: Any) -> Any:
    """numpy scalars as Python scalars, so group labels print and compare naturally."""
    return value.item() if isinstance(value, np.generic) else value
