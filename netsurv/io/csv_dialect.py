"""How a CSV file is written: its delimiter and decimal mark, and the text settings of the
readers (:class:`TextFormat`: encoding, delimiter, decimal mark).

A European spreadsheet saves ``;``-delimited files with decimal commas; some tools write tabs.
These settings are never guessed: :func:`sniff_delimiter` and :func:`decimal_commas` find
what a file uses so that :func:`report_dialect` can name the settings to add, and
:func:`read_decimal_commas` reads decimal commas only where the user said so (or, for the
report, while the file is being refused).  Text matching runs in Arrow, not per cell in
Python.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Collection
from typing import TypedDict

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from netsurv.errors import ConfigError
from netsurv.schema.headers import normalise_header
from netsurv.schema.problems import Problems

DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}
#: A number written with a decimal comma: ``12,5``, ``-0,25``, ``,5``.
_COMMA_NUMBER = r"[+-]?(\d+,\d*|,\d+)([eE][+-]?\d+)?"
_PLAIN_NUMBER = r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"


class TextFormat(TypedDict):
    """How a source's text files are written (the keyword arguments of the readers)."""

    encoding: str
    delimiter: str | None
    decimal: str


def check_text_format(
    encoding: str = "utf-8", delimiter: str | None = None, decimal: str = "."
) -> tuple[str, str | None, str]:
    """Check and normalise the text-format settings of a CSV reader.

    Parameters
    ----------
    encoding
        A codec name Python knows (``"utf-8"``, ``"cp1252"``, ``"latin-1"``, ``"utf-16"``).
    delimiter
        One character, ``"tab"`` or ``"\\t"`` for a tab; ``None`` = ``","`` (tab for ``.tsv``).
    decimal
        ``"."`` or ``","``.

    Returns
    -------
    tuple
        The codec's canonical name, the delimiter (a tab as ``"\\t"``) and the decimal mark.

    Raises
    ------
    netsurv.ConfigError
        An unknown encoding, a delimiter that is not one character, a decimal mark other than
        ``.`` or ``,``, or the same character for both.

    Examples
    --------
    >>> check_text_format("Latin-1", "tab", ",")
    ('iso8859-1', '\\t', ',')
    """
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise ConfigError(
            f"encoding {encoding!r} is not a known text encoding "
            "(e.g. 'utf-8', 'cp1252', 'latin-1', 'utf-16')"
        ) from None
    if delimiter is not None:
        delimiter = {"tab": "\t", "\\t": "\t"}.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1 or delimiter in '\r\n"' or delimiter.isalnum():
            raise ConfigError(
                f"delimiter {delimiter!r} must be one character such as ',', ';', '|' or 'tab'"
            )
    if decimal not in (".", ","):
        raise ConfigError(f"decimal mark {decimal!r} must be '.' or ','")
    if delimiter == decimal:
        raise ConfigError(f"the delimiter and the decimal mark are both {decimal!r}")
    return codec, delimiter, decimal


def sniff_delimiter(header: str, chosen: str) -> str | None:
    """Another delimiter, when the header line has one field under ``chosen`` and more under
    it (``None`` when ``chosen`` splits the header).

    Examples
    --------
    >>> sniff_delimiter("patient_id;last_alive_date", ",")
    ';'
    >>> sniff_delimiter("patient_id,last_alive_date", ",") is None
    True
    """
    fields = {d: len(next(csv.reader([header], delimiter=d))) for d in (chosen, *DELIMITERS)}
    if fields[chosen] > 1:
        return None
    best = max(DELIMITERS, key=lambda d: fields[d])
    return best if fields[best] > 1 and best != chosen else None


def decimal_commas(frame: pd.DataFrame, numeric: Collection[str]) -> str | None:
    """Where a numeric column first holds a number written with a decimal comma, for a
    message (``"long_axis_mm '12,5' on line 2"``); ``None`` if nowhere.

    Parameters
    ----------
    frame
        Text cells with a ``_line`` column.
    numeric
        The numeric columns (normalised names).

    Examples
    --------
    >>> cells = pd.DataFrame({"x": ["1", "2,5"], "_line": [2, 3]})
    >>> decimal_commas(cells, ["x"])
    "x '2,5' on line 3"
    """
    for i, col in enumerate(frame.columns):
        if normalise_header(col) in numeric:
            hit = _fullmatch(frame.iloc[:, i], _COMMA_NUMBER)
            if hit.any():
                at = int(np.argmax(hit))
                return f"{col} {frame.iat[at, i]!r} on line {frame['_line'].iat[at]}"
    return None


