"""Competing risks against R: survfit multi-state and cmprsk::cuminc (cumulative incidence),
cmprsk's Gray test, survival::finegray + coxph and cmprsk::crr (Fine–Gray), cause-specific
coxph.  Values from ``tests/reference/make_reference_competing.R``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from r_reference import assert_close, case, case_names, dataset, num

from netsurv.survival import (
    cause_specific_cox,
    cumulative_incidence,
    fine_gray,
    gray_test,
)

CLOSED_FORM = 1e-10  # estimates, variances, tests, log-likelihoods
COEF = 1e-6  # coefficients and their variances (R's coxph stops short of the root)


def _data(name: str) -> pd.DataFrame:
    if name == "cr_net_recist":
        d = dataset("cr_net")
        return d[d["criterion"] == "recist1.1"].reset_index(drop=True)
    return dataset(name)


def _fg_names(kind: str) -> list[str]:
    return [n for n in case_names("finegray") if case("finegray", n)["kind"] == kind]


@pytest.mark.parametrize("name", case_names("cif"))
def test_cumulative_incidence_matches_survfit_multistate(name: str) -> None:
    ref = case("cif", name)
    a = ref["args"]
    res = cumulative_incidence(
        _data(a["data"]),
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        by=a["by"],
        weights_col=a["weights_col"],
        conf_type=a["conf_type"],
    )
    weighted = a["weights_col"] is not None
    for curve in ref["curves"]:
        t = res.table
        got = t[(t["group"].astype(str) == curve["group"]) & (t["cause"] == curve["cause"])]
        assert_close(got["time"], num(curve["time"]), 0, f"{name} time")
        for col in ("cif", "std_err", "lower", "upper"):
            if col in curve:
                assert_close(got[col], num(curve[col]), CLOSED_FORM, f"{name} {col}")
        if "n_risk" in curve and not weighted:  # R's multi-state n.risk is unweighted
            assert_close(got["n_risk"], num(curve["n_risk"]), 0, f"{name} n_risk")
    at = ref["at"]
    read = res.cif_at(sorted(set(num(at["time"]).tolist())))
    for j, cause in enumerate(ref["causes"]):
        mine = read[read["cause"] == cause]
        for i, (g, tt) in enumerate(zip(at["group"], at["time"], strict=True)):
            row = mine[(mine["group"].astype(str) == g) & (mine["time"] == tt)].iloc[0]
            for col in ("cif", "std_err", "lower", "upper"):
                assert_close(row[col], num(at[col])[i, j], CLOSED_FORM, f"{name} at {tt} {col}")


@pytest.mark.parametrize("name", [n for n in case_names("cif") if "cuminc" in case("cif", n)])
def test_cumulative_incidence_delta_variance_matches_cuminc(name: str) -> None:
    ref = case("cif", name)
    a = ref["args"]
    res = cumulative_incidence(
        _data(a["data"]),
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        by=a["by"],
        variance="delta",
    )
    for curve in ref["cuminc"]:
        times = num(curve["time"])
        read = res.cif_at(times)
        mine = read[
            (read["group"].astype(str) == curve["group"]) & (read["cause"] == curve["cause"])
        ]
        assert_close(mine["cif"], num(curve["est"]), CLOSED_FORM, f"{name} est")
        assert_close(mine["std_err"] ** 2, num(curve["var"]), CLOSED_FORM, f"{name} var")


@pytest.mark.parametrize("name", case_names("gray"))
def test_gray_test_matches_cuminc(name: str) -> None:
    ref = case("gray", name)
    a = ref["args"]
    res = gray_test(
        _data(a["data"]),
        by=a["by"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        rho=a["rho"],
        strata=a["strata"],
    )
    tab = res.table.set_index("cause").loc[ref["cause"]]
    assert_close(tab["statistic"], num(ref["statistic"]), CLOSED_FORM, f"{name} statistic")
    # cuminc computes p as 1 - pchisq(...), exact to ~1e-16 absolute only
    assert np.allclose(tab["p_value"], num(ref["p_value"]), rtol=CLOSED_FORM, atol=1e-15)
    assert tab["df"].tolist() == [int(v) for v in ref["df"]]


def _fine_gray(a: dict[str, Any], method: str = "finegray") -> Any:
    return fine_gray(
        _data(a["data"]),
        covariates=a["covariates"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        cause=a["cause"],
        ties=a["ties"],
        strata=a.get("strata"),
        censoring_groups=a.get("censoring_groups"),
        weights_col=a.get("weights_col"),
        method=method,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("name", _fg_names("finegray"))
def test_fine_gray_matches_finegray_coxph(name: str) -> None:
    ref = case("finegray", name)
    fit = _fine_gray(ref["args"])
    assert fit.n == ref["n"] and fit.events == ref["events"]
    assert_close(fit.coefficients["coef"], num(ref["coef"]), COEF, f"{name} coef")
    assert_close(fit.variance, num(ref["var"]), COEF, f"{name} robust var")
    assert_close(fit.model.variance_model, num(ref["naive_var"]), COEF, f"{name} naive var")
    assert_close([fit.loglik_null, fit.loglik], num(ref["loglik"]), CLOSED_FORM, f"{name} loglik")


@pytest.mark.parametrize("name", _fg_names("crr"))
def test_fine_gray_crr_method_matches_cmprsk_crr(name: str) -> None:
    """method="crr": crr's coefficients, log-likelihoods and its own variance (Fine and Gray's,
    with the censoring-curve term), untied and tied times, censoring groups, grade indicators
    with no competing event in one level.  On mgus2 crr's line search stops a hair from the
    root (converged = FALSE, its coefficients within 6e-8 of the root)."""
    ref = case("finegray", name)
    fit = _fine_gray(ref["args"], method="crr")
    assert fit.model.converged and fit.n == ref["n"]
    assert_close(fit.coefficients["coef"], num(ref["coef"]), COEF, f"{name} coef")
    ll = [ref["loglik_null"], ref["loglik"]]
    assert_close([fit.loglik_null, fit.loglik], ll, CLOSED_FORM, f"{name} loglik")
    assert_close(fit.variance, num(ref["crr_var"]), COEF, f"{name} crr variance")
    assert_close(fit.coefficients["robust_se"], num(ref["crr_se"]), COEF, f"{name} crr SE")


@pytest.mark.parametrize("name", [n for n in _fg_names("crr") if not case("finegray", n)["ties"]])
def test_fine_gray_default_equals_crr_estimate_without_ties(name: str) -> None:
    """On untied times the finegray rows (Breslow) give crr's estimate and log-likelihoods; the
    clustered robust SE leaves out the censoring-curve term of crr's (a small difference)."""
    ref = case("finegray", name)
    assert ref["converged"]
    fit = _fine_gray({**ref["args"], "ties": "breslow"})
    assert_close(fit.coefficients["coef"], num(ref["coef"]), COEF, f"{name} coef")
    assert_close(
        [fit.loglik_null, fit.loglik],
        [ref["loglik_null"], ref["loglik"]],
        CLOSED_FORM,
        f"{name} loglik",
    )
    assert_close(fit.coefficients["robust_se"], num(ref["crr_se"]), 5e-3, f"{name} SE vs crr")


