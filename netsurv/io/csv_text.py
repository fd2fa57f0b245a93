"""Read a CSV file into text cells, reporting what clinic exports get wrong.

A spreadsheet saved "as CSV" can differ from what netsurv expects in ways that pandas reads
without complaint: another encoding (UTF-16, Windows-1252), another delimiter (``;`` or tab)
and decimal mark (``,``), rows cut short, a header named twice, NUL bytes from a damaged copy.
:func:`read_csv_file` finds each of them and records it in a
:class:`~netsurv.schema.problems.Problems` accumulator, naming the file, the line and the
setting that fixes it.  A guessed encoding, delimiter or decimal mark is never applied
silently: either the caller set it, or the file is reported (an error, which stops loading)
and read on with the guess only so that its other problems are reported in the same run.
Decoding is :mod:`netsurv.io.decoding`'s, delimiters and decimal marks
:mod:`netsurv.io.csv_dialect`'s.

Reading stays vectorised: pandas' C parser reads the cells; the structure checks are C string
operations (``str.count``), and the ``csv`` module (also C) counts the fields of every record
only when the file has quoted values, blank lines, or a count that does not add up.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Collection, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from netsurv.io.csv_arrow import one_record_per_line, plain_layout, read_plain_cells
from netsurv.io.csv_dialect import (
    DELIMITERS,
    check_text_format,
    decimal_commas,
    read_decimal_commas,
    report_dialect,
    sniff_delimiter,
)
from netsurv.io.decoding import decode_text
from netsurv.schema.headers import normalise_header
from netsurv.schema.problems import Problems

#: Cells read as missing (in every column but a numeric one, where ``nan`` is an error).
NA_VALUES = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", ".", "-"})
#: Files that are not text, by their first bytes.
_BINARY = {
    b"PK\x03\x04": "an Excel workbook (or another zip file): give a workbook the suffix .xlsx",
    b"PAR1": "a Parquet file: give it the suffix .parquet",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook: save it as .xlsx",
}


def read_csv_file(
    path: Path,
    *,
    table: str,
    problems: Problems,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    decimal: str = ".",
    numeric: Collection[str] = (),
    keys: Collection[str] = (),
    missing: Collection[str] = NA_VALUES,
    arrow: bool = False,
) -> pd.DataFrame | None:
    """Read a CSV file (``.csv``, ``.tsv``, ``.csv.gz``) as text cells.

    Parameters
    ----------
    path
        The file.
    table
        Name of the table it holds, for problem reports.
    problems
        Where problems are recorded (rules ``unreadable_file``, ``empty_file``, ``encoding``,
        ``nul_bytes``, ``delimiter``, ``decimal_mark``, ``ragged_row``); each names the file.
    encoding, delimiter, decimal
        How the file is written (see :func:`check_text_format`); a UTF-8 byte-order mark is
        accepted.
    numeric
        Columns that hold numbers: there ``nan`` is a value (reported later as not finite),
        not a missing cell, and decimal commas are looked for.
    keys
        Key columns of the table: the header is the first of the top 30 lines that names
        them all (lines above it, a title or an export note, are skipped with a warning,
        rule ``header_row``); without keys, the first non-blank line.
    missing
        Cells read as missing (default :data:`NA_VALUES`).
    arrow
        Whether a plain file (no quotes, every line as wide as the header) is read as
        Arrow text (``string[pyarrow]`` cells, see
        :func:`netsurv.io.csv_arrow.read_plain_cells`) rather than Python strings, for
        :func:`netsurv.schema.coerce.coerce_table` to convert.

    Returns
    -------
    pandas.DataFrame or None
        Text cells (missing cells as ``None``; headers as written, duplicates kept) and a
        ``_line`` column with each row's line in the file; ``None`` when the file cannot be
        read as a whole (it is damaged, or its rows have different numbers of fields).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = Problems()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "lines.csv"
    ...     _ = path.write_bytes(b"patient_id;n\\nP1;1,5\\n")
    ...     df = read_csv_file(path, table="lines", problems=p, numeric=["n"])
    >>> p.rows[0]["rule"], df["n"].tolist()
    ('delimiter', ['1.5'])
    >>> print(p.rows[0]["message"])
    file uses ';' as delimiter and ',' as decimal mark (n '1,5' on line 2): set data.delimiter = ';' and data.decimal = ',' (--delimiter ';' --decimal ',')
    """
    codec, delimiter, decimal = check_text_format(encoding, delimiter, decimal)
    name = path.name
    try:
        raw = path.read_bytes()
        if name.lower().endswith(".gz"):
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        problems.add(
            table, "", "", "unreadable_file", name, f"file could not be read: {exc}", file=name
        )
        return None
    if not raw or raw.isspace():  # not raw.strip(): that copies the file
        problems.add(
            table,
            "",
            "",
            "empty_file",
            name,
            "file is empty (expected a header line and data rows)",
            file=name,
        )
        return None
    kind = next((k for magic, k in _BINARY.items() if raw.startswith(magic)), None)
    if kind:
        problems.add(
            table, "", "", "unreadable_file", name, f"file is not CSV text but {kind}", file=name
        )
        return None
    # an ASCII file without NUL (not UTF-16) is its own UTF-8, with nothing for decode_text
    # to report: Arrow reads its bytes, and its text is made only if pandas is to read it
    body: str | bytes | None = raw
    if not (arrow and codec == "utf-8" and raw.isascii() and b"\x00" not in raw):
        body = decode_text(
            raw, codec=codec, encoding=encoding, table=table, file=name, problems=problems
        )
    del raw  # ``body`` holds it now
    if body is None:
        return None
    chosen = delimiter or ("\t" if name.lower().endswith((".tsv", ".tsv.gz")) else ",")
    head = body[:65536]  # all _find_header looks at
    offset, above, header, skipped = _find_header(
        head if isinstance(head, str) else head.decode("ascii"), chosen, keys
    )
    if offset:
        body = body[offset:]
    if skipped:
        _report_skipped(skipped, above + 1, table, name, problems)
    found = sniff_delimiter(header, chosen)
    sep = found or chosen
    names = next(csv.reader([header], delimiter=sep, skipinitialspace=True))
    na = {
        i: sorted(set(missing) - {"NaN", "nan"} if normalise_header(h) in numeric else missing)
        for i, h in enumerate(names)
    }
    commas = "," in body if isinstance(body, str) else b"," in body
    cells: pd.DataFrame | None = None
    lines: np.ndarray | None = None
    # under copy-on-write pandas keeps the parser's column arrays as they are, instead of
    # copying every cell into one 2-D block
    with pd.option_context("mode.copy_on_write", True):
        if arrow and decimal == "." and (sep == "," or not commas):
            cells = read_plain_cells(body, sep, names, na)
        if cells is not None:  # a plain text: each record on its own line
            lines = np.arange(1, len(cells) + 1) + above
        else:
            text = body if isinstance(body, str) else body.decode("ascii")
        del body  # the bytes are freed once read (or decoded)
        if cells is None:
            try:
                cells = _read_cells(text, sep, na)
                lines = _record_lines(text, sep, cells, above, table, name, problems)
            except pd.errors.ParserError as exc:
                cells, lines = _damaged(text, sep, na, str(exc), above, table, name, problems)
    if cells is None or lines is None:
        return None
    header_cells = ["" if pd.isna(h) else str(h) for h in cells.iloc[0]]
    frame = cells.iloc[1:]  # a view; set_axis would copy every cell
    frame.columns = pd.Index(header_cells)
    frame.insert(len(header_cells), "_line", lines[1:])
    frame = _without_empty_rows(frame)
    example = None
    if decimal == "." and sep != "," and commas:  # else commas are quoted exceptions
        example = decimal_commas(frame, numeric)
    if found or example:
        report_dialect(found, example, table=table, file=name, problems=problems)
    if decimal == "," or example:
        frame = read_decimal_commas(
            frame, numeric, table=table, file=name, problems=problems, check=decimal == ","
        )
    return frame


def _read_cells(text: str, sep: str, na: dict[int, list[str]]) -> pd.DataFrame:
    """The text's cells (header row included) by pandas' C parser, as text."""
    return pd.read_csv(  # type: ignore[call-overload]  # na_values keyed by position
        # UTF-8 bytes, not io.StringIO(text): a StringIO holds 4 bytes per character
        io.BytesIO(text.encode("utf-8")),
        encoding="utf-8",
        sep=sep,
        header=None,
        dtype=str,
        keep_default_na=False,
        na_values=na,
        skip_blank_lines=True,
        skipinitialspace=True,
        engine="c",
    )


def _without_empty_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (text cells, then ``_line``) without rows holding no value at all (a
    spreadsheet's ``,,,,`` lines).  Such a row lacks its first cell, so only rows without
    one are looked at: clean files cost one column's test."""
    candidates = frame.iloc[:, 0].isna().to_numpy()
    if candidates.any():
        empty = np.zeros(len(frame), dtype=bool)
        empty[candidates] = frame.iloc[candidates, :-1].isna().all(axis=1).to_numpy()
        if empty.any():
            frame = frame[~empty]
    frame.index = pd.RangeIndex(len(frame))  # not reset_index: that copies every cell
    return frame


