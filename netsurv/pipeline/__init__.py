"""Reproducible runs: a config in, tables, figures, an HTML report and a manifest out.

:func:`run` is what ``netsurv run CONFIG`` calls.  With :mod:`netsurv.cli` this package is the
only place that writes files: a run is built in a temporary folder beside its target and moved
into place whole when it has succeeded (:mod:`netsurv.pipeline.run_folder`).

Examples
--------
>>> import tempfile, netsurv as ns
>>> from netsurv.config import Config
>>> cfg = Config.model_validate({"run": {"name": "doc"}, "report": {"enabled": False},
...                              "figures": {"include": ["waterfall"], "formats": ["png"]},
...                              "landmark": {"enabled": False}, "compare": {"enabled": False}})
>>> with tempfile.TemporaryDirectory() as tmp:
...     res = run(cfg, out=Path(tmp) / "doc")
...     sorted(res.tables)[:3]
...     print(res)                      # what it wrote, in short
['attrition', 'attrition_summary', 'best_change']
<RunResult: ... tables, 1 figure written to .../doc>
report: switched off; manifest: manifest.json
tables: validation_warnings, attrition, attrition_summary, ...
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console

from netsurv._display import Displayable, Table, View
from netsurv.config import Config
from netsurv.pipeline import figures, stages
from netsurv.pipeline.columns import unread_lesion_columns
from netsurv.pipeline.files import check_target
from netsurv.pipeline.outputs import OutputWriter
from netsurv.pipeline.privacy import private_path, run_privacy, write_mapping
from netsurv.pipeline.provenance import files_read, manifest, provenance
from netsurv.pipeline.report import build_report, template_path
from netsurv.pipeline.run_folder import MANIFEST, RunFolder, check_replaceable
from netsurv.pipeline.stage_runner import run_stages
from netsurv.pipeline.table_tasks import CohortTable
from netsurv.pipeline.workers import release_memory

#: BLAS threads in a run: one, so that sums are done in one order and reruns agree to the byte.
BLAS_THREADS = 1

__all__ = ["RunResult", "run"]


@dataclass(frozen=True, repr=False)
class RunResult(Displayable):
    """What a run wrote.

    Attributes
    ----------
    folder : pathlib.Path
        The output folder.
    tables : dict
        Table name -> its CSV and Parquet files.
    figures : dict
        Figure name -> its files.
    report : pathlib.Path or None
        ``report.html`` (None when the report is switched off).
    manifest : pathlib.Path
        ``manifest.json``.
    notes : list of str
        What the run skipped and why (e.g. a figure without data).
    """

    folder: Path
    tables: dict[str, list[Path]]
    figures: dict[str, list[Path]]
    report: Path | None
    manifest: Path
    notes: list[str]

    def summary(self) -> pd.DataFrame:
        """One row per file written: ``kind`` (table, figure, report, manifest), ``name`` and
        ``path``."""
        rows = [
            (kind, name, str(path))
            for kind, group in (("table", self.tables), ("figure", self.figures))
            for name, paths in group.items()
            for path in paths
        ]
        if self.report is not None:
            rows.append(("report", "report", str(self.report)))
        rows.append(("manifest", "manifest", str(self.manifest)))
        return pd.DataFrame(rows, columns=["kind", "name", "path"])

    def _view(self) -> View:
        nt, nf = len(self.tables), len(self.figures)
        head = f"{nt} table{'s' * (nt != 1)}, {nf} figure{'s' * (nf != 1)} written to {self.folder}"
        lines = [
            f"report: {self.report.name if self.report else 'switched off'}; "
            f"manifest: {self.manifest.name}",
            f"tables: {', '.join(list(self.tables)[:8])}"
            + (f", ... ({len(self.tables) - 8} more)" if len(self.tables) > 8 else ""),
            *(f"note: {n}" for n in self.notes[:5]),
        ]
        if len(self.notes) > 5:
            lines.append(f"... {len(self.notes) - 5} more notes (.notes)")
        summary = self.summary()
        summary["path"] = [Path(p).name for p in summary["path"]]
        return View(
            "RunResult", head, lines, html_blocks=[*lines, Table(summary, index=False, max_rows=80)]
        )


def run(
    config: Config,
    *,
    out: str | Path | None = None,
    overwrite: bool = False,
    allow_notebook: bool = False,
    progress: bool = False,
    console: Console | None = None,
) -> RunResult:
    """Run the analysis a config describes and write every output.

    The outputs are built in a temporary folder beside ``out`` and moved there only when the
    run has succeeded, ``manifest.json`` last (see :mod:`netsurv.pipeline.run_folder`).

    Parameters
    ----------
    config
        A validated config (:func:`netsurv.config.load_config`).
    out
        Output folder; default the config's ``run.output`` (``outputs/<name>``).  It must not
        exist, be empty, or (with ``overwrite``) hold a previous run, which is replaced whole.
        The filesystem root, the home folder, the input data folder, a folder inside it or
        holding it, and a folder holding the config are refused.
    overwrite
        Replace a previous run in ``out``.
    allow_notebook
        Run a custom ``report.notebook`` (it executes its own code); the config key
        ``report.allow_notebook`` does the same.
    progress
        Print each step and its duration (the CLI turns this on).  The analysis stages are
        computed side by side by ``run.n_jobs`` processes, which also render the tables
        written before them and the response figures
        (:mod:`netsurv.pipeline.stage_runner`), so a step's duration is the wait for its
        results and the writing of its files, not the time their computation took.
    console
        Where progress and notes on interrupted earlier runs go (default: standard error).

    Returns
    -------
    RunResult

    Raises
    ------
    netsurv.ConfigError
        For a config the data cannot satisfy (a missing file, a filter that leaves nothing,
        a landmark beyond the follow-up); nothing is written.
    netsurv.ValidationError
        When the input tables break validation rules; nothing is written.
    netsurv.errors.OutputError
        For a refused output folder, one held by another run, or a write failure (naming the
        path and the operating-system error); the output folder is left as it was.
    """
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    shown = Path(out) if out is not None else config.output_dir()
    console = console or Console(stderr=True, highlight=False)
    notes: list[str] = []
    step = _stepper(progress, console, notes)
    template = (
        template_path(config, allow_notebook=allow_notebook) if config.report.enabled else None
    )
    reads = files_read(config, template=template)
    target = check_target(shown, inputs=reads, data_folders=stages.data_folders(config))
    check_replaceable(target, overwrite=overwrite, shown=shown)  # again, under the lock
    privacy = run_privacy(config, run_folder=target)
    if progress:
        for line in _paths(config, target):
            console.print(line, style="dim", markup=False, soft_wrap=True)
    base = config.base_dir if config.file is None else config.file.parent
    prov = provenance(
        inputs=reads,
        seed=config.run.seed,
        started=started,
        config_file=config.file,
        base=base,
        code_dir=Path(__file__).parent,
    )
    settings = config.model_dump(mode="json", exclude={"base_dir"})

    with _fixed_threads(config), RunFolder(target, overwrite=overwrite) as folder:
        for line in folder.recovered:
            console.print(f"note: {line}", markup=False, soft_wrap=True)
        with step("reading and validating the cohort"):
            cohort = stages.load_cohort(config)
        with step("classifying responses and deriving endpoints"):
            res = stages.analyse(config, cohort)
        stages.check_landmarks(res, config)
        # pseudonyms of the whole cohort: a collision stops the run before anything is written
        privacy = None if privacy is None else privacy.for_cohort(cohort)
        # the lesion readings nothing reads from now on are let go (~0.4 GB at 100,000
        # patients, held by this process and the stage processes it forks)
        res = stages.without_lesion_columns(res, unread_lesion_columns(config, res.criteria))
        cohort = res.cohort
        # files are written once the data and the config have proved usable
        writer = OutputWriter(
            folder,
            formats=tuple(config.figures.formats),
            dpi=config.figures.dpi,
            privacy=privacy,
            n_jobs=config.run.n_jobs,
        )
        writer.json("config.json", settings)
        tables = _cohort_tables(cohort, res)
        done = run_stages(
            writer, res, config, step, tables=tables, response_figures=True, progress=progress
        )
        with step("figures"):
            figures.draw(
                writer,
                res,
                config,
                km_fits=done.km_fits,
                landmarks=done.landmarks,
                comparison=done.comparison,
                swept=done.swept,
                notes=notes,
                competing=done.competing,
                rendered=done.response_figures,
            )

        writer.table("run_notes", pd.DataFrame({"note": notes}, dtype=object))
        report = None
        if template is not None:
            with step("report"):
                report = build_report(
                    writer,
                    template,
                    notes=notes,
                    provenance={k: v for k, v in prov.items() if k != "started"},
                )
            for rel in folder.unlisted():
                folder.adopt(rel)
                notes.append(f"the report notebook wrote {rel}")
        finished = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        man = manifest(
            prov,
            config=settings,
            outputs=dict(folder.written),
            finished=finished,
            notes=notes if privacy is None else [privacy.text(n) for n in notes],
        )
        manifest_path = writer.json(MANIFEST, man)
        folder.commit()
    if privacy is not None and config.privacy.mapping_file is not None:
        write_mapping(privacy.mapping(), private_path(config.privacy.mapping_file, config.base_dir))
    return RunResult(
        folder=target,
        tables=dict(writer.tables),
        figures=dict(writer.figures),
        report=report,
        manifest=manifest_path,
        notes=notes,
    )


def _cohort_tables(cohort: Any, res: stages.Analysed) -> list[CohortTable]:
    """The cohort, response and endpoint tables every run writes, in order: those the analysed
    cohort holds, and those made where they are rendered (by the stage processes,
    :func:`~netsurv.pipeline.stage_runner.run_stages`)."""

    def rates() -> list[tuple[str, pd.DataFrame]]:
        rates, rate_pairs = stages.response_rate_tables(res)  # in this order: the same notes
        pairs = [] if rate_pairs is None else [("response_rate_comparison", rate_pairs)]
        return [("response_rates", rates), *pairs]

    return [
        ("validation_warnings", cohort.warnings),
        ("attrition", res.attrition),
        ("attrition_summary", lambda: [("attrition_summary", stages.attrition_summary(res))]),
        ("lines_analysed", res.lines),
        ("table1", lambda: [("table1", stages.table1(res))]),
        ("timepoints", res.timepoints.table),
        ("best_response", res.best),
        ("bor_summary", lambda: [("bor_summary", stages.bor_summary(res))]),
        ("response_rates", rates),
        ("best_change", lambda: [("best_change", stages.best_change_table(res))]),
        ("endpoints", res.endpoints.table),
        ("endpoints_adtte", lambda: [("endpoints_adtte", res.endpoints.adtte())]),
        ("censoring_rules", lambda: [("censoring_rules", res.endpoints.scheme.rules_table())]),
    ]


def _paths(config: Config, target: Path) -> list[str]:
    """Where the run reads and writes, as resolved (paths in a config are relative to the
    config file's folder)."""
    lines = []
    if config.file is not None:
        lines.append(f"config {config.file} (its paths are relative to {config.file.parent})")
    source = config.data.source
    if source not in ("demo", "simulate"):
        lines.append(f"data.source {source} -> {config.resolve(source)}")
    lines.append(f"output folder {target}")
    return lines


@contextmanager
def _fixed_threads(config: Config) -> Iterator[None]:
    """BLAS limited to :data:`BLAS_THREADS` threads here and in the sweep's worker processes."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        if config.run.backend == "processes":
            from joblib import parallel_config

            with parallel_config(backend="loky", inner_max_num_threads=BLAS_THREADS):
                yield
        else:
            yield


def _stepper(progress: bool, console: Console, notes: list[str]) -> Callable[[str], Any]:
    """A context manager per step: progress lines, and the step's warnings kept as notes
    (each distinct message once) so that they reach the manifest and the report; the memory
    the step freed is handed back to the system
    (:func:`~netsurv.pipeline.workers.release_memory`: the next steps' forked processes start
    from what the run holds, not from its peak)."""

    @contextmanager
    def step(label: str) -> Iterator[None]:
        t = time.perf_counter()
        if progress:
            console.print(f"[bold]•[/bold] {label} …")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        release_memory()
        for w in caught:
            note = f"{label}: {w.category.__name__}: {w.message}"
            if note not in notes:
                notes.append(note)
        if progress:
            console.print(f"  done in {time.perf_counter() - t:.1f} s", style="dim")

    return step
