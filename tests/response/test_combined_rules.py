"""Combined (multi-modal) criteria: every rule of ``netsurv.criteria.combine``, worked by hand.

Components: RECIST 1.1 on CT (``recist1.1``; one liver target T1 of 50 mm at baseline: 50 is
SD, 30 PR (-40 %), 0 CR, 62 PD (+24 % and +12 mm vs the nadir 50); T1 left out = NE) and the
SST-PET tumour volume (``sstv``; one lesion V1 of 100 mL: 100 SD, 50 PR (-50 %), 130 PD (+30 %
vs the nadir 100); a lesion X1 = a new lesion, PD).  The line starts on day 0; the baseline CT
is on day -7, the baseline SST-PET on day -5.  Days below are days from the line start.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from resp_build import Case, date

import netsurv as ns

RECIST = ns.criteria.RECIST_1_1
SSTV = ns.criteria.SSTR_VOLUME


def vol(v: float, **extra: Any) -> dict[str, Any]:
    """An SST-PET lesion of ``v`` mL."""
    return {"long_axis_mm": None, "volume_ml": float(v), **extra}


def baseline(c: Case, pid: str, *, sst: bool = True, **ct: Any) -> None:
    c.scan(pid, -7, **(ct or {"T1": 50}))
    if sst:
        c.scan(pid, -5, modality="SST-PET", V1=vol(100))


def sst(c: Case, pid: str, day: int, v: float | None, **more: Any) -> None:
    lesions = {"V1": vol(v)} if v is not None else {}
    c.scan(pid, day, modality="SST-PET", **lesions, **more)


def combined(cohort: ns.Cohort, **kw: Any) -> pd.DataFrame:
    crit = ns.criteria.combine(RECIST, SSTV, name="ct+sst", **kw)
    t = ns.classify(cohort, crit).table
    return t[t["role"] == "follow_up"].reset_index(drop=True)


def by_patient(t: pd.DataFrame, pid: str, *cols: str) -> list[tuple[Any, ...]]:
    rows = t[t["patient_id"] == pid]
    return [tuple(r) for r in rows[list(cols)].itertuples(index=False, name=None)]


def test_pairing_nearest_tie_window_and_one_scan_per_time_point() -> None:
    """Window 42 days; every scan SD, so only the pairing is tested.

    * P1: CT 84, 168, 252; SST 100, 210, 300.  100 pairs with 84 (16 < 68 days); 210 is 42
      days from both 168 and 252: the tie goes to the earlier anchor scan, 168, and 42 is
      inside the window (inclusive); 252 has no scan left (300 is 48 days away): sstv NE there;
      300 pairs with nothing and makes no time point (it is not PD).
    * P2: CT 84; SST 80, 90: both choose 84, the nearer (80, 4 < 6 days) pairs; 90 does not.
    * P3: CT 84; SST 78, 90: both 6 days away: the earlier scan (78) pairs.
    * P4: CT 84; SST 127: 43 days > 42: no pair.  P5: SST 126: 42 days: pairs.
    * P6: CT 84, 98; SST 91: 7 days from both, the earlier anchor (84) takes it; 98 has none.
    """
    c = Case()
    baseline(c, "P1")
    for d in (84, 168, 252):
        c.scan("P1", d, T1=50)
    for d in (100, 210, 300):
        sst(c, "P1", d, 100)
    for pid, ct_days, sst_days in (
        ("P2", (84,), (80, 90)),
        ("P3", (84,), (78, 90)),
        ("P4", (84,), (127,)),
        ("P5", (84,), (126,)),
        ("P6", (84, 98), (91,)),
    ):
        baseline(c, pid)
        for d in ct_days:
            c.scan(pid, d, T1=50)
        for d in sst_days:
            sst(c, pid, d, 100)
    t = combined(c.build())
    cols = ("days_from_start", "sstv.date", "sstv.response", "response")
    nat = pd.NaT
    assert by_patient(t, "P1", *cols) == [
        (84, date(100), "SD", "SD"),
        (168, date(210), "SD", "SD"),
        (252, nat, None, "SD"),
    ]
    assert by_patient(t, "P2", *cols) == [(84, date(80), "SD", "SD")]
    assert by_patient(t, "P3", *cols) == [(84, date(78), "SD", "SD")]
    assert by_patient(t, "P4", *cols) == [(84, nat, None, "SD")]
    assert by_patient(t, "P5", *cols) == [(84, date(126), "SD", "SD")]
    assert by_patient(t, "P6", *cols) == [(84, date(91), "SD", "SD"), (98, nat, None, "SD")]
    # the paired scan ids: P1's CTs are A03-A05 (days 84, 168, 252), its SST-PETs A06-A08
    assert by_patient(t, "P1", "sstv.assessment_id", "recist1.1.assessment_id") == [
        ("A06", "A03"),
        ("A07", "A04"),
        (None, "A05"),
    ]


def _response_cohort() -> Case:
    """CT and SST-PET both on day 84 (a time point with one scan of each)."""
    c = Case()
    for pid, ct, v in (
        ("Pa", 30, 100),  # CT PR, SST SD
        ("Pb", 50, 50),  # CT SD, SST PR
        ("Pc", 0, 50),  # CT CR, SST PR
        ("Pd", None, 100),  # CT NE (T1 not measured), SST SD
        ("Pe", None, None),  # both NE
    ):
        baseline(c, pid)
        c.scan(pid, 84, T1=ct)
        sst(c, pid, 84, v)
    # non-target-only disease on CT (one 8 mm lesion, not measurable): NON-CR/NON-PD; SST PR
    baseline(c, "Pf", N1=8)
    c.scan("Pf", 84, ntl="NON-CR/NON-PD", N1=8)
    sst(c, "Pf", 84, 50)
    return c


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            "all",
            {
                "Pa": ("SD", "sstv"),  # the lowest-ranked evaluable response
                "Pb": ("SD", "recist1.1"),
                "Pc": ("PR", "sstv"),
                "Pd": ("SD", "sstv"),  # the anchor is NE, sstv evaluable
                "Pe": ("NE", "recist1.1"),  # nothing evaluable, no PD
                "Pf": ("NON-CR/NON-PD", "recist1.1"),  # counts as SD, reported as is
            },
        ),
        (
            "any",
            {
                "Pa": ("PR", "recist1.1"),  # the highest-ranked
                "Pb": ("PR", "sstv"),
                "Pc": ("CR", "recist1.1"),
                "Pd": ("SD", "sstv"),
                "Pe": ("NE", "recist1.1"),
                "Pf": ("PR", "sstv"),
            },
        ),
        (
            "anchor",
            {
                "Pa": ("PR", "recist1.1"),
                "Pb": ("SD", "recist1.1"),
                "Pc": ("CR", "recist1.1"),
                "Pd": ("NE", "recist1.1"),  # NE when the anchor is NE
                "Pe": ("NE", "recist1.1"),
                "Pf": ("NON-CR/NON-PD", "recist1.1"),
            },
        ),
    ],
)
def test_response_rules(rule: str, expected: dict[str, tuple[str, str]]) -> None:
    """Response ranks CR > PR > SD (MR, NON-CR/NON-PD count as SD); ties go to the anchor."""
    t = combined(_response_cohort().build(), response=rule)
    got = {p: (r, d) for p, r, d in t[["patient_id", "response", "decided_by"]].itertuples(False)}
    assert got == expected


def _progression_cohort() -> Case:
    """CT on day 84, SST-PET on day 90 (one time point spanning two dates)."""
    c = Case()
    for pid, ct, v in (
        ("Qa", 50, 130),  # CT SD, SST PD (growth)
        ("Qb", 62, 130),  # both PD
        ("Qc", 62, 100),  # CT PD, SST SD
        ("Qe", None, 130),  # CT NE, SST PD
    ):
        baseline(c, pid)
        c.scan(pid, 84, T1=ct)
        sst(c, pid, 90, v)
    # CT PD (growth) on day 84; SST-PET on day 80 shows a new lesion (X1): PD by a new lesion
    baseline(c, "Qd")
    c.scan("Qd", 84, T1=62)
    sst(c, "Qd", 80, 100, X1=vol(4))
    return c


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            "any",
            {
                "Qa": ("PD", 90, "sstv", "sum_pd"),  # dated at the SST-PET that shows it
                "Qb": ("PD", 84, "recist1.1", "sum_pd"),  # the earliest PD scan
                "Qc": ("PD", 84, "recist1.1", "sum_pd"),
                "Qd": ("PD", 80, "sstv", "new_lesion"),  # the new lesion's scan, day 80
                "Qe": ("PD", 90, "sstv", "sum_pd"),
            },
        ),
        (
            "all",
            {
                # sstv's PD alone is not enough; it counts as SD; tie -> the anchor's SD
                "Qa": ("SD", 84, "recist1.1", "stable"),
                "Qb": ("PD", 90, "sstv", "sum_pd"),  # dated at the latest PD scan
                "Qc": ("SD", 84, "recist1.1", "pd_not_counted"),
                "Qd": ("PD", 84, "recist1.1", "sum_pd"),  # latest of 80 and 84
                "Qe": ("PD", 90, "sstv", "sum_pd"),  # every evaluable component shows PD
            },
        ),
        (
            "anchor",
            {
                "Qa": ("SD", 84, "recist1.1", "stable"),
                "Qb": ("PD", 84, "recist1.1", "sum_pd"),
                "Qc": ("PD", 84, "recist1.1", "sum_pd"),
                "Qd": ("PD", 84, "recist1.1", "sum_pd"),
                "Qe": ("SD", 84, "sstv", "pd_not_counted"),  # anchor NE, sstv's PD uncounted
            },
        ),
    ],
)
def test_progression_rules_and_pd_dates(
    rule: str, expected: dict[str, tuple[str, int, str, str]]
) -> None:
    """PD by ``progression`` only; the PD date follows FDA 2018 (new lesion: the scan that
    shows it; growth: the scan that measures it): under ``"any"`` the earliest PD scan of the
    time point, under ``"all"`` the latest, under ``"anchor"`` the anchor's; a time point that
    is not PD is dated at the anchor scan."""
    t = combined(_progression_cohort().build(), progression=rule)
    got = {
        r.patient_id: (r.response, r.days_from_start, r.decided_by, r.reason)
        for r in t.itertuples()
    }
    assert got == expected
    # the row is the scan that dates it: Qd under "any" is the SST-PET of day 80
    if rule == "any":
        qd = t[t["patient_id"] == "Qd"].iloc[0]
        assert (qd["modality"], qd["date"], qd["recist1.1.date"]) == ("SST-PET", date(80), date(84))
        assert qd["new_lesion"]


def test_unpaired_pd_scan_is_a_time_point_of_its_own() -> None:
    """No component's PD is lost or delayed (``progression="any"``).

    * R1 (window 30): CT 84 SD, 168 SD; SST-PET 126 PD (130 mL), 42 days from both CT scans:
      unpaired, so it becomes a time point of its own on day 126 (CT NE there); the combined
      PD is on day 126, not 168.  Under ``"all"`` / ``"anchor"`` the scan makes no time point.
    * R2 (window 42): CT 84 SD; SST-PET 80 SD and 88 with a new lesion: both 4 days away, the
      earlier (80) pairs; 88 is unpaired and PD: its own time point, PD on day 88.
    """
    c = Case()
    baseline(c, "R1")
    c.scan("R1", 84, T1=50)
    c.scan("R1", 168, T1=50)
    sst(c, "R1", 126, 130)
    baseline(c, "R2")
    c.scan("R2", 84, T1=50)
    sst(c, "R2", 80, 100)
    sst(c, "R2", 88, 100, X1=vol(4))
    cohort = c.build()
    cols = ("days_from_start", "modality", "response", "decided_by", "recist1.1.response")
    t = combined(cohort, window_days=30)
    assert by_patient(t, "R1", *cols) == [
        (84, "CT", "SD", "recist1.1", "SD"),
        (126, "SST-PET", "PD", "sstv", None),
        (168, "CT", "SD", "recist1.1", "SD"),
    ]
    t = combined(cohort)
    assert by_patient(t, "R2", *cols) == [
        (84, "CT", "SD", "recist1.1", "SD"),
        (88, "SST-PET", "PD", "sstv", None),
    ]
    assert by_patient(t, "R2", "sstv.date", "reason") == [
        (date(80), "stable"),
        (date(88), "new_lesion"),
    ]
    for rule in ("all", "anchor"):
        t = combined(cohort, window_days=30, progression=rule)
        assert by_patient(t, "R1", "days_from_start", "response") == [(84, "SD"), (168, "SD")]
    bor = ns.best_response(
        ns.classify(cohort, ns.criteria.combine(RECIST, SSTV, name="c", window_days=30))
    )
    r1 = bor[bor["patient_id"] == "R1"].iloc[0]
    assert (r1["bor"], r1["first_pd_date"]) == ("SD", date(126))


def test_line_without_a_component_baseline_is_classified_from_the_others() -> None:
    """S1 has no baseline SST-PET: sstv is NE throughout (its follow-up SST-PET of day 90 is
    not read), the line is classified from RECIST alone (SD on day 84, PD on 168), and the
    attrition lists the line for the component.  S2 has no baseline CT: the line is set aside
    with the anchor's reason."""
    c = Case()
    baseline(c, "S1", sst=False)
    c.scan("S1", 84, T1=50)
    c.scan("S1", 168, T1=62)
    sst(c, "S1", 90, 130)
    c.scan("S2", -5, modality="SST-PET", V1=vol(100))
    sst(c, "S2", 84, 130)
    crit = ns.criteria.combine(RECIST, SSTV, name="ct+sst")
    tp = ns.classify(c.build(), crit)
    fu = tp.table[tp.table["role"] == "follow_up"]
    assert by_patient(fu, "S1", "days_from_start", "response", "sstv.response") == [
        (84, "SD", None),
        (168, "PD", None),
    ]
    assert "S2" not in set(tp.table["patient_id"])
    att = tp.attrition.set_index("row_key")["reason"]
    assert att["S1 / L1"] == (
        "component sstv: no baseline SST-PET scan for this line; sstv is NE throughout and the "
        "line is classified from the other components"
    )
    assert att["S2 / L1"] == "no baseline CT/MRI scan for this line"


def test_anchor_choice_and_table_columns() -> None:
    """With ``anchor="sstv"`` the SST-PET scans are the time points: CT 84 pairs with SST-PET
    90; the baseline row is the SST-PET baseline, with the CT baseline in its columns."""
    c = Case()
    baseline(c, "U1")
    c.scan("U1", 84, T1=30)
    sst(c, "U1", 90, 100)
    crit = ns.criteria.combine(RECIST, SSTV, name="sst+ct", anchor="sstv")
    t = ns.classify(c.build(), crit).table
    assert list(t["modality"]) == ["SST-PET", "SST-PET"]
    assert list(t["recist1.1.assessment_id"]) == ["A01", "A03"]
    assert list(t["response"].fillna("")) == ["", "SD"]  # all: SST SD is the lower of PR, SD
    for name in ("recist1.1", "sstv"):
        for col in ("response", "assessment_id", "date"):
            assert f"{name}.{col}" in t.columns
