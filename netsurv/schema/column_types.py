"""One column of a raw table to the type its schema declares: numbers, whole numbers, yes /
no, dates and text, every cell that cannot be converted reported (table, column, row key,
rule) and made missing.  Plain cells take Arrow fast paths (plain decimals, ISO dates); any
other cell goes through the general path, which words and orders the problems the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from netsurv.schema.cells import (
    arrow_text,
    as_text,
    canonical_spelling,
    full_iso_date,
    fullmatch,
    trimmed_codes,
    trimmed_positions,
)
from netsurv.schema.problems import Problems, RowKeys

#: Excel counts days from 1899-12-30 (the 1900 leap-year bug included).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Whole numbers below this are exact in a float.
EXACT = 2.0**53
_TRUE = pyarrow.array(["true", "t", "yes", "y", "1", "1.0"])
_FALSE = pyarrow.array(["false", "f", "no", "n", "0", "0.0"])


def coerce_column(
    s: pd.Series,
    dtype: str,
    allowed: list[str] | None,
    table: str,
    column: str,
    keys: RowKeys,
    problems: Problems,
    *,
    text: pd.Series | None = None,
) -> pd.Series:
    """``s`` as ``dtype``; ``text``, when given, is ``as_text(s)`` already made.

    Parameters
    ----------
    s
        The raw column.
    dtype
        The schema's type: ``datetime64[ns]``, ``float64``, ``Int64``, ``boolean`` or text.
    allowed
        The allowed values of a coded text column (spelling made canonical), or None.
    table, column, keys, problems
        Where a cell that cannot be converted is reported (``keys[i]`` names row ``i``).
    text
        ``as_text(s)`` when the caller has it already.

    Returns
    -------
    pandas.Series
        The typed column; cells that could not be converted are missing.

    Examples
    --------
    >>> from netsurv.schema.problems import Problems
    >>> found = Problems()
    >>> coerce_column(pd.Series(["1.5", "inf", "x"]), "float64", None, "lesions",
    ...               "long_axis_mm", ["P1 / A1 / L1", "P1 / A2 / L1", "P1 / A3 / L1"],
    ...               found).tolist()
    [1.5, nan, nan]
    >>> found.frame()["rule"].tolist()
    ['non_finite', 'type_number']
    """
    if dtype.startswith("datetime64"):
        return _to_date(s, table, column, keys, problems)
    if dtype in ("float64", "float32"):
        return _to_float(s, table, column, keys, problems)
    if dtype == "Int64":
        return _to_int(s, table, column, keys, problems)
    if dtype == "boolean":
        return _to_bool(s, table, column, keys, problems)
    if text is None:
        text = as_text(s)
    if allowed is not None:
        text = canonical_spelling(text, allowed)
    return text


def report_rows(
    bad: np.ndarray,
    raw: pd.Series,
    table: str,
    column: str,
    keys: RowKeys,
    problems: Problems,
    rule: str,
    message: str,
) -> None:
    """Report every row where ``bad`` is true, with its raw value, under one rule.

    Examples
    --------
    >>> from netsurv.schema.problems import Problems
    >>> found = Problems()
    >>> report_rows(np.array([False, True]), pd.Series(["3", "-1"]), "lines", "n_cycles",
    ...             ["P1 / L1", "P2 / L1"], found, "ge", "must be >= 0")
    >>> found.frame()[["row_key", "value"]].values.tolist()
    [['P2 / L1', '-1']]
    """
    for i in np.flatnonzero(bad):
        problems.add(table, column, keys[i], rule, raw.iloc[i], message)


def finite(
    num: pd.Series, raw: pd.Series, table: str, column: str, keys: RowKeys, problems: Problems
) -> pd.Series:
    """``num`` with infinities reported (rule ``non_finite``) and made missing.

    Examples
    --------
    >>> from netsurv.schema.problems import Problems
    >>> num = pd.Series([2.0, np.inf])
    >>> finite(num, num, "lesions", "volume_ml", ["r1", "r2"], Problems()).tolist()
    [2.0, nan]
    """
    inf = np.isinf(num.to_numpy(dtype="float64", na_value=np.nan))
    if inf.any():
        report_rows(inf, raw, table, column, keys, problems, "non_finite", _NON_FINITE)
        num = num.mask(inf)
    return num


_NON_FINITE = (
    "is not a finite number: write the measured value, or leave the cell empty when it is missing"
)


def _to_float(
    s: pd.Series, table: str, column: str, keys: RowKeys, problems: Problems
) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return finite(s.astype("float64"), s, table, column, keys, problems)
    parsed = _plain_decimals(s)
    if parsed is not None:
        return parsed
    text = as_text(s)
    parsed = pd.to_numeric(text, errors="coerce").astype("float64")
    unparsed = (text.notna() & parsed.isna()).to_numpy()
    nan_text = np.zeros(len(s), dtype=bool)
    if unparsed.any():
        nan_text[unparsed] = fullmatch(text[unparsed], r"(?i)[+-]?nan")
    inf = np.isinf(parsed.to_numpy())
    report_rows(nan_text | inf, s, table, column, keys, problems, "non_finite", _NON_FINITE)
    num = parsed.mask(inf)
    bad = unparsed & ~nan_text
    if bad.any():
        comma = fullmatch(text, r"-?\d+,\d+")
        report_rows(
            bad & comma,
            s,
            table,
            column,
            keys,
            problems,
            "type_number",
            "is not a number: use a decimal point, not a comma (or set data.decimal = ',')",
        )
        report_rows(
            bad & ~comma, s, table, column, keys, problems, "type_number", "is not a number"
        )
    return num


#: Plain decimals of at most 15 characters (so at most 15 significant digits, exponent <= 15):
#: every parser rounds them correctly, so Arrow's gives pandas' numbers.
_PLAIN_DECIMAL = r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)$"


def _plain_decimals(s: pd.Series) -> pd.Series | None:
    """The numbers of a column of text cells whose filled cells are all plain decimals
    (``12.5``, ``-3``, ``.5``; at most 15 characters once trimmed; blank cells are missing),
    parsed in Arrow without a Python call per cell; None for any other column (it takes the
    general path, which reports what is wrong).

    Examples
    --------
    >>> _plain_decimals(pd.Series([" 12.5", None, "", "-3"])).tolist()
    [12.5, nan, nan, -3.0]
    >>> _plain_decimals(pd.Series(["12,5"])) is None
    True
    """
    arr = arrow_text(s)  # a plain CSV file's number column is Arrow text as read
    if arr is None:
        if not pd.api.types.is_object_dtype(s):
            return None
        try:  # the text as read, in Arrow: one conversion serves the test and the parse
            arr = pyarrow.array(s.to_numpy(), type=pyarrow.string(), from_pandas=True)
        except (pyarrow.ArrowTypeError, pyarrow.ArrowInvalid):  # not all text: general path
            return None
    values, merged, cells = trimmed_positions(arr)  # each distinct value tested, parsed once
    if len(values) == 0:
        return None
    plain = pc.and_(
        pc.match_substring_regex(values, _PLAIN_DECIMAL),
        pc.less_equal(pc.utf8_length(values), 15),
    )
    if not pc.all(plain).as_py():
        return None
    try:
        numbers = pc.cast(values, pyarrow.float64()).to_numpy(zero_copy_only=False)
    except pyarrow.ArrowInvalid:  # a spelling Arrow does not read: the general path
        return None
    return pd.Series(np.append(numbers, np.nan)[merged][cells], index=s.index, dtype="float64")


def _to_int(s: pd.Series, table: str, column: str, keys: RowKeys, problems: Problems) -> pd.Series:
    num = _to_float(s, table, column, keys, problems)
    frac = (num.notna() & (num != np.floor(num))).to_numpy()
    report_rows(frac, s, table, column, keys, problems, "type_integer", "is not a whole number")
    huge = (num.abs() >= 2.0**63).to_numpy()
    report_rows(
        huge, s, table, column, keys, problems, "type_integer", "is beyond the 64-bit range"
    )
    num = num.mask(frac | huge)  # not in place: Arrow's numbers may be read-only
    # the whole numbers, made Int64 directly: ``astype("Int64")`` tests each float for a
    # safe cast again (a second of CPU on 6 million lesion rows)
    missing = num.isna().to_numpy()
    whole = np.where(missing, 0.0, num.round().to_numpy(dtype="float64", na_value=0.0))
    return pd.Series(
        pd.arrays.IntegerArray(whole.astype("int64"), missing), index=num.index, name=num.name
    )


def _to_bool(s: pd.Series, table: str, column: str, keys: RowKeys, problems: Problems) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    true, false, filled = _yes_no(s)
    out = pd.Series(pd.arrays.BooleanArray(true, ~(true | false)), index=s.index)
    bad = filled & ~(true | false)
    report_rows(
        bad,
        s,
        table,
        column,
        keys,
        problems,
        "type_boolean",
        "is not yes/no (use true/false, yes/no or 1/0)",
    )
    return out


def _yes_no(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where the cells (as :func:`lower_text` makes them) read true, read false, and are
    filled; of Arrow text, worked out on the distinct values and spread by position (no
    text of every cell is made).

    Examples
    --------
    >>> [m.tolist() for m in _yes_no(pd.Series([" Yes", "0", "x", None], dtype="string[pyarrow]"))]
    [[True, False, False, False], [False, True, False, False], [True, True, True, False]]
    """
    arr = arrow_text(s)
    if arr is not None:
        values, merged, cells = trimmed_positions(arr)
        lower = pc.utf8_lower(values)
        true = np.append(pc.is_in(lower, value_set=_TRUE).to_numpy(zero_copy_only=False), False)
        false = np.append(pc.is_in(lower, value_set=_FALSE).to_numpy(zero_copy_only=False), False)
        return true[merged][cells], false[merged][cells], (merged >= 0)[cells]
    text = lower_text(s)
    true = pc.is_in(text, value_set=_TRUE).to_numpy()
    false = pc.is_in(text, value_set=_FALSE).to_numpy()
    return true, false, pc.is_valid(text).to_numpy()


