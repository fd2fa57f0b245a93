"""The ``netsurv`` command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

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


@app.command()
def validate(
    data_dir: Annotated[Path, typer.Argument(help="Folder with the cohort tables.")],
    encoding: EncodingOpt = "utf-8",
    delimiter: DelimiterOpt = None,
    decimal: DecimalOpt = ".",
    report: Annotated[
        Path | None, typer.Option(help="Also write every problem to this CSV file.")
    ] = None,
    warn: WarnOpt = None,
    off: OffOpt = None,
    baseline_window: WindowOpt = None,
) -> None:
    """Check a cohort folder. Exit 0 when valid, 2 with a report of every problem."""
    from netsurv.io import read_cohort

    options = _options(warn, off, baseline_window)
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
            exc.failures.to_csv(report, index=False)
            err_console.print(f"Full report written to {report}", markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    console.print(f"Valid: {cohort!r}", markup=False)
    if len(cohort.warnings):
        console.print(format_failures(cohort.warnings, limit=50), markup=False)
        if report is not None:
            cohort.warnings.to_csv(report, index=False)
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
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8", newline="\n")
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
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress messages.")] = False,
) -> None:
    """Run an analysis: tables, figures, report.html and manifest.json in the output folder.

    A config error (unknown key, bad value, unknown criterion, bad sweep grid) is reported
    before anything is read or written; every config or data error gives one message naming
    the config file, and exit code 2.
    """
    from netsurv.config import load_config
    from netsurv.pipeline import run as run_pipeline

    try:
        cfg = load_config(config, set_ or [])
        res = run_pipeline(cfg, out=out, progress=not quiet, console=err_console)
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
) -> None:
    """Simulate a NET cohort with its latent truth and write it as input tables."""
    from netsurv.errors import ConfigError
    from netsurv.io import write_cohort
    from netsurv.simulate import get_scenario, parse_overrides, simulate_cohort

    try:
        # every parameter is checked before the folder is made and the simulation runs
        sc = get_scenario(scenario, **parse_overrides(set_ or []))
        if format not in ("csv", "parquet", "xlsx"):
            raise ConfigError(f"--format must be csv, parquet or xlsx, got {format!r}")
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out {out} is an existing file, not a folder")
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"--out {out}: cannot create the folder ({exc.strerror})") from None
        with err_console.status(f"Simulating {patients} patients ({scenario})..."):
            cohort = simulate_cohort(patients, seed, scenario=sc)
        try:
            written = write_cohort(cohort, out, format=format)  # type: ignore[arg-type]
        except OSError as exc:
            raise ConfigError(f"--out {out}: cannot write the tables ({exc})") from None
    except NetsurvError as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID) from None
    console.print(f"Wrote {cohort!r} to {out} ({', '.join(p.name for p in written)})", markup=False)


def main() -> None:
    """Entry point that turns netsurv's own errors into a message and exit code 2."""
    try:
        app()
    except NetsurvError as exc:
        err_console.print(str(exc), markup=False, soft_wrap=True)
        sys.exit(EXIT_INVALID)


if __name__ == "__main__":
    main()
