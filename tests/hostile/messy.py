"""Messy cohort folders as clinics send them, built from a small slice of the demo cohort.

Each builder writes one folder into ``tmp_path`` and returns what reading it must report: the
rule, table, column, row key and file, and a piece of the message that tells the user what
to do.  ``ACCEPTED`` builders write folders that must read into the same cohort as the clean
files (or the same with a documented warning).
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

import netsurv as ns
from netsurv.io import write_cohort

TABLES = ("patients", "lines", "assessments", "lesions")


@functools.cache
def cohort() -> ns.Cohort:
    """Four demo patients (10 lines, 109 scans, 585 lesion rows)."""
    demo = ns.load_demo()
    return demo.subset(demo.patients["patient_id"][:4])


@dataclass(frozen=True)
class Expect:
    """One problem the reader must report (``row_key`` / ``column`` ``None``: not checked)."""

    rule: str
    table: str
    file: str
    hint: str
    column: str | None = ""
    row_key: str | None = ""


@dataclass(frozen=True)
class Case:
    """A messy folder: ``build(folder)`` writes it; ``options`` are the reading settings
    (``read_cohort`` keywords) and ``cli`` the same as ``netsurv validate`` options."""

    build: Callable[[Path], Expect]
    options: tuple[tuple[str, str], ...] = ()
    cli: tuple[str, ...] = ()


def write_clean(folder: Path, fmt: str = "csv") -> None:
    """The four tables as ``write_cohort`` writes them (no ``truth``)."""
    folder.mkdir(parents=True, exist_ok=True)
    c = cohort()
    write_cohort(
        ns.Cohort.from_frames(c.patients, c.lines, c.assessments, c.lesions), folder, format=fmt
    )


def text_frame(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def edit(folder: Path, name: str, change: Callable[[bytes], bytes]) -> None:
    path = folder / name
    path.write_bytes(change(path.read_bytes()))


def digest(folder: Path) -> dict[str, str]:
    """Hash of every file under ``folder`` (to show reading changed nothing)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def sheet(book: openpyxl.Workbook, title: str, frame: pd.DataFrame, *, first: bool) -> object:
    """Write ``frame`` (header + rows, dates as date cells, text as text) to a sheet."""
    ws = book.active if first else book.create_sheet()
    ws.title = title
    ws.append(list(frame.columns))
    for row in frame.astype(object).itertuples(index=False):
        ws.append([_cell(v) for v in row])
    return ws


def _cell(v: object) -> object:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v.item() if isinstance(v, np.generic) else v


def workbook(path: Path, tables: dict[str, pd.DataFrame]) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    for i, (name, frame) in enumerate(tables.items()):
        sheet(book, name, frame, first=i == 0)
    return book


def _replace_table_by_workbook(folder: Path, table: str) -> openpyxl.Workbook:
    (folder / f"{table}.csv").unlink()
    return workbook(folder / f"{table}.xlsx", {table: getattr(cohort(), table)})


# ------------------------------------------------------------------ two candidates


def case_variants(folder: Path) -> Expect:
    write_clean(folder)
    (folder / "Patients.csv").write_bytes((folder / "patients.csv").read_bytes())
    return Expect("ambiguous_table", "patients", "", "Patients.csv, patients.csv")


def csv_and_sheet(folder: Path) -> Expect:
    write_clean(folder)
    workbook(folder / "cohort.xlsx", {"Patients": cohort().patients}).save(folder / "cohort.xlsx")
    return Expect("ambiguous_table", "patients", "", "cohort.xlsx [Patients], patients.csv")


def two_workbooks(folder: Path) -> Expect:
    write_clean(folder, "xlsx")
    (folder / "cohort.xlsx").rename(folder / "a.xlsx")
    write_clean(folder, "xlsx")
    return Expect("ambiguous_table", "lesions", "", "a.xlsx [lesions], cohort.xlsx [lesions]")


# ------------------------------------------------------------------ Excel


def excel_unsaved_formula(folder: Path) -> Expect:
    write_clean(folder)
    book = _replace_table_by_workbook(folder, "lines")
    book["lines"]["E3"] = "=E2+30"  # written by a program: no saved result
    book.save(folder / "lines.xlsx")
    return Expect(
        "excel_formula", "lines", "lines.xlsx", "open and save it in Excel", "start_date", "cell E3"
    )


