"""The CSV text netsurv writes is made in Arrow (``netsurv.pipeline.csv_text``, issue 21): it
must be the bytes pandas' ``to_csv`` writes, byte for byte, on hostile values of every kind
(NaN, infinities, -0.0, 1e-300, huge numbers, whole numbers in float columns, text with
quotes, commas, line ends and unicode, missing values of every sort, dates and NaT,
booleans, nullable integers), and a kind it does not know goes to ``to_csv`` itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netsurv.pipeline import csv_text as ct
from netsurv.pipeline.outputs import CSV_ROWS, csv_bytes, csv_safe

FLOATS = [
    0.0, -0.0, 1.0, -1.0, 0.1, 0.1 + 0.2, 1 / 3, 2.5, 100.0, 1e-300, -1e-300, 5e-324, 1e-5,
    1e-4, 0.00015, 1e15 + 0.3, 9999999999999998.0, 1e16, 1e22, 1.7976931348623157e308,
    123456789012345680.0, 2.0**53, 2.0**53 + 2, -(2.0**63), np.nan, np.inf, -np.inf,
]  # fmt: skip
TEXT = [
    "plain", "", " leading", "trailing ", "a,b", 'say "hi"', '"', '""', "line\nend", "cr\rret",
    "crlf\r\n", "tab\tx", "semi;colon", "it's", "é ü ß", "中文", "emoji 😀", "\u2028sep", "\x85",
    "nul\x00x", "\x0b\x0c", "-12.5", "=1+1", "'quoted", ",", "\n", "nan", "None", "NaT",
]  # fmt: skip


def _pandas(df: pd.DataFrame, header: bool = True) -> bytes:
    return ct.to_csv(df, header=header).encode("utf-8")


def _same(df: pd.DataFrame) -> None:
    """The Arrow text is pandas' text, with and without the header (and the column kinds
    really went through Arrow: else this would compare pandas with itself)."""
    assert ct._cells(df) is not None
    for header in (True, False):
        assert ct.csv_text(df, header=header) == _pandas(df, header)


def test_floats_are_their_shortest_repr_as_pandas_writes_them() -> None:
    x = np.array(FLOATS)
    _same(pd.DataFrame({"x": x, "neg": -x, "id": [f"P{i}" for i in range(len(x))]}))
    assert ct.column_text(pd.Series(x)).to_pylist()[:5] == ["0.0", "-0.0", "1.0", "-1.0", "0.1"]


def test_text_is_quoted_exactly_as_the_csv_writer_quotes_it() -> None:
    n = len(TEXT)
    _same(pd.DataFrame({"t": TEXT, "n": range(n)}))
    _same(pd.DataFrame({"n": range(n), "t": TEXT, "u": TEXT[::-1]}))


def test_a_table_of_one_column_writes_an_empty_cell_as_quotes() -> None:
    df = pd.DataFrame({"t": ["", None, "a", np.nan]}, dtype=object)
    _same(df)
    assert ct.csv_text(df, header=True) == b't\n""\n""\na\n""\n'
    _same(pd.DataFrame({"x": [np.nan, 1.0]}))


def test_missing_values_of_every_sort_are_empty() -> None:
    df = pd.DataFrame(
        {
            "t": pd.Series(["a", None, np.nan, pd.NA, "b"], dtype=object),
            "x": [1.0, np.nan, 2.0, np.nan, 3.0],
            "d": pd.to_datetime(["2024-03-01", None, "1969-12-31", "1677-09-22", "2262-04-11"]),
            "i": pd.array([1, None, -(2**63), 2**63 - 1, 0], dtype="Int64"),
            "empty": pd.Series([None] * 5, dtype=object),
        }
    )
    _same(df)


def test_integers_booleans_and_dates() -> None:
    df = pd.DataFrame(
        {
            "i64": np.array([0, -1, 2**63 - 1, -(2**63), 7], dtype=np.int64),
            "i8": np.array([0, -128, 127, 1, 2], dtype=np.int8),
            "u64": np.array([0, 2**64 - 1, 1, 2, 3], dtype=np.uint64),
            "b": [True, False, True, True, False],
            "d": pd.to_datetime(
                ["2024-03-01 13:45:10", "2000-02-29", None, "1900-01-01", "2024-12-31"],
                format="ISO8601",
            ),
        }
    )
    _same(df)


def test_empty_tables_write_their_header() -> None:
    df = pd.DataFrame({"a": pd.Series([], dtype=object), "x": pd.Series([], dtype=float)})
    _same(df)
    assert ct.csv_text(df, header=True) == b"a,x\n"
    assert ct.csv_text(df, header=False) == b""


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(["a", "b", None], dtype="category"),
        pd.Series([1, "a", 2.5], dtype=object),  # mixed: csv writes repr of floats
        pd.Series([b"bytes", "text", None], dtype=object),  # Arrow would read bytes as text
        pd.Series([True, None, False], dtype="boolean"),
        pd.Series([pd.NaT, "x", None], dtype=object),
        pd.Series([(1, 2), "x", None], dtype=object),
        pd.Series(pd.to_datetime(["2024-01-01", None, "2024-01-02"]).tz_localize("UTC")),
        pd.Series([1.5, None, 2.0], dtype="Float64"),
        pd.Series([1.5, np.nan, 2.0], dtype=np.float32),
        pd.Series(["a", None, "b"], dtype="string"),
        pd.Series([pd.Timedelta(days=1), pd.NaT, pd.Timedelta(0)]),
    ],
)
def test_other_kinds_are_written_by_pandas(column: pd.Series) -> None:
    df = pd.DataFrame({"x": [1.0, np.nan, -0.0], "c": column.to_numpy(), "t": ["a,b", "", "c"]})
    df["c"] = column
    assert ct._cells(df) is None
    for header in (True, False):
        assert ct.csv_text(df, header=header) == _pandas(ct._as_text(df), header)


def test_names_that_are_not_text_go_to_pandas() -> None:
    df = pd.DataFrame({0: [1.0], "a,b": ["x"]})
    assert ct._cells(df) is None
    assert ct.csv_text(df, header=True) == _pandas(df)
    _same(pd.DataFrame({"a,b": [1], 'q"uote': ["x"], "": ["y"], "é": [2.5]}))


def test_the_old_writer_and_the_new_agree_on_a_table_of_many_slices() -> None:
    """``csv_bytes`` (slices of ``CSV_ROWS`` rows, text guarded) is what ``to_csv`` wrote
    before."""
    rng = np.random.default_rng(5)
    n = CSV_ROWS + 17
    x = rng.normal(size=n) * 10.0 ** rng.integers(-8, 20, size=n)
    x[rng.random(n) < 0.1] = np.nan
    df = pd.DataFrame(
        {
            "id": [f"P{i:05d}" for i in range(n)],
            "x": x,
            "whole": np.round(x),
            "text": rng.choice(TEXT, size=n),
            "n": rng.integers(-5, 5, size=n),
        }
    )
    safe = csv_safe(df)
    assert csv_bytes(df) == _pandas(ct._as_text(safe)) == _pandas(safe)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    floats=st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=30),
    text=st.lists(st.one_of(st.none(), st.text(max_size=12)), min_size=1, max_size=30),
)
def test_random_floats_and_text_are_written_as_pandas_writes_them(
    floats: list[float], text: list[str | None]
) -> None:
    n = min(len(floats), len(text))
    df = pd.DataFrame({"x": floats[:n], "t": pd.Series(text[:n], dtype=object)})
    try:
        expected = _pandas(df)
    except UnicodeEncodeError:  # a lone surrogate: neither way can write it
        with pytest.raises(UnicodeEncodeError):
            ct.csv_text(df, header=True)
        return
    assert ct.csv_text(df, header=True) == expected
    assert ct.csv_text(df, header=True) == _pandas(ct._as_text(df))
