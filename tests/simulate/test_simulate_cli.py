"""``netsurv simulate``: writes tables that ``netsurv validate`` accepts, byte-identical for
the same seed; bad parameters exit 2 with a message, never a traceback."""

from __future__ import annotations

from pathlib import Path

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