def excel_merged_ids(folder: Path) -> Expect:
    write_clean(folder)
    book = _replace_table_by_workbook(folder, "lines")
    book["lines"].merge_cells("A2:A4")
    book.save(folder / "lines.xlsx")
    return Expect("excel_merged_cells", "lines", "lines.xlsx", "unmerge", "", "cells A2:A4")


def excel_merged_header(folder: Path) -> Expect:
    write_clean(folder)
    book = _replace_table_by_workbook(folder, "lines")
    book["lines"].merge_cells("F1:G1")
    book.save(folder / "lines.xlsx")
    return Expect(
        "excel_merged_cells", "lines", "lines.xlsx", "header cells F1:G1", "", "cells F1:G1"
    )


def excel_sheets_none_named(folder: Path) -> Expect:
    write_clean(folder)
    (folder / "patients.csv").unlink()
    book = workbook(
        folder / "patients.xlsx", {"Summary": pd.DataFrame({"n": [4]}), "Data": cohort().patients}
    )
    book.save(folder / "patients.xlsx")
    return Expect("excel_sheet", "patients", "patients.xlsx", "('Summary', 'Data')")


def excel_sheet_misnamed(folder: Path) -> Expect:
    c = cohort()
    book = workbook(
        folder / "cohort.xlsx",
        {
            "Patient data": c.patients,
            "lines": c.lines,
            "assessments": c.assessments,
            "lesions": c.lesions,
        },
    )
    folder.mkdir(parents=True, exist_ok=True)
    book.save(folder / "cohort.xlsx")
    return Expect("missing_table", "patients", "", "cohort.xlsx has sheets 'Patient data', 'lines'")


def excel_serial_date(folder: Path) -> Expect:
    write_clean(folder)
    book = _replace_table_by_workbook(folder, "patients")
    cell = book["patients"]["B2"]
    cell.value, cell.number_format = 44927, "General"  # a date cell formatted as a number
    book.save(folder / "patients.xlsx")
    return Expect(
        "excel_serial_date",
        "patients",
        "patients.xlsx",
        "probably 2023-01-01",
        "last_alive_date",
        "P0001",
    )


def excel_text_date(folder: Path) -> Expect:
    write_clean(folder)
    book = _replace_table_by_workbook(folder, "patients")
    book["patients"]["B3"] = "03/04/2020"
    book.save(folder / "patients.xlsx")
    return Expect(
        "type_date",
        "patients",
        "patients.xlsx",
        "day and month may be swapped",
        "last_alive_date",
        "P0002",
    )


def excel_error_value(folder: Path) -> Expect:
    write_clean(folder)
    book = _replace_table_by_workbook(folder, "patients")
    book["patients"]["F2"] = "#N/A"  # a lookup that failed
    book.save(folder / "patients.xlsx")
    return Expect(
        "excel_error_value",
        "patients",
        "patients.xlsx",
        "Excel error value",
        "primary_site",
        "cell F2",
    )


def excel_is_a_csv(folder: Path) -> Expect:
    write_clean(folder)
    (folder / "patients.csv").rename(folder / "patients.xlsx")
    return Expect("unreadable_file", "patients", "patients.xlsx", "give it the suffix .csv")


# ------------------------------------------------------------------ CSV structure


def truncated_last_row(folder: Path) -> Expect:
    write_clean(folder)
    edit(folder, "lesions.csv", lambda b: b[: b.rstrip(b"\n").rfind(b"\n") + 25])
    n = len(cohort().lesions) + 1
    return Expect("ragged_row", "lesions", "lesions.csv", "is the file truncated?", "", f"line {n}")


def short_row(folder: Path) -> Expect:
    write_clean(folder)
    edit(folder, "lines.csv", lambda b: b.replace(b"\n", b"\nP0001,L9,lanreotide\n", 1))
    return Expect(
        "ragged_row", "lines", "lines.csv", "has 3 field(s), the header has 10", "", "line 2"
    )


def long_row(folder: Path) -> Expect:
    write_clean(folder)
    text = text_frame(folder, "lines").to_csv(index=False, lineterminator="\n")
    rows = text.split("\n")
    rows[3] += ",SSA"
    (folder / "lines.csv").write_text("\n".join(rows), encoding="utf-8")
    return Expect("ragged_row", "lines", "lines.csv", "has 11 field(s)", "", "line 4")


def unmatched_quote(folder: Path) -> Expect:
    write_clean(folder)
    edit(folder, "lines.csv", lambda b: b.replace(b"lanreotide", b'"lanreotide', 1))
    return Expect("unreadable_file", "lines", "lines.csv", "a quote is not closed")


