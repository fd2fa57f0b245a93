"""Rows of one table found in another by their key columns, as positions.

The rules across tables look up, for each of millions of lesion rows, the row of its scan in
the assessments table.  A ``MultiIndex`` built from each table's key columns hashes every
identifier string again for every lookup; here the keys of the smaller table are numbered
once, the other table's keys looked up among them, and the answer kept as positions that
every rule reuses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd


def key_positions(rows: pd.DataFrame, table: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    """For each row of ``rows``, the position in ``table`` of the first row with the same
    values in ``keys`` (-1: no such row).  A missing value matches a missing value, as in a
    pandas ``MultiIndex``: what ``MultiIndex.isin`` and ``reindex`` find.

    Examples
    --------
    >>> scans = pd.DataFrame({"patient_id": ["P1", "P1", "P2", "P1"],
    ...                       "assessment_id": ["A1", "A2", "A1", "A1"]})
    >>> lesions = pd.DataFrame({"patient_id": ["P2", "P1", "P3", "P1"],
    ...                         "assessment_id": ["A1", "A1", "A1", None]})
    >>> key_positions(lesions, scans, ["patient_id", "assessment_id"]).tolist()
    [2, 0, -1, -1]
    """
    runs = run_starts([rows[k].to_numpy() for k in keys])
    if runs is not None:  # rows in runs of one key (lesions by scan): one look-up per run
        change, starts = runs
        if _aligned(rows, starts, table, keys):
            return np.cumsum(change) - 1
        firsts = pd.DataFrame({k: rows[k].iloc[starts].reset_index(drop=True) for k in keys})
        return key_positions(firsts, table, keys)[np.cumsum(change) - 1]
    in_table = np.zeros(len(table), dtype=np.int64)
    in_rows = np.zeros(len(rows), dtype=np.int64)
    unmatched = np.zeros(len(rows), dtype=bool)
    for key in keys:
        codes, values = pd.factorize(table[key], use_na_sentinel=False)  # missing: a value
        found = pd.Index(values).get_indexer(rows[key])
        _match_missing(found, rows[key], values)
        unmatched |= found < 0
        in_table, combined = pd.factorize(in_table * len(values) + codes)  # stays dense
        in_rows = pd.Index(combined).get_indexer(pd.Index(in_rows * len(values) + found))
    first = ~pd.Series(in_table).duplicated().to_numpy()  # a key's first row in table
    at = pd.Index(in_table[first]).get_indexer(pd.Index(in_rows))
    at[unmatched] = -1
    return np.append(np.flatnonzero(first), -1)[at]  # -1: the -1 appended


def _aligned(
    rows: pd.DataFrame, starts: np.ndarray, table: pd.DataFrame, keys: Sequence[str]
) -> bool:
    """Whether the runs of ``rows`` beginning at ``starts`` have, one for one, the keys of
    ``table``'s rows, and those are filled and distinct: then the n-th run is found at
    ``table``'s n-th row (lesions written scan by scan, as the assessments are).  Checked by
    comparing neighbours and the two tables row by row, not by hashing identifiers."""
    if len(starts) != len(table) or len(table) < 2:
        return False
    for key in keys:
        firsts = rows[key].to_numpy()[starts]
        try:
            if not np.asarray(firsts == table[key].to_numpy(), dtype=bool).all():
                return False
        except (TypeError, ValueError):  # pd.NA has no truth value
            return False
    ties = adjacent_ties(table, keys)  # None: a key missing, or rows out of order
    return ties is not None and not ties.any()


def factorize_runs(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(s)`` (codes, -1 for a missing value, and the distinct values in order
    of appearance) of a column whose rows come in runs of one value (a patient's lesion
    rows side by side): the runs' first rows are factorized, not every row.

    Examples
    --------
    >>> codes, uniques = factorize_runs(pd.Series(["P2"] * 600 + [None] * 600 + ["P1"] * 600))
    >>> np.unique(codes).tolist(), uniques.tolist()
    ([-1, 0, 1], ['P2', 'P1'])
    """
    runs = run_starts([s.to_numpy()])
    if runs is None:
        codes, uniques = pd.factorize(s)
        return codes, np.asarray(uniques)
    change, starts = runs
    codes, uniques = pd.factorize(s.iloc[starts])
    return codes[np.cumsum(change) - 1], np.asarray(uniques)