def _find_header(
    text: str, chosen: str, keys: Collection[str]
) -> tuple[int, int, str, list[tuple[int, str]]]:
    """The header line: the first of the top 30 that names every key column (under any
    delimiter), else the first non-blank line.  Returns its offset in ``text``, the number
    of lines above it, its text, and the non-blank lines above it (line number, text): a
    title or export note, skipped with a warning."""
    seen: list[tuple[int, int, str]] = []
    pos = 0
    for i, line in enumerate(text[:65536].splitlines(keepends=True)[:30]):
        if line.strip():
            seen.append((pos, i, line.strip()))
            if keys and any(
                set(keys) <= {normalise_header(f) for f in next(csv.reader([line], delimiter=d))}
                for d in (chosen, *DELIMITERS)
            ):
                return pos, i, line.strip(), [(j + 1, t) for _, j, t in seen[:-1]]
        pos += len(line)
    if not seen:
        return 0, 0, "", []
    pos, i, first = seen[0]
    return pos, i, first, []


def _report_skipped(
    skipped: list[tuple[int, str]], header_line: int, table: str, name: str, problems: Problems
) -> None:
    first, last = skipped[0][0], skipped[-1][0]
    span = f"line {first}" if first == last else f"lines {first}-{last}"
    problems.add(
        table,
        "",
        span,
        "header_row",
        "; ".join(t for _, t in skipped[:3]),
        f"the header is on line {header_line}; {span} above it "
        f"{'is' if first == last else 'are'} not read as data",
        severity="warning",
        file=name,
    )