@pytest.mark.parametrize("name", _fg_names("cause_specific"))
def test_cause_specific_cox_matches_coxph(name: str) -> None:
    ref = case("finegray", name)
    a = ref["args"]
    fit = cause_specific_cox(
        _data(a["data"]),
        covariates=a["covariates"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        cause=a["cause"],
        ties=a["ties"],
    )
    assert_close(fit.coefficients["coef"], num(ref["coef"]), COEF, f"{name} coef")
    assert_close(fit.variance, num(ref["var"]), COEF, f"{name} var")
    assert_close([fit.loglik_null, fit.loglik], num(ref["loglik"]), CLOSED_FORM, f"{name} ll")
    assert_close(fit.tests.loc["score", "statistic"], ref["score"], CLOSED_FORM, f"{name} sc")


def test_cumulative_incidences_and_event_free_add_to_one() -> None:
    df = dataset("mgus2")
    res = cumulative_incidence(df, duration_col="time", event_col="status", by="sex")
    wide = res.table.pivot_table(index=["group", "time"], columns="cause", values="cif")
    from netsurv.survival import kaplan_meier

    km = kaplan_meier(
        df.assign(any_event=(df["status"] > 0).astype(int)),
        duration_col="time",
        event_col="any_event",
        by="sex",
    ).table.set_index(["group", "time"])["surv"]
    total = wide.sum(axis=1) + km.reindex(wide.index)
    assert np.allclose(total, 1.0, atol=1e-12)
