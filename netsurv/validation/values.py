"""The single-table checks: each raw table coerced to its schema, then the schema's value
checks (required values, allowed values, ranges) and unique keys."""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from netsurv.schema.coerce import coerce_table
from netsurv.schema.inputs import INPUT_MODELS, KEYS, NORMALISERS
from netsurv.schema.key_rows import adjacent_ties, missing_cells
from netsurv.schema.problems import Problems, RowKeys


def coerce_and_check(
    raw: dict[str, pd.DataFrame],
    problems: Problems,
    *,
    release: bool = False,
    in_key_order: set[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Coerce each raw table to its schema and run the single-table rules.

    Parameters
    ----------
    raw
        Tables by name (``patients``, ``lines``, ``assessments``, ``lesions``).
    problems
        Where problems are recorded.
    release
        Remove each table from ``raw`` as soon as it is coerced, so that a reader's frame
        of text cells is freed while the next table is coerced (``raw`` then ends empty of
        the schema's tables).  Millions of lesion rows as text cost as much memory as
        their typed table.
    in_key_order
        When given, receives the names of the typed tables whose rows are in the order of
        their keys, none missing (they need no sort; found by the duplicate-key check).

    Returns
    -------
    dict of pandas.DataFrame
        The typed tables, with every declared column present.
    """
    typed: dict[str, pd.DataFrame] = {}
    for table, model in INPUT_MODELS.items():
        if table not in raw:
            continue
        df = coerce_table(raw.pop(table) if release else raw[table], model, table, problems)
        normalise = NORMALISERS.get(table)
        if normalise is not None:
            df = normalise(df)
        missing = _check_values(df, model, table, problems)
        if _check_duplicates(df, table, problems, missing) and in_key_order is not None:
            in_key_order.add(table)
        typed[table] = df
    return typed


_CHECK_RULES = {
    "isin": "allowed_values",
    "greater_than_or_equal_to": "range",
    "greater_than": "range",
    "less_than_or_equal_to": "range",
    "less_than": "range",
    "str_length": "not_null",
    "not_nullable": "not_null",
}


def _check_values(
    df: pd.DataFrame, model: type[pa.DataFrameModel], table: str, problems: Problems
) -> dict[str, np.ndarray]:
    """The schema's value checks (required values, allowed values, ranges), column by column
    in schema order, as pandera states them: missing values fail only ``nullable=False`` and
    are not checked further.  Types are guaranteed by coercion, so the checks run as numpy
    comparisons on the typed columns (pandera's per-check Series machinery costs tens of
    seconds on millions of lesion rows); row keys are made only for failing rows.  Returns
    the missing cells of the key columns, for the duplicate-key check."""
    schema = model.to_schema()
    keys = RowKeys(df, table)
    missing: dict[str, np.ndarray] = {}
    for column, col in schema.columns.items():
        s = df[column]
        null = missing_cells(s)
        if column in KEYS[table]:
            missing[column] = null
        failures: list[tuple[str, np.ndarray]] = []
        if not col.nullable and (table, column) not in problems.absent:
            failures.append(("not_nullable", null))  # (a missing column is reported once)
        for check in col.checks:
            failed = _failed(s, null, check.name, check.statistics)
            if failed is not None:
                failures.append((check.name, failed))
        for name, failed in failures:
            rule = _CHECK_RULES[name]
            message = _check_message(col, name, name)
            at = np.flatnonzero(failed)
            values = s.iloc[at].to_numpy(dtype=object)  # only the failing rows as objects
            for i, value in zip(at, values, strict=True):
                key = keys[i]
                if rule == "not_null" and (table, column, key) in problems.unconvertible:
                    continue  # already reported as a value of the wrong type
                problems.add(table, column, key, rule, value, message)
    return missing


#: The schema's bound checks, as comparisons a valid value passes.
_COMPARE = {
    "greater_than_or_equal_to": operator.ge,
    "greater_than": operator.gt,
    "less_than_or_equal_to": operator.le,
    "less_than": operator.lt,
}


def _failed(
    s: pd.Series, null: np.ndarray, name: str, stats: dict[str, object]
) -> np.ndarray | None:
    """Where a filled value fails one pandera check (None: no such value)."""
    filled = ~null
    if not filled.any():
        return None
    if name == "isin":
        allowed = list(stats["allowed_values"])  # type: ignore[call-overload]
        failed = filled & ~_is_in(s, allowed)
    elif name == "str_length":
        low, high = stats.get("min_value"), stats.get("max_value")
        if low == 1 and high is None:  # "not empty": no need to count characters
            return _none_if_clean(filled & _is_empty_text(s, null))
        lengths = _text_lengths(s)[filled]
        bad = np.zeros(len(lengths), dtype=bool)
        if isinstance(low, int):
            bad |= lengths < low
        if isinstance(high, int):
            bad |= lengths > high
        failed = np.zeros(len(s), dtype=bool)
        failed[filled] = bad
    elif name in _COMPARE:
        bound: Any = next(iter(stats.values()))
        plain = _plain_values(s, bound)
        if plain is not None:  # numpy: no Series of the filled values is made
            with np.errstate(invalid="ignore"):
                failed = filled & ~_COMPARE[name](*plain)
            return _none_if_clean(failed)
        ok = _COMPARE[name](s[filled], bound)
        failed = np.zeros(len(s), dtype=bool)
        failed[filled] = ~ok.to_numpy(dtype=bool)
    else:  # a check this function does not know: a new schema check must be added here
        raise NotImplementedError(f"value check {name!r} of the input schema")
    return _none_if_clean(failed)


def _is_empty_text(s: pd.Series, null: np.ndarray) -> np.ndarray:
    """Where a cell is the empty string (``s == ""``; ``null``: the missing cells, which are
    not).  Object columns are compared in numpy, which costs a third of the pandas
    comparison; missing cells are left out of it (``pd.NA`` has no truth value).

    Examples
    --------
    >>> s = pd.Series(["P1", "", None], dtype=object)
    >>> _is_empty_text(s, s.isna().to_numpy()).tolist()
    [False, True, False]
    """
    if s.dtype != object:
        return (s == "").to_numpy(dtype=bool)
    cells = s.to_numpy()
    if not null.any():
        return np.asarray(cells == "", dtype=bool)
    empty = np.zeros(len(cells), dtype=bool)
    empty[~null] = np.asarray(cells[~null] == "", dtype=bool)
    return empty


def _is_in(s: pd.Series, allowed: list[object]) -> np.ndarray:
    """``s.isin(allowed)`` as numpy; a categorical column is looked up by its codes (the
    categories tested once each, not every cell).

    Examples
    --------
    >>> _is_in(pd.Series(["CT", "PET", None], dtype="category"), ["CT"]).tolist()
    [True, False, False]
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        known = np.append(s.cat.categories.isin(allowed), False)  # code -1 (missing): last
        return known[s.cat.codes.to_numpy()]
    return s.isin(allowed).to_numpy()


def _plain_values(s: pd.Series, bound: object) -> tuple[np.ndarray, Any] | None:
    """The values of a float column and a numeric bound, of a date column and a date bound,
    or of a nullable integer column and an integer bound, as numpy compares them (missing
    cells are not looked at); None for any other column (pandas compares it)."""
    if s.dtype == np.float64 and isinstance(bound, int | float) and not isinstance(bound, bool):
        return s.to_numpy(), bound
    if s.dtype == "datetime64[ns]" and isinstance(bound, pd.Timestamp) and bound.tz is None:
        return s.to_numpy(), np.datetime64(bound.as_unit("ns").value, "ns")
    if s.dtype == "Int64" and isinstance(bound, int) and not isinstance(bound, bool):
        return s.to_numpy(dtype=np.int64, na_value=0), bound  # (missing cells: not looked at)
    return None


def _none_if_clean(failed: np.ndarray) -> np.ndarray | None:
    return failed if failed.any() else None


def _text_lengths(s: pd.Series) -> np.ndarray:
    """Characters in each cell of a text column (missing cells: 0), counted in Arrow; the
    cells are converted with ``str`` only when the column holds more than text."""
    try:
        text = pyarrow.array(s.to_numpy(), type=pyarrow.string(), from_pandas=True)
    except (pyarrow.ArrowTypeError, pyarrow.ArrowInvalid):
        text = pyarrow.array(s.astype(str).to_numpy(dtype=object), type=pyarrow.string())
    return pc.utf8_length(text).fill_null(0).to_numpy(zero_copy_only=False)


def _check_message(col: pa.Column, name: str, check: str) -> str:
    if name == "isin":
        allowed = next(c for c in col.checks if c.name == "isin").statistics["allowed_values"]
        return "is not one of " + ", ".join(map(str, allowed))
    if name in ("not_nullable", "str_length"):
        return "is empty but required"
    stats: dict[str, object] = next((c.statistics for c in col.checks if c.name == name), {})
    bound = next(iter(stats.values()), None)
    if isinstance(bound, pd.Timestamp):
        bound = bound.date().isoformat()
    sign = {"greater_than_or_equal_to": ">=", "greater_than": ">", "less_than": "<"}.get(name, "<=")
    return f"must be {sign} {bound}"


def _check_duplicates(
    df: pd.DataFrame, table: str, problems: Problems, missing: dict[str, np.ndarray]
) -> bool:
    """Report the rows whose complete key another row has; return whether the rows are in
    key order, none missing (then duplicates are neighbours: no hashing of the keys).
    ``missing``: the key columns' missing cells, where known."""
    key = list(KEYS[table])
    ties = adjacent_ties(df, key, missing=missing)
    if ties is not None:
        dup = np.zeros(len(df), dtype=bool)
        dup[:-1] |= ties  # the row and the next share their key
        dup[1:] |= ties
    else:
        complete = df[key].notna().all(axis=1)
        dup = (df[key].duplicated(keep=False) & complete).to_numpy()
    problems.add_rows(
        df,
        dup,
        table=table,
        column=", ".join(key),
        rule="duplicate_key",
        message="the same key appears on more than one row",
    )
    return ties is not None
