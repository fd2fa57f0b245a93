"""Benchmark of the response-based survival analyses on a simulated cohort.

Run: ``.venv/bin/python benchmarks/bench_compare.py [n_patients] [n_boot]``.
Times, separately (wall and CPU seconds: on a shared machine CPU time is the steadier
measure): classification + endpoints for 4 criteria, landmark analysis at 4 landmarks, the
time-dependent Cox model, compare_criteria (landmark, 4 criteria, paired bootstrap) and
pfs_os_correlation (4 criteria, bootstrap).  Uses the seeded test generator of
``tests/survival/sim_cohort.py``.  Not part of the test suite.  It uses public functions
only, so ``PYTHONPATH=<older checkout>`` runs it against older code (before/after numbers).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "survival"))

from sim_cohort import simulate_cohort

import netsurv as ns
from netsurv.survival import (
    compare_criteria,
    landmark,
    pfs_os_correlation,
    time_dependent_cox,
)

CRITERIA = ["recist1.1", "recist_10", "liver3", "choi"]


def main(n: int, n_boot: int) -> None:
    clock: list[tuple[float, float]] = [(time.perf_counter(), time.process_time())]

    def tick() -> None:
        clock.append((time.perf_counter(), time.process_time()))

    cohort = simulate_cohort(
        n, seed=1, response_hr=0.5, last_response_scan=3, depth_range=(0.1, 0.6)
    )
    tick()
    tp = ns.classify(cohort, CRITERIA)
    ep = ns.derive_endpoints(cohort, tp, endpoints=["PFS", "OS"])
    tick()
    landmark(tp, endpoints=ep, criterion="recist1.1", at_months=[3, 6, 9, 12])
    tick()
    time_dependent_cox(tp, endpoints=ep, criterion="recist1.1")
    tick()
    res = compare_criteria(tp, endpoints=ep, criteria=CRITERIA, at_months=9, n_boot=n_boot)
    tick()
    pfs_os_correlation(ep, criteria=CRITERIA, n_boot=n_boot)
    tick()
    print(f"{n} patients, {len(CRITERIA)} criteria, {n_boot} bootstrap replicates")
    labels = [
        "simulate + validate",
        "classify + endpoints",
        "landmark (4 landmarks)",
        "time-dependent Cox",
        "compare_criteria",
        "pfs_os_correlation",
    ]
    for k, label in enumerate(labels):
        wall = clock[k + 1][0] - clock[k][0]
        cpu = clock[k + 1][1] - clock[k][1]
        extra = ""
        if label == "compare_criteria":
            extra = f" ({1000 * cpu / max(1, (n_boot + 1) * len(CRITERIA)):.1f} ms CPU per fit)"
        print(f"  {label:<26} {wall:7.2f} s wall {cpu:7.2f} s CPU{extra}")
    print(res.table[["criterion", "hr", "harrell_c", "uno_c", "ibs", "rank"]].round(3))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 1000, args[1] if len(args) > 1 else 100)
