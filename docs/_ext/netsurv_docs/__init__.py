"""Sphinx extension of the netsurv documentation: pages generated from the code.

At ``builder-inited`` (before Sphinx looks for source files) it writes ``generated/`` under the
documentation source folder: one page per criterion preset, the censoring-scheme and endpoint
tables, the data dictionary, the configuration and command-line references, and the executed
example notebooks.  Everything there is made from the installed package, so the documentation
cannot drift from the code; the folder is not kept in git.

The notebooks are executed with the small parameters the test suite uses
(:data:`netsurv_docs.notebooks.SMALL`).  When the environment variable
``NETSURV_DOCS_NOTEBOOKS`` names a folder of executed copies (the test suite's, which has just
run them), those are used instead of executing them again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from netsurv_docs import notebooks, pages

GENERATED = "generated"


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it (keeps incremental builds quick)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def generate(srcdir: Path) -> None:
    """Write every generated page under ``srcdir / "generated"``."""
    out = srcdir / GENERATED
    for name, text in pages.all_pages(notes_file=srcdir / "_ext" / "preset_notes.toml").items():
        write_if_changed(out / name, text)
    executed = os.environ.get("NETSURV_DOCS_NOTEBOOKS")
    notebooks.provide(out / "examples", Path(executed) if executed else None)


def _builder_inited(app: Any) -> None:
    generate(Path(app.srcdir))


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
