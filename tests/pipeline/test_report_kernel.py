"""The report's kernel talks over local sockets on Unix, so reports built at the same moment
(two runs, or the suite on several processes) cannot take each other's TCP ports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netsurv.pipeline.report import _local_transport


@pytest.mark.skipif(os.name != "posix", reason="IPC sockets are a Unix transport")
def test_report_kernel_uses_ipc_sockets_in_the_given_folder(tmp_path: Path) -> None:
    config = _local_transport(str(tmp_path))["config"]
    assert config.KernelManager.transport == "ipc"
    assert config.KernelManager.ip == f"{tmp_path}/kernel"


def test_report_kernel_transport_is_tcp_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "name", "nt")
    assert _local_transport("unused") == {}
