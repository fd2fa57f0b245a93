"""Line selection (filters with attrition) and Table 1."""

from __future__ import annotations

import pandas as pd
import pytest

import netsurv as ns
from netsurv.selection import select_lines
from netsurv.tables import baseline_frame, table_one


@pytest.fixture(scope="module")
def cohort() -> ns.Cohort:
    from conftest import valid_tables

    return ns.Cohort.from_frames(**valid_tables())


def test_every_line_is_kept_or_listed_with_the_first_failed_filter(cohort: ns.Cohort) -> None:
    kept, left = select_lines(cohort, regimen_class=["PRRT"], ki67_min=5)
    assert kept[["patient_id", "line_id"]].values.tolist() == [["P002", "L2"]]
    reasons = dict(zip(left["row_key"], left["reason"], strict=True))
    assert reasons == {
        "P001 / L1": "regimen_class 'SSA' not in ['PRRT']",
        "P002 / L1": "regimen_class 'SSA' not in ['PRRT']",
        "P003 / L1": "ki67_pct 4 outside [5, inf]",
    }
    assert set(left["stage"]) == {"selection"}


def test_line_numbers_dates_and_patient_fields(cohort: ns.Cohort) -> None:
    kept, _ = select_lines(cohort, line_number=[2])
    assert kept[["patient_id", "line_id", "line_number"]].values.tolist() == [["P002", "L2", 2]]
    kept, left = select_lines(cohort, start_from="2020-01-01", start_to="2020-03-31")
    assert sorted(kept["patient_id"]) == ["P001", "P003"]
    assert "line starts before 2020-01-01" in set(left["reason"])
    kept, _ = select_lines(cohort, primary_site="pancreas", functional=["no"])
    assert kept["patient_id"].unique().tolist() == ["P002"]
    with pytest.raises(ns.ConfigError, match="at least one value"):
        select_lines(cohort, grade=[])


def test_table_one_counts_and_medians(cohort: ns.Cohort) -> None:
    t1 = table_one(baseline_frame(cohort), by="regimen_class").set_index(["variable", "level"])
    assert t1.loc[("n", ""), "Overall"] == "4" and t1.loc[("n", ""), "PRRT"] == "2"
    assert t1.loc[("grade", "G2"), "Overall"] == "3 (75.0 %)"
    assert t1.loc[("ki67_pct", "median [IQR]"), "SSA"] == "4.8 [3.1, 6.4]"  # 1.5 and 8 (P001, P002)
    age = baseline_frame(cohort).set_index(["patient_id", "line_id"])["age_years"]
    assert age[("P001", "L1")] == pytest.approx(
        (pd.Timestamp("2020-01-15") - pd.Timestamp("1955-04-02")).days / 365.25
    )


def test_table_one_missing_values_and_errors() -> None:
    df = pd.DataFrame(
        {"grade": ["G1", None, "G2"], "ki67_pct": [1.0, None, 10.0], "arm": ["a", "a", "b"]}
    )
    t1 = table_one(df, by="arm", categorical=["grade"], continuous=["ki67_pct"]).set_index(
        ["variable", "level"]
    )
    assert t1.loc[("grade", "missing"), "a"] == "1"
    assert t1.loc[("grade", "G1"), "a"] == "1 (100.0 %)"  # percentages among known values
    with pytest.raises(ns.ConfigError, match="no column 'x'"):
        table_one(df, by="x")
