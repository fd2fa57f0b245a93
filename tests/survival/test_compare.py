"""Criteria comparison: the metrics against brute-force formulas (scikit-survival's conventions
as documented), against R where R has them, and compare_criteria's pairing and bookkeeping."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from r_reference import case, dataset
from sim_cohort import simulate_cohort

import netsurv as ns
from netsurv.survival import compare_criteria, cox, landmark_data, time_dependent_cox
from netsurv.survival._metrics import breslow_survival, ibs, td_auc
from netsurv.survival._uno import uno_c

# ------------------------------------------------------------------ metrics by brute force
T = np.array([2.0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13])
E = np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0])
S = np.array([2.0, 1.5, 1.8, 0.2, 1.1, 0.9, 0.1, 0.4, 0.0, -0.3, 0.3, -1.0])


def censoring_km(t: np.ndarray, e: np.ndarray, at: float) -> float:
    """Reverse Kaplan–Meier G(at), right-continuous (no event tied with a censoring here)."""
    g = 1.0
    for c in np.sort(t[e == 0]):
        if c <= at:
            g *= 1 - 1 / np.sum(t >= c)
    return g


def test_uno_c_is_the_ipcw_pair_formula() -> None:
    tau = 10.0
    num = den = 0.0
    for i in range(T.size):
        if E[i] and T[i] < tau:
            w = 1 / censoring_km(T, E, T[i]) ** 2
            for j in range(T.size):
                if T[j] > T[i]:
                    den += w
                    num += w * (1.0 if S[i] > S[j] else 0.5 if S[i] == S[j] else 0.0)
    assert uno_c(T, E, S, tau=tau) == pytest.approx(num / den, rel=1e-12)


@pytest.mark.parametrize("name", ["heart_transplant_horizon", "simcohort_response"])
def test_uno_c_close_to_r_concordance_n_g2(name: str) -> None:
    """R's ``concordance(timewt = "n/G2", ymax = tau)`` uses G(T−) and its own tie rules;
    on these data sksurv's value is 2e-4 (heart) and 6e-5 (simulated cohort) below it."""
    c = case("timedep", name)
    a = c["args"]
    s = landmark_data(
        dataset(a["data"]),
        at=c["uno"]["landmark"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        status_time_col=a["status_time_col"],
        horizon=a["horizon"],
    )
    ours = uno_c(
        s[a["duration_col"]].to_numpy(),
        s[a["event_col"]].to_numpy(),
        s["status"].to_numpy(),
        tau=c["uno"]["tau"],
    )
    assert abs(ours - c["uno"]["concordance"]) < 5e-4


def test_td_auc_is_the_cumulative_dynamic_formula() -> None:
    horizons = np.array([5.0, 9.5])
    got = td_auc(T, E, S, horizons)
    for h, auc in zip(horizons, got, strict=True):
        case_ = (h >= T) & (E == 1)
        ctrl = h < T
        w = np.array([1 / censoring_km(T, E, t) for t in T[case_]])
        pairs = (S[case_][:, None] > S[ctrl][None, :]) + 0.5 * (S[case_][:, None] == S[ctrl])
        assert auc == pytest.approx((w @ pairs).sum() / (w.sum() * ctrl.sum()), rel=1e-12)
    assert np.isnan(td_auc(T, E, S, np.array([20.0]))).all()  # beyond follow-up


def test_breslow_survival_and_integrated_brier_score() -> None:
    lp = 0.5 * S
    grid = np.array([2.0, 4.5, 7.0, 10.0, 12.5])
    surv = breslow_survival(T, E, lp, grid)
    r = np.exp(lp)
    h0 = np.array([sum(1 / r[t <= T].sum() for t in T[(E == 1) & (g >= T)]) for g in grid])
    np.testing.assert_allclose(surv, np.exp(-np.outer(r, h0)), rtol=1e-12)
    bs = []
    for k, g in enumerate(grid):
        gt = censoring_km(T, E, g)
        total = 0.0
        for i in range(T.size):
            if T[i] <= g and E[i]:
                total += surv[i, k] ** 2 / censoring_km(T, E, T[i])
            elif T[i] > g:
                total += (1 - surv[i, k]) ** 2 / gt
        bs.append(total / T.size)
    expected = np.trapezoid(bs, grid) / (grid[-1] - grid[0])
    assert ibs(T, E, lp, grid) == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------------ compare_criteria
@pytest.fixture(scope="module")
def cohort() -> ns.Cohort:
    """Response of any depth >= 10 % halves the hazard: a 10 % cut-off should do better."""
    return simulate_cohort(
        400, seed=3, response_hr=0.5, last_response_scan=3, depth_range=(0.1, 0.6)
    )


@pytest.fixture(scope="module")
def tables(cohort: ns.Cohort) -> tuple[ns.response.Timepoints, ns.endpoints.EndpointResult]:
    tp = ns.classify(cohort, ["recist1.1", "recist_10"])
    return tp, ns.derive_endpoints(cohort, tp, endpoints=["OS"])


def test_table_matches_direct_cox_on_the_landmark_set(tables: tuple) -> None:
    tp, ep = tables
    res = compare_criteria(
        tp, endpoints=ep, criteria=["recist1.1", "recist_10"], at_months=9, n_boot=0
    )
    lm = ns.survival.landmark(tp, endpoints=ep, criterion="recist_10", at_months=9)
    fit = lm.cox[9.0]
    row = res.table.set_index("criterion").loc["recist_10"]
    assert row["hr"] == pytest.approx(fit.hazard_ratios["responder"], rel=1e-12)
    assert row["lr_chi2"] == pytest.approx(fit.tests.loc["likelihood_ratio", "statistic"])
    assert row["aic"] == pytest.approx(fit.aic)
    assert row["harrell_c"] == pytest.approx(fit.concordance)
    assert (row["n"], row["events"], row["n_status"]) == (
        lm.table.loc[0, "n"],
        lm.table.loc[0, "events"],
        lm.table.loc[0, "n_status"],
    )
    # the criterion that matches how the data were made ranks first on every metric
    t = res.table.set_index("criterion")
    assert t.loc["recist_10", "harrell_c"] > t.loc["recist1.1", "harrell_c"]
    assert t.loc["recist_10", "aic"] < t.loc["recist1.1", "aic"]
    assert t.loc["recist_10", "uno_c"] > t.loc["recist1.1", "uno_c"]
    assert t["rank"].tolist() == [2, 1]


def test_paired_bootstrap_is_seeded_and_paired(tables: tuple, cohort: ns.Cohort) -> None:
    tp, ep = tables
    kw = {"endpoints": ep, "at_months": 9, "horizons": [12, 24], "n_boot": 15}
    a = compare_criteria(tp, criteria=["recist1.1", "recist_10"], seed=5, **kw)
    b = compare_criteria(tp, criteria=["recist1.1", "recist_10"], seed=5, **kw)
    pd.testing.assert_frame_equal(a.replicates, b.replicates)
    pd.testing.assert_frame_equal(a.differences, b.differences)
    c = compare_criteria(tp, criteria=["recist1.1", "recist_10"], seed=6, **kw)
    assert not a.replicates.equals(c.replicates)
    assert len(a.replicates) == 2 * 15
    assert set(a.differences["metric"]) == {
        "lr_chi2",
        "aic",
        "harrell_c",
        "uno_c",
        "auc_12m",
        "auc_24m",
        "ibs",
    }
    d = a.differences.set_index("metric")
    assert (d["lower"] <= d["upper"]).all()
    assert (d["n_valid"] == 15).all()
    # a criterion compared with an exact copy of itself: every paired difference is 0
    twin = dataclasses.replace(ns.criteria.RECIST_1_1, name="recist_copy")
    z = compare_criteria(cohort, criteria=["recist1.1", twin], at_months=9, n_boot=5, seed=1)
    assert (z.differences[["difference", "se", "lower", "upper"]].to_numpy() == 0).all()


def test_bootstrap_on_worker_processes_is_the_in_process_one(tables: tuple) -> None:
    # the resamples are drawn before the blocks of 10 replicates are sent: same numbers
    tp, ep = tables
    kw = {"endpoints": ep, "at_months": 9, "horizons": [12, 24], "n_boot": 12, "seed": 3}
    crit = ["recist1.1", "recist_10"]
    a = compare_criteria(tp, criteria=crit, **kw)
    b = compare_criteria(tp, criteria=crit, backend="processes", n_jobs=2, **kw)
    pd.testing.assert_frame_equal(a.replicates, b.replicates, check_exact=True)
    assert a.replicates["replicate"].tolist() == [r for r in range(12) for _ in crit]


def test_time_dependent_mode_uses_the_time_dependent_cox(tables: tuple) -> None:
    tp, ep = tables
    res = compare_criteria(
        tp, endpoints=ep, criteria=["recist1.1", "recist_10"], method="time_dependent", n_boot=3
    )
    td = time_dependent_cox(tp, endpoints=ep, criterion="recist1.1")
    row = res.table.set_index("criterion").loc["recist1.1"]
    assert row["harrell_c"] == pytest.approx(td.cox.concordance, rel=1e-12)
    assert row["hr"] == pytest.approx(td.cox.hazard_ratios["responder"], rel=1e-12)
    assert row["n"] == len(td.units)
    assert row[["uno_c", "auc_12m", "auc_24m", "ibs"]].isna().all()


def test_units_not_evaluable_under_every_criterion_are_set_aside(tables: tuple) -> None:
    tp, ep = tables
    drop = tp.table["patient_id"].isin(["S0001", "S0002"]) & (tp.table["criterion"] == "recist_10")
    res = compare_criteria(
        tp.table[~drop], endpoints=ep, criteria=["recist1.1", "recist_10"], n_boot=0
    )
    att = res.attrition[res.attrition["row_key"] == "S0001 / L1"]
    assert att["reason"].tolist() == [
        "line not evaluable under recist_10 (no time-point responses)",
        "not evaluable under recist_10 (criteria are compared on common units)",
    ]
    assert att["stage"].tolist() == ["compare", "compare (common units)"]
    assert set(res.attrition["row_key"]) == {"S0001 / L1", "S0002 / L1"}
    assert res.table["n"].nunique() == 1  # both criteria on the same units


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "cure"}, "method must be"),
        ({"rank_by": "hr"}, "rank_by must be one of"),
        ({"reference": "choi"}, "reference 'choi' is not among"),
        ({"horizons": [200]}, r"horizons \[200.0\] are outside the follow-up"),
        ({"horizons": [-1]}, "horizons must be > 0"),
        ({"n_boot": -1}, "n_boot must be >= 0"),
        ({"criteria": ["recist1.1", "recist1.1"]}, "criteria must be distinct"),
    ],
)
def test_bad_arguments(tables: tuple, kwargs: dict, message: str) -> None:
    tp, ep = tables
    args = {"criteria": ["recist1.1", "recist_10"], "endpoints": ep, "n_boot": 0} | kwargs
    with pytest.raises(ns.ConfigError, match=message):
        compare_criteria(tp, **args)


