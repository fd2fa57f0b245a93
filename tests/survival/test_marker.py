"""The continuous % change next to the dichotomised criteria (compare_criteria(continuous=...)).

Against R: make_reference_spline.R builds the landmark set from the one-row-per-unit tables
that make_reference_spline_data.py wrote through netsurv's unit table (outcome time > landmark,
a measured % change) and fits ``coxph(Surv(t, event) ~ rms::rcs(pct, 4) [+ ki67_pct])``: the
units, knots, coefficients, log-likelihood, AIC, C-index and curve of the marker must agree.
By hand: which scan's change is used, the cut-offs, the shared units and bootstrap pairing.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from r_reference import assert_close, case, num

import netsurv as ns
from netsurv.errors import ConfigError
from netsurv.survival import compare_criteria, cox, log_hr_curve

LIK_TOL = 1e-10
BETA_TOL = 1e-6


@pytest.fixture(scope="module")
def demo() -> ns.Cohort:
    return ns.load_demo()


@pytest.fixture(scope="module")
def prrt() -> ns.Cohort:
    return ns.simulate_cohort(300, seed=17, scenario="prrt")


@pytest.fixture(scope="module")
def demo_cmp(demo: ns.Cohort) -> ns.survival.CriteriaComparison:
    return compare_criteria(
        demo, criteria=["sstv"], continuous=True, at_months=12, horizons=[24], n_boot=0
    )


@pytest.fixture(scope="module")
def prrt_cmp(prrt: ns.Cohort) -> ns.survival.CriteriaComparison:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SST-PET schedule warning of the default scheme
        return compare_criteria(
            prrt,
            criteria=["sstv", "early_sstv", "recist1.1"],
            outcome="PFS",
            outcome_criterion="recist1.1",
            continuous="sstv",
            change="last",
            at_months=4,
            covariates=["ki67_pct"],
            horizons=[12],
            n_boot=20,
            seed=3,
        )


@pytest.mark.parametrize(
    ("name", "fixture"), [("marker_demo_os_12m", "demo_cmp"), ("marker_prrt_pfs_4m", "prrt_cmp")]
)
def test_marker_model_matches_r(name: str, fixture: str, request: pytest.FixtureRequest) -> None:
    cmp = request.getfixturevalue(fixture)
    c = case("spline", name)
    m = cmp.continuous
    assert m is not None
    assert sorted(m.data["patient_id"]) == sorted(c["args"]["patient_id"])
    assert (m.fit.n, m.fit.events) == (c["n"], c["events"])
    assert_close(np.array(m.knots), num(c["knots"]), 1e-12, "knots")
    assert_close(m.fit.coefficients["coef"], num(c["coef"]), BETA_TOL, "coef")
    assert_close(m.fit.variance.to_numpy(), num(c["var"]), BETA_TOL, "variance")
    assert_close(m.fit.loglik, num(c["loglik"])[1], LIK_TOL, "loglik")
    row = cmp.table.set_index("criterion").loc[m.label]
    assert_close(row["aic"], c["aic"], LIK_TOL, "AIC")
    assert_close(row["harrell_c"], c["concordance"], LIK_TOL, "C-index")
    assert_close(row["lr_chi2"], 2 * np.diff(num(c["loglik"]))[0], 1e-9, "LR chi2")
    assert_close(m.nonlinearity["statistic"], c["nonlinear"]["statistic"], 1e-8, "nonlinear")
    assert m.reference_change == c["curve"]["reference"] == 0
    p = len(m.columns)
    at_r = log_hr_curve(
        m.fit.coefficients["coef"].to_numpy()[:p],
        m.fit.variance.to_numpy()[:p, :p],
        knots=m.knots,
        at=num(c["curve"]["at"]),
        reference=m.reference_change,
    )
    assert_close(at_r["log_hr"], num(c["curve"]["log_hr"]), BETA_TOL, "curve", scale=1e-3)
    assert_close(at_r["se"], num(c["curve"]["se"]), BETA_TOL, "curve se")
    # the result's own curve is the same function on its grid (the cut-offs included)
    cut = m.cutoffs.dropna(subset=["cutoff_pct"])
    on_grid = m.curve.set_index("x").loc[cut["cutoff_pct"], "log_hr"].to_numpy()
    np.testing.assert_allclose(on_grid, cut["log_hr"], rtol=1e-12)


def test_table_rows_and_cutoffs(prrt_cmp: ns.survival.CriteriaComparison) -> None:
    t = prrt_cmp.table
    label = "sstv % change (rcs, 4 knots)"
    assert list(t["criterion"]) == ["sstv", "early_sstv", "recist1.1", label]
    assert prrt_cmp.settings["continuous"] == label
    assert prrt_cmp.settings["outcome_criterion"] == "recist1.1"
    row = t.set_index("criterion").loc[label]
    assert pd.isna(row["hr"]) and pd.isna(row["n_status"]) and row["p_value"] < 1
    assert t["n_status"].dtype == "Int64"
    assert t["n"].nunique() == 1  # every model on the same units
    cut = prrt_cmp.continuous.cutoffs.set_index("criterion")
    assert cut.loc["sstv", "cutoff_pct"] == -40.0
    assert cut.loc["early_sstv", "cutoff_pct"] == -10.0
    assert np.isnan(cut.loc["recist1.1", "cutoff_pct"])
    assert "measures something else" in cut.loc["recist1.1", "note"]
    lo, hi = prrt_cmp.continuous.data["pct_change"].agg(["min", "max"])
    assert lo < -40 < -10 < hi and cut.loc["sstv", "note"] == ""
    # the curve passes through its values at the cut-offs
    curve = prrt_cmp.continuous.curve.set_index("x")
    assert curve.loc[-40.0, "log_hr"] == pytest.approx(cut.loc["sstv", "log_hr"])
    # the marker's differences from the reference come from the same paired replicates
    d = prrt_cmp.differences
    assert set(d["criterion"]) == {"early_sstv", "recist1.1", label}
    reps = prrt_cmp.replicates
    assert (reps["criterion"] == label).sum() == 20


def test_spline_fit_is_the_formula_fit_on_its_rows(
    prrt_cmp: ns.survival.CriteriaComparison,
) -> None:
    m = prrt_cmp.continuous
    data = m.data.merge(
        ns.simulate_cohort(300, seed=17, scenario="prrt").patients[["patient_id", "ki67_pct"]],
        on="patient_id",
    )
    knots = ", ".join(f"{k!r}" for k in m.knots)
    fit = cox(
        data,
        formula=f"rcs(pct_change, [{knots}]) + ki67_pct",
        duration_col="time",
        event_col="event",
    )
    assert fit.loglik == pytest.approx(m.fit.loglik, rel=1e-12)
    np.testing.assert_allclose(fit.coefficients["coef"], m.fit.coefficients["coef"], rtol=1e-9)


def test_change_known_at_the_landmark_by_hand() -> None:
    """best = smallest change on the scans up to L on the outcome's clock; last = the last."""
    tp = pd.DataFrame(
        {
            "patient_id": ["A"] * 4 + ["B"] * 3,
            "line_id": "L1",
            "criterion": "sstv",
            "assessment_id": ["a0", "a1", "a2", "a3", "b0", "b1", "b2"],
            "date": pd.to_datetime(
                [
                    *("2020-01-01", "2020-02-15", "2020-04-01", "2020-09-01"),
                    *("2020-01-01", "2020-03-01", "2020-08-01"),
                ]
            ),
            "role": ["baseline", *["follow_up"] * 3, "baseline", *["follow_up"] * 2],
            "response": [None, "SD", "PR", "PD", None, "SD", "PR"],
            "pct_change_baseline": [0.0, -20.0, -45.0, 30.0, 0.0, -5.0, -60.0],
            "days_from_start": [0, 45, 91, 244, 0, 60, 213],
        }
    )
    ep = pd.DataFrame(
        {
            "patient_id": ["A", "B"],
            "line_id": "L1",
            "criterion": None,
            "endpoint": "OS",
            "origin_date": pd.to_datetime(["2020-01-01", "2020-01-01"]),
            "date": pd.to_datetime(["2021-06-01", "2021-03-01"]),
            "days": [518, 426],
            "months": [518 / 30.4375, 426 / 30.4375],
            "event": [1, 0],
        }
    )
    from netsurv.survival._status import resolve_inputs, unit_table
    from netsurv.survival.marker import change_at_landmark

    inputs = resolve_inputs(tp, criteria="sstv", outcomes=["OS"], endpoints=ep)
    units, _ = unit_table(
        inputs, criterion="sstv", outcome="OS", status="response", confirm=False,
        lines="first", stage="t",
    )  # fmt: skip
    kw = {"criterion": "sstv", "outcome": "OS", "outcome_criterion": "sstv", "at": 4.0}
    best = change_at_landmark(inputs, units, change="best", **kw).set_index("patient_id")
    last = change_at_landmark(inputs, units, change="last", **kw).set_index("patient_id")
    # A: scans at day 46 and 92 (+1 day) are before 4 months (121.75 days), the PD scan after
    assert best.loc["A", "pct_change"] == -45.0 and last.loc["A", "pct_change"] == -45.0
    # B: only the day-61 scan by 4 months: -5 % (the -60 % in August is not known yet)
    assert best.loc["B", "pct_change"] == -5.0
    assert best.loc["B", "change_time"] == pytest.approx(61 / 30.4375)
    at2 = kw | {"at": 2.0}
    early = change_at_landmark(inputs, units, change="last", **at2).set_index("patient_id")
    assert early.loc["A", "pct_change"] == -20.0 and "B" not in early.index


