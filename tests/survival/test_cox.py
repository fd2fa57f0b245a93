"""Cox regression against R ``coxph`` / ``cox.zph`` (tests/reference/expected/cox.json)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from r_reference import assert_close, case, case_names, dataset, num
from statsmodels.duration.hazard_regression import PHReg

from netsurv.survival import CoxConvergenceWarning, CoxResult, cox, cox_zph

LIK_TOL = 1e-10  # log-likelihoods, LR, score test at beta = 0, concordance
BETA_TOL = 1e-6  # anything evaluated at R's beta, which stops ~1e-9 short of the root
CONVERGED = [n for n in case_names("cox") if not case("cox", n)["warnings"]]


def fit_case(name: str) -> tuple[dict, CoxResult]:
    c = case("cox", name)
    a = c["args"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoxConvergenceWarning)
        res = cox(
            dataset(a["data"]),
            covariates=a["covariates"],
            duration_col=a["duration_col"],
            event_col=a["event_col"],
            strata=a["strata"],
            ties=a["ties"],
            weights_col=a["weights_col"],
            robust=a["robust"],
            start_col=a["start_col"],
            cluster_col=a["cluster_col"],
        )
    return c, res


@pytest.mark.parametrize("name", CONVERGED)
def test_likelihood_and_tests_match_coxph(name: str) -> None:
    c, res = fit_case(name)
    ll0, ll = num(c["loglik"])
    assert_close(res.loglik_null, ll0, LIK_TOL, "null loglik")
    assert_close(res.loglik, ll, LIK_TOL, "loglik")
    assert_close(res.tests.loc["likelihood_ratio", "statistic"], 2 * (ll - ll0), LIK_TOL, "LR")
    assert_close(res.tests.loc["score", "statistic"], c["score"], LIK_TOL, "score test")
    assert_close(res.aic, c["aic"], LIK_TOL, "AIC")
    assert_close(res.tests.loc["wald", "statistic"], c["wald"], BETA_TOL, "Wald")
    if c.get("robust_score") is not None:
        assert_close(res.tests.loc["robust_score", "statistic"], c["robust_score"], LIK_TOL)
    else:
        assert np.isnan(res.tests.loc["robust_score", "statistic"])
    assert (res.n, res.events, res.n_dropped) == (c["n"], c["events"], c["n_dropped"])
    assert res.converged


@pytest.mark.parametrize("name", CONVERGED)
def test_coefficients_match_coxph(name: str) -> None:
    c, res = fit_case(name)
    coef = res.coefficients
    assert_close(coef["coef"], num(c["coef"]), BETA_TOL, "beta")
    var = num(c["var"])
    assert_close(res.variance.to_numpy(), var, BETA_TOL, "variance")
    se_col = "robust_se" if res.robust else "se"
    assert_close(coef[se_col], np.sqrt(np.diag(var)), BETA_TOL, "se")
    if c.get("naive_var") is not None:
        assert_close(coef["se"], np.sqrt(np.diag(num(c["naive_var"]))), BETA_TOL, "model se")
    # the exact root: the score vanishes to rounding error
    assert res.max_abs_score < 1e-9
    np.testing.assert_allclose(coef["exp_coef"], np.exp(coef["coef"]), rtol=1e-15)
    z = coef["coef"] / coef[se_col]
    np.testing.assert_allclose(coef["z"], z, rtol=1e-15)
    np.testing.assert_allclose(
        np.log(coef["upper"]) - coef["coef"], 1.959963984540054 * coef[se_col], rtol=1e-12
    )


@pytest.mark.parametrize("name", case_names("cox"))
def test_concordance_matches_coxph(name: str) -> None:
    c, res = fit_case(name)
    cc = c["concordance"]
    for key in ["concordant", "discordant", "tied_x", "tied_y", "tied_xy"]:
        assert_close(res.concordance_counts[key], cc[key], LIK_TOL, key)
    assert_close(res.concordance, cc["concordance"], LIK_TOL, "C")
    assert_close(res.concordance_se, cc["std"], LIK_TOL, "se(C)")


ZPH = [(n, tr) for n in CONVERGED for tr in case("cox", n)["zph"]]


@pytest.mark.parametrize(("name", "transform"), ZPH)
def test_cox_zph_matches_r(name: str, transform: str) -> None:
    c, res = fit_case(name)
    ref = c["zph"][transform]
    zph = cox_zph(res, transform=transform)
    assert list(zph.table.index) == [*c["args"]["covariates"], "GLOBAL"]
    assert_close(zph.table["chisq"], num(ref["chisq"]), BETA_TOL, "zph chisq")
    assert_close(zph.table["df"], num(ref["df"]), 0)
    assert_close(zph.table["p"], num(ref["p"]), BETA_TOL, "zph p")
    if "y" in ref:
        assert_close(zph.residuals["time"], num(ref["time"]), 0)
        assert_close(zph.residuals["transformed_time"], num(ref["x"]), 1e-12)
        cols = c["args"]["covariates"]
        # residuals scatter around 0: deviation on the scale of the residuals (|r| ~ 1)
        resid = zph.residuals[cols].to_numpy()
        assert_close(resid, num(ref["y"]), BETA_TOL, "scaled resid", scale=1.0)


def test_zph_method_equals_function() -> None:
    _, res = fit_case("ties_efron")
    pd.testing.assert_frame_equal(
        res.zph(transform="rank").table, cox_zph(res, transform="rank").table
    )


def test_diverging_coefficient_is_flagged() -> None:
    """x = 1 has no events: beta -> -inf, as R's "coefficient may be infinite"."""
    c = case("cox", "monotone")
    assert "infinite" in c["warnings"][0]
    with pytest.warns(CoxConvergenceWarning, match=r"\['x'\].*infinite"):
        res = cox(
            dataset("monotone"), covariates=["x", "z"], duration_col="time", event_col="event"
        )
    assert not res.converged
    assert res.coefficients.loc["x", "coef"] < -15
    ll0, ll = num(c["loglik"])
    assert_close(res.loglik_null, ll0, LIK_TOL)
    # both fits stop on the likelihood's asymptote: R at a relative change of 1e-9
    assert_close(res.loglik, ll, 1e-8)
    assert_close(res.tests.loc["likelihood_ratio", "statistic"], 2 * (ll - ll0), 1e-7)
    assert_close(res.coefficients.loc["z", "coef"], num(c["coef"])[1], 1e-5)
    assert_close(res.tests.loc["score", "statistic"], c["score"], LIK_TOL)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_agrees_with_statsmodels_phreg(ties: str) -> None:
    df = dataset("rossi")
    cols = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
    ours = cox(df, covariates=cols, duration_col="week", event_col="arrest", ties=ties)  # type: ignore[arg-type]
    sm = PHReg(df["week"], df[cols], status=df["arrest"], ties=ties).fit()
    np.testing.assert_allclose(ours.coefficients["coef"], sm.params, rtol=1e-6)
    np.testing.assert_allclose(ours.coefficients["se"], sm.bse, rtol=1e-6)
    assert ours.loglik == pytest.approx(sm.llf, rel=1e-12)


