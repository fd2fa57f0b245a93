"""Biochemical criteria (``measure="marker"``): hand-worked cases of every rule.

All cases: CgA, ULN 100 ng/mL, the line starts on day 0, the baseline measurement is on
day -5.  Cut-offs of the ``cga`` preset: response <= -50 % vs baseline, progression >= +25 %
vs nadir and >= 1 x ULN; ``cga_confirmed`` adds confirmation by a measurement >= 28 days
after the first progressive one that is still progressive.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from resp_build import Case, date, responses

import netsurv as ns


def _tp(case: Case, criteria: list) -> ns.response.Timepoints:
    return ns.classify(case.build(), criteria)


def test_response_is_a_50_percent_decrease_from_baseline() -> None:
    """400 -> 200: (200 - 400) / 400 = -50.0 % -> PR (inclusive, as RECIST's -30.0 %);
    -> 204: -49 % vs baseline -> not PR; vs nadir 200: +2 % -> SD."""
    c = Case()
    c.marker("P1", -5, 400)
    c.marker("P1", 60, 200)
    c.marker("P1", 120, 204)
    tp = _tp(c, ["cga"])
    assert responses(tp) == {"P1": ["PR", "SD"]}
    t = tp.table[tp.table["role"] == "follow_up"]
    assert t["pct_change_baseline"].tolist() == [-50.0, -49.0]
    assert t["nadir_value"].tolist() == [400.0, 200.0]
    assert t["assessment_id"].tolist() == ["CgA@2020-03-15", "CgA@2020-05-14"]
    assert t["modality"].tolist() == ["CgA", "CgA"]


def test_progression_is_25_percent_over_the_nadir_and_at_least_the_uln() -> None:
    """P2: 300 -> 80 (-73.3 %, PR; nadir 80) -> 100: (100 - 80) / 80 = +25.0 % and
    100 / 100 = 1.0 x ULN -> PD.
    P3: 200 -> 40 (PR) -> 60: +50 % over the nadir 40 but 0.6 x ULN -> no PD (vs baseline
    -70 % -> PR) -> 99: +147.5 %, 0.99 x ULN -> PR -> 101: 1.01 x ULN -> PD.
    P4: 160 -> 120 (-25 %, SD) -> 149: +24.17 % vs 120 -> SD -> 150: +25.0 % -> PD."""
    c = Case()
    for day, v in ((-5, 300), (60, 80), (120, 100)):
        c.marker("P2", day, v)
    for day, v in ((-5, 200), (60, 40), (120, 60), (180, 99), (240, 101)):
        c.marker("P3", day, v)
    for day, v in ((-5, 160), (60, 120), (120, 149), (180, 150)):
        c.marker("P4", day, v)
    tp = _tp(c, ["cga"])
    assert responses(tp) == {
        "P2": ["PR", "PD"],
        "P3": ["PR", "PR", "PR", "PD"],
        "P4": ["SD", "SD", "PD"],
    }
    p3 = tp.table[(tp.table["patient_id"] == "P3") & (tp.table["role"] == "follow_up")]
    assert p3["pct_change_nadir"].round(2).tolist() == [-80.0, 50.0, 147.5, 152.5]
    # without the ULN floor the rise within the normal range is progression
    no_floor = replace(ns.criteria.CGA_BIOCHEMICAL, name="no_floor", progression_min_uln=None)
    assert responses(_tp(c, [no_floor]))["P3"] == ["PR", "PD", "PD", "PD"]


def test_a_value_without_uln_is_ne_when_the_floor_needs_it() -> None:
    """300 -> 500 without a ULN: +66.7 % but the floor cannot be checked -> NE; without the
    floor it is PD."""
    c = Case()
    c.marker("P5", -5, 300)
    c.marker("P5", 60, 500, uln=None)
    tp = _tp(c, ["cga"])
    row = tp.table[tp.table["role"] == "follow_up"].iloc[0]
    assert (row["response"], row["reason"]) == ("NE", "missing_lesion")
    no_floor = replace(ns.criteria.CGA_BIOCHEMICAL, name="no_floor", progression_min_uln=None)
    assert responses(_tp(c, [no_floor])) == {"P5": ["PD"]}


def test_a_change_of_unit_is_ne_from_the_change_on() -> None:
    c = Case()
    c.marker("P6", -5, 300)
    c.marker("P6", 60, 100)
    c.marker("P6", 120, 5, unit="nmol/L")
    c.marker("P6", 180, 50)
    tp = _tp(c, ["cga"])
    assert responses(tp) == {"P6": ["PR", "NE", "NE"]}
    att = tp.attrition
    assert att["row_key"].tolist() == ["P6 / L1"]
    assert (
        att["reason"]
        .iloc[0]
        .startswith(
            "unit (assay) changed from ng/mL (baseline CgA@2020-01-10) to nmol/L on CgA@2020-05-14"
        )
    )


def test_a_line_without_a_baseline_measurement_is_set_aside() -> None:
    c = Case()
    c.marker("P7", 30, 300)  # after the start: no baseline
    c.marker("P7", 90, 100)
    tp = _tp(c, ["cga"])
    assert tp.table.empty
    assert tp.attrition["reason"].tolist() == ["no baseline CgA measurement for this line"]


def _confirmation_case() -> Case:
    """C1: 300 -> 100 (PR, nadir 100) -> day 120: 150 (+50 %, 1.5 x ULN: iUPD) -> day 140:
    160 (PD, 20 days on: too early to confirm) -> day 160: 140 (+40 % vs nadir 100, 1.4 x ULN:
    PD, 40 days on: confirms; no further rise is needed).
    C2: ... -> 150 (iUPD) -> day 180: 110 (+10 % vs nadir 100: not PD; -63 % vs baseline: PR)
    -> pseudoprogression.
    C3: ... -> 150 (iUPD) -> day 140: 160 (PD, 20 days on: too early), no later measurement
    -> unresolved, censored by ``cga_confirmed``."""
    c = Case()
    for day, v in ((-5, 300), (60, 100), (120, 150), (140, 160), (160, 140)):
        c.marker("C1", day, v)
    for day, v in ((-5, 300), (60, 100), (120, 150), (180, 110)):
        c.marker("C2", day, v)
    for day, v in ((-5, 300), (60, 100), (120, 150), (140, 160)):
        c.marker("C3", day, v)
    return c


def test_confirmation_by_a_later_measurement() -> None:
    tp = _tp(_confirmation_case(), ["cga_confirmed"])
    fu = tp.table[tp.table["role"] == "follow_up"]
    status = {p: list(g["pd_status"]) for p, g in fu.groupby("patient_id")}
    assert status == {
        "C1": [None, "confirmed", "confirmed", "iCPD"],
        "C2": [None, "unconfirmed", None],
        "C3": [None, "unresolved", "unresolved"],
    }
    ep = ns.derive_endpoints(_confirmation_case().build(), tp, endpoints=["PFS"]).table
    ep = ep.set_index("patient_id")
    assert ep.loc["C1", ["event", "date"]].tolist() == [1, date(120)]
    # pseudoprogression: the rise is an adequate assessment, not an event
    assert ep.loc["C2", ["event", "date"]].tolist() == [0, date(180)]
    # unresolved under unresolved_pd="censor": censored at the last adequate measurement
    assert ep.loc["C3", "event"] == 0


def test_imaging_pd_or_confirmed_biochemical_pd_is_one_criterion() -> None:
    """CT stable throughout (30, 29, 30 mm); CgA as in the confirmation case.  The combined
    criterion (RECIST 1.1 anchor, PD by any component) is PD on C1 at day 120 (the confirmed
    rise), never on C2 (pseudoprogression) nor C3 (unresolved, censored)."""
    c = _confirmation_case()
    for pid in ("C1", "C2", "C3"):
        c.scan(pid, -7, T1=30, T2=20)
        c.scan(pid, 84, T1=29, T2=20)
        c.scan(pid, 168, T1=30, T2=20)
        c.scan(pid, 252, T1=30, T2=21)
    both = ns.criteria.combine(
        "recist1.1", "cga_confirmed", name="ct_or_cga", progression="any", response="anchor"
    )
    unconfirmed = ns.criteria.combine(
        "recist1.1", "cga", name="ct_or_cga_any", progression="any", response="anchor"
    )
    cohort = c.build()
    tp = ns.classify(cohort, [both, unconfirmed])
    fu = tp.table[(tp.table["role"] == "follow_up") & (tp.table["response"] == "PD")]
    first_pd = fu.groupby(["criterion", "patient_id"])["date"].min()
    assert first_pd["ct_or_cga"].to_dict() == {"C1": date(120)}
    # unconfirmed biochemical PD counts at the first rise for everyone
    assert first_pd["ct_or_cga_any"].to_dict() == {p: date(120) for p in ("C1", "C2", "C3")}
    ep = ns.derive_endpoints(cohort, tp, endpoints=["PFS"]).table
    pfs = ep[ep["criterion"] == "ct_or_cga"].set_index("patient_id")["event"]
    assert pfs.to_dict() == {"C1": 1, "C2": 0, "C3": 0}


def test_agreement_of_imaging_and_biochemical_response() -> None:
    """P1: CT 40 -> 26 (-35 %, PR); CgA 400 -> 150 (-62.5 %, PR): both PR.
    P2: CT 40 -> 39 (SD); CgA 400 -> 100 (-75 %, PR): discordant.
    P3: CT 40 -> 50 (+25 %, +10 mm: PD); CgA 200 -> 300 (+50 %, 3 x ULN: PD): both PD."""
    c = Case()
    for pid, ct, cga in (("P1", 26, (400, 150)), ("P2", 39, (400, 100)), ("P3", 50, (200, 300))):
        c.scan(pid, -7, T1=40)
        c.scan(pid, 84, T1=ct)
        c.marker(pid, -5, cga[0])
        c.marker(pid, 80, cga[1])
    tp = ns.classify(c.build(), ["recist1.1", "cga"])
    res = ns.agreement(tp, criterion_a="recist1.1", criterion_b="cga", sd_min_days=28)
    s = res.kappa.set_index("level")
    assert s.loc["bor", ["n", "n_agree"]].tolist() == [3, 2]
    assert s.loc["pd", ["n", "n_agree"]].tolist() == [3, 3]
    assert res.discordant[["patient_id", "bor_a", "bor_b"]].values.tolist() == [["P2", "SD", "PR"]]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"measure": "marker", "modality": ("CgA", "NSE")},
            "modality of measure='marker' must be one marker",
        ),
        ({"measure": "marker", "modality": ("CT",)}, "modality of measure='marker'"),
        ({"measure": "diameter", "modality": ("CgA",)}, "modality ['CgA'] are markers"),
        ({"progression_min_uln": 1.0}, "progression_min_uln needs measure='marker'"),
        (
            {"measure": "marker", "modality": ("CgA",), "lesion_set": "all"},
            "new_lesion_pd must be False for measure='marker'",
        ),
    ],
)
def test_bad_marker_criteria_name_the_field(kwargs: dict, message: str) -> None:
    base = {"cr_rule": "none"} if kwargs.get("measure") == "marker" else {}
    with pytest.raises(ns.ConfigError, match=re.escape(message)):
        ns.criteria.Criterion(name="x", **base, **kwargs)


def test_a_higher_progression_cut_off_never_progresses_earlier() -> None:
    """Property, on 300 random CgA series (seeded): for every patient, the first PD under a
    higher ``progression_threshold`` is never earlier than under a lower one (with and without
    the ULN floor, and with confirmation, whose window has no upper limit)."""
    rng = np.random.default_rng(19)
    c = Case()
    for p in range(300):
        value = float(rng.uniform(20, 600))
        c.marker(f"P{p}", -5, round(value, 1), uln=float(rng.choice([60.0, 100.0, 150.0])))
        day = 0
        for _ in range(int(rng.integers(1, 9))):
            day += int(rng.integers(21, 120))
            value *= float(rng.lognormal(0.0, 0.35))
            c.marker(f"P{p}", day, round(value, 1), uln=100.0)
    cohort = c.build()
    cuts = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0]
    for base in (
        ns.criteria.CGA_BIOCHEMICAL,
        replace(ns.criteria.CGA_BIOCHEMICAL, name="nofloor", progression_min_uln=None),
        ns.criteria.CGA_CONFIRMED,
    ):
        grid = ns.criteria.grid(base, progression_threshold=cuts)
        tp = ns.classify(cohort, grid).table
        pd_rows = tp[tp["response"] == "PD"]
        if base.confirm_pd:
            pd_rows = pd_rows[pd_rows["pd_status"].isin(["confirmed", "iCPD"])]
        first = pd_rows.groupby(["criterion", "patient_id"])["date"].min().unstack(0)
        first = first.reindex(columns=[g.name for g in grid])
        never = pd.Timestamp.max
        days = first.fillna(never).to_numpy()
        assert (np.diff(days.astype("datetime64[ns]").view("int64"), axis=1) >= 0).all()
        assert first.notna().sum().iloc[0] > first.notna().sum().iloc[-1]  # the cut-off bites
