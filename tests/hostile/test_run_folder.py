"""Run folders that cannot lie (issue 15, item 2): a run is built beside its target and moved
into place whole; an existing folder is refused unless it is a previous run and --overwrite is
given, which replaces it whole; a lock stops a second run; a run that fails or is killed
leaves the old folder intact or no folder, and never a manifest that disagrees with the files.
Every test also checks that nothing outside the run folder changed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from run_checks import assert_manifest_true, fingerprint, netsurv, one_line, study

import netsurv.pipeline.run_folder as run_folder
from netsurv.errors import OutputError
from netsurv.pipeline.run_folder import RunFolder


def test_an_existing_folder_that_is_not_a_run_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = study(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("my notes\n")
    before = fingerprint(tmp_path)
    for extra in ([], ["--overwrite"]):
        code, err = netsurv(["run", str(cfg), "--quiet", *extra], capsys)
        assert code == 2
        assert "is not a netsurv run" in one_line(err) and "out" in err
        assert fingerprint(tmp_path) == before  # the folder and everything beside it


def test_a_previous_run_needs_overwrite_which_replaces_it_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = study(tmp_path)
    assert netsurv(["run", str(cfg), "--quiet"], capsys)[0] == 0
    out = tmp_path / "out"
    assert_manifest_true(out)
    (out / "tables" / "stray.csv").write_text("left by hand\n")
    (out / "extra.txt").write_text("x\n")
    victim = tmp_path / "victim"  # links planted in the old run are removed, never followed
    victim.mkdir()
    (victim / "keep.txt").write_text("keep\n")
    (out / "tables" / "linked.csv").symlink_to(victim / "keep.txt")
    (out / "figures" / "linked").symlink_to(victim)
    before = fingerprint(tmp_path)

    code, err = netsurv(["run", str(cfg), "--quiet"], capsys)
    assert code == 2 and "pass --overwrite" in one_line(err)
    assert fingerprint(tmp_path) == before

    code, _ = netsurv(["run", str(cfg), "--quiet", "--overwrite"], capsys)
    assert code == 0
    man = assert_manifest_true(out)  # the stray files are gone: replaced, not merged
    assert not (out / "tables" / "stray.csv").exists() and not (out / "extra.txt").exists()
    assert not (out / "tables" / "linked.csv").is_symlink()
    assert (victim / "keep.txt").read_text() == "keep\n"
    assert "tables/endpoints.csv" in man["outputs"]
    outside = {k: v for k, v in before.items() if not k.startswith("out")}
    assert fingerprint(tmp_path, skip=("out",)) == outside


def test_an_empty_folder_is_used_as_if_new(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = study(tmp_path)
    (tmp_path / "out").mkdir()
    before = fingerprint(tmp_path, skip=("out",))
    assert netsurv(["run", str(cfg), "--quiet"], capsys)[0] == 0
    assert_manifest_true(tmp_path / "out")
    assert fingerprint(tmp_path, skip=("out",)) == before


def test_a_second_run_into_a_locked_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = study(tmp_path)
    before = fingerprint(tmp_path)
    with RunFolder(tmp_path / "out"):  # another run holds the folder
        code, err = netsurv(["run", str(cfg), "--quiet"], capsys)
        assert code == 2
        assert "another netsurv run is writing to it" in one_line(err)
        assert f"pid {os.getpid()}" in err  # who holds it
    assert fingerprint(tmp_path) == before  # the lock file is gone with its holder
    assert netsurv(["run", str(cfg), "--quiet"], capsys)[0] == 0


def test_an_error_inside_a_stage_leaves_the_previous_run_intact(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = study(tmp_path)
    assert netsurv(["run", str(cfg), "--quiet"], capsys)[0] == 0
    before = fingerprint(tmp_path)

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a stage failed half-way")

    # after every table is written into the temporary folder, before the figures
    monkeypatch.setattr("netsurv.pipeline.figures.draw", boom)
    with pytest.raises(RuntimeError, match="half-way"):
        netsurv(["run", str(cfg), "--quiet", "--overwrite"], capsys)
    assert fingerprint(tmp_path) == before  # old run intact; no temporary folder, no lock
    assert_manifest_true(tmp_path / "out")


def test_a_crash_between_the_two_renames_is_repaired_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where folders cannot be swapped in one step, the old run is moved aside first; a
    crash then leaves no folder (never a mix), and the next run puts the old one back."""
    target = tmp_path / "out"
    with RunFolder(target) as rf:
        rf.write("a.csv", b"old\n")
        rf.write("manifest.json", b'{"outputs": {"a.csv": "x"}}\n')
        rf.commit()
    old = fingerprint(target)
    monkeypatch.setattr(run_folder, "_exchange", lambda a, b: False)
    real_rename = os.rename

    def rename(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        if ".netsurv-tmp-" in str(src):
            raise KeyboardInterrupt  # killed after the old run was moved aside
        real_rename(src, dst)

    monkeypatch.setattr(run_folder.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt), RunFolder(target, overwrite=True) as rf:
        rf.write("b.csv", b"new\n")
        rf.write("manifest.json", b'{"outputs": {"b.csv": "y"}}\n')
        rf.commit()
    monkeypatch.setattr(run_folder.os, "rename", real_rename)
    assert not target.exists()  # no folder, not a mix
    with RunFolder(target, overwrite=True) as rf:
        assert rf.recovered == [
            f"restored the previous run at {target}",
        ]
    assert fingerprint(target) == old
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


_SLOW_RUN = """
import sys, time
import netsurv.pipeline.figures as figures
from netsurv.cli import main

def slow(*args, **kwargs):
    print("tables written", flush=True)
    time.sleep(600)

figures.draw = slow
sys.argv = ["netsurv", "run", *sys.argv[1:]]
main()
"""


@contextmanager
def _slow_run(cfg: Path, *extra: str) -> Iterator[subprocess.Popen[str]]:
    """``netsurv run`` in another process, held once its tables are written (in the
    temporary folder), and SIGKILLed when the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_RUN, str(cfg), "--quiet", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "tables written"
        yield proc
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)


def _start_and_kill(tmp_path: Path, cfg: Path, *extra: str) -> None:
    """Start ``netsurv run`` in a process, SIGKILL it once its tables are written."""
    with _slow_run(cfg, *extra):
        tmp = [p for p in tmp_path.iterdir() if ".netsurv-tmp-" in p.name]
        assert len(tmp) == 1 and (tmp[0] / "tables" / "endpoints.csv").is_file()
        assert (tmp_path / ".out.netsurv-lock").is_file()


@pytest.mark.slow
def test_a_killed_run_leaves_the_old_folder_or_none_and_the_next_run_cleans_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = study(tmp_path)
    before = fingerprint(tmp_path)
    _start_and_kill(tmp_path, cfg)
    assert not (tmp_path / "out").exists()  # no folder rather than half of one
    left = sorted(p.name.split("-")[0] for p in tmp_path.iterdir() if p.name.startswith("."))
    assert left == [".out.netsurv", ".out.netsurv"]  # its lock file and temporary folder

    code, err = netsurv(["run", str(cfg)], capsys)  # progress on: notes are shown
    assert code == 0
    assert "an earlier run into" in err and "was interrupted" in err, err
    assert "left by an interrupted run" in err
    assert_manifest_true(tmp_path / "out")
    assert fingerprint(tmp_path, skip=("out",)) == before  # the leftovers are removed

    previous = fingerprint(tmp_path / "out")
    _start_and_kill(tmp_path, cfg, "--overwrite")
    assert fingerprint(tmp_path / "out") == previous  # the previous run, whole
    assert_manifest_true(tmp_path / "out")


@pytest.mark.slow
def test_two_runs_at_once_into_one_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real second process: the second run sees the first one's lock."""
    cfg = study(tmp_path)
    with _slow_run(cfg) as first:
        code, err = netsurv(["run", str(cfg), "--quiet"], capsys)
        assert code == 2
        assert f"another netsurv run is writing to it (pid {first.pid}" in one_line(err)
    assert not (tmp_path / "out").exists()


def test_a_lock_file_that_is_a_link_is_refused(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch\n")
    (tmp_path / ".out.netsurv-lock").symlink_to(victim)
    before = fingerprint(tmp_path)
    with pytest.raises(OutputError, match="lock file"), RunFolder(tmp_path / "out"):
        pass
    assert fingerprint(tmp_path) == before


def test_a_run_folder_is_written_only_inside_its_with_block(tmp_path: Path) -> None:
    rf = RunFolder(tmp_path / "out")
    with pytest.raises(RuntimeError, match="outside its with-block"):
        rf.write("a.csv", b"1\n")
    assert list(tmp_path.iterdir()) == []


def test_a_file_written_in_parts_is_hashed_whole_and_removed_when_a_part_fails(
    tmp_path: Path,
) -> None:
    """A large table's CSV is streamed into its file slice by slice (issue 21): the manifest's
    hash is the whole file's, and a failure while making a part leaves no partial file."""
    import hashlib

    def failing() -> Iterator[bytes]:
        yield b"x\n1\n"
        raise RuntimeError("a worker failed")

    with RunFolder(tmp_path / "run") as rf:
        rf.write("tables/a.csv", iter([b"x\n", b"1\n", b"", b"2\n"]))
        assert rf.written["tables/a.csv"] == hashlib.sha256(b"x\n1\n2\n").hexdigest()
        with pytest.raises(RuntimeError, match="a worker failed"):
            rf.write("tables/b.csv", failing())
        assert sorted(p.name for p in (rf.path / "tables").iterdir()) == ["a.csv"]
        assert "tables/b.csv" not in rf.written
        (rf.path / "tables" / "c.csv").symlink_to(tmp_path / "elsewhere")
        with pytest.raises(OutputError):
            rf.write("tables/c.csv", iter([b"x\n"]))
        assert not (tmp_path / "elsewhere").exists()
