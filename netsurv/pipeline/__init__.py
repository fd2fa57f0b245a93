"""Reproducible runs: a config in, tables, figures, an HTML report and a manifest out.

:func:`run` is what ``netsurv run CONFIG`` calls.  With :mod:`netsurv.cli` this package is the
only place that writes files.

Examples
--------
>>> import tempfile, netsurv as ns
>>> from netsurv.config import Config
>>> cfg = Config.model_validate({"run": {"name": "doc"}, "report": {"enabled": False},
...                              "figures": {"include": ["waterfall"], "formats": ["png"]},
...                              "landmark": {"enabled": False}, "compare": {"enabled": False}})
>>> with tempfile.TemporaryDirectory() as tmp:
...     res = run(cfg, out=tmp)
...     sorted(res.tables)[:3]
['attrition', 'best_change', 'best_response']
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

from netsurv.config import Config
from netsurv.pipeline import analyses, figures, stages
from netsurv.pipeline.outputs import (
    OutputWriter,
    files_read,
    manifest,
    provenance,
    write_json,
)
from netsurv.pipeline.report import build_report, template_path

__all__ = ["RunResult", "run"]


@dataclass(frozen=True)
class RunResult:
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


def run(
    config: Config,
    *,
    out: str | Path | None = None,
    progress: bool = False,
    console: Console | None = None,
) -> RunResult:
    """Run the analysis a config describes and write every output.

    Parameters
    ----------
    config
        A validated config (:func:`netsurv.config.load_config`).
    out
        Output folder; default the config's ``run.output`` (``outputs/<name>``).
    progress
        Print each step and its duration (the CLI turns this on).
    console
        Where progress goes (default: standard error).

    Returns
    -------
    RunResult

    Raises
    ------
    netsurv.ConfigError
        For a config the data cannot satisfy (a missing file, a filter that leaves nothing).
    netsurv.ValidationError
        When the input tables break validation rules.
    """
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    folder = Path(out) if out is not None else config.output_dir()
    notes: list[str] = []
    step = _stepper(progress, console or Console(stderr=True, highlight=False), notes)
    template = template_path(config) if config.report.enabled else None
    prov = provenance(
        inputs=files_read(config, template=template),
        seed=config.run.seed,
        started=started,
        config_file=config.file,
        code_dir=Path(__file__).parent,
    )

    with step("reading and validating the cohort"):
        cohort = stages.load_cohort(config)
    with step("classifying responses and deriving endpoints"):
        res = stages.analyse(config, cohort)
    # the output folder is made once the data and the config have proved usable
    writer = OutputWriter(folder, formats=tuple(config.figures.formats), dpi=config.figures.dpi)
    writer.json("config.json", config.model_dump(mode="json"))
    with step("writing tables"):
        writer.table("validation_warnings", cohort.warnings)
        writer.table("attrition", res.attrition)
        writer.table("lines_analysed", res.lines)
        writer.table("table1", stages.table1(res))
        writer.table("timepoints", res.timepoints.table)
        writer.table("best_response", res.best)
        writer.table("bor_summary", stages.bor_summary(res))
        rates, rate_pairs = stages.response_rate_tables(res)
        writer.table("response_rates", rates)
        if rate_pairs is not None:
            writer.table("response_rate_comparison", rate_pairs)
        writer.table("best_change", stages.best_change_table(res))
        writer.table("endpoints", res.endpoints.table)
        writer.table("endpoints_adtte", res.endpoints.adtte())
        writer.table("censoring_rules", res.endpoints.scheme.rules_table())
    km_fits: dict[tuple[str, str], Any] = {}
    if config.km.enabled:
        with step("Kaplan–Meier"):
            km_fits, medians, risk = stages.km_tables(res, config)
            writer.table("km_medians", medians)
            writer.table("km_at_risk", risk)
    if config.cox.enabled:
        with step("Cox model"):
            writer.table("cox", stages.cox_table(res, config))
    if len(res.criteria) > 1:
        with step("agreement between criteria"):
            writer.table("agreement", analyses.agreement_table(res))
    landmarks = None
    if config.landmark.enabled:
        with step("landmark analyses"):
            landmarks = analyses.landmark_tables(res, config)
            if landmarks is not None:
                writer.table("landmark", landmarks.summary)
                writer.table("landmark_attrition", landmarks.attrition)
    comparison = None
    if config.compare.enabled:
        with step(f"criteria comparison ({config.compare.n_boot} bootstrap resamples)"):
            comparison = analyses.comparison(res, config)
            if comparison is not None:
                writer.table("comparison", comparison.table)
                writer.table("comparison_intervals", comparison.intervals)
                writer.table("comparison_differences", comparison.differences)
                writer.table("comparison_attrition", comparison.attrition)
                for name, table in analyses.continuous_tables(comparison).items():
                    writer.table(name, table)
        if comparison is not None and {"PFS", "OS"} <= set(config.endpoints.names):
            with step("PFS–OS correlation"):
                correlation = analyses.correlation_table(res, config)
                if correlation is not None:
                    writer.table("pfs_os_correlation", correlation)
    swept = None
    if config.sweep.enabled:
        with step(
            f"threshold sweep ({config.sweep.n_boot} bootstrap, {config.sweep.n_perm} permutations)"
        ):
            swept = analyses.sweep_result(res, config, progress=progress)
            writer.table("sweep", swept.table)
            writer.table("sweep_summary", analyses.sweep_summary(swept))
            writer.table("sweep_optimism", swept.optimism.summary)
            writer.table("sweep_attrition", swept.attrition)
    with step("figures"):
        figures.draw(
            writer,
            res,
            config,
            km_fits=km_fits,
            landmarks=landmarks,
            comparison=comparison,
            swept=swept,
            notes=notes,
        )

    writer.table("run_notes", pd.DataFrame({"note": notes}, dtype=object))
    report = None
    if template is not None:
        with step("report"):
            report = build_report(folder, template, notes=notes, provenance=prov)
        if report is not None:
            writer.record(report)
            writer.record(folder / "report.ipynb")
    finished = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    man = manifest(
        prov,
        config=config.model_dump(mode="json"),
        writer=writer,
        finished=finished,
        notes=notes,
    )
    manifest_path = folder / "manifest.json"
    write_json(manifest_path, man)
    return RunResult(
        folder=folder,
        tables=dict(writer.tables),
        figures=dict(writer.figures),
        report=report,
        manifest=manifest_path,
        notes=notes,
    )


def _stepper(progress: bool, console: Console, notes: list[str]) -> Callable[[str], Any]:
    """A context manager per step: progress lines, and the step's warnings kept as notes
    (each distinct message once) so that they reach the manifest and the report."""

    @contextmanager
    def step(label: str) -> Iterator[None]:
        t = time.perf_counter()
        if progress:
            console.print(f"[bold]•[/bold] {label} …")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        for w in caught:
            note = f"{label}: {w.category.__name__}: {w.message}"
            if note not in notes:
                notes.append(note)
        if progress:
            console.print(f"  done in {time.perf_counter() - t:.1f} s", style="dim")

    return step
