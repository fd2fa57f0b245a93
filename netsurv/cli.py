"""The ``netsurv`` command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
import typer
from rich.console import Console

from netsurv.errors import ConfigError, NetsurvError, ValidationError, format_failures

app = typer.Typer(
    name="netsurv",
    help="Survival analysis of neuroendocrine-tumour treatment response.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

EXIT_INVALID = 2


def _options(warn: list[str] | None, off: list[str] | None, baseline_window: int | None) -> object:
    from pydantic import ValidationError as PydanticError

    from netsurv.validation import ValidationOptions

    severity = {r: "warning" for r in warn or []} | {r: "off" for r in off or []}
    kwargs: dict[str, object] = {"severity": severity}
    if baseline_window is not None:
        kwargs["baseline_window_days"] = baseline_window
    try:
        return ValidationOptions(**kwargs)
    except PydanticError as exc:
        err_console.print(f"Invalid option: {exc.errors()[0]['msg']}")
        raise typer.Exit(EXIT_INVALID) from None


WarnOpt = Annotated[
    list[str] | None,
    typer.Option("--warn", help="Treat this rule as a warning (repeatable)."),
]
OffOpt = Annotated[
    list[str] | None, typer.Option("--off", help="Switch this rule off (repeatable).")
]
WindowOpt = Annotated[
    int | None,
    typer.Option("--baseline-window", help="Days before line start a baseline scan may be."),
]
EncodingOpt = Annotated[str, typer.Option(help="Encoding of CSV files (e.g. cp1252, utf-16).")]
DelimiterOpt = Annotated[
    str | None, typer.Option(help="Delimiter of CSV files: ',' (default), ';', '|' or 'tab'.")
]
DecimalOpt = Annotated[str, typer.Option(help="Decimal mark of CSV files: '.' or ','.")]
OverwriteOpt = Annotated[
    bool, typer.Option("--overwrite", help="Replace files (or a previous run) already there.")
]


def _fail(exc: NetsurvError) -> typer.Exit:
    """Print a netsurv error as it is (one message) and give exit code 2."""
    err_console.print(str(exc), markup=False, soft_wrap=True)
    return typer.Exit(EXIT_INVALID)


def _check_report(report: Path, data_dir: Path, overwrite: bool) -> None:
    """Refuse a ``--report`` path inside the data folder, or an existing file without
    ``--overwrite``, before anything is read."""
    from netsurv.errors import OutputError
    from netsurv.pipeline.files import within

    if within(report, data_dir):
        raise _fail(OutputError(f"--report {report} is in the input data folder {data_dir}"))
    if report.is_dir():
        raise _fail(OutputError(f"--report {report} is a folder; give a file name"))
    if os.path.lexists(report) and not overwrite:
        raise _fail(OutputError(f"--report {report} exists; pass --overwrite to replace it"))


def _write_report(report: Path, problems: pd.DataFrame, data_dir: Path, overwrite: bool) -> None:
    from netsurv.pipeline.files import publish_files
    from netsurv.pipeline.outputs import csv_bytes

    try:
        publish_files(
            report.parent,
            {report.name: csv_bytes(problems)},
            overwrite=overwrite,
            protected=[data_dir],
        )
    except NetsurvError as exc:
        raise _fail(exc) from None


@app.command()
def validate(
    data_dir: Annotated[Path, typer.Argument(help="Folder with the cohort tables.")],
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimiterOpt = None,
    decimal: DecimalOpt = ".",
    report: Annotated[
        Path | None,
        typer.Option(help="Also write every problem to this CSV file (outside DATA_DIR)."),
    ] = None,
    overwrite: OverwriteOpt = False,
    warn: WarnOpt = None,
    off: OffOpt = None,
    baseline_window: WindowOpt = None,
) -> None:
    """Check a cohort folder. Exit 0 when valid, 2 with a report of every problem."""
    from netsurv.io import read_cohort

    options = _options(warn, off, baseline_window)
    if report is not None:
        _check_report(report, data_dir, overwrite)
    try:
        cohort = read_cohort(
            data_dir,
            options=options,  # type: ignore[arg-type]
            encoding=encoding,
            delimiter=delimiter,
            decimal=decimal,
        )
    except ConfigError as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID) from None
    except ValidationError as exc:
        err_console.print(format_failures(exc.failures, limit=200), markup=False)
        if report is not None:
            _write_report(report, exc.failures, data_dir, overwrite)
            err_console.print(f"Full report written to {report}", markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    console.print(f"Valid: {cohort!r}", markup=False)
    if len(cohort.warnings):
        console.print(format_failures(cohort.warnings, limit=50), markup=False)
        if report is not None:
            _write_report(report, cohort.warnings, data_dir, overwrite)
    if len(cohort.attrition):
        console.print(
            f"{len(cohort.attrition)} rows set aside (see cohort.attrition):", markup=False
        )
        console.print(
            cohort.attrition.groupby(["table", "reason"]).size().to_string(), markup=False
        )


@app.command()
def summary(
    data_dir: Annotated[
        Path | None, typer.Argument(help="Cohort folder; the bundled demo cohort if omitted.")
    ] = None,
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimiterOpt = None,
    decimal: DecimalOpt = ".",
) -> None:
    """Validate a cohort and print what it holds."""
    import netsurv as ns

    try:
        cohort = (
            ns.load_demo()
            if data_dir is None
            else ns.read_cohort(data_dir, encoding=encoding, delimiter=delimiter, decimal=decimal)
        )
    except ConfigError as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID) from None
    except ValidationError as exc:
        err_console.print(format_failures(exc.failures, limit=200), markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    name = "demo cohort (netsurv.load_demo())" if data_dir is None else str(data_dir)
    console.print(f"{name}: {cohort!r}", markup=False)
    with pd.option_context("display.max_rows", 200, "display.width", 120):
        console.print(cohort.summary().to_string(index=False), markup=False)
    if len(cohort.attrition):
        console.print("\nRows set aside:", markup=False)
        console.print(
            cohort.attrition.groupby(["table", "reason"]).size().to_string(), markup=False
        )


@app.command("data-dictionary")
def data_dictionary(
    out: Annotated[Path, typer.Option(help="Folder to write to.")] = Path("data_dictionary"),
    check: Annotated[
        bool, typer.Option("--check", help="Only check that the folder matches the code.")
    ] = False,
) -> None:
    """Write the data dictionary (Markdown and CSV) generated from the schema."""
    from netsurv.schema.dictionary import dictionary_files

    files = dictionary_files()
    if check:
        stale = [
            n
            for n, text in files.items()
            if not (out / n).exists() or (out / n).read_text(encoding="utf-8") != text
        ]
        if stale:
            err_console.print(
                f"Out of date in {out}: {', '.join(stale)}; run 'netsurv data-dictionary'",
                markup=False,
            )
            raise typer.Exit(1)
        console.print(f"{out} matches the schema.", markup=False)
        return
    from netsurv.pipeline.files import check_target, publish_files

    try:  # generated files: always replaced
        check_target(out, what="--out")
        publish_files(out, {n: t.encode("utf-8") for n, t in files.items()}, overwrite=True)
    except NetsurvError as exc:
        raise _fail(exc) from None
    console.print(f"Wrote {', '.join(files)} to {out}", markup=False)


@app.command()
def run(
    config: Annotated[
        Path, typer.Argument(help="Analysis config (.toml), e.g. analyses/demo.toml.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: the config's run.output).")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a config field: section.key=value (repeatable)."),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace a previous run in the output folder, whole."),
    ] = False,
    allow_notebook: Annotated[
        bool,
        typer.Option(
            "--allow-notebook",
            help="Run the config's own report.notebook (it executes its code on this machine).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress messages.")] = False,
) -> None:
    """Run an analysis: tables, figures, report.html and manifest.json in the output folder.

    The run is built in a temporary folder beside the output folder and moved there only when
    it has succeeded; an existing folder is refused unless it holds a previous run and
    --overwrite is given. A config error (unknown key, bad value, unknown criterion, bad
    sweep grid) is reported before anything is read or written; every config, data or write
    error gives one message, and exit code 2.
    """
    from netsurv.config import load_config
    from netsurv.pipeline import run as run_pipeline

    try:
        cfg = load_config(config, set_ or [])
        res = run_pipeline(
            cfg,
            out=out,
            overwrite=overwrite,
            allow_notebook=allow_notebook,
            progress=not quiet,
            console=err_console,
        )
    except ValidationError as exc:
        err_console.print(f"{config}: the data break validation rules:", markup=False)
        err_console.print(format_failures(exc.failures, limit=200), markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    except ConfigError as exc:
        text = str(exc)
        prefix = str(config)
        err_console.print(
            text if prefix in text else f"{prefix}: {text}", markup=False, soft_wrap=True
        )
        raise typer.Exit(EXIT_INVALID) from None
    except NetsurvError as exc:  # the output folder: refused, locked, or a write failure
        raise _fail(exc) from None
    for note in res.notes:
        err_console.print(f"note: {note}", markup=False)
    console.print(
        f"Wrote {len(res.tables)} tables and {len(res.figures)} figures to {res.folder}",
        markup=False,
    )
    if res.report is not None:
        console.print(f"Report: {res.report}", markup=False)
    console.print(f"Manifest: {res.manifest}", markup=False)


@app.command()
def simulate(
    patients: Annotated[int, typer.Option("--patients", "-n", min=1, help="Number of patients.")],
    seed: Annotated[
        int, typer.Option(min=0, help="Random seed: the same seed gives the same files.")
    ],
    out: Annotated[Path, typer.Option(help="Folder to write the tables (and truth.csv) to.")],
    scenario: Annotated[
        str, typer.Option(help="ssa, prrt, targeted or mixed (see netsurv.simulate).")
    ] = "ssa",
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Override a parameter: key=value, e.g. death_link=0 or prrt.kill_rate=0.2 "
            "(repeatable).",
        ),
    ] = None,
    format: Annotated[str, typer.Option(help="csv, parquet or xlsx.")] = "csv",
    overwrite: OverwriteOpt = False,
) -> None:
    """Simulate a NET cohort with its latent truth and write it as input tables.

    Existing table files in the folder are refused unless --overwrite is given.
    """
    from netsurv.errors import ConfigError
    from netsurv.pipeline.files import check_target, publish_files
    from netsurv.pipeline.outputs import cohort_files
    from netsurv.simulate import get_scenario, parse_overrides, simulate_cohort

    try:
        # every parameter and the folder are checked before the simulation runs
        sc = get_scenario(scenario, **parse_overrides(set_ or []))
        if format not in ("csv", "parquet", "xlsx"):
            raise ConfigError(f"--format must be csv, parquet or xlsx, got {format!r}")
        check_target(out, what="--out")
        _free_for_tables(out, format, overwrite)
        with err_console.status(f"Simulating {patients} patients ({scenario})..."):
            cohort = simulate_cohort(patients, seed, scenario=sc)
        written = publish_files(
            out,
            cohort_files(cohort, format),  # type: ignore[arg-type]
            overwrite=overwrite,
        )
    except NetsurvError as exc:
        raise _fail(exc) from None
    console.print(f"Wrote {cohort!r} to {out} ({', '.join(p.name for p in written)})", markup=False)


def _free_for_tables(out: Path, format: str, overwrite: bool) -> None:
    """Refuse a folder holding the tables in another format (it would hold two copies of a
    table), or in this format without ``overwrite``."""
    from netsurv.errors import ConfigError
    from netsurv.pipeline.outputs import cohort_file_names

    ours = cohort_file_names(format)  # type: ignore[arg-type]
    formats: tuple[Literal["csv", "parquet", "xlsx"], ...] = ("csv", "parquet", "xlsx")
    others = {n for f in formats for n in cohort_file_names(f)} - set(ours)
    found = {n for n in (*ours, *others) if os.path.lexists(out / n)}
    if found & others:
        raise ConfigError(
            f"--out {out} holds {', '.join(sorted(found & others))}: the tables in another "
            "format; the folder would hold two copies of a table. Choose another folder"
        )
    if found and not overwrite:
        raise ConfigError(
            f"--out {out} holds {', '.join(sorted(found))}; pass --overwrite to replace"
        )


def main() -> None:
    """Entry point that turns netsurv's own errors into a message and exit code 2."""
    try:
        app()
    except NetsurvError as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        sys.exit(EXIT_INVALID)


if __name__ == "__main__":
    main()