def duplicated_header(folder: Path) -> Expect:
    write_clean(folder)
    edit(folder, "lesions.csv", lambda b: b.replace(b"short_axis_mm", b"long_axis_mm", 1))
    return Expect(
        "duplicate_column", "lesions", "lesions.csv", "are named 'long_axis_mm'", "long_axis_mm"
    )


def same_header_in_two_spellings(folder: Path) -> Expect:
    write_clean(folder)
    edit(folder, "patients.csv", lambda b: b.replace(b",sex,", b", Patient_ID ,", 1))
    return Expect("duplicate_column", "patients", "patients.csv", "(1, 4) are named", "patient_id")


def nul_bytes(folder: Path) -> Expect:
    write_clean(folder)
    edit(folder, "lesions.csv", lambda b: b[:300] + b"\x00\x00" + b[300:])
    line = (folder / "lesions.csv").read_bytes()[:300].count(b"\n") + 1
    return Expect("nul_bytes", "lesions", "lesions.csv", "export it again", "", f"line {line}")


def semicolon_and_decimal_comma(folder: Path) -> Expect:
    write_clean(folder)
    text = text_frame(folder, "lesions").to_csv(index=False, sep=";", lineterminator="\n")
    (folder / "lesions.csv").write_text(re.sub(r"(\d)\.(\d)", r"\1,\2", text), "utf-8")
    return Expect(
        "delimiter",
        "lesions",
        "lesions.csv",
        "set data.delimiter = ';' and data.decimal = ',' (--delimiter ';' --decimal ',')",
    )


def tab_delimited_csv(folder: Path) -> Expect:
    write_clean(folder)
    text = text_frame(folder, "lines").to_csv(index=False, sep="\t", lineterminator="\n")
    (folder / "lines.csv").write_text(text, "utf-8")
    return Expect("delimiter", "lines", "lines.csv", "--delimiter 'tab'")


def decimal_comma_only(folder: Path) -> Expect:
    semicolon_and_decimal_comma(folder)
    for table in ("patients", "lines", "assessments"):
        text = text_frame(folder, table).to_csv(index=False, sep=";", lineterminator="\n")
        (folder / f"{table}.csv").write_text(text, "utf-8")
    return Expect(
        "decimal_mark",
        "lesions",
        "lesions.csv",
        "set data.decimal = ',' (--decimal ',')",
    )


# ------------------------------------------------------------------ encodings


def utf16(folder: Path) -> Expect:
    write_clean(folder)
    edit(folder, "patients.csv", lambda b: b.decode("utf-8").encode("utf-16"))
    return Expect("encoding", "patients", "patients.csv", "data.encoding = 'utf-16'")


def latin1(folder: Path) -> Expect:
    write_clean(folder)
    edit(
        folder,
        "lines.csv",
        lambda b: b.decode().replace("lanreotide", "lanréotide").encode("latin-1"),
    )
    return Expect("encoding", "lines", "lines.csv", "'lanréotide' in Windows-1252", "", "line 2")


def utf8_read_as_latin1(folder: Path) -> Expect:
    write_clean(folder)
    edit(folder, "lines.csv", lambda b: b.replace(b"lanreotide", "lanréotide".encode(), 1))
    return Expect("encoding", "lines", "lines.csv", "which reads it as 'lanrÃ©otide'", "", "line 2")


# ------------------------------------------------------------------ values


def _lesion_value(folder: Path, column: str, value: str) -> Expect:
    write_clean(folder)
    les = text_frame(folder, "lesions")
    les.loc[0, column] = value
    les.to_csv(folder / "lesions.csv", index=False, lineterminator="\n")
    return Expect(
        "non_finite",
        "lesions",
        "lesions.csv",
        "is not a finite number",
        column,
        "P0001 / A001 / L01",
    )


def inf_text(folder: Path) -> Expect:
    return _lesion_value(folder, "volume_ml", "inf")


def minus_inf_text(folder: Path) -> Expect:
    return _lesion_value(folder, "suv_max", "-Infinity")


def nan_text(folder: Path) -> Expect:
    return _lesion_value(folder, "volume_ml", "nan")


def parquet_inf(folder: Path) -> Expect:
    write_clean(folder, "parquet")
    les = pd.read_parquet(folder / "lesions.parquet")
    les.loc[1, "volume_ml"] = np.inf
    les.to_parquet(folder / "lesions.parquet", index=False)
    return Expect(
        "non_finite",
        "lesions",
        "lesions.parquet",
        "is not a finite number",
        "volume_ml",
        "P0001 / A001 / L02",
    )


