"""What a run starts from and what it made: :func:`provenance` (versions, git commit, seed,
the SHA-256 of every file read) and the :func:`manifest` (adds the SHA-256 of every file
written, the resolved config and the times).

Paths are recorded relative to the config file's folder (``data/patients.csv``,
``../shared/lines.csv``); the package's own files (the demo cohort, the report template) as
``netsurv:<path inside the package>``: never the user's absolute paths.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from netsurv.config import Config

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


def input_name(path: Path, base: Path) -> str:
    """How the manifest names a file read: ``netsurv:<path>`` for the package's own files
    (the demo cohort, the report template), else its path from ``base`` (the config file's
    folder), with ``..`` where needed.

    Examples
    --------
    >>> from netsurv.datasets import demo_folder
    >>> input_name(demo_folder() / "patients.csv", Path("/somewhere"))
    'netsurv:datasets/demo/patients.csv'
    >>> input_name(Path("/study/data/lines.csv"), Path("/study/analyses"))
    '../data/lines.csv'
    """
    p = path.resolve()
    package = Path(__file__).resolve().parents[1]
    if package in p.parents:
        return "netsurv:" + p.relative_to(package).as_posix()
    if package.parent / "notebooks" in p.parents:  # the template in a source checkout
        return "netsurv:" + p.relative_to(package.parent).as_posix()
    try:
        return Path(os.path.relpath(p, base.resolve())).as_posix()
    except ValueError:  # another drive (Windows): the name alone
        return p.name


def input_hashes(paths: list[Path], base: Path) -> dict[str, str]:
    """The SHA-256 of each file read, keyed by :func:`input_name`."""
    return {input_name(p, base): sha256(p) for p in sorted(paths)}


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
    base: Path,
    code_dir: Path,
) -> dict[str, Any]:
    """What a run starts from: versions, git commit, seed, start time, the config file's name
    and the SHA-256 of every file read (``inputs``, keyed by :func:`input_name` from ``base``,
    the config file's folder).  The report shows it (but the time); the manifest adds the
    outputs.

    Examples
    --------
    >>> prov = provenance(inputs=[], seed=1, started="2026-01-01T00:00:00+00:00",
    ...                   config_file=None, base=Path("."), code_dir=Path("."))
    >>> prov["inputs"], prov["seed"], prov["paths"]
    ({}, 1, 'relative to the working folder')
    """
    found = versions()
    return {
        "netsurv": found.get("netsurv"),
        "versions": found,
        "git_commit": git_commit(code_dir),
        "seed": seed,
        "started": started,
        "config_file": None if config_file is None else input_name(config_file, base),
        "paths": f"relative to the {'working' if config_file is None else 'config file'} folder",
        "inputs": input_hashes(inputs, base),
    }


def manifest(
    provenance: dict[str, Any],
    *,
    config: dict[str, Any],
    outputs: dict[str, str],
    finished: str,
    notes: list[str],
) -> dict[str, Any]:
    """The run's manifest: its :func:`provenance`, the resolved config, the SHA-256 of every
    file written (``outputs``: path in the run folder -> hash), the finish time and the
    run's notes.

    Examples
    --------
    >>> prov = provenance(inputs=[], seed=1, started="t0", config_file=None, base=Path("."),
    ...                   code_dir=Path("."))
    >>> man = manifest(prov, config={}, outputs={"b.csv": "2", "a.csv": "1"}, finished="t1",
    ...                notes=[])
    >>> list(man["outputs"]), man["finished"]
    (['a.csv', 'b.csv'], 't1')
    """
    return provenance | {
        "finished": finished,
        "config": config,
        "outputs": dict(sorted(outputs.items())),
        "notes": notes,
    }
