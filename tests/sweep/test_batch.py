"""The batched engine equals netsurv.survival (itself checked against R) and lifelines column by
column: fixed and time-dependent groupings, case weights, permutations, ties, a group without
events and an empty group."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netsurv.survival import cox, logrank, mantel_byar
from netsurv.survival._harrell import harrell_c
from netsurv.sweep.batch import REASONS, fit_counts
from netsurv.sweep.counts import count_fixed, count_switch, sort_outcome
from netsurv.sweep.terms import loglik_rows, terms

TOL = 1e-10


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1.0)


def data(seed: int, n: int = 60, v: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rounded times (many ties, censoring tied with events) and a few groupings."""
    rng = np.random.default_rng(seed)
    time = np.round(rng.exponential(8, n)) + 1
    event = rng.random(n) < 0.7
    groups = rng.random((v, n)) < rng.uniform(0.2, 0.7, (v, 1))
    return time, event, groups


def reference(time, event, g, ties="efron", weights=None):
    idx = np.arange(time.size) if weights is None else np.repeat(np.arange(time.size), weights)
    df = pd.DataFrame({"t": time[idx], "e": event[idx].astype(int), "g": g[idx].astype(int)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = cox(df, covariates=["g"], duration_col="t", event_col="e", ties=ties)
    lr = logrank(df, by="g", duration_col="t", event_col="e")
    return c, lr


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fixed_groups_equal_netsurv_cox_and_logrank(ties: str, seed: int) -> None:
    time, event, groups = data(seed)
    o = sort_outcome(time, event)
    s = fit_counts(count_fixed(o, groups[:, o.order]), ties=ties)
    for v in range(groups.shape[0]):
        c, lr = reference(time, event, groups[v], ties)
        assert s.reason[0, v] == 0 and s.converged[0, v]
        assert rel(s.beta[0, v], c.coefficients["coef"].iloc[0]) < 1e-9
        assert rel(s.se[0, v], c.coefficients["se"].iloc[0]) < 1e-8
        assert rel(s.loglik[0, v], c.loglik) < TOL
        assert rel(s.loglik0[0, v], c.loglik_null) < TOL
        assert rel(s.lr[0, v], c.tests.loc["likelihood_ratio", "statistic"]) < TOL
        assert rel(s.score[0, v], c.tests.loc["score", "statistic"]) < TOL
        assert rel(s.logrank[0, v], lr.chi2) < TOL
        assert rel(s.c_index[0, v], c.concordance) < TOL
        assert rel(s.aic[0, v], c.aic) < TOL
        assert s.n1[0, v] == groups[v].sum()
        assert s.events1[0, v] == (groups[v] & event).sum()


def test_case_weights_equal_duplicated_rows() -> None:
    time, event, groups = data(4, n=40, v=3)
    rng = np.random.default_rng(0)
    w = rng.multinomial(40, np.full(40, 1 / 40), size=5)
    o = sort_outcome(time, event)
    s = fit_counts(count_fixed(o, groups[:, o.order], weights=w[:, o.order]))
    for b in range(5):
        for v in range(3):
            c, lr = reference(time, event, groups[v], weights=w[b])
            assert rel(s.beta[b, v], c.coefficients["coef"].iloc[0]) < 1e-9
            assert rel(s.loglik[b, v], c.loglik) < TOL
            assert rel(s.logrank[b, v], lr.chi2) < TOL
            assert rel(s.c_index[b, v], c.concordance) < TOL


def test_permutations_pair_outcomes_with_permuted_groupings() -> None:
    time, event, groups = data(5, n=50, v=2)
    o = sort_outcome(time, event)
    rng = np.random.default_rng(3)
    perm = np.stack([rng.permutation(50) for _ in range(4)])
    gs = groups[:, o.order]
    s = fit_counts(count_fixed(o, gs, perm=perm))
    for p in range(4):
        for v in range(2):
            c, lr = reference(o.time, o.event, gs[v][perm[p]])
            assert rel(s.beta[p, v], c.coefficients["coef"].iloc[0]) < 1e-9
            assert rel(s.logrank[p, v], lr.chi2) < TOL


def split_rows(time, event, switch, weights):
    """(start, stop] rows of a covariate that switches from 0 to 1 at ``switch``."""
    rows = []
    for i in range(time.size):
        for _ in range(int(weights[i])):
            s = switch[i]
            if s <= 0:
                rows.append((0.0, time[i], int(event[i]), 1))
            elif s < time[i]:
                rows.append((0.0, s, 0, 0))
                rows.append((s, time[i], int(event[i]), 1))
            else:
                rows.append((0.0, time[i], int(event[i]), 0))
    return pd.DataFrame(rows, columns=["start", "stop", "e", "g"])


@pytest.mark.parametrize("weighted", [False, True])
def test_time_dependent_equals_start_stop_cox(weighted: bool) -> None:
    time, event, _ = data(6, n=45, v=1)
    rng = np.random.default_rng(6)
    switch = np.where(rng.random((3, 45)) < 0.6, np.round(rng.uniform(0, 14, (3, 45))), np.inf)
    switch[0, :4] = time[:4]  # a switch on the day of the event does not count
    switch[1, 4:6] = 0.0  # in group 1 from the start
    w = rng.multinomial(45, np.full(45, 1 / 45), size=2) if weighted else np.ones((1, 45), int)
    o = sort_outcome(time, event)
    s = fit_counts(
        count_switch(o, o.switch_index(switch[:, o.order]), weights=w[:, o.order].astype(float))
    )
    for b in range(w.shape[0]):
        for v in range(3):
            df = split_rows(time, event, switch[v], w[b])
            c = cox(df, covariates=["g"], duration_col="stop", event_col="e", start_col="start")
            assert rel(s.beta[b, v], c.coefficients["coef"].iloc[0]) < 1e-9
            assert rel(s.loglik[b, v], c.loglik) < TOL
            assert rel(s.score[b, v], c.tests.loc["score", "statistic"]) < TOL
            assert rel(s.c_index[b, v], c.concordance) < TOL


def true_rel(a: float, b: float) -> float:
    """Relative deviation of ``a`` from ``b`` (not floored at 1, unlike :func:`rel`)."""
    return abs(a - b) / abs(b)


def check_time_dependent(s, b: int, v: int, df: pd.DataFrame, ties: str) -> None:
    """Row (b, v) of a batch against netsurv.survival on the (start, stop] rows ``df``."""
    c = cox(df, covariates=["g"], duration_col="stop", event_col="e", start_col="start", ties=ties)
    mb = mantel_byar(df, status_col="g", event_col="e")
    assert s.reason[b, v] == 0 and s.converged[b, v]
    # beta and SE: 1e-8 relative (both solve the score to its root)
    assert true_rel(s.beta[b, v], c.coefficients["coef"].iloc[0]) < 1e-8
    assert true_rel(s.se[b, v], c.coefficients["se"].iloc[0]) < 1e-8
    # statistics: 1e-10 relative
    assert true_rel(s.loglik[b, v], c.loglik) < TOL
    assert true_rel(s.loglik0[b, v], c.loglik_null) < TOL
    assert true_rel(s.lr[b, v], c.tests.loc["likelihood_ratio", "statistic"]) < TOL
    assert true_rel(s.score[b, v], c.tests.loc["score", "statistic"]) < TOL
    # the sweep's default selection statistic: log-rank with time-dependent groups
    assert true_rel(s.logrank[b, v], mb.chi2) < TOL
    o1, e1 = mb.table.loc[1, "observed"], mb.table.loc[1, "expected"]
    assert true_rel(s.logrank_oe[b, v], o1 - e1) < TOL
    assert true_rel(s.logrank_var[b, v], mb.variance.loc[1, 1]) < TOL
    assert s.events1[b, v] == df.loc[df["g"] == 1, "e"].sum()


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_time_dependent_beta_se_and_mantel_byar_equal_netsurv_survival(
    ties: str, weighted: bool
) -> None:
    time, event, _ = data(16, n=70, v=1)
    rng = np.random.default_rng(16)
    switch = np.where(rng.random((4, 70)) < 0.6, np.round(rng.uniform(0, 14, (4, 70))), np.inf)
    switch[0, :5] = time[:5]  # a switch on the day of the event does not count
    switch[1, 5:8] = 0.0  # in group 1 from the start
    switch[2, 8:12] = time[8:12] - 1  # one day in group 1, ending in the event or censoring
    o = sort_outcome(time, event)
    # tied deaths (Efron and Breslow differ) and switches tied with event times
    assert np.bincount(o.risk_end[o.event]).max() >= 3
    assert np.isin(switch[np.isfinite(switch)], o.event_times).any()
    w = (
        rng.multinomial(70, np.full(70, 1 / 70), size=2).astype(float)
        if weighted
        else np.ones((1, 70))
    )
    s = fit_counts(
        count_switch(o, o.switch_index(switch[:, o.order]), weights=w[:, o.order]), ties=ties
    )
    for b in range(w.shape[0]):
        for v in range(4):
            check_time_dependent(s, b, v, split_rows(time, event, switch[v], w[b]), ties)
    other = fit_counts(
        count_switch(o, o.switch_index(switch[:, o.order]), weights=w[:, o.order]),
        ties="breslow" if ties == "efron" else "efron",
    )
    assert np.all(np.abs(other.beta - s.beta) > 1e-4)  # the ties method matters here
    np.testing.assert_array_equal(other.logrank, s.logrank)  # ... not to the log-rank


@pytest.mark.parametrize("weights", ["none", "w1", "w2"])
def test_time_dependent_reference_data_mantel_byar(weights: str) -> None:
    # tests/reference/data/sweep.csv's switch times s1..s3: expected/sweep.json has R's coxph
    # for them but no log-rank (R's survdiff takes no (start, stop] data); netsurv's
    # mantel_byar is itself checked against R (coxph(ties = "exact") score test)
    from pathlib import Path

    d = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "data" / "sweep.csv")
    time, event = d["time"].to_numpy(float), d["event"].to_numpy(bool)
    w = np.ones(time.size) if weights == "none" else d[weights].to_numpy(float)
    switch = d[["s1", "s2", "s3"]].to_numpy(float).T
    o = sort_outcome(time, event)
    for ties in ("efron", "breslow"):
        s = fit_counts(
            count_switch(o, o.switch_index(switch[:, o.order]), weights=w[None, o.order]),
            ties=ties,
        )
        for v in range(3):
            check_time_dependent(s, 0, v, split_rows(time, event, switch[v], w), ties)


def test_switch_counts_under_permutation_equal_permuted_switch_times() -> None:
    time, event, _ = data(13, n=40, v=1)
    rng = np.random.default_rng(13)
    switch = np.where(rng.random((4, 40)) < 0.6, np.round(rng.uniform(0, 14, (4, 40))), np.inf)
    o = sort_outcome(time, event)
    si = o.switch_index(switch[:, o.order])
    perm = np.stack([rng.permutation(40) for _ in range(3)])
    together = count_switch(o, si, perm=perm)
    weighted = count_switch(o, si, perm=perm, weights=np.ones((3, 40)))  # the masked path
    for field in ("n_risk1", "n_dead1", "size1"):
        np.testing.assert_array_equal(getattr(together, field), getattr(weighted, field))
    for p in range(3):
        alone = count_switch(o, si[:, perm[p]])
        for field in ("n_risk", "n_dead", "n_risk1", "n_dead1", "size1"):
            np.testing.assert_array_equal(getattr(together, field)[p], getattr(alone, field)[0])


def test_group_without_events_is_flagged_with_the_limit_likelihood() -> None:
    time, event, groups = data(7, n=50, v=2)
    groups[0] &= ~event  # group 1 without events: beta -> -inf
    groups[1] = ~(~groups[1] & ~event)  # group 0 without events: beta -> +inf
    o = sort_outcome(time, event)
    s = fit_counts(count_fixed(o, groups[:, o.order]))
    assert s.beta[0, 0] == -np.inf and s.beta[0, 1] == np.inf
    assert not s.converged.any()
    assert REASONS[s.reason[0, 0]].startswith("no events in group 1")
    assert REASONS[s.reason[0, 1]].startswith("no events in group 0")
    for v in range(2):
        c, lr = reference(time, event, groups[v])
        assert not c.converged
        # R / netsurv stop at a large finite beta; the log-likelihood has converged to its limit
        assert rel(s.loglik[0, v], c.loglik) < 1e-9
        assert rel(s.logrank[0, v], lr.chi2) < TOL
        assert rel(s.score[0, v], c.tests.loc["score", "statistic"]) < TOL
        assert np.isnan(s.se[0, v])


def test_empty_group_is_nan_with_a_reason() -> None:
    time, event, groups = data(8, n=30, v=3)
    groups[0] = False
    groups[1] = True
    o = sort_outcome(time, event)
    s = fit_counts(count_fixed(o, groups[:, o.order]))
    for v, text in ((0, "no patient in group 1"), (1, "no patient in group 0")):
        assert text in REASONS[s.reason[0, v]]
        for field in ("beta", "se", "loglik", "lr", "logrank", "c_index", "score"):
            assert np.isnan(getattr(s, field)[0, v]), field
        assert not s.converged[0, v]
    assert s.reason[0, 2] == 0


def test_nobody_switches_and_zero_logrank_variance() -> None:
    o = sort_outcome(np.array([5.0, 6, 7]), np.array([0, 1, 0]))
    s = fit_counts(count_switch(o, o.switch_index(np.full((1, 3), np.inf))))
    assert "no patient in group 1" in REASONS[s.reason[0, 0]]
    o = sort_outcome(np.array([1.0, 1, 2, 2]), np.array([0, 0, 1, 1]))
    s = fit_counts(count_fixed(o, np.array([[False, False, False, True]])[:, o.order]))
    assert s.beta[0, 0] == 0.0 and np.isnan(s.logrank[0, 0])


def test_no_events_and_flat_likelihood() -> None:
    time = np.array([1.0, 2, 3, 4, 5, 6])
    o = sort_outcome(time, np.zeros(6, bool))
    s = fit_counts(count_fixed(o, np.array([[True, False] * 3])))
    assert REASONS[s.reason[0, 0]] == "no events" and np.isnan(s.beta[0, 0])
    # group 1 is never at risk at the only event time: the likelihood does not depend on beta
    o = sort_outcome(time, np.array([0, 0, 0, 0, 1, 0], bool))
    s = fit_counts(count_fixed(o, np.array([[True, True, False, False, False, False]])))
    assert REASONS[s.reason[0, 0]].startswith("flat") and s.lr[0, 0] == 0.0


def test_lifelines_agrees_with_tight_fit_options() -> None:
    from lifelines import CoxPHFitter
    from lifelines.statistics import logrank_test

    time, event, groups = data(9, n=80, v=3)
    o = sort_outcome(time, event)
    s = fit_counts(count_fixed(o, groups[:, o.order]))
    for v in range(3):
        df = pd.DataFrame({"t": time, "e": event.astype(int), "g": groups[v].astype(int)})
        fit = CoxPHFitter().fit(
            df, "t", "e", fit_options={"precision": 1e-14, "r_precision": 0, "max_steps": 200}
        )
        assert rel(s.beta[0, v], float(fit.params_["g"])) < 1e-8
        assert rel(s.loglik[0, v], fit.log_likelihood_) < TOL
        assert rel(s.lr[0, v], fit.log_likelihood_ratio_test().test_statistic) < TOL
        g = groups[v]
        lt = logrank_test(time[g], time[~g], event[g], event[~g])
        assert rel(s.logrank[0, v], lt.test_statistic) < TOL


def test_start_values_do_not_change_the_root() -> None:
    time, event, groups = data(10)
    o = sort_outcome(time, event)
    c = count_fixed(o, groups[:, o.order])
    a = fit_counts(c)
    b = fit_counts(c, start=np.full(groups.shape[0], 3.0))
    np.testing.assert_allclose(a.beta, b.beta, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-13)


def test_loglik_rows_at_the_estimate_is_the_maximum() -> None:
    time, event, groups = data(11)
    o = sort_outcome(time, event)
    c = count_fixed(o, groups[:, o.order])
    s = fit_counts(c)
    t = terms(c)
    rows = np.arange(groups.shape[0])
    at = loglik_rows(t, rows, s.beta[0])
    np.testing.assert_allclose(at, s.loglik[0], rtol=1e-13)
    assert np.all(loglik_rows(t, rows, s.beta[0] + 0.1) < at)


def test_closed_forms_only_mode() -> None:
    time, event, groups = data(12)
    o = sort_outcome(time, event)
    c = count_fixed(o, groups[:, o.order])
    full = fit_counts(c)
    quick = fit_counts(c, cox=False)
    np.testing.assert_allclose(quick.logrank, full.logrank, rtol=1e-14)
    np.testing.assert_allclose(quick.c_index, full.c_index, rtol=1e-14)
    assert np.isnan(quick.beta).all()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 6), st.booleans(), st.booleans()), min_size=4, max_size=25)
)
def test_property_matches_reference_on_small_tied_data(rows: list[tuple[int, bool, bool]]) -> None:
    time = np.array([r[0] for r in rows], dtype=float)
    event = np.array([r[1] for r in rows])
    g = np.array([r[2] for r in rows])
    o = sort_outcome(time, event)
    s = fit_counts(count_fixed(o, g[None, o.order]))
    if s.reason[0, 0] != 0 or not np.isfinite(s.logrank[0, 0]):
        # zero log-rank variance (everyone at risk dies at every event time): R's survdiff
        # stops with "system is exactly singular"; netsurv.sweep returns NaN
        return
    c, lr = reference(time, event, g)
    assert rel(s.loglik[0, 0], c.loglik) < 1e-9
    assert rel(s.logrank[0, 0], lr.chi2) < 1e-9
    assert abs(c.max_abs_score) < 1e-6
    conc = harrell_c(time, event, g.astype(float))
    assert rel(s.concordant[0, 0], conc.concordant) < 1e-12
    assert rel(s.discordant[0, 0], conc.discordant) < 1e-12