def test_hazard_ratio_agrees_with_a_cox_fit_of_resampled_rows(tables: tuple) -> None:
    """A bootstrap replicate is a resampled data frame: refit it directly and compare."""
    tp, ep = tables
    res = compare_criteria(
        tp, endpoints=ep, criteria=["recist1.1", "recist_10"], at_months=9, n_boot=1, seed=11
    )
    lm = ns.survival.landmark(tp, endpoints=ep, criterion="recist1.1", at_months=9)
    s = lm.data.sort_values("patient_id", kind="stable").reset_index(drop=True)
    patients = np.sort(s["patient_id"].unique())
    rng = np.random.default_rng(11)
    draw = patients[rng.integers(0, patients.size, patients.size)]
    boot = pd.concat([s[s["patient_id"] == p] for p in draw], ignore_index=True)
    fit = cox(boot, covariates=["responder"], duration_col="time", event_col="event")
    rep = res.replicates.set_index("criterion").loc["recist1.1"]
    assert rep["lr_chi2"] == pytest.approx(fit.tests.loc["likelihood_ratio", "statistic"])
    assert rep["harrell_c"] == pytest.approx(fit.concordance)


def test_firth_comparison_has_finite_hazard_ratios_for_rare_responders() -> None:
    """On the demo cohort RECIST 1.1 has one responder at 6 months, who does not die: the
    ordinary hazard ratio is not estimable, Firth's is finite with a profile CI."""
    import netsurv as ns

    demo = ns.load_demo()
    kw = {"criteria": ["recist1.1", "choi"], "at_months": 6, "horizons": [18], "n_boot": 3}
    firth = ns.survival.compare_criteria(demo, penalty="firth", **kw)
    row = firth.table.set_index("criterion").loc["recist1.1"]
    assert row["n_status"] == 1 and 0 < row["lower"] < row["hr"] < row["upper"] < np.inf
    assert firth.settings["penalty"] == "firth"
    with pytest.raises(ns.ConfigError, match="lines='first'"):
        ns.survival.compare_criteria(demo, penalty="firth", lines="all", **kw)
