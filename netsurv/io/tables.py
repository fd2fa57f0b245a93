"""Read and write cohort tables as files: CSV, Parquet or Excel.

A cohort folder holds one file per table (``patients.csv``, ``lines.parquet``,
``assessments.xlsx`` ...) or workbooks with one sheet per table.  Reading never raises a bare
parser error for a data problem: every problem of every file (missing, two candidates for one
table, unreadable, another encoding or delimiter, damaged rows, merged cells ...) is recorded
with the file it was found in, and reported in one :class:`netsurv.ValidationError` together
with every problem in the tables that could be read.  CSV text is read by
:mod:`netsurv.io.csv_text`, workbooks by :mod:`netsurv.io.excel`.

File names match their table case-insensitively (``Patients.CSV``), and so do sheet names;
Excel's lock files (``~$cohort.xlsx``) and hidden files are not looked at.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow.parquet as pq

from netsurv.io.csv_dialect import TextFormat, check_text_format
from netsurv.io.csv_text import read_csv_file
from netsurv.io.excel import Workbook, open_workbook
from netsurv.schema.declared import declared_types, numeric_columns, warm_schemas
from netsurv.schema.headers import is_unnamed, normalise_header
from netsurv.schema.inputs import INPUT_MODELS, KEYS, OPTIONAL_INPUT_MODELS, REQUIRED_TABLES
from netsurv.schema.problems import Problems

TABLES = REQUIRED_TABLES
OPTIONAL_TABLES = (*OPTIONAL_INPUT_MODELS, "truth")
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def read_tables(
    folder: str | Path,
    *,
    problems: Problems,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    decimal: str = ".",
    sources: dict[str, str] | None = None,
    extra_columns: Collection[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Read every table file found in ``folder``, recording problems instead of raising.

    Parameters
    ----------
    folder
        Folder holding the tables.
    problems
        Where file problems are recorded (rules ``folder_not_found``, ``missing_table``,
        ``ambiguous_table``, ``unreadable_file``, ``empty_file`` and those of
        :func:`netsurv.io.csv_text.read_csv_file` and :class:`netsurv.io.excel.Workbook`).
    encoding, delimiter, decimal
        How CSV files are written: text encoding (``"utf-8"`` by default; a byte-order mark
        is accepted), delimiter (``","``, tab for ``.tsv``) and decimal mark (``"."``).
    sources
        When given, filled with the file each table was read from (``"patients.csv"``,
        ``"cohort.xlsx [lesions]"``).
    extra_columns
        Columns the schema does not declare that are to be read (covariates such as
        ``ecog``, by their header as written); by default every column is read and the
        undeclared ones pass through as covariates.  When given, a Parquet file is read
        with only the declared columns and these (the others are never loaded), and the
        other columns of a CSV file or sheet are dropped after reading; columns without a
        header are kept, to be reported.  The ``truth`` table is read whole.

    Returns
    -------
    dict of pandas.DataFrame
        The raw tables that could be read, by name (``truth`` too when present): CSV values
        as text, Excel and Parquet values as stored; each frame has a ``_line`` column with
        the row's line (or sheet row) in its file.

    Raises
    ------
    netsurv.ConfigError
        An unknown encoding or an impossible delimiter / decimal mark.

    Examples
    --------
    >>> import tempfile
    >>> from netsurv.io import write_tables
    >>> one = pd.DataFrame({"patient_id": ["007"], "last_alive_date": ["2021-01-01"]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write_tables({"patients": one}, tmp)
    ...     _ = (Path(tmp) / "patients.csv").rename(Path(tmp) / "Patients.csv")
    ...     _ = write_tables({"patients": one}, tmp)
    ...     problems = Problems()
    ...     tables = read_tables(tmp, problems=problems)
    >>> tables, [(p["table"], p["rule"]) for p in problems.rows][:2]
    ({}, [('patients', 'ambiguous_table'), ('lines', 'missing_table')])
    >>> problems.rows[0]["value"]
    'Patients.csv, patients.csv'
    """
    check_text_format(encoding, delimiter, decimal)  # a bad setting is refused before reading
    text_format = TextFormat(encoding=encoding, delimiter=delimiter, decimal=decimal)
    root = Path(folder)
    if not root.is_dir():
        problems.add(
            "(files)", "", str(root), "folder_not_found", None, "data folder does not exist"
        )
        return {}
    entries = sorted(p for p in root.iterdir() if not p.name.startswith(("~$", ".")))
    files = [p for p in entries if p.is_file()]
    candidates: dict[str, list[tuple[Path, Workbook | None, str]]] = {
        t: [] for t in (*TABLES, *OPTIONAL_TABLES)
    }
    books: list[Workbook] = []
    for path in files:
        lower = path.name.lower()
        table = _stem(lower)
        if table in candidates:
            candidates[table].append((path, None, ""))
        elif lower.endswith(EXCEL_SUFFIXES):
            book = open_workbook(path, "(files)", problems)
            if book is None:
                continue
            books.append(book)
            for sheet in book.sheets:
                name = sheet.strip().lower()
                if name in candidates:
                    candidates[name].append((path, book, sheet))
    out: dict[str, pd.DataFrame] = {}
    # the schemas validation needs next are built while the files are read (the first one
    # imports for a second); the readers take the columns from the models meanwhile
    schemas = warm_schemas(INPUT_MODELS.values())
    try:
        for table, found in candidates.items():
            if len(found) > 1:
                labels = [b.label(sh) if b else p.name for p, b, sh in found]
                problems.add(
                    table,
                    "",
                    "",
                    "ambiguous_table",
                    ", ".join(labels),
                    f"table is given by {len(found)} files or sheets: keep one (netsurv does "
                    "not choose)",
                )
            elif found:
                path, book, sheet = found[0]
                label = book.label(sheet) if book else path.name
                df = (
                    book.read(sheet, table=table, problems=problems, **_columns(table))
                    if book
                    else _read_file(path, table, text_format, problems, extra_columns)
                )
                if df is not None and extra_columns is not None:
                    at = _wanted(list(df.columns), table, extra_columns)
                    if len(at) < df.shape[1]:
                        df = df.iloc[:, at]
                if df is not None:
                    out[table] = df
                    if sources is not None:
                        sources[table] = label
                    if df.empty and table in INPUT_MODELS:
                        problems.add(
                            table,
                            "",
                            "",
                            "empty_table",
                            None,
                            "table has a header but no data rows",
                            file=label,
                        )
            elif table in TABLES and not (table == "lesions" and candidates["tumour_burden"]):
                problems.add(
                    table,
                    "",
                    "",
                    "missing_table",
                    None,
                    f"no file for table '{table}' (expected {table}.csv, {table}.parquet, "
                    f"{table}.xlsx, or a sheet named '{table}' in a workbook)"
                    + _near_misses(table, entries, books),
                )
    finally:
        for book in books:
            book.close()
        schemas.join()
    return out