def test_estimate_is_the_exact_root_of_the_score() -> None:
    from netsurv.sweep.terms import evaluate

    time, event, groups = data(14, n=200, v=8)
    rng = np.random.default_rng(14)
    w = rng.multinomial(200, np.full(200, 1 / 200), size=3).astype(float)
    o = sort_outcome(time, event)
    c = count_fixed(o, groups[:, o.order], weights=w[:, o.order])
    s = fit_counts(c)
    t = terms(c)
    rows = np.arange(t.a.shape[0])
    score, info, _ = evaluate(t.a, t.c, t.d1, None, s.beta.reshape(-1), with_loglik=False)
    # |U(beta)| / sqrt(I) is the distance to the root in standard errors
    assert np.max(np.abs(score) / np.sqrt(info)) < 1e-9
    assert rows.size == 24


def test_fast_logrank_permutations_equal_the_general_path() -> None:
    from netsurv.sweep.permute import logrank_permutations

    time, event, groups = data(15, n=70, v=5)
    groups[3] = False  # empty group 1
    groups[4] = True  # empty group 0
    o = sort_outcome(time, event)
    rng = np.random.default_rng(15)
    perm = np.stack([rng.permutation(70) for _ in range(12)])
    gs = groups[:, o.order]
    fast = logrank_permutations(o, gs, perm)
    slow = fit_counts(count_fixed(o, gs, perm=perm), cox=False).logrank
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=0)
    assert np.isnan(fast[:, 3:]).all() and np.isfinite(fast[:, :3]).all()


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_firth_equals_netsurv_firth_cox(ties: str) -> None:
    """The batched Firth fit of each grouping equals ``cox(penalty="firth")`` (itself checked
    against R's coxphf in tests/survival/test_firth.py), also for the grouping without events
    in one group (``g7``), whose ordinary estimate is infinite; bootstrap weights too."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "survival"))
    from r_reference import dataset

    from netsurv.survival import cox

    df = dataset("sweep")
    cols = ["g1", "g3", "g5", "g7"]
    time, event = df["time"].to_numpy(float), df["event"].to_numpy()
    o = sort_outcome(time, event)
    groups = df[cols].to_numpy().T.astype(bool)
    for wcol in (None, "w2"):
        w = None if wcol is None else df[wcol].to_numpy(float)[None, o.order]
        s = fit_counts(count_fixed(o, groups[:, o.order], weights=w), ties=ties, penalty="firth")
        plain = fit_counts(count_fixed(o, groups[:, o.order], weights=w), ties=ties)
        used = cols if wcol is None else cols[:-1]  # g7 is empty under the w2 resample
        if wcol is None:
            assert np.isinf(plain.beta[0, -1]) and np.isfinite(s.beta[0, -1])
        assert s.converged[0, : len(used)].all()
        # bootstrap counts are repeated rows (Efron's ties then differ from R's case weights)
        rows = df if wcol is None else df.loc[df.index.repeat(df[wcol].astype(int))]
        for j, g in enumerate(used):
            fit = cox(
                rows,
                covariates=[g],
                duration_col="time",
                event_col="event",
                ties=ties,
                penalty="firth",
                conf_int="wald",
            )
            assert rel(s.beta[0, j], fit.coefficients.loc[g, "coef"]) < 1e-8
            assert rel(s.se[0, j], fit.coefficients.loc[g, "se"]) < 1e-8
            assert rel(s.loglik[0, j], fit.loglik) < 1e-10
            assert rel(s.loglik0[0, j], fit.loglik_null) < 1e-10
            assert rel(s.lr[0, j], fit.tests.loc["likelihood_ratio", "statistic"]) < 1e-8
