"""Read a plain CSV text into cells with Arrow's parser, as Arrow text.

pandas' C parser turns every cell into a Python string: on 6 million lesion rows the number
and date cells alone are tens of millions of objects, made only to be parsed again.  A
*plain* text (no quotes, no NUL, one record per line, every line as wide as the header) is
read here by ``pyarrow.csv`` instead, into the same cells pandas would give
(:func:`netsurv.io.csv_text.read_csv_file` reads any other text, and every text it reports a
problem in, with pandas): leading blanks of a cell skipped, the missing-value markers of each
column as missing.

Each column is held dictionary-encoded (``pd.ArrowDtype(pa.dictionary(pa.int32(),
pa.string()))``): its distinct values once, and each cell's position among them.  A lesion
column of 6 million cells holds a few thousand distinct values, so the leading blanks and the
missing-value markers are dealt with on those, not cell by cell, and
:mod:`netsurv.schema.coerce`, which tests, parses and converts each distinct value once
(:func:`netsurv.schema.cells.trimmed_codes`), finds the encoding made.  The text itself is
freed column by column as it is encoded.
"""

from __future__ import annotations

from typing import AnyStr

import pandas as pd
import pyarrow
import pyarrow.compute as pc
import pyarrow.csv as pcsv

#: How a plain file's cells are read: text, dictionary-encoded.
_CODED = pyarrow.dictionary(pyarrow.int32(), pyarrow.string())
#: Bytes of text parsed as one block (Arrow's default is 1 MiB): each block of each column
#: is a dictionary of its own until :func:`_encoded` unifies them, so fewer, larger blocks
#: cost less to unify and combine.
_BLOCK_SIZE = 1 << 24


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


def one_record_per_line(text: AnyStr, n_records: int) -> bool:
    """Whether ``text`` (or its UTF-8 bytes) has as many lines as records (no blank line, no
    line break inside a quoted value; trailing line breaks aside).

    Examples
    --------
    >>> one_record_per_line("a,b\\r\\n1,2\\r\\n\\r\\n", 2), one_record_per_line(b"a,b\\n\\n1,2", 2)
    (True, False)
    """
    newline, tail = _like(text, "\n"), text[-4096:]
    if newline not in text:
        newline = _like(text, "\r")
    trailing = tail[len(tail.rstrip()) :].count(newline)
    return text.count(newline) + 1 - trailing == n_records


def _like(text: AnyStr, chars: str) -> AnyStr:
    """``chars`` as text or as (ASCII) bytes, as ``text`` is."""
    return chars if isinstance(text, str) else chars.encode("ascii")


def read_plain_cells(
    text: str | bytes, sep: str, names: list[str], na: dict[int, list[str]]
) -> pd.DataFrame | None:
    """The cells of a plain text as pandas' C parser reads them (header row included,
    columns by position), as Arrow text; None when the text is not plain.

    Parameters
    ----------
    text
        The file's text from its header line on, or its UTF-8 bytes (an ASCII file's bytes
        as read: then no text of the file is made unless it is not plain).
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
    (['id', 'P1', 'P2'], ['n', '1.5', <NA>], 'dictionary<values=string, indices=int32, ordered=0>[pyarrow]')
    """
    width = len(names)
    try:
        data = text.encode("utf-8") if isinstance(text, str) else text
    except UnicodeEncodeError:
        return None  # a lone surrogate: text Arrow does not take
    del text
    if width < 2 or b'"' in data or b"\x00" in data:
        return None
    columns = [f"c{i}" for i in range(width)]
    # the markers of every column are made missing by the reader, as written (no dictionary
    # entry, no pass over the cells after); the others, and markers after leading blanks,
    # in _encoded
    common = sorted(set.intersection(*(set(na.get(i, [])) for i in range(width))))
    try:
        table = pcsv.read_csv(
            pyarrow.BufferReader(pyarrow.py_buffer(data)),
            # one thread: Arrow's threads took more CPU and no less time on the shared
            # 2-core machine (6 million lesion rows, 2026-12-08)
            read_options=pcsv.ReadOptions(
                column_names=columns, use_threads=False, block_size=_BLOCK_SIZE
            ),
            parse_options=pcsv.ParseOptions(delimiter=sep, quote_char=False),
            convert_options=pcsv.ConvertOptions(
                # dictionary-encoded by the reader as it parses each block (the blocks'
                # dictionaries are unified in _encoded): no column of every cell's text is
                # made to be encoded after (1.3 s less CPU on 6 million lesion rows); 32-bit
                # offsets, as a cast to large_string would copy the text
                column_types={c: _CODED for c in columns},
                null_values=common,
                strings_can_be_null=bool(common),
                quoted_strings_can_be_null=False,
            ),
        )
    except pyarrow.ArrowInvalid:
        return None  # a line of another width, or text Arrow does not take
    # without quotes, the reader has found every record's line ``width`` fields wide (or
    # refused the text): the delimiters add up, as plain_layout counts them on other texts
    if not one_record_per_line(data, table.num_rows):
        return None
    # pandas' skipinitialspace: blanks (not tabs) at the start of a cell are not read
    # (a text without any blank, the usual case, is told by one fast scan for the character)
    leading = b" " in data and (
        data.startswith(b" ") or f"{sep} ".encode() in data or b"\n " in data or b"\r " in data
    )
    del data
    cells: dict[int, pd.Series] = {}
    for i in range(width):
        column = table.column(0)
        table = table.remove_column(0)  # the column's text is freed once encoded
        markers = pyarrow.array(na.get(i, []), type=pyarrow.string())
        coded = _encoded(column, markers, leading)
        cells[i] = pd.Series(pd.arrays.ArrowExtensionArray(coded), copy=False)
    return pd.DataFrame(cells, copy=False)


def _encoded(
    column: pyarrow.ChunkedArray, markers: pyarrow.Array, leading: bool
) -> pyarrow.ChunkedArray:
    """``column`` dictionary-encoded, its distinct values without leading blanks (pandas'
    ``skipinitialspace``; when ``leading``), the cells that are one of ``markers`` once
    those blanks are gone missing.  The blanks and markers are looked for among the distinct
    values only; two values that differ by leading blanks stay two entries of the dictionary.

    Examples
    --------
    >>> column = pyarrow.chunked_array([["1", "NA"], [" NA", "  2"]])
    >>> coded = _encoded(column, pyarrow.array(["NA", ""]), True)
    >>> coded.to_pylist(), coded.type
    (['1', None, None, '2'], DictionaryType(dictionary<values=string, indices=int32, ordered=0>))
    """
    if pyarrow.types.is_dictionary(column.type):  # as the reader makes it, block by block
        coded = column.unify_dictionaries().combine_chunks()
    else:
        coded = pc.dictionary_encode(column).combine_chunks()
    values = coded.dictionary
    if leading:
        values = pc.utf8_ltrim(values, characters=" ")
    indices = coded.indices
    marker = pc.is_in(values, value_set=markers)
    if pc.any(marker).as_py():
        indices = pc.if_else(pc.take(marker, indices).fill_null(False), None, indices)
    return pyarrow.chunked_array([pyarrow.DictionaryArray.from_arrays(indices, values)])
