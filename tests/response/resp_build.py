"""Build small hand-worked cohorts for the response tests.

    c = Case()
    c.scan("P1", -7, T1=30, T2=20)
    c.scan("P1", 56, T1=21, T2=14)
    cohort = c.build()

A lesion value is the long axis in mm (site liver, role from the first letter of the id: T
target, N non-target, X new); a dict gives any lesion columns (``node(la, sa)``,
``small()``, ``not_eval()`` help); ``None`` leaves the lesion out of that scan.  ``c.sums("P2", -7, value=50.0)`` records a scan
with its scan-level sum (``tumour_burden``) instead of lesion rows (``pct=`` for a % change).
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
        self.markers: list[dict[str, Any]] = []
        self.burden: list[dict[str, Any]] = []
        self.n: dict[str, int] = {}

    def marker(
        self,
        pid: str,
        day: int,
        value: float,
        *,
        marker: str = "CgA",
        unit: str = "ng/mL",
        uln: float | None = 100.0,
    ) -> None:
        """A circulating marker measurement (``markers`` table)."""
        self.markers.append(
            {
                "patient_id": pid,
                "marker": marker,
                "date": date(day),
                "value": value,
                "unit": unit,
                "uln": uln,
            }
        )

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

    def sums(
        self,
        pid: str,
        day: int,
        *,
        value: float | None = None,
        pct: float | None = None,
        measure: str = "diameter",
        unit: str = "mm",
        **scan: Any,
    ) -> None:
        """A scan measured by its scan-level sum (or % change from baseline)."""
        self.scan(pid, day, **scan)
        self.burden.append(
            {
                "patient_id": pid,
                "assessment_id": self.scans[-1]["assessment_id"],
                "measure": measure,
                "sum_value": value,
                "unit": unit if value is not None else None,
                "pct_change_baseline": pct,
            }
        )

    def build(self) -> ns.Cohort:
        scan_columns = ["patient_id", "assessment_id", "date", "modality"]
        scans = pd.DataFrame(self.scans) if self.scans else pd.DataFrame(columns=scan_columns)
        markers = pd.DataFrame(self.markers)
        frames = [f[["patient_id", "date"]] for f in (scans, markers) if len(f)]
        dated = pd.concat(frames)
        pids = list(dict.fromkeys(dated["patient_id"]))
        last = dated.groupby("patient_id")["date"].max() + pd.Timedelta(days=30)
        patients = pd.DataFrame({"patient_id": pids, "last_alive_date": [last[p] for p in pids]})
        have = {ln["patient_id"] for ln in self.lines}
        lines = self.lines + [
            {"patient_id": p, "line_id": "L1", "regimen": "lanreotide", "start_date": START}
            for p in pids
            if p not in have
        ]
        burden = pd.DataFrame(self.burden) if self.burden else None
        lesions = pd.DataFrame(self.lesions) if self.lesions or burden is None else None
        if lesions is not None:
            for col in ("patient_id", "assessment_id", "lesion_id", "site", "role"):
                if col not in lesions:
                    lesions[col] = None
            for col in ("long_axis_mm", "short_axis_mm", "measurement_flag"):
                if col not in lesions:
                    lesions[col] = None
        return ns.Cohort.from_frames(
            patients,
            pd.DataFrame(lines),
            scans,
            lesions,
            markers=markers if len(markers) else None,
            tumour_burden=burden,
        )


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
