"""Text cells as netsurv reads them: trimmed, blanks missing, whole numbers without ``.0``,
dates as ISO text, codes in their declared spelling; and the pattern tests that coercion
applies to them (in Arrow where a column holds millions of cells).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc


def canonical_spelling(text: pd.Series, allowed: list[str]) -> pd.Series:
    """Allowed values in their declared spelling whatever the case (``"ct"`` → ``"CT"``);
    other values as they are.  Worked out on the distinct values, then spread (a code column
    of millions of rows holds a handful).

    Examples
    --------
    >>> canonical_spelling(pd.Series(["ct", "MRI", "pet", None]), ["CT", "MRI"]).tolist()
    ['CT', 'MRI', 'pet', None]
    """
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    canonical = {a.lower(): a for a in allowed}
    spelled = [canonical.get(u.lower(), u) if isinstance(u, str) else u for u in uniques]
    if spelled == list(uniques):
        return text  # already spelled as declared
    values = np.asarray(spelled, dtype=object)[codes]
    values[codes < 0] = None
    return pd.Series(values, index=text.index, dtype=object)


def coded_category(s: pd.Series, allowed: list[str] | None) -> pd.Series | None:
    """``canonical_spelling(as_text(s), allowed).astype("category")`` for a column a reader
    kept as Arrow text, made from its distinct values: no Python string per cell, and no
    hashing of millions of them twice (to spell them, then to make the categories); None for
    any other column, or one without a value.

    Examples
    --------
    >>> s = pd.Series([" ct", "MRI", None, "pet", "CT "], dtype="string[pyarrow]")
    >>> c = coded_category(s, ["CT", "MRI"])
    >>> c.tolist(), c.cat.categories.tolist()
    (['CT', 'MRI', nan, 'pet', 'CT'], ['CT', 'MRI', 'pet'])
    """
    arr = arrow_text(s)
    if arr is None or arr.null_count == len(arr):
        return None
    values, merged, cells = trimmed_positions(arr)
    distinct = values.to_pylist()
    if not distinct:
        return None
    if allowed is not None:
        canonical = {a.lower(): a for a in allowed}
        distinct = [canonical.get(v.lower(), v) for v in distinct]
    categories = sorted(set(distinct))  # as astype("category") orders them
    position = {c: i for i, c in enumerate(categories)}
    at = np.array([position[v] for v in distinct] + [-1], dtype=np.int64)  # -1: missing
    return pd.Series(
        pd.Categorical.from_codes(at[merged][cells], categories=pd.Index(categories)),
        index=s.index,
    )


def as_text(s: pd.Series) -> pd.Series:
    """Strings without surrounding blanks; integral floats lose their '.0'; blanks become None.

    Examples
    --------
    >>> as_text(pd.Series([" P1 ", "", 7.0, None], dtype=object)).tolist()
    ['P1', None, '7', None]
    >>> as_text(pd.Series([" P1 ", "", None], dtype="string[pyarrow]")).tolist()
    ['P1', None, None]
    """
    if pd.api.types.is_float_dtype(s):
        vals = s.to_numpy()
        out = np.empty(len(vals), dtype=object)
        for i, v in enumerate(vals):
            if np.isnan(v):
                out[i] = None
            else:
                out[i] = str(int(v)) if float(v).is_integer() else repr(float(v))
        return pd.Series(out, index=s.index, dtype=object)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), None)
    arr = arrow_text(s)
    if arr is not None and arr.null_count == len(arr):
        return pd.Series(None, index=s.index, dtype=object)  # no cell to convert
    if arr is not None:
        # trimmed in Arrow, then one Python string per distinct value
        values, merged, cells = trimmed_positions(arr)
        distinct = np.empty(len(values) + 1, dtype=object)  # None last
        distinct[:-1] = values.to_numpy(zero_copy_only=False)
        return pd.Series(distinct[merged][cells], index=s.index, dtype=object)
    obj = s.astype(object)
    is_null = obj.isna().to_numpy()
    if is_null.all():
        return pd.Series(None, index=s.index, dtype=object)
    if pd.api.types.infer_dtype(obj, skipna=True) == "string":
        return _trimmed_strings(obj, is_null)
    text = obj.map(_cell_text, na_action="ignore")
    text = text.str.strip()
    text[is_null | (text == "").to_numpy()] = None
    return text.astype(object)


def _trimmed_strings(obj: pd.Series, is_null: np.ndarray) -> pd.Series:
    """All-text column: trim in Arrow, without a Python call per cell.  Clean text (the usual
    case) is returned as given, so the string objects are not copied: on millions of lesion
    rows a copy costs gigabytes."""
    arr = pyarrow.array(obj.to_numpy(), type=pyarrow.string(), from_pandas=True)
    trimmed = pc.utf8_trim_whitespace(arr)
    empty = pc.equal(pc.binary_length(trimmed), 0)
    if not pc.any(pc.not_equal(trimmed, arr)).as_py() and not pc.any(empty).as_py():
        return obj if not is_null.any() else obj.where(~is_null, None)  # type: ignore[call-overload]
    out = trimmed.to_numpy(zero_copy_only=False)
    out[empty.fill_null(False).to_numpy(zero_copy_only=False)] = None
    return pd.Series(out, index=obj.index, dtype=object)


def arrow_text(s: pd.Series) -> pyarrow.ChunkedArray | None:
    """The cells of a column a reader kept as Arrow text (dictionary-encoded, see
    :func:`netsurv.io.csv_arrow.read_plain_cells`; or pandas' ``string[pyarrow]``, or any
    ``pd.ArrowDtype`` of text), without a conversion; None for any other column.

    Examples
    --------
    >>> arrow_text(pd.Series(["1.5", None], dtype="string[pyarrow]")).to_pylist()
    ['1.5', None]
    >>> arrow_text(pd.Series(["1.5"], dtype=pd.ArrowDtype(pyarrow.string()))).type
    DataType(string)
    >>> arrow_text(pd.Series(["1.5"], dtype=object)) is None
    True
    """
    dtype = s.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage.startswith("pyarrow"):
        return pyarrow.chunked_array(pyarrow.array(s.array))
    if isinstance(dtype, pd.ArrowDtype) and _is_text(dtype.pyarrow_dtype):
        return pyarrow.chunked_array(pyarrow.array(s.array))
    return None


def _is_text(kind: pyarrow.DataType) -> bool:
    """Arrow text, or text dictionary-encoded (as the CSV reader keeps it)."""
    if pyarrow.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pyarrow.types.is_string(kind) or pyarrow.types.is_large_string(kind))


def trimmed_codes(arr: pyarrow.Array | pyarrow.ChunkedArray) -> tuple[pyarrow.Array, np.ndarray]:
    """The distinct values of Arrow text once trimmed (as :func:`trimmed_arrow`; a blank one
    is missing) and each cell's position among them (-1: a missing or blank cell).

    A column of millions of cells holds far fewer distinct values (days, diameters to one
    decimal, identifiers): trimming, testing and parsing them once each and spreading the
    result by position costs less than doing it cell by cell.

    Examples
    --------
    >>> values, codes = trimmed_codes(pyarrow.array([" a", "a ", "  ", None, "b"]))
    >>> values.to_pylist(), codes.tolist()
    (['a', 'b'], [0, 0, -1, -1, 1])
    >>> coded = pyarrow.array(["x", "b", " b", None]).dictionary_encode()[1:]
    >>> values, codes = trimmed_codes(coded)  # "x": in the dictionary, in no cell
    >>> values.to_pylist(), codes.tolist()
    (['b'], [0, 0, -1])
    """
    values, merged, cells = trimmed_positions(arr)
    return values, merged[cells]


def trimmed_positions(
    arr: pyarrow.Array | pyarrow.ChunkedArray,
) -> tuple[pyarrow.Array, np.ndarray, np.ndarray]:
    """:func:`trimmed_codes` in two steps, for a caller that spreads a result per distinct
    value over the cells: ``values``; ``merged``, the position among ``values`` of each entry
    of the cells' encoding, then -1 (-1: blank or unused); and ``cells``, each cell's entry
    (-1, the last: missing).  ``table[merged][cells]`` spreads ``table`` (one entry per value,
    then the one for a missing cell) with a single pass over the cells.

    Examples
    --------
    >>> values, merged, cells = trimmed_positions(pyarrow.array(["b", " a", None, "b "]))
    >>> numbers = np.array([1.0, 2.0, np.nan])  # b, a, missing
    >>> values.to_pylist(), numbers[merged][cells].tolist()
    (['b', 'a'], [1.0, 2.0, nan, 1.0])
    """
    encoded = pyarrow.types.is_dictionary(arr.type)  # by the reader
    if encoded:
        if isinstance(arr, pyarrow.ChunkedArray):  # one chunk: its encoding as it is
            coded = arr.chunk(0) if arr.num_chunks == 1 else arr.unify_dictionaries()
        else:
            coded = arr
    else:
        coded = pc.dictionary_encode(arr)
    if isinstance(coded, pyarrow.ChunkedArray):
        coded = coded.combine_chunks()
    indices = coded.indices
    if indices.null_count:
        indices = indices.fill_null(-1)
    cells = indices.to_numpy(zero_copy_only=False)  # without a missing cell: no copy
    dictionary = coded.dictionary
    if encoded:  # only the values cells hold (not the header's, nor a marker's)
        used = np.zeros(len(dictionary) + 1, dtype=bool)
        used[cells] = True  # a missing cell (-1) marks the last
        if not used[:-1].all():
            dictionary = pc.if_else(pyarrow.array(used[:-1]), dictionary, None)
    trimmed = pc.dictionary_encode(trimmed_arrow(dictionary))  # " a" and "a" are one
    merged = np.append(trimmed.indices.fill_null(-1).to_numpy(zero_copy_only=False), -1)
    return trimmed.dictionary, merged, cells


def trimmed_arrow(arr: pyarrow.Array | pyarrow.ChunkedArray) -> pyarrow.ChunkedArray:
    """Arrow text without surrounding blanks, blank cells missing (as :func:`as_text`).

    Examples
    --------
    >>> trimmed_arrow(pyarrow.array([" a ", "  ", None])).to_pylist()
    ['a', None, None]
    """
    arr = pc.utf8_trim_whitespace(arr)
    # a length of 0, not equality with "": comparing text costs ten times more
    return pc.if_else(pc.equal(pc.binary_length(arr), 0), pyarrow.scalar(None, arr.type), arr)


def _cell_text(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    return str(v)


def fullmatch(text: pd.Series, pattern: str) -> np.ndarray:
    r"""Where ``text`` matches ``pattern`` in full (missing values never match).

    Examples
    --------
    >>> fullmatch(pd.Series(["2020-05", "May", None]), r"\d{4}-\d{2}").tolist()
    [True, False, False]
    """
    return text.astype("string").str.fullmatch(pattern).fillna(False).to_numpy(dtype=bool)


def full_iso_date(text: pd.Series) -> np.ndarray:
    """Where a cell begins with a complete ISO date ``YYYY-MM-DD`` (and holds no line break),
    tested in Arrow: a Python regular expression per cell costs seconds on a million scans.
    Arrow's ``\\d`` is an ASCII digit, Python's any decimal digit; the cells this decides
    (those pandas read as ISO dates) are ASCII.

    Examples
    --------
    >>> full_iso_date(pd.Series(["2020-01-02", "2020-01", None, "2020-01-02T10:00"])).tolist()
    [True, False, False, True]
    """
    arr = pyarrow.array(text.to_numpy(dtype=object), type=pyarrow.string(), from_pandas=True)
    found = pc.match_substring_regex(arr, r"^\d{4}-\d{2}-\d{2}.*$")
    return found.fill_null(False).to_numpy(zero_copy_only=False)
