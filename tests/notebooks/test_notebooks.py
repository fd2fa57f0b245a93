"""Every notebook runs top to bottom on small parameters, and its .ipynb copy matches its .py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

jupytext = pytest.importorskip("jupytext")
papermill = pytest.importorskip("papermill")
nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
#: Small parameters per notebook (the report template is executed by the pipeline tests).
SMALL: dict[str, dict[str, Any]] = {
    "01_explore_cohort": {"max_patients": 10},
    "02_compare_criteria": {"n_boot": 20},
    "03_threshold_sweep": {"n_boot": 10, "n_perm": 50},
    "04_simulation_study": {"n_cohorts": 2, "n_patients": 120, "n_perm": 20},
}
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
def test_notebook_runs(name: str, tmp_path: Path) -> None:
    path = NOTEBOOKS / f"{name}.py"
    if not path.exists():
        pytest.fail(f"{path} is missing")
    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, src)
    papermill.execute_notebook(
        str(src),
        str(tmp_path / f"{name}.out.ipynb"),
        parameters=SMALL[name],
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
