"""Landmark and time-dependent analyses against R (tests/reference/expected/timedep.json).

R builds the (start, stop] rows (``tmerge``/``tdc``) and the landmark sets from the one-row-per-
unit tables itself, so these tests check netsurv's construction as well as its arithmetic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from r_reference import assert_close, case, case_names, dataset, num

from netsurv.survival import (
    cox,
    kaplan_meier,
    landmark_data,
    logrank,
    mantel_byar,
    simon_makuch,
    to_start_stop,
)

LIK_TOL = 1e-10
BETA_TOL = 1e-6
CASES = case_names("timedep")


def units(c: dict) -> pd.DataFrame:
    a = c["args"]
    return dataset(a["data"])


def rows(c: dict) -> pd.DataFrame:
    a = c["args"]
    return to_start_stop(
        units(c),
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        status_time_col=a["status_time_col"],
    )


@pytest.mark.parametrize("name", CASES)
def test_start_stop_rows_equal_tmerge(name: str) -> None:
    c = case("timedep", name)
    r = rows(c)
    a = c["args"]
    expected = c["rows"]
    np.testing.assert_array_equal(r["id"], num(expected["id"]))
    np.testing.assert_array_equal(r["start"], num(expected["start"]))
    np.testing.assert_array_equal(r["stop"], num(expected["stop"]))
    np.testing.assert_array_equal(r[a["event_col"]], num(expected["event"]))
    np.testing.assert_array_equal(r["status"], num(expected["status"]))


@pytest.mark.parametrize("name", CASES)
def test_time_dependent_cox_matches_coxph(name: str) -> None:
    c = case("timedep", name)
    r = rows(c)
    event = c["args"]["event_col"]
    for fit in c["cox"]:
        res = cox(
            r,
            covariates=fit["covariates"],
            duration_col="stop",
            start_col="start",
            event_col=event,
            ties=fit["ties"],
        )
        what = f"{fit['ties']} {fit['covariates']}"
        ll0, ll = num(fit["loglik"])
        assert_close(res.loglik_null, ll0, LIK_TOL, f"{what}: null loglik")
        assert_close(res.loglik, ll, LIK_TOL, f"{what}: loglik")
        assert_close(res.tests.loc["score", "statistic"], fit["score"], LIK_TOL, f"{what}: score")
        assert_close(res.concordance, fit["concordance"], LIK_TOL, f"{what}: concordance")
        assert_close(res.coefficients["coef"], num(fit["coef"]), BETA_TOL, f"{what}: coef")
        assert_close(res.variance.to_numpy(), num(fit["var"]), BETA_TOL, f"{what}: var")
        assert (res.n, res.events) == (fit["n"], fit["events"])


@pytest.mark.parametrize("name", CASES)
def test_mantel_byar_matches_exact_score_test(name: str) -> None:
    c = case("timedep", name)
    r = rows(c)
    mb = mantel_byar(r, status_col="status", event_col=c["args"]["event_col"])
    ref = c["mantel_byar"]
    assert_close(mb.chi2, ref["coxph_exact_score"], LIK_TOL, "coxph exact score")
    assert_close(mb.chi2, ref["chisq"], LIK_TOL, "by hand")
    assert_close(mb.table["observed"].iloc[1], ref["observed"], 0, "O1")
    assert_close(mb.table["expected"].iloc[1], ref["expected"], LIK_TOL, "E1")
    assert_close(mb.variance.iloc[1, 1], ref["variance"], LIK_TOL, "V")
    assert mb.df == 1 and mb.test == "Mantel-Byar"


@pytest.mark.parametrize("name", CASES)
def test_simon_makuch_matches_survfit(name: str) -> None:
    c = case("timedep", name)
    r = rows(c)
    sm = simon_makuch(r, by="status", event_col=c["args"]["event_col"])
    for curve in c["simon_makuch"]:
        t = sm.table[sm.table["group"] == int(curve["group"])]
        # R lists stop times only; netsurv adds entry times (no event or censoring there)
        t = t[np.isin(t["time"], num(curve["time"]))]
        assert_close(t["time"], num(curve["time"]), 0, "time")
        for col, key in [("n_risk", "n_risk"), ("n_event", "n_event"), ("n_censor", "n_censor")]:
            assert_close(t[col], num(curve[key]), 0, col)
        assert_close(t["surv"], num(curve["surv"]), LIK_TOL, "surv")
        se_log = num(curve["std_err_log"])
        with np.errstate(invalid="ignore"):
            assert_close(t["std_err"], num(curve["surv"]) * se_log, LIK_TOL, "std_err")
        assert_close(t["lower"], num(curve["lower"]), LIK_TOL, "lower")
        assert_close(t["upper"], num(curve["upper"]), LIK_TOL, "upper")


@pytest.mark.parametrize("name", CASES)
def test_landmark_sets_and_models_match_r(name: str) -> None:
    c = case("timedep", name)
    a = c["args"]
    sets = landmark_data(
        units(c),
        at=num(a["landmarks"]),
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        status_time_col=a["status_time_col"],
        horizon=a["horizon"],
    )
    for lm in c["landmarks"]:
        s = sets[sets["landmark"] == lm["landmark"]]
        np.testing.assert_array_equal(s["id"], num(lm["ids"]))
        np.testing.assert_array_equal(s["status"], num(lm["status"]))
        assert (len(s), int(s[a["event_col"]].sum())) == (lm["n"], lm["events"])
        kw = {"duration_col": a["duration_col"], "event_col": a["event_col"]}
        fit = cox(s, covariates=["status"], **kw)
        ll = num(lm["cox"]["loglik"])[1]
        assert_close(fit.loglik, ll, LIK_TOL, "landmark loglik")
        assert_close(fit.tests.loc["score", "statistic"], lm["cox"]["score"], LIK_TOL)
        assert_close(fit.coefficients["coef"], num(lm["cox"]["coef"]), BETA_TOL, "coef")
        assert_close(fit.variance.to_numpy(), num(lm["cox"]["var"]), BETA_TOL, "var")
        assert_close(logrank(s, by="status", **kw).chi2, lm["logrank_chisq"], LIK_TOL, "logrank")
        km = kaplan_meier(s, by="status", **kw).medians
        assert_close(km["median"], num(lm["median"]), 0, "median")
        assert_close(km["lower"], num(lm["median_lower"]), 0, "median lower")
        assert_close(km["upper"], num(lm["median_upper"]), 0, "median upper")


@pytest.mark.parametrize("name", CASES)
def test_stacked_super_landmark_matches_coxph_cluster(name: str) -> None:
    c = case("timedep", name)
    a = c["args"]
    sets = landmark_data(
        units(c),
        at=num(a["landmarks"]),
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        status_time_col=a["status_time_col"],
        horizon=a["horizon"],
    )
    fit = cox(
        sets,
        covariates=["status"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        strata="landmark",
        cluster_col="id",
    )
    ref = c["stacked"]
    assert_close(fit.loglik, num(ref["loglik"])[1], LIK_TOL, "stacked loglik")
    assert_close(fit.coefficients["coef"], num(ref["coef"]), BETA_TOL, "stacked coef")
    assert_close(fit.variance.to_numpy(), num(ref["var"]), BETA_TOL, "robust var")
    assert_close(fit.variance_model.to_numpy(), num(ref["naive_var"]), BETA_TOL, "naive var")
