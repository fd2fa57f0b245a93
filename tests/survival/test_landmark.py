"""Landmark, time-dependent and responder analyses from cohorts: hand-worked status times,
attrition with reasons, input dispatch, errors, and the guarantee-time-bias check."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from sim_cohort import simulate_cohort

import netsurv as ns
from netsurv.survival import (
    CoxConvergenceWarning,
    GuaranteeTimeBiasWarning,
    compare_responders,
    landmark,
    time_dependent_cox,
)

START = pd.Timestamp("2020-01-15")
M = 30.4375  # days per month


def d(day: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=day)


def hand_cohort() -> ns.Cohort:
    """Five patients, one liver target each, CT on day -7 then every 56 days.

    P1 40 -> 26 (PR, day 56) -> 25 (PR, confirms, day 112) -> 24; dies day 300.
    P2 40 -> 39 (SD) -> 27 (PR, day 112) -> 40 (PD vs nadir 27, day 168); alive to day 400.
    P3 40 -> 50 (PD, day 56) -> 20 (a "PR" after PD: outside the best-response window); dies 150.
    P4 40 -> 41 (SD, day 56); dies day 80.
    P5 40 -> 50 (iUPD day 56) -> 56 (iCPD day 112, +6 mm) -> 60; alive to day 200; also has a
       second line starting on day 210 with its own baseline (day 205) and no follow-up scan.
    """
    sizes = {
        "P1": [40, 26, 25, 24],
        "P2": [40, 39, 27, 40],
        "P3": [40, 50, 20],
        "P4": [40, 41],
        "P5": [40, 50, 56, 60],
    }
    scans, lesions = [], []
    for pid, values in sizes.items():
        for k, v in enumerate(values):
            aid = f"A{k:02d}"
            scans.append((pid, aid, d(-7 if k == 0 else 56 * k), "CT"))
            lesions.append((pid, aid, "T1", "liver", "target", float(v)))
    scans.append(("P5", "B00", d(205), "CT"))
    lesions.append(("P5", "B00", "T1", "liver", "target", 61.0))
    death = {"P1": 300, "P3": 150, "P4": 80}
    alive = {"P1": 300, "P2": 400, "P3": 150, "P4": 80, "P5": 400}
    patients = pd.DataFrame(
        {
            "patient_id": list(alive),
            "last_alive_date": [d(x) for x in alive.values()],
            "death_date": [d(death[p]) if p in death else None for p in alive],
            "ecog": [0, 1, 1, 2, 0],
        }
    )
    lines = pd.DataFrame(
        {
            "patient_id": [*alive, "P5"],
            "line_id": ["L1"] * 5 + ["L2"],
            "regimen": "lanreotide",
            "start_date": [START] * 5 + [d(210)],
        }
    )
    a = pd.DataFrame(scans, columns=["patient_id", "assessment_id", "date", "modality"])
    les = pd.DataFrame(
        lesions,
        columns=["patient_id", "assessment_id", "lesion_id", "site", "role", "long_axis_mm"],
    )
    return ns.Cohort.from_frames(patients, lines, a, les)


# the hand cohort is small: some Cox estimates diverge (no events in a group), as noted
pytestmark = pytest.mark.filterwarnings("ignore::netsurv.survival.CoxConvergenceWarning")


@pytest.fixture(scope="module")
def cohort() -> ns.Cohort:
    return hand_cohort()


def months(day: int) -> float:
    """A scan or event on ``day`` on the endpoints' scale (days since origin + 1)."""
    return (day + 1) / M


def status_times(res: ns.survival.LandmarkResult) -> dict[str, float]:
    u = res.units.set_index("patient_id")["status_time"]
    return {k: float(v) for k, v in u.items()}


def test_response_known_at_first_pr_or_at_confirmation(cohort: ns.Cohort) -> None:
    plain = landmark(cohort, criterion="recist1.1", at_months=3)
    assert status_times(plain) == pytest.approx(
        {"P1": months(56), "P2": months(112), "P3": np.nan, "P4": np.nan, "P5": np.nan},
        nan_ok=True,
    )
    confirmed = landmark(cohort, criterion="recist1.1", at_months=3, confirm=True)
    # P1's PR on day 56 is confirmed by the scan of day 112; P2's PR is followed by PD
    assert status_times(confirmed) == pytest.approx(
        {"P1": months(112), "P2": np.nan, "P3": np.nan, "P4": np.nan, "P5": np.nan},
        nan_ok=True,
    )


