"""Turn raw tables (text from CSV, objects from Excel, typed Parquet or user frames) into the
types the schema declares, recording every value that cannot be converted.

Coercion is lenient where the meaning is unambiguous (``" ct "`` → ``"CT"``, ``"yes"`` →
``True``, ``12`` → ``"12"`` for an identifier) and strict where it is not: a date must be an
ISO date (``YYYY-MM-DD``) or a real date cell, never a day-first string or an Excel serial
number, both of which are reported with the reading that was probably meant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyarrow.compute as pc

from netsurv.schema.cells import (
    arrow_text,
    as_text,
    canonical_spelling,
    full_iso_date,
    fullmatch,
    trimmed_arrow,
)
from netsurv.schema.headers import match_headers
from netsurv.schema.inputs import KEYS
from netsurv.schema.problems import Problems, RowKeys

#: Excel counts days from 1899-12-30 (the 1900 leap-year bug included).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
#: Whole numbers below this are exact in a float.
_EXACT = 2.0**53
_TRUE = pyarrow.array(["true", "t", "yes", "y", "1", "1.0"])
_FALSE = pyarrow.array(["false", "f", "no", "n", "0", "0.0"])


def coerce_table(
    raw: pd.DataFrame, model: type[pa.DataFrameModel], table: str, problems: Problems
) -> pd.DataFrame:
    """Convert ``raw`` to the model's column types.

    Columns the model does not declare are kept as they are (covariates pass through).
    Optional columns that are absent are added, empty, so downstream code can rely on every
    declared column existing.  A required column that is absent is reported as
    ``missing_column`` and also added empty, so that other checks can still run.

    Parameters
    ----------
    raw
        The table as read; may hold text, Python objects or typed columns.
    model
        The pandera model of the table.
    table
        Table name used in problem reports.
    problems
        Where conversion failures are recorded.

    Returns
    -------
    pandas.DataFrame
        A new frame with the declared dtypes; unconvertible values become missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from netsurv.schema.inputs import Patients
    >>> p = Problems()
    >>> raw = pd.DataFrame({"patient_id": [1], "last_alive_date": ["2021-03-04"]})
    >>> coerce_table(raw, Patients, "patients", p)["last_alive_date"].iloc[0]
    Timestamp('2021-03-04 00:00:00')
    """
    schema = model.to_schema()
    df = match_headers(raw, list(schema.columns), table, problems)
    if "_line" not in df.columns:
        df["_line"] = np.arange(2, len(df) + 2)
    for name, col in schema.columns.items():
        if name not in df.columns:
            if col.required and (table, name) not in problems.absent:  # not if duplicated
                problems.add(
                    table,
                    name,
                    "",
                    "missing_column",
                    None,
                    f"required column '{name}' is missing"
                    + _suggest(name, [c for c in df.columns if c != "_line"]),
                )
            df[name] = pd.Series(pd.NA, index=df.index, dtype=object)
    key_text = _text_keys(df, table)
    keys = RowKeys(key_text, table)
    for extra in df.columns.difference([*schema.columns, "_line"]):
        df[extra] = infer_covariate(df[extra])
        if pd.api.types.is_float_dtype(df[extra]):
            df[extra] = _finite(df[extra], df[extra], table, extra, keys, problems)
    equivocal = _split_equivocal(df, schema)
    index = df.index
    columns = {c: df[c] for c in df.columns}
    del raw, df  # each raw column is then held by ``columns`` only, and freed once converted
    for name, col in schema.columns.items():
        dtype = str(col.dtype)
        allowed = _allowed_values(col)
        text = key_text.get(name)  # key columns are already text: not converted twice
        columns[name] = _coerce_column(
            columns[name], dtype, allowed, table, name, keys, problems, text=text
        )
    for name, (target, mask) in equivocal.items():
        given = columns[target].fillna(False).to_numpy(dtype=bool)
        both = columns[name].fillna(False).to_numpy(dtype=bool) & given
        _report(
            both,
            columns[name],
            table,
            name,
            keys,
            problems,
            "type_boolean",
            f"is true while {target} is true too: a new lesion is unequivocal or equivocal, "
            "not both",
        )
        columns[target] = pd.Series(pd.array(given | mask, dtype="boolean"), index=index)
    for name in CATEGORICAL.get(table, ()):
        columns[name] = columns[name].astype("category")
    # one frame made at the end, of the converted columns as they are (copy=False: no 2-D
    # block of every column is made, which would copy millions of lesion rows)
    return pd.DataFrame(columns, index=index, copy=False)


def _split_equivocal(
    df: pd.DataFrame, schema: pa.DataFrameSchema
) -> dict[str, tuple[str, np.ndarray]]:
    """Cells reading ``equivocal`` in a yes/no column that allows it (metadata
    ``equivocal_to``, e.g. ``assessments.new_lesion``): emptied in place, and returned as a
    mask per column with the column that records them (``new_lesion_equivocal``)."""
    out = {}
    for name, col in schema.columns.items():
        target = (col.metadata or {}).get("equivocal_to")
        if target is None:
            continue
        mask = np.zeros(len(df), dtype=bool)
        if not pd.api.types.is_bool_dtype(df[name]):
            mask = pc.equal(_lower_text(df[name]), "equivocal").fill_null(False).to_numpy()
        if mask.any():
            df[name] = df[name].astype(object).where(~mask, None)
        out[name] = (target, mask)
    return out


def _text_keys(df: pd.DataFrame, table: str) -> pd.DataFrame:
    cols = [c for c in KEYS.get(table, ()) if c in df.columns]
    out = pd.DataFrame({c: as_text(df[c]) for c in cols}, index=df.index, copy=False)
    out["_line"] = df["_line"]
    return out


def _allowed_values(col: pa.Column) -> list[str] | None:
    for check in col.checks:
        if check.name == "isin":
            return list(check.statistics["allowed_values"])
    return None


def _suggest(name: str, present: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, present, n=1, cutoff=0.6)
    return f" (found '{close[0]}': rename it?)" if close else ""


def _coerce_column(
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
    """``s`` as ``dtype``; ``text``, when given, is ``as_text(s)`` already made."""
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


def infer_covariate(s: pd.Series) -> pd.Series:
    """An extra column as numbers when every filled value is a number, else as text.

    Whole numbers become ``Int64`` when a float holds them exactly (below 2**53); longer
    ones (a record number of 20 digits) stay text, so that no digit is lost.

    Examples
    --------
    >>> infer_covariate(pd.Series(["1", "2"])).dtype
    Int64Dtype()
    >>> infer_covariate(pd.Series(["12345678901234567890"])).tolist()
    ['12345678901234567890']
    """
    if not pd.api.types.is_object_dtype(s) and arrow_text(s) is None:
        return s
    text = as_text(s)
    num = pd.to_numeric(text, errors="coerce").astype("float64")
    if text.notna().any() and (num.notna() == text.notna()).all():
        if (num.dropna() % 1).any() or np.isinf(num).any():
            return num
        if (num.abs() < _EXACT).all() or num.isna().all():
            return num.astype("Int64")
    return text


def _report(
    bad: np.ndarray,
    raw: pd.Series,
    table: str,
    column: str,
    keys: RowKeys,
    problems: Problems,
    rule: str,
    message: str,
) -> None:
    for i in np.flatnonzero(bad):
        problems.add(table, column, keys[i], rule, raw.iloc[i], message)


def _finite(
    num: pd.Series, raw: pd.Series, table: str, column: str, keys: RowKeys, problems: Problems
) -> pd.Series:
    """``num`` with infinities reported (rule ``non_finite``) and made missing."""
    inf = np.isinf(num.to_numpy(dtype="float64", na_value=np.nan))
    if inf.any():
        _report(inf, raw, table, column, keys, problems, "non_finite", _NON_FINITE)
        num = num.mask(inf)
    return num


#: Coded text columns held as categoricals (one byte per row instead of an 8-byte pointer).
CATEGORICAL = {"lesions": ("site", "role", "measurement_flag")}

_NON_FINITE = (
    "is not a finite number: write the measured value, or leave the cell empty when it is missing"
)


def _to_float(
    s: pd.Series, table: str, column: str, keys: RowKeys, problems: Problems
) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return _finite(s.astype("float64"), s, table, column, keys, problems)
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
    _report(nan_text | inf, s, table, column, keys, problems, "non_finite", _NON_FINITE)
    num = parsed.mask(inf)
    bad = unparsed & ~nan_text
    if bad.any():
        comma = fullmatch(text, r"-?\d+,\d+")
        _report(
            bad & comma,
            s,
            table,
            column,
            keys,
            problems,
            "type_number",
            "is not a number: use a decimal point, not a comma (or set data.decimal = ',')",
        )
        _report(bad & ~comma, s, table, column, keys, problems, "type_number", "is not a number")
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
    arr = trimmed_arrow(arr)
    if arr.null_count == len(arr):
        return None
    plain = pc.and_(
        pc.match_substring_regex(arr, _PLAIN_DECIMAL), pc.less_equal(pc.utf8_length(arr), 15)
    )
    if not pc.all(plain).as_py():  # nulls are skipped
        return None
    try:
        numbers = pc.cast(arr, pyarrow.float64()).to_numpy(zero_copy_only=False)
    except pyarrow.ArrowInvalid:  # a spelling Arrow does not read: the general path
        return None
    return pd.Series(numbers, index=s.index, dtype="float64")


def _to_int(s: pd.Series, table: str, column: str, keys: RowKeys, problems: Problems) -> pd.Series:
    num = _to_float(s, table, column, keys, problems)
    frac = (num.notna() & (num != np.floor(num))).to_numpy()
    _report(frac, s, table, column, keys, problems, "type_integer", "is not a whole number")
    huge = (num.abs() >= 2.0**63).to_numpy()
    _report(huge, s, table, column, keys, problems, "type_integer", "is beyond the 64-bit range")
    num = num.mask(frac | huge)  # not in place: Arrow's numbers may be read-only
    return num.round().astype("Int64")


def _to_bool(s: pd.Series, table: str, column: str, keys: RowKeys, problems: Problems) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    text = _lower_text(s)
    true = pc.is_in(text, value_set=_TRUE).to_numpy()
    false = pc.is_in(text, value_set=_FALSE).to_numpy()
    out = pd.Series(pd.arrays.BooleanArray(true, ~(true | false)), index=s.index)
    bad = pc.is_valid(text).to_numpy() & ~(true | false)
    _report(
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


def _lower_text(s: pd.Series) -> pyarrow.ChunkedArray:
    """The cells as :func:`as_text` makes them, in lower case, as Arrow text."""
    arr = arrow_text(s)
    if arr is not None:
        return pc.utf8_lower(trimmed_arrow(arr))
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
    arr = trimmed_arrow(arr)
    if arr.null_count == len(arr):
        return None
    if not pc.all(pc.match_substring_regex(arr, r"^\d{4}-\d{2}-\d{2}$")).as_py():
        return None
    try:  # an impossible day (2021-02-30) or a year beyond 1677-2262: the general path
        days = pc.cast(pc.cast(arr, pyarrow.timestamp("s")), pyarrow.timestamp("ns"))
    except pyarrow.ArrowInvalid:
        return None
    return pd.Series(days.to_numpy(), index=s.index, dtype="datetime64[ns]")


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
        _report(
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
        _report(
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
        _report(
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
