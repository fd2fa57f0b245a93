"""Cox models from formulas against R's coxph (tests/reference/expected/formula.json).

Factors (treatment contrasts, reference level set with ``contr.treatment``), ``np.log``,
strata, weights and the null model; per-term Wald and likelihood-ratio tests (R ``drop1`` by
``update()``), sequential ``anova(fit)`` and ``cox.zph`` per term.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from r_reference import assert_close, case, case_names, dataset, num

from netsurv.errors import ConfigError
from netsurv.survival import CoxResult, cox

LIK_TOL = 1e-10
BETA_TOL = 1e-6


def fit_case(name: str) -> tuple[dict, CoxResult]:
    c = case("formula", name)
    a = c["args"]
    res = cox(
        dataset(a["data"]),
        formula=a["formula"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        strata=a["strata"],
        ties=a["ties"],
        weights_col=a["weights_col"],
    )
    return c, res


@pytest.mark.parametrize("name", case_names("formula"))
def test_fit_matches_coxph(name: str) -> None:
    c, res = fit_case(name)
    assert (res.n, res.events) == (c["n"], c["events"])
    ll = np.atleast_1d(num(c["loglik"]))
    assert_close(res.loglik_null, ll[0], LIK_TOL, "null loglik")
    assert_close(res.loglik, ll[-1], LIK_TOL, "loglik")
    if "coef" not in c:  # the null model
        assert res.coefficients.empty and res.loglik == res.loglik_null
        return
    assert len(res.coefficients) == len(c["columns"])
    assert_close(res.coefficients["coef"], num(c["coef"]), BETA_TOL, "beta")
    assert_close(res.variance.to_numpy(), num(c["var"]), BETA_TOL, "variance")
    assert res.robust == c["robust"]
    if c.get("naive_var") is not None:
        assert_close(res.variance_model.to_numpy(), num(c["naive_var"]), BETA_TOL, "naive var")


@pytest.mark.parametrize("name", [n for n in case_names("formula") if "coef" in case("formula", n)])
def test_term_tests_match_r(name: str) -> None:
    c, res = fit_case(name)
    tt = res.term_tests()
    t = c["terms"]
    assert len(tt) == len(t["term"])
    np.testing.assert_array_equal(tt["df"], num(t["df"]))
    assert_close(tt["wald_chi2"], num(t["wald"]), BETA_TOL, "term Wald")
    # a near-zero statistic (gbsg2's age: 8e-7) is compared on the chi-square scale
    assert_close(tt["lr_chi2"], num(t["lr"]), 1e-8, "term dropped (LR)", scale=1.0)
    if "anova" in c:
        an = res.anova()
        r = c["anova"]
        assert_close(an["loglik"], num(r["loglik"]), LIK_TOL, "anova loglik")
        assert_close(an["chisq"], num(r["chisq"]), 1e-8, "anova chisq", scale=1.0)
        np.testing.assert_array_equal(an["df"].to_numpy()[1:], num(r["df"])[1:])
    zph = res.zph()
    z = c["zph"]
    np.testing.assert_array_equal(zph.table["df"], num(z["df"]))
    assert_close(zph.table["chisq"], num(z["chisq"]), BETA_TOL, "cox.zph per term")


def test_reference_level_is_first_and_settable() -> None:
    df = dataset("gbsg2")
    default = cox(df, formula="C(tgrade)", duration_col="time", event_col="cens")
    assert list(default.coefficients.index) == ["C(tgrade)[T.II]", "C(tgrade)[T.III]"]
    releveled = cox(
        df, formula="C(tgrade, contr.treatment('II'))", duration_col="time", event_col="cens"
    )
    assert [c.split("[")[1] for c in releveled.coefficients.index] == ["T.I]", "T.III]"]
    # the same model: same likelihood, HR(I vs II) = 1 / HR(II vs I)
    assert releveled.loglik == pytest.approx(default.loglik, rel=1e-12)
    hr = releveled.coefficients["exp_coef"].iloc[0] * default.coefficients["exp_coef"].iloc[0]
    assert hr == pytest.approx(1.0, rel=1e-9)


def test_formula_equals_covariates() -> None:
    df = dataset("rossi")
    a = cox(df, covariates=["fin", "age", "prio"], duration_col="week", event_col="arrest")
    b = cox(df, formula="fin + age + prio", duration_col="week", event_col="arrest")
    pd.testing.assert_frame_equal(a.coefficients, b.coefficients)
    pd.testing.assert_frame_equal(a.term_tests(), b.term_tests())


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("age + gradee", r"names \['gradee'\].*not columns"),
        ("age + ph.ecog", "backticks"),
        ("time ~ age", "only the right-hand side"),
        ("np.log(zero)", "non-finite"),
        ("C(level)", r"level\(s\) \['C\(level\) = c'\] have no events.*penalty='firth'"),
        ("age +", "cannot be parsed"),
        ("C(grade, contr.treatment('G9'))", "'G9'.*name one of the column's values as the ref"),
    ],
)
def test_bad_formulas(formula: str, message: str) -> None:
    df = pd.DataFrame(
        {
            "t": [1.0, 2, 3, 4, 5, 6],
            "e": [1, 1, 0, 1, 1, 0],
            "age": [50.0, 61, 72, 45, 66, 58],
            "grade": ["G1", "G2", "G1", "G2", "G1", "G2"],
            "ph.ecog": [0, 1, 2, 0, 1, 2],
            "zero": [0.0, 1, 2, 3, 4, 5],
            "level": ["a", "b", "c", "a", "b", "c"],
        }
    )
    with pytest.raises(ConfigError, match=message):
        cox(df, formula=formula, duration_col="t", event_col="e")


def test_level_without_events_is_fitted_by_firth() -> None:
    df = pd.DataFrame(
        {
            "t": [1.0, 2, 3, 4, 5, 6, 7, 8],
            "e": [1, 1, 0, 1, 1, 0, 1, 0],
            "level": ["a", "b", "c", "a", "b", "c", "a", "c"],
        }
    )
    fit = cox(df, formula="C(level)", duration_col="t", event_col="e", penalty="firth")
    hr = fit.coefficients.loc["C(level)[T.c]"]
    assert fit.converged and 0 < hr["lower"] < hr["exp_coef"] < 0.5 < hr["upper"] < np.inf


def test_covariates_or_formula() -> None:
    df = dataset("ties")
    with pytest.raises(ConfigError, match="either covariates"):
        cox(df, covariates=["x1"], formula="x1", duration_col="time", event_col="event")
    with pytest.raises(ConfigError, match="either covariates"):
        cox(df, duration_col="time", event_col="event")


def test_null_model_with_a_tilde_and_multi_column_km_labels() -> None:
    df = dataset("ties")
    a = cox(df, formula="~ 1", duration_col="time", event_col="event", strata="stratum")
    b = cox(df, formula="1", duration_col="time", event_col="event", strata="stratum")
    assert a.loglik == b.loglik == a.loglik_null and a.coefficients.empty
    assert a.term_tests().empty and list(a.anova().index) == ["NULL"]
    from netsurv.survival import kaplan_meier, logrank

    km = kaplan_meier(df, duration_col="time", event_col="event", by=["group", "x2"])
    assert km.groups[:2] == ["group=A, x2=0", "group=A, x2=1"] and km.by == ["group", "x2"]
    with pytest.raises(ConfigError, match="'grp2' is not a column"):
        kaplan_meier(df, duration_col="time", event_col="event", by=["group", "grp2"])
    lr = logrank(df, by=["group", "x2"], duration_col="time", event_col="event")
    assert lr.df == len(km.groups) - 1


def test_backticked_dotted_name_beside_its_prefix() -> None:
    """formulaic reports `ph.ecog` as ``ph``: a column ``ph`` beside it is still found, and
    the names a run reads from Parquet are the same as the columns the fit uses."""
    from netsurv.survival.formula import formula_names, formula_variables

    formula = "ph + C(`ph.ecog`) + np.log(`a b`)"
    columns = pd.Index(["t", "ph", "ph.ecog", "a b", "other"])
    assert formula_variables(formula, columns) == ["ph", "ph.ecog", "a b"]
    assert formula_names(formula) == ["a b", "ph", "ph.ecog"]
    with pytest.raises(ConfigError, match=r"names \['ph'\]"):
        formula_variables(formula, pd.Index(["ph.ecog", "a b"]))


def test_cox_with_a_dotted_column_beside_its_prefix() -> None:
    """Both columns are used and a row missing ``ph.ecog`` is left out (once the backticked
    name was lost and the fit failed: "`ph.ecog` is not present in the dataset")."""
    rng = np.random.default_rng(1)
    n = 60
    df = pd.DataFrame(
        {
            "t": rng.exponential(5, n),
            "e": rng.integers(0, 2, n),
            "ph": rng.normal(size=n),
            "ph.ecog": rng.integers(0, 3, n).astype(float),
        }
    )
    df.loc[3, "ph.ecog"] = np.nan
    res = cox(df, formula="ph + `ph.ecog`", duration_col="t", event_col="e")
    assert list(res.coefficients.index) == ["ph", "ph.ecog"]
    assert res.n == n - 1
    plain = cox(
        df.rename(columns={"ph.ecog": "ecog"}),
        covariates=["ph", "ecog"],
        duration_col="t",
        event_col="e",
    )
    np.testing.assert_allclose(res.coefficients["coef"], plain.coefficients["coef"], rtol=1e-12)
