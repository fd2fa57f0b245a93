"""Benchmark of the simulator: time and peak memory for 10,000 and 100,000 patients.

Run: ``.venv/bin/python benchmarks/bench_simulate.py [scenario] [n ...]`` (defaults ``ssa``
10000 100000).  For each size: generating the tables (``simulate_tables``), validating them
into a cohort (``Cohort.from_frames``, shared validation code) and writing CSV files.  Wall
times are measured without tracing; the simulator's peak memory is traced by ``tracemalloc``
(numpy allocations included) and the process's maximum resident set size is printed after
each step.  Not part of the test suite.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from functools import partial
from typing import Any

from netsurv.cohort import Cohort
from netsurv.io import write_cohort
from netsurv.simulate import simulate_tables


def measure(label: str, fn: Callable[[], Any], *, trace: bool = False) -> Any:
    """Run ``fn`` once untraced for the time; with ``trace`` a second, traced run gives the
    peak memory (tracemalloc slows pandas-heavy code several-fold, so it is not timed)."""
    t = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    peak = ""
    if trace:
        del out
        tracemalloc.start()
        out = fn()
        peak = f", peak traced {tracemalloc.get_traced_memory()[1] / 2**30:.2f} GiB"
        tracemalloc.stop()
    print(f"  {label}: {secs:.1f} s{peak} (process max RSS {rss:.2f} GiB)")
    return out


def main(scenario: str = "ssa", sizes: tuple[int, ...] = (10_000, 100_000)) -> None:
    for n in sizes:
        print(f"{scenario}, {n:,} patients")
        tables = measure(
            "simulate_tables",
            partial(simulate_tables, n, seed=1, scenario=scenario),
            trace=True,
        )
        rows = {k: len(v) for k, v in tables.items()}
        mib = sum(v.memory_usage(deep=True).sum() for v in tables.values()) / 2**20
        print(f"    rows {rows}, {mib:,.0f} MiB in memory")
        truth = tables.pop("truth")
        cohort = measure(
            "Cohort.from_frames (validation)",
            partial(
                Cohort.from_frames,
                tables["patients"],
                tables["lines"],
                tables["assessments"],
                tables["lesions"],
                truth=truth,
            ),
        )
        with tempfile.TemporaryDirectory() as tmp:
            measure("write_cohort (CSV)", partial(write_cohort, cohort, tmp))
        del tables, truth, cohort


if __name__ == "__main__":
    args = sys.argv[1:]
    scen = args.pop(0) if args and not args[0].isdigit() else "ssa"
    main(scen, tuple(int(a) for a in args) or (10_000, 100_000))
