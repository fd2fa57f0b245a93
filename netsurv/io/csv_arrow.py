"""Read a plain CSV text into cells with Arrow's parser, as Arrow text.

pandas' C parser turns every cell into a Python string: on 6 million lesion rows the number
and date cells alone are tens of millions of objects, made only to be parsed again.  A
*plain* text (no quotes, no NUL, one record per line, every line as wide as the header) is
read here by ``pyarrow.csv`` instead, into the same cells pandas would give
(:func:`netsurv.io.csv_text.read_csv_file` reads any other text, and every text it reports a
problem in, with pandas): leading blanks of a cell skipped, the missing-value markers of each
column as missing.  The cells stay Arrow text (``string[pyarrow]``): :mod:`netsurv.schema.coerce`
converts numbers, dates and flags in Arrow, and makes Python strings only for the text
columns, one object per distinct value (:func:`netsurv.schema.cells.as_text`).
"""

from __future__ import annotations

import io

import pandas as pd
import pyarrow
import pyarrow.compute as pc
import pyarrow.csv as pcsv


def plain_layout(text: str, sep: str, n_records: int, width: int) -> bool:
    """Whether ``text`` holds ``n_records`` records of ``width`` fields one per line, without
    quotes: then each record's line is its position, and no row is short or long.

    Examples
    --------
    >>> plain_layout("a,b\\n1,2\\n", ",", 2, 2), plain_layout("a,b\\n1\\n", ",", 2, 2)
    (True, False)
    """
    return (
        one_record_per_line(text, n_records)
        and '"' not in text
        and text.count(sep) == (width - 1) * n_records
    )


def one_record_per_line(text: str, n_records: int) -> bool:
    """Whether ``text`` has as many lines as records (no blank line, no line break inside
    a quoted value; trailing line breaks aside)."""
    newline = "\n" if "\n" in text else "\r"
    tail = text[-4096:]
    trailing = tail[len(tail.rstrip()) :].count(newline)
    return text.count(newline) + 1 - trailing == n_records


def read_plain_cells(
    text: str, sep: str, names: list[str], na: dict[int, list[str]]
) -> pd.DataFrame | None:
    """The cells of a plain text as pandas' C parser reads them (header row included,
    columns by position), as Arrow text; None when the text is not plain.

    Parameters
    ----------
    text
        The file's text from its header line on.
    sep
        The delimiter.
    names
        The header's fields (their number is the width every line must have).
    na
        Missing-value markers by column position.

    Examples
    --------
    >>> cells = read_plain_cells("id,n\\n P1,1.5\\nP2,NA\\n", ",", ["id", "n"],
    ...                          {0: ["NA"], 1: ["NA"]})
    >>> cells[0].tolist(), cells[1].tolist(), str(cells[1].dtype)
    (['id', 'P1', 'P2'], ['n', '1.5', <NA>], 'string')
    """
    width = len(names)
    if width < 2 or '"' in text or "\x00" in text:
        return None
    columns = [f"c{i}" for i in range(width)]
    try:
        table = pcsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pcsv.ReadOptions(column_names=columns, use_threads=False),
            parse_options=pcsv.ParseOptions(delimiter=sep, quote_char=False),
            convert_options=pcsv.ConvertOptions(
                # large_string: what pandas' Arrow strings hold (no cast to make them)
                column_types={c: pyarrow.large_string() for c in columns},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pyarrow.ArrowInvalid, UnicodeEncodeError):
        return None  # a line of another width, or text Arrow does not take
    if not plain_layout(text, sep, table.num_rows, width):
        return None
    # pandas' skipinitialspace: blanks (not tabs) at the start of a cell are not read
    # (a text without any blank, the usual case, is told by one fast scan for the character)
    leading = " " in text and (
        text.startswith(" ") or f"{sep} " in text or "\n " in text or "\r " in text
    )
    cells: dict[int, pd.Series] = {}
    for i in range(width):
        column = table.column(0)
        table = table.remove_column(0)
        if leading:
            column = pc.utf8_ltrim(column, characters=" ")
        markers = pyarrow.array(na.get(i, []), type=column.type)
        column = _missing_where(column, markers)
        cells[i] = pd.Series(pd.arrays.ArrowStringArray(column), copy=False)
    return pd.DataFrame(cells, copy=False)


def _missing_where(column: pyarrow.ChunkedArray, markers: pyarrow.Array) -> pyarrow.ChunkedArray:
    """``column`` with the cells that are one of ``markers`` missing.  The text stays where it
    is: only a validity bitmap is made for each chunk (``if_else`` would copy every chunk's
    text, a third of the reading time).

    Examples
    --------
    >>> column = pyarrow.chunked_array([["1", "NA"], ["", "2"]])
    >>> _missing_where(column, pyarrow.array(["NA", ""])).to_pylist()
    ['1', None, None, '2']
    """
    chunks = []
    for chunk in column.chunks:
        marker = pc.is_in(chunk, value_set=markers)
        if chunk.offset or chunk.null_count:  # not as the CSV reader makes them
            chunks.append(pc.if_else(marker, None, chunk))
            continue
        valid = pc.invert(marker).buffers()[1]  # no missing cells: the values are the bitmap
        chunks.append(
            pyarrow.Array.from_buffers(chunk.type, len(chunk), [valid, *chunk.buffers()[1:]])
        )
    return pyarrow.chunked_array(chunks, type=column.type)
