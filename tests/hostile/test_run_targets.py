"""No writes outside the run folder (issue 15, item 3): unsafe targets are refused before
anything is read or written, links are never followed, a custom report notebook needs
--allow-notebook, and the manifest names paths relative to the config file."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import valid_tables
from run_checks import assert_manifest_true, fingerprint, netsurv, one_line, study

from netsurv.errors import OutputError
from netsurv.io import write_tables
from netsurv.pipeline.files import Folder
from netsurv.pipeline.run_folder import RunFolder


def _tables_study(tmp_path: Path) -> tuple[Path, Path]:
    """A study reading the folder ``tmp_path/study/data`` (config beside it)."""
    data = tmp_path / "study" / "data"
    write_tables(valid_tables(), data)
    cfg = study(tmp_path / "study", '[data]\nsource = "data"\n')
    return cfg, data


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("/", "is the filesystem root"),
        ("HOME", "is your home folder"),
        ("study/data", "is the input data folder"),
        ("study", "holds the input data folder"),
        (".", "holds the input data folder"),
        ("study/data/results", "is inside the input data folder"),
    ],
)
def test_unsafe_output_folders_are_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    out: str,
    message: str,
) -> None:
    cfg, _ = _tables_study(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    target = {"HOME": str(home)}.get(out, out)
    before = fingerprint(tmp_path)
    code, err = netsurv(["run", str(cfg), "--quiet", "--out", target, "--overwrite"], capsys)
    assert code == 2
    assert message in one_line(err)
    assert fingerprint(tmp_path) == before


def test_a_file_as_output_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = study(tmp_path, "")
    (tmp_path / "results.txt").write_text("a file\n")
    before = fingerprint(tmp_path)
    code, err = netsurv(["run", str(cfg), "--quiet", "--set", "run.output=results.txt"], capsys)
    assert code == 2 and "is a file, not a folder" in one_line(err)
    assert fingerprint(tmp_path) == before


def test_a_folder_holding_the_config_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = study(tmp_path / "analyses")
    before = fingerprint(tmp_path)
    code, err = netsurv(["run", str(cfg), "--quiet", "--out", str(tmp_path)], capsys)
    assert code == 2 and "study.toml, which the run reads" in one_line(err)
    assert fingerprint(tmp_path) == before


def test_a_target_that_is_a_link_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = study(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").symlink_to(elsewhere)
    before = fingerprint(tmp_path)
    code, err = netsurv(["run", str(cfg), "--quiet"], capsys)
    assert code == 2 and "is a symbolic link" in one_line(err)
    assert fingerprint(tmp_path) == before


def test_a_link_planted_in_the_temporary_folder_is_not_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone swaps the run's ``figures`` subfolder for a link while the run writes tables."""
    cfg = study(tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("keep\n")
    from netsurv.pipeline.outputs import OutputWriter

    real_table = OutputWriter.table

    def table(self: OutputWriter, name: str, df: pd.DataFrame) -> None:
        planted = self.folder.path / "figures"
        if not planted.is_symlink():
            planted.symlink_to(victim)
        real_table(self, name, df)

    monkeypatch.setattr(OutputWriter, "table", table)
    before = fingerprint(tmp_path)
    code, err = netsurv(["run", str(cfg), "--quiet"], capsys)
    assert code == 2
    assert "cannot create the folder" in one_line(err) and "figures" in err
    assert fingerprint(tmp_path) == before  # victim untouched, no run folder, no leftovers


def test_files_are_created_exclusively_and_never_through_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.csv"
    victim.write_text("precious\n")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "a.csv").symlink_to(victim)
    (tmp_path / "run" / "b.csv").write_text("existing\n")
    with Folder.open(tmp_path / "run") as folder:
        for name in ("a.csv", "b.csv"):
            with pytest.raises(OutputError, match=f"cannot write .*{name}: .*File exists"):
                folder.write(name, b"new\n")
    assert victim.read_text() == "precious\n"
    assert (tmp_path / "run" / "b.csv").read_text() == "existing\n"
    with pytest.raises(OutputError, match="cannot open the folder"):
        Folder.open(tmp_path / "run" / "a.csv")  # a link is not opened as a folder


def test_the_manifest_and_config_record_no_absolute_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg, _ = _tables_study(tmp_path)
    out = tmp_path / "results" / "run1"
    code, _ = netsurv(["run", str(cfg), "--quiet", "--out", str(out)], capsys)
    assert code == 0
    man = assert_manifest_true(out)
    assert man["config_file"] == "study.toml"
    assert man["paths"] == "relative to the config file folder"
    assert set(man["inputs"]) == {
        "study.toml",
        *(f"data/{t}.csv" for t in ("patients", "lines", "assessments", "lesions")),
    }
    for name in ("manifest.json", "config.json"):
        text = (out / name).read_text(encoding="utf-8")
        assert str(tmp_path) not in text and str(Path.home()) not in text, name
    assert "base_dir" not in json.loads((out / "config.json").read_text())


def test_a_custom_report_notebook_needs_allow_notebook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "ran.txt"
    (tmp_path / "mine.py").write_text(
        f"# %%\nopen({str(marker)!r}, 'w').write('code ran')\n", encoding="utf-8"
    )
    cfg = study(tmp_path)
    cfg.write_text(
        cfg.read_text().replace("[report]\nenabled = false\n", '[report]\nnotebook = "mine.py"\n')
    )
    before = fingerprint(tmp_path)
    code, err = netsurv(["run", str(cfg), "--quiet"], capsys)
    assert code == 2 and "--allow-notebook" in err and "report.notebook" in err
    assert fingerprint(tmp_path) == before and not marker.exists()


@pytest.mark.slow
def test_an_allowed_notebook_runs_and_what_it_writes_is_in_the_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("papermill")
    (tmp_path / "mine.py").write_text(
        "# %%\nfrom pathlib import Path\nPath('extra.txt').write_text('made by the notebook')\n",
        encoding="utf-8",
    )
    cfg = study(tmp_path)
    cfg.write_text(
        cfg.read_text().replace("[report]\nenabled = false\n", '[report]\nnotebook = "mine.py"\n')
    )
    code, _ = netsurv(["run", str(cfg), "--quiet", "--allow-notebook"], capsys)
    assert code == 0
    man = assert_manifest_true(tmp_path / "out")
    assert "extra.txt" in man["outputs"]
    assert "the report notebook wrote extra.txt" in man["notes"]
    assert "netsurv" not in [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_run_folder_refuses_a_non_run_folder_even_when_asked_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "thesis.docx").write_bytes(b"years of work")
    with (
        pytest.raises(OutputError, match="not a netsurv run"),
        RunFolder(tmp_path / "out", overwrite=True),
    ):
        pass
    assert (tmp_path / "out" / "thesis.docx").read_bytes() == b"years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
