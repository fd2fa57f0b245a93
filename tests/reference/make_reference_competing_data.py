"""Write the datasets that ``make_reference_competing.R`` and ``make_reference_comparisons.R``
analyse with R's survival and cmprsk packages.

Run from the repository root::

    .venv/bin/python tests/reference/make_reference_competing_data.py

``cr_ties``
    Hand-built competing risks (status 0 censored, 1 and 2 two causes) in three groups with
    heavy ties: events of both causes and censorings at the same times, a group whose last
    time is an event of cause 2, non-integer case weights, a binary and a tied continuous
    covariate and two strata.
``cr_cont``
    200 subjects with continuous (untied) times from a seeded generator: cause 1 depends on
    ``x1``, cause 2 does not, uniform censoring.  Without ties ``cmprsk::crr`` and
    ``survival::finegray`` + ``coxph(ties = "breslow")`` fit the same model.
``cr_net``
    A simulated NET cohort (``netsurv.simulate_cohort``, 250 patients, seed 11, mixed
    scenario) run through netsurv's classification and endpoint engine: each patient's first
    line, PFS under RECIST 1.1 and Choi split by cause (:func:`netsurv.endpoints.competing_events`:
    1 = progression, 2 = death without progression), in whole days, with grade indicators.
``responses``
    Best overall response of each patient's first line in the same cohort under RECIST 1.1,
    RECIST 1.1 with minor response, Choi and SST-PET volumetric (:func:`netsurv.best_response`,
    unconfirmed), for ORR / DCR and the paired comparisons between criteria.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import netsurv as ns
from netsurv.endpoints import competing_events

DATA = Path(__file__).resolve().parent / "data"
CRITERIA = ["recist1.1", "recist_mr", "choi", "sstv"]


def cr_ties() -> pd.DataFrame:
    """Three groups, two causes, heavy ties between causes and with censoring."""
    # group A: tied events of both causes, censoring tied with events
    a_time = [1, 1, 1, 2, 2, 3, 3, 3, 3, 5, 5, 6, 8, 8, 9]
    a_stat = [1, 2, 0, 1, 1, 2, 1, 0, 0, 1, 2, 0, 1, 2, 0]
    # group B: cause 2 dominant, ends on an event of cause 2
    b_time = [1, 2, 2, 2, 4, 4, 4, 6, 6, 7, 7, 9, 10, 10, 12]
    b_stat = [2, 1, 2, 0, 2, 2, 1, 0, 1, 2, 0, 2, 1, 0, 2]
    # group C: few events, long censored tail
    c_time = [2, 3, 3, 5, 5, 7, 8, 11, 11, 13]
    c_stat = [1, 0, 2, 1, 0, 0, 1, 0, 2, 0]
    time = a_time + b_time + c_time
    status = a_stat + b_stat + c_stat
    group = ["A"] * len(a_time) + ["B"] * len(b_time) + ["C"] * len(c_time)
    i = np.arange(len(time))
    return pd.DataFrame(
        {
            "id": i + 1,
            "time": np.asarray(time, dtype=float),
            "status": status,
            "group": group,
            "x1": ((i * 7) % 5) / 2.0 - 1.0,
            "x2": (i % 3 == 0).astype(int),
            "stratum": np.where(i % 2 == 0, "s1", "s2"),
            "w": np.array([1.0, 2.0, 0.5, 1.5])[i % 4],
        }
    )


def cr_cont(n: int = 200) -> pd.DataFrame:
    """Untied continuous times: cause 1 with hazard exp(0.5 x1), cause 2 constant."""
    rng = np.random.default_rng(20240611)
    x1 = rng.normal(size=n)
    x2 = rng.integers(0, 2, size=n)
    t1 = rng.exponential(1.0 / np.exp(0.5 * x1))
    t2 = rng.exponential(2.0, size=n)
    cens = rng.uniform(0.0, 3.0, size=n)
    time = np.minimum(np.minimum(t1, t2), cens)
    status = np.where(time == cens, 0, np.where(time == t1, 1, 2))
    # 6 significant digits so R's CSV reader gets the same numbers; still untied
    time = np.round(time, 6)
    if np.unique(time).size != n:
        raise RuntimeError("cr_cont: rounding tied two times; change the seed")
    return pd.DataFrame(
        {"id": np.arange(1, n + 1), "time": time, "status": status, "x1": np.round(x1, 6), "x2": x2}
    )


def _cohort() -> ns.Cohort:
    return ns.simulate_cohort(250, seed=11, scenario="mixed")


def cr_net(cohort: ns.Cohort) -> pd.DataFrame:
    """First-line PFS by cause under RECIST 1.1 and Choi, whole days."""
    ep = ns.derive_endpoints(cohort, ["recist1.1", "choi"], endpoints=["PFS"])
    rows = competing_events(ep, endpoint="PFS", causes=("progression", "death"))
    first = cohort.lines.sort_values(
        ["patient_id", "start_date", "line_id"], kind="stable"
    ).drop_duplicates("patient_id")[["patient_id", "line_id"]]
    rows = rows.merge(first, on=["patient_id", "line_id"])
    grade = cohort.patients.set_index("patient_id")["grade"]
    g = rows["patient_id"].map(grade)
    return pd.DataFrame(
        {
            "id": np.arange(1, len(rows) + 1),
            "patient_id": rows["patient_id"],
            "criterion": rows["criterion"],
            "time": rows["days"].astype(int),
            "status": rows["status"],
            "g2": (g == "G2").astype(int).to_numpy(),
            "g3": (g == "G3").astype(int).to_numpy(),
        }
    )


def _first_lines(cohort: ns.Cohort) -> pd.DataFrame:
    lines = cohort.lines.sort_values(["patient_id", "start_date", "line_id"], kind="stable")
    return lines.drop_duplicates("patient_id")[["patient_id", "line_id"]]


def responses(cohort: ns.Cohort) -> pd.DataFrame:
    """BOR of each patient's first line under four criteria."""
    bor = ns.best_response(ns.classify(cohort, CRITERIA), confirm=False)
    bor = bor.merge(_first_lines(cohort), on=["patient_id", "line_id"])
    return bor[["patient_id", "line_id", "criterion", "bor"]].sort_values(
        ["criterion", "patient_id"], kind="stable"
    )


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    cohort = _cohort()
    frames = {
        "cr_ties": cr_ties(),
        "cr_cont": cr_cont(),
        "cr_net": cr_net(cohort),
        "responses": responses(cohort),
    }
    for name, frame in frames.items():
        frame.to_csv(DATA / f"{name}.csv", index=False)
        print(f"wrote {DATA / f'{name}.csv'} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
