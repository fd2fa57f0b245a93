"""Pair statistics against cohort size: Harrell's C, Oakes' τ (with bootstrap), Uno's C.

Run: ``.venv/bin/python benchmarks/bench_pairs.py [n ...] [--boot 100]`` (default 5000 20000).
Each line is the best of three runs (CPU seconds of this process: steadier than wall time on a
shared machine; the work is single-threaded numpy) on synthetic data: exponential
times rounded to 0.1 (ties), 60–70 % events, a continuous and a binary (30 % "responders")
score.  An algorithm quadratic in patients shows as 16× from 5,000 to 20,000 patients; an
n log n one as about 4.6×.  The same script runs against an older checkout
(``PYTHONPATH=<checkout> .venv/bin/python benchmarks/bench_pairs.py``) for before/after numbers.
"""

from __future__ import annotations

import argparse
import time
import timeit
from collections.abc import Callable

import numpy as np

from netsurv.survival import oakes_pairs
from netsurv.survival._concordance import harrell_c
from netsurv.survival._metrics import uno_c


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    return min(timeit.repeat(fn, number=1, repeat=repeat, timer=time.process_time))


def one_size(n: int, boot: int, rng: np.random.Generator) -> None:
    t = rng.exponential(20, n).round(1) + 0.1
    e = rng.random(n) < 0.65
    score = rng.normal(size=n)
    binary = (rng.random(n) < 0.3).astype(float)
    pfs = (t * rng.uniform(0.2, 1.0, n)).round(1)
    pfs_event = e | (rng.random(n) < 0.5)
    draws = rng.multinomial(n, np.full(n, 1 / n), size=boot).astype(float)
    rows = {
        "Harrell's C, continuous score": lambda: harrell_c(t, e, score),
        "Harrell's C, binary score": lambda: harrell_c(t, e, binary),
        "Oakes' tau, point estimate": lambda: oakes_pairs(pfs, pfs_event, t, e),
        f"Oakes' tau, {boot} bootstrap replicates": lambda: oakes_pairs(
            pfs, pfs_event, t, e, weights=draws
        ),
        "Uno's C, binary score": lambda: uno_c(t, e, binary, tau=40.0),
    }
    for label, fn in rows.items():
        print(f"{n:>7} patients  {label:<40} {best(fn, 1 if n > 20000 else 3):8.3f} s CPU")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sizes", nargs="*", type=int, default=[5000, 20000])
    p.add_argument("--boot", type=int, default=100, help="bootstrap replicates of Oakes' τ")
    a = p.parse_args()
    rng = np.random.default_rng(1)
    for n in a.sizes:
        one_size(n, a.boot, rng)


if __name__ == "__main__":
    main()
