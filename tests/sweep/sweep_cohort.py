"""A small synthetic cohort for the sweep tests, built as frames (no simulator needed).

Each patient has one line, a CT baseline 7 days before it and follow-up CTs every 84 days
until death or last contact; one liver target lesion changes by a patient-specific relative
rate per scan.  ``effect`` links survival to shrinkage (0 = none).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import netsurv as ns

START = pd.Timestamp("2020-01-01")


def cohort(n: int = 120, *, seed: int = 1, effect: float = 1.0) -> ns.Cohort:
    rng = np.random.default_rng(seed)
    pid = np.array([f"P{i:04d}" for i in range(n)])
    start = START + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    # relative change per scan: negative = shrinking
    rate = rng.normal(-0.04, 0.12, n)
    hazard = np.exp(effect * 4.0 * rate) / 500.0
    death = np.ceil(rng.exponential(1 / hazard)) + 1
    follow = rng.integers(200, 1400, n)
    dead = death <= follow
    last = np.where(dead, death, follow).astype(int)
    patients = pd.DataFrame(
        {
            "patient_id": pid,
            "last_alive_date": start + pd.to_timedelta(last, unit="D"),
            "death_date": pd.Series(start + pd.to_timedelta(last, unit="D")).where(dead),
        }
    )
    lines = pd.DataFrame(
        {"patient_id": pid, "line_id": "L1", "regimen": "lanreotide", "start_date": start}
    )
    n_scans = 1 + (last - 1) // 84
    p = np.repeat(np.arange(n), n_scans)
    k = np.arange(n_scans.sum()) - np.repeat(np.cumsum(n_scans) - n_scans, n_scans)
    day = np.where(k == 0, -7, 84 * k)
    size = 40.0 * np.exp(np.repeat(rate, n_scans) * k + rng.normal(0, 0.02, k.size))
    aid = np.array([f"A{j:02d}" for j in k])
    assessments = pd.DataFrame(
        {
            "patient_id": pid[p],
            "assessment_id": aid,
            "date": start[p] + pd.to_timedelta(day, unit="D"),
            "modality": "CT",
        }
    )
    lesions = pd.DataFrame(
        {
            "patient_id": pid[p],
            "assessment_id": aid,
            "lesion_id": "T1",
            "site": "liver",
            "role": "target",
            "long_axis_mm": np.round(size, 1),
        }
    )
    return ns.Cohort.from_frames(patients, lines, assessments, lesions)


def tiny() -> ns.Cohort:
    """The suite's hand-built three-patient cohort (tests/conftest.py)."""
    from conftest import valid_tables

    return ns.Cohort.from_frames(**valid_tables())
