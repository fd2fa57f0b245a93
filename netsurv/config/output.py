"""Config sections of what a run writes and where: ``[run]``, ``[figures]`` and ``[report]``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from netsurv.config._base import _as_list, _Section

FigureName = Literal["km", "cif", "forest", "heatmap", "waterfall", "spider", "swimmer"]
ALL_FIGURES: tuple[FigureName, ...] = (
    "km",
    "cif",
    "forest",
    "heatmap",
    "waterfall",
    "spider",
    "swimmer",
)


class RunConfig(_Section):
    """Name, seed, output folder and parallel backend of a run.

    ``n_jobs`` processes run the sweep's and the comparison's replicates when ``backend =
    "processes"``; otherwise they compute the analysis stages side by side (Kaplan–Meier, Cox,
    competing risks, agreement, landmark, lesions, comparison, PFS–OS correlation, sweep).  They
    always render the run's tables and figures.  The processes are forked from the run, where
    the platform forks; the tables, notes and errors are the same with any number.
    """

    name: str = Field("analysis", min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    seed: int = Field(1, ge=0)
    output: Path | None = None
    backend: Literal["none", "processes"] = "none"
    n_jobs: int = Field(2, ge=1)


class FiguresConfig(_Section):
    """Which figures, in which formats and style."""

    include: list[FigureName] = list(ALL_FIGURES)
    formats: list[Literal["png", "pdf", "svg"]] = ["png", "pdf"]
    style: Literal["paper", "none"] = "paper"
    dpi: int = Field(150, ge=50, le=1200)
    max_patients: int = Field(40, ge=1)

    _lists = field_validator("include", "formats", mode="before")(_as_list)


class ReportConfig(_Section):
    """The HTML report built by executing the report notebook with the run's parameters.

    ``notebook`` replaces the packaged template by a notebook of your own (a jupytext
    ``.py`` file, relative to the config file); since it runs its own code, it is used only
    with ``allow_notebook = true`` or ``netsurv run --allow-notebook``.
    """

    enabled: bool = True
    notebook: Path | None = None
    allow_notebook: bool = False
    #: False: swimmer, spider and waterfall figures and patient-level tables are left out of
    #: report.html (their files are still written; leave them out with ``figures.include``).
    patient_level: bool = True
