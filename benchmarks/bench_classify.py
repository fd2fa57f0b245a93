"""Benchmark of the response engine: classify a large cohort under RECIST 1.1 and under a
400-variant grid of cut-offs.

Run: ``.venv/bin/python benchmarks/bench_classify.py [n_patients] [n_variants]``
(defaults 100000 and 400).  Uses ``netsurv.simulate_cohort`` when it exists, else a synthetic
cohort: one line, a baseline CT and 11 follow-ups every 12 weeks, 5 lesions per scan (two liver
targets, a nodal target, a lung target, a bone non-target) = 60 lesion rows per patient.
Prints wall time and peak memory (traced by ``tracemalloc`` during the call, and the process's
maximum resident set size).  Not part of the test suite.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import netsurv as ns
from netsurv.endpoints import endpoint_matrix
from netsurv.response import classify, classify_matrix


def synthetic(n: int, n_scans: int = 11, seed: int = 1) -> ns.Cohort:
    """``n`` patients with 5 lesions on each of ``n_scans + 1`` CT scans."""
    rng = np.random.default_rng(seed)
    pid = np.array([f"P{i:06d}" for i in range(n)], dtype=object)
    start = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 720, n), "D")
    offs = np.arange(n_scans + 1) * 84 - 7
    jitter = rng.integers(-7, 8, (n, n_scans + 1))
    jitter[:, 0] = 0
    days = offs[None, :] + jitter
    dates = start.to_numpy()[:, None] + days.astype("timedelta64[D]")
    last = dates[:, -1] + np.timedelta64(30, "D")
    dead = rng.random(n) < 0.3
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
    n_a = n * (n_scans + 1)
    scans = pd.DataFrame(
        {
            "patient_id": np.repeat(pid, n_scans + 1),
            "assessment_id": np.tile(aid, n),
            "date": dates.ravel(),
            "modality": "CT",
            "nontarget_status": np.where(rng.random(n_a) < 0.02, "PD", "NON-CR/NON-PD"),
            "new_lesion": rng.random(n_a) < 0.02,
        }
    )
    lesion_ids = np.array(["T1", "T2", "T3", "T4", "N1"], dtype=object)
    sites = np.array(["liver", "liver", "lymph_node", "lung", "bone"], dtype=object)
    roles = np.array(["target"] * 4 + ["non_target"], dtype=object)
    base = rng.lognormal(np.log(25), 0.3, (n, 5)) + 10.0
    base[:, 2] += 15.0  # nodal targets: short axis >= 15 mm at baseline
    rate = np.clip(rng.normal(0.0, 0.0012, n), -0.004, 0.002)  # per day, log scale
    t = np.maximum(days, 0)
    size = base[:, None, :] * np.exp(rate[:, None, None] * t[:, :, None])
    size *= rng.lognormal(0, 0.05, size.shape)
    k = n_a * 5
    la = size.reshape(k)
    node = np.tile(sites == "lymph_node", n_a)
    sa = np.where(node, la * 0.8, la * 0.7)
    la = np.where(rng.random(k) < 0.02, np.nan, la)  # 2 % not measured
    lesions = pd.DataFrame(
        {
            "patient_id": np.repeat(scans["patient_id"].to_numpy(), 5),
            "assessment_id": np.repeat(scans["assessment_id"].to_numpy(), 5),
            "lesion_id": np.tile(lesion_ids, n_a),
            "site": np.tile(sites, n_a),
            "role": np.tile(roles, n_a),
            "long_axis_mm": np.round(la, 1),
            "short_axis_mm": np.round(sa, 1),
            "density_hu": np.round(rng.normal(90, 15, k), 0),
            "volume_ml": np.round((sa / 10) ** 3 * 0.52, 2),
        }
    )
    return ns.Cohort.from_frames(patients, lines, scans, lesions)


def measure(label: str, fn: Callable[[], Any]) -> Any:
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    secs = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1] / 2**30
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{label}: {secs:.2f} s, peak traced {peak:.2f} GiB (process max RSS {rss:.2f} GiB)")
    return out


def main(n: int = 100_000, n_variants: int = 400) -> None:
    t = time.perf_counter()
    simulate = getattr(ns, "simulate_cohort", None)
    cohort = simulate(n_patients=n, seed=1) if simulate is not None else synthetic(n)
    print(
        f"cohort: {cohort.n_patients:,} patients, {len(cohort.assessments):,} scans, "
        f"{len(cohort.lesions):,} lesion rows ({'simulated' if simulate else 'synthetic'}), "
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
    main(*(int(a) for a in sys.argv[1:]))