def lower_text(s: pd.Series) -> pyarrow.ChunkedArray:
    """The cells as :func:`as_text` makes them, in lower case, as Arrow text.

    Examples
    --------
    >>> lower_text(pd.Series([" Equivocal", None])).to_pylist()
    ['equivocal', None]
    """
    arr = arrow_text(s)
    if arr is not None:
        values, codes = trimmed_codes(arr)  # each distinct value lowered once
        at = pyarrow.array(codes, mask=codes < 0)
        return pyarrow.chunked_array([pc.take(pc.utf8_lower(values), at)])
    text = as_text(s).to_numpy(dtype=object)
    arr = pyarrow.array(text, type=pyarrow.string(), from_pandas=True)
    return pc.utf8_lower(pyarrow.chunked_array([arr]))


def _iso_dates(s: pd.Series) -> pd.Series | None:
    """The dates of a column of Arrow text whose filled cells are all ``YYYY-MM-DD`` dates
    within pandas' range, parsed in Arrow; None for any other column (it takes the general
    path of :func:`_to_date`, which reports what is wrong).

    Examples
    --------
    >>> text = pd.Series([" 2020-02-29", None, ""], dtype="string[pyarrow]")
    >>> _iso_dates(text).tolist()
    [Timestamp('2020-02-29 00:00:00'), NaT, NaT]
    >>> _iso_dates(pd.Series(["2021-02-30"], dtype="string[pyarrow]")) is None
    True
    """
    arr = arrow_text(s)
    if arr is None:
        return None
    values, merged, cells = trimmed_positions(arr)  # each distinct day tested, parsed once
    if len(values) == 0:
        return None
    if not pc.all(pc.match_substring_regex(values, r"^\d{4}-\d{2}-\d{2}$")).as_py():
        return None
    try:  # an impossible day (2021-02-30) or a year beyond 1677-2262: the general path
        days = pc.cast(pc.cast(values, pyarrow.timestamp("s")), pyarrow.timestamp("ns"))
    except pyarrow.ArrowInvalid:
        return None
    days = np.append(days.to_numpy(zero_copy_only=False), np.datetime64("NaT", "ns"))
    return pd.Series(days[merged][cells], index=s.index, dtype="datetime64[ns]")