def test_units_without_a_change_are_set_aside_for_every_model(
    demo_cmp: ns.survival.CriteriaComparison,
) -> None:
    att = demo_cmp.attrition
    gone = att[att["stage"] == "compare (continuous)"]
    assert len(gone) > 0
    assert gone["reason"].str.contains("no measured % change under sstv by the 12-month").all()
    n = demo_cmp.table["n"]
    assert n.nunique() == 1 and int(n.iloc[0]) == len(demo_cmp.continuous.data)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "time_dependent"}, "continuous needs method='landmark'"),
        ({"status": "progression"}, "continuous needs status='response'"),
        ({"knots": 2}, "knots must be an integer >= 3"),
        ({"change": "nadir"}, "change must be 'best' or 'last'"),
        ({"continuous": 3}, "continuous must be True, False or a criterion"),
    ],
)
def test_bad_continuous_arguments(demo: ns.Cohort, kwargs: dict, message: str) -> None:
    args = {"criteria": ["sstv"], "continuous": True, "n_boot": 0} | kwargs
    with pytest.raises(ConfigError, match=message):
        compare_criteria(demo, **args)


def test_variant_cutoffs_are_marked_and_extrapolation_noted(demo: ns.Cohort) -> None:
    from dataclasses import replace

    deep = replace(ns.criteria.get("sstv"), name="sstv_95", response_threshold=-0.95)
    cmp = compare_criteria(
        demo, criteria=["sstv", deep], continuous=True, at_months=12, horizons=[24], n_boot=0
    )
    cut = cmp.continuous.cutoffs.set_index("criterion")
    assert cut.loc["sstv_95", "cutoff_pct"] == pytest.approx(-95.0)
    assert cmp.continuous.data["pct_change"].min() > -95
    assert "extrapolated" in cut.loc["sstv_95", "note"] and cut.loc["sstv", "note"] == ""
