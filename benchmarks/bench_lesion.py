"""Benchmark of the lesion level: ``lesion_response`` and the per-scan patterns against
``classify`` on the same cohort (issue 17, "Speed": within 2x the time of classify, <= 4 GB).

Run: ``.venv/bin/python benchmarks/bench_lesion.py [n_patients]`` (default 100000; 100,000
simulated patients give about 1.1 M scans and 6.2 M lesion rows), on a cohort from
``netsurv.simulate_cohort`` (seed 1).  Prints each step's wall time, its ratio to
``classify`` and the process's maximum resident set size.  Not part of the test suite.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import netsurv as ns


def measure(label: str, fn: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``fn`` once; print its wall time and the maximum RSS so far."""
    t = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{label}: {secs:.2f} s (process max RSS so far {rss:.2f} GiB)", flush=True)
    return out, secs


def main(n: int = 100_000) -> None:
    t = time.perf_counter()
    cohort = ns.simulate_cohort(n_patients=n, seed=1)
    print(
        f"cohort: {cohort.n_patients:,} patients, {len(cohort.assessments):,} scans, "
        f"{len(cohort.lesions):,} lesion rows, built in {time.perf_counter() - t:.1f} s",
        flush=True,
    )
    tp, t_classify = measure("classify, RECIST 1.1", lambda: ns.classify(cohort, "recist1.1"))
    lr, t_lesion = measure(
        "lesion_response, RECIST 1.1", lambda: ns.lesion_response(cohort, "recist1.1")
    )
    print(f"  {len(lr.table):,} lesion rows; ratio to classify {t_lesion / t_classify:.2f}")
    del lr
    pats, t_pat = measure(
        "add_patterns from the cohort (classify included)",
        lambda: ns.add_patterns(cohort, "recist1.1"),
    )
    print(f"  {int(pats['oligoprogression'].sum()):,} oligoprogression scans")
    print(f"  ratio to classify {t_pat / t_classify:.2f}")
    del pats
    pats, t_tp = measure("add_patterns on classify's time points", lambda: ns.add_patterns(tp))
    print(f"  ratio to classify {t_tp / t_classify:.2f} (the cohort is measured again)")
    del pats
    _, t_org = measure("organ_response, RECIST 1.1", lambda: ns.organ_response(cohort, "recist1.1"))
    print(f"  ratio to classify {t_org / t_classify:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
