"""Execute the example notebooks (``notebooks/*.py``, jupytext pairs) on small parameters.

The test suite and the documentation share this: the suite executes every notebook once per
session (:func:`execute`) and checks it ran; the documentation renders those executed copies
(stored outputs, no second execution).  ``make docs`` outside the suite executes them here.
The small parameters keep both quick; each rendered notebook shows them in its injected
parameters cell, and a reader reruns it with the defaults for the full analysis.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

NOTEBOOKS = Path(__file__).resolve().parents[3] / "notebooks"

#: Small parameters per notebook (empty: its defaults).  The threshold sweep runs with its
#: defaults (200 bootstrap resamples, 1,000 permutations): the batched engine takes about as
#: long as with 10 and 50 (4.6 s of CPU either way, measured), so the site shows real numbers.
#: The report template (``05_report``) is executed by the pipeline tests inside ``netsurv run``
#: and is not an example.
SMALL: dict[str, dict[str, Any]] = {
    "01_explore_cohort": {"max_patients": 10},
    "02_compare_criteria": {"n_boot": 20},
    "03_threshold_sweep": {},
    "04_simulation_study": {"n_cohorts": 2, "n_patients": 120, "n_perm": 20},
    # the case studies run on their full, small real data with their defaults (seconds)
    "06_inspire_early_shrinkage": {},
    "07_tumour_size_response": {},
    "08_net_biomarkers": {"n_patients": 200},
}


def execute(name: str, out_dir: Path) -> Path:
    """Execute notebook ``name`` with its :data:`SMALL` parameters; return the executed copy.

    The notebook runs in a temporary working folder (whatever it writes stays there) and the
    executed ``.ipynb`` is written to ``out_dir / f"{name}.ipynb"``.
    """
    import jupytext
    import nbformat
    import papermill
    from traitlets.config import Config

    nb = jupytext.read(NOTEBOOKS / f"{name}.py")
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{name}.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        src, done = Path(tmp) / "source.ipynb", Path(tmp) / "executed.ipynb"
        nbformat.write(nb, src)
        papermill.execute_notebook(
            str(src),
            str(done),
            parameters=SMALL[name],
            kernel_name="python3",
            progress_bar=False,
            cwd=tmp,
            # the kernel talks over local IPC sockets in the temporary folder, not TCP; its own
            # log is quiet (jupyter_client interrupts a kernel before shutting it down, which
            # it logs as an error); a failing cell still raises here
            config=Config({"KernelManager": {"transport": "ipc", "ip": f"{tmp}/kernel"}}),
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
        shutil.copyfile(done, out)  # only a notebook that ran to the end is kept
    return out


def provide(dest: Path, executed: Path | None) -> None:
    """Put the executed notebooks in ``dest``: copied from ``executed`` when given, else
    executed here (only those not there yet: ``make docs`` starts from an empty folder)."""
    for name in SMALL:
        target = dest / f"{name}.ipynb"
        if executed is not None:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(executed / f"{name}.ipynb", target)
        elif not target.exists():
            execute(name, dest)
