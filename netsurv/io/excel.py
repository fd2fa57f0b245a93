"""Read a table from an Excel workbook (``.xlsx`` / ``.xlsm``), reporting what a hand-kept
spreadsheet gets wrong.

pandas reads a sheet from its first row and takes every cell at face value.  A clinic's
workbook often has a title above the header, merged cells (one patient ID over several
lesion rows, which pandas reads as empty cells below the first), formulas whose result was
never saved (a file written by a script and not opened in Excel: pandas reads them as empty),
or error values (``#N/A`` from a lookup, ``#DIV/0!``).  :class:`Workbook` reads sheets with
openpyxl and records each of these in a :class:`~netsurv.schema.problems.Problems` accumulator
with the sheet, the cell and what to do:

* the header row is the first of the top 30 rows that names the table's key columns; rows
  above it holding anything are skipped with a warning (``header_row``) that quotes
  them, so a title or a group-header row does not stop the reading;
* merged cells below the header, formulas without a saved value and error values are errors
  (``excel_merged_cells``, ``excel_formula``, ``excel_error_value``): the cells they would
  leave empty or wrong are data.

Dates stored as numbers and dates typed as text are reported by coercion
(``excel_serial_date``, ``type_date``), like any other value.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Collection
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from netsurv.io.csv_text import NA_VALUES
from netsurv.schema.headers import normalise_header
from netsurv.schema.problems import Problems

#: Values Excel shows for a failed formula.
EXCEL_ERRORS = frozenset(
    {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
_HEADER_SEARCH_ROWS = 30
_NUMERIC_NA = NA_VALUES - {"NaN", "nan"}
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


class Workbook:
    """An Excel workbook opened for reading its sheets as tables.

    Parameters
    ----------
    path
        The ``.xlsx`` / ``.xlsm`` file.
    table_named
        The file is named after the table it holds (``lesions.xlsx``): problems name the
        file alone, not the sheet.

    Raises
    ------
    OSError, ValueError, KeyError, zipfile.BadZipFile
        When the file is not a readable workbook (see :func:`open_workbook`, which reports
        it instead).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "cohort.xlsx"
    ...     pd.DataFrame({"patient_id": ["007"], "x": [1.5]}).to_excel(
    ...         path, sheet_name="Patients", index=False)
    ...     book = Workbook(path)
    ...     p = Problems()
    ...     df = book.read("Patients", table="patients", problems=p)
    ...     book.close()
    >>> book.sheets, df["patient_id"].tolist(), df["_line"].tolist()
    (['Patients'], ['007'], [2])
    """

    def __init__(self, path: Path, *, table_named: bool = False) -> None:
        self.path = path
        self.name = path.name
        self.table_named = table_named
        self._book = load_workbook(path, read_only=True, data_only=False)
        self._values: Any = None
        self.sheets: list[str] = list(self._book.sheetnames)

    def close(self) -> None:
        """Release the file."""
        self._book.close()
        if self._values is not None:
            self._values.close()

    def label(self, sheet: str) -> str:
        """How problems name the sheet: ``cohort.xlsx [lesions]``, or ``lesions.xlsx`` for a
        workbook named after its table."""
        return self.name if self.table_named else f"{self.name} [{sheet}]"

    def read(
        self,
        sheet: str,
        *,
        table: str,
        problems: Problems,
        keys: Collection[str] = ("patient_id",),
        numeric: Collection[str] = (),
    ) -> pd.DataFrame | None:
        """Read one sheet as a table.

        Parameters
        ----------
        sheet
            Sheet name.
        table
            Table name for problem reports.
        problems
            Where problems are recorded (rules ``header_row``, ``excel_merged_cells``,
            ``excel_formula``, ``excel_error_value``, ``empty_file``).
        keys
            Key columns of the table: the header row is the first that names them all.
        numeric
            Numeric columns: there a text ``nan`` is a value, not a missing cell.

        Returns
        -------
        pandas.DataFrame or None
            Cells as openpyxl gives them (text, numbers, datetimes; missing as ``None``) under
            the header as written, with ``_line`` = the sheet's row number; ``None`` for an
            empty sheet.
        """
        label = self.label(sheet)
        ws = self._book[sheet]
        ws.reset_dimensions()  # some writers store a wrong sheet size
        grid = pd.DataFrame(list(ws.iter_rows(values_only=True)), dtype=object)
        grid = grid.where(grid.notna(), None)  # type: ignore[call-overload]
        if grid.empty or not grid.notna().any(axis=None):
            problems.add(table, "", "", "empty_file", label, "sheet is empty", file=label)
            return None
        formulas = _text_mask(grid, lambda s: s.str.startswith("="))
        unsaved = formulas & False
        if formulas.any(axis=None):
            grid = self._saved_values(sheet, grid.shape)
            unsaved = formulas & grid.isna()
        top = _header_row(grid, keys)
        _report_skipped(grid, top, table, label, problems)
        _report_merged(_merged_ranges(self.path, sheet), top, table, label, problems)
        for r, c in zip(*np.nonzero(unsaved.to_numpy()), strict=True):
            problems.add(
                table,
                str(grid.iat[top, c] or "") if r > top else "",
                f"cell {get_column_letter(c + 1)}{r + 1}",
                "excel_formula",
                None,
                "cell holds a formula whose result was never saved (the workbook was written "
                "by a program, not saved by Excel): open and save it in Excel, or paste the "
                "values",
                file=label,
            )
        errors = _text_mask(grid, lambda s: s.isin(EXCEL_ERRORS))
        errors.iloc[: top + 1] = False
        for r, c in zip(*np.nonzero(errors.to_numpy()), strict=True):
            problems.add(
                table,
                str(grid.iat[top, c] or ""),
                f"cell {get_column_letter(c + 1)}{r + 1}",
                "excel_error_value",
                grid.iat[r, c],
                "cell holds an Excel error value, not data: fix the formula or clear the cell",
                file=label,
            )
        header = ["" if v is None else str(v) for v in grid.iloc[top]]
        body = grid.iloc[top + 1 :].set_axis(header, axis=1)
        body = body.where(~errors.iloc[top + 1 :].to_numpy(), None)  # type: ignore[call-overload]
        for i, col in enumerate(header):
            markers = _NUMERIC_NA if normalise_header(col) in numeric else NA_VALUES
            s = body.iloc[:, i]
            body.isetitem(i, s.where(~s.isin(markers), None))
        body.insert(len(header), "_line", np.arange(top + 2, top + 2 + len(body)))
        return body[body.iloc[:, :-1].notna().any(axis=1)].reset_index(drop=True)

    def _saved_values(self, sheet: str, shape: tuple[int, int]) -> pd.DataFrame:
        """The sheet's cells as Excel last saved them (a formula's result, not its text)."""
        if self._values is None:
            self._values = load_workbook(self.path, read_only=True, data_only=True)
        ws = self._values[sheet]
        ws.reset_dimensions()
        grid = pd.DataFrame(list(ws.iter_rows(values_only=True)), dtype=object)
        grid = grid.reindex(index=range(shape[0]), columns=range(shape[1]))
        return grid.where(grid.notna(), None)  # type: ignore[call-overload]


def open_workbook(
    path: Path, table: str, problems: Problems, *, table_named: bool = False
) -> Workbook | None:
    """Open ``path`` as a workbook, or record why it cannot be (rule ``unreadable_file``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = Problems()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "patients.xlsx"
    ...     _ = path.write_text("patient_id,last_alive_date\\n")
    ...     open_workbook(path, "patients", p) is None
    True
    >>> print(p.rows[0]["message"])
    file is not an Excel workbook: it is text (a CSV file renamed .xlsx?); give it the suffix .csv
    """
    try:
        return Workbook(path, table_named=table_named)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        head = path.read_bytes()[:2048] if path.is_file() else b""
        if path.suffix.lower() == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
            why = "an Excel 97-2003 workbook (.xls) cannot be read: save it as .xlsx"
        elif head and b"\x00" not in head and not head.startswith(b"PK"):
            why = (
                "file is not an Excel workbook: it is text (a CSV file renamed "
                f"{path.suffix}?); give it the suffix .csv"
            )
        else:
            why = f"workbook could not be read: {type(exc).__name__}: {exc}"
        problems.add(table, "", "", "unreadable_file", path.name, why, file=path.name)
        return None


def _text_mask(grid: pd.DataFrame, test: Any) -> pd.DataFrame:
    """Cells that are text and pass ``test`` (a function of a Series of text)."""
    out = pd.DataFrame(False, index=grid.index, columns=grid.columns)
    for c in grid.columns:
        s = grid[c]
        is_text = np.array([isinstance(v, str) for v in s], dtype=bool)
        if is_text.any():
            out.loc[is_text, c] = test(s[is_text].astype(str)).to_numpy(dtype=bool)
    return out


def _header_row(grid: pd.DataFrame, keys: Collection[str]) -> int:
    """First row (of the top 30) naming every key column; else the first non-empty row."""
    want = set(keys)
    top = grid.iloc[:_HEADER_SEARCH_ROWS]
    for i, row in enumerate(top.itertuples(index=False)):
        names = {normalise_header(str(v)) for v in row if v is not None}
        if want <= names:
            return i
    return int(np.flatnonzero(grid.notna().any(axis=1).to_numpy())[0])


def _report_skipped(
    grid: pd.DataFrame, top: int, table: str, label: str, problems: Problems
) -> None:
    above = grid.iloc[:top]
    rows = np.flatnonzero(above.notna().any(axis=1).to_numpy()) + 1
    if not len(rows):
        return
    text = [str(v) for v in above.to_numpy().ravel() if v is not None][:3]
    span = f"row {rows[0]}" if len(rows) == 1 else f"rows {rows[0]}-{rows[-1]}"
    problems.add(
        table,
        "",
        span,
        "header_row",
        "; ".join(text),
        f"the header is on row {top + 1}; {span} above it "
        f"{'is' if len(rows) == 1 else 'are'} not read as data",
        severity="warning",
        file=label,
    )


def _report_merged(ranges: list[str], top: int, table: str, label: str, problems: Problems) -> None:
    for ref in ranges:
        min_col, min_row, _, max_row = range_boundaries(ref)
        if max_row is None or max_row <= top:
            continue  # a merged title above the header
        first = f"{get_column_letter(min_col or 1)}{min_row}"
        where = "header cells" if min_row == top + 1 else "cells"
        problems.add(
            table,
            "",
            f"cells {ref}",
            "excel_merged_cells",
            None,
            f"{where} {ref} are merged: only {first} holds a value and the others read as "
            "empty; unmerge them and fill in every cell",
            file=label,
        )


def _merged_ranges(path: Path, sheet: str) -> list[str]:
    """Merged ranges of a sheet, read from the workbook's XML (openpyxl's read-only mode,
    used for speed, does not give them)."""
    with zipfile.ZipFile(path) as z:
        book = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        rid = next(
            (
                s.get(f"{{{_NS['r']}}}id")
                for s in book.iterfind("m:sheets/m:sheet", _NS)
                if s.get("name") == sheet
            ),
            None,
        )
        target = next(
            (
                r.get("Target", "")
                for r in rels.iterfind("rel:Relationship", _NS)
                if r.get("Id") == rid
            ),
            "",
        )
        if not target:
            return []
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        xml = z.read(member)
    return [m.decode() for m in _MERGE.findall(xml)]