def test_progression_known_at_pd_or_at_icpd(cohort: ns.Cohort) -> None:
    rec = landmark(cohort, criterion="recist1.1", at_months=3, status="progression")
    assert status_times(rec) == pytest.approx(
        {"P1": np.nan, "P2": months(168), "P3": months(56), "P4": np.nan, "P5": months(56)},
        nan_ok=True,
    )
    # iRECIST: the iUPD of day 56 is known as progression when confirmed on day 112
    ir = landmark(cohort, criterion="irecist", at_months=3, status="progression")
    assert status_times(ir)["P5"] == pytest.approx(months(112))


def test_landmark_sets_status_and_attrition(cohort: ns.Cohort) -> None:
    res = landmark(cohort, criterion="recist1.1", at_months=[3, 6])
    at3 = res.data[res.data["landmark"] == 3]
    at6 = res.data[res.data["landmark"] == 6]
    assert dict(zip(at3["patient_id"], at3["responder"], strict=True)) == {
        "P1": 1,
        "P2": 0,
        "P3": 0,
        "P5": 0,
    }
    assert dict(zip(at6["patient_id"], at6["responder"], strict=True)) == {
        "P1": 1,
        "P2": 1,
        "P5": 0,
    }
    # clock reset at the landmark
    p1 = at6.set_index("patient_id").loc["P1"]
    assert p1["time"] == pytest.approx(months(300) - 6)
    assert p1["event"] == 1
    assert list(at6["group"].cat.categories) == ["non-responder", "responder"]
    att = res.attrition.set_index(["row_key", "stage"])["reason"]
    assert att[("P5 / L2", "landmark")] == "not the patient's first line (lines='first')"
    assert att[("P4 / L1", "landmark 3 months")] == ("OS event before the 3-month landmark (death)")
    assert att[("P3 / L1", "landmark 6 months")].startswith("OS event before the 6-month")
    assert len(res.attrition) == 4
    assert res.table["n"].tolist() == [4, 3]
    assert res.table["n_status"].tolist() == [1, 2]


def test_landmark_horizon_censors_after_the_window(cohort: ns.Cohort) -> None:
    res = landmark(cohort, criterion="recist1.1", at_months=3, horizon_months=5)
    p1 = res.data.set_index("patient_id").loc["P1"]
    assert (p1["time"], p1["event"]) == (5.0, 0)  # died at 9.9 months, after 3 + 5
    p3 = res.data.set_index("patient_id").loc["P3"]
    assert (p3["time"], p3["event"]) == (pytest.approx(months(150) - 3), 1)


def test_all_lines_uses_every_line_and_patient_clusters(cohort: ns.Cohort) -> None:
    res = time_dependent_cox(cohort, criterion="recist1.1", lines="all", status="progression")
    assert set(res.units["line_id"]) == {"L1", "L2"}
    assert res.cox.robust


def test_time_dependent_rows_follow_status_times(cohort: ns.Cohort) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoxConvergenceWarning)
        res = time_dependent_cox(cohort, criterion="recist1.1")
    p1 = res.data[res.data["patient_id"] == "P1"]
    assert p1[["start", "stop"]].to_numpy() == pytest.approx(
        np.array([[0, months(56)], [months(56), months(300)]])
    )
    assert p1["responder"].tolist() == [0, 1]
    assert p1["event"].tolist() == [0, 1]
    assert len(res.data) == 5 + 2  # two responders split
    assert res.simon_makuch.groups == ["non-responder", "responder"]
    assert res.mantel_byar.test == "Mantel-Byar"


def test_tables_give_the_same_result_as_the_cohort(cohort: ns.Cohort) -> None:
    tp = ns.classify(cohort, "recist1.1")
    ep = ns.derive_endpoints(cohort, tp, endpoints=["OS"])
    a = landmark(cohort, criterion="recist1.1", at_months=[3, 6])
    b = landmark(tp, criterion="recist1.1", at_months=[3, 6], endpoints=ep)
    c = landmark(tp.table, criterion="recist1.1", at_months=[3, 6], endpoints=ep.table)
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.data, c.data)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_covariates_come_from_patients(cohort: ns.Cohort) -> None:
    res = landmark(cohort, criterion="recist1.1", at_months=3, covariates=["ecog"])
    assert res.data.set_index("patient_id")["ecog"].to_dict() == {
        "P1": 0,
        "P2": 1,
        "P3": 1,
        "P5": 0,
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": "stable"}, "status must be"),
        ({"lines": "last"}, "lines must be"),
        ({"outcome": "TTP"}, "no 'TTP' rows"),
        ({"at_months": [-1]}, "landmarks must be finite and >= 0"),
        ({"at_months": [3, 3]}, "distinct"),
        ({"horizon_months": 0}, "horizon must be > 0"),
        ({"covariates": ["nope"]}, "covariate 'nope' is not a column"),
    ],
)
def test_bad_arguments_raise_config_errors(cohort: ns.Cohort, kwargs: dict, message: str) -> None:
    tp = ns.classify(cohort, "recist1.1")
    ep = ns.derive_endpoints(cohort, tp, endpoints=["OS", "PFS"])
    args = {"criterion": "recist1.1", "endpoints": ep} | kwargs
    with pytest.raises(ns.ConfigError, match=message):
        landmark(tp, **args)


