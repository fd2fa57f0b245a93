"""Weighted log-rank, RMST and milestone comparisons, response rates and median follow-up
against R (``tests/reference/make_reference_comparisons.R``); lifelines' Fleming–Harrington
test as a second opinion on G(ρ, γ)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines.statistics import logrank_test, multivariate_logrank_test
from r_reference import assert_close, case, case_names, dataset, labels, num

from netsurv.survival import (
    compare_response_rates,
    logrank,
    median_follow_up,
    milestone_test,
    paired_difference,
    proportion_ci,
    response_rates,
    rmst_test,
)

CLOSED_FORM = 1e-10


def _rows(data: str, cols: list[str]) -> pd.DataFrame:
    return dataset(data).dropna(subset=cols)


@pytest.mark.parametrize("name", case_names("weighted_logrank"))
def test_weighted_logrank_matches_r(name: str) -> None:
    ref = case("weighted_logrank", name)
    a = ref["args"]
    res = logrank(
        dataset(a["data"]),
        by=a["by"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        strata=a["strata"],
        weights_col=a["weights_col"],
        rho=a["rho"],
        gamma=a["gamma"],
        trend=bool(a.get("trend", False)),  # the scores are the numeric group values
    )
    assert labels(res.table["group"]) == ref["group"]
    assert_close(res.table["observed"], num(ref["observed"]), CLOSED_FORM, f"{name} O")
    assert_close(res.table["expected"], num(ref["expected"]), CLOSED_FORM, f"{name} E")
    assert_close(res.variance, num(ref["var"]), CLOSED_FORM, f"{name} V", scale=1e-12)
    assert_close(res.chi2, ref["chisq"], CLOSED_FORM, f"{name} chisq")
    assert_close(res.p_value, ref["p"], CLOSED_FORM, f"{name} p")
    assert res.df == ref["df"]
    if "survdiff_chisq" in ref:
        assert_close(res.chi2, ref["survdiff_chisq"], CLOSED_FORM, f"{name} survdiff")


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in case_names("weighted_logrank")
        if "by_" not in n and "weighted" not in n and "trend" not in n
    ],
)
def test_weighted_logrank_agrees_with_lifelines(name: str) -> None:
    """lifelines' ``weightings="fleming-harrington"`` (p = ρ, q = γ), a second implementation."""
    a = case("weighted_logrank", name)["args"]
    df = dataset(a["data"]).dropna(subset=[a["duration_col"], a["event_col"], a["by"]])
    ours = logrank(
        df,
        by=a["by"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        rho=a["rho"],
        gamma=a["gamma"],
    )
    fh = {"weightings": "fleming-harrington", "p": a["rho"], "q": a["gamma"]}
    groups = sorted(df[a["by"]].unique())
    if len(groups) == 2:
        x, y = (df[df[a["by"]] == g] for g in groups)
        theirs = logrank_test(
            x[a["duration_col"]], y[a["duration_col"]], x[a["event_col"]], y[a["event_col"]], **fh
        )
    else:
        theirs = multivariate_logrank_test(
            df[a["duration_col"]], df[a["by"]], df[a["event_col"]], **fh
        )
    assert_close(ours.chi2, theirs.test_statistic, CLOSED_FORM, f"{name} lifelines")


def _contrasts(res_contrasts: pd.DataFrame, ref_rows: list[dict]) -> None:
    for r in ref_rows:
        got = res_contrasts[
            (res_contrasts["group"].astype(str) == r["group"])
            & (res_contrasts["contrast"] == r["contrast"])
        ].iloc[0]
        for col in ("estimate", "se", "lower", "upper", "p_value"):
            assert_close(got[col], r[col], CLOSED_FORM, f"{r['group']} {r['contrast']} {col}")


@pytest.mark.parametrize("name", case_names("rmst"))
def test_rmst_contrasts_match_r(name: str) -> None:
    ref = case("rmst", name)
    a = ref["args"]
    res = rmst_test(
        dataset(a["data"]),
        by=a["by"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        tau=a["tau"],
        weights_col=a["weights_col"],
    )
    assert labels(res.groups["group"]) == ref["group"]
    assert_close(res.groups["estimate"], num(ref["estimate"]), CLOSED_FORM, f"{name} rmst")
    assert_close(res.groups["se"], num(ref["se"]), CLOSED_FORM, f"{name} se")
    _contrasts(res.contrasts, ref["contrasts"])


@pytest.mark.parametrize("name", case_names("milestone"))
def test_milestone_contrasts_match_r(name: str) -> None:
    ref = case("milestone", name)
    a = ref["args"]
    res = milestone_test(
        dataset(a["data"]),
        by=a["by"],
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        time=a["time"],
        weights_col=a["weights_col"],
    )
    assert labels(res.groups["group"]) == ref["group"]
    for col in ("estimate", "se", "lower", "upper"):
        assert_close(res.groups[col], num(ref[col]), CLOSED_FORM, f"{name} {col}")
    _contrasts(res.contrasts, ref["contrasts"])


def _prop(kind: str) -> list[str]:
    return [n for n in case_names("proportions") if case("proportions", n)["kind"] == kind]


@pytest.mark.parametrize("name", _prop("clopper_pearson"))
def test_clopper_pearson_matches_binom_test(name: str) -> None:
    ref = case("proportions", name)
    lo, up = proportion_ci(ref["x"], ref["n"], conf_level=ref["conf_level"])
    assert_close([lo, up], [ref["lower"], ref["upper"]], CLOSED_FORM, name)


@pytest.mark.parametrize("name", _prop("paired"))
def test_paired_difference_matches_r(name: str) -> None:
    ref = case("proportions", name)
    counts = [ref["both"], ref["only_x"], ref["only_y"], ref["neither"]]
    x = np.repeat([1, 1, 0, 0], counts)
    y = np.repeat([1, 0, 1, 0], counts)
    res = paired_difference(x, y, conf_level=ref["conf_level"])
    for col in ("difference", "lower", "upper", "p_mcnemar", "p_exact"):
        assert_close(res[col], num(ref[col]), CLOSED_FORM, f"{name} {col}")


def test_paired_interval_reproduces_the_published_example() -> None:
    """Fagerland, Lydersen and Laake (2017), Table 8.x: Cavo et al. 2012, -0.0621
    (-0.1186 to -0.0046), Newcombe square-and-add."""
    x = np.repeat([1, 1, 0, 0], [59, 6, 16, 80])
    y = np.repeat([1, 0, 1, 0], [59, 6, 16, 80])
    res = paired_difference(x, y)
    assert [round(res[k], 4) for k in ("difference", "lower", "upper")] == [
        -0.0621,
        -0.1186,
        -0.0046,
    ]


def test_response_rates_and_paired_comparisons_match_r() -> None:
    best = dataset("responses")
    rates = response_rates(best).set_index(["criterion", "rate"])
    cp = [case("proportions", n) for n in _prop("clopper_pearson") if n.startswith("responses")]
    assert len(cp) == len(rates)
    for ref in cp:
        got = rates.loc[(ref["criterion"], ref["rate"])]
        assert (got["count"], got["n"]) == (ref["x"], ref["n"])
        assert_close(
            [got["lower"], got["upper"]], [ref["lower"], ref["upper"]], CLOSED_FORM, ref["name"]
        )
    paired = compare_response_rates(best, reference="recist1.1").set_index(["criterion", "rate"])
    refs = [case("proportions", n) for n in _prop("paired") if n.startswith("responses")]
    assert len(refs) == len(paired)
    for ref in refs:
        got = paired.loc[(ref["criterion"], ref["rate"])]
        assert (got["both"], got["only_criterion"], got["only_reference"], got["neither"]) == (
            ref["both"],
            ref["only_x"],
            ref["only_y"],
            ref["neither"],
        )
        for col in ("difference", "lower", "upper", "p_mcnemar", "p_exact"):
            assert_close(got[col], num(ref[col]), CLOSED_FORM, f"{ref['name']} {col}")


@pytest.mark.parametrize("name", case_names("followup"))
def test_median_follow_up_matches_reverse_survfit(name: str) -> None:
    ref = case("followup", name)
    a = ref["args"]
    res = median_follow_up(
        dataset(a["data"]),
        duration_col=a["duration_col"],
        event_col=a["event_col"],
        by=a["by"],
        conf_type=a["conf_type"],
    )
    assert labels(res["group"]) == ref["group"]
    for col in ("n", "median", "lower", "upper"):
        assert_close(res[col], num(ref[col]), CLOSED_FORM, f"{name} {col}")
