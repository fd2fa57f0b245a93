"""The figures of a run, drawn with :mod:`netsurv.plots` and saved by the writer.

Figures are made as :class:`matplotlib.figure.Figure` objects, not through pyplot, so a run
never changes the interactive backend or leaves figures open in a notebook.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import matplotlib.style
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from netsurv.cohort import Cohort
from netsurv.config import Config
from netsurv.pipeline.analyses import LandmarkTables
from netsurv.pipeline.competing import CompetingTables
from netsurv.pipeline.outputs import OutputWriter
from netsurv.pipeline.privacy import Privacy
from netsurv.pipeline.stages import Analysed
from netsurv.plots import (
    cif_plot,
    forest_plot,
    km_plot,
    log_hr_plot,
    spider,
    sweep_heatmap,
    sweep_lines,
    swimmer,
    waterfall,
)
from netsurv.survival.compare import CriteriaComparison
from netsurv.sweep.result import SweepResult


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
    landmarks: LandmarkTables | None,
    comparison: CriteriaComparison | None,
    swept: SweepResult | None,
    notes: list[str],
    competing: CompetingTables | None = None,
    rendered: Sequence[Rendered] | None = None,
) -> None:
    """Draw and save every figure in ``figures.include`` (``"forest"`` includes the continuous
    marker's log hazard-ratio curve when ``compare.continuous`` is on; ``"cif"`` is drawn when
    ``[competing]`` is on).

    Which figures there are (and the notes on those left out) is decided here; they are drawn
    and rendered by the writer's processes (``run.n_jobs``, :meth:`OutputWriter.save_figures`),
    each in the configured style, and written in this order.  ``rendered``: the files of
    :func:`response_drawings` (the last figures), already rendered elsewhere with the warnings
    each raised (or the error its drawing raised, in place of its files): written, and the
    warnings and error raised again, at their turn."""
    include = set(cfg.figures.include)
    todo: list[tuple[str, Drawing]] = []
    if "km" in include:
        todo += _km(cfg, km_fits, landmarks, notes)
    if "cif" in include and competing is not None:
        for name, fit in competing.curves.items():
            todo.append((f"cif_{_safe(name)}", partial(_cif, fit, _cif_title(cfg, name))))
    if "forest" in include:
        if comparison is None:
            notes.append("forest plot skipped: no criteria comparison (switched off or skipped)")
        else:
            todo += _comparison(cfg, comparison)
    if "heatmap" in include:
        todo += _sweep(cfg, swept, notes)
    missing = [c.name for c in res.criteria if c.name not in res.classified]
    if missing and include & {"waterfall", "spider", "swimmer"}:
        notes.append(f"response figures skipped for {missing}: no line classified")
    if rendered is None:
        todo += response_drawings(res, cfg, writer.privacy)
    with style(cfg):
        writer.save_figures(todo)
    for name, (files, caught) in zip(response_names(res, cfg), rendered or [], strict=False):
        for c in caught:
            warnings.warn_explicit(c.message, c.category, c.filename, c.lineno)
        if isinstance(files, BaseException):
            raise files
        writer.figure_files(name, files)


def response_drawings(res: Analysed, cfg: Config, privacy: Privacy | None) -> list[Drawn]:
    """The figures that need only the analysed cohort (waterfall, spider, swimmer), drawn last
    in a run: :func:`netsurv.pipeline.stage_runner.run_stages` may render them with the
    analysis stages.

    Examples
    --------
    >>> from netsurv.pipeline import stages
    >>> cfg = Config.model_validate({"data": {"source": "demo"}, "figures": {"include": ["spider"]}})
    >>> res = stages.analyse(cfg, stages.load_cohort(cfg))
    >>> [name for name, _ in response_drawings(res, cfg, None)]
    ['spider_recist1.1']
    """
    include, ref = set(cfg.figures.include), res.reference
    todo: list[Drawn] = []
    if "waterfall" in include:
        for name in res.classified:
            todo.append((f"waterfall_{_safe(name)}", partial(_waterfall, res, name)))
    if ref in res.classified:
        if "spider" in include:
            todo.append((f"spider_{_safe(ref)}", partial(_spider, res, ref)))
        if "swimmer" in include:
            todo.append((f"swimmer_{_safe(ref)}", partial(_swimmer, privacy, res, cfg)))
    return todo


def response_names(res: Analysed, cfg: Config) -> list[str]:
    """The names of :func:`response_drawings`, in order."""
    return [name for name, _ in response_drawings(res, cfg, None)]


#: Draws one figure of the run.
Drawing = Callable[[], Figure]

#: A figure's name and its drawing.
Drawn = tuple[str, Drawing]

#: A figure rendered elsewhere: its files (or the error of its drawing) and its warnings.
Rendered = tuple[dict[str, bytes] | BaseException, list[warnings.WarningMessage]]


def _cif(fit: Any, title: str) -> Figure:
    fig = Figure(figsize=(7.5, 5.5))
    cif_plot(fit, ax=fig.add_subplot(), title=title)
    return fig


def _waterfall(res: Analysed, name: str) -> Figure:
    fig, ax = _figure(figsize=(8, 4))
    waterfall(res.timepoints, criterion=name, best=res.best, ax=ax)  # the run's BOR
    return fig


def _spider(res: Analysed, ref: str) -> Figure:
    fig, ax = _figure(figsize=(7, 4.5))
    spider(res.timepoints, criterion=ref, best=res.best, ax=ax)
    return fig


def _swimmer(privacy: Privacy | None, res: Analysed, cfg: Config) -> Figure:
    n = min(cfg.figures.max_patients, res.lines["patient_id"].nunique())
    fig, ax = _figure(figsize=(8, max(3.0, 0.22 * n + 1)))
    cohort, tp, patients = _patient_frames(privacy, res)
    swimmer(
        cohort,
        tp,
        criterion=res.reference,
        patients=patients[: cfg.figures.max_patients],
        max_patients=cfg.figures.max_patients,
        ax=ax,
    )
    return fig


def _patient_frames(
    privacy: Privacy | None, res: Analysed
) -> tuple[Cohort, pd.DataFrame, list[str]]:
    """The cohort, time points and patients a swimmer plot is drawn from: with privacy, the
    transformed tables (lanes labelled and ordered by pseudonym, on shifted dates)."""
    patients = list(dict.fromkeys(res.lines["patient_id"]))
    if privacy is None:
        return res.cohort, res.timepoints.table, patients
    if privacy.pseudonymise:
        patients = sorted(p for p in privacy.pseudonyms("patient", patients) if p is not None)
    return privacy.cohort(res.cohort), privacy.table("timepoints", res.timepoints.table), patients


def _comparison(cfg: Config, comparison: CriteriaComparison) -> list[tuple[str, Drawing]]:
    """Forest plot of the criteria's hazard ratios and, with a continuous marker, its log
    hazard-ratio curve with the cut-offs marked (the spline has no single hazard ratio)."""
    marker = comparison.continuous
    rows = comparison.table
    if marker is not None:
        rows = rows[rows["criterion"] != marker.label]
    outcome = cfg.compare.outcome
    if cfg.compare.outcome_criterion is not None:
        outcome = f"{outcome} under {cfg.compare.outcome_criterion}"

    def forest() -> Figure:
        fig, ax = _figure((7, 0.5 * len(rows) + 1.8))
        forest_plot(rows, ax=ax, title=f"{outcome}: {cfg.compare.status} status by criterion")
        return fig

    todo: list[tuple[str, Drawing]] = [(f"forest_{cfg.compare.outcome}", forest)]
    if marker is not None:

        def log_hr() -> Figure:
            fig, ax = _figure((7, 4.8))
            log_hr_plot(marker, ax=ax, title=f"{outcome}: {marker.label}")
            return fig

        todo.append((f"log_hr_{_safe(marker.criterion)}", log_hr))
    return todo


def _km(
    cfg: Config,
    km_fits: dict[Any, Any],
    landmarks: LandmarkTables | None,
    notes: list[str],
) -> list[tuple[str, Drawing]]:
    """KM of each endpoint (one curve per criterion when it depends on one) and, per
    criterion, the outcome by status at each landmark."""
    todo: list[tuple[str, Drawing]] = []
    for (endpoint, _), fit in km_fits.items():
        todo.append((f"km_{endpoint}", partial(_km_endpoint, cfg, endpoint, fit)))
    if landmarks is None:
        return todo
    for name, lm in landmarks.results.items():
        if not lm.km:
            notes.append(f"landmark KM for {name}: no landmark set could be analysed")
            continue
        todo.append((f"km_landmark_{_safe(name)}", partial(_km_landmark, name, lm)))
    return todo


def _km_endpoint(cfg: Config, endpoint: str, fit: Any) -> Figure:
    fig, ax = _figure((7.5, 5.5))
    km_plot(fit, ax=ax, times=cfg.km.risk_times_months, ylabel=f"{endpoint} probability")
    return fig


def _km_landmark(name: str, lm: Any) -> Figure:
    at = sorted(lm.km)
    cols = min(2, len(at))
    rows = -(-len(at) // cols)
    fig = Figure(figsize=(6.5 * cols, 5.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, months in zip(axes, at, strict=False):
        km_plot(
            lm.km[months],
            ax=ax,
            logrank=lm.logrank.get(months),
            cox=lm.cox.get(months),
            covariate=lm.status_column,
            ylabel=f"{lm.outcome} from landmark",
            xlabel=f"Months since the {months:g}-month landmark",
            title=f"{name}: {lm.status} at {months:g} months",
        )
    for ax in axes[len(at) :]:
        ax.set_visible(False)
    return fig


def _cif_title(cfg: Config, name: str) -> str:
    """What a CIF figure shows: the endpoint's causes, and the criterion of a per-group one."""
    c = cfg.competing
    title = f"{c.endpoint}: {' vs '.join(c.causes)}"
    under = name.removeprefix(f"{c.endpoint}_") if name != c.endpoint else ""
    return f"{title} under {under}" if under else f"{title}, by criterion"


