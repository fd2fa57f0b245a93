"""Bad input to the competing-risks, weighted-test, RMST, milestone and rate functions gives a
ConfigError naming the argument and the fix; properties of the new estimators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import netsurv as ns
from netsurv.endpoints import competing_events
from netsurv.errors import ConfigError
from netsurv.survival import (
    cause_specific_cox,
    cumulative_incidence,
    fine_gray,
    finegray_data,
    gray_test,
    logrank,
    milestone_test,
    paired_difference,
    proportion_ci,
    rmst_test,
)

CR = pd.DataFrame(
    {
        "t": [1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12],
        "status": [1, 2, 0, 1, 1, 0, 2, 1, 0, 2, 1, 0],
        "arm": ["a", "b"] * 6,
        "x": [0.5, 1, 0, 2, 1, 0, 1, 3, 0, 1, 2, 0],
    }
)
COLS = {"duration_col": "t", "event_col": "status"}


@pytest.mark.parametrize("bad", [-1, 1.5, 7.25])
def test_event_codes_outside_0_to_k_name_the_column_and_the_fix(bad: float) -> None:
    df = CR.assign(status=CR["status"].astype(float))
    df.loc[3, "status"] = bad
    for call in (
        lambda: cumulative_incidence(df, **COLS),
        lambda: gray_test(df, by="arm", **COLS),
        lambda: fine_gray(df, covariates=["x"], **COLS),
        lambda: finegray_data(df, cause=1, **COLS),
        lambda: cause_specific_cox(df, covariates=["x"], **COLS),
    ):
        with pytest.raises(ConfigError, match=r"'status'.*0 \(censored\).*recode"):
            call()


def test_a_cause_not_in_the_data_is_named() -> None:
    with pytest.raises(ConfigError, match=r"cause=3.*codes \[1, 2\]"):
        fine_gray(CR, covariates=["x"], cause=3, **COLS)
    with pytest.raises(ConfigError, match=r"causes=\[4\]"):
        cumulative_incidence(CR, causes=[4], **COLS)
    with pytest.raises(ConfigError, match="no event"):
        cumulative_incidence(CR.assign(status=0), **COLS)


def test_variance_and_rho_arguments_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"variance=.delta.*no case weights"):
        cumulative_incidence(CR.assign(w=1.5), variance="delta", weights_col="w", **COLS)
    with pytest.raises(ConfigError, match="variance must be"):
        cumulative_incidence(CR, variance="greenwood", **COLS)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="rho must be a finite number >= 0"):
        gray_test(CR, by="arm", rho=-1, **COLS)


@pytest.mark.parametrize(("rho", "gamma", "name"), [(-1, 0, "rho"), (0, -0.5, "gamma")])
def test_negative_fleming_harrington_weights_are_refused(
    rho: float, gamma: float, name: str
) -> None:
    df = CR.assign(event=(CR["status"] > 0).astype(int))
    with pytest.raises(ConfigError, match=rf"^{name} must be a finite number >= 0.*rho=0, gamma=0"):
        logrank(df, by="arm", duration_col="t", event_col="event", rho=rho, gamma=gamma)


def test_tau_or_milestone_beyond_a_groups_follow_up_is_refused() -> None:
    df = CR.assign(event=(CR["status"] > 0).astype(int))
    last = df.groupby("arm")["t"].max()
    short = last.idxmin()
    kw = {"by": "arm", "duration_col": "t", "event_col": "event"}
    with pytest.raises(ConfigError, match=rf"tau=11 .*group '{short}'.*Choose tau <= {last.min()}"):
        rmst_test(df, tau=11, **kw)
    with pytest.raises(ConfigError, match=r"time=11 .*beyond the last follow-up"):
        milestone_test(df, time=11, **kw)
    with pytest.raises(ConfigError, match="tau must be a finite time > 0"):
        rmst_test(df, tau=-1, **kw)
    with pytest.raises(ConfigError, match="reference='z' is not a group"):
        rmst_test(df, tau=5, reference="z", **kw)
    # at the shortest group's last time it is allowed
    assert rmst_test(df, tau=float(last.min()), **kw).contrasts.shape[0] == 3


def test_proportion_arguments_are_checked() -> None:
    with pytest.raises(ConfigError, match="0 <= successes <= n"):
        proportion_ci(5, 4)
    with pytest.raises(ConfigError, match="0/1"):
        paired_difference([1, 0, 2], [1, 1, 0])
    with pytest.raises(ConfigError, match="same length"):
        paired_difference([1, 0], [1, 1, 0])


def test_competing_events_refuses_ttp_and_unlisted_causes() -> None:
    ep = ns.derive_endpoints(ns.load_demo(), "recist1.1", endpoints=["PFS", "TTP"])
    with pytest.raises(ConfigError, match="endpoint='PFS'"):
        competing_events(ep, endpoint="TTP")
    with pytest.raises(ConfigError, match=r"cause not in causes=\['progression'\]: \['death'\]"):
        competing_events(ep, endpoint="PFS", causes=("progression",))


def test_pfs_by_cause_is_ttp_with_death_competing() -> None:
    """PFS progression events are TTP's events; PFS deaths are censored in TTP; the CIF of
    progression is below 1 − KM of TTP (which treats deaths as if they could still progress)."""
    ep = ns.derive_endpoints(ns.load_demo(), "recist1.1", endpoints=["PFS", "TTP"])
    t = ep.table
    assert set(t.loc[t["event"] == 1, "event_cause"]) <= {"progression", "death"}
    assert t.loc[t["event"] == 0, "event_cause"].isna().all()
    from_death = t["source_column"] == "death_date"
    assert (t.loc[(t["event"] == 1) & from_death, "event_cause"] == "death").all()
    cr = competing_events(ep, endpoint="PFS")
    ttp = t[t["endpoint"] == "TTP"].set_index(["patient_id", "line_id"])
    pfs = cr.set_index(["patient_id", "line_id"])
    prog = pfs["status"] == 1
    assert (ttp.loc[prog[prog].index, "event"] == 1).all()
    assert (ttp.loc[prog[prog].index, "days"] == pfs.loc[prog, "days"]).all()
    assert (ttp.loc[pfs.index[pfs["status"] == 2], "event"] == 0).all()
    cif = cumulative_incidence(cr, duration_col="months", event_col="status", causes=1)
    km = ns.survival.kaplan_meier(ttp.reset_index(), duration_col="months", event_col="event")
    times = np.array([6.0, 12, 24, 48])
    f = cif.cif_at(times)["cif"].to_numpy()
    one_minus_km = 1 - km.survival_at(times)["surv"].to_numpy()
    assert (f <= one_minus_km + 1e-12).all() and (f < one_minus_km).any()


def test_fine_gray_with_two_causes_and_no_competing_events_is_cox() -> None:
    """Without competing events the Fine–Gray risk sets are Cox's: the same fit."""
    df = CR.assign(status=np.where(CR["status"] == 2, 0, CR["status"]))
    fg = fine_gray(df, covariates=["x"], **COLS)
    cx = ns.survival.cox(df, covariates=["x"], duration_col="t", event_col="status")
    assert np.allclose(fg.coefficients["coef"], cx.coefficients["coef"], rtol=1e-12)
    assert fg.n_rows == len(df)


