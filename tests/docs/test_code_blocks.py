"""Every code block of README.md and of the documentation's pages runs.

Each page runs in a fresh temporary folder holding ``data/`` (the demo cohort's tables, so
``ns.read_cohort("data/")`` works) and ``analyses/`` (the shipped configs, so ``netsurv run
analyses/demo.toml`` works); its Python blocks share one namespace, top to bottom.  How each
language runs and how a block is marked as not runnable: :mod:`codeblocks`.

``netsurv run`` commands get the small ``--set`` values of the shipped-analyses test (a few
bootstrap and permutation replicates, a small simulated cohort, low-resolution PNG figures) and
no report (that test builds one): the command, its config and its options are exercised as
written, on small replicate counts.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from codeblocks import NOT_CODE, PYTHON, SHELL, SKIP, TOML, Block, blocks, commands
from typer.testing import CliRunner

from netsurv.cli import app
from netsurv.config import load_config
from netsurv.datasets import demo_folder

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "pipeline"))
from test_analyses import small_settings  # noqa: E402

#: Pages whose code blocks are run: the README and the hand-written documentation pages (the
#: generated pages hold tables and command usage only).
PAGES = [
    ROOT / "README.md",
    *sorted(
        p
        for p in (ROOT / "docs").rglob("*.md")
        if not {"_build", "generated", "_ext"} & set(p.relative_to(ROOT / "docs").parts)
    ),
]
#: The blocks that may be marked as not runnable, at most (keep it tiny).
MAX_SKIPPED = 3


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def workdir(tmp: Path) -> None:
    """The folder a page runs in: ``data/`` (demo tables) and ``analyses/`` (shipped configs)."""
    shutil.copytree(demo_folder(), tmp / "data")
    shutil.copytree(ROOT / "analyses", tmp / "analyses")


def run_python(block: Block, namespace: dict[str, Any]) -> None:
    # pad so that a traceback's line numbers are those of the page
    code = "\n" * block.line + block.code
    exec(compile(code, str(block.path), "exec"), namespace)


def run_shell(block: Block, tmp: Path) -> None:
    for args in commands(block.code):
        assert args[0] == "netsurv", (
            f"{block.where}: {' '.join(args)!r} is not a netsurv command; run it some other way "
            "or mark the block '<!-- docs-test: skip (reason) -->'"
        )
        args = args[1:]
        if args[:1] == ["run"]:
            config = tmp / args[1]
            sets = [*small_settings(config), "report.enabled=false"]
            args += [x for s in sets for x in ("--set", s)]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, f"{block.where}: netsurv {' '.join(args)}\n{res.output}"


def run_toml(block: Block, tmp: Path) -> None:
    path = tmp / f"block_{block.line}.toml"
    path.write_text(block.code, encoding="utf-8")
    load_config(path)


def runnable(page: Path) -> list[Block]:
    return [b for b in blocks(page) if b.skip_reason is None and b.language not in NOT_CODE]


@pytest.mark.slow
@pytest.mark.parametrize("page", [p for p in PAGES if runnable(p)], ids=page_id)
def test_code_blocks_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workdir(tmp_path)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    try:
        for block in runnable(page):
            if block.language in PYTHON:
                run_python(block, namespace)
            elif block.language in SHELL:
                run_shell(block, tmp_path)
            elif block.language in TOML:
                run_toml(block, tmp_path)
            else:
                pytest.fail(
                    f"{block.where}: no runner for a {block.language!r} block: use python, "
                    "bash, toml or text, or mark it '<!-- docs-test: skip (reason) -->'"
                )
    finally:
        plt.close("all")


def test_pages_are_found() -> None:
    names = {page_id(p) for p in PAGES}
    assert {"README.md", "docs/index.md", "docs/getting_started.md"} <= names


def test_few_blocks_are_skipped_and_each_says_why() -> None:
    skipped = [b for p in PAGES for b in blocks(p) if b.skip_reason is not None]
    assert len(skipped) <= MAX_SKIPPED, [b.where for b in skipped]
    assert all(b.skip_reason for b in skipped)
    # a marker must sit right above a fence, or it would silently skip nothing
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.lstrip().startswith("<!--") and "docs-test" in line:
                assert SKIP.match(line), f"{page_id(page)}:{i + 1}: malformed marker {line!r}"
                nxt = lines[i + 1] if i + 1 < len(lines) else ""
                assert nxt.lstrip().startswith(("```", "~~~")), (
                    f"{page_id(page)}:{i + 1}: the skip marker is not right above a code fence"
                )


def test_extraction_on_a_hand_written_page(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# T\n\n```python\nx = 1\n```\n\n<!-- docs-test: skip (needs a network) -->\n"
        "```bash\npip install netsurv\n```\n\n````md\n```python\nnot code\n```\n````\n\n"
        "```{toctree}\nother\n```\n\n```{code-block} python\n:caption: c\ny = 2\n```\n\n"
        "```bash\nnetsurv run analyses/demo.toml \\\n  --out x  # a comment\n```\n",
        encoding="utf-8",
    )
    got = [(b.line, b.language, b.code, b.skip_reason) for b in blocks(page)]
    assert got == [
        (3, "python", "x = 1\n", None),
        (8, "bash", "pip install netsurv\n", "needs a network"),
        (12, "md", "```python\nnot code\n```\n", None),
        (22, "python", "y = 2\n", None),
        (27, "bash", "netsurv run analyses/demo.toml \\\n  --out x  # a comment\n", None),
    ]
    assert commands(got[-1][2]) == [["netsurv", "run", "analyses/demo.toml", "--out", "x"]]
