"""Status under one criterion, outcome under another (``outcome_criterion``), the Firth option of
``time_dependent_cox`` against R's coxphf (expected/timedep_firth.json), and ``anova`` refusing
robust fits as R does.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from r_reference import assert_close, case, case_names, dataset, num

import netsurv as ns
from netsurv.errors import ConfigError
from netsurv.survival import (
    compare_criteria,
    cox,
    landmark,
    time_dependent_cox,
    to_start_stop,
)

DPM = 30.4375


def tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four lines read under "a" (status) and "b" (outcome): P3 has no "b" scans, P4 no "a"."""
    day = pd.Timestamp("2020-01-01")
    rows = []

    def scans(pid: str, crit: str, days: list[int], responses: list[str]) -> None:
        for i, (d, r) in enumerate(zip(days, responses, strict=True)):
            rows.append(
                {
                    "patient_id": pid,
                    "line_id": "L1",
                    "criterion": crit,
                    "assessment_id": f"{pid}{crit}{i}",
                    "date": day + pd.Timedelta(days=d),
                    "role": "baseline" if i == 0 else "follow_up",
                    "response": None if i == 0 else r,
                    "days_from_start": d,
                }
            )

    scans("P1", "a", [0, 60, 150], ["", "PR", "PR"])  # responds at day 60 under a
    scans("P1", "b", [0, 90, 200], ["", "SD", "PD"])  # progresses at day 200 under b
    scans("P2", "a", [0, 80, 170], ["", "SD", "PR"])  # responds at day 170 under a
    scans("P2", "b", [0, 100], ["", "SD"])
    scans("P3", "a", [0, 70], ["", "SD"])
    scans("P4", "b", [0, 70], ["", "SD"])
    scans("P5", "a", [0, 50, 120], ["", "SD", "SD"])
    scans("P5", "b", [0, 50, 130], ["", "SD", "PD"])
    tp = pd.DataFrame(rows)
    ep = []
    pfs_b = {"P1": (201, 1), "P2": (101, 0), "P3": (1, 0), "P4": (71, 0), "P5": (131, 1)}
    pfs_a = {"P1": (151, 0), "P2": (171, 0), "P3": (71, 0), "P4": (1, 0), "P5": (121, 0)}
    for crit, table in (("a", pfs_a), ("b", pfs_b)):
        for pid, (d, e) in table.items():
            ep.append(
                {
                    "patient_id": pid,
                    "line_id": "L1",
                    "criterion": crit,
                    "endpoint": "PFS",
                    "origin_date": day,
                    "date": day + pd.Timedelta(days=d - 1),
                    "days": d,
                    "months": d / DPM,
                    "event": e,
                }
            )
    return tp, pd.DataFrame(ep)


MONOTONE = pytest.mark.filterwarnings("ignore::netsurv.survival.CoxConvergenceWarning")


@MONOTONE  # three units: the responder's hazard ratio diverges
def test_status_under_a_outcome_under_b_by_hand() -> None:
    tp, ep = tables()
    res = landmark(
        tp, criterion="a", outcome="PFS", outcome_criterion="b", endpoints=ep, at_months=[3]
    )
    assert res.criterion == "a" and res.outcome_criterion == "b"
    u = res.units.set_index("patient_id")
    assert sorted(u.index) == ["P1", "P2", "P5"]  # P3: no "b" scans, P4: no "a" scans
    assert u.loc["P1", "time"] == 201 / DPM and u.loc["P1", "event"] == 1  # PFS under b
    assert u.loc["P1", "status_time"] == 61 / DPM  # the PR under a, on b's clock (+1 day)
    assert u.loc["P2", "status_time"] == 171 / DPM
    assert np.isnan(u.loc["P5", "status_time"])
    att = res.attrition.set_index("row_key")
    assert att.loc["P3 / L1", "criterion"] == "b"
    assert "not evaluable under b (the criterion of PFS)" in att.loc["P3 / L1", "reason"]
    assert att.loc["P4 / L1", "criterion"] == "a"
    assert "not evaluable under a" in att.loc["P4 / L1", "reason"]
    # at 3 months (91.3 days): P1 has responded (day 61), P2 not yet (day 171)
    s = res.data.set_index("patient_id")
    assert s.loc["P1", "responder"] == 1 and s.loc["P2", "responder"] == 0
    assert s.loc["P1", "time"] == pytest.approx(201 / DPM - 3)


@MONOTONE
def test_same_criterion_as_outcome_criterion_changes_nothing() -> None:
    tp, ep = tables()
    a = landmark(tp, criterion="a", outcome="PFS", endpoints=ep, at_months=[2])
    b = landmark(
        tp, criterion="a", outcome="PFS", outcome_criterion="a", endpoints=ep, at_months=[2]
    )
    pd.testing.assert_frame_equal(a.data, b.data)
    pd.testing.assert_frame_equal(a.attrition, b.attrition)
    assert b.outcome_criterion is None


def test_a_criterion_free_outcome_refuses_an_outcome_criterion() -> None:
    tp, ep = tables()
    os_rows = ep[ep["criterion"] == "a"].assign(criterion=None, endpoint="OS")
    with pytest.raises(ConfigError, match="'OS' does not depend on a criterion"):
        landmark(tp, criterion="a", outcome="OS", outcome_criterion="b", endpoints=os_rows)


