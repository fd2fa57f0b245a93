"""The committed data dictionary matches the schema code."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from netsurv.cli import app
from netsurv.schema.dictionary import data_dictionary, dictionary_files
from netsurv.schema.inputs import INPUT_MODELS
from netsurv.validation import RULES

COMMITTED = Path(__file__).resolve().parents[1] / "data_dictionary"


def test_committed_dictionary_matches_the_code() -> None:
    for name, text in dictionary_files().items():
        path = COMMITTED / name
        assert path.exists(), f"{path} missing: run 'make data-dictionary'"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} is out of date: run 'make data-dictionary' and commit the result"
        )


def test_cli_check_mode(tmp_path: Path) -> None:
    runner = CliRunner()
    assert (
        runner.invoke(app, ["data-dictionary", "--out", str(COMMITTED), "--check"]).exit_code == 0
    )
    stale = runner.invoke(app, ["data-dictionary", "--out", str(tmp_path), "--check"])
    assert stale.exit_code == 1
    assert runner.invoke(app, ["data-dictionary", "--out", str(tmp_path)]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(dictionary_files())


def test_every_input_column_is_documented() -> None:
    dd = data_dictionary()
    for table, model in INPUT_MODELS.items():
        cols = set(dd.loc[dd["table"] == table, "column"])
        assert cols == set(model.to_schema().columns)
    assert (dd["meaning"].str.len() > 0).all()
    units = dd.set_index(["table", "column"])["unit"]
    assert units[("lesions", "volume_ml")] == "mL"
    assert units[("lesions", "density_hu")] == "HU"
    md = dictionary_files()["data_dictionary.md"]
    for rule in RULES:
        assert f"| {rule} |" in md
