"""Restricted cubic splines against R's rms::rcs in survival::coxph (expected/spline.json).

The R script fits ``coxph(Surv(time, event) ~ rcs(x, k) + ...)`` on two plain datasets with tied
times and tied values (lung, veteran), a small one (larynx, n < 100: the outer knots move to the
5th smallest / largest value), given knots, and a variable with >= 5 % ties at both ends (the
rule that gives such an end its own knot); it checks each fit against the ``splines::ns`` basis
of the same space.  The ``marker_*`` cases are the continuous markers of ``compare_criteria``
(tests/survival/test_marker.py).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from r_reference import assert_close, case, case_names, dataset, num

from netsurv.endpoints.engine import DAYS_PER_MONTH
from netsurv.errors import ConfigError
from netsurv.survival import cox, log_hr_curve, lr_test, rcs_basis, rcs_knots
from netsurv.survival.formula import design_matrix

LIK_TOL = 1e-10
BETA_TOL = 1e-6
KNOT_TOL = 1e-12
PLAIN = [n for n in case_names("spline") if not n.startswith("marker_")]


def data_of(c: dict) -> pd.DataFrame:
    d = dataset(c["args"]["data"])
    if c["args"]["data"] == "marker_prrt":
        d = d[d["pct"].notna()].assign(months=d["time"] / DAYS_PER_MONTH)
    return d


def fit_case(name: str) -> tuple[dict, pd.DataFrame, object]:
    c = case("spline", name)
    a = c["args"]
    d = data_of(c)
    res = cox(
        d,
        formula=a["formula"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        ties=a["ties"],
    )
    return c, d, res


@pytest.mark.parametrize("name", PLAIN)
def test_spline_cox_matches_r(name: str) -> None:
    c, _, res = fit_case(name)
    assert (res.n, res.events) == (c["n"], c["events"])
    assert_close(res.coefficients["coef"], num(c["coef"]), BETA_TOL, "coef")
    assert_close(res.variance.to_numpy(), num(c["var"]), BETA_TOL, "variance")
    ll0, ll = num(c["loglik"])
    assert_close(res.loglik_null, ll0, LIK_TOL, "null loglik")
    assert_close(res.loglik, ll, LIK_TOL, "loglik")
    assert_close(res.aic, c["aic"], LIK_TOL, "AIC")
    assert_close(res.concordance, c["concordance"], LIK_TOL, "concordance")


@pytest.mark.parametrize("name", PLAIN)
def test_knots_columns_curve_and_nonlinearity_match_r(name: str) -> None:
    c, d, res = fit_case(name)
    knots = num(c["knots"])
    p = knots.size - 1
    design = design_matrix(d, c["args"]["formula"])
    term = next(iter(design.terms))  # the spline term comes first
    assert design.terms[term] == list(range(p))
    if "[" not in c["args"]["formula"]:  # default knots: Harrell's placement on the data
        x = design.x[:, 0]
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # R placed them without a warning
            assert_close(rcs_knots(x, p + 1), knots, KNOT_TOL, "knots")
    # R's column names: rcs(age, 4)age, rcs(age, 4)age', ...
    r_names = [str(n).split(")")[-1] for n in c["columns"][:p]]
    ours = [str(n).split(")")[-1] for n in res.coefficients.index[:p]]
    assert [n.count("'") for n in ours] == [n.count("'") for n in r_names]
    curve = log_hr_curve(
        res.coefficients["coef"].to_numpy()[:p],
        res.variance.to_numpy()[:p, :p],
        knots=knots,
        at=num(c["curve"]["at"]),
        reference=c["curve"]["reference"],
    )
    assert_close(curve["log_hr"], num(c["curve"]["log_hr"]), BETA_TOL, "curve", scale=1e-3)
    assert_close(curve["se"], num(c["curve"]["se"]), BETA_TOL, "curve se")
    nl = lr_test(res, list(res.coefficients.index[1:p]))
    assert nl["df"] == c["nonlinear"]["df"]
    assert_close(nl["statistic"], c["nonlinear"]["statistic"], 1e-8, "non-linearity LR")
    assert_close(nl["p_value"], c["nonlinear"]["p"], 1e-8, "non-linearity p")


def test_basis_is_linear_beyond_the_outer_knots_and_cubic_between() -> None:
    knots = [-40.0, -10.0, 5.0, 30.0]
    x = np.linspace(-100, 100, 2001)
    b = rcs_basis(x, knots)
    second = np.diff(b, n=2, axis=0)
    outside = (x[1:-1] < knots[0] - 0.2) | (x[1:-1] > knots[-1] + 0.2)
    assert np.abs(second[outside]).max() < 1e-9  # linear tails: a natural spline
    assert np.abs(second[~outside]).max() > 1e-6
    np.testing.assert_array_equal(b[:, 0], x)
    np.testing.assert_array_equal(b[x <= knots[0], 1:], 0.0)


def test_knot_placement_rules_by_hand() -> None:
    x = np.arange(1.0, 201.0)  # n >= 100: plain type-7 quantiles .05 .35 .65 .95
    np.testing.assert_allclose(rcs_knots(x, 4), np.quantile(x, [0.05, 0.35, 0.65, 0.95]))
    small = np.arange(1.0, 61.0)  # n < 100: outer knots at the 5th smallest and largest values
    k = rcs_knots(small, 4)
    assert (k[0], k[-1]) == (5.0, 56.0)
    np.testing.assert_allclose(k[1:3], np.quantile(small, [0.35, 0.65]))
    tied = np.concatenate([np.full(20, -100.0), np.linspace(-60, 40, 180)])  # 10 % at -100
    k = rcs_knots(tied, 4)
    assert k[0] == np.linspace(-60, 40, 180)[0]  # its own knot at the next value
    with pytest.warns(UserWarning, match="distinct values"):
        assert rcs_knots(np.repeat([1.0, 2, 3, 4, 5], 3), 4).tolist() == [2.0, 3.0, 4.0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rcs_knots(np.arange(10.0), 2), "at least 3 knots"),
        (lambda: rcs_knots([1.0, 2, 3], 3), "at least 6 values"),
        (lambda: rcs_knots([1.0, 2, 3, 4, 5, np.inf], 3), "infinite"),
        (lambda: rcs_basis([1.0], [0.0, 1.0]), "3 distinct"),
        (lambda: rcs_basis([1.0], [0.0, 1.0, 1.0]), "3 distinct"),
    ],
)
def test_bad_spline_arguments(call: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        call()  # type: ignore[operator]


def test_spline_term_is_one_term_in_tests_and_zph() -> None:
    lung = dataset("lung")
    fit = cox(lung, formula="rcs(age, 4) + sex", duration_col="time", event_col="status")
    tt = fit.term_tests()
    assert tt.loc["rcs(age, 4)", "df"] == 3 and tt.loc["sex", "df"] == 1
    assert "rcs(age, 4)" in fit.zph().table.index