def _sweep(cfg: Config, swept: SweepResult | None, notes: list[str]) -> list[tuple[str, Drawing]]:
    """Heatmap over the first two grid axes (or a line plot for a one-axis grid), per analysis."""
    if swept is None:
        notes.append("sweep figures skipped: the sweep is switched off")
        return []
    axes = [a for a in cfg.sweep.grid if swept.table[a].nunique() > 1]
    fixed = {a: swept.best[a] for a in axes[2:]} or None
    todo: list[tuple[str, Drawing]] = []
    for analysis in swept.table["analysis"].unique():
        tag = _safe(str(analysis))
        if len(axes) >= 2:
            todo.append(
                (f"sweep_heatmap_{tag}", partial(_sweep_heatmap, swept, axes, analysis, fixed))
            )
        if axes:
            todo.append((f"sweep_lines_{tag}", partial(_sweep_lines, swept, axes, analysis, fixed)))
    return todo


def _sweep_heatmap(
    swept: SweepResult, axes: list[str], analysis: Any, fixed: dict[str, Any] | None
) -> Figure:
    fig, ax = _figure((7, 5.5))
    sweep_heatmap(swept, x=axes[0], y=axes[1], analysis=analysis, fixed=fixed, ax=ax)
    return fig


def _sweep_lines(
    swept: SweepResult, axes: list[str], analysis: Any, fixed: dict[str, Any] | None
) -> Figure:
    fig, ax = _figure((7, 4.5))
    by = axes[1] if len(axes) >= 2 else None
    sweep_lines(swept, x=axes[0], by=by, analysis=analysis, fixed=fixed, ax=ax)
    return fig


#: How the operators of criterion names are spelled in file names (``recist1.1&sstv`` and
#: ``recist1.1|sstv`` must not share a file).
_SPELLED = {"&": "_and_", "|": "_or_", "+": "_plus_", " ": "_"}


def _safe(name: str) -> str:
    """A file-name-safe version of a criterion name: letters, digits and ``._-`` kept, the
    operators spelled out, any other character as its code point.

    Examples
    --------
    >>> [_safe(n) for n in ["recist1.1&sstv", "recist1.1|sstv", "sstv+new_lesions", "a/b"]]
    ['recist1.1_and_sstv', 'recist1.1_or_sstv', 'sstv_plus_new_lesions', 'a_x2f_b']
    """
    out = [
        ch if ch.isalnum() or ch in "._-" else _SPELLED.get(ch, f"_x{ord(ch):02x}_") for ch in name
    ]
    return "".join(out).strip("_")


def _figure(figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    fig = Figure(figsize=figsize)
    return fig, fig.subplots()