def huge_integer(folder: Path) -> Expect:
    write_clean(folder)
    lines = text_frame(folder, "lines")
    lines.loc[1, "n_cycles"] = "123456789012345678901234567890"
    lines.to_csv(folder / "lines.csv", index=False, lineterminator="\n")
    return Expect(
        "type_integer", "lines", "lines.csv", "beyond the 64-bit range", "n_cycles", "P0001 / L2"
    )


def parquet_uint64(folder: Path) -> Expect:
    write_clean(folder, "parquet")
    lines = pd.read_parquet(folder / "lines.parquet")
    lines["n_cycles"] = np.full(len(lines), 2**64 - 1, dtype="uint64")
    lines.to_parquet(folder / "lines.parquet", index=False)
    return Expect(
        "type_integer",
        "lines",
        "lines.parquet",
        "beyond the 64-bit range",
        "n_cycles",
        "P0001 / L1",
    )


def parquet_duplicate_column(folder: Path) -> Expect:
    import pyarrow as pa
    import pyarrow.parquet as pq

    write_clean(folder, "parquet")
    t = pq.read_table(folder / "patients.parquet")
    twice = pa.Table.from_arrays([*t.columns, t.column("sex")], names=[*t.column_names, "sex"])
    pq.write_table(twice, folder / "patients.parquet")
    return Expect("duplicate_column", "patients", "patients.parquet", "are named 'sex'", "sex")


def header_only(folder: Path) -> Expect:
    write_clean(folder)
    edit(folder, "lesions.csv", lambda b: b[: b.index(b"\n") + 1])
    return Expect("empty_table", "lesions", "lesions.csv", "header but no data rows")


def workbook_named_csv(folder: Path) -> Expect:
    write_clean(folder)
    workbook(folder / "x.xlsx", {"patients": cohort().patients}).save(folder / "patients.csv")
    return Expect("unreadable_file", "patients", "patients.csv", "give a workbook the suffix .xlsx")


def table_under_another_name(folder: Path) -> Expect:
    write_clean(folder)
    (folder / "patients.csv").rename(folder / "patients (1).csv")
    return Expect("missing_table", "patients", "", "found 'patients (1).csv': rename it?")


CASES: dict[str, Case] = {
    f.__name__: Case(f)
    for f in (
        case_variants,
        csv_and_sheet,
        two_workbooks,
        excel_unsaved_formula,
        excel_merged_ids,
        excel_merged_header,
        excel_sheets_none_named,
        excel_sheet_misnamed,
        excel_serial_date,
        excel_text_date,
        excel_error_value,
        excel_is_a_csv,
        truncated_last_row,
        short_row,
        long_row,
        unmatched_quote,
        duplicated_header,
        same_header_in_two_spellings,
        nul_bytes,
        semicolon_and_decimal_comma,
        tab_delimited_csv,
        utf16,
        latin1,
        inf_text,
        minus_inf_text,
        nan_text,
        parquet_inf,
        huge_integer,
        parquet_uint64,
        parquet_duplicate_column,
        header_only,
        workbook_named_csv,
        table_under_another_name,
    )
} | {
    "decimal_comma_only": Case(
        decimal_comma_only, options=(("delimiter", ";"),), cli=("--delimiter", ";")
    ),
    "utf8_read_as_latin1": Case(
        utf8_read_as_latin1, options=(("encoding", "latin-1"),), cli=("--encoding", "latin-1")
    ),
}


# ------------------------------------------------------------------ accepted


def with_bom(folder: Path) -> None:
    write_clean(folder)
    for t in TABLES:
        edit(folder, f"{t}.csv", lambda b: b"\xef\xbb\xbf" + b)


def padded_upper_headers(folder: Path) -> None:
    write_clean(folder)
    edit(
        folder,
        "patients.csv",
        lambda b: b.replace(b"patient_id", b" Patient_ID ", 1).replace(
            b"last_alive_date", b"LAST ALIVE DATE", 1
        ),
    )


def spreadsheet_debris(folder: Path) -> None:
    """CRLF line ends, blank lines, rows of bare delimiters, a trailing delimiter on every
    data row, no final line end."""
    write_clean(folder)
    edit(folder, "lines.csv", lambda b: b.replace(b"\n", b"\r\n"))
    edit(folder, "assessments.csv", lambda b: b.replace(b"\n", b"\n\n", 3) + b",,,,,,,\n\n")
    header, *rows = (folder / "patients.csv").read_bytes().rstrip(b"\n").split(b"\n")
    (folder / "patients.csv").write_bytes(b"\n".join([header, *(r + b"," for r in rows)]))


