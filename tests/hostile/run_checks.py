"""Helpers of the hostile run-folder tests: a quick study config, a fingerprint of everything
outside a run folder, and the check that a run folder's manifest tells the truth."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

from netsurv.cli import main

#: A run that takes a few seconds: demo data, no report, one PNG figure, no landmark or comparison.
QUICK = (
    '[run]\nname = "study"\noutput = "out"\n'
    "[report]\nenabled = false\n"
    '[figures]\ninclude = ["waterfall"]\nformats = ["png"]\nstyle = "none"\n'
    "[landmark]\nenabled = false\n[compare]\nenabled = false\n"
)


def study(folder: Path, extra: str = "", *, name: str = "study.toml") -> Path:
    """A quick study config in ``folder`` (output ``folder/out``), with ``extra`` TOML."""
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(QUICK + extra, encoding="utf-8")
    return p


def netsurv(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the command line as ``netsurv ARGS`` would (through ``main``, which turns netsurv
    errors into exit 2): exit code and standard error."""
    old = sys.argv
    sys.argv = ["netsurv", *args]
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = old
    return code, capsys.readouterr().err


def fingerprint(folder: Path, *, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every entry under ``folder`` (but the names in ``skip`` at its top), with the SHA-256
    of each file, the target of each link: what must not change outside a run folder."""
    out: dict[str, str] = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if rel.parts[0] in skip:
            continue
        if p.is_symlink():
            out[rel.as_posix()] = "-> " + str(p.readlink())
        elif p.is_file():
            out[rel.as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[rel.as_posix()] = "dir"
    return out


def assert_manifest_true(folder: Path) -> dict[str, object]:
    """The folder holds exactly the files its manifest lists (and the manifest), each with
    the hash the manifest gives."""
    man = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    files = {k: v for k, v in fingerprint(folder).items() if v != "dir"}
    assert set(files) == {*man["outputs"], "manifest.json"}
    for rel, digest in man["outputs"].items():
        assert files[rel] == digest, rel
    return man


def one_line(err: str) -> str:
    """The message, checked to be one line without a traceback."""
    text = err.strip()
    assert "Traceback" not in text, text
    assert len(text.splitlines()) == 1, text
    return text
