"""``sweep`` end to end: the table equals a hand-built landmark / time-dependent analysis of one
variant, results are reproducible and identical on every backend, and bad input is refused."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest
from sweep_cohort import cohort, tiny

import netsurv as ns
from netsurv.survival import cox, logrank, mantel_byar
from netsurv.sweep import sweep

GRID = {"response_threshold": [-0.1, -0.2, -0.3], "progression_threshold": [0.1, 0.2]}


@cache
def small() -> ns.Cohort:
    return cohort(150, seed=2)


@cache
def result_landmark():
    return sweep(small(), "recist1.1", GRID, landmark_months=[6, 12], n_boot=30, n_perm=60, seed=5)


def first_response_days(c: ns.Cohort, crit: ns.criteria.Criterion) -> pd.DataFrame:
    tp = ns.classify(c, crit).table
    fu = tp[(tp["role"] == "follow_up") & tp["response"].isin(["PR", "CR"])]
    first = fu.groupby("patient_id")["date"].min()
    os_ = ns.derive_endpoints(c, crit, endpoints=["OS"]).table
    os_ = os_.set_index("patient_id")
    out = os_[["origin_date", "days", "event"]].copy()
    out["resp_day"] = (first.reindex(out.index) - out["origin_date"]).dt.days + 1
    return out


def test_landmark_row_equals_a_hand_built_landmark_cox() -> None:
    res = result_landmark()
    row = res.table.iloc[2]  # response -20 %, progression +10 %, landmark 6
    assert row["analysis"] == "landmark 6 mo"
    crit = ns.criteria.grid("recist1.1", **GRID)[2]
    d = first_response_days(small(), crit)
    cut = 6 * 30.4375
    lm = d[d["days"] > cut].assign(
        t=lambda x: x["days"] - cut, g=lambda x: (x["resp_day"] <= cut).astype(int)
    )
    c = cox(lm, covariates=["g"], duration_col="t", event_col="event")
    lr = logrank(lm, by="g", duration_col="t", event_col="event")
    assert row["n"] == len(lm) and row["n_group1"] == lm["g"].sum()
    assert row["events_group1"] == lm.loc[lm["g"] == 1, "event"].sum()
    assert abs(row["beta"] - c.coefficients["coef"].iloc[0]) < 1e-9
    assert abs(row["lr_chi2"] - c.tests.loc["likelihood_ratio", "statistic"]) < 1e-9
    assert abs(row["logrank_chi2"] - lr.chi2) < 1e-9
    assert abs(row["c_index"] - c.concordance) < 1e-12
    assert abs(row["hr_lower"] - c.coefficients["lower"].iloc[0]) < 1e-8


def start_stop(d: pd.DataFrame) -> pd.DataFrame:
    """(start, stop] rows: group 1 from the first response day (``resp_day``) on."""
    s = d["resp_day"].to_numpy(float)
    pre = np.isfinite(s) & (s < d["days"].to_numpy())
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "start": 0.0,
                    "stop": np.where(pre, s, d["days"]),
                    "event": np.where(pre, 0, d["event"]),
                    "g": 0,
                }
            ),
            pd.DataFrame(
                {
                    "start": s[pre],
                    "stop": d["days"].to_numpy()[pre],
                    "event": d["event"].to_numpy()[pre],
                    "g": 1,
                }
            ),
        ]
    )


def true_rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_time_dependent_sweep_selects_on_mantel_byar_with_either_ties(ties: str) -> None:
    grid = {"response_threshold": [-0.1, -0.2, -0.3, -0.4]}
    res = sweep(small(), "recist1.1", grid, time_dependent=True, ties=ties, n_boot=0, n_perm=0)
    assert res.settings["metric"] == "logrank" and res.best["metric"] == "logrank"
    t = res.table
    assert (t["analysis"] == "time-dependent").all()
    mb_chi2 = []
    for v, crit in enumerate(ns.criteria.grid("recist1.1", **grid)):
        rows = start_stop(first_response_days(small(), crit))
        c = cox(
            rows,
            covariates=["g"],
            duration_col="stop",
            event_col="event",
            start_col="start",
            ties=ties,
        )
        mb = mantel_byar(rows, status_col="g")
        row = t.iloc[v]
        assert true_rel(row["beta"], c.coefficients["coef"].iloc[0]) < 1e-8
        assert true_rel(row["se"], c.coefficients["se"].iloc[0]) < 1e-8
        assert true_rel(row["hr_upper"], c.coefficients["upper"].iloc[0]) < 1e-8
        assert true_rel(row["lr_chi2"], c.tests.loc["likelihood_ratio", "statistic"]) < 1e-10
        assert true_rel(row["score_chi2"], c.tests.loc["score", "statistic"]) < 1e-10
        assert true_rel(row["logrank_chi2"], mb.chi2) < 1e-10
        assert true_rel(row["p_logrank"], mb.p_value) < 1e-10
        mb_chi2.append(mb.chi2)
    # the default selection: the largest Mantel-Byar statistic
    assert res.best["criterion"] == t["criterion"].iloc[int(np.argmax(mb_chi2))]
    assert true_rel(res.best["value"], max(mb_chi2)) < 1e-10


def test_time_dependent_row_equals_a_start_stop_cox() -> None:
    res = sweep(
        small(),
        "recist1.1",
        {"response_threshold": [-0.2, -0.3]},
        time_dependent=True,
        n_boot=0,
        n_perm=0,
    )
    crit = ns.criteria.grid("recist1.1", response_threshold=[-0.2, -0.3])[0]
    d = first_response_days(small(), crit)
    rows = start_stop(d)
    c = cox(rows, covariates=["g"], duration_col="stop", event_col="event", start_col="start")
    row = res.table.iloc[0]
    assert row["analysis"] == "time-dependent" and row["n"] == len(d)
    assert abs(row["beta"] - c.coefficients["coef"].iloc[0]) < 1e-9
    assert abs(row["score_chi2"] - c.tests.loc["score", "statistic"]) < 1e-9


def test_table_best_and_inference_are_consistent() -> None:
    res = result_landmark()
    t = res.table
    assert len(t) == 12 and set(t["analysis"]) == {"landmark 6 mo", "landmark 12 mo"}
    assert list(t.columns[:3]) == ["criterion", "response_threshold", "progression_threshold"]
    best = res.best
    assert best["value"] == t["logrank_chi2"].max()
    assert 0 < best["p_adjusted"] <= 1 and best["p_search"] == best["p_adjusted"]
    assert res.null_max.shape == (60, 2)
    freq = t["selection_frequency"]
    assert np.isclose(freq.sum(), 1.0)
    assert res.optimism.table.loc["logrank", "n_used"] == 30
    assert np.isclose(
        res.optimism.table.loc["logrank", "corrected"],
        best["value"] - res.optimism.resamples.eval("apparent_logrank - test_logrank").mean(),
    )
    assert (t["hr_boot_lower"] <= t["hr_boot_upper"]).all()
    assert res.boot["beta"].shape == (30, 12)
    # the progression threshold does not change who responds: identical rows
    a = t.iloc[[0, 2, 4]][["n_group1", "hr", "logrank_chi2"]].to_numpy()
    b = t.iloc[[1, 3, 5]][["n_group1", "hr", "logrank_chi2"]].to_numpy()
    np.testing.assert_array_equal(a, b)


def test_search_p_value_is_one_maximum_over_every_landmark_and_variant() -> None:
    c = cohort(150, seed=2, effect=0.3)
    grid = {"response_threshold": [-0.1, -0.2, -0.3]}
    res = sweep(
        c, "recist1.1", grid, landmark_months=[3, 6, 12], n_boot=0, n_perm=200, seed=1, min_group=0
    )
    t, best = res.table, res.best
    assert best["analysis"] == "landmark 3 mo" and best["value"] == t["logrank_chi2"].max()
    # by hand: the share of permutations whose largest statistic over all 9 rows reaches it
    search_max = res.null_max.max(axis=1)
    assert np.isfinite(res.null_max).all()
    stat = t["logrank_chi2"].to_numpy()
    hits = (search_max[:, None] >= stat[None, :] * (1 - 1e-12)).sum(axis=0)
    defined = np.isfinite(stat)
    assert defined.sum() == 8  # nobody responds by 3 months at -30 %: an empty group, NaN
    np.testing.assert_array_equal(t["p_adjusted"][defined], (1 + hits[defined]) / 201)
    assert t["p_adjusted"][~defined].isna().all()
    assert best["p_search"] == best["p_adjusted"]
    # the search over three landmarks is harder to pass than any one landmark's search ...
    within = t["p_adjusted_analysis"]
    assert best["p_search"] >= within.min() and best["p_search"] >= best["p_adjusted_analysis"]
    assert best["p_adjusted_analysis"] < 0.05 < best["p_search"] < 0.15
    assert (t["p_adjusted"][defined] >= within[defined]).all()
    # ... and the single landmark's search is the within-landmark one: the first landmark's
    # permutations come first from each block's stream, so a run on 3 months alone repeats them
    alone = sweep(
        c, "recist1.1", grid, landmark_months=3, n_boot=0, n_perm=200, seed=1, min_group=0
    )
    np.testing.assert_array_equal(alone.null_max[:, 0], res.null_max[:, 0])
    rows3 = t[t["analysis"] == "landmark 3 mo"]
    np.testing.assert_array_equal(alone.table["p_adjusted"], rows3["p_adjusted_analysis"])
    np.testing.assert_array_equal(alone.table["p_adjusted"], alone.table["p_adjusted_analysis"])
    assert alone.best["p_search"] == best["p_adjusted_analysis"]
    # deterministic for a seed
    again = sweep(
        c, "recist1.1", grid, landmark_months=[3, 6, 12], n_boot=0, n_perm=200, seed=1, min_group=0
    )
    assert again.best["p_search"] == best["p_search"]
    pd.testing.assert_frame_equal(again.table, t)


def test_several_landmarks_without_permutations_have_no_search_p_value() -> None:
    res = sweep(small(), "recist1.1", GRID, landmark_months=[6, 12], n_boot=0, n_perm=0, seed=5)
    best = res.best
    assert np.isnan(best["p_search"]) and best["p_search_reason"].startswith("no permutations")
    assert res.null_max.shape == (0, 2) and res.table["p_adjusted"].isna().all()
    # the apparent best is still chosen: the same table as with permutations
    full = result_landmark()
    assert best["value"] == full.best["value"] == full.table["logrank_chi2"].max()
    assert best["criterion"] == full.best["criterion"]


def frames_equal(a, b) -> None:
    pd.testing.assert_frame_equal(a.table, b.table)
    np.testing.assert_array_equal(a.null_max, b.null_max)
    for k in a.boot:
        np.testing.assert_array_equal(a.boot[k], b.boot[k])


@pytest.mark.parametrize("backend", ["threads", "processes"])
def test_same_seed_same_result_on_every_backend(backend: str) -> None:
    base = result_landmark()
    other = sweep(
        small(),
        "recist1.1",
        GRID,
        landmark_months=[6, 12],
        n_boot=30,
        n_perm=60,
        seed=5,
        backend=backend,
        n_jobs=2,
    )
    frames_equal(base, other)


def test_seed_changes_the_replicates_only() -> None:
    a = result_landmark()
    b = sweep(small(), "recist1.1", GRID, landmark_months=[6, 12], n_boot=30, n_perm=60, seed=6)
    cols = ["hr", "logrank_chi2", "c_index"]
    pd.testing.assert_frame_equal(a.table[cols], b.table[cols])
    assert not np.array_equal(a.null_max, b.null_max)


def test_dask_local_cluster_gives_the_in_process_table() -> None:
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        res = sweep(
            small(),
            "recist1.1",
            GRID,
            landmark_months=[6, 12],
            n_boot=30,
            n_perm=60,
            seed=5,
            backend=client,
        )
    frames_equal(result_landmark(), res)


def test_design_is_required_and_naive_warns() -> None:
    with pytest.raises(ns.ConfigError, match="guarantee time"):
        sweep(small(), "recist1.1", GRID)
    with pytest.raises(ns.ConfigError, match="choose one design"):
        sweep(small(), "recist1.1", GRID, landmark_months=6, time_dependent=True)
    with pytest.warns(ns.survival.GuaranteeTimeBiasWarning, match="guarantee"):
        res = sweep(
            small(), "recist1.1", {"response_threshold": [-0.3]}, naive=True, n_boot=0, n_perm=0
        )
    assert res.table["analysis"].iloc[0] == "naive"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"metric": "auc"}, "metric must be one of"),
        ({"n_boot": -1}, "n_boot"),
        ({"backend": "gpu"}, "backend must be"),
        ({"outcome": "TTP"}, "outcome must be"),
        ({"covariate": "stable"}, "covariate must be"),
        ({"landmark_months": [6, 6]}, "repeats"),
        ({"landmark_months": -2}, "positive"),
    ],
)
def test_bad_arguments_raise_config_errors(kwargs: dict, match: str) -> None:
    args = {"landmark_months": 6, "n_boot": 0, "n_perm": 0, **kwargs}
    with pytest.raises(ns.ConfigError, match=match):
        sweep(small(), "recist1.1", {"response_threshold": [-0.3]}, **args)


def test_pfs_outcome_and_progression_covariate() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = sweep(
            small(),
            "recist1.1",
            {"progression_threshold": [0.1, 0.2, 0.4]},
            outcome="PFS",
            outcome_criterion="recist1.1",
            covariate="progression",
            time_dependent=True,
            metric="lr",
            n_boot=10,
            n_perm=20,
        )
    t = res.table
    # a lower progression cut-off makes more progressors
    assert t["n_group1"].is_monotonic_decreasing
    assert res.settings["outcome_criterion"] == "recist1.1"


def test_median_pfs_matches_kaplan_meier() -> None:
    res = result_landmark()
    crit = ns.criteria.grid("recist1.1", **GRID)[3]
    ep = ns.derive_endpoints(small(), crit, endpoints=["PFS"]).table
    km = ns.survival.kaplan_meier(ep, duration_col="months", event_col="event")
    assert abs(res.table["median_pfs_months"].iloc[3] - km.medians["median"].iloc[0]) < 1e-12


def test_progress_bar_does_not_change_the_result(capsys) -> None:
    a = sweep(
        small(),
        "recist1.1",
        {"response_threshold": [-0.2, -0.3]},
        landmark_months=6,
        n_boot=20,
        n_perm=20,
        seed=3,
    )
    b = sweep(
        small(),
        "recist1.1",
        {"response_threshold": [-0.2, -0.3]},
        landmark_months=6,
        n_boot=20,
        n_perm=20,
        seed=3,
        progress=True,
    )
    frames_equal(a, b)
    assert "bootstrap" in capsys.readouterr().err


def test_all_lines_resample_patients() -> None:
    from netsurv.sweep.replicates import unit_weights

    res = sweep(
        tiny(),
        "recist1.1",
        {"response_threshold": [-0.3]},
        time_dependent=True,
        line="all",
        n_boot=10,
        n_perm=0,
        seed=1,
    )
    assert res.table["n"].iloc[0] == 4  # P002 has two lines
    w = unit_weights(np.random.default_rng(1), 4, np.array([0, 1, 1, 2]), 200)
    assert (w[:, 1] == w[:, 2]).all() and (w[:, [0, 1, 3]].sum(axis=1) == 3).all()


def test_only_the_selected_lines_are_analysed() -> None:
    selected = pd.DataFrame({"patient_id": ["P002"], "line_id": ["L2"]})
    res = sweep(
        tiny(),
        "recist1.1",
        {"response_threshold": [-0.3]},
        time_dependent=True,
        line="all",
        lines=selected,
        n_boot=0,
        n_perm=0,
    )
    assert res.table["n"].iloc[0] == 1
    att = res.attrition[res.attrition["reason"] == "not among the selected lines"]
    assert set(att["row_key"]) == {"P001 / L1", "P002 / L1", "P003 / L1"}


def test_lines_a_variant_sets_aside_are_left_out_with_a_reason() -> None:
    res = sweep(
        tiny(),
        "recist1.1",
        ["recist1.1", "sstv"],
        landmark_months=3,
        n_boot=0,
        n_perm=0,
        metric="lr",
    )
    assert res.table["n"].tolist() == [1, 1]
    att = res.attrition[res.attrition["stage"] == "sweep"]
    assert set(att["row_key"]) == {"P001 / L1", "P002 / L1", "P002 / L2"}
    assert att["reason"].str.startswith("set aside by variant sstv").all()
    assert list(res.table.columns[:2]) == ["criterion", "analysis"]


def test_landmark_beyond_follow_up_is_reported_not_fitted() -> None:
    res = sweep(
        tiny(),
        "recist1.1",
        {"response_threshold": [-0.3]},
        landmark_months=[3, 500],
        n_boot=5,
        n_perm=5,
    )
    row = res.table.iloc[1]
    assert row["n"] == 0 and row["reason"].startswith("no patient in the analysis")
    assert np.isnan(row["hr"]) and np.isnan(row["logrank_chi2"])


def test_rows_equal_compare_responders_for_one_criterion() -> None:
    crit = ns.criteria.grid("recist1.1", response_threshold=[-0.2])[0]
    ref = ns.survival.compare_responders(small(), criterion=crit, at_months=[6])
    ref = ref.set_index("method")
    lm = sweep(
        small(), "recist1.1", {"response_threshold": [-0.2]}, landmark_months=6, n_boot=0, n_perm=0
    ).table.iloc[0]
    td = sweep(
        small(),
        "recist1.1",
        {"response_threshold": [-0.2]},
        time_dependent=True,
        n_boot=0,
        n_perm=0,
    ).table.iloc[0]
    for row, method in ((lm, "landmark"), (td, "time-dependent")):
        assert row["n"] == ref.loc[method, "n"]
        assert abs(row["hr"] - ref.loc[method, "hr"]) < 1e-9 * ref.loc[method, "hr"]
        assert abs(row["hr_lower"] - ref.loc[method, "lower"]) < 1e-8
        assert abs(row["p_wald"] - ref.loc[method, "p_value"]) < 1e-8


def test_min_group_variants_are_reported_but_never_selected() -> None:
    """A variant whose smaller group holds < min_group of the units keeps its statistics but is
    not the best, not in the permutation maximum and never wins a bootstrap resample."""
    c = cohort(150, seed=2, effect=0.3)
    grid = {"response_threshold": [-0.05, -0.1, -0.2, -0.3]}
    kw = {"landmark_months": 6, "n_boot": 40, "n_perm": 100, "seed": 3}
    free = sweep(c, "recist1.1", grid, min_group=0, **kw)
    res = sweep(c, "recist1.1", grid, min_group=0.2, **kw)
    t = res.table
    smaller = np.minimum(t["n_group1"], t["n_group0"])
    np.testing.assert_array_equal(t["eligible"], smaller >= 0.2 * t["n"])
    assert t["eligible"].any() and not t["eligible"].all()
    # statistics are those of the unrestricted run
    cols = ["n_group1", "hr", "logrank_chi2", "lr_chi2", "c_index"]
    pd.testing.assert_frame_equal(t[cols], free.table[cols])
    assert res.best["eligible"]
    assert res.best["value"] == t.loc[t["eligible"], "logrank_chi2"].max()
    assert t.loc[~t["eligible"], "p_adjusted"].isna().all()
    assert (t.loc[~t["eligible"], "selection_frequency"] == 0).all()
    # the null maximum runs over the eligible variants only (same seed: same permutations)
    assert (res.null_max[:, 0] <= free.null_max[:, 0] * (1 + 1e-12)).all()
    assert res.settings["min_group"] == 0.2


@pytest.mark.parametrize("bad", [-0.1, 0.5, 2, "0.1", True])
def test_min_group_must_be_a_fraction_below_one_half(bad: object) -> None:
    with pytest.raises(ns.ConfigError, match="min_group"):
        sweep(
            ns.load_demo(),
            "recist1.1",
            {"response_threshold": [-0.3]},
            landmark_months=6,
            n_boot=0,
            n_perm=0,
            min_group=bad,
        )


def test_firth_option_equals_a_hand_built_firth_landmark_cox() -> None:
    """``penalty="firth"``: every variant has a finite hazard ratio, equal to
    ``cox(penalty="firth")`` on the hand-built landmark set; the default path is unchanged."""
    res = sweep(
        small(), "recist1.1", GRID, landmark_months=6, n_boot=10, n_perm=20, seed=5, penalty="firth"
    )
    assert res.settings["penalty"] == "firth"
    assert np.isfinite(res.table["beta"]).all() and res.table["converged"].all()
    for j in (0, 2, 4):
        row = res.table.iloc[j]
        crit = ns.criteria.grid("recist1.1", **GRID)[j]
        d = first_response_days(small(), crit)
        cut = 6 * 30.4375
        lm = d[d["days"] > cut]
        lm = lm.assign(t=lm["days"] - cut, g=(lm["resp_day"] <= cut).astype(int))
        c = cox(
            lm,
            covariates=["g"],
            duration_col="t",
            event_col="event",
            penalty="firth",
            conf_int="wald",
        )
        assert abs(row["beta"] - c.coefficients["coef"].iloc[0]) < 1e-9
        assert abs(row["se"] - c.coefficients["se"].iloc[0]) < 1e-9
        assert abs(row["lr_chi2"] - c.tests.loc["likelihood_ratio", "statistic"]) < 1e-8
    plain = sweep(small(), "recist1.1", GRID, landmark_months=6, n_boot=10, n_perm=20, seed=5)
    assert plain.settings["penalty"] == "none"
    with pytest.raises(ns.ConfigError, match="penalty"):
        sweep(small(), "recist1.1", GRID, landmark_months=6, n_boot=0, n_perm=0, penalty="l2")
