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
moments (robust on a shared machine, where wall time is not; a forked worker's CPU is counted
when it has ended and been waited for, so with the analysis stages on ``run.n_jobs`` processes
their CPU lands in the stage during which the workers end -- the total row has it all).

The forked workers' memory (the figure and table renderers, the analysis stages) is sampled
every 0.25 s from ``/proc/<pid>/smaps_rollup`` of the run process and its descendants: ``PSS``
is the proportional set size of the whole process tree (pages shared copy-on-write between a
parent and its forked children counted once: the memory the run really holds), ``children``
the pages private to the descendants (what the forks add to the parent's memory); both are
the largest sample during a stage.  The stage lines are read a few
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
import threading
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
    """One measured stage: wall and CPU seconds, peak RSS in MiB; for the run's stages also
    the peak PSS of the run's process tree and the peak memory private to its forked children
    (MiB, sampled; NaN where not measured)."""

    name: str
    wall: float
    cpu: float
    peak_mib: float
    tree_pss_mib: float = float("nan")
    children_mib: float = float("nan")


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


def _descendants(pid: int) -> list[int]:
    """The process's children, grandchildren, ... (from each process's parent in ``/proc``)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # ended meanwhile
            parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _rollup_kib(pid: int) -> dict[str, int]:
    """``Pss``, ``Private_Clean`` and ``Private_Dirty`` of ``/proc/<pid>/smaps_rollup`` (kB);
    empty when the process has ended."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}
    return {k: int(v) for k, v in re.findall(r"^(Pss|Private_\w+):\s+(\d+) kB", text, re.M)}


class MemorySampler(threading.Thread):
    """Samples the PSS of a process tree and the private memory of the process's descendants
    every ``interval`` seconds, keeping the largest of each since :meth:`reset` (MiB)."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_pss = self.peak_children = 0.0
        self.lock = threading.Lock()
        self.done = threading.Event()

    def reset(self) -> None:
        with self.lock:
            self.peak_pss = self.peak_children = 0.0

    def peaks(self) -> tuple[float, float]:
        self.sample()  # the stage's last moment too
        with self.lock:
            return self.peak_pss, self.peak_children

    def sample(self) -> None:
        own = _rollup_kib(self.pid)
        kids = [_rollup_kib(p) for p in _descendants(self.pid)]
        pss = (own.get("Pss", 0) + sum(k.get("Pss", 0) for k in kids)) / 1024
        private = sum(k.get("Private_Clean", 0) + k.get("Private_Dirty", 0) for k in kids) / 1024
        with self.lock:
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_children = max(self.peak_children, private)

    def run(self) -> None:
        while not self.done.wait(self.interval):
            self.sample()


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
    memory = MemorySampler(proc.pid)
    memory.start()
    stages: list[Stage] = []
    current: tuple[str, float, float] | None = None
    tail: list[str] = []
    whole_pss = whole_children = 0.0
    starts: list[tuple[str, float, float]] = []
    for line in proc.stderr:
        text = line.strip()
        tail = [*tail[-39:], text]
        if text.startswith("•"):
            _reset_hwm(proc.pid)
            memory.reset()
            current = (text.lstrip("• ").rstrip(" …"), time.perf_counter(), _cpu(proc.pid))
            starts.append(current)
        elif text.startswith("done in") and current is not None:
            name, t0, c0 = current
            cpu, peak = _cpu(proc.pid), _hwm_mib(proc.pid)
            pss, children = memory.peaks()
            whole_pss, whole_children = max(whole_pss, pss), max(whole_children, children)
            stages.append(Stage(name, time.perf_counter() - t0, cpu - c0, peak, pss, children))
            current = None
    memory.done.set()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("netsurv run failed:\n" + "\n".join(tail))
    cpu = usage.ru_utime + usage.ru_stime
    wall = time.perf_counter() - start
    whole = Stage("total (process)", wall, cpu, usage.ru_maxrss / 1024, whole_pss, whole_children)
    return [*stages, *_analysis_span(starts, stages), whole]


def _analysis_span(starts: list[tuple[str, float, float]], stages: list[Stage]) -> list[Stage]:
    """One row for the analysis stages together, from the start of the first step after
    ``writing tables`` to the start of ``figures``: their forked processes have ended and been
    waited for by then, so the CPU column holds all of theirs (the stages' own rows cannot:
    the processes end after the last of them)."""
    names = [name for name, _, _ in starts]
    if "writing tables" not in names or "figures" not in names:
        return []
    first, last = names.index("writing tables") + 1, names.index("figures")
    if first >= last:
        return []
    (_, t0, c0), (_, t1, c1) = starts[first], starts[last]
    inside = stages[first:last]
    return [
        Stage(
            "analysis stages together (to the start of figures)",
            t1 - t0,
            c1 - c0,
            max(s.peak_mib for s in inside),
            max(s.tree_pss_mib for s in inside),
            max(s.children_mib for s in inside),
        )
    ]


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
    m.stages += [
        Stage(f"run: {s.name}", s.wall, s.cpu, s.peak_mib, s.tree_pss_mib, s.children_mib)
        for s in stages
    ]
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
            cells.append("–" if s is None else _cell(s))
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    loads = [" → ".join(f"{x:.1f}" for x in r.load) for r in results]
    rows.append("| load average (before → after) | " + " | ".join(loads) + " |")
    return "\n".join(rows)


def _cell(s: Stage) -> str:
    """``wall s (CPU s), peak RSS MiB`` and, where sampled, ``[PSS of the tree / private to
    the children]`` MiB."""
    cell = f"{s.wall:.1f} s ({s.cpu:.1f} s CPU), {s.peak_mib:,.0f} MiB"
    if s.tree_pss_mib == s.tree_pss_mib:  # not NaN
        cell += f" [{s.tree_pss_mib:,.0f} / {s.children_mib:,.0f}]"
    return cell


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
        f"`{a.scenario}` cohorts; each cell: wall time (CPU time), peak RSS of the process "
        "[peak PSS of the run's process tree / peak memory private to its forked children]."
    )
    table = header + "\n\n" + markdown(results) + "\n"
    print(table)
    if a.out:
        a.out.write_text(table)
    if a.json:
        a.json.write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
