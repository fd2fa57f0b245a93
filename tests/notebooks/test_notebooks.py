"""Every notebook runs top to bottom on small parameters, and its .ipynb copy matches its .py.

The small parameters and the executor are shared with the documentation
(``docs/_ext/netsurv_docs/notebooks.py``): the notebooks are executed once per session (the
``executed_notebooks`` fixture) and the documentation build renders those executed copies."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext")
papermill = pytest.importorskip("papermill")
nbformat = pytest.importorskip("nbformat")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
from netsurv_docs.notebooks import SMALL  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
PY_FILES = sorted(p for p in NOTEBOOKS.glob("*.py"))


def test_every_notebook_has_small_parameters() -> None:
    assert {p.stem for p in PY_FILES} - {"05_report"} == set(SMALL)


@pytest.mark.parametrize("path", PY_FILES, ids=lambda p: p.stem)
def test_pair_is_in_sync(path: Path) -> None:
    ipynb = path.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} missing: run jupytext --sync {path}"
    py_cells = [(c.cell_type, c.source) for c in jupytext.read(path).cells]
    nb_cells = [(c.cell_type, c.source) for c in jupytext.read(ipynb).cells]
    assert py_cells == nb_cells, f"{path.name} and {ipynb.name} differ: run jupytext --sync {path}"
    nb = nbformat.read(ipynb, as_version=4)
    assert not [c for c in nb.cells if c.get("outputs")], f"{ipynb.name}: strip outputs"
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMALL))
def test_notebook_runs(name: str, executed_notebooks: dict[str, Path | str]) -> None:
    result = executed_notebooks[name]
    assert isinstance(result, Path), f"{name} failed on {SMALL[name]}: {result}"
    nb = nbformat.read(result, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert bool(injected) == bool(SMALL[name]), f"{name}: parameters {SMALL[name]} not injected"
