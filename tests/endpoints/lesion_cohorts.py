"""Hypothesis strategy: small cohorts with real target-lesion measurements, so that response
criteria (e.g. a grid of RECIST 1.1 cut-offs) classify them.  Scans after the next line's start
may be assigned to the earlier line (``line_id``); lesions may go unmeasured (RECIST: NE unless
the measured ones already show progression)."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st

import netsurv as ns

START = pd.Timestamp("2020-01-01")


@st.composite
def lesion_cohorts(draw: st.DrawFn, *, missing: bool = True) -> ns.Cohort:
    """1-4 patients, 1-2 lines each, a baseline CT and 0-5 follow-up CTs per line, 1-2 target
    lesions growing or shrinking at random; deaths, new lesions, long gaps between scans."""

    def iso(t: pd.Timestamp) -> str:
        return t.date().isoformat()

    pts, lines, scans, lesions = [], [], [], []
    for i in range(draw(st.integers(1, 4))):
        pid = f"P{i}"
        d = START + pd.Timedelta(days=draw(st.integers(0, 100)))
        k = 0
        first_line: list[dict[str, object]] = []
        n_lesions = draw(st.integers(1, 2))  # the same lesions followed on every line
        start = d
        for li in range(draw(st.integers(1, 2))):
            line = f"L{li + 1}"
            if li == 1:  # the next line may start before the last scans of the first
                d = max(
                    start + pd.Timedelta(days=30), d - pd.Timedelta(days=draw(st.integers(0, 400)))
                )
            start = d
            lines.append({"patient_id": pid, "line_id": line, "regimen": "x", "start_date": iso(d)})
            sizes = [draw(st.floats(12, 60)) for _ in range(n_lesions)]
            for s in range(draw(st.integers(0, 5)) + 1):
                t = d - pd.Timedelta(days=5) if s == 0 else d
                k += 1
                aid = f"A{k:02d}"
                scan = {
                    "patient_id": pid,
                    "assessment_id": aid,
                    "date": iso(t),
                    "modality": "CT",
                    "new_lesion": s > 0 and draw(st.integers(0, 19)) == 0,
                    "line_id": None,
                }
                scans.append(scan)
                if li == 0 and s > 0:
                    first_line.append(scan)
                for j, size in enumerate(sizes):
                    gone = missing and s > 0 and draw(st.integers(0, 9)) == 0
                    lesions.append((pid, aid, f"T{j}", None if gone else round(size, 1)))
                sizes = [x * draw(st.floats(0.6, 1.5)) for x in sizes]
                d = d + pd.Timedelta(days=draw(st.sampled_from([56, 84, 84, 90, 200, 300])))
            if li == 1 and draw(st.booleans()):
                # the first line's scans after this line's start stay with it (line_id)
                for scan in first_line:
                    if pd.Timestamp(str(scan["date"])) > start:
                        scan["line_id"] = "L1"
        last = max(pd.Timestamp(str(sc["date"])) for sc in scans if sc["patient_id"] == pid)
        end = max(last, d) + pd.Timedelta(days=draw(st.integers(0, 300)))
        dead = draw(st.booleans())
        pts.append(
            {
                "patient_id": pid,
                "last_alive_date": iso(end),
                "death_date": iso(end) if dead else None,
            }
        )
    les = pd.DataFrame(
        lesions, columns=["patient_id", "assessment_id", "lesion_id", "long_axis_mm"]
    )
    return ns.Cohort.from_frames(
        pd.DataFrame(pts),
        pd.DataFrame(lines),
        pd.DataFrame(scans),
        les.assign(site="liver", role="target"),
        options=ns.ValidationOptions(
            severity={"no_baseline": "off", "unassigned_assessment": "off"}
        ),
    )
