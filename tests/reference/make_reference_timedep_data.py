"""Write the per-unit datasets that ``make_reference_timedep.R`` analyses with R's survival.

Run from the repository root::

    .venv/bin/python tests/reference/make_reference_timedep_data.py

One row per unit (patient) with the outcome and the time a status began, so that R builds the
(start, stop] rows itself (``tmerge``/``tdc``) and the landmark sets itself, independently of
netsurv's :func:`~netsurv.survival.to_start_stop` and :func:`~netsurv.survival.landmark_data`:

``heart_units``
    The Stanford heart-transplant data as shipped with lifelines (103 patients, the classic
    Mantel–Byar example): ``futime``, ``fustat``, ``wait`` (days to transplant, empty if none),
    ``age``, ``surgery``.  Rebuilt from lifelines' (start, stop] rows.
``simcohort_units``
    A simulated NET cohort (``tests/survival/sim_cohort.py``, 300 patients, seed 7, hazard
    ratio 0.7 after response) run through netsurv's classification (RECIST 1.1) and endpoints:
    OS in days (``time``, ``event``; the endpoint's ``days``), days to the first response
    (``resp_time``) and to the first progression (``prog_time``) on the same scale, and a grade
    covariate ``g2``.  Whole days, so there are tied times.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from lifelines import datasets

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE.parent / "survival"))

from sim_cohort import simulate_cohort  # noqa: E402

from netsurv.endpoints.engine import DAYS_PER_MONTH  # noqa: E402
from netsurv.survival._status import resolve_inputs, unit_table  # noqa: E402


def heart_units() -> pd.DataFrame:
    """One row per patient from lifelines' (start, stop] Stanford heart-transplant rows."""
    rows = datasets.load_stanford_heart_transplants().sort_values(["id", "start"])
    last = rows.groupby("id").last()
    wait = rows[rows["transplant"] == 1].groupby("id")["start"].min()
    return pd.DataFrame(
        {
            "id": last.index.to_numpy(),
            "futime": last["stop"].to_numpy(),
            "fustat": last["event"].to_numpy(),
            "wait": wait.reindex(last.index).to_numpy(),
            "age": last["age"].to_numpy(),
            "surgery": last["surgery"].to_numpy(),
        }
    )


def days(months: pd.Series) -> pd.Series:
    """Months back to the whole days they were made from (R's CSV reader is not exact for
    17-digit decimals, integers it reads exactly)."""
    return (months * DAYS_PER_MONTH).round().astype("Int64").reset_index(drop=True)


def simcohort_units() -> pd.DataFrame:
    """OS with response and progression times of a simulated cohort, through netsurv."""
    cohort = simulate_cohort(300, seed=7, response_hr=0.7, last_response_scan=6)
    inputs = resolve_inputs(cohort, criteria="recist1.1", outcomes=["OS"])
    common = {"criterion": "recist1.1", "outcome": "OS", "lines": "first", "stage": "reference"}
    resp, _ = unit_table(inputs, status="response", confirm=False, **common)
    prog, _ = unit_table(inputs, status="progression", confirm=False, **common)
    grade = cohort.patients.set_index("patient_id")["grade"]
    return pd.DataFrame(
        {
            "id": np.arange(1, len(resp) + 1),
            "patient_id": resp["patient_id"],
            "time": days(resp["time"]),
            "event": resp["event"],
            "resp_time": days(resp["status_time"]),
            "prog_time": days(prog["status_time"]),
            "g2": (resp["patient_id"].map(grade) == "G2").astype(int).to_numpy(),
        }
    )


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    for name, frame in {"heart_units": heart_units(), "simcohort_units": simcohort_units()}.items():
        frame.to_csv(DATA / f"{name}.csv", index=False, float_format="%.17g")
        print(f"wrote {DATA / f'{name}.csv'} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
