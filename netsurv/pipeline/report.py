"""``report.html``: the report notebook executed with the run's parameters, then converted.

The template is ``notebooks/05_report.py`` (a jupytext ``py:percent`` file); a wheel carries a
copy inside the package.  It is turned into a notebook with jupytext, executed with papermill
(parameters: the output folder and the run's provenance, since the manifest is written after
the report) and converted to HTML with nbconvert, images embedded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netsurv.config import Config
from netsurv.errors import ConfigError

TEMPLATE_NAME = "05_report.py"


def template_path(cfg: Config) -> Path:
    """The report template: ``report.notebook`` if set, else the packaged or repository copy."""
    if cfg.report.notebook is not None:
        p = cfg.resolve(cfg.report.notebook)
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
    folder: Path, template: Path, *, notes: list[str], provenance: dict[str, Any] | None = None
) -> Path | None:
    """Execute the report notebook ``template`` (:func:`template_path`) on ``folder`` and write
    ``report.html`` (and the executed ``report.ipynb``).

    ``provenance`` (:func:`netsurv.pipeline.outputs.provenance`: versions, git commit, seed,
    input hashes) is passed to the notebook, which is executed before the manifest exists.

    Returns None (with a note) when the notebook tools are not installed
    (``pip install netsurv[notebooks]``).
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
    source = folder / "report_template.ipynb"
    executed = folder / "report.ipynb"
    nbformat.write(nb, source)
    try:
        papermill.execute_notebook(
            str(source),
            str(executed),
            parameters={"output_dir": str(folder.resolve()), "provenance": provenance},
            kernel_name="python3",
            progress_bar=False,
            cwd=str(folder),
            # the kernel's start-up chatter (a TCP transport warning) is not for the user
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    finally:
        source.unlink(missing_ok=True)
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    html = folder / "report.html"
    html.write_text(body, encoding="utf-8")
    return html
