"""Benchmark of the response-based survival analyses on a simulated cohort.

Run: ``.venv/bin/python benchmarks/bench_compare.py [n_patients] [n_boot]``.
Times, separately: classification + endpoints for 4 criteria, landmark analysis at 4
landmarks, the time-dependent Cox model, compare_criteria (landmark, 4 criteria, paired
bootstrap) and pfs_os_correlation (4 criteria, bootstrap).  Uses the seeded test generator of
``tests/survival/sim_cohort.py``.  Not part of the test suite.
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
    t0 = time.perf_counter()
    cohort = simulate_cohort(
        n, seed=1, response_hr=0.5, last_response_scan=3, depth_range=(0.1, 0.6)
    )
    t1 = time.perf_counter()
    tp = ns.classify(cohort, CRITERIA)
    ep = ns.derive_endpoints(cohort, tp, endpoints=["PFS", "OS"])
    t2 = time.perf_counter()
    landmark(tp, endpoints=ep, criterion="recist1.1", at_months=[3, 6, 9, 12])
    t3 = time.perf_counter()
    time_dependent_cox(tp, endpoints=ep, criterion="recist1.1")
    t4 = time.perf_counter()
    res = compare_criteria(tp, endpoints=ep, criteria=CRITERIA, at_months=9, n_boot=n_boot)
    t5 = time.perf_counter()
    pfs_os_correlation(ep, criteria=CRITERIA, n_boot=n_boot)
    t6 = time.perf_counter()
    print(f"{n} patients, {len(CRITERIA)} criteria, {n_boot} bootstrap replicates")
    print(f"  simulate + validate        {t1 - t0:7.2f} s")
    print(f"  classify + endpoints       {t2 - t1:7.2f} s")
    print(f"  landmark (4 landmarks)     {t3 - t2:7.2f} s")
    print(f"  time-dependent Cox         {t4 - t3:7.2f} s")
    per = (t5 - t4) / max(1, (n_boot + 1) * len(CRITERIA))
    print(f"  compare_criteria           {t5 - t4:7.2f} s ({1000 * per:.1f} ms per fit)")
    print(f"  pfs_os_correlation         {t6 - t5:7.2f} s")
    print(res.table[["criterion", "hr", "harrell_c", "uno_c", "ibs", "rank"]].round(3))


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 1000, args[1] if len(args) > 1 else 100)
