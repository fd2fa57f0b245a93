"""The command line: exit codes and readable reports, never a traceback for a data problem."""

from __future__ import annotations

from pathlib import Path

from conftest import valid_tables
from typer.testing import CliRunner

from netsurv.cli import app
from netsurv.io import write_tables

runner = CliRunner()


def test_validate_valid_folder(tmp_path: Path) -> None:
    write_tables(valid_tables(), tmp_path)
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Valid: <Cohort: 3 patients, 4 lines" in result.output


def test_validate_reports_warnings_and_attrition(tmp_path: Path) -> None:
    t = valid_tables()
    t["assessments"].loc[0, "date"] = "2019-11-20"
    write_tables(t, tmp_path)
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 0
    assert "[warning] assessments (assessments.csv), row P001 / A01, column date" in result.output
    assert "rows set aside" in result.output


def test_validate_missing_folder_exit_2() -> None:
    result = runner.invoke(app, ["validate", "/no/such/dir"])
    assert result.exit_code == 2
    assert "data folder does not exist" in result.output
    assert "Traceback" not in result.output


def test_warn_option_lowers_a_rule(tmp_path: Path) -> None:
    t = valid_tables()
    t["lesions"].loc[8, "long_axis_mm"] = "8"
    write_tables(t, tmp_path)
    assert runner.invoke(app, ["validate", str(tmp_path)]).exit_code == 2
    lowered = runner.invoke(app, ["validate", str(tmp_path), "--warn", "baseline_target_size"])
    assert lowered.exit_code == 0
    bad_rule = runner.invoke(app, ["validate", str(tmp_path), "--warn", "no_such_rule"])
    assert bad_rule.exit_code == 2
    assert "unknown validation rule" in bad_rule.output


def test_summary_of_demo() -> None:
    result = runner.invoke(app, ["summary"])
    assert result.exit_code == 0, result.output
    assert "demo cohort" in result.output
    assert "patients" in result.output
