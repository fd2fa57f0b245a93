"""Bad NET biomarker input is reported with table, column, row key and rule."""

from __future__ import annotations

import pandas as pd
import pytest

import netsurv as ns


def _tables() -> dict[str, pd.DataFrame]:
    patients = pd.DataFrame({"patient_id": ["P1"], "last_alive_date": ["2021-01-01"]})
    lines = pd.DataFrame(
        {"patient_id": ["P1"], "line_id": ["L1"], "regimen": ["Lu"], "start_date": ["2020-02-01"]}
    )
    assessments = pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P1"],
            "assessment_id": ["C", "S", "M"],
            "date": ["2020-01-20", "2020-01-22", "2020-01-25"],
            "modality": ["CT", "SST-PET", "MRI"],
            "liver_volume_ml": [1500.0, None, None],
        }
    )
    lesions = pd.DataFrame(
        {
            "patient_id": ["P1"] * 4,
            "assessment_id": ["C", "C", "S", "M"],
            "lesion_id": ["L1", "L2", "L1", "L1"],
            "site": ["liver"] * 4,
            "role": ["target"] * 4,
            "long_axis_mm": [40.0, 30.0, None, 41.0],
            "volume_ml": [30.0, 12.0, 28.0, None],
            "krenning_score": [None, None, 3, None],
            "adc": [None, None, None, 1100.0],
            "sst_avid": [None, None, True, None],
        }
    )
    return {"patients": patients, "lines": lines, "assessments": assessments, "lesions": lesions}


def _failures(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    with pytest.raises(ns.ValidationError) as err:
        ns.Cohort.from_frames(**t)
    return err.value.failures


def test_valid_biomarkers_load() -> None:
    c = ns.Cohort.from_frames(**_tables())
    assert c.lesions["krenning_score"].dtype == "Int64"
    assert c.lesions["sst_avid"].dtype == "boolean"
    assert c.assessments.loc[0, "liver_volume_ml"] == 1500.0


def test_krenning_outside_0_4_names_table_column_row_rule() -> None:
    t = _tables()
    t["lesions"].loc[2, "krenning_score"] = 5
    f = _failures(t)
    row = f[f["column"] == "krenning_score"].iloc[0]
    assert (row["table"], row["row_key"], row["rule"]) == ("lesions", "P1 / S / L1", "range")


def test_adc_in_wrong_unit_is_an_error_that_says_how_to_fix() -> None:
    t = _tables()
    t["lesions"].loc[3, "adc"] = 1.1  # 10^-3 mm^2/s typed as is
    f = _failures(t)
    row = f[f["rule"] == "adc_out_of_range"].iloc[0]
    assert (row["table"], row["column"], row["row_key"]) == ("lesions", "adc", "P1 / M / L1")
    assert "multiply by 1000" in row["message"]


def test_negative_adc_is_a_range_error() -> None:
    t = _tables()
    t["lesions"].loc[3, "adc"] = -5.0
    f = _failures(t)
    assert {"range", "adc_out_of_range"} <= set(f.loc[f["column"] == "adc", "rule"])


def test_liver_volume_below_its_lesions_is_an_error() -> None:
    """30 + 12 = 42 mL of liver lesions in a liver recorded as 40 mL: fraction > 1."""
    t = _tables()
    t["assessments"].loc[0, "liver_volume_ml"] = 40.0
    f = _failures(t)
    row = f[f["rule"] == "liver_volume_below_lesions"].iloc[0]
    assert (row["table"], row["column"], row["row_key"]) == (
        "assessments",
        "liver_volume_ml",
        "P1 / C",
    )
    assert row["value"] == 40.0


def test_avidity_on_the_wrong_modality_is_a_warning() -> None:
    t = _tables()
    t["lesions"].loc[0, "fdg_avid"] = True  # on a CT
    c = ns.Cohort.from_frames(**t)
    w = c.warnings[c.warnings["rule"] == "avidity_modality"]
    assert w[["table", "column", "row_key"]].values.tolist() == [
        ["lesions", "fdg_avid", "P1 / C / L1"]
    ]


def test_every_problem_at_once() -> None:
    t = _tables()
    t["lesions"].loc[2, "krenning_score"] = 7
    t["lesions"].loc[3, "adc"] = 9000.0
    t["assessments"].loc[0, "liver_volume_ml"] = 10.0
    f = _failures(t)
    assert {"range", "adc_out_of_range", "liver_volume_below_lesions"} <= set(f["rule"])