def _records(text: str, sep: str) -> Iterator[tuple[list[str], int]]:
    """Each non-blank record of the file with the line it starts on (``csv`` module)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, skipinitialspace=True)
    end = 0
    for row in reader:
        if len(row) > 1 or (row and row[0].strip()):
            yield row, end + 1
        end = reader.line_num


def _record_lines(
    text: str,
    sep: str,
    cells: pd.DataFrame,
    above: int,
    table: str,
    name: str,
    problems: Problems,
) -> np.ndarray | None:
    """Line of each record in the file, or ``None`` after reporting rows cut short.

    pandas pads a short row with empty cells without a word; here the fields are counted.
    When the file has one record per line (no blank line, no line break inside a quoted
    value), C code decides: without quotes, the delimiters must add up to (fields - 1) per
    row; with quotes, the ``csv`` module counts each record's fields (``map(len, reader)``).
    Otherwise a record-by-record pass finds the line each record starts on."""
    width = cells.shape[1]
    n = len(cells)
    if plain_layout(text, sep, n, width):
        return np.arange(1, n + 1) + above
    one_per_line = one_record_per_line(text, n)
    lengths = np.zeros(0, dtype=np.intp)
    if one_per_line:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, skipinitialspace=True)
        lengths = np.fromiter(map(len, reader), dtype=np.intp)
        starts = np.arange(1, n + 1)
    if len(lengths) != n:
        counted = [(len(row), start) for row, start in _records(text, sep)]
        lengths = np.array([c for c, _ in counted], dtype=np.intp)
        starts = np.array([s for _, s in counted], dtype=np.intp)
    if len(lengths) != n:  # the two parsers disagree: never guess which row is which
        problems.add(
            table,
            "",
            "",
            "unreadable_file",
            name,
            "file could not be read: its rows cannot be told apart (check its quotes)",
            file=name,
        )
        return None
    starts = starts + above
    short = np.flatnonzero(lengths < width)
    # a row of bare delimiters (a spreadsheet's ",,,,") is blank whatever its width
    short = short[cells.iloc[short].notna().any(axis=1).to_numpy()]
    for i in short:
        _ragged(int(lengths[i]), int(starts[i]), width, i == n - 1, table, name, problems)
    return None if len(short) else starts


def _ragged(
    n_fields: int, line: int, width: int, last: bool, table: str, name: str, problems: Problems
) -> None:
    cut = " (the last row: is the file truncated?)" if last and n_fields < width else ""
    problems.add(
        table,
        "",
        f"line {line}",
        "ragged_row",
        name,
        f"line {line} has {n_fields} field(s), the header has {width}{cut}",
        file=name,
    )


def _damaged(
    text: str,
    sep: str,
    na: dict[int, list[str]],
    error: str,
    above: int,
    table: str,
    name: str,
    problems: Problems,
) -> tuple[pd.DataFrame | None, np.ndarray | None]:
    """After pandas refused the file: report an unmatched quote, or every row with a number
    of fields other than the header's.  Extra fields that are all empty (a delimiter at the
    end of each data row) are not a problem: those rows are read."""
    if "EOF inside string" in error:
        problems.add(
            table,
            "",
            "",
            "unreadable_file",
            name,
            "file ends inside a quoted value (an unmatched '\"'): it is truncated or a quote "
            "is not closed",
            file=name,
        )
        return None, None
    rows = [(r, start + above) for r, start in _records(text, sep)]
    width = len(rows[0][0])
    bad = [
        (i, len(r), start)
        for i, (r, start) in enumerate(rows)
        if len(r) < width or any(v.strip() for v in r[width:])
    ]
    for i, n_fields, start in bad:
        _ragged(n_fields, start, width, i == len(rows) - 1, table, name, problems)
    if bad:
        return None, None
    cells = pd.DataFrame([r[:width] for r, _ in rows], dtype=object)
    for i, markers in na.items():
        if i < width:
            keep = ~cells[i].isin(markers) | (cells.index == 0)
            cells[i] = cells[i].where(keep, None)  # type: ignore[call-overload]
    return cells, np.array([start for _, start in rows], dtype=np.intp)
