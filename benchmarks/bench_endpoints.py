"""Benchmark of the general endpoint engine (PFS + OS) on a large synthetic cohort.

Run: ``.venv/bin/python benchmarks/bench_endpoints.py [n_patients] [n_criteria]``.
Prints wall time and peak traced memory.  Not part of the test suite.
"""

from __future__ import annotations

import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

import netsurv as ns
from netsurv.endpoints import derive_from_timepoints


def synthetic(n: int, n_scans: int = 10, seed: int = 1) -> tuple[ns.Cohort, pd.DataFrame]:
    """n patients, one line each, a baseline and ``n_scans`` follow-up CTs every ~84 days."""
    rng = np.random.default_rng(seed)
    pid = np.array([f"P{i:06d}" for i in range(n)], dtype=object)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D")
    offs = np.arange(n_scans + 1) * 84 - 7
    dates = start.to_numpy()[:, None] + (
        offs[None, :] + rng.integers(-7, 8, (n, n_scans + 1))
    ).astype("timedelta64[D]")
    dates[:, 0] = (start - pd.Timedelta(days=7)).to_numpy()
    last = dates[:, -1] + np.timedelta64(30, "D")
    dead = rng.random(n) < 0.4
    patients = pd.DataFrame(
        {
            "patient_id": pid,
            "last_alive_date": last,
            "death_date": np.where(dead, last, np.datetime64("NaT")),
        }
    )
    lines = pd.DataFrame(
        {"patient_id": pid, "line_id": "L1", "regimen": "lanreotide", "start_date": start}
    )
    aid = np.array([f"A{j:02d}" for j in range(n_scans + 1)], dtype=object)
    scans = pd.DataFrame(
        {
            "patient_id": np.repeat(pid, n_scans + 1),
            "assessment_id": np.tile(aid, n),
            "date": dates.ravel(),
            "modality": "CT",
        }
    )
    lesions = scans[["patient_id", "assessment_id"]].assign(
        lesion_id="T1", site="liver", role="target", long_axis_mm=30.0
    )
    cohort = ns.Cohort.from_frames(patients, lines, scans, lesions)
    return cohort, scans[scans["assessment_id"] != "A00"].assign(line_id="L1")


def main(n: int = 10_000, n_criteria: int = 20) -> None:
    t = time.perf_counter()
    cohort, fu = synthetic(n)
    print(f"built and validated {n} patients in {time.perf_counter() - t:.1f} s")
    rng = np.random.default_rng(2)
    # each criterion: PD from a random scan on (threshold-like nesting), SD before
    first_pd = rng.integers(1, 14, size=(n, n_criteria))
    k = fu["assessment_id"].str[1:].astype(int).to_numpy()
    reps = []
    for c in range(n_criteria):
        pd_at = np.repeat(first_pd[:, c], 10)
        reps.append(fu.assign(criterion=f"c{c:03d}", response=np.where(k >= pd_at, "PD", "SD")))
    tp = pd.concat(reps, ignore_index=True)
    print(f"{len(tp):,} time-point rows")
    tracemalloc.start()
    t = time.perf_counter()
    res = derive_from_timepoints(cohort, tp, endpoints=["PFS", "OS"])
    secs = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    print(
        f"PFS + OS for {n} patients x {n_criteria} criteria: {secs:.2f} s, "
        f"peak {peak:.0f} MiB, {len(res.table):,} rows"
    )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
