"""Benchmark of the response engine: classify a large cohort under RECIST 1.1 and under a
400-variant grid of cut-offs.

Run: ``.venv/bin/python benchmarks/bench_classify.py [n_patients] [n_variants] [--memory]``
(defaults 100000 and 400), on a cohort from ``netsurv.simulate_cohort`` (ssa scenario, seed 1:
100,000 patients give 1.1 M scans and 6.2 M lesion rows).  Then the first PD per line and
variant, and PFS (FDA 2018) and OS for every variant with ``endpoint_matrix``.  Prints each
step's wall time (untraced) and the process's maximum resident set size; with ``--memory`` each
step runs a second time under ``tracemalloc`` to print its peak allocation.  Not part of the
test suite.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

import netsurv as ns
from netsurv.endpoints import endpoint_matrix
from netsurv.response import classify, classify_matrix

TRACE = False


def measure(label: str, fn: Callable[[], Any]) -> Any:
    """Time ``fn`` untraced; with ``--memory``, run it again under ``tracemalloc`` for its peak."""
    t = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    line = f"{label}: {secs:.2f} s (process max RSS so far {rss:.2f} GiB)"
    if TRACE:
        del out
        tracemalloc.start()
        out = fn()
        peak = tracemalloc.get_traced_memory()[1] / 2**30
        tracemalloc.stop()
        line += f"; peak traced during the call {peak:.2f} GiB"
    print(line)
    return out


def main(n: int = 100_000, n_variants: int = 400) -> None:
    t = time.perf_counter()
    cohort = ns.simulate_cohort(n_patients=n, seed=1)
    print(
        f"cohort: {cohort.n_patients:,} patients, {len(cohort.assessments):,} scans, "
        f"{len(cohort.lesions):,} lesion rows (simulated), "
        f"built in {time.perf_counter() - t:.1f} s"
    )
    tp = measure("classify, RECIST 1.1", lambda: classify(cohort, "recist1.1"))
    print(
        f"  {len(tp.table):,} time-point rows; responses {tp.table['response'].value_counts().to_dict()}"
    )
    side = int(np.ceil(np.sqrt(n_variants)))
    grid = ns.criteria.grid(
        ns.criteria.RECIST_1_1,
        response_threshold=list(np.round(np.linspace(-0.6, -0.05, side), 4)),
        progression_threshold=list(np.round(np.linspace(0.05, 0.6, side), 4)),
    )[:n_variants]
    mat = measure(
        f"classify_matrix, {len(grid)}-variant grid", lambda: classify_matrix(cohort, grid)
    )
    print(f"  codes {mat.codes.shape}, {mat.codes.nbytes / 2**20:.0f} MiB")
    first = measure("first PD date per line x variant", lambda: mat.first("PD"))
    print(
        f"  {first.shape}; lines with PD under the first variant: {first.iloc[:, 0].notna().sum():,}"
    )
    pfs = measure(
        f"PFS (FDA 2018 rules), {len(grid)} variants",
        lambda: endpoint_matrix(cohort, mat, endpoint="PFS"),
    )
    os_ = measure("OS", lambda: endpoint_matrix(cohort, mat, endpoint="OS"))
    print(
        f"  {pfs.days.shape}; PFS events under the first / last variant: "
        f"{pfs.event[:, 0].sum():,} / {pfs.event[:, -1].sum():,}; OS events {os_.event[:, 0].sum():,}"
    )


if __name__ == "__main__":
    TRACE = "--memory" in sys.argv
    main(*(int(a) for a in sys.argv[1:] if a != "--memory"))
