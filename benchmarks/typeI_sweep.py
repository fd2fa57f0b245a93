"""Type-I check of the sweep's permutation p-value on simulated cohorts without signal.

Each cohort is simulated with ``death_link=0`` (survival independent of the disease course, so
no response variant predicts it), swept over a grid of response cut-offs with a landmark
analysis, and the permutation p-value of the whole search (``best["p_search"]``) is kept.  A
valid test rejects at 5 % in about 5 % of cohorts; the naive p-value of the apparent best
(``p_logrank``) shows what ignoring the search would give.

Run: ``.venv/bin/python benchmarks/typeI_sweep.py [n_cohorts] [n_patients] [n_perm]
[scenario] [landmark_months] [first_seed]`` (defaults 200, 300, 199, prrt, 6, 0: cohorts
seeded first_seed, first_seed + 1, ...), on 2 local processes.
Needs ``netsurv.simulate``.  Not part of the test suite.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.stats import binomtest

from netsurv.sweep import simulation_study
from netsurv.sweep.inference import rejection_rate, rejects

ALPHA = 0.05
GRID = {"response_threshold": [-0.1, -0.15, -0.2, -0.25, -0.3, -0.35, -0.4, -0.45, -0.5]}


#: Positional command-line arguments, in order, with their types.
_ARGS: tuple[tuple[str, Callable[[str], Any]], ...] = (
    ("n_cohorts", int),
    ("n_patients", int),
    ("n_perm", int),
    ("scenario", str),
    ("landmark", float),
    ("first_seed", int),
)


def main(
    n_cohorts: int = 200,
    n_patients: int = 300,
    n_perm: int = 199,
    scenario: str = "prrt",
    landmark: float = 6.0,
    first_seed: int = 0,
) -> None:
    t0 = time.perf_counter()
    st = simulation_study(
        "recist1.1",
        GRID,
        scenarios=[scenario],
        seeds=range(first_seed, first_seed + n_cohorts),
        n_patients=n_patients,
        truth="(no signal)",
        alpha=ALPHA,
        simulate_kwargs={"death_link": 0.0},
        landmark_months=landmark,
        metric="logrank",
        n_boot=0,
        n_perm=n_perm,
        backend="processes",
        n_jobs=2,
    )
    runs = st.runs
    p_search = runs["p_search"].to_numpy(float)
    ok = ~np.isnan(p_search)
    k = int(rejects(p_search, ALPHA).sum())  # the definition simulation_study uses
    n = int(ok.sum())
    ci = binomtest(k, n).proportion_ci(0.95)
    print(
        f"{n} cohorts ({scenario}, {n_patients} patients, death_link=0, landmark {landmark:g} mo, "
        f"{len(GRID['response_threshold'])} response cut-offs, {n_perm} permutations) in "
        f"{time.perf_counter() - t0:.0f} s"
    )
    print(
        f"permutation p of the search <= {ALPHA:g}: {k}/{n} = {k / n:.3f} "
        f"(95% CI {ci.low:.3f}-{ci.high:.3f})"
    )
    deciles = np.quantile(p_search[ok], np.linspace(0.1, 0.9, 9))
    print("deciles of the search p-value (uniform under a valid test):", np.round(deciles, 3))
    print(f"mean analysed lines per cohort: {runs['n'].mean():.0f}")
    print(f"cohorts without any defined statistic (left out of the rate): {int((~ok).sum())}")
    print("selected cut-off frequencies:")
    print(st.selection[["criterion", "rate"]].to_string(index=False))
    naive_p = np.asarray(runs.get("p_naive", []))
    if naive_p.size:
        print(f"naive p of the apparent best <= {ALPHA:g}: {rejection_rate(naive_p, ALPHA):.3f}")


if __name__ == "__main__":
    args = sys.argv[1:]
    kwargs: dict[str, Any] = {}
    for (name, kind), value in zip(_ARGS, args, strict=False):
        kwargs[name] = kind(value)
    main(**kwargs)
