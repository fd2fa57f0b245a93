"""Log-rank test against R ``survdiff`` (tests/reference/expected/logrank.json)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from r_reference import assert_close, case, case_names, dataset, labels, num

from netsurv.errors import ConfigError
from netsurv.survival import logrank

TOL = 1e-10


def run(name: str, **kwargs):
    c = case("logrank", name)
    a = c["args"]
    res = logrank(
        dataset(a["data"]),
        by=a["by"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        strata=a["strata"],
        **kwargs,
    )
    return c, res


@pytest.mark.parametrize("name", case_names("logrank"))
def test_matches_survdiff(name: str) -> None:
    c, res = run(name)
    assert labels(res.table["group"]) == labels(c["group"])
    assert_close(res.chi2, c["chisq"], TOL, f"{name} chisq")
    assert res.df == c["df"]
    assert_close(res.p_value, c["p"], 1e-8, f"{name} p")
    assert_close(res.table["N"], num(c["n"]), 0, f"{name} N")
    assert_close(res.table["observed"], num(c["observed"]), TOL, f"{name} observed")
    assert_close(res.table["expected"], num(c["expected"]), TOL, f"{name} expected")
    assert_close(res.variance.to_numpy(), num(c["var"]), TOL, f"{name} var")
    oe = num(c["observed"]) - num(c["expected"])
    assert_close(res.table["oe2_e"], oe**2 / num(c["expected"]), TOL)
    assert_close(res.table["oe2_v"], oe**2 / np.diag(num(c["var"])), TOL)


@pytest.mark.parametrize(
    "name", [n for n in case_names("logrank") if "trend" in case("logrank", n)]
)
def test_trend_matches_r(name: str) -> None:
    c, res = run(name, trend=True)
    assert res.test == "logrank trend"
    assert res.df == 1
    assert_close(res.table["score"], num(c["trend"]["scores"]), 0)
    assert_close(res.chi2, c["trend"]["chisq"], TOL, f"{name} trend chisq")
    # the same number as R's coxph score test with the exact partial likelihood
    assert_close(res.chi2, c["trend"]["coxph_exact_score"], TOL, f"{name} coxph exact score")
    assert_close(res.p_value, c["trend"]["p"], 1e-8)


def test_trend_with_explicit_scores() -> None:
    df = dataset("ties")
    default = logrank(df, by="group", duration_col="time", event_col="event", trend=True)
    given = logrank(
        df,
        by="group",
        duration_col="time",
        event_col="event",
        trend=True,
        scores={"A": 10, "B": 20, "C": 30},
    )
    assert given.chi2 == pytest.approx(default.chi2, rel=1e-12)  # invariant to affine scores
    assert given.table.shape == default.table.shape


def test_integer_weights_equal_repeated_rows() -> None:
    df = dataset("ties").assign(k=lambda d: 1 + (d["id"] % 3))
    weighted = logrank(df, by="group", duration_col="time", event_col="event", weights_col="k")
    repeated = df.loc[df.index.repeat(df["k"])]
    plain = logrank(repeated, by="group", duration_col="time", event_col="event")
    assert weighted.chi2 == pytest.approx(plain.chi2, rel=1e-12)
    np.testing.assert_allclose(weighted.table["expected"], plain.table["expected"], rtol=1e-12)


def test_n_dropped() -> None:
    _, res = run("lung_ecog")
    assert res.n_dropped == 1


def test_one_group_is_an_error() -> None:
    df = pd.DataFrame({"t": [1, 2], "e": [1, 1], "g": ["a", "a"]})
    with pytest.raises(ValueError, match="'g'"):
        logrank(df, by="g", duration_col="t", event_col="e")


def test_missing_column_is_named() -> None:
    with pytest.raises(ValueError, match="'arm'"):
        logrank(dataset("ties"), by="arm", duration_col="time", event_col="event")


def test_singular_variance_is_a_clear_error() -> None:
    # both at risk die together: the hypergeometric variance is 0 (R's survdiff: "singular")
    df = pd.DataFrame({"t": [1, 1], "e": [1, 1], "g": ["a", "b"]})
    with pytest.raises(ConfigError, match="variance matrix is singular"):
        logrank(df, by="g", duration_col="t", event_col="e")
