"""User-facing arguments of the endpoint functions: a bad value is a ConfigError that names the
argument and what it accepts, raised before any classification; good values still work."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hand_cohort import hand_cohort

import netsurv as ns
from netsurv.endpoints import derive_from_timepoints, endpoint_matrix


@pytest.fixture(scope="module")
def cohort() -> ns.Cohort:
    return hand_cohort({84: "SD", 168: "PD"}, death=300)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"cutoff_date": "notadate"},
            r"cutoff_date 'notadate' is not a date; give 'YYYY-MM-DD' \(ISO 8601\)",
        ),
        ({"cutoff_date": "2020-02-30"}, "cutoff_date '2020-02-30' is not a date"),
        ({"cutoff_date": ""}, "cutoff_date '' is not a date"),  # pandas reads it as NaT
        ({"cutoff_date": "01/02/2020"}, "cutoff_date '01/02/2020' is not a date"),  # ambiguous
        ({"cutoff_date": "2020-06"}, "cutoff_date '2020-06' is not a date"),  # which day?
        ({"cutoff_date": 20200101}, "cutoff_date 20200101 is not a date"),  # not 1970 + 20 ms
        ({"cutoff_date": pd.NaT}, "cutoff_date NaT is not a date"),
        ({"cutoff_date": pd.Timestamp("2020-06-01", tz="UTC")}, "has a time zone"),
        ({"endpoints": ["PFS3"]}, r"unknown endpoint 'PFS3'; use one of \['DoR', 'OS'"),
        ({"endpoints": ["pfs"]}, r"unknown endpoint 'pfs' \(did you mean 'PFS'\?\)"),
        ({"endpoints": []}, "endpoints must name at least one endpoint"),
        ({"endpoints": ["PFS", "OS", "PFS"]}, r"\['PFS'\] given more than once"),
        ({"censoring": "fda"}, r"unknown censoring scheme 'fda'; use one of \['admiralonco'"),
        ({"censoring": "FDA2018"}, r"\(did you mean 'fda2018'\?\)"),
        ({"censoring": {"name": "fda2018"}}, "unknown censoring scheme {'name': 'fda2018'}"),
        ({"origin": "start"}, "origin must be 'line_start', 'origin_date' or 'baseline_scan'"),
    ],
)
def test_bad_arguments_are_config_errors(
    cohort: ns.Cohort, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ns.ConfigError, match=message):
        ns.derive_endpoints(cohort, "recist1.1", **kwargs)  # type: ignore[arg-type]
    tp = cohort.assessment_lines.query("role == 'follow_up'").assign(criterion="r", response="SD")
    with pytest.raises(ns.ConfigError, match=message):
        derive_from_timepoints(cohort, tp, **kwargs)  # type: ignore[arg-type]


def test_checked_before_classifying(cohort: ns.Cohort, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("classified before checking the arguments")

    monkeypatch.setattr("netsurv.endpoints.derive.classify", fail)
    with pytest.raises(ns.ConfigError, match="cutoff_date"):
        ns.derive_endpoints(cohort, "recist1.1", cutoff_date="31/12/2020")
    with pytest.raises(ns.ConfigError, match="cohort must be a netsurv Cohort"):
        ns.derive_endpoints(cohort.patients, "recist1.1")  # type: ignore[arg-type]


def test_the_array_engine_checks_them_too(cohort: ns.Cohort) -> None:
    mtx = ns.classify_matrix(cohort, ["recist1.1"])
    with pytest.raises(ns.ConfigError, match="cutoff_date 'notadate' is not a date"):
        endpoint_matrix(cohort, mtx, cutoff_date="notadate")
    with pytest.raises(ns.ConfigError, match="unknown censoring scheme"):
        endpoint_matrix(cohort, mtx, censoring="fda")


@pytest.mark.parametrize(
    "cutoff",
    [
        "2020-05-01",
        dt.date(2020, 5, 1),
        pd.Timestamp("2020-05-01 15:30"),
        np.datetime64("2020-05-01"),
    ],
)
def test_cutoff_date_forms(cohort: ns.Cohort, cutoff: object) -> None:
    # cut-off on day 121: PD (day 168) and death (day 300) after it; OS censored at the cut-off
    t = ns.derive_endpoints(cohort, "recist1.1", cutoff_date=cutoff).table.set_index("endpoint")  # type: ignore[arg-type]
    assert t.loc["PFS", ["days", "event", "cnsr"]].tolist() == [85, 0, 1]
    assert t.loc["OS", ["days", "event", "event_or_censor_reason"]].tolist() == [
        122,
        0,
        "data cut-off",
    ]


def test_a_single_endpoint_name_needs_no_list(cohort: ns.Cohort) -> None:
    t = ns.derive_endpoints(cohort, "recist1.1", endpoints="PFS").table  # type: ignore[arg-type]
    assert t[["endpoint", "days", "event"]].iloc[0].tolist() == ["PFS", 169, 1]


def test_a_criterion_named_twice_is_a_config_error(cohort: ns.Cohort) -> None:
    tp = ns.classify(cohort, "recist1.1").table
    with pytest.raises(ns.ConfigError, match=r"criteria must be unique, repeated: \['recist1.1'\]"):
        derive_from_timepoints(cohort, tp, criteria=["recist1.1", "recist1.1"])
