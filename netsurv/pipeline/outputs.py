"""Writing a run's outputs: tables (CSV + Parquet), figures, and ``manifest.json``.

Tables are written so that the same data and config give byte-identical files: rows and
columns in a fixed order, dates as ISO text in CSV, no time stamps inside table files.  The
manifest hashes every file the run read (:func:`files_read`) and every file it wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from netsurv.config import Config
from netsurv.pipeline.privacy import Privacy

#: Packages whose versions the manifest records.
RECORDED_PACKAGES = (
    "netsurv",
    "numpy",
    "pandas",
    "scipy",
    "pyarrow",
    "lifelines",
    "scikit-survival",
    "statsmodels",
    "matplotlib",
    "pandera",
    "pydantic",
    "papermill",
    "jupytext",
    "nbconvert",
    "dask",
    "joblib",
)


@dataclass
class OutputWriter:
    """Writes into one output folder and remembers what it wrote; every table and figure
    passes through ``privacy`` (pseudonyms, shifted dates, small-cell suppression) when set."""

    folder: Path
    formats: tuple[str, ...] = ("png", "pdf")
    dpi: int = 150
    tables: dict[str, list[Path]] = field(default_factory=dict)
    figures: dict[str, list[Path]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    privacy: Privacy | None = None

    def __post_init__(self) -> None:
        for sub in ("tables", "figures"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)

    def table(self, name: str, df: pd.DataFrame) -> None:
        """``tables/<name>.csv`` and ``tables/<name>.parquet``."""
        if self.privacy is not None:
            df = self.privacy.table(name, df)
        df = _plain(df.reset_index(drop=True))
        csv = self.folder / "tables" / f"{name}.csv"
        parquet = self.folder / "tables" / f"{name}.parquet"
        df.to_csv(csv, index=False, lineterminator="\n", date_format="%Y-%m-%d")
        df.to_parquet(parquet, index=False)
        self.tables[name] = [csv, parquet]

    def figure(self, name: str, fig: Figure) -> None:
        """``figures/<name>.<format>`` for every configured format."""
        if self.privacy is not None:
            self.privacy.figure(fig)
        paths = []
        for fmt in self.formats:
            p = self.folder / "figures" / f"{name}.{fmt}"
            meta = {"CreationDate": None} if fmt == "pdf" else {}
            fig.savefig(p, dpi=self.dpi, bbox_inches="tight", metadata=meta)
            paths.append(p)
        self.figures[name] = paths

    def json(self, name: str, content: dict[str, Any]) -> Path:
        """A JSON file in the output folder (pretty, sorted keys), listed among the outputs."""
        p = self.folder / name
        write_json(p, content)
        return self.record(p)

    def record(self, path: Path) -> Path:
        """List a file written into the output folder by someone else (the report)."""
        if path not in self.files:
            self.files.append(path)
        return path


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Columns Parquet and CSV store the same way: tuples and sets as text, booleans kept."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object and s.map(lambda v: isinstance(v, tuple | list | set)).any():
            out[col] = s.map(
                lambda v: ", ".join(map(str, v)) if isinstance(v, tuple | list | set) else v
            )
    return out


def sha256(path: Path) -> str:
    """SHA-256 of a file."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def input_files(source: Path) -> list[Path]:
    """The files of an input folder (or the file itself), sorted."""
    if source.is_file():
        return [source]
    return sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith("."))


def files_read(config: Config, *, template: Path | None = None) -> list[Path]:
    """Every file a run of ``config`` reads: the config file, the data (the demo cohort's
    files, a folder of tables or SDTM domains, a REDCap export), the REDCap mapping and data
    dictionary, the study's own SDTM code maps, and the report ``template``.  A simulated
    cohort has no data file (the config records its recipe)."""
    data = config.data
    found: list[Path] = [] if config.file is None else [config.file]
    if data.source == "demo":
        from netsurv.datasets import demo_folder

        found += input_files(demo_folder())
    elif data.source != "simulate":
        source = config.resolve(data.source)
        found += input_files(source) if source.exists() else []
    extra = [data.mapping, data.data_dictionary, *data.sdtm.maps.values()]
    found += [config.resolve(p) for p in extra if p is not None]
    if template is not None:
        found.append(template)
    out: list[Path] = []
    for p in found:
        p = p.resolve()
        if p.is_file() and p not in out:
            out.append(p)
    return out


def input_hashes(paths: list[Path]) -> tuple[Path | None, dict[str, str]]:
    """The folder the inputs share and the SHA-256 of each, keyed by its path from there."""
    if not paths:
        return None, {}
    root = Path(os.path.commonpath([p.parent for p in paths]))
    return root, {p.relative_to(root).as_posix(): sha256(p) for p in sorted(paths)}


def versions() -> dict[str, str | None]:
    """Python, platform and the installed versions of :data:`RECORDED_PACKAGES`."""
    out: dict[str, str | None] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    for pkg in RECORDED_PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def git_commit(where: Path) -> str | None:
    """The git commit of the folder holding ``where``, with ``+dirty`` when modified; None
    outside a repository."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=where,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def provenance(
    *,
    inputs: list[Path],
    seed: int,
    started: str,
    config_file: Path | None,
    code_dir: Path,
) -> dict[str, Any]:
    """What a run starts from: versions, git commit, seed, start time, config file, and the
    SHA-256 of every file read (``inputs``, keyed by the path from ``input_root``; see
    :func:`input_hashes`).  The report shows it; the manifest adds the outputs.

    Examples
    --------
    >>> prov = provenance(inputs=[], seed=1, started="2026-01-01T00:00:00+00:00",
    ...                   config_file=None, code_dir=Path("."))
    >>> prov["inputs"], prov["seed"], sorted(prov)[:3]
    ({}, 1, ['config_file', 'git_commit', 'input_root'])
    """
    root, hashes = input_hashes(inputs)
    found = versions()
    return {
        "netsurv": found.get("netsurv"),
        "versions": found,
        "git_commit": git_commit(code_dir),
        "seed": seed,
        "started": started,
        "config_file": None if config_file is None else str(config_file),
        "input_root": None if root is None else str(root),
        "inputs": hashes,
    }


def manifest(
    provenance: dict[str, Any],
    *,
    config: dict[str, Any],
    writer: OutputWriter,
    finished: str,
    notes: list[str],
) -> dict[str, Any]:
    """The run's manifest: its :func:`provenance`, the resolved config, the hash of every file
    written (``outputs``), the finish time and the run's notes."""
    out_files = [p for paths in (*writer.tables.values(), *writer.figures.values()) for p in paths]
    out_files += writer.files
    return provenance | {
        "finished": finished,
        "config": config,
        "outputs": {
            p.relative_to(writer.folder).as_posix(): sha256(p) for p in sorted(set(out_files))
        },
        "notes": notes,
    }


def write_json(path: Path, content: dict[str, Any]) -> None:
    """Pretty JSON with sorted keys."""
    path.write_text(
        json.dumps(content, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
