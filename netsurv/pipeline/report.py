"""``report.html``: the report notebook executed with the run's parameters, then converted.

The template is ``notebooks/05_report.py`` (a jupytext ``py:percent`` file); a wheel carries a
copy inside the package.  It is turned into a notebook with jupytext, executed with papermill
in the run's folder while it is being built (parameters: the folder, as ``"."``, and the
run's provenance, since the manifest is written after the report) and converted to HTML with
nbconvert, images embedded.  The executed notebook keeps no times and numbers its cells
(``cell-0``, ``cell-1``, ...), so the same run gives the same ``report.ipynb`` and
``report.html``.

On Unix the kernel talks to papermill over local sockets in a temporary folder, not over TCP:
jupyter_client picks free TCP ports, releases them and lets the kernel bind them, so two
reports started at the same moment (two runs, or the test suite on several processes) could
take the same ports and fail ("Address already in use", or a kernel that never answers).

A custom ``report.notebook`` runs its own code on the user's machine: it is used only when
``--allow-notebook`` (or ``report.allow_notebook = true``) says so.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from netsurv.config import Config
from netsurv.errors import ConfigError, NetsurvError
from netsurv.pipeline.outputs import OutputWriter

TEMPLATE_NAME = "05_report.py"


def template_path(cfg: Config, *, allow_notebook: bool = False) -> Path:
    """The report template: ``report.notebook`` if set (and allowed by ``allow_notebook`` or
    ``report.allow_notebook``), else the packaged or repository copy."""
    if cfg.report.notebook is not None:
        p = cfg.resolve(cfg.report.notebook)
        if not (allow_notebook or cfg.report.allow_notebook):
            raise ConfigError(
                f"report.notebook: {cfg.report.notebook} is a notebook of your own, and a "
                "notebook runs its code on this machine; pass --allow-notebook (or set "
                "report.allow_notebook = true) to run it"
            )
        if not p.is_file():
            raise ConfigError(f"report.notebook: {p} does not exist")
        return p
    here = Path(__file__).resolve().parent.parent
    for candidate in (
        here / "notebooks" / TEMPLATE_NAME,
        here.parent / "notebooks" / TEMPLATE_NAME,
    ):
        if candidate.is_file():
            return candidate
    raise ConfigError(f"the report template {TEMPLATE_NAME} is not installed; set report.notebook")


def build_report(
    writer: OutputWriter,
    template: Path,
    *,
    notes: list[str],
    provenance: dict[str, Any] | None = None,
) -> Path | None:
    """Execute the report notebook ``template`` (:func:`template_path`) in the run's folder
    and write ``report.ipynb`` and ``report.html`` there with ``writer``.

    ``provenance`` (:func:`netsurv.pipeline.provenance.provenance`: versions, git commit,
    seed, input hashes) is passed to the notebook, which is executed before the manifest
    exists.

    Returns the final path of ``report.html``, or None (with a note) when the notebook tools
    are not installed (``pip install netsurv[notebooks]``).

    Raises
    ------
    netsurv.NetsurvError
        When a cell of the notebook fails (naming the cell and the error).
    """
    try:
        import jupytext
        import nbformat
        import papermill
        from nbconvert import HTMLExporter
    except ImportError as exc:
        notes.append(
            f"report skipped: {exc.name} is not installed (pip install 'netsurv[notebooks]')"
        )
        return None
    nb = jupytext.read(template)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    try:
        with tempfile.TemporaryDirectory(prefix="netsurv-kernel-") as sockets:
            executed = papermill.execute_notebook(
                nb,
                None,
                parameters={"output_dir": ".", "provenance": provenance},
                kernel_name="python3",
                progress_bar=False,
                cwd=str(writer.folder.path),
                **_local_transport(sockets),
                # the kernel's own log (start-up chatter; jupyter_client interrupts a kernel
                # before shutting it down, which it logs as an error) is not for the user; a
                # failing cell still raises here
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
    except papermill.PapermillExecutionError as exc:
        raise NetsurvError(
            f"the report notebook {template.name} failed in cell {exc.cell_index}: "
            f"{exc.ename}: {exc.evalue}"
        ) from None
    _without_times(executed)
    writer.file("report.ipynb", nbformat.writes(executed).encode("utf-8"))
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    body, _ = exporter.from_notebook_node(executed)
    return writer.file("report.html", body.encode("utf-8"))


def _local_transport(folder: str) -> dict[str, Any]:
    """papermill's ``config`` for a kernel on local (IPC) sockets in ``folder``, on Unix; on
    other platforms nothing (TCP, the default)."""
    if os.name != "posix":
        return {}
    from traitlets.config import Config

    return {"config": Config({"KernelManager": {"transport": "ipc", "ip": f"{folder}/kernel"}})}


def _without_times(nb: Any) -> None:
    """Drop what changes from one execution to the next (times, paths, random cell ids)."""
    nb.metadata.pop("papermill", None)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
