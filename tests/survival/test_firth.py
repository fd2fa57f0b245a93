"""Firth-penalised Cox against R's coxphf and survival (tests/reference/expected/firth.json).

``coxphf`` cases: coxphf 1.13.4 (Breslow ties) with tightened tolerances.  ``survival`` cases
(Efron ties, strata, weights, (start, stop] rows): the penalised likelihood evaluated by R's
coxph and maximised in R by make_reference_firth.R.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from r_reference import assert_close, case, case_names, dataset, num

from netsurv.errors import ConfigError
from netsurv.survival import CoxConvergenceWarning, CoxResult, cox, lr_test

LIK_TOL = 1e-10  # penalised log-likelihoods (the estimate is a stationary point)
BETA_TOL = 1e-6  # coefficients, variances, profile limits (R stops ~1e-9 short of the root)
P_TOL = 1e-8  # penalised LR p-values (differences of maximised log-likelihoods)


def fit_case(name: str) -> tuple[dict, CoxResult]:
    c = case("firth", name)
    a = c["args"]
    res = cox(
        dataset(a["data"]),
        formula=a["formula"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        start_col=a["start_col"],
        strata=a["strata"],
        weights_col=a["weights_col"],
        ties=a["ties"],
        penalty="firth",
    )
    return c, res


@pytest.mark.parametrize("name", case_names("firth"))
def test_estimates_match_r(name: str) -> None:
    c, res = fit_case(name)
    coef = res.coefficients
    assert res.converged and res.penalty == "firth" and res.conf_int == "profile"
    assert_close(coef["coef"], num(c["coef"]), BETA_TOL, "beta")
    assert_close(res.variance.to_numpy(), num(c["var"]), BETA_TOL, "variance")
    assert_close(coef["se"], np.sqrt(np.diag(num(c["var"]))), BETA_TOL, "se")
    ll0, ll = num(c["loglik"])
    assert_close(res.loglik_null, ll0, LIK_TOL, "penalised loglik at 0")
    assert_close(res.loglik, ll, LIK_TOL, "penalised loglik")
    assert_close(res.tests.loc["likelihood_ratio", "statistic"], 2 * (ll - ll0), 1e-9, "LR")
    assert res.max_abs_score < 1e-8  # the root, relative to the information (age ~ 1e3)


@pytest.mark.parametrize("name", case_names("firth"))
def test_profile_intervals_and_penalised_lr_match_r(name: str) -> None:
    c, res = fit_case(name)
    coef = res.coefficients
    assert_close(np.log(coef["lower"]), num(c["lower"]), BETA_TOL, "profile lower")
    assert_close(np.log(coef["upper"]), num(c["upper"]), BETA_TOL, "profile upper")
    assert_close(coef["p"], num(c["p"]), P_TOL, "penalised LR p")
    names = list(coef.index)
    for t in c["tests"]:  # coxphftest
        cols = [names[int(i)] for i in np.atleast_1d(t["columns"])]
        got = lr_test(res, cols)
        assert got["df"] == t["df"]
        assert_close(got["statistic"], t["statistic"], 1e-8, f"coxphftest {t['name']}")
        assert_close(got["p_value"], t["p"], P_TOL, f"coxphftest {t['name']} p")


def test_sequential_penalised_fits_match_coxphf_adapt() -> None:
    for name in ("breast", "larynx_stage"):
        c, res = fit_case(name)
        an = res.anova()
        # coxphf(adapt = ...) holds the later coefficients at 0 with the full model's penalty
        seq = np.append(num(c["sequential_loglik"]), num(c["loglik"])[1])
        if name == "breast":
            assert_close(an["loglik"].to_numpy()[1:], seq, LIK_TOL, f"{name} sequential")
        else:  # terms age, C(stage): the first restricted fit frees age only
            assert_close(an["loglik"].to_numpy()[1:], seq, LIK_TOL, f"{name} sequential")
        assert an.loc["NULL", "loglik"] == res.loglik_null


def test_categorical_term_test_is_coxphftest() -> None:
    c, res = fit_case("larynx_stage")
    tt = res.term_tests()
    stage = next(t for t in c["tests"] if t["name"] == "stage")
    assert tt.loc["C(stage)", "df"] == 3
    assert_close(tt.loc["C(stage)", "lr_chi2"], stage["statistic"], 1e-8, "stage term")


def test_monotone_likelihood_warns_and_firth_is_finite() -> None:
    df = dataset("monotone")
    with pytest.warns(CoxConvergenceWarning, match=r"\['x'\].*penalty='firth'"):
        plain = cox(df, covariates=["x", "z"], duration_col="time", event_col="event")
    assert not plain.converged
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        firth = cox(
            df, covariates=["x", "z"], duration_col="time", event_col="event", penalty="firth"
        )
    hr = firth.coefficients.loc["x"]
    assert np.isfinite(hr[["coef", "lower", "upper"]].astype(float)).all()
    assert hr["lower"] < hr["exp_coef"] < hr["upper"] < 1


def test_firth_shrinks_towards_zero_and_wald_option() -> None:
    df = dataset("breast")
    with pytest.warns(CoxConvergenceWarning, match=r"\['G'\]"):  # G: monotone likelihood
        plain = cox(
            df,
            covariates=["T", "N", "G", "CD"],
            duration_col="TIME",
            event_col="CENS",
            ties="breslow",
        )
    firth = cox(
        df,
        covariates=["T", "N", "G", "CD"],
        duration_col="TIME",
        event_col="CENS",
        ties="breslow",
        penalty="firth",
        conf_int="wald",
    )
    assert (firth.coefficients["coef"].abs() < plain.coefficients["coef"].abs()).all()
    assert firth.conf_int == "wald"
    z = firth.coefficients["coef"] / firth.coefficients["se"]
    np.testing.assert_allclose(firth.coefficients["z"], z, rtol=1e-14)


def test_integer_weights_are_repeated_rows() -> None:
    df = dataset("ties")
    w = pd.Series(np.arange(len(df)) % 3 + 1, index=df.index)
    weighted = cox(
        df.assign(k=w),
        covariates=["x1", "x2"],
        duration_col="time",
        event_col="event",
        weights_col="k",
        penalty="firth",
        conf_int="wald",
        ties="breslow",
    )
    repeated = cox(
        df.loc[df.index.repeat(w)],
        covariates=["x1", "x2"],
        duration_col="time",
        event_col="event",
        penalty="firth",
        conf_int="wald",
        ties="breslow",
    )
    np.testing.assert_allclose(
        weighted.coefficients["coef"], repeated.coefficients["coef"], rtol=1e-10
    )
    assert weighted.loglik == pytest.approx(repeated.loglik, rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"penalty": "ridge"}, "penalty must be"),
        ({"penalty": "firth", "robust": True}, "no robust"),
        ({"penalty": "firth", "cluster_col": "id"}, "no robust"),
        ({"conf_int": "profile"}, "conf_int must be"),
    ],
)
def test_bad_options(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        cox(dataset("ties"), covariates=["x1"], duration_col="time", event_col="event", **kwargs)


def test_second_opinion_firthmodels() -> None:
    """The firthmodels package (make_reference_firth_firthmodels.py) on the coxphf cases."""
    import json

    from r_reference import REFERENCE

    cases = json.loads((REFERENCE / "expected" / "firth_firthmodels.json").read_text())
    assert len(cases) == 4
    for fm in cases:
        _, res = fit_case(fm["name"])
        coef = res.coefficients
        assert_close(coef["coef"], num(fm["coef"]), BETA_TOL, f"{fm['name']} beta")
        assert_close(coef["se"], num(fm["se"]), BETA_TOL, f"{fm['name']} se")
        assert_close(res.loglik, fm["loglik"], LIK_TOL, f"{fm['name']} penalised loglik")
        assert_close(np.log(coef["lower"]), num(fm["lower"]), BETA_TOL, f"{fm['name']} lower")
        assert_close(np.log(coef["upper"]), num(fm["upper"]), BETA_TOL, f"{fm['name']} upper")
        p = num(fm["lrt_p"])
        ok = ~np.isnan(p)  # firthmodels' own constrained fits do not always converge
        assert_close(coef["p"].to_numpy()[ok], p[ok], BETA_TOL, f"{fm['name']} LR p")