def test_unknown_outcome_criterion_is_named() -> None:
    tp, ep = tables()
    with pytest.raises(ConfigError, match="no rows for criterion \\['c'\\]"):
        landmark(tp, criterion="a", outcome="PFS", outcome_criterion="c", endpoints=ep)


@MONOTONE
def test_time_dependent_rows_use_a_status_on_b_outcome() -> None:
    tp, ep = tables()
    td = time_dependent_cox(tp, criterion="a", outcome="PFS", outcome_criterion="b", endpoints=ep)
    rows = td.data[td.data["patient_id"] == "P1"]
    assert rows[["start", "stop", "event", "responder"]].to_numpy().tolist() == [
        [0.0, 61 / DPM, 0, 0],
        [61 / DPM, 201 / DPM, 1, 1],
    ]
    assert td.outcome_criterion == "b"


def test_compare_criteria_scores_every_criterion_against_one_outcome() -> None:
    cohort = ns.simulate_cohort(150, seed=5, scenario="prrt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cmp = compare_criteria(
            cohort,
            criteria=["sstv", "early_sstv"],
            outcome="PFS",
            outcome_criterion="recist1.1",
            at_months=4,
            horizons=[12],
            n_boot=0,
        )
        direct = landmark(
            cohort,
            criterion="early_sstv",
            outcome="PFS",
            outcome_criterion="recist1.1",
            at_months=4,
        )
    assert cmp.table["n"].nunique() == 1 and cmp.table["events"].nunique() == 1
    row = cmp.table.set_index("criterion").loc["early_sstv"]
    lm = direct.table.iloc[0]
    # every line evaluable under early_sstv is under sstv here: the same set, the same model
    assert (row["n"], row["events"]) == (lm["n"], lm["events"])
    assert row["hr"] == pytest.approx(lm["hr"], rel=1e-12)


# ---- Firth-penalised time-dependent Cox against coxphf -----------------------------------------

FIRTH = case_names("timedep_firth")


def firth_fit(name: str) -> tuple[dict, ns.survival.CoxResult, int]:
    c = case("timedep_firth", name)
    a = c["args"]
    if a["data"] == "cross_units":  # end to end: the cohort through time_dependent_cox
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            td = time_dependent_cox(
                ns.load_demo(),
                criterion="recist1.1",
                outcome="PFS",
                outcome_criterion="sstv",
                ties="breslow",
                penalty="firth",
            )
        return c, td.cox, len(td.data)
    rows = to_start_stop(
        dataset(a["data"]),
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        status_time_col=a["status_time_col"],
    )
    fit = cox(
        rows,
        covariates=["status", *a["covariates"]],
        duration_col="stop",
        start_col="start",
        event_col=a["event_col"],
        ties="breslow",
        penalty="firth",
    )
    return c, fit, len(rows)


@pytest.mark.parametrize("name", FIRTH)
def test_time_dependent_firth_matches_coxphf(name: str) -> None:
    c, fit, n_rows = firth_fit(name)
    assert n_rows == c["rows"]
    assert fit.penalty == "firth" and fit.converged
    coef = fit.coefficients
    assert_close(coef["coef"], num(c["coef"]), 1e-6, "coef")
    assert_close(fit.variance.to_numpy(), num(c["var"]), 1e-6, "variance")
    ll0, ll = num(c["loglik"])
    assert_close(fit.loglik_null, ll0, 1e-10, "penalised loglik at 0")
    assert_close(fit.loglik, ll, 1e-10, "penalised loglik")
    assert_close(np.log(coef["lower"]), num(c["lower"]), 1e-6, "profile lower")
    assert_close(np.log(coef["upper"]), num(c["upper"]), 1e-6, "profile upper")
    assert_close(coef["p"], num(c["p"]), 1e-8, "penalised LR p")


def test_time_dependent_firth_needs_first_lines() -> None:
    with pytest.raises(ConfigError, match="penalty='firth' needs lines='first'"):
        time_dependent_cox(ns.load_demo(), criterion="recist1.1", lines="all", penalty="firth")


# ---- anova of a robust fit ----------------------------------------------------------------------


def test_anova_refuses_robust_fits_as_r_does() -> None:
    lung = dataset("lung")
    fit = cox(lung, formula="age + sex", duration_col="time", event_col="status", robust=True)
    with pytest.raises(ConfigError, match="Can't do anova tables with robust variances"):
        fit.anova()
    assert list(fit.term_tests().index) == ["age", "sex"]  # robust Wald tests still apply
    plain = cox(lung, formula="age + sex", duration_col="time", event_col="status")
    assert list(plain.anova().index) == ["NULL", "age", "sex"]


def test_bootstrap_codes_are_the_same_patients_in_every_frame() -> None:
    """With per-criterion outcomes the landmark sets differ; a drawn code must still be one
    patient in every frame (it was a position within each frame before)."""
    from netsurv.survival._compare_frames import with_codes

    a = pd.DataFrame({"patient_id": ["P2", "P3", "P5"], "line_id": "L1", "time": [1.0, 2, 3]})
    b = pd.DataFrame({"patient_id": ["P1", "P3", "P4", "P5"], "line_id": "L1", "time": 1.0})
    coded = with_codes({"a": a, "b": b})
    for f in coded.values():
        want = f["patient_id"].map({"P1": 0, "P2": 1, "P3": 2, "P4": 3, "P5": 4})
        assert f["_patient"].tolist() == want.tolist()
        assert f["_patient"].is_monotonic_increasing
