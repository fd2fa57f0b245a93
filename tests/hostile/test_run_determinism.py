"""Determinism to the byte (issue 15, item 6) and escaped config strings in the report
(item 3): two identical runs, one in this process and one in another (with another hash seed),
give identical files apart from the manifest's times, the report included; BLAS runs on a fixed
number of threads; a criterion's name and label reach report.html as text, never as HTML."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from run_checks import assert_manifest_true, fingerprint, netsurv

import netsurv.pipeline.stages as stages
from netsurv.pipeline import BLAS_THREADS

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_LABEL = "<script>alert('label')</script> & more"

CONFIG = f"""
[run]
name = "determinism"
seed = 7
output = "a"

[criteria]
presets = ["recist1.1"]
variants = [{{ base = "recist1.1", name = {json.dumps(HOSTILE_NAME)}, label = {json.dumps(HOSTILE_LABEL)}, progression_threshold = 0.1 }}]

[landmark]
enabled = false

[compare]
enabled = false

[figures]
include = ["km", "waterfall", "swimmer"]
formats = ["png", "pdf", "svg"]
"""


@pytest.mark.slow
def test_two_identical_runs_give_identical_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("papermill")
    from threadpoolctl import threadpool_info

    cfg = tmp_path / "study.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    seen: list[int] = []
    analyse = stages.analyse

    def counting(*args: object, **kwargs: object) -> stages.Analysed:
        seen.extend(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
        return analyse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stages, "analyse", counting)
    code, err = netsurv(["run", str(cfg), "--quiet"], capsys)
    assert code == 0, err
    assert seen and set(seen) == {BLAS_THREADS}
    monkeypatch.undo()

    env = os.environ | {"PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-m", "netsurv.cli", "run", str(cfg), "--quiet", "--out", "b"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert other.returncode == 0, other.stderr
    a, b = tmp_path / "a", tmp_path / "b"
    man_a, man_b = assert_manifest_true(a), assert_manifest_true(b)
    files_a, files_b = fingerprint(a), fingerprint(b)
    assert files_a.keys() == files_b.keys()
    assert {"report.html", "report.ipynb", "figures/km_OS.pdf", "figures/km_OS.svg"} <= set(files_a)
    different = [k for k in files_a if files_a[k] != files_b[k]]
    assert different == ["manifest.json"]
    times = ("started", "finished")
    assert {k: v for k, v in man_a.items() if k not in times} == {
        k: v for k, v in man_b.items() if k not in times
    }

    html = (a / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    nb = json.loads((a / "report.ipynb").read_text(encoding="utf-8"))
    assert [c["id"] for c in nb["cells"]] == [f"cell-{i}" for i in range(len(nb["cells"]))]
    assert "papermill" not in nb["metadata"]
    assert str(tmp_path) not in (a / "report.ipynb").read_text(encoding="utf-8")