def _stem(name: str) -> str:
    for suffix in (*CSV_SUFFIXES, *PARQUET_SUFFIXES, *EXCEL_SUFFIXES):
        if name.endswith(suffix):
            return name[: -len(suffix)].strip()
    return name


def _columns(table: str) -> dict[str, tuple[str, ...]]:
    """The key and numeric columns of a table (what the readers need to know of it)."""
    model = INPUT_MODELS.get(table)
    if model is None:
        return {"keys": ("patient_id",), "numeric": ()}
    return {"keys": KEYS[table], "numeric": numeric_columns(model)}


def _near_misses(table: str, entries: list[Path], books: list[Workbook]) -> str:
    """What the folder holds that may have been meant as ``table``."""
    stem = table.rstrip("s")
    close = [
        f"'{p.name}'" + (" (a folder)" if p.is_dir() else "")
        for p in entries
        if stem in p.name.lower() or difflib.get_close_matches(table, [_stem(p.name.lower())])
    ]
    sheets = [f"{b.name} has sheets {', '.join(repr(s) for s in b.sheets)}" for b in books]
    hints = ([f"found {', '.join(close[:3])}: rename it?"] if close else []) + sheets
    return "; " + "; ".join(hints) if hints else ""


def _with_lines(df: pd.DataFrame) -> pd.DataFrame:
    df = df.reset_index(drop=True)
    df["_line"] = range(2, len(df) + 2)
    return df


