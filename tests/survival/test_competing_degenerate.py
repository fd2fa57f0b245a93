"""Competing risks in degenerate corners, against R: a cause with no event in a group (its
cumulative incidence stays 0: R's NA limits on the log scales), a group whose subjects all
leave follow-up before the first event (Gray's test without it, as R ``survdiff`` drops such a
group; its Fine–Gray indicator aliased, NA as in R ``coxph``), and no numpy RuntimeWarning on
the way.  Values from ``tests/reference/make_reference_competing_degenerate.R``."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import pytest
from r_reference import REFERENCE, assert_close, dataset, num

from netsurv.survival import (
    CoxConvergenceWarning,
    cumulative_incidence,
    fine_gray,
    gray_test,
)

CLOSED_FORM = 1e-10
COEF = 1e-6


@pytest.fixture(scope="module")
def ref() -> dict[str, Any]:
    with open(REFERENCE / "expected" / "competing_degenerate.json", encoding="utf-8") as fh:
        out: dict[str, Any] = json.load(fh)
    return out


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return dataset("cr_degenerate")


@contextmanager
def no_runtime_warning() -> Iterator[None]:
    """Fail on any numpy RuntimeWarning (invalid value in sqrt, division by zero...)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        yield


@pytest.mark.parametrize("conf_type", ["log", "log-log"])
def test_cif_of_zero_has_r_na_limits(
    ref: dict[str, Any], data: pd.DataFrame, conf_type: str
) -> None:
    (r,) = [c for c in ref["cif"] if c["conf_type"] == conf_type]
    with no_runtime_warning():
        res = cumulative_incidence(
            data, duration_col="time", event_col="status", by="group", conf_type=conf_type
        )
    at = res.cif_at(sorted(set(r["time"])))
    for j, cause in enumerate((1, 2)):
        for group in ("A", "B", "C"):
            got = at[(at["group"] == group) & (at["cause"] == cause)]
            rows = [i for i, g in enumerate(r["group"]) if g == group]
            for col in ("cif", "std_err", "lower", "upper"):
                expected = num(r[col])[rows, j]
                assert_close(got[col], expected, CLOSED_FORM, f"{conf_type} {group} {cause} {col}")
    # the NA limits are those of a CIF still at 0 (B never has a cause-2 event)
    b2 = res.table[(res.table["group"] == "B") & (res.table["cause"] == 2)]
    assert (b2["cif"] == 0).all() and (b2["std_err"] == 0).all()
    assert b2[["lower", "upper"]].isna().all().all()


def test_cif_plain_limits_of_zero_are_zero(data: pd.DataFrame) -> None:
    with no_runtime_warning():
        res = cumulative_incidence(
            data, duration_col="time", event_col="status", by="group", conf_type="plain"
        )
    c = res.table[res.table["group"] == "C"]
    assert (c[["cif", "std_err", "lower", "upper"]] == 0).all().all()


@pytest.mark.parametrize("variance", ["ij", "delta"])
def test_cif_variance_of_a_group_never_at_risk_at_an_event_is_zero(
    data: pd.DataFrame, variance: str
) -> None:
    with no_runtime_warning():
        res = cumulative_incidence(
            data, duration_col="time", event_col="status", by="group", variance=variance
        )
    c = res.table[res.table["group"] == "C"]
    assert (c["cif"] == 0).all() and (c["std_err"] == 0).all()


def test_gray_leaves_out_a_group_never_at_risk_at_an_event(
    ref: dict[str, Any], data: pd.DataFrame
) -> None:
    # R cuminc gives no test on the three groups (its variance is singular) ...
    assert num(ref["gray"]["three_groups"]["statistic"]).tolist() == [-1, -1]
    with no_runtime_warning(), pytest.warns(UserWarning, match=r"\['C'\].*no subject at risk"):
        res = gray_test(data, by="group", duration_col="time", event_col="status")
    # ... netsurv tests A against B, as R on those two groups
    two = ref["gray"]["a_and_b"]
    tab = res.table.set_index("cause").loc[[1, 2]]
    assert_close(tab["statistic"], num(two["statistic"]), CLOSED_FORM, "statistic")
    assert np.allclose(tab["p_value"], num(two["p_value"]), rtol=CLOSED_FORM, atol=1e-15)
    assert tab["df"].tolist() == [1, 1]


def test_gray_with_one_informative_group_has_no_statistic(data: pd.DataFrame) -> None:
    ac = data[data["group"] != "B"]
    with no_runtime_warning(), pytest.warns(UserWarning, match="no subject at risk"):
        res = gray_test(ac, by="group", duration_col="time", event_col="status")
    assert res.table["statistic"].isna().all() and res.table["p_value"].isna().all()
    assert res.table["df"].tolist() == [0, 0]


def test_fine_gray_aliased_indicator_is_na_as_coxph(
    ref: dict[str, Any], data: pd.DataFrame
) -> None:
    r = ref["finegray"]
    with no_runtime_warning(), pytest.warns(CoxConvergenceWarning, match=r"\['gC'\] cannot be"):
        fit = fine_gray(data, covariates=["gB", "gC"], duration_col="time", event_col="status")
    c = fit.coefficients
    assert_close(c["coef"], num(r["coef"]), COEF, "coef")
    assert_close(c.loc[["gB"], "se"], num(r["se"])[:1], COEF, "se")
    assert_close(c.loc[["gB"], "robust_se"], num(r["robust_se"])[:1], COEF, "robust se")
    assert c.loc["gC"].isna().all()  # R: coef NA (and se 0, meaningless)
    assert_close([fit.loglik_null, fit.loglik], num(r["loglik"]), CLOSED_FORM, "loglik")
    assert (fit.tests["df"] == 1).all()  # tests on the one estimable coefficient, as R
    assert fit.variance.loc["gC"].isna().all()


def test_fine_gray_crr_aliased_indicator_is_na_and_the_rest_is_crr(
    ref: dict[str, Any], data: pd.DataFrame
) -> None:
    r = ref["finegray"]
    with no_runtime_warning(), pytest.warns(CoxConvergenceWarning, match=r"\['gC'\]"):
        fit = fine_gray(
            data, covariates=["gB", "gC"], duration_col="time", event_col="status", method="crr"
        )
    c = fit.coefficients
    assert_close(c.loc[["gB"], "coef"], num(r["crr_coef"]), COEF, "crr coef")
    assert_close(c.loc[["gB"], "robust_se"], num(r["crr_se"]), COEF, "crr se")
    assert c.loc["gC"].isna().all()
    assert np.isfinite(fit.tests.loc["wald", "statistic"])
