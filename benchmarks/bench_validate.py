"""Reading and validating a cohort folder: CPU time, peak RSS, and the memory of each table.

Run from the repository root on a folder made by ``netsurv simulate`` (as
``benchmarks/bench_scale.py`` makes them), one folder per process::

    .venv/bin/python benchmarks/bench_validate.py /tmp/netsurv-bench/ssa_100000_seed1

It times :func:`netsurv.read_cohort` (what ``netsurv validate`` runs) in this process: CPU
seconds (user + system of every thread: steadier than wall time on a shared machine) and the
process's peak resident memory (``ru_maxrss``, imports included).  Then the MiB each table of the
validated cohort holds, counted two ways: pandas' deep size (``memory_usage(deep=True)``, which
counts a text value once per cell even where the cells share one string object, as the CSV
parser makes them) and the resident size (column buffers, plus each distinct object once).  The
same script runs against an older checkout (``PYTHONPATH=<checkout> .venv/bin/python
benchmarks/bench_validate.py <folder>``) for before/after numbers.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import pandas as pd

import netsurv as ns


def resident_mib(df: pd.DataFrame) -> float:
    """Column buffers plus each distinct Python object of the object columns once, in MiB."""
    total = 0
    for name in df.columns:
        column = df[name]
        total += int(column.memory_usage(deep=False, index=False))
        if column.dtype == object:
            distinct = {id(v): v for v in column.to_numpy()}
            total += sum(sys.getsizeof(v) for v in distinct.values() if v is not None)
    return total / 2**20


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", help="a cohort folder (netsurv simulate --out ...)")
    a = p.parse_args()
    cpu, wall = time.process_time(), time.perf_counter()
    cohort = ns.read_cohort(a.folder)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"read_cohort: {cpu:.1f} s CPU, {wall:.1f} s wall, peak RSS {peak:,.0f} MiB")
    tables = {
        "lesions": cohort.lesions,
        "assessments": cohort.assessments,
        "assessment links": cohort.assessment_lines,
        "lines": cohort.lines,
        "patients": cohort.patients,
    }
    print("| table | rows | pandas deep size (MiB) | resident (MiB) |")
    print("|---|---|---|---|")
    for name, df in tables.items():
        deep = df.memory_usage(deep=True).sum() / 2**20
        print(f"| {name} | {len(df):,} | {deep:,.0f} | {resident_mib(df):,.0f} |")


if __name__ == "__main__":
    main()
