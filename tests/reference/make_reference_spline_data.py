"""Write the per-unit datasets that ``make_reference_spline.R`` analyses with R.

Run from the repository root::

    .venv/bin/python tests/reference/make_reference_spline_data.py

One row per unit (patient × first line), from netsurv's classification and endpoints, so that R
builds the landmark sets and the (start, stop] rows itself:

``marker_demo``
    The bundled demo cohort: OS (``time`` in days, ``event``) and the SST-PET tumour-volume %
    change from baseline under ``sstv``, the smallest on the scans up to 12 months (``pct``,
    empty when none) — the continuous marker of ``compare_criteria(..., continuous=True,
    at_months=12)``.
``marker_prrt``
    A simulated PRRT cohort (300 patients, seed 17): PFS under RECIST 1.1 and the ``sstv`` %
    change of the last scan up to 4 months, with ``ki67_pct`` — the cross-criterion
    continuous marker of ``compare_criteria(..., outcome="PFS", outcome_criterion="recist1.1",
    continuous="sstv", at_months=4, change="last")``.
``cross_units``
    The demo cohort: PFS under ``sstv`` (``time``, ``event``) and the days to the first RECIST
    1.1 response on that clock (``resp_time``) — ``time_dependent_cox(..., criterion=
    "recist1.1", outcome="PFS", outcome_criterion="sstv")``.

Times are whole days (R reads integers exactly); the tests convert with 30.4375 days a month,
as netsurv's endpoints do.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from make_reference_timedep_data import days

import netsurv as ns
from netsurv.survival._status import resolve_inputs, unit_table
from netsurv.survival.marker import change_at_landmark

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
#: name -> (cohort, outcome, outcome criterion, marker criterion, landmark months, change)
MARKERS = {
    "marker_demo": ("demo", "OS", None, "sstv", 12.0, "best"),
    "marker_prrt": ("prrt", "PFS", "recist1.1", "sstv", 4.0, "last"),
}


def cohort(name: str) -> ns.Cohort:
    """The cohorts the spline tests use."""
    if name == "demo":
        return ns.load_demo()
    return ns.simulate_cohort(300, seed=17, scenario="prrt")


def marker_units(name: str) -> pd.DataFrame:
    source, outcome, oc, marker, at, change = MARKERS[name]
    c = cohort(source)
    inputs = resolve_inputs(c, criteria=[marker, *([oc] if oc else [])], outcomes=[outcome])
    units, _ = unit_table(
        inputs,
        criterion=marker,
        outcome=outcome,
        status="response",
        confirm=False,
        lines="first",
        stage="reference",
        outcome_criterion=oc,
    )
    values = change_at_landmark(
        inputs,
        units,
        criterion=marker,
        outcome=outcome,
        outcome_criterion=oc or marker,
        at=at,
        change=change,
    )
    out = units[["patient_id", "line_id", "time", "event"]].merge(
        values[["patient_id", "line_id", "pct_change"]], on=["patient_id", "line_id"], how="left"
    )
    ki67 = c.patients.set_index("patient_id")["ki67_pct"]
    return pd.DataFrame(
        {
            "id": np.arange(1, len(out) + 1),
            "patient_id": out["patient_id"],
            "time": days(out["time"]),
            "event": out["event"],
            "pct": out["pct_change"],
            "ki67_pct": out["patient_id"].map(ki67).to_numpy(),
        }
    )


def cross_units() -> pd.DataFrame:
    inputs = resolve_inputs(ns.load_demo(), criteria=["recist1.1", "sstv"], outcomes=["PFS"])
    units, _ = unit_table(
        inputs,
        criterion="recist1.1",
        outcome="PFS",
        status="response",
        confirm=False,
        lines="first",
        stage="reference",
        outcome_criterion="sstv",
    )
    return pd.DataFrame(
        {
            "id": np.arange(1, len(units) + 1),
            "patient_id": units["patient_id"],
            "time": days(units["time"]),
            "event": units["event"],
            "resp_time": days(units["status_time"]),
        }
    )


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the demo's yearly SST-PET schedule warning
        frames = {name: marker_units(name) for name in MARKERS}
        frames["cross_units"] = cross_units()
    for name, frame in frames.items():
        frame.to_csv(DATA / f"{name}.csv", index=False, float_format="%.17g")
        print(f"wrote {DATA / f'{name}.csv'} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
