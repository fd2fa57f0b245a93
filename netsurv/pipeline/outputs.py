"""Writing a run's outputs: tables (CSV + Parquet), figures, and ``manifest.json``.

Tables are written so that the same data and config give byte-identical files: rows and
columns in a fixed order, dates as ISO text in CSV, no time stamps inside table files.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

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
    """Writes into one output folder and remembers what it wrote."""

    folder: Path
    formats: tuple[str, ...] = ("png", "pdf")
    dpi: int = 150
    tables: dict[str, list[Path]] = field(default_factory=dict)
    figures: dict[str, list[Path]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for sub in ("tables", "figures"):
            (self.folder / sub).mkdir(parents=True, exist_ok=True)

    def table(self, name: str, df: pd.DataFrame) -> None:
        """``tables/<name>.csv`` and ``tables/<name>.parquet``."""
        df = _plain(df.reset_index(drop=True))
        csv = self.folder / "tables" / f"{name}.csv"
        parquet = self.folder / "tables" / f"{name}.parquet"
        df.to_csv(csv, index=False, lineterminator="\n", date_format="%Y-%m-%d")
        df.to_parquet(parquet, index=False)
        self.tables[name] = [csv, parquet]

    def figure(self, name: str, fig: Figure) -> None:
        """``figures/<name>.<format>`` for every configured format."""
        paths = []
        for fmt in self.formats:
            p = self.folder / "figures" / f"{name}.{fmt}"
            meta = {"CreationDate": None} if fmt == "pdf" else {}
            fig.savefig(p, dpi=self.dpi, bbox_inches="tight", metadata=meta)
            paths.append(p)
        self.figures[name] = paths

    def text(self, name: str, content: str) -> Path:
        """A text file in the output folder."""
        p = self.folder / name
        p.write_text(content, encoding="utf-8", newline="\n")
        return p


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


def manifest(
    *,
    config: dict[str, Any],
    inputs: list[Path],
    input_root: Path,
    writer: OutputWriter,
    extra_outputs: list[Path],
    started: str,
    finished: str,
    seed: int,
    notes: list[str],
    code_dir: Path,
) -> dict[str, Any]:
    """The run's manifest: versions, commit, input and output hashes, config, seed, times."""
    out_files = [p for paths in (*writer.tables.values(), *writer.figures.values()) for p in paths]
    out_files += extra_outputs
    return {
        "netsurv": versions().get("netsurv"),
        "versions": versions(),
        "git_commit": git_commit(code_dir),
        "seed": seed,
        "started": started,
        "finished": finished,
        "config": config,
        "inputs": {
            str(p.relative_to(input_root) if p.is_relative_to(input_root) else p): sha256(p)
            for p in inputs
        },
        "outputs": {str(p.relative_to(writer.folder)): sha256(p) for p in sorted(out_files)},
        "notes": notes,
    }


def write_json(path: Path, content: dict[str, Any]) -> None:
    """Pretty JSON with sorted keys."""
    path.write_text(
        json.dumps(content, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
