"""Scaling of the whole run: wall time, CPU time and peak RSS per stage, by cohort size.

Run from the repository root (after ``make test`` has created ``.venv``)::

    .venv/bin/python benchmarks/bench_scale.py 1000 5000 20000 [100000] [--out table.md]

For each size, a cohort is simulated once with ``netsurv simulate`` (default scenario ``ssa``,
as issue 21 measured: 100,000 patients are ~1.1 M scans and ~6.2 M lesion rows; ``--scenario
mixed`` is about three times larger per patient), kept in ``--data`` (default
``/tmp/netsurv-bench``), then two commands run, each in its own process:

* ``netsurv validate <folder>``: wall time, CPU time and peak RSS of the process;
* ``netsurv run analyses/demo.toml --set data.source=<folder>`` with every section on (Cox on
  baseline covariates, the threshold sweep; the report off: it executes a notebook, whose
  kernel start dominates at every size), per stage of the run.

How the per-stage numbers are taken: the run prints a line when a stage starts (``• label``)
and when it ends (``done in``).  This script reads those lines as they come; at a start it
resets the child's peak-RSS counter (``5`` written to ``/proc/<pid>/clear_refs``, Linux ≥ 4.0)
and at the end it reads ``VmHWM`` from ``/proc/<pid>/status``, so a stage's peak RSS is the
largest resident memory of the process while the stage ran (including what earlier stages
keep, e.g. the cohort; the run's forked workers are not counted in it).  CPU time is utime +
stime + cutime + cstime (its ended worker processes included) from ``/proc/<pid>/stat`` at the same
moments (robust on a shared machine, where wall time is not).  The stage lines are read a few
milliseconds late at most; stages shorter than that are not resolved.  The load average of the
machine (``/proc/loadavg``) is recorded before and after each size: on a shared machine the
wall times are inflated by it, the CPU times much less.  Linux only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NETSURV = Path(sys.executable).with_name("netsurv")
TICK = os.sysconf("SC_CLK_TCK")

#: ``--set`` overrides of analyses/demo.toml: every section on, the report off.
EVERY_SECTION = [
    "report.enabled=false",
    "cox.enabled=true",
    'cox.covariates=["grade", "ki67_pct", "ecog"]',
    "sweep.enabled=true",
    "sweep.grid={progression_threshold = [0.1, 0.2, 0.3], response_threshold = [-0.1, -0.2, -0.3]}",
]


@dataclass
class Stage:
    """One measured stage: wall and CPU seconds, peak RSS in MiB."""

    name: str
    wall: float
    cpu: float
    peak_mib: float


@dataclass
class Measurement:
    n_patients: int
    stages: list[Stage] = field(default_factory=list)
    load: list[float] = field(default_factory=list)


def _load() -> float:
    """The 1-minute load average."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def _cpu(pid: int) -> float:
    """User + system time of the process and of its children that have ended (the run's
    forked workers, which draw figures and write tables)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / TICK


def _hwm_mib(pid: int) -> float:
    m = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(m.group(1)) / 1024 if m else float("nan")


def _reset_hwm(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def whole_process(name: str, args: list[str]) -> Stage:
    """Wall, CPU and peak RSS of a command run to completion (``os.wait4``'s rusage)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{err[-3000:]}")
    return Stage(name, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def staged_run(args: list[str]) -> list[Stage]:
    """Per-stage wall, CPU and peak RSS of ``netsurv run`` (see the module docstring), and a
    last row for the whole process (start-up and writing the manifest included)."""
    env = os.environ | {"COLUMNS": "200"}
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
    )
    assert proc.stderr is not None
    stages: list[Stage] = []
    current: tuple[str, float, float] | None = None
    tail: list[str] = []
    for line in proc.stderr:
        text = line.strip()
        tail = [*tail[-39:], text]
        if text.startswith("•"):
            _reset_hwm(proc.pid)
            current = (text.lstrip("• ").rstrip(" …"), time.perf_counter(), _cpu(proc.pid))
        elif text.startswith("done in") and current is not None:
            name, t0, c0 = current
            cpu, peak = _cpu(proc.pid), _hwm_mib(proc.pid)
            stages.append(Stage(name, time.perf_counter() - t0, cpu - c0, peak))
            current = None
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("netsurv run failed:\n" + "\n".join(tail))
    cpu = usage.ru_utime + usage.ru_stime
    whole = Stage("total (process)", time.perf_counter() - start, cpu, usage.ru_maxrss / 1024)
    return [*stages, whole]


def ensure_cohort(n: int, data: Path, seed: int, scenario: str) -> Path:
    folder = data / f"{scenario}_{n}_seed{seed}"
    if not (folder / "lesions.csv").exists():
        print(f"simulating {n} patients into {folder} …", file=sys.stderr)
        cmd = [str(NETSURV), "simulate", "--patients", str(n), "--seed", str(seed)]
        subprocess.run([*cmd, "--scenario", scenario, "--out", str(folder)], check=True)
    return folder


def measure(n: int, data: Path, seed: int, scenario: str, overrides: list[str]) -> Measurement:
    folder = ensure_cohort(n, data, seed, scenario)
    m = Measurement(n, load=[_load()])
    m.stages.append(whole_process("netsurv validate", [str(NETSURV), "validate", str(folder)]))
    with tempfile.TemporaryDirectory() as out:
        sets = [f"data.source={folder}", *overrides]
        cmd = [str(NETSURV), "run", str(ROOT / "analyses" / "demo.toml"), "--out", out]
        stages = staged_run([*cmd, *[a for s in sets for a in ("--set", s)]])
    m.stages += [Stage(f"run: {s.name}", s.wall, s.cpu, s.peak_mib) for s in stages]
    m.load.append(_load())
    return m


def markdown(results: list[Measurement]) -> str:
    """One row per stage; per size: wall s, CPU s, peak RSS MiB."""
    names: list[str] = []
    for r in results:
        names += [s.name for s in r.stages if s.name not in names]
    head = "| stage | " + " | ".join(f"{r.n_patients:,} patients" for r in results) + " |"
    rows = [head, "|---|" + "---|" * len(results)]
    for name in names:
        cells = []
        for r in results:
            s = next((s for s in r.stages if s.name == name), None)
            cells.append(
                "–" if s is None else f"{s.wall:.1f} s ({s.cpu:.1f} s CPU), {s.peak_mib:,.0f} MiB"
            )
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    loads = [" → ".join(f"{x:.1f}" for x in r.load) for r in results]
    rows.append("| load average (before → after) | " + " | ".join(loads) + " |")
    return "\n".join(rows)


def commit() -> str:
    out = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return out.stdout.strip() or "unknown"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sizes", nargs="*", type=int, default=[1000, 5000, 20000])
    p.add_argument("--data", type=Path, default=Path("/tmp/netsurv-bench"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scenario", default="ssa", help="netsurv simulate --scenario (default ssa)")
    p.add_argument("--out", type=Path, help="also write the Markdown table here")
    p.add_argument("--json", type=Path, help="also write the raw numbers here")
    p.add_argument("--set", dest="extra", action="append", default=[], help="further run overrides")
    a = p.parse_args()
    a.data.mkdir(parents=True, exist_ok=True)
    results = []
    for n in a.sizes:
        results.append(measure(n, a.data, a.seed, a.scenario, [*EVERY_SECTION, *a.extra]))
        print(markdown(results[-1:]), file=sys.stderr)
    header = (
        f"Measured {dt.date.today().isoformat()} at commit {commit()} on {os.cpu_count()} cores, "
        f"`{a.scenario}` cohorts; each cell: wall time (CPU time), peak RSS."
    )
    table = header + "\n\n" + markdown(results) + "\n"
    print(table)
    if a.out:
        a.out.write_text(table)
    if a.json:
        a.json.write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