def test_table_input_needs_endpoints_and_known_criteria(cohort: ns.Cohort) -> None:
    tp = ns.classify(cohort, "recist1.1")
    with pytest.raises(ns.ConfigError, match="pass endpoints="):
        landmark(tp, criterion="recist1.1")
    ep = ns.derive_endpoints(cohort, tp, endpoints=["OS"])
    with pytest.raises(ns.ConfigError, match=r"no rows for criterion \['choi'\]"):
        landmark(tp, criterion="choi", endpoints=ep)
    with pytest.raises(ns.ConfigError, match="lacks column"):
        landmark(tp, criterion="recist1.1", endpoints=ep.table.drop(columns="months"))
    with pytest.raises(ns.ConfigError, match="only with time-point tables"):
        landmark(cohort, criterion="recist1.1", endpoints=ep)


def test_lines_not_classified_under_the_criterion_are_in_the_attrition(
    cohort: ns.Cohort,
) -> None:
    tp = ns.classify(cohort, "recist1.1")
    ep = ns.derive_endpoints(cohort, tp, endpoints=["OS"])
    kept = tp.table[tp.table["patient_id"] != "P4"]
    res = landmark(kept, criterion="recist1.1", at_months=3, endpoints=ep)
    att = res.attrition.set_index("row_key")["reason"]
    assert att["P4 / L1"] == "line not evaluable under recist1.1 (no time-point responses)"
    # with a Timepoints, the classification's own reason is quoted
    why = pd.DataFrame(
        {
            "table": ["lines"],
            "row_key": ["P4 / L1"],
            "stage": ["classify"],
            "reason": ["no measurable target lesion at baseline"],
            "criterion": ["recist1.1"],
        }
    )
    tp2 = dataclasses.replace(tp, table=kept, attrition=why)
    res = landmark(tp2, criterion="recist1.1", at_months=3, endpoints=ep)
    att = res.attrition.set_index("row_key")["reason"]
    assert (
        att["P4 / L1"] == "not evaluable under recist1.1: no measurable target lesion at baseline"
    )


# ----------------------------------------------------------------------- guarantee-time bias
@pytest.fixture(scope="module")
def null_cohort() -> ns.Cohort:
    """800 patients; response has no effect on survival (hazard ratio 1 after response)."""
    return simulate_cohort(800, seed=0, response_hr=1.0, last_response_scan=6, median_os=18)


@pytest.mark.filterwarnings("error::netsurv.survival.CoxConvergenceWarning")
def test_guarantee_time_bias_naive_far_from_one_landmark_and_td_include_one(
    null_cohort: ns.Cohort,
) -> None:
    with pytest.warns(GuaranteeTimeBiasWarning, match="guarantee-time bias"):
        res = compare_responders(
            null_cohort, criterion="recist1.1", at_months=[3, 6, 12], naive=True
        )
    naive = res[res["method"] == "naive (ever responded)"].iloc[0]
    assert naive["hr"] < 0.6 and naive["upper"] < 0.7
    fair = res[res["method"] != "naive (ever responded)"]
    assert fair["method"].tolist() == ["landmark"] * 3 + ["time-dependent"]
    assert (fair["lower"] < 1).all() and (fair["upper"] > 1).all(), fair
    assert (fair["note"] == "").all()


def test_naive_row_only_with_the_flag(null_cohort: ns.Cohort) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", GuaranteeTimeBiasWarning)
        res = compare_responders(null_cohort, criterion="recist1.1", at_months=6)
    assert res["method"].tolist() == ["landmark", "time-dependent"]


def test_response_effect_is_found_by_the_time_dependent_model() -> None:
    cohort = simulate_cohort(600, seed=3, response_hr=0.5, last_response_scan=4)
    res = time_dependent_cox(cohort, criterion="recist1.1")
    hr = res.cox.coefficients.loc["responder"]
    assert hr["upper"] < 1 and hr["lower"] < 0.5 < hr["upper"]
    assert res.mantel_byar.p_value < 0.01
