"""The documentation builds with warnings as errors, and its API reference is complete.

The site is built once per session (``sphinx-build -W``) from ``docs/`` into a temporary folder,
rendering the notebooks the ``executed_notebooks`` fixture ran; then the built inventory
(``objects.inv``) must hold every public name: each name of ``netsurv.__all__`` and of every
subpackage's ``__all__``, documented under that path or under another public path of the same
object (``netsurv.classify`` is ``netsurv.response.classify``).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import netsurv

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SUBPACKAGES = [
    "netsurv.config",
    "netsurv.criteria",
    "netsurv.datasets",
    "netsurv.endpoints",
    "netsurv.io",
    "netsurv.measures",
    "netsurv.pipeline",
    "netsurv.plots",
    "netsurv.response",
    "netsurv.simulate",
    "netsurv.survival",
    "netsurv.sweep",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, executed_notebooks: dict) -> Path:
    failed = {k: v for k, v in executed_notebooks.items() if not isinstance(v, Path)}
    assert not failed, f"notebooks failed, see tests/notebooks: {failed}"
    out = tmp_path_factory.mktemp("docs")
    folder = next(iter(executed_notebooks.values())).parent
    env = {**os.environ, "NETSURV_DOCS_NOTEBOOKS": str(folder), "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    cmd += ["-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert res.returncode == 0, f"docs build failed or warned:\n{res.stderr}\n{res.stdout}"
    return out / "html"


def inventory(site: Path) -> dict[str, set[str]]:
    """Object type -> documented full names, from the built ``objects.inv``."""
    from sphinx.util.inventory import InventoryFile

    with open(site / "objects.inv", "rb") as fh:
        inv: Any = InventoryFile.load(fh, "", lambda base, uri: base + uri)
    data = getattr(inv, "data", inv)
    return {kind: set(items) for kind, items in data.items()}


def resolve(path: str, kind: str) -> object:
    """The object a documented dotted path names: a module for ``py:module`` entries, else
    the attribute reached from the package (``netsurv.response.classify`` is the function,
    not the module of that name), importing a submodule only where no attribute leads."""
    if kind == "py:module":
        return importlib.import_module(path)
    parts = path.split(".")
    obj: object = importlib.import_module(parts[0])
    for i, attr in enumerate(parts[1:], start=1):
        if hasattr(obj, attr):
            obj = getattr(obj, attr)
        else:  # e.g. netsurv.sweep.sweep: the attribute netsurv.sweep is the function
            obj = getattr(importlib.import_module(".".join(parts[:i])), attr)
    return obj


def public_names() -> list[tuple[str, str, object]]:
    """(module, name, object) for every public name of netsurv and its subpackages."""
    out = []
    for modname in ["netsurv", *SUBPACKAGES]:
        mod: ModuleType = importlib.import_module(modname)
        for name in mod.__all__:
            if not name.startswith("_") or name == "__version__":
                out.append((modname, name, getattr(mod, name)))
    return out


@pytest.mark.slow
def test_docs_build_without_warnings(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "comparison_with_r.html").is_file()
    examples = sorted(p.stem for p in (site / "generated" / "examples").glob("*.html"))
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    assert examples == [n for n in notebooks if n != "05_report"]  # the report is no example


def missing_names(inv: dict[str, set[str]]) -> list[str]:
    """Public names documented neither under their own path nor as the same object elsewhere."""
    documented: set[int] = set()
    for kind, names in inv.items():
        if kind.startswith("py:"):
            for full in names:
                with contextlib.suppress(ImportError, AttributeError):
                    documented.add(id(resolve(full, kind)))
    every = set().union(*inv.values())
    return [
        f"{mod}.{name}"
        for mod, name, obj in public_names()
        if f"{mod}.{name}" not in every and id(obj) not in documented
    ]


@pytest.mark.slow
def test_every_public_name_is_in_the_api_reference(site: Path) -> None:
    missing = missing_names(inventory(site))
    assert not missing, f"public names missing from the API reference (docs/api/*.rst): {missing}"


def test_a_name_left_out_of_the_api_reference_is_reported() -> None:
    everything = {f"{mod}.{name}" for mod, name, _ in public_names()}
    inv = {"py:function": everything - {"netsurv.survival.cox", "netsurv.classify"}}
    # netsurv.classify is also netsurv.response.classify: documented as the same object
    assert missing_names(inv) == ["netsurv.survival.cox"]


@pytest.mark.slow
def test_one_page_per_criterion_preset(site: Path) -> None:
    sys.path.insert(0, str(DOCS / "_ext"))
    from netsurv_docs.pages import preset_slug

    for name in netsurv.criteria.PRESETS:
        page = site / "generated" / "presets" / f"{preset_slug(name)}.html"
        assert page.is_file(), name
        text = page.read_text(encoding="utf-8")
        assert "Known simplifications" in text and "Source" in text, name