def _wanted(names: list[str], table: str, extra_columns: Collection[str] | None) -> list[int]:
    """Positions of the columns of a file to read: all, or (``extra_columns`` given, for a
    table of the schema) the declared ones under any spelling of their header, the named
    extras, the row numbers and columns without a header (reported as such).

    Examples
    --------
    >>> _wanted([" Patient_ID", "ecog", "notes", "", "_line"], "patients", ["ecog"])
    [0, 1, 3, 4]
    """
    model = INPUT_MODELS.get(table)
    if extra_columns is None or model is None:
        return list(range(len(names)))
    declared = set(declared_types(model))
    keep = {*extra_columns, "_line"}
    return [
        i
        for i, n in enumerate(map(str, names))
        if normalise_header(n) in declared or n.strip() in keep or is_unnamed(n.strip())
    ]


def _read_file(
    path: Path,
    table: str,
    text_format: TextFormat,
    problems: Problems,
    extra_columns: Collection[str] | None = None,
) -> pd.DataFrame | None:
    name = path.name
    lower = name.lower()
    if lower.endswith(EXCEL_SUFFIXES):
        book = open_workbook(path, table, problems, table_named=True)
        if book is None:
            return None
        try:
            sheets = [s for s in book.sheets if s.strip().lower() == table]
            if not sheets and len(book.sheets) > 1:
                problems.add(
                    table,
                    "",
                    "",
                    "excel_sheet",
                    name,
                    f"workbook has {len(book.sheets)} sheets "
                    f"({', '.join(repr(s) for s in book.sheets)}) and none is named "
                    f"'{table}': name the sheet that holds the table '{table}'",
                    file=name,
                )
                return None
            sheet = (sheets or book.sheets)[0]
            return book.read(sheet, table=table, problems=problems, **_columns(table))
        finally:
            book.close()
    if path.stat().st_size == 0:
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
    if lower.endswith(PARQUET_SUFFIXES):
        return _read_parquet(path, table, problems, extra_columns)
    return read_csv_file(
        path,
        table=table,
        problems=problems,
        **text_format,
        **_columns(table),
        arrow=table in INPUT_MODELS,
    )


def _read_parquet(
    path: Path, table: str, problems: Problems, extra_columns: Collection[str] | None = None
) -> pd.DataFrame | None:
    """A Parquet file as stored, with only the columns :func:`_wanted` names (its columns
    are checked for duplicate names first, from the file's schema)."""
    name = path.name
    try:
        names = pq.read_schema(path).names
        twice = sorted({n for n in names if names.count(n) > 1})
        for n in twice:
            problems.add(
                table,
                n,
                "",
                "duplicate_column",
                name,
                f"{names.count(n)} columns are named '{n}': keep one (netsurv does not choose)",
                file=name,
            )
        if twice:
            return None
        columns = [names[i] for i in _wanted(names, table, extra_columns)]
        return _with_lines(pd.read_parquet(path, columns=columns))
    except Exception as exc:  # pyarrow raises many types for a damaged file
        problems.add(
            table,
            "",
            "",
            "unreadable_file",
            name,
            f"file could not be read: {type(exc).__name__}: {exc}".strip(),
            file=name,
        )
        return None


def write_tables(
    tables: dict[str, pd.DataFrame],
    folder: str | Path,
    *,
    format: Literal["csv", "parquet", "xlsx"] = "csv",
) -> list[Path]:
    """Write tables, one file per table (or one workbook for ``"xlsx"``).

    Dates are written as ISO dates, floats with full precision, so that the same tables give
    byte-identical CSV files.

    Parameters
    ----------
    tables
        Tables by name.
    folder
        Output folder, created if needed.
    format
        ``"csv"``, ``"parquet"`` or ``"xlsx"`` (one workbook ``cohort.xlsx``).

    Returns
    -------
    list of pathlib.Path
        The files written.

    Examples
    --------
    >>> import tempfile, netsurv as ns
    >>> from netsurv.io import write_tables
    >>> demo = ns.load_demo()
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_tables({"patients": demo.patients}, tmp)
    ...     [p.name for p in paths]
    ['patients.csv']
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if format == "xlsx":
        path = out / "cohort.xlsx"
        with pd.ExcelWriter(path) as xl:
            for name, df in tables.items():
                df.to_excel(xl, sheet_name=name, index=False)
        return [path]
    for name, df in tables.items():
        if format == "parquet":
            path = out / f"{name}.parquet"
            df.to_parquet(path, index=False)
        elif format == "csv":
            path = out / f"{name}.csv"
            df.to_csv(path, index=False, date_format="%Y-%m-%d", lineterminator="\n")
        else:
            raise ValueError(f"format must be 'csv', 'parquet' or 'xlsx', got {format!r}")
        written.append(path)
    return written
