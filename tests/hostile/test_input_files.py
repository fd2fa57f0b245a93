"""Messy clinic files: every one is refused with a message naming file, table, column, row
and rule (or read, when nothing is ambiguous), never a traceback, and never a change to the
input folder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from messy import (
    ACCEPTED,
    CASES,
    TABLES,
    WRITTEN_OTHERWISE,
    cohort,
    digest,
    every_file,
    leading_zero_ids,
    write_clean,
)
from typer.testing import CliRunner

import netsurv as ns
from netsurv.cli import app

runner = CliRunner()


def _row(failures: pd.DataFrame, expect: object) -> pd.DataFrame:
    f = failures
    sel = (f["rule"] == expect.rule) & (f["table"] == expect.table)  # type: ignore[attr-defined]
    for field in ("column", "row_key"):
        want = getattr(expect, field)
        if want is not None:
            sel &= f[field].fillna("") == want
    return f[sel]


@pytest.mark.parametrize("name", sorted(CASES))
def test_messy_file_is_refused_with_its_file_rule_and_fix(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    folder = tmp_path / "data"
    expect = case.build(folder)
    before = digest(folder)

    with pytest.raises(ns.ValidationError) as err:
        ns.read_cohort(folder, **dict(case.options))
    hit = _row(err.value.failures, expect)
    f = err.value.failures
    assert len(hit) == 1, f.to_string()
    if expect.column and expect.row_key:  # the cell is not reported again under another rule
        same = (f["table"] == expect.table) & (f["column"] == expect.column)
        assert (same & (f["row_key"] == expect.row_key)).sum() == 1, f.to_string()
    assert (hit["severity"] == "error").all()
    if expect.file:
        assert expect.file in hit["file"].tolist()
    assert any(
        expect.hint in m or expect.hint in str(v)
        for m, v in zip(hit["message"], hit["value"], strict=True)
    )

    result = runner.invoke(app, ["validate", str(folder), *case.cli])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())  # the console wraps long lines
    assert " ".join(expect.hint.split()) in text, result.output
    assert (expect.file or expect.table) in text
    assert digest(folder) == before


def _clean_cohort(tmp_path: Path) -> ns.Cohort:
    write_clean(tmp_path / "clean")
    return ns.read_cohort(tmp_path / "clean")


def _assert_same(a: ns.Cohort, b: ns.Cohort) -> None:
    for t in TABLES:
        pd.testing.assert_frame_equal(getattr(a, t), getattr(b, t), check_like=True)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_harmless_mess_reads_as_the_clean_files(name: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    ACCEPTED[name](folder)
    before = digest(folder)
    got = ns.read_cohort(folder)
    _assert_same(got, _clean_cohort(tmp_path))
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert digest(folder) == before


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "title_rows_above_header",
            ["patients", "row 1", "Patient export, NET clinic, 2023", "patients.xlsx",
             "the header is on row 3; row 1 above it is not read as data"],
        ),
        (
            "csv_title_above_header",
            ["lesions", "line 1", "Lesion measurements, exported 2023-05-01", "lesions.csv",
             "the header is on line 3; line 1 above it is not read as data"],
        ),
    ],
)  # fmt: skip
def test_a_title_above_the_header_is_skipped_with_a_warning(
    name: str, expected: list[str], tmp_path: Path
) -> None:
    ACCEPTED[name](tmp_path)
    w = ns.read_cohort(tmp_path).warnings
    w = w[w["rule"] == "header_row"]
    assert w[["table", "row_key", "value", "file", "message"]].values.tolist() == [expected]


@pytest.mark.parametrize("name", sorted(WRITTEN_OTHERWISE))
def test_the_setting_named_in_the_message_reads_the_files(name: str, tmp_path: Path) -> None:
    change, options = WRITTEN_OTHERWISE[name]
    folder = tmp_path / "data"
    every_file(folder, change)
    with pytest.raises(ns.ValidationError):
        ns.read_cohort(folder)
    got = ns.read_cohort(folder, **options)
    want = _clean_cohort(tmp_path)
    if name == "windows_1252":
        assert (got.lines["regimen"] == "lanréotide").any()
        got = replace(got, lines=got.lines.replace("lanréotide", "lanreotide"))
    _assert_same(got, want)
    flags = [x for k, v in options.items() for x in (f"--{k}", v)]
    assert runner.invoke(app, ["validate", str(folder), *flags]).exit_code == 0


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_identifiers_keep_their_leading_zeros(fmt: str, tmp_path: Path) -> None:
    leading_zero_ids(tmp_path, fmt)
    got = ns.read_cohort(tmp_path)
    want = sorted(cohort().patients["patient_id"].str.replace("P", "0"))
    assert sorted(got.patients["patient_id"]) == want
    assert got.lesions["patient_id"].str.startswith("000").all()


def test_a_long_numeric_covariate_keeps_every_digit(tmp_path: Path) -> None:
    write_clean(tmp_path)
    p = pd.read_csv(tmp_path / "patients.csv", dtype=str, keep_default_na=False)
    p["mrn"] = [f"12345678901234567{i}" for i in range(len(p))]
    p.to_csv(tmp_path / "patients.csv", index=False)
    assert ns.read_cohort(tmp_path).patients["mrn"].tolist() == p["mrn"].tolist()


def test_lines_are_counted_across_quoted_line_breaks(tmp_path: Path) -> None:
    write_clean(tmp_path)
    lines = pd.read_csv(tmp_path / "lines.csv", dtype=str, keep_default_na=False)
    lines.loc[0, "regimen"] = "lanreotide\n120 mg"
    lines.loc[2, "start_date"] = ""
    lines.to_csv(tmp_path / "lines.csv", index=False, lineterminator="\n")
    (tmp_path / "lines.csv").write_bytes(
        (tmp_path / "lines.csv").read_bytes().replace(b"\n", b"\n\n", 1)  # and a blank line
    )
    with pytest.raises(ns.ValidationError) as err:
        ns.read_cohort(tmp_path)
    f = err.value.failures
    assert f.loc[f["rule"] == "not_null", "row_key"].tolist() == ["P0001 / L3"]
    short = tmp_path / "lines.csv"
    short.write_bytes(short.read_bytes() + b"P0009,L1\n")
    with pytest.raises(ns.ValidationError) as err:
        ns.read_cohort(tmp_path)
    # header (1), blank (2), the row with a line break (3-4), then rows 5 ... 13; the new one
    assert err.value.failures["row_key"].tolist() == [f"line {len(lines) + 4}"]


def test_an_unknown_encoding_is_a_clear_error(tmp_path: Path) -> None:
    write_clean(tmp_path)
    with pytest.raises(ns.ConfigError, match="encoding 'utf-9' is not a known text encoding"):
        ns.read_cohort(tmp_path, encoding="utf-9")
    result = runner.invoke(app, ["validate", str(tmp_path), "--encoding", "utf-9"])
    assert result.exit_code == 2
    assert "not a known text encoding" in result.output
    result = runner.invoke(app, ["validate", str(tmp_path), "--delimiter", ";;"])
    assert result.exit_code == 2
    assert "must be one character" in result.output


@pytest.mark.parametrize("rule", ["ragged_row", "non_finite", "ambiguous_table", "encoding"])
def test_file_integrity_rules_cannot_be_lowered(rule: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be changed"):
        ns.ValidationOptions(severity={rule: "warning"})
    write_clean(tmp_path)
    result = runner.invoke(app, ["validate", str(tmp_path), "--off", rule])
    assert result.exit_code == 2
    assert "cannot be changed" in " ".join(result.output.split())