def _to_date(s: pd.Series, table: str, column: str, keys: RowKeys, problems: Problems) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        out = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        return out.astype("datetime64[ns]").dt.normalize()
    parsed = _iso_dates(s)
    if parsed is not None:
        return parsed
    text = as_text(s)
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    # A full ISO date is required: '2020' or '2020-05' parse as 1 January / 1 May.
    full = full_iso_date(text)
    parsed = parsed.where(full)
    bad = (text.notna() & parsed.isna()).to_numpy()
    if bad.any():
        num = pd.to_numeric(text, errors="coerce")
        serial = bad & (num.between(1, 2958465) & (num == np.floor(num))).to_numpy(dtype=bool)
        for i in np.flatnonzero(serial):
            meant = (EXCEL_EPOCH + pd.Timedelta(days=float(num.iloc[i]))).date().isoformat()
            problems.add(
                table,
                column,
                keys[i],
                "excel_serial_date",
                s.iloc[i],
                f"looks like an Excel serial date number (probably {meant}); "
                "format the cells as dates or write YYYY-MM-DD",
            )
        partial = bad & ~serial & fullmatch(text, r"\d{4}(-\d{2})?")
        report_rows(
            partial,
            s,
            table,
            column,
            keys,
            problems,
            "partial_date",
            "is a partial date; impute the day before loading (e.g. the 15th) and say so "
            "in the analysis plan",
        )
        text_date = bad & ~serial & ~partial & fullmatch(text, r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
        report_rows(
            text_date,
            s,
            table,
            column,
            keys,
            problems,
            "type_date",
            "is a date written as text in another order (day and month may be swapped); "
            "write YYYY-MM-DD or format the cells as dates",
        )
        other = bad & ~serial & ~partial & ~text_date
        report_rows(
            other,
            s,
            table,
            column,
            keys,
            problems,
            "type_date",
            "is not a date (expected YYYY-MM-DD)",
        )
    return parsed.astype("datetime64[ns]").dt.normalize()
