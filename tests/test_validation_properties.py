"""Property tests: random valid cohorts validate; any single corruption is caught cleanly."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netsurv as ns

Tables = dict[str, pd.DataFrame]
SETTINGS = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
ORGANS = ["liver", "liver", "lung", "bone", "peritoneum", "lymph_node"]


@st.composite
def cohorts(draw: st.DrawFn) -> Tables:
    """Random valid text tables: 1-6 patients, 1-2 lines each, 2-6 scans a line."""
    n = draw(st.integers(1, 6))
    pts, lines, scans, lesions = [], [], [], []
    day0 = pd.Timestamp("2018-01-01")
    for i in range(n):
        pid = f"P{i + 1:03d}"
        start = day0 + pd.Timedelta(days=draw(st.integers(0, 600)))
        last = start
        n_targets = draw(st.integers(1, 5))
        sites = ORGANS[:n_targets]
        k = 0
        for li in range(draw(st.integers(1, 2))):
            lid = f"L{li + 1}"
            lines.append(
                {
                    "patient_id": pid,
                    "line_id": lid,
                    "regimen": "lanreotide",
                    "regimen_class": "SSA",
                    "start_date": start.date().isoformat(),
                }
            )
            gap = draw(st.integers(0, 28))
            dates = [start - pd.Timedelta(days=gap)]
            for _ in range(draw(st.integers(1, 5))):
                dates.append(dates[-1] + pd.Timedelta(days=draw(st.integers(60, 120))))
            for d in dates:
                k += 1
                aid = f"A{k:02d}"
                scans.append(
                    {
                        "patient_id": pid,
                        "assessment_id": aid,
                        "date": d.date().isoformat(),
                        "modality": "CT",
                    }
                )
                for t, site in enumerate(sites):
                    size = (
                        draw(st.floats(15, 80, allow_nan=False)) if site != "lymph_node" else None
                    )
                    sa = draw(st.floats(15, 40, allow_nan=False)) if site == "lymph_node" else None
                    lesions.append(
                        {
                            "patient_id": pid,
                            "assessment_id": aid,
                            "lesion_id": f"T{t + 1}",
                            "site": site,
                            "role": "target",
                            "long_axis_mm": str(round(size, 1)) if size else str(round(sa + 5, 1)),
                            "short_axis_mm": None if sa is None else str(round(sa, 1)),
                        }
                    )
            last = dates[-1]
            start = last + pd.Timedelta(days=draw(st.integers(1, 30)))
        dead = draw(st.booleans())
        alive = last + pd.Timedelta(days=draw(st.integers(0, 400)))
        pts.append(
            {
                "patient_id": pid,
                "last_alive_date": alive.date().isoformat(),
                "death_date": alive.date().isoformat() if dead else None,
            }
        )
    return {
        "patients": pd.DataFrame(pts),
        "lines": pd.DataFrame(lines),
        "assessments": pd.DataFrame(scans),
        "lesions": pd.DataFrame(lesions),
    }


@given(cohorts())
@SETTINGS
def test_random_valid_cohorts_validate(t: Tables) -> None:
    c = ns.Cohort.from_frames(**t)
    assert c.n_patients == len(t["patients"])
    assert c.attrition.empty
    assert (
        c.assessment_lines.groupby(["patient_id", "line_id"])["role"]
        .apply(lambda r: (r == "baseline").sum())
        .eq(1)
        .all()
    )


def _corrupt(table: str, column: str, value: object) -> Callable[[Tables, int], None]:
    def apply(t: Tables, row: int) -> None:
        df = t[table]
        t[table].loc[df.index[row % len(df)], column] = value

    return apply


def _drop(table: str, column: str) -> Callable[[Tables, int], None]:
    def apply(t: Tables, row: int) -> None:
        t[table] = t[table].drop(columns=column)

    return apply


def _dup(table: str) -> Callable[[Tables, int], None]:
    def apply(t: Tables, row: int) -> None:
        df = t[table]
        t[table] = pd.concat([df, df.iloc[[row % len(df)]]], ignore_index=True)

    return apply


CORRUPTIONS: dict[str, tuple[Callable[[Tables, int], None], str]] = {
    "negative size": (_corrupt("lesions", "long_axis_mm", "-3"), "range"),
    "text size": (_corrupt("lesions", "long_axis_mm", "n/d?"), "type_number"),
    "day-first date": (_corrupt("assessments", "date", "31/12/2020"), "type_date"),
    "Excel date": (_corrupt("lines", "start_date", "43900"), "excel_serial_date"),
    "bad modality": (_corrupt("assessments", "modality", "X-ray"), "allowed_values"),
    "bad site": (_corrupt("lesions", "site", "brain stem"), "allowed_values"),
    "orphan lesion": (_corrupt("lesions", "assessment_id", "A99"), "unknown_assessment"),
    "orphan scan": (_corrupt("assessments", "patient_id", "P999"), "unknown_patient"),
    "no last alive": (_drop("patients", "last_alive_date"), "missing_column"),
    "no modality": (_drop("assessments", "modality"), "missing_column"),
    "duplicate scan": (_dup("assessments"), "duplicate_key"),
    "duplicate lesion": (_dup("lesions"), "duplicate_key"),
    "early death": (_corrupt("patients", "death_date", "1999-01-01"), "death_before_last_alive"),
    "empty id": (_corrupt("lines", "line_id", None), "not_null"),
}


@given(cohorts(), st.sampled_from(sorted(CORRUPTIONS)), st.integers(0, 10_000))
@SETTINGS
def test_single_corruption_is_caught(t: Tables, name: str, row: int) -> None:
    corrupt, rule = CORRUPTIONS[name]
    corrupt(t, row)
    try:
        ns.Cohort.from_frames(**t)
    except ns.ValidationError as err:
        assert rule in set(err.failures["rule"]), (name, err.failures)
        assert err.failures["table"].notna().all()
        return
    raise AssertionError(f"corruption {name!r} was not caught")
