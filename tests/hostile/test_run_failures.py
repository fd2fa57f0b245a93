"""Every failure is a message, not a traceback (issue 15, item 4): config mistakes are caught
before anything is written; write failures (a read-only folder, a full disk) end with one
line naming the path and the operating-system error, exit 2, and leave nothing behind."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from run_checks import fingerprint, netsurv, one_line, study

import netsurv.pipeline.files as files


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("[endpoints]\nnames = []\n", "endpoints.names is empty"),
        ("[km]\nendpoints = []\n", "km.endpoints is empty"),
        ("[km]\nrisk_times_months = []\n", "km.risk_times_months must be increasing"),
        ("[km]\nrisk_times_months = [12, 6]\n", "km.risk_times_months must be increasing"),
        ("[landmark]\nenabled = true\nmonths = []\n", "landmark.months is empty"),
        ("[compare]\nenabled = true\nhorizons_months = []\n", "compare.horizons_months"),
        # needs the data: the demo's longest OS follow-up is about 118 months
        (
            "[landmark]\nenabled = true\nmonths = [6, 600]\n",
            "landmark.months: 600 month(s) is beyond the follow-up",
        ),
        (
            "[compare]\nenabled = true\nlandmark_months = 900\n",
            "compare.landmark_months: 900 month(s) is beyond the follow-up",
        ),
    ],
)
def test_config_mistakes_give_one_message_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, message: str
) -> None:
    cfg = study(tmp_path)
    cfg.write_text(
        cfg.read_text()
        .replace("[landmark]\nenabled = false\n", "")
        .replace("[compare]\nenabled = false\n", "")
        + extra
    )
    before = fingerprint(tmp_path)
    code, err = netsurv(["run", str(cfg), "--quiet"], capsys)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert err.startswith(str(cfg))
    assert fingerprint(tmp_path) == before


@pytest.mark.parametrize(
    "content",
    [
        '[run]\nname = "caf\xe9"\n'.encode("latin-1"),
        '[run]\nname = "x"\n'.encode("utf-16"),
    ],
)
def test_a_config_that_is_not_utf8(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    cfg = tmp_path / "study.toml"
    cfg.write_bytes(content)
    before = fingerprint(tmp_path)
    code, err = netsurv(["run", str(cfg), "--quiet"], capsys)
    assert code == 2
    assert "not UTF-8 text" in one_line(err) and str(cfg) in err
    assert fingerprint(tmp_path) == before


def test_a_config_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    from netsurv.config import load_config

    cfg = tmp_path / "study.toml"
    cfg.write_bytes('[run]\nname = "bom"\n'.encode("utf-8-sig"))
    assert load_config(cfg).run.name == "bom"


def test_a_read_only_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder that would hold the run is read-only (as for a user without write access;
    simulated, since the tests may run as root)."""
    cfg = study(tmp_path)
    real_open = os.open

    def read_only(path: str | os.PathLike[str], flags: int, *args: object, **kw: object) -> int:
        if flags & (os.O_CREAT | os.O_WRONLY | os.O_RDWR):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

    before = fingerprint(tmp_path)
    monkeypatch.setattr(os, "open", read_only)
    code, err = netsurv(["run", str(cfg), "--quiet"], capsys)
    monkeypatch.undo()
    assert code == 2
    line = one_line(err)
    assert line.startswith("cannot create the lock file ")
    assert str(tmp_path / ".out.netsurv-lock") in line
    assert line.endswith("[Errno 30] Read-only file system")
    assert fingerprint(tmp_path) == before


def test_a_full_disk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = study(tmp_path)

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    before = fingerprint(tmp_path)
    monkeypatch.setattr(files.os, "write", full)
    code, err = netsurv(["run", str(cfg), "--quiet"], capsys)
    monkeypatch.undo()
    assert code == 2
    assert one_line(err) == (
        f"cannot write {tmp_path / 'out' / 'config.json'}: [Errno 28] No space left on device"
    )
    assert fingerprint(tmp_path) == before  # no half-written file, no temporary folder, no lock
