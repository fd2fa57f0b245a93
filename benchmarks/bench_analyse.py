"""Benchmark of the run's step "classifying responses and deriving endpoints" alone
(:func:`netsurv.pipeline.stages.analyse`: line selection, classification under every criterion
of analyses/demo.toml, endpoints, best responses, attrition) on a simulated cohort folder.

Run: ``.venv/bin/python benchmarks/bench_analyse.py 20000 --data /tmp/i21r [--cache DIR]``
(the folder ``<data>/ssa_<n>_seed1`` as bench_scale.py makes it).  The cohort is read and
validated first (with ``--cache``, once: it is pickled there and read back on later runs);
then the step runs with the process's RSS sampled every 10 ms.  Prints the step's wall and CPU
time, the RSS before it, its peak, after it, and after handing freed memory back to the system
(``malloc_trim``; what a forked analysis stage starts from).  Not part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import pickle
import resource
import threading
import time
import warnings
from pathlib import Path

from bench_scale import EVERY_SECTION  # the overrides of a run with every section on

from netsurv.config import load_config
from netsurv.pipeline import stages

ROOT = Path(__file__).resolve().parents[1]


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def trim() -> None:
    with contextlib.suppress(OSError):  # not glibc: nothing to hand back this way
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("n", type=int)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--cache", type=Path, default=None, help="folder for the pickled cohort")
    a = p.parse_args()
    warnings.simplefilter("ignore")
    folder = a.data / f"ssa_{a.n}_seed1"
    cfg = load_config(ROOT / "analyses" / "demo.toml", [f"data.source={folder}", *EVERY_SECTION])
    cached = a.cache / f"cohort_{a.n}.pkl" if a.cache else None
    if cached is not None and cached.exists():
        with cached.open("rb") as f:
            cohort = pickle.load(f)
    else:
        cohort = stages.load_cohort(cfg)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            with cached.open("wb") as f:
                pickle.dump(cohort, f, protocol=5)
    trim()
    before = peak = rss_mib()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mib())
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    c0, t0 = cpu_s(), time.perf_counter()
    res = stages.analyse(cfg, cohort)
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    done.set()
    sampler.join()
    after = rss_mib()
    trim()
    print(
        f"{a.n:,} patients, {len(res.timepoints.table):,} time points, "
        f"{len(res.endpoints.table):,} endpoint rows: {wall:.2f} s wall, {cpu:.2f} s CPU; "
        f"RSS before {before:,.0f} MiB, peak {peak:,.0f}, after {after:,.0f}, "
        f"after malloc_trim {rss_mib():,.0f}"
    )


if __name__ == "__main__":
    main()
