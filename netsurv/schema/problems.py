"""The problems found while reading and validating: one accumulator for every rule, and the
human-readable row key each problem names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from netsurv.schema.inputs import KEYS


@dataclass
class Problems:
    """Accumulates problems as rows of a failures table (see :class:`netsurv.ValidationError`)."""

    rows: list[dict[str, object]] = field(default_factory=list)
    #: (table, column, row_key) of values that could not be converted to their type
    unconvertible: set[tuple[str, str, str]] = field(default_factory=set)
    #: (table, column) of required columns the table does not have (reported once, as
    #: ``missing_column``; its rows are not reported again as empty)
    absent: set[tuple[str, str]] = field(default_factory=set)

    def add(
        self,
        table: str,
        column: str,
        row_key: str,
        rule: str,
        value: object,
        message: str,
        severity: str = "error",
        *,
        file: str = "",
    ) -> None:
        """Record one problem (``file``: the file it was found in, when known)."""
        if rule.startswith("type_") or rule in ("excel_serial_date", "partial_date", "non_finite"):
            self.unconvertible.add((table, column, row_key))
        if rule in ("missing_column", "duplicate_column"):
            self.absent.add((table, column))
        self.rows.append(
            {
                "severity": severity,
                "table": table,
                "column": column,
                "row_key": row_key,
                "rule": rule,
                "value": _plain(value),
                "message": message,
                "file": file,
            }
        )

    def add_rows(
        self,
        frame: pd.DataFrame,
        mask: pd.Series | np.ndarray,
        *,
        table: str,
        column: str,
        rule: str,
        message: str,
        value_column: str | None = None,
        severity: str = "error",
    ) -> None:
        """Record one problem per row of ``frame`` where ``mask`` is true."""
        rows = np.asarray(mask, dtype=bool)
        if not rows.any():  # the usual case: no selection of every column of the frame
            return
        sub = frame.loc[rows]
        keys = row_keys(sub, table)
        values = sub[value_column] if value_column and value_column in sub else [None] * len(sub)
        for key, value in zip(keys, values, strict=True):
            self.add(table, column, key, rule, value, message, severity)

    def extend(self, other: Problems) -> None:
        """Append the problems of ``other``."""
        self.rows.extend(other.rows)

    def frame(self) -> pd.DataFrame:
        """The problems as a DataFrame, errors first, in the order found."""
        from netsurv.errors import FAILURE_COLUMNS

        df = pd.DataFrame(self.rows, columns=list(FAILURE_COLUMNS))
        order = (df["severity"] != "error").astype(int)
        return df.assign(_o=order).sort_values("_o", kind="stable").drop(columns="_o")

    def __len__(self) -> int:
        return len(self.rows)


def _plain(value: object) -> object:
    """A value as it should appear in a report (Timestamps as ISO dates, NaN as None)."""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value


def row_keys(frame: pd.DataFrame, table: str) -> list[str]:
    """Human-readable key of each row: ``"P001"``, ``"P001 / A02 / T1"``, or the file line.

    Rows whose key columns are missing or empty are named by their line in the source file
    (``"line 7"``; the header is line 1), which the readers keep in the ``_line`` column.
    """
    key_cols = [c for c in KEYS.get(table, ()) if c in frame.columns]
    if "_line" in frame.columns:
        lines = frame["_line"].astype("Int64").astype(str).tolist()
    else:
        lines = [str(i + 2) for i in range(len(frame))]
    if not key_cols:
        return [f"line {ln}" for ln in lines]
    parts = frame[key_cols].astype("string").fillna("").to_numpy(dtype=object)
    out = []
    for row, ln in zip(parts, lines, strict=True):
        if any(p == "" for p in row):
            out.append(f"line {ln}")
        else:
            out.append(" / ".join(row))
    return out


class RowKeys:
    """Row keys of a frame computed on demand, by position (only failing rows need them)."""

    def __init__(self, frame: pd.DataFrame, table: str) -> None:
        self._frame = frame
        self._table = table

    def __getitem__(self, position: int | np.integer) -> str:
        return row_keys(self._frame.iloc[[int(position)]], self._table)[0]