def run_starts(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """Where a run of rows with the same values in ``columns`` as the row before begins (the
    first row always does), and those rows' positions; None when runs are too short to be
    worth it.  Neighbours are compared, which costs less than hashing every row's
    identifiers; a missing value other than None begins a run of its own.  A lookup of the
    runs' first rows, spread by ``np.cumsum(change) - 1``, is that of every row.

    Examples
    --------
    >>> change, starts = run_starts([np.array(["P1"] * 600 + ["P2"] * 600, dtype=object)])
    >>> starts.tolist(), int(change.sum())
    ([0, 600], 2)
    >>> run_starts([np.array(["P1", "P2"], dtype=object)]) is None  # too few rows
    True
    """
    n = len(columns[0])
    if n < 1024:
        return None
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for v in columns:
        try:
            change[1:] |= np.asarray(v[1:] != v[:-1], dtype=bool)
        except (TypeError, ValueError):  # pd.NA has no truth value: look every row up
            return None
    starts = np.flatnonzero(change)
    return (change, starts) if len(starts) <= n // 2 else None


def adjacent_ties(
    df: pd.DataFrame, keys: Sequence[str], *, missing: Mapping[str, np.ndarray] | None = None
) -> np.ndarray | None:
    """For rows in lexicographic order of ``keys``, none of them missing: whether each row
    has the same keys as the next (one value fewer than rows).  None when a key is missing or
    the rows are out of order.

    Files are usually written in key order; then duplicate keys sit side by side, and the
    rows need no sort: two comparisons of neighbours instead of hashing every identifier.
    ``missing``, where the caller has them: the key columns' missing cells (not looked for
    again).

    Examples
    --------
    >>> df = pd.DataFrame({"p": ["P1", "P1", "P1", "P2"], "a": ["A1", "A2", "A2", "A1"]})
    >>> adjacent_ties(df, ["p", "a"]).tolist(), adjacent_ties(df, ["a"])
    ([False, True, False], None)
    >>> adjacent_ties(df.assign(a=["A1", None, "A2", "A3"]), ["p", "a"]) is None
    True
    """
    if len(df) < 2:
        return np.zeros(0, dtype=bool)
    known = missing or {}
    if any(  # column by column: no 2-D copy of the keys
        (known[key] if key in known else missing_cells(df[key])).any() for key in keys
    ):
        return None
    before = np.zeros(len(df) - 1, dtype=bool)  # the row precedes the next on an earlier key
    tied = np.ones(len(df) - 1, dtype=bool)
    for key in keys:
        v = df[key].to_numpy()
        before |= tied & (v[:-1] < v[1:])
        tied &= v[:-1] == v[1:]
    return tied if (before | tied).all() else None


def missing_cells(s: pd.Series) -> np.ndarray:
    """``s.isna()`` as numpy.  A text column with a string in every cell (an identifier
    column, as coercion makes them) is recognised in one pass over the objects, at a third of
    the cost of testing each cell for the several kinds of missing value.

    Examples
    --------
    >>> missing_cells(pd.Series(["P1", "P2"], dtype=object)).tolist()
    [False, False]
    >>> missing_cells(pd.Series(["P1", None, float("nan")], dtype=object)).tolist()
    [False, True, True]
    """
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=False) == "string":
        return np.zeros(len(s), dtype=bool)
    return s.isna().to_numpy()


def isin_runs(s: pd.Series, values: pd.Series) -> np.ndarray:
    """``s.isin(values)`` as numpy, for a column whose rows come in runs of one value (a
    patient's lesion rows side by side): the runs' first rows are looked up, not every row.

    Examples
    --------
    >>> s = pd.Series(["P1"] * 600 + [None] * 600 + ["P2"] * 600)
    >>> hit = isin_runs(s, pd.Series(["P2"]))
    >>> int(hit[:1200].sum()), int(hit[1200:].sum())
    (0, 600)
    """
    return over_runs(s, lambda firsts: firsts.isin(values).to_numpy())


def indexer_runs(index: pd.Index, s: pd.Series) -> np.ndarray:
    """``index.get_indexer(s)`` (``index`` unique) for a column whose rows come in runs of one
    value (a patient's scans side by side): the runs' first rows are looked up, not every row.

    Examples
    --------
    >>> s = pd.Series(["P2"] * 600 + ["P9"] * 600)
    >>> np.unique(indexer_runs(pd.Index(["P1", "P2"]), s)).tolist()
    [-1, 1]
    """
    return over_runs(s, lambda firsts: index.get_indexer(firsts.to_numpy()))  # type: ignore[arg-type]


def over_runs(s: pd.Series, lookup: Callable[[pd.Series], np.ndarray]) -> np.ndarray:
    """``lookup(s)`` (one value per row) for a column whose rows come in runs of one value:
    ``lookup`` of the runs' first rows, spread over each run (every row when runs are short).

    Examples
    --------
    >>> s = pd.Series(["a"] * 600 + ["b"] * 600)
    >>> np.unique(over_runs(s, lambda x: (x == "b").to_numpy()), return_counts=True)[1].tolist()
    [600, 600]
    """
    runs = run_starts([s.to_numpy()])
    if runs is None:
        return lookup(s)
    change, starts = runs
    return lookup(s.iloc[starts])[np.cumsum(change) - 1]


def _match_missing(found: np.ndarray, cells: pd.Series, values: pd.Index) -> None:
    """Point the missing cells (None, NaN) not yet found at ``values``' missing value, if
    it has one (``get_indexer`` tells None from NaN), in place."""
    absent = np.flatnonzero(found < 0)
    missing_value = np.flatnonzero(pd.isna(values))
    if len(absent) and len(missing_value):
        absent = absent[pd.isna(cells.to_numpy()[absent])]
        found[absent] = missing_value[0]


def scan_modality(les: pd.DataFrame, ass: pd.DataFrame, scan: np.ndarray | None) -> pd.Series:
    """The modality of each lesion row's scan (missing where the scan is not in ``ass``), as a
    categorical; ``scan``: the rows' positions in ``ass`` if known.

    Examples
    --------
    >>> les = pd.DataFrame({"patient_id": ["P1", "P1"], "assessment_id": ["A2", "A9"]})
    >>> ass = pd.DataFrame({"patient_id": ["P1", "P1"], "assessment_id": ["A1", "A2"],
    ...                     "modality": ["CT", "MRI"]})
    >>> scan_modality(les, ass, None).tolist()
    ['MRI', nan]
    """
    if scan is None:
        scan = key_positions(les, ass, ["patient_id", "assessment_id"])
    # a categorical: the rules' isin / notna on millions of lesion rows then look at the
    # few modalities, not at a Python string per row
    codes, modalities = pd.factorize(ass["modality"])  # -1: missing
    at = np.append(codes, -1)[scan]  # -1: not in ass
    return pd.Series(pd.Categorical.from_codes(at, categories=modalities), index=les.index)
