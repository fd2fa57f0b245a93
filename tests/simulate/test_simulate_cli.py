"""``netsurv simulate``: writes tables that ``netsurv validate`` accepts, byte-identical for
the same seed; bad parameters exit 2 with a message, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import Result
from typer.testing import CliRunner

from netsurv.cli import app

runner = CliRunner()


def test_simulate_writes_valid_reproducible_files(tmp_path: Path) -> None:
    args = ["simulate", "--patients", "40", "--seed", "9", "--scenario", "prrt"]
    first = runner.invoke(app, [*args, "--out", str(tmp_path / "a"), "--set", "death_link=0"])
    assert first.exit_code == 0, first.output
    assert "40 patients" in first.output and "truth.csv" in first.output
    again = runner.invoke(app, [*args, "--out", str(tmp_path / "b"), "--set", "death_link=0"])
    assert again.exit_code == 0
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == ["assessments.csv", "lesions.csv", "lines.csv", "patients.csv", "truth.csv"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    valid = runner.invoke(app, ["validate", str(tmp_path / "a")])
    assert valid.exit_code == 0, valid.output
    assert "Valid: <Cohort: 40 patients" in valid.output


def test_simulate_therapy_override_and_parquet(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "simulate", "-n", "10", "--seed", "1", "--out", str(tmp_path), "--scenario", "mixed",
            "--set", "prrt.kill_rate=0.3", "--set", "noise_cv=0.05", "--format", "parquet",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (tmp_path / "lesions.parquet").exists()


def test_simulate_bad_parameters_exit_2(tmp_path: Path) -> None:
    out = str(tmp_path)
    unknown = runner.invoke(
        app, ["simulate", "-n", "5", "--seed", "1", "--out", out, "--set", "noise=1"]
    )
    assert unknown.exit_code == 2
    assert "unknown simulation parameter 'noise'" in unknown.output
    assert "Traceback" not in unknown.output
    bad = runner.invoke(
        app, ["simulate", "-n", "5", "--seed", "1", "--out", out, "--scenario", "x"]
    )
    assert bad.exit_code == 2 and "unknown scenario 'x'" in bad.output
    value = runner.invoke(
        app, ["simulate", "-n", "5", "--seed", "1", "--out", out, "--set", "noise_cv=2"]
    )
    assert value.exit_code == 2 and "noise_cv" in value.output
    fmt = runner.invoke(
        app, ["simulate", "-n", "5", "--seed", "1", "--out", out, "--format", "txt"]
    )
    assert fmt.exit_code == 2 and "--format" in fmt.output
    assert not any(tmp_path.iterdir())


def _simulate(out: Path, *extra: str) -> Result:
    return runner.invoke(app, ["simulate", "-n", "5", "--seed", "1", "--out", str(out), *extra])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--set", "start_date=notadate"], "start_date = 'notadate': must be an ISO date"),
        (["--set", "start_date=1950-01-01"], "must be on or after 1990-01-01"),
        (["--set", "lesion_sites={brain = 1}"], "lesion_sites = {'brain': 1}: unknown site(s)"),
        (["--set", "primary_sites={brain = 1}"], "primary_sites = {'brain': 1}: unknown site(s)"),
        (["--set", "prrt.kill_rate=-1"], "prrt__kill_rate = -1"),
        (["--set", "death_link"], "--set expects key=value (e.g."),
        (["--set", "followup_months=100000"], "the data cut-off"),
    ],
)
def test_bad_override_is_one_message_and_exit_2(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    res = _simulate(tmp_path / "out", *extra)
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "section.key" not in res.output
    assert isinstance(res.exception, SystemExit)  # typer.Exit(2), not an error
    assert not (tmp_path / "out").exists()  # checked before anything is written


def test_unusable_out_folder_exit_2(tmp_path: Path) -> None:
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("x")
    res = _simulate(a_file)
    assert res.exit_code == 2 and "is a file, not a folder" in res.output
    assert a_file.read_text() == "x"
    res = _simulate(a_file / "sub")  # cannot be made: its parent is a file
    assert res.exit_code == 2 and "cannot create the folder" in res.output
    blocked = tmp_path / "blocked"
    (blocked / "patients.csv").mkdir(parents=True)  # the table cannot be written
    res = _simulate(blocked, "--overwrite")
    assert res.exit_code == 2 and "patients.csv is a folder" in res.output
    assert isinstance(res.exception, SystemExit)


def test_start_date_and_dict_overrides_from_the_command_line(tmp_path: Path) -> None:
    res = _simulate(
        tmp_path,
        "--scenario", "mixed",
        "--set", "start_date=2020-01-01",
        "--set", "accrual_months=6",
        "--set", "lesion_sites={liver = 1}",
        "--set", "next_line_delay_days=[30, 40]",
        "--set", "prrt={kill_rate = 0.3}",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    lines = pd.read_csv(tmp_path / "lines.csv", parse_dates=["start_date"])
    assert lines["start_date"].min() >= pd.Timestamp("2020-01-01")
    first = lines.sort_values("start_date").drop_duplicates("patient_id")["start_date"]
    assert first.max() <= pd.Timestamp("2020-07-01")
    lesions = pd.read_csv(tmp_path / "lesions.csv")
    assert set(lesions.loc[lesions["lesion_id"].str.startswith("L"), "site"]) == {"liver"}
    assert runner.invoke(app, ["validate", str(tmp_path)]).exit_code == 0


def test_size_and_seed_are_checked_by_the_command_line(tmp_path: Path) -> None:
    for extra in (["-n", "0", "--seed", "1"], ["-n", "3", "--seed", "-1"]):
        res = runner.invoke(app, ["simulate", *extra, "--out", str(tmp_path / "x")])
        assert res.exit_code == 2
        assert "Traceback" not in res.output and not (tmp_path / "x").exists()
