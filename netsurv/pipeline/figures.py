"""The figures of a run, drawn with :mod:`netsurv.plots` and saved by the writer.

Figures are made as :class:`matplotlib.figure.Figure` objects, not through pyplot, so a run
never changes the interactive backend or leaves figures open in a notebook.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib.style
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from netsurv.config import Config
from netsurv.pipeline.outputs import OutputWriter
from netsurv.pipeline.stages import Analysed
from netsurv.plots import spider, swimmer, waterfall


@contextmanager
def style(cfg: Config) -> Iterator[None]:
    """The configured matplotlib style, for the figures of this run only."""
    if cfg.figures.style == "paper":
        from netsurv.styles import paper_style

        with matplotlib.style.context(paper_style()):
            yield
    else:
        yield


def draw(
    writer: OutputWriter,
    res: Analysed,
    cfg: Config,
    *,
    km_fits: dict[Any, Any],
    notes: list[str],
) -> None:
    """Draw and save every figure in ``figures.include``."""
    include = set(cfg.figures.include)
    ref = res.reference
    with style(cfg):
        if "waterfall" in include:
            for crit in res.criteria:
                fig, ax = _figure(figsize=(8, 4))
                waterfall(res.timepoints, criterion=crit.name, ax=ax)
                writer.figure(f"waterfall_{_safe(crit.name)}", fig)
        if "spider" in include:
            fig, ax = _figure(figsize=(7, 4.5))
            spider(res.timepoints, criterion=ref, ax=ax)
            writer.figure(f"spider_{_safe(ref)}", fig)
        if "swimmer" in include:
            n = min(cfg.figures.max_patients, res.lines["patient_id"].nunique())
            fig, ax = _figure(figsize=(8, max(3.0, 0.22 * n + 1)))
            swimmer(
                res.cohort,
                res.timepoints.table,
                criterion=ref,
                patients=list(dict.fromkeys(res.lines["patient_id"]))[: cfg.figures.max_patients],
                max_patients=cfg.figures.max_patients,
                ax=ax,
            )
            writer.figure(f"swimmer_{_safe(ref)}", fig)


def _safe(name: str) -> str:
    """A file-name-safe version of a criterion name."""
    keep = [ch if ch.isalnum() or ch in "._-" else "_" for ch in name]
    return "".join(keep).strip("_")


def _figure(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    fig = Figure(figsize=figsize)
    return fig, fig.subplots()
