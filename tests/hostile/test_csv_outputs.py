"""What netsurv writes as CSV (issue 15, items 1 and 2): text cells that a spreadsheet would
run as a formula are escaped with a leading ``'`` in every CSV of a run and in the validation
report; identifiers keep their leading zeros wherever outputs are read back; ``netsurv
simulate --out`` and ``netsurv validate --report`` never overwrite a file without --overwrite
and never write into the data folder."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import jupytext
import pandas as pd
import pytest
from conftest import valid_tables
from run_checks import fingerprint, netsurv, one_line, study

from netsurv.io import write_tables
from netsurv.pipeline.outputs import csv_escape, csv_safe

IDS = {"P001": "=1+1", "P002": "007", "P003": "@SUM(A1)"}
TEMPLATE = Path(__file__).resolve().parents[2] / "notebooks" / "05_report.py"


def _hostile_data(folder: Path) -> Path:
    t = valid_tables()
    for df in t.values():
        df["patient_id"] = df["patient_id"].map(IDS)
    t["lines"].loc[0, "regimen"] = '=HYPERLINK("http://evil.example","click")'
    t["lines"].loc[1, "regimen"] = "+cmd|' /C calc'!A0"
    write_tables(t, folder)
    return folder


def test_every_csv_of_a_run_is_guarded_and_ids_keep_leading_zeros(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _hostile_data(tmp_path / "data")
    cfg = study(tmp_path, '[data]\nsource = "data"\n')
    code, err = netsurv(["run", str(cfg), "--quiet"], capsys)
    assert code == 0, err
    tables = tmp_path / "out" / "tables"
    lines = pd.read_csv(tables / "lines_analysed.csv", dtype=str)
    assert set(lines["patient_id"]) == {"'=1+1", "007", "'@SUM(A1)"}
    assert '\'=HYPERLINK("http://evil.example","click")' in set(lines["regimen"])
    assert "'+cmd|' /C calc'!A0" in set(lines["regimen"])
    # every CSV: no text cell starts a formula; numbers (negative ones too) are left alone
    for p in sorted(tables.glob("*.csv")):
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
        cells = pd.Series(df.to_numpy().ravel(), dtype=object)
        risky = cells[cells.str[:1].isin(list("=+@\t\r"))]
        assert risky.empty, (p.name, risky.tolist())
        assert not [c for c in df.columns if c[:1] in "=+-@"], p.name
    change = pd.read_csv(tables / "best_change.csv")
    assert (change["best_pct_change"] < 0).any()  # negative numbers stay numbers
    # the Parquet copy holds the exact values
    exact = pd.read_parquet(tables / "lines_analysed.parquet")
    assert set(exact["patient_id"]) == set(IDS.values())

    # the report reads the run's tables back: its reader keeps "007" as written
    cell = next(c.source for c in jupytext.read(TEMPLATE).cells if "def table(" in c.source)
    scope: dict[str, object] = {"output_dir": str(tmp_path / "out"), "provenance": None}
    exec(cell, scope)
    back = scope["table"]("lines_analysed")  # type: ignore[operator]
    assert set(back["patient_id"]) == set(IDS.values())


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+44 20", "'+44 20"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("＝1", "'＝1"),
        ("-3.5", "-3.5"),
        ("+1e3", "+1e3"),
        ("007", "007"),
        ("a=b", "a=b"),
    ],
)
def test_csv_escape(value: str, written: str) -> None:
    assert csv_escape(value) == written


def test_csv_safe_leaves_numbers_dates_and_missing_values() -> None:
    df = pd.DataFrame(
        {
            "=name": ["=a", None, "b"],
            "x": [-1.5, 2.0, None],
            "d": pd.to_datetime(["2020-01-01", None, "2021-02-03"]),
            "c": pd.Categorical(["-y", "z", "-y"]),
        }
    )
    out = csv_safe(df)
    assert list(out.columns) == ["'=name", "x", "d", "c"]
    assert out["'=name"].tolist()[0] == "'=a" and out["'=name"].isna().tolist() == [
        False,
        True,
        False,
    ]
    assert out["x"].equals(df["x"]) and out["d"].equals(df["d"])
    assert out["c"].tolist() == ["'-y", "z", "'-y"]
    assert df.columns[0] == "=name"  # the input is not changed


def test_csv_safe_on_a_column_mixing_text_and_numbers() -> None:
    # text is checked in Arrow; a column Arrow cannot read as text is checked cell by cell
    df = pd.DataFrame({"a": ["=a", 3, None, "-1", "＋b", 2.5], "b": ["@x", None, "", "y", "", ""]})
    out = csv_safe(df)
    assert out["a"].tolist() == ["'=a", 3, None, "-1", "'＋b", 2.5]
    assert out["b"].tolist() == ["'@x", None, "", "y", "", ""]


def test_validate_report_is_guarded_refused_in_the_data_folder_and_not_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    t = valid_tables()
    t["lesions"].loc[0, "long_axis_mm"] = "=1+1"  # not a number: a validation error
    write_tables(t, data)
    before = fingerprint(tmp_path)
    for report, args in [
        (data / "patients.csv", ["--overwrite"]),  # an input table, even with --overwrite
        (data / "report.csv", []),  # anywhere in the data folder
    ]:
        code, err = netsurv(["validate", str(data), "--report", str(report), *args], capsys)
        assert code == 2 and "input data folder" in one_line(err)
        assert fingerprint(tmp_path) == before

    report = tmp_path / "problems.csv"
    code, _ = netsurv(["validate", str(data), "--report", str(report)], capsys)
    assert code == 2 and report.is_file()
    problems = pd.read_csv(report, dtype=str)
    assert "'=1+1" in set(problems["value"])
    first = report.read_bytes()
    report.write_text("my edits\n")
    code, err = netsurv(["validate", str(data), "--report", str(report)], capsys)
    assert code == 2 and "exists; pass --overwrite" in err
    assert report.read_text() == "my edits\n"
    code, _ = netsurv(["validate", str(data), "--report", str(report), "--overwrite"], capsys)
    assert code == 2 and report.read_bytes() == first


def test_simulate_never_overwrites_without_overwrite_and_never_follows_a_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim"
    args = ["simulate", "-n", "5", "--seed", "1", "--out", str(out)]
    assert netsurv(args, capsys)[0] == 0
    first = fingerprint(out)
    assert set(first) == {
        f"{t}.csv" for t in ("patients", "lines", "assessments", "lesions", "truth")
    }
    (out / "patients.csv").write_text("edited by hand\n")
    victim = tmp_path / "victim.csv"
    victim.write_text("precious\n")
    (out / "lines.csv").unlink()
    (out / "lines.csv").symlink_to(victim)
    before = fingerprint(tmp_path)

    code, err = netsurv(args, capsys)
    assert code == 2 and "pass --overwrite" in one_line(err) and "patients.csv" in err
    assert fingerprint(tmp_path) == before

    code, err = netsurv([*args[:-2], "--out", str(out), "--format", "parquet"], capsys)
    assert code == 2 and "two copies of a table" in one_line(err)
    assert fingerprint(tmp_path) == before

    assert netsurv([*args, "--overwrite"], capsys)[0] == 0
    assert fingerprint(out) == first  # replaced: the link itself, not the file it points to
    assert victim.read_text() == "precious\n"
    assert not (out / "lines.csv").is_symlink()


def test_simulate_refuses_unsafe_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = netsurv(["simulate", "-n", "5", "--seed", "1", "--out", "/"], capsys)
    assert code == 2 and "filesystem root" in one_line(err)


def test_simulate_on_a_full_disk_is_one_line_and_leaves_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    out = tmp_path / "sim"
    out.mkdir()
    monkeypatch.setattr(os, "write", full)
    code, err = netsurv(["simulate", "-n", "5", "--seed", "1", "--out", str(out)], capsys)
    monkeypatch.undo()
    assert code == 2
    assert (
        one_line(err) == f"cannot write {out / 'patients.csv'}: [Errno 28] No space left on device"
    )
    assert list(out.iterdir()) == []  # no half-written or temporary file
