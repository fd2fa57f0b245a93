"""Build small hand-worked cohorts for the response tests.

    c = Case()
    c.scan("P1", -7, T1=30, T2=20)
    c.scan("P1", 56, T1=21, T2=14)
    cohort = c.build()

A lesion value is the long axis in mm (site liver, role from the first letter of the id: T
target, N non-target, X new); a dict gives any lesion columns (``node(la, sa)``,
``small()``, ``not_eval()`` help); ``None`` leaves the lesion out of that scan.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

import netsurv as ns

START = pd.Timestamp("2020-01-15")
ROLE = {"T": "target", "N": "non_target", "X": "new"}


def node(la: float | None, sa: float | None, **extra: Any) -> dict[str, Any]:
    """A lymph-node lesion."""
    return {"site": "lymph_node", "long_axis_mm": la, "short_axis_mm": sa, **extra}


def small(**extra: Any) -> dict[str, Any]:
    """Present but too small to measure, no number."""
    return {"long_axis_mm": None, "measurement_flag": "too_small", **extra}


def not_eval(**extra: Any) -> dict[str, Any]:
    """Could not be assessed."""
    return {"long_axis_mm": None, "measurement_flag": "not_evaluable", **extra}


def date(day: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=day)


class Case:
    """Patients with one line starting on :data:`START` (more lines with :meth:`line`)."""

    def __init__(self) -> None:
        self.scans: list[dict[str, Any]] = []
        self.lesions: list[dict[str, Any]] = []
        self.lines: list[dict[str, Any]] = []
        self.n: dict[str, int] = {}

    def line(self, pid: str, line_id: str, start_day: int) -> None:
        self.lines.append(
            {
                "patient_id": pid,
                "line_id": line_id,
                "regimen": "lanreotide",
                "start_date": date(start_day),
            }
        )

    def scan(
        self,
        pid: str,
        day: int,
        *,
        modality: str = "CT",
        ntl: str | None = None,
        new: bool | None = False,
        reader: str | None = None,
        tracer: str | None = None,
        visit: str | None = None,
        extra: dict[str, Any] | None = None,
        **lesions: float | dict[str, Any] | None,
    ) -> None:
        k = self.n.get(pid, 0) + 1
        self.n[pid] = k
        aid = f"A{k:02d}"
        self.scans.append(
            {
                "patient_id": pid,
                "assessment_id": aid,
                "date": date(day),
                "modality": modality,
                "nontarget_status": ntl,
                "new_lesion": new,
                "reader_response": reader,
                "tracer": tracer,
                "visit_id": visit,
                **(extra or {}),
            }
        )
        for lid, spec in lesions.items():
            if spec is None:
                continue
            row: dict[str, Any] = {
                "patient_id": pid,
                "assessment_id": aid,
                "lesion_id": lid,
                "site": "liver",
                "role": ROLE.get(lid[0], "target"),
            }
            if isinstance(spec, dict):
                row.update(spec)
            else:
                row["long_axis_mm"] = float(spec)
            self.lesions.append(row)

    def build(self) -> ns.Cohort:
        scans = pd.DataFrame(self.scans)
        pids = list(dict.fromkeys(scans["patient_id"]))
        last = scans.groupby("patient_id")["date"].max() + pd.Timedelta(days=30)
        patients = pd.DataFrame({"patient_id": pids, "last_alive_date": [last[p] for p in pids]})
        have = {ln["patient_id"] for ln in self.lines}
        lines = self.lines + [
            {"patient_id": p, "line_id": "L1", "regimen": "lanreotide", "start_date": START}
            for p in pids
            if p not in have
        ]
        lesions = pd.DataFrame(self.lesions)
        for col in ("long_axis_mm", "short_axis_mm", "measurement_flag"):
            if col not in lesions:
                lesions[col] = None
        return ns.Cohort.from_frames(patients, pd.DataFrame(lines), scans, lesions)


def responses(tp: Any, criterion: str | None = None) -> dict[str, list[str | None]]:
    """Follow-up responses per patient (in date order)."""
    t = tp.table if hasattr(tp, "table") else tp
    if criterion is not None:
        t = t[t["criterion"] == criterion]
    fu = t[t["role"] == "follow_up"]
    return {p: list(g["response"]) for p, g in fu.groupby("patient_id", sort=False)}


def row(tp: Any, pid: str, day: int, criterion: str | None = None) -> pd.Series:
    """The time-point row of a patient's scan on ``day``."""
    t = tp.table if hasattr(tp, "table") else tp
    sel = (t["patient_id"] == pid) & (t["date"] == date(day))
    if criterion is not None:
        sel &= t["criterion"] == criterion
    out = t[sel]
    if len(out) != 1:
        raise AssertionError(f"expected one row for {pid} day {day}, got {len(out)}")
    return out.iloc[0]
