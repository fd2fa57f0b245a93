"""A table's CSV text, the bytes pandas' ``to_csv`` writes, made column by column in Arrow.

``DataFrame.to_csv`` passes every cell through Python's :mod:`csv` writer, one row at a time:
most of the CPU time of writing a run's tables.  :func:`csv_text` makes the same bytes with
Arrow's string kernels: each column's cells as text (quoted as the :mod:`csv` writer quotes
them), joined with ``,`` and ``\\n`` in C.  It knows the columns whose text it can make exactly
(:func:`column_text`: text, whole numbers, booleans, floats as their shortest ``repr``, ISO
days); a table with any other column is written by ``to_csv`` itself, so the bytes never
depend on which way was taken (``tests/hostile/test_csv_text.py`` compares the two on hostile
values).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc


def to_csv(df: pd.DataFrame, *, header: bool = True) -> str:
    """``df`` as pandas writes it with netsurv's options: no index, ``\\n`` line ends, ISO
    days (what :func:`csv_text` reproduces).

    Examples
    --------
    >>> to_csv(pd.DataFrame({"d": pd.to_datetime(["2024-03-01"]), "t": ["a,b"]}))
    'd,t\\n2024-03-01,"a,b"\\n'
    """
    return df.to_csv(index=False, header=header, lineterminator="\n", date_format="%Y-%m-%d")


def _quoted_characters() -> str:
    """The characters that make pandas' writer quote a text cell (``,``, ``"`` and the line
    end in Python 3.11: not ``\\r``), asked of pandas once, so that a version that quotes
    differently is followed."""
    probe = [",", '"', "\n", "\r", "\t", " ", ";", "'", "\x00", "\x0b", "\x0c", "\x85", "\u2028"]
    text = to_csv(pd.DataFrame({"a": [f"x{c}y" for c in probe], "b": 1}))
    return "".join(c for c in probe if f'"x{c}' in text)


_QUOTED = _quoted_characters()
_NEEDS_QUOTES = "[" + "".join(f"\\x{ord(c):02x}" for c in _QUOTED) + "]"


def csv_text(df: pd.DataFrame, *, header: bool) -> bytes:
    """``df`` as ``df.to_csv(index=False, header=header, lineterminator="\\n",
    date_format="%Y-%m-%d")`` writes it, UTF-8 encoded: made in Arrow when every column is of
    a kind :func:`column_text` knows, else by ``to_csv`` (its floats and dates made text by the
    same rules first).

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a,b", 'a "b" c'], "x": [0.1 + 0.2, float("nan")],
    ...                    "n": [1, 2], "ok": [True, False]})
    >>> csv_text(df, header=True)
    b'id,x,n,ok\\n"a,b",0.30000000000000004,1,True\\n"a ""b"" c",,2,False\\n'
    >>> csv_text(df, header=True) == df.to_csv(index=False, lineterminator="\\n").encode()
    True
    """
    cells = _cells(df)
    if cells is None:
        return to_csv(_as_text(df), header=header).encode("utf-8")
    head = to_csv(df.iloc[:0]).encode("utf-8") if header else b""
    if not len(df):
        return head
    if len(cells) == 1:  # the csv writer quotes a row that is one empty cell: ""
        cells = [pc.if_else(pc.equal(cells[0], ""), '""', cells[0])]
    lines = pc.binary_join_element_wise(*cells, ",")
    lines = pc.binary_join_element_wise(lines, pyarrow.scalar(""), "\n")  # each line + "\n"
    return head + _concatenated(lines)


def _cells(df: pd.DataFrame) -> list[pyarrow.Array] | None:
    """Every column's cells as quoted text, or None when one is of another kind (or the
    table has no column, or names that are not text)."""
    if not len(df.columns) or not all(isinstance(c, str) for c in df.columns):
        return None
    cells = []
    for _, s in df.items():
        text = column_text(s)
        if text is None:
            return None
        cells.append(text)
    return cells


def column_text(s: pd.Series) -> pyarrow.Array | None:
    """A column's cells as the csv writer of ``to_csv`` writes them, as an Arrow string array
    without missing values (a missing cell is empty), or None for a kind not handled here.

    Handled: text (an object column of ``str`` and missing values), integers (NumPy and
    pandas' ``Int*``), NumPy booleans, ``float64`` (the shortest ``repr`` of each value:
    ``1.0``, ``0.30000000000000004``, ``1e-300``, ``inf``), ``datetime64[ns]`` without a
    time zone (ISO days, as ``date_format="%Y-%m-%d"``).

    Examples
    --------
    >>> column_text(pd.Series([1.5, None, -0.0, 1e16])).to_pylist()
    ['1.5', '', '-0.0', '1e+16']
    >>> column_text(pd.Series(["a", None, 'x"y'])).to_pylist()
    ['a', '', '"x""y"']
    >>> column_text(pd.Series([1, "a"], dtype=object)) is None
    True
    """
    dtype = s.dtype
    kind = dtype.kind if isinstance(dtype, np.dtype) else None  # None: a pandas extension type
    values = s.to_numpy()
    if kind == "O":
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            return None
        try:
            text = pyarrow.array(values, type=pyarrow.string(), from_pandas=True)
        except (pyarrow.ArrowException, UnicodeError):
            return None  # to_csv says what is wrong with such a cell
        return _quote(text).fill_null("")
    if dtype == np.float64:
        text = pyarrow.array(_float_text(values), type=pyarrow.string())
        return pc.if_else(pyarrow.array(np.isnan(values)), "", text)
    if dtype == "datetime64[ns]":
        return pc.if_else(pyarrow.array(np.isnat(values)), "", pyarrow.array(_day_text(values)))
    if kind == "b":
        return pc.if_else(pyarrow.array(values), "True", "False")
    if kind in ("i", "u") or isinstance(s.array, pd.arrays.IntegerArray):
        return pc.cast(pyarrow.array(s, from_pandas=True), pyarrow.string()).fill_null("")
    return None


def _float_text(values: np.ndarray) -> list[str]:
    """Each float as ``to_csv`` writes it: its shortest round-trip ``repr`` (NaN not blanked)."""
    return list(map(repr, values.tolist()))


def _day_text(values: np.ndarray) -> np.ndarray:
    """Each ``datetime64`` as its ISO day (``date_format="%Y-%m-%d"``; NaT not blanked)."""
    return np.datetime_as_string(values, unit="D")


def _quote(text: pyarrow.Array) -> pyarrow.Array:
    """Cells that hold a delimiter, a quote or a line end, in quotes (inner quotes doubled)."""
    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return text
    doubled = pc.replace_substring(text, '"', '""')
    quoted = pc.binary_join_element_wise('"', doubled, '"', "")
    return pc.if_else(needs, quoted, text)


def _concatenated(text: pyarrow.Array) -> bytes:
    """The bytes of every value of a string array without missing values, one after another."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)
    first, last = int(offsets[text.offset]), int(offsets[text.offset + len(text)])
    return text.buffers()[2][first:last].to_pybytes()


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Float and date columns as the text :func:`column_text` makes of them (a float is its
    shortest ``repr``, what NumPy's ``astype(str)`` inside ``to_csv`` gives; a date its ISO
    day); missing values stay missing (written empty)."""
    out = None
    for i, (_, s) in enumerate(df.items()):
        if s.dtype == np.float64:
            values = s.to_numpy()
            text = np.array(_float_text(values), dtype=object)
            text[np.isnan(values)] = np.nan
        elif s.dtype == "datetime64[ns]":
            values = s.to_numpy()
            text = _day_text(values).astype(object)
            text[np.isnat(values)] = np.nan
        else:
            continue
        out = df.copy(deep=False) if out is None else out
        out.isetitem(i, text)
    return df if out is None else out