def test_fine_gray_crr_variance_without_competing_events_is_the_cox_sandwich() -> None:
    """With no competing failure the censoring term of Fine and Gray's variance vanishes (no
    weight depends on the censoring curve) and the rest is Cox's Breslow sandwich."""
    df = CR.assign(status=np.where(CR["status"] == 2, 0, CR["status"]))
    fg = fine_gray(df, covariates=["x"], method="crr", **COLS)
    cx = ns.survival.cox(df, covariates=["x"], ties="breslow", robust=True, **COLS)
    assert np.allclose(fg.variance, cx.variance, rtol=1e-10)
    assert np.isnan(fg.tests.loc["robust_score", "statistic"])
    assert fg.method == "crr" and fg.ties == "breslow"


def test_fine_gray_crr_refuses_what_crr_does_not_fit_all_at_once() -> None:
    with pytest.raises(ConfigError, match=r"ties='efron'.*strata=\['arm'\].*weights_col='w'"):
        fine_gray(
            CR.assign(w=1.0),
            covariates=["x"],
            method="crr",
            ties="efron",
            strata="arm",
            weights_col="w",
            **COLS,
        )
    with pytest.raises(ConfigError, match=r"method='cmprsk'.*'finegray'.*'crr'"):
        fine_gray(CR, covariates=["x"], method="cmprsk", **COLS)  # type: ignore[arg-type]


def test_two_grouping_columns_are_their_combinations_labelled_as_r_strata() -> None:
    df = CR.assign(sex=["F", "F", "M", "M"] * 3)
    both = df.assign(combined="arm=" + df["arm"] + ", sex=" + df["sex"])
    two = cumulative_incidence(df, by=["arm", "sex"], **COLS)
    one = cumulative_incidence(both, by="combined", **COLS)
    assert two.groups == ["arm=a, sex=F", "arm=a, sex=M", "arm=b, sex=F", "arm=b, sex=M"]
    pd.testing.assert_frame_equal(two.table, one.table)
    g2 = gray_test(df, by=["arm", "sex"], **COLS)
    g1 = gray_test(both, by="combined", **COLS)
    pd.testing.assert_frame_equal(g2.table, g1.table)
    assert g2.groups == g1.groups and two.by == ["arm", "sex"]


def test_cif_plot_at_risk_table_is_the_risk_table_on_the_shared_axis() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from netsurv.plots import at_risk_axes, cif_plot

    cif = cumulative_incidence(CR, by="arm", **COLS)
    fig, axes = plt.subplots(1, 2)
    ax = cif_plot(cif, ax=axes[0], times=[0, 4, 8, 12])
    tab = at_risk_axes(ax)
    assert tab is not None and tab.get_shared_x_axes().joined(ax, tab)
    expected = cif.risk_table([0, 4, 8, 12])["n_risk"].astype(str).tolist()
    assert [t.get_text() for t in tab.texts] == expected
    with pytest.raises(ConfigError, match="pass group="):
        cif_plot(cif, ax=axes[1], stacked=True)
    plt.close(fig)


def test_a_column_named_twice_is_one_grouping_column() -> None:
    """by=["g", "g"] (or by = strata) used to end in a RecursionError in group_codes."""
    df = CR.assign(event=(CR["status"] > 0).astype(int))
    km = ns.survival.kaplan_meier(df, duration_col="t", event_col="event", by=["arm", "arm"])
    assert (
        km.groups
        == ns.survival.kaplan_meier(df, duration_col="t", event_col="event", by="arm").groups
    )
    # stratified by its own groups there is nothing to compare: a clear error, no recursion
    with pytest.raises(ConfigError, match="variance matrix is singular"):
        logrank(df, by="arm", strata="arm", duration_col="t", event_col="event")
