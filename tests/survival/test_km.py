"""Kaplan–Meier against R ``survfit`` (tests/reference/expected/km.json) and by properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from r_reference import assert_close, case, case_names, dataset, labels, num

from netsurv.survival import kaplan_meier

TOL = 1e-10
SETTINGS = settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


def fit_case(name: str):
    c = case("km", name)
    a = c["args"]
    km = kaplan_meier(
        dataset(a["data"]),
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        by=a["by"],
        conf_type=a["conf_type"],
        conf_level=a["conf_level"],
        weights_col=a["weights_col"],
        # R's default (robust for non-integer weights) is tested as netsurv's default
        robust=None if a["robust"] else False,
    )
    assert km.robust == a["robust"]
    return c, km


@pytest.mark.parametrize("name", case_names("km"))
def test_curves_match_r(name: str) -> None:
    c, km = fit_case(name)
    assert labels(km.groups) == labels([cur["group"] for cur in c["curves"]])
    for g, cur in zip(km.groups, c["curves"], strict=True):
        tab = km.table[km.table["group"] == g]
        for col in ["time", "n_risk", "n_event", "n_censor", "surv", "lower", "upper"]:
            assert_close(tab[col], num(cur[col]), TOL, f"{name} {g} {col}")
        with np.errstate(invalid="ignore"):
            r_se = num(cur["surv"]) * num(cur["std_err_log"])  # summary()'s std.err
        assert_close(tab["std_err"], r_se, TOL, f"{name} {g} std_err")


@pytest.mark.parametrize("name", case_names("km"))
def test_medians_and_rmst_match_r(name: str) -> None:
    c, km = fit_case(name)
    m = c["medians"]
    for col in ["records", "n", "events", "median", "lower", "upper"]:
        assert_close(km.medians[col], num(m[col]), TOL, f"{name} medians {col}")
    rm = km.rmst(c["tau"])
    assert_close(rm["estimate"], num(m["rmean"]), TOL, f"{name} rmean")
    assert_close(rm["se"], num(m["se_rmean"]), TOL, f"{name} se(rmean)")
    spread = rm["se"] > 0  # a group of one subject has se 0
    z = (rm["upper"] - rm["estimate"])[spread] / rm["se"][spread]
    assert_close(
        z,
        np.full(
            int(spread.sum()),
            1.959963984540054 if c["args"]["conf_level"] == 0.95 else 1.6448536269514722,
        ),
        1e-12,
    )


@pytest.mark.parametrize("name", case_names("km"))
def test_survival_at_and_risk_table_match_r_summary(name: str) -> None:
    c, km = fit_case(name)
    at = c["at"]
    times = num(c["times"])
    got = km.survival_at(times)
    for col in ["time", "n_risk", "surv", "std_err", "lower", "upper"]:
        assert_close(got[col], num(at[col]), TOL, f"{name} at {col}")
    rt = km.risk_table(times)
    assert_close(rt["n_risk"], num(at["n_risk"]), TOL, f"{name} risk table n_risk")
    # R's summary gives events / censorings in each interval; ours are cumulative
    k = len(times)
    r_events = num(at["n_event"]).reshape(-1, k).cumsum(axis=1).ravel()
    r_censor = num(at["n_censor"]).reshape(-1, k).cumsum(axis=1).ravel()
    assert_close(rt["n_events"], r_events, TOL, f"{name} cumulative events")
    assert_close(rt["n_censored"], r_censor, TOL, f"{name} cumulative censored")


def test_flat_stretch_at_one_half() -> None:
    """Group A sits at S = 0.5 on [5, 9): median is the midpoint 7; group C ends on 0.5."""
    km = kaplan_meier(dataset("ties"), duration_col="time", event_col="event", by="group")
    med = km.medians.set_index("group")["median"]
    assert med["A"] == 7.0
    assert med["C"] == 4.0


def test_log_log_reproduces_lifelines() -> None:
    """lifelines' default interval is R's conf.type = "log-log"."""
    df = dataset("lung")
    km = kaplan_meier(df, duration_col="time", event_col="status", conf_type="log-log")
    kmf = KaplanMeierFitter().fit(df["time"], df["status"])
    ci = kmf.confidence_interval_.reindex(km.table["time"])
    np.testing.assert_allclose(km.table["lower"], ci.iloc[:, 0], rtol=1e-12)
    np.testing.assert_allclose(km.table["upper"], ci.iloc[:, 1], rtol=1e-12)
    np.testing.assert_allclose(
        km.table["surv"], kmf.survival_function_.reindex(km.table["time"]).iloc[:, 0], rtol=1e-12
    )


def test_missing_rows_dropped_and_counted() -> None:
    df = dataset("lung")
    km = kaplan_meier(df, duration_col="time", event_col="status", by="ph.ecog")
    assert km.n_dropped == 1
    assert km.medians["records"].sum() == len(df) - 1


def test_result_is_frozen() -> None:
    km = kaplan_meier(dataset("ties"), duration_col="time", event_col="event")
    with pytest.raises(AttributeError):
        km.conf_type = "plain"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"duration_col": "nope"}, "'nope'"),
        ({"by": "nope"}, "'nope'"),
        ({"conf_type": "logit"}, "conf_type"),
        ({"conf_level": 95}, "conf_level"),
        ({"weights_col": "neg"}, "weights column 'neg'"),
        ({"event_col": "bad_event"}, "event column 'bad_event'"),
        ({"duration_col": "neg"}, "duration column 'neg'"),
        ({"duration_col": "text"}, "duration column 'text' must be numeric"),
    ],
)
def test_user_mistakes_raise_value_error_naming_the_column(change: dict, match: str) -> None:
    df = pd.DataFrame(
        {
            "t": [1.0, 2, 3],
            "e": [1, 0, 1],
            "neg": [1.0, -2, 3],
            "bad_event": [1, 2, 0],
            "text": ["a", "b", "c"],
        }
    )
    kwargs = {"duration_col": "t", "event_col": "e", **change}
    with pytest.raises(ValueError, match=match):
        kaplan_meier(df, **kwargs)


@st.composite
def survival_data(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    times = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    events = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["a", "b"]), min_size=n, max_size=n))
    weights = draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.5]), min_size=n, max_size=n))
    return pd.DataFrame({"t": times, "e": events, "g": groups, "w": weights})


@SETTINGS
@given(
    df=survival_data(),
    conf_type=st.sampled_from(["log", "log-log", "plain"]),
    weighted=st.booleans(),
)
def test_curve_properties(df: pd.DataFrame, conf_type: str, weighted: bool) -> None:
    km = kaplan_meier(
        df,
        duration_col="t",
        event_col="e",
        by="g",
        conf_type=conf_type,  # type: ignore[arg-type]
        weights_col="w" if weighted else None,
    )
    for _, cur in km.table.groupby("group"):
        s = cur["surv"].to_numpy()
        assert np.all(np.diff(s) <= 1e-15), "a KM curve never rises"
        assert np.all((s >= 0) & (s <= 1))
        lo, up = cur["lower"].to_numpy(), cur["upper"].to_numpy()
        ok = ~np.isnan(lo)
        assert np.all(lo[ok] <= s[ok] + 1e-12) and np.all(up[ok] >= s[ok] - 1e-12)
        assert np.all((lo[ok] >= 0) & (up[ok] <= 1 + 1e-12))
        assert np.all(np.diff(cur["n_risk"].to_numpy()) <= 0), "numbers at risk never rise"
    med = km.medians
    ok = med[["lower", "median", "upper"]].notna().all(axis=1)
    assert np.all(med.loc[ok, "lower"] <= med.loc[ok, "median"])
    assert np.all(med.loc[ok, "median"] <= med.loc[ok, "upper"])
    # every subject is at risk (time >= t) or has had its event / censoring (time < t)
    rt = km.risk_table([0.5, 3.5, 6.5, 100])
    total = rt["n_risk"] + rt["n_events"] + rt["n_censored"]
    size = rt["group"].map(km.medians.set_index("group")["n"])
    np.testing.assert_allclose(total, size)
