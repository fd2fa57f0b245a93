"""Read and write cohort tables as files: CSV, Parquet or Excel.

A cohort folder holds one file per table (``patients.csv``, ``lines.parquet``,
``assessments.xlsx`` ...) or a single workbook with one sheet per table.  Reading never raises
a bare parser error for a data problem: unreadable, empty, non-UTF-8 or missing files become
problems in the :class:`netsurv.ValidationError` report, together with every problem in the
tables that could be read.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Literal

import pandas as pd

from netsurv.schema.coerce import Problems
from netsurv.schema.inputs import INPUT_MODELS

TABLES = tuple(INPUT_MODELS)
OPTIONAL_TABLES = ("truth",)
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
NA_VALUES = ["", "NA", "N/A", "n/a", "NaN", "nan", "NULL", "null", "None", ".", "-"]


def read_tables(
    folder: str | Path, *, encoding: str = "utf-8", problems: Problems
) -> dict[str, pd.DataFrame]:
    """Read every table file found in ``folder``, recording problems instead of raising.

    Parameters
    ----------
    folder
        Folder holding the tables.
    encoding
        Text encoding of CSV files (``"utf-8"`` by default; a byte-order mark is accepted).
    problems
        Where file problems are recorded (rules ``folder_not_found``, ``missing_table``,
        ``ambiguous_table``, ``unreadable_file``, ``encoding``, ``empty_file``).

    Returns
    -------
    dict of pandas.DataFrame
        The raw tables that could be read, by name (``truth`` too when present).  CSV values
        are text; each frame has a ``_line`` column with the row's line in its file.
    """
    root = Path(folder)
    if not root.is_dir():
        problems.add(
            "(files)", "", str(root), "folder_not_found", None, "data folder does not exist"
        )
        return {}
    files = {p.name.lower(): p for p in root.iterdir() if p.is_file()}
    workbooks = [
        p
        for n, p in files.items()
        if n.endswith(EXCEL_SUFFIXES) and _stem(n) not in (*TABLES, *OPTIONAL_TABLES)
    ]
    sheets: dict[str, pd.DataFrame] = {}
    for book in sorted(workbooks):
        sheets.update(_read_workbook(book, problems))
    out: dict[str, pd.DataFrame] = {}
    for table in (*TABLES, *OPTIONAL_TABLES):
        candidates = sorted(p for n, p in files.items() if _stem(n) == table)
        sources = [str(p.name) for p in candidates] + (
            ["workbook sheet"] if table in sheets else []
        )
        if len(sources) > 1:
            problems.add(
                table,
                "",
                "",
                "ambiguous_table",
                ", ".join(sources),
                "table is given by more than one file; keep one",
            )
            continue
        if candidates:
            df = _read_file(candidates[0], table, encoding, problems)
            if df is not None:
                out[table] = df
        elif table in sheets:
            out[table] = sheets[table]
        elif table in TABLES:
            problems.add(
                table,
                "",
                "",
                "missing_table",
                None,
                f"no file for table '{table}' (expected {table}.csv, {table}.parquet, "
                f"{table}.xlsx, or a sheet named '{table}' in a workbook)",
            )
    return out


def _stem(name: str) -> str:
    for suffix in (*CSV_SUFFIXES, *PARQUET_SUFFIXES, *EXCEL_SUFFIXES):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _with_lines(df: pd.DataFrame) -> pd.DataFrame:
    df = df.reset_index(drop=True)
    df["_line"] = range(2, len(df) + 2)
    return df


def _read_file(path: Path, table: str, encoding: str, problems: Problems) -> pd.DataFrame | None:
    name = path.name
    if path.stat().st_size == 0:
        problems.add(
            table,
            "",
            "",
            "empty_file",
            name,
            "file is empty (expected a header line and data rows)",
        )
        return None
    lower = name.lower()
    try:
        if lower.endswith(PARQUET_SUFFIXES):
            return _with_lines(pd.read_parquet(path))
        if lower.endswith(EXCEL_SUFFIXES):
            return _with_lines(pd.read_excel(path, dtype=object))
        return _read_csv(path, table, encoding, problems)
    except Exception as exc:  # parser errors of any reader become a reported problem
        problems.add(
            table,
            "",
            "",
            "unreadable_file",
            name,
            f"file could not be read: {type(exc).__name__}: {exc}".strip(),
        )
        return None


def _read_csv(path: Path, table: str, encoding: str, problems: Problems) -> pd.DataFrame | None:
    raw = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        import gzip

        raw = gzip.decompress(raw)
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.add(
            table,
            "",
            f"line {line}",
            "encoding",
            path.name,
            f"file is not {encoding} (byte 0x{raw[exc.start]:02x} on line {line}); "
            "save it as 'CSV UTF-8' or pass encoding='latin-1' / --encoding latin-1",
        )
        # Go on reading it as Latin-1 (never fails) so that its other problems are reported too.
        text = raw.decode("latin-1")
    if not text.strip():
        problems.add(
            table,
            "",
            "",
            "empty_file",
            path.name,
            "file is empty (expected a header line and data rows)",
        )
        return None
    sep = "\t" if path.name.lower().endswith(".tsv") else ","
    df = pd.read_csv(
        io.StringIO(text),
        sep=sep,
        dtype=str,
        keep_default_na=False,
        na_values=NA_VALUES,
        skipinitialspace=True,
    )
    return _with_lines(df)


def _read_workbook(path: Path, problems: Problems) -> dict[str, pd.DataFrame]:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object)
    except Exception as exc:
        problems.add(
            "(files)",
            "",
            "",
            "unreadable_file",
            path.name,
            f"workbook could not be read: {type(exc).__name__}: {exc}",
        )
        return {}
    wanted = {str(k).strip().lower(): v for k, v in sheets.items()}
    return {t: _with_lines(wanted[t]) for t in (*TABLES, *OPTIONAL_TABLES) if t in wanted}


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
