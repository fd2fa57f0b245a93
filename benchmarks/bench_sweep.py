"""Benchmark of the sweep engine against the naive loop, in one run on the same data.

Workload (issue 7): 400 binary groupings (threshold variants) of the same 1,000 patients ×
200 bootstrap resamples = 80,000 one-covariate Cox fits (Efron) + log-rank tests + Harrell's C.

* **naive**: lifelines ``CoxPHFitter`` + ``logrank_test`` on a resampled data frame for each
  (variant, resample) pair, timed on a random subset of pairs and extrapolated;
* **netsurv**: the bootstrap blocks of :func:`netsurv.sweep.sweep` (risk-set counts + batched
  Newton–Raphson + closed forms), in-process and on 2 local processes (joblib; the pool is
  started once before timing, as a user running several sweeps has it);
* a check that netsurv's numbers equal lifelines' on the timed pairs.

Run: ``.venv/bin/python benchmarks/bench_sweep.py [n_patients] [n_variants] [n_boot]
[n_naive_pairs]`` (defaults 1000, 400, 200, 60).  Prints the times, the ratio and peak memory
(``tracemalloc`` peak of the in-process run and the process's maximum resident set size).
Not part of the test suite.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from netsurv.sweep.backends import block_seeds, run_tasks
from netsurv.sweep.batch import fit_counts
from netsurv.sweep.counts import sort_outcome
from netsurv.sweep.groups import Analysis
from netsurv.sweep.replicates import Shared, bootstrap_block


def workload(n: int, v: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outcome with ties (whole days) and ``v`` cut-offs of noisy markers of the risk."""
    rng = np.random.default_rng(seed)
    risk = rng.normal(size=n)
    time_ = np.ceil(rng.exponential(400 * np.exp(-0.5 * risk)))
    event = rng.random(n) < 0.7
    markers = risk[None, :] + rng.normal(
        scale=rng.uniform(0.5, 2.0, (v // 20 + 1, 1)), size=(v // 20 + 1, n)
    )
    q = np.linspace(0.15, 0.85, 20)
    cuts = np.quantile(markers, q, axis=1).T  # (markers, 20)
    groups = (markers[:, None, :] >= cuts[:, :, None]).reshape(-1, n)[:v]
    return time_, event, groups


def netsurv_run(analysis: Analysis, n_boot: int, backend: object, seed: int = 7) -> list[dict]:
    orig = fit_counts(analysis.counts())
    shared = Shared(
        analyses=(analysis,),
        n_units=analysis.n,
        metric="logrank",
        ties="efron",
        start=(orig.beta[0],),
    )
    return run_tasks(
        bootstrap_block,
        shared,
        block_seeds(np.random.SeedSequence(seed), n_boot),
        backend=backend,
        n_jobs=2,
    )


def naive_pairs(
    time_: np.ndarray, event: np.ndarray, groups: np.ndarray, weights: np.ndarray, pairs: np.ndarray
) -> tuple[float, np.ndarray]:
    from lifelines import CoxPHFitter
    from lifelines.statistics import logrank_test

    out = np.empty((len(pairs), 2))
    t0 = time.perf_counter()
    for k, (b, v) in enumerate(pairs):
        idx = np.repeat(np.arange(time_.size), weights[b])
        g = groups[v][idx]
        df = pd.DataFrame({"t": time_[idx], "e": event[idx].astype(int), "g": g.astype(int)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = CoxPHFitter().fit(df, "t", "e")
        lr = logrank_test(df["t"][g], df["t"][~g], df["e"][g], df["e"][~g])
        out[k] = float(fit.params_["g"]), lr.test_statistic
    return time.perf_counter() - t0, out


def main(n: int = 1000, v: int = 400, n_boot: int = 200, n_naive: int = 60) -> None:
    time_, event, groups = workload(n, v)
    o = sort_outcome(time_, event)
    analysis = Analysis(
        kind="groups",
        landmark=float("nan"),
        units=o.order,
        outcome=o,
        groups=np.ascontiguousarray(groups[:, o.order]),
        switch=None,
    )
    fits = v * n_boot
    print(f"workload: {v} variants x {n_boot} resamples x {n} patients = {fits:,} fits")

    # netsurv in-process (median of 3), with the peak traced on a separate run
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res = netsurv_run(analysis, n_boot, None)
        times.append(time.perf_counter() - t0)
    t_in = float(np.median(times))
    tracemalloc.start()
    netsurv_run(analysis, n_boot, None)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"netsurv in-process:     {t_in:7.2f} s  (runs {', '.join(f'{t:.2f}' for t in times)})")
    print(f"  peak traced memory:   {peak:7.0f} MiB")

    netsurv_run(analysis, 20, "processes")  # start the worker pool
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        res_p = netsurv_run(analysis, n_boot, "processes")
        times.append(time.perf_counter() - t0)
    t_proc = float(np.median(times))
    same = all(
        np.array_equal(a[k], b[k], equal_nan=True)
        for a, b in zip(res, res_p, strict=True)
        for k in a
    )
    print(f"netsurv 2 processes:    {t_proc:7.2f} s  (identical to in-process: {same})")

    # the naive loop on a subset of the same (resample, variant) pairs
    rng = np.random.default_rng(7)
    weights = np.concatenate(
        [
            np.random.default_rng(s).multinomial(n, np.full(n, 1 / n), size=size)
            for s, size in block_seeds(np.random.SeedSequence(7), n_boot)
        ]
    )
    pairs = np.stack([rng.integers(0, n_boot, n_naive), rng.integers(0, v, n_naive)], axis=1)
    t_naive, ref = naive_pairs(time_, event, groups, weights, pairs)
    per_pair = t_naive / n_naive
    t_naive_all = per_pair * fits
    beta = np.concatenate([r["beta"] for r in res])[pairs[:, 0], pairs[:, 1]]
    logrank = np.concatenate([r["logrank"] for r in res])[pairs[:, 0], pairs[:, 1]]
    ok = np.isfinite(beta)
    dev_b = np.max(np.abs(beta[ok] - ref[ok, 0]) / np.maximum(np.abs(ref[ok, 0]), 1))
    dev_l = np.max(np.abs(logrank - ref[:, 1]) / np.maximum(np.abs(ref[:, 1]), 1))
    print(
        f"naive lifelines loop:   {per_pair * 1000:7.1f} ms a pair over {n_naive} pairs "
        f"-> {t_naive_all:,.0f} s extrapolated"
    )
    print(
        f"  agreement on those pairs: beta {dev_b:.1e} (lifelines default tolerance), "
        f"log-rank {dev_l:.1e} relative"
    )
    best = min(t_in, t_proc)
    print(
        f"ratio naive / netsurv:  {t_naive_all / t_in:,.0f}x in-process, "
        f"{t_naive_all / t_proc:,.0f}x on 2 processes (best {t_naive_all / best:,.0f}x)"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"max resident set size (this process): {rss:.0f} MiB")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
