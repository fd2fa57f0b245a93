"""The fenced code blocks of a Markdown page (README.md, docs/**/*.md), as the tests run them.

A block is run by its language:

* ``python``: executed; the blocks of one page share one namespace, top to bottom;
* ``bash`` / ``sh`` / ``shell`` / ``console``: every command is a ``netsurv`` command, run
  through the CLI (typer's test runner); continuation lines (``\\``) and ``#`` comments are
  understood;
* ``toml``: an analysis config, read and validated with :func:`netsurv.config.load_config`;
* ``text`` (output, file layouts), ``md`` (Markdown source shown as such) and MyST directives other than code (``{toctree}``,
  ``{include}``...): not code, not run.

A block that cannot run (a ``pip install``, ``make test`` itself) carries the marker
:data:`SKIP` -- ``<!-- docs-test: skip (the reason) -->`` -- on the line just above its fence;
the marker is an HTML comment, invisible on GitHub and in the built site.  Any other language is
an error, so that no block escapes the tests by its label.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

PYTHON = {"python", "py", "python3"}
SHELL = {"bash", "sh", "shell", "console"}
TOML = {"toml"}
NOT_CODE = {"text", "none", "", "md", "markdown"}
#: MyST directives whose body is code in the named language.
CODE_DIRECTIVES = {"{code-block}", "{code}", "{code-cell}", "{sourcecode}"}
SKIP = re.compile(r"^\s*<!--\s*docs-test:\s*skip\s*\((?P<reason>[^)]+)\)\s*-->\s*$")
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced block: where it is, its language, its text and whether it is skipped."""

    path: Path
    line: int  # 1-based line of the opening fence
    language: str
    code: str
    skip_reason: str | None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """Every fenced code block of a Markdown file, in order (nested fences are not code)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info")
        start, body = i, []
        i += 1
        while i < len(lines) and not re.match(
            rf"^ {{0,3}}{fence[0]}{{{len(fence)},}}\s*$", lines[i]
        ):
            body.append(lines[i])
            i += 1
        i += 1
        words = info.split()
        language = words[0].lower() if words else ""
        if language in CODE_DIRECTIVES:
            language = words[1].lower() if len(words) > 1 else ""
            body = [b for b in body if not b.startswith(":")]  # directive options
        elif language.startswith("{"):
            continue  # a MyST directive that is not code
        skip = SKIP.match(lines[start - 1]) if start > 0 else None
        out.append(
            Block(
                path=path,
                line=start + 1,
                language=language,
                code="\n".join(body) + "\n",
                skip_reason=skip.group("reason").strip() if skip else None,
            )
        )
    return out


def commands(code: str) -> list[list[str]]:
    """The commands of a shell block as argument lists (continuations joined, comments off)."""
    joined = re.sub(r"\\\n", " ", code)
    out = []
    for raw in joined.splitlines():
        args = shlex.split(raw, comments=True)
        if args:
            out.append(args)
    return out
