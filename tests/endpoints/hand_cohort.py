"""One patient worked by hand: lines starting on given days, CT scans of one 30 mm target lesion
whose size sets the RECIST 1.1 response (20 mm PR, 23 mm SD, 40 mm PD, whatever came before),
optionally assigned to a line with ``line_id``.  Both endpoint engines run on it."""

from __future__ import annotations

import pandas as pd

import netsurv as ns

START = pd.Timestamp("2020-01-01")
#: lesion sizes (mm) giving each RECIST 1.1 response against a 30 mm baseline
SIZE = {"BASELINE": 30.0, "PR": 20.0, "SD": 23.0, "PD": 40.0}


def day(n: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=n)


def iso(n: int | None) -> str | None:
    return None if n is None else day(n).date().isoformat()


def hand_cohort(
    scans: dict[int, str | tuple[str, str]],
    *,
    lines: dict[str, int] | None = None,
    baseline: int | None = -7,
    death: int | None = None,
    alive: int | None = None,
) -> ns.Cohort:
    """``scans``: day -> response (``"PR"``, ``"SD"``, ``"PD"``), or (response, line_id) for a
    scan the data assign to a line; ``lines``: line_id -> start day (default ``{"L1": 0}``);
    a 30 mm baseline scan on day ``baseline`` (None: no baseline scan)."""
    lines = lines or {"L1": 0}
    last = max([*scans, *lines.values(), 0])
    patients = pd.DataFrame(
        {
            "patient_id": ["P1"],
            "last_alive_date": [iso(death if death is not None else (alive or last))],
            "death_date": [iso(death)],
        }
    )
    ln = pd.DataFrame(
        {
            "patient_id": "P1",
            "line_id": list(lines),
            "regimen": "x",
            "start_date": [iso(d) for d in lines.values()],
        }
    )
    rows = [(baseline, "BASELINE", None)] if baseline is not None else []
    for d, v in sorted(scans.items()):
        resp, line = (v, None) if isinstance(v, str) else v
        rows.append((d, resp, line))
    assessments = pd.DataFrame(
        {
            "patient_id": "P1",
            "assessment_id": [f"A{i:02d}" for i in range(len(rows))],
            "date": [iso(d) for d, _, _ in rows],
            "modality": "CT",
            "line_id": [line for _, _, line in rows],
        }
    )
    lesions = assessments[["patient_id", "assessment_id"]].assign(
        lesion_id="T1",
        site="liver",
        role="target",
        long_axis_mm=[SIZE[r] for _, r, _ in rows],
    )
    return ns.Cohort.from_frames(
        patients,
        ln,
        assessments,
        lesions,
        options=ns.ValidationOptions(severity={"no_baseline": "off"}),
    )
