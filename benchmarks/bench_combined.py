"""Benchmark of combined (multi-modal) criteria: ``classify_matrix`` on a 400-variant grid of a
two-component combined criterion (RECIST 1.1 on CT + SST-PET tumour volume) against the
single-criterion ``classify_matrix`` (RECIST 1.1) on the same cohort.

Run: ``.venv/bin/python benchmarks/bench_combined.py [n_patients] [n_variants] [--memory]``
(defaults 100000 and 400), on ``netsurv.simulate_cohort`` (ssa scenario, seed 1).  The grid
varies ``sstv.response_threshold`` × ``recist1.1.progression_threshold`` (20 × 20).  Prints
each step's wall time (untraced), the ratio to the single-criterion time (goal: <= 2.5) and the
process's maximum resident set size (goal: <= 4 GiB); with ``--memory`` each step runs a second
time under ``tracemalloc`` for its peak allocation.  Then the first PD per line and PFS for
every variant with ``endpoint_matrix``.  Not part of the test suite.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from bench_classify import measure

import netsurv as ns
from netsurv.endpoints import endpoint_matrix
from netsurv.response import classify_matrix


def main(n: int = 100_000, n_variants: int = 400) -> None:
    t = time.perf_counter()
    cohort = ns.simulate_cohort(n_patients=n, seed=1)
    counts = cohort.assessments["modality"].value_counts().to_dict()
    print(
        f"cohort: {cohort.n_patients:,} patients, {len(cohort.assessments):,} scans {counts}, "
        f"{len(cohort.lesions):,} lesion rows (simulated), built in {time.perf_counter() - t:.1f} s"
    )
    t0 = time.perf_counter()
    single = measure(
        "classify_matrix, RECIST 1.1 alone", lambda: classify_matrix(cohort, "recist1.1")
    )
    single_secs = time.perf_counter() - t0
    del single
    side = int(np.ceil(np.sqrt(n_variants)))
    both = ns.criteria.combine("recist1.1", "sstv", name="ct+sst")
    grid = ns.criteria.grid(
        both,
        **{
            "sstv.response_threshold": list(np.round(np.linspace(-0.6, -0.05, side), 4)),
            "recist1.1.progression_threshold": list(np.round(np.linspace(0.05, 0.6, side), 4)),
        },
    )[:n_variants]
    t0 = time.perf_counter()
    mat = measure(
        f"classify_matrix, {len(grid)}-variant grid of the combined criterion",
        lambda: classify_matrix(cohort, grid),
    )
    secs = time.perf_counter() - t0
    print(f"  ratio to the single criterion: {secs / single_secs:.2f} (goal <= 2.5)")
    print(f"  codes {mat.codes.shape}, {mat.codes.nbytes / 2**20:.0f} MiB")
    first = measure("first PD date per line x variant", lambda: mat.first("PD"))
    print(
        f"  lines with PD under the first / last variant: {first.iloc[:, 0].notna().sum():,}"
        f" / {first.iloc[:, -1].notna().sum():,}"
    )
    pfs = measure(
        f"PFS (FDA 2018 rules), {len(grid)} variants",
        lambda: endpoint_matrix(cohort, mat, endpoint="PFS"),
    )
    print(
        f"  PFS events under the first / last variant: {pfs.event[:, 0].sum():,} / "
        f"{pfs.event[:, -1].sum():,}"
    )


if __name__ == "__main__":
    import bench_classify

    bench_classify.TRACE = "--memory" in sys.argv
    main(*(int(a) for a in sys.argv[1:] if a != "--memory"))
