"""The analysis stages of a run, computed side by side and written in the run's order.

Kaplan–Meier, Cox, competing risks, agreement, landmark, lesion, criteria comparison, PFS–OS
correlation and threshold sweep read only the analysed cohort and the config (each draws its
random numbers from the run's seed), so none waits for another.  With ``run.n_jobs`` above one
they are computed by up to ``run.n_jobs`` forked processes
(:func:`~netsurv.pipeline.workers.forked_map`: a child starts with the analysed cohort in its
memory and sends back the stage's result), dealt by their estimated costs (:data:`COSTS`,
:func:`~netsurv.pipeline.workers.balanced_shares`), so which process computes a stage depends
on the config alone, never on timing.  This process takes the results in the run's order, each
within its step (progress line, warnings kept as the run's notes), and writes a stage's tables
while later stages are still being computed.  The tables, the notes and the errors (their type
and text) are the same as with the stages computed here one after the other, which is what
happens with ``run.n_jobs = 1``, where the platform does not fork, and when the comparison, the
correlation and the sweep share out their own replicates (``run.backend = "processes"`` or a
``[compute]`` cluster): stages forked on top of those workers would only oversubscribe the
machine.

The same processes also render, dealt with the stages by cost, the work of the run that
needs only the analysed cohort: first the cohort, response and endpoint tables
(:mod:`netsurv.pipeline.table_tasks`, :data:`~netsurv.pipeline.table_tasks.TABLE_COSTS`),
which this process writes in the ``writing tables`` step as they come back, then, after
their stages, the waterfall, spider and swimmer figures (:data:`FIGURE_COSTS`), which the
figures step writes last, as it would have drawn them.  So both cores work from the end of
classification to the figures step, instead of the tables, the stages and the figures each
waiting for the one before.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from itertools import accumulate
from typing import Any

import pandas as pd

from netsurv.config import Config
from netsurv.pipeline import analyses, figures, survival_tables
from netsurv.pipeline.competing import CompetingTables, competing_tables
from netsurv.pipeline.outputs import OutputWriter
from netsurv.pipeline.stages import Analysed
from netsurv.pipeline.table_tasks import CohortTable, TableTasks, build
from netsurv.pipeline.workers import balanced_shares, forked_map
from netsurv.survival.compare import CriteriaComparison
from netsurv.sweep.result import SweepResult

__all__ = ["COSTS", "Analyses", "Stage", "analysis_stages", "run_stages", "stage_processes"]

#: Estimated cost of each stage, used only to share the stages out among processes: seconds
#: at 100,000 simulated patients with ``analyses/demo.toml`` (benchmarks/README.md, issue 21),
#: for ``REPLICATES`` resamples where a stage resamples (scaled by the replicates asked for).
#: The CPU of each stage in its stage process, measured in one run (i21-run7, main 95a72ef,
#: every section on, load ~4) and scaled by 0.84 (that run's CPU over a quiet run's): e.g.
#: competing 24.4 -> 20.5, comparison 76.6 -> 64.4, sweep 30.8 -> 25.9; the lesion level (off
#: in that run) as measured before; the comparison then halved (i21-compare7: 91.1 -> 44.3 and
#: 89.1 -> 46.2 s CPU alone at 100k, main and branch alternated), 64.4 x 45.3 / 90.1 = 32.4.  Keep :data:`FIGURE_COSTS` and
#: :data:`~netsurv.pipeline.table_tasks.TABLE_COSTS` in the same units when changing one.
COSTS = {
    "km": 0.7,
    "cox": 0.8,
    "competing": 20.5,
    "agreement": 5.0,
    "landmark": 9.2,
    "lesions": 12.0,
    "comparison": 32.4,
    "correlation": 15.5,
    "sweep": 25.9,
}

#: The resamples :data:`COSTS` were measured with (``compare.n_boot``; the sweep's
#: ``n_boot + n_perm``).
REPLICATES = {"comparison": 100, "correlation": 100, "sweep": 1200}

#: Estimated cost of drawing and rendering (PNG and PDF) the figures that need only the
#: analysed cohort, in the units of :data:`COSTS`, by kind: CPU seconds at 100,000 patients,
#: as measured in a run on the quiet machine (benchmarks/README.md, issue 21) and alike by
#: i21-run7 drawing each alone (waterfall 2.4 each, spider 6.3, swimmer 1.1).  (In a run under
#: load ~4 they took 3-8 times that in the stage processes: 9.2 / 13.9 / 8.6.)  The swimmer
#: draws at most ``figures.max_patients``.
FIGURE_COSTS = {"waterfall": 2.6, "spider": 7.2, "swimmer": 1.1}

#: The step in which the tables given to :func:`run_stages` are written.
TABLES_STEP = "writing tables"

Tables = list[tuple[str, pd.DataFrame]]


@dataclass(frozen=True)
class Stage:
    """One analysis stage: its name, its step's label, its estimated cost, what it computes
    and the tables (name, table) it writes from that result."""

    name: str
    label: str
    cost: float
    compute: Callable[[], Any]
    tables: Callable[[Any], Tables]


@dataclass(frozen=True)
class Analyses:
    """The results of the analysis stages that the figures draw (None: off or skipped)."""

    km_fits: dict[tuple[str, str], Any]
    competing: CompetingTables | None = None
    landmarks: analyses.LandmarkTables | None = None
    comparison: CriteriaComparison | None = None
    swept: SweepResult | None = None
    #: The files of :func:`~netsurv.pipeline.figures.response_drawings` when rendered with
    #: the stages, for :func:`~netsurv.pipeline.figures.draw` (None: drawn with the others).
    response_figures: list[figures.Rendered] | None = None


def stage_processes(cfg: Config) -> int:
    """How many processes compute the analysis stages: ``run.n_jobs``, or one when the
    comparison, the correlation and the sweep share out their replicates themselves
    (``run.backend = "processes"`` or ``[compute]``).

    Examples
    --------
    >>> from netsurv.config import Config
    >>> stage_processes(Config.model_validate({"run": {"n_jobs": 2}}))
    2
    >>> stage_processes(Config.model_validate({"run": {"n_jobs": 2, "backend": "processes"}}))
    1
    """
    if cfg.run.backend != "none" or cfg.compute.scheduler is not None:
        return 1
    return cfg.run.n_jobs


def analysis_stages(res: Analysed, cfg: Config, *, progress: bool = False) -> list[Stage]:
    """The analysis stages the config switches on, in the order a run writes them.

    ``progress`` shows the sweep's progress bars (only when the stages are computed in this
    process: bars from several processes would mix with the steps' lines).

    Examples
    --------
    >>> import netsurv as ns
    >>> from netsurv.config import Config
    >>> from netsurv.pipeline import stages
    >>> cfg = Config.model_validate({"data": {"source": "demo"}})
    >>> res = stages.analyse(cfg, stages.load_cohort(cfg))
    >>> [s.name for s in analysis_stages(res, cfg)]
    ['km', 'landmark', 'comparison', 'correlation']
    """
    c, s = cfg.compare, cfg.sweep
    todo = [
        ("km", "Kaplan–Meier", cfg.km.enabled, lambda: survival_tables.km_tables(res, cfg)),
        ("cox", "Cox model", cfg.cox.enabled, lambda: survival_tables.cox_table(res, cfg)),
        ("competing", "competing risks", cfg.competing.enabled, lambda: competing_tables(res, cfg)),
        (
            "agreement",
            "agreement between criteria",
            len(res.criteria) > 1,
            lambda: analyses.agreement_table(res),
        ),
        (
            "landmark",
            "landmark analyses",
            cfg.landmark.enabled,
            lambda: analyses.landmark_tables(res, cfg),
        ),
        (
            "lesions",
            "lesion and organ level",
            cfg.lesions.enabled,
            lambda: analyses.lesion_tables(res, cfg),
        ),
        (
            "comparison",
            f"criteria comparison ({c.n_boot} bootstrap resamples)",
            c.enabled,
            lambda: analyses.comparison(res, cfg),
        ),
        (
            "correlation",  # only after a comparison, as the report shows them together
            "PFS–OS correlation",
            c.enabled and analyses.comparable(res) and {"PFS", "OS"} <= set(cfg.endpoints.names),
            lambda: analyses.correlation_table(res, cfg),
        ),
        (
            "sweep",
            f"threshold sweep ({s.n_boot} bootstrap, {s.n_perm} permutations)",
            s.enabled,
            lambda: analyses.sweep_result(res, cfg, progress=progress),
        ),
    ]
    replicates = {"comparison": c.n_boot, "correlation": c.n_boot, "sweep": s.n_boot + s.n_perm}
    return [
        Stage(
            name,
            label,
            COSTS[name] * max(replicates.get(name, 1), 1) / REPLICATES.get(name, 1),
            compute,
            _TABLES[name],
        )
        for name, label, enabled, compute in todo
        if enabled
    ]


def run_stages(
    writer: OutputWriter,
    res: Analysed,
    cfg: Config,
    step: Callable[[str], Any],
    *,
    tables: Sequence[CohortTable] = (),
    response_figures: bool = False,
    progress: bool = False,
) -> Analyses:
    """Write ``tables`` within ``step("writing tables")`` (when given), then compute the
    analysis stages (side by side, see the module's text) and write their tables in the run's
    order, each stage within ``step(label)``; a step lasts until its stage's result has
    arrived and its tables are written.

    With more than one process, ``tables`` are rendered by the stage processes too
    (:mod:`netsurv.pipeline.table_tasks`), dealt with the stages by cost: while this process
    writes the tables, the stages dealt to a process that has rendered its share of them are
    already being computed.  With one, they are written by the writer
    (:meth:`~netsurv.pipeline.outputs.OutputWriter.save_tables`), then the stages computed in
    turn.  The files, the notes and the errors are the same.  ``response_figures``: with more
    than one process, render :func:`~netsurv.pipeline.figures.response_drawings` too, for the
    figures step (:attr:`Analyses.response_figures`).

    Examples
    --------
    >>> import tempfile
    >>> from contextlib import nullcontext
    >>> from pathlib import Path
    >>> from netsurv.config import Config
    >>> from netsurv.pipeline import stages
    >>> from netsurv.pipeline.run_folder import RunFolder
    >>> cfg = Config.model_validate({"data": {"source": "demo"}, "compare": {"enabled": False}})
    >>> res = stages.analyse(cfg, stages.load_cohort(cfg))
    >>> with tempfile.TemporaryDirectory() as tmp, RunFolder(Path(tmp) / "out") as folder:
    ...     writer = OutputWriter(folder)
    ...     done = run_stages(writer, res, cfg, lambda label: nullcontext())
    ...     list(writer.tables), sorted(done.km_fits)
    (['km_medians', 'km_at_risk', 'landmark', 'landmark_attrition'], [('OS', 'all'), ('PFS', 'criterion')])
    """
    n = stage_processes(cfg)
    stages = analysis_stages(res, cfg, progress=progress and n == 1)
    if n == 1 and tables:
        with step(TABLES_STEP):
            writer.save_tables(build(tables))
        tables = ()
    work = TableTasks(writer, tables)
    drawings = []
    if response_figures and n > 1:
        drawings = figures.response_drawings(res, cfg, writer.privacy)
    units: list[tuple[float, list[Callable[[], Any]]]] = [
        (cost, [partial(work.render, task) for task in unit]) for cost, unit in work.units()
    ]
    units += [(stage.cost, [stage.compute]) for stage in stages]
    units += [
        (FIGURE_COSTS[name.split("_")[0]], [partial(_figure, writer, cfg, draw)])
        for name, draw in drawings
    ]
    tasks = [task for _, unit in units for task in unit]
    ends = list(accumulate(len(unit) for _, unit in units))  # a unit's tasks: to its end
    shares = [  # a table is rendered whole by one process
        [t for u in share for t in range(ends[u] - len(units[u][1]), ends[u])]
        for share in balanced_shares([cost for cost, _ in units], n)
    ]
    done: dict[str, Any] = {}
    rendered: list[figures.Rendered] = []
    with closing(forked_map(_call, tasks, n, shares=shares, release=True)) as results:
        if tables:
            with step(TABLES_STEP):
                # made once, before the processes fork, as table 1, Cox and competing risks
                # read them: no process makes them again
                res.baseline, res.classified  # noqa: B018
                work.write(results)
        for stage in stages:
            with step(stage.label):
                done[stage.name] = next(results)
                for name, table in stage.tables(done[stage.name]):
                    writer.table(name, table)
        for _ in drawings:  # their warnings and errors raised again in the figures' step
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    rendered.append((next(results), caught))
                except Exception as exc:
                    rendered.append((exc, caught))
                    break
    return Analyses(
        km_fits=done["km"][0] if "km" in done else {},
        competing=done.get("competing"),
        landmarks=done.get("landmark"),
        comparison=done.get("comparison"),
        swept=done.get("sweep"),
        response_figures=rendered if drawings else None,
    )


def _call(task: Callable[[], Any]) -> Any:
    return task()


def _figure(writer: OutputWriter, cfg: Config, draw: figures.Drawing) -> dict[str, bytes]:
    """A figure's files, drawn in the run's style (as :func:`figures.draw` does)."""
    with figures.style(cfg):
        return writer.render(draw())


def _competing(result: CompetingTables | None) -> Tables:
    names = ("cif", "cif_summary", "gray", "fine_gray")
    tables = [(name, None if result is None else getattr(result, name)) for name in names]
    return [(name, table) for name, table in tables if table is not None]


def _landmark(result: analyses.LandmarkTables | None) -> Tables:
    if result is None:
        return []
    return [("landmark", result.summary), ("landmark_attrition", result.attrition)]


def _comparison(result: CriteriaComparison | None) -> Tables:
    if result is None:
        return []
    return [
        ("comparison", result.table),
        ("comparison_intervals", result.intervals),
        ("comparison_differences", result.differences),
        ("comparison_attrition", result.attrition),
        *analyses.continuous_tables(result).items(),
    ]


def _sweep(result: SweepResult) -> Tables:
    return [
        ("sweep", result.table),
        ("sweep_summary", analyses.sweep_summary(result)),
        ("sweep_optimism", result.optimism.table),
        ("sweep_attrition", result.attrition),
    ]


#: The tables each stage writes from its result, in the order they are written.
_TABLES: dict[str, Callable[[Any], Tables]] = {
    "km": lambda fits_medians_risk: [
        ("km_medians", fits_medians_risk[1]),
        ("km_at_risk", fits_medians_risk[2]),
    ],
    "cox": lambda table: [("cox", table)],
    "competing": _competing,
    "agreement": lambda table: [("agreement", table)],
    "landmark": _landmark,
    "lesions": lambda tables: list(tables.items()),
    "comparison": _comparison,
    "correlation": lambda table: [] if table is None else [("pfs_os_correlation", table)],
    "sweep": _sweep,
}