def title_rows_above_header(folder: Path) -> None:
    write_clean(folder)
    (folder / "patients.csv").unlink()
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "patients"
    ws.append(["Patient export, NET clinic, 2023"])
    ws.merge_cells("A1:E1")
    ws.append([])
    frame = cohort().patients
    ws.append(list(frame.columns))
    for row in frame.astype(object).itertuples(index=False):
        ws.append([_cell(v) for v in row])
    book.save(folder / "patients.xlsx")


def csv_title_above_header(folder: Path) -> None:
    """A report export: a title and a blank line above the header."""
    write_clean(folder)
    edit(folder, "lesions.csv", lambda b: b"Lesion measurements, exported 2023-05-01\n\n" + b)


def parquet_typed_columns(folder: Path) -> None:
    """Identifiers as a dictionary (categorical) column, dates as Arrow date32, a
    timezone-aware start date."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    write_clean(folder, "parquet")
    les = pd.read_parquet(folder / "lesions.parquet")
    les[["patient_id", "site"]] = les[["patient_id", "site"]].astype("category")
    les.to_parquet(folder / "lesions.parquet", index=False)
    t = pq.read_table(folder / "patients.parquet")
    i = t.column_names.index("last_alive_date")
    t = t.set_column(i, "last_alive_date", pc.cast(t.column(i), pa.date32()))
    pq.write_table(t, folder / "patients.parquet")
    lines = pd.read_parquet(folder / "lines.parquet")
    lines["start_date"] = lines["start_date"].dt.tz_localize("Europe/Berlin")
    lines.to_parquet(folder / "lines.parquet", index=False)


def excel_table_not_in_column_a(folder: Path) -> None:
    write_clean(folder)
    (folder / "lines.csv").unlink()
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "lines"
    frame = cohort().lines
    ws.append([None, None, *frame.columns])
    for row in frame.astype(object).itertuples(index=False):
        ws.append([None, None, *(_cell(v) for v in row)])
    book.save(folder / "lines.xlsx")


def excel_lock_file(folder: Path) -> None:
    write_clean(folder)
    (folder / "~$cohort.xlsx").write_bytes(b"\x06someone" + b"\x00" * 150)


ACCEPTED: dict[str, Callable[[Path], None]] = {
    f.__name__: f
    for f in (
        with_bom,
        padded_upper_headers,
        spreadsheet_debris,
        title_rows_above_header,
        csv_title_above_header,
        parquet_typed_columns,
        excel_table_not_in_column_a,
        excel_lock_file,
    )
}


def every_file(folder: Path, change: Callable[[bytes], bytes]) -> None:
    """The clean tables, each file passed through ``change``."""
    write_clean(folder)
    for t in TABLES:
        edit(folder, f"{t}.csv", change)


def _semicolons(raw: bytes) -> bytes:
    text = pd.read_csv(pd.io.common.BytesIO(raw), dtype=str, keep_default_na=False).to_csv(
        index=False, sep=";", lineterminator="\n"
    )
    return re.sub(r"(\d)\.(\d)", r"\1,\2", text).encode()


def _tabs(raw: bytes) -> bytes:
    return raw.replace(b",", b"\t")  # the demo's text holds no comma


#: Folders whose every file is written another way, and the settings that read them.
WRITTEN_OTHERWISE: dict[str, tuple[Callable[[bytes], bytes], dict[str, str]]] = {
    "semicolons_and_decimal_commas": (_semicolons, {"delimiter": ";", "decimal": ","}),
    "tabs": (_tabs, {"delimiter": "tab"}),
    "utf16": (lambda b: b.decode().encode("utf-16"), {"encoding": "utf-16"}),
    "windows_1252": (
        lambda b: b.decode().replace("lanreotide", "lanréotide").encode("cp1252"),
        {"encoding": "cp1252"},
    ),
}


def leading_zero_ids(folder: Path, fmt: str) -> None:
    """Patient IDs '0001' ... (leading zeros) in ``fmt`` files (Excel: text cells)."""
    c = cohort()
    tables = {
        t: getattr(c, t).assign(patient_id=lambda d: d["patient_id"].str.replace("P", "0"))
        for t in TABLES
    }
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        workbook(folder / "cohort.xlsx", tables).save(folder / "cohort.xlsx")
    else:
        ns.io.write_tables(tables, folder, format=fmt)  # type: ignore[arg-type]