def _fullmatch(s: pd.Series, pattern: str) -> np.ndarray:
    """Where the text cells of ``s`` match ``pattern`` in full (Arrow, no Python loop)."""
    arr = pa.array(s.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    hit = pc.match_substring_regex(arr, f"^(?:{pattern})$")
    return np.asarray(hit.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def report_dialect(
    delimiter: str | None,
    comma_example: str | None,
    *,
    table: str,
    file: str,
    problems: Problems,
) -> None:
    """Report a delimiter (rule ``delimiter``) and / or decimal mark (rule ``decimal_mark``)
    found in a file and not set by the user, in one problem naming the settings to add.

    Examples
    --------
    >>> p = Problems()
    >>> report_dialect(";", "x '2,5' on line 3", table="t", file="t.csv", problems=p)
    >>> print(p.rows[0]["message"])
    file uses ';' as delimiter and ',' as decimal mark (x '2,5' on line 3): set data.delimiter = ';' and data.decimal = ',' (--delimiter ';' --decimal ',')
    """
    found = []
    settings = []
    flags = []
    if delimiter:
        found.append(f"{_DELIMITER_NAMES[delimiter]} as delimiter")
        shown = "tab" if delimiter == "\t" else delimiter
        settings.append(f"data.delimiter = '{shown}'")
        flags.append(f"--delimiter '{shown}'")
    if comma_example:
        found.append(f"',' as decimal mark ({comma_example})")
        settings.append("data.decimal = ','")
        flags.append("--decimal ','")
    problems.add(
        table,
        "",
        "",
        "delimiter" if delimiter else "decimal_mark",
        file,
        f"file uses {' and '.join(found)}: set {' and '.join(settings)} ({' '.join(flags)})",
        file=file,
    )


def read_decimal_commas(
    frame: pd.DataFrame,
    numeric: Collection[str],
    *,
    table: str,
    file: str,
    problems: Problems,
    check: bool,
) -> pd.DataFrame:
    """Numbers written with a decimal comma rewritten with a point: in numeric columns, and
    in other columns whose every value is a number (covariates).

    With ``check`` (the user set the decimal mark to ``,``), a decimal point in a numeric
    column is reported (rule ``decimal_mark``): ``1.500`` may be 1.5 or a thousands-separated
    1500.

    Examples
    --------
    >>> cells = pd.DataFrame({"x": ["1,5", "2"], "note": ["a,b", "c"], "_line": [2, 3]})
    >>> read_decimal_commas(cells, ["x"], table="t", file="t.csv", problems=Problems(),
    ...                     check=True)["x"].tolist()
    ['1.5', '2']
    """
    out = frame.copy()
    for i, col in enumerate(frame.columns[:-1]):  # the last column is _line
        s = frame.iloc[:, i]
        comma = _fullmatch(s, _COMMA_NUMBER)
        declared = normalise_header(col) in numeric
        if not declared and not (comma | _fullmatch(s, r"[+-]?\d+") | s.isna().to_numpy()).all():
            continue
        if declared and check:
            point = _fullmatch(s, _PLAIN_NUMBER) & _fullmatch(s, r".*\..*")
            for at in np.flatnonzero(point).tolist():
                problems.add(
                    table,
                    str(col),
                    f"line {frame['_line'].iat[at]}",
                    "decimal_mark",
                    s.iat[at],
                    "has a decimal point but the decimal mark is set to ',' (data.decimal)",
                    file=file,
                )
        if comma.any():
            cells = s.to_numpy(dtype=object)
            arr = pa.array(cells, type=pa.string(), from_pandas=True)
            points = pc.replace_substring(arr, ",", ".").to_numpy(zero_copy_only=False)
            out.isetitem(i, np.where(comma, points, cells))
    return out
