"""The batched engine against R survival's coxph / survdiff (tests/reference/expected/sweep.json,
made by tests/reference/make_reference_sweep.R): a grid of groupings with ties, bootstrap
weights, a group without events, an empty group, time-dependent groupings and the veteran
data's Karnofsky cut-offs."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from netsurv.sweep.batch import REASONS, fit_counts
from netsurv.sweep.counts import count_fixed, count_switch, sort_outcome

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
TOL = 1e-10


@cache
def expected() -> dict[str, dict[str, Any]]:
    with open(REFERENCE / "expected" / "sweep.json", encoding="utf-8") as fh:
        return {c["name"]: c for c in json.load(fh)["cases"]}


@cache
def sweep_csv() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "data" / "sweep.csv")


def num(x: Any) -> float:
    return {"NA": np.nan, "NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}.get(x, x)


def rel(a: float, b: float) -> float:
    """Relative deviation of ``a`` from ``b`` (absolute when ``b`` is 0)."""
    return abs(a - b) / (abs(b) or 1.0)


@cache
def fitted(kind: str, ties: str, weights: str):
    d = sweep_csv()
    o = sort_outcome(d["time"].to_numpy(float), d["event"].to_numpy(bool))
    w = None if weights == "none" else d[weights].to_numpy(float)[None, o.order]
    if kind == "fixed":
        g = d[[f"g{j}" for j in range(1, 9)]].to_numpy(bool).T[:, o.order]
        return fit_counts(count_fixed(o, g, weights=w), ties=ties)
    s = d[[f"s{j}" for j in range(1, 4)]].to_numpy(float).T[:, o.order]
    return fit_counts(count_switch(o, o.switch_index(s), weights=w), ties=ties)


FIXED = [n for n in expected() if n.startswith("fixed_")]
TD = [n for n in expected() if n.startswith("td_")]


@pytest.mark.parametrize("name", FIXED)
def test_fixed_groupings_match_r(name: str) -> None:
    c = expected()[name]
    s = fitted("fixed", c["ties"], c["weights"])
    v = int(c["grouping"][1:]) - 1
    coef = num(c["coef"])
    if np.isnan(coef):  # R: coefficient NA (a constant covariate): an empty group
        assert "empty group" in REASONS[s.reason[0, v]]
        assert np.isnan(s.beta[0, v]) and np.isnan(s.logrank[0, v])
        return
    assert rel(s.loglik0[0, v], num(c["loglik0"])) < TOL
    assert rel(s.logrank[0, v], num(c["logrank"])) < TOL
    assert rel(s.score[0, v], num(c["score"])) < TOL
    if "infinite" in c["warning"]:
        # R stops at a large finite coefficient; netsurv reports the limit and flags it
        assert s.beta[0, v] == -np.inf and not s.converged[0, v]
        assert REASONS[s.reason[0, v]].startswith("no events in group 1")
        assert rel(s.loglik[0, v], num(c["loglik"])) < 1e-9
        return
    assert s.converged[0, v]
    # R's coxph stops ~1e-9 short of the root; netsurv solves it exactly
    assert rel(s.beta[0, v], coef) < 1e-7
    assert rel(s.se[0, v], num(c["se"])) < 1e-7
    assert rel(s.loglik[0, v], num(c["loglik"])) < TOL
    assert rel(s.c_index[0, v], num(c["concordance"])) < TOL


@pytest.mark.parametrize("name", TD)
def test_time_dependent_groupings_match_r(name: str) -> None:
    c = expected()[name]
    s = fitted("td", c["ties"], c["weights"])
    v = int(c["grouping"][1:]) - 1
    # R's coxph stops ~1e-9 short of the root (absolute); the exact root is checked elsewhere
    assert rel(s.beta[0, v], num(c["coef"])) < 1e-6
    assert rel(s.se[0, v], num(c["se"])) < 1e-6
    assert rel(s.logrank[0, v], num(c["logrank"])) < TOL  # Mantel-Byar
    assert rel(s.loglik[0, v], num(c["loglik"])) < TOL
    assert rel(s.loglik0[0, v], num(c["loglik0"])) < TOL
    assert rel(s.score[0, v], num(c["score"])) < TOL
    assert rel(s.c_index[0, v], num(c["concordance"])) < TOL


def test_veteran_karnofsky_cutoffs_match_survdiff_and_coxph() -> None:
    vet = pd.read_csv(REFERENCE / "data" / "veteran.csv")
    cuts = [30, 40, 50, 60, 70, 75]
    o = sort_outcome(vet["time"].to_numpy(float), vet["status"].to_numpy(bool))
    g = np.stack([vet["karno"].to_numpy() <= c for c in cuts])[:, o.order]
    s = fit_counts(count_fixed(o, g))
    for j, cut in enumerate(cuts):
        c = expected()[f"veteran_karno_{cut}"]
        assert rel(s.logrank[0, j], num(c["logrank"])) < TOL
        assert rel(s.loglik[0, j], num(c["loglik"])) < TOL
        assert rel(s.beta[0, j], num(c["coef"])) < 1e-7
    # the maximally selected cut-off of SWEEP.md: karno <= 40, chi-square 44.50
    assert cuts[int(np.argmax(s.logrank[0]))] == 40
    assert round(float(s.logrank[0].max()), 2) == 44.50