def test_start_stop_without_changes_equals_right_censored() -> None:
    df = dataset("rossi").assign(entry=0.0)
    cols = ["fin", "age", "prio"]
    a = cox(df, covariates=cols, duration_col="week", event_col="arrest")
    b = cox(df, covariates=cols, duration_col="week", event_col="arrest", start_col="entry")
    pd.testing.assert_frame_equal(a.coefficients, b.coefficients, rtol=1e-12)
    assert a.concordance == b.concordance


def test_integer_weights_equal_repeated_rows_under_breslow() -> None:
    """(Under Efron they differ, in R too: a weighted row is one death in the tie count.)"""
    df = dataset("ties").assign(k=lambda d: 1 + (d["id"] % 3))
    rep = df.loc[df.index.repeat(df["k"])]
    kw = {"covariates": ["x1", "x2"], "duration_col": "time", "event_col": "event"}
    a = cox(df, weights_col="k", ties="breslow", **kw)  # type: ignore[arg-type]
    b = cox(rep, ties="breslow", **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(a.coefficients["coef"], b.coefficients["coef"], rtol=1e-10)
    np.testing.assert_allclose(a.coefficients["se"], b.coefficients["se"], rtol=1e-10)
    assert a.loglik == pytest.approx(b.loglik, rel=1e-12)
    assert a.concordance == pytest.approx(b.concordance, rel=1e-12)


def test_categorical_covariate_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="covariate 'tgrade' must be numeric"):
        cox(dataset("gbsg2"), covariates=["age", "tgrade"], duration_col="time", event_col="cens")


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"covariates": ["age", "nope"]}, "'nope'"),
        ({"ties": "exact"}, "ties"),
        ({"covariates": ["age", "const"]}, "'const'"),
        ({"start_col": "late"}, "start column 'late'"),
        ({"event_col": "fin"}, "no events"),
        ({"strata": "age"}, "both covariates and strata"),
    ],
)
def test_user_mistakes(change: dict, match: str) -> None:
    df = dataset("rossi").assign(const=1.0, late=lambda d: d["week"] + 1.0, fin=0)
    kwargs = {
        "covariates": ["age", "prio"],
        "duration_col": "week",
        "event_col": "arrest",
        **change,
    }
    with pytest.raises(ValueError, match=match):
        cox(df, **kwargs)


def test_an_undefined_variance_is_a_named_warning_not_a_numpy_one() -> None:
    """A variance diagonal that lost its sign (numerical failure) gives NaN standard errors
    and a CoxConvergenceWarning naming the coefficient, never numpy's "invalid value in
    sqrt"."""
    from netsurv.survival._cox_columns import standard_errors

    var = np.array([[4.0, 0.0, 0.0], [0.0, -1e-9, 0.0], [0.0, 0.0, np.inf]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.warns(CoxConvergenceWarning, match=r"\['b', 'c'\] is negative or not finite"):
            se = standard_errors(var, ["a", "b", "c"])
    assert se[0] == 2.0 and np.isnan(se[1:]).all()
