"""The optional ``markers`` table: validation (naming table, column, row key and rule), unit
spellings, and the readers (folder, SDTM LB, REDCap) that fill it."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import valid_tables
from sdtm_build import domains

import netsurv as ns
from netsurv.io import read_sdtm

MARKERS = pd.DataFrame(
    {
        "patient_id": ["P001", "P001", "P003"],
        "marker": ["cga", "CgA", "5-hiaa"],
        "date": ["2020-01-10", "2020-04-08", "2020-02-28"],
        "value": ["240", "180.5", "35"],
        "unit": ["ug/L", "µg / L", "mg/d"],
        "uln": ["100", "100", "8"],
    }
)


def _failures(markers: pd.DataFrame) -> pd.DataFrame:
    with pytest.raises(ns.ValidationError) as err:
        ns.Cohort.from_frames(**valid_tables(), markers=markers)
    return err.value.failures


def test_markers_are_typed_and_units_spelled_one_way() -> None:
    c = ns.Cohort.from_frames(**valid_tables(), markers=MARKERS)
    m = c.markers
    assert m["marker"].tolist() == ["CgA", "CgA", "5-HIAA"]
    assert m["unit"].tolist() == ["ng/mL", "ng/mL", "mg/24h"]  # µg/L is ng/mL; mg/d is mg/24h
    assert m["value"].tolist() == [240.0, 180.5, 35.0]
    assert m["date"].iloc[0] == pd.Timestamp("2020-01-10")
    assert c.summary().set_index("item").loc["marker measurements", "value"] == 3


def test_a_cohort_without_markers_has_an_empty_typed_table() -> None:
    m = ns.Cohort.from_frames(**valid_tables()).markers
    assert m.empty and m.columns.tolist() == [
        "patient_id",
        "marker",
        "date",
        "value",
        "unit",
        "uln",
    ]
    assert str(m["date"].dtype) == "datetime64[ns]" and str(m["value"].dtype) == "float64"


def test_bad_markers_are_named_by_table_column_row_and_rule() -> None:
    bad = pd.DataFrame(
        {
            "patient_id": ["P001", "P001", "P001", "P001", "P002", "P999"],
            "marker": ["CgA", "CgA", "NSE", "NSE", "CgA", "CgA"],
            "date": [
                "2020-01-10",
                "2020-04-08",
                "2020-04-08",
                "2020-04-08",
                "2021-09-01",  # P002 died 2021-08-01
                "2020-01-01",
            ],
            "value": ["240", "-3", "12", "13", "50", "10"],
            "unit": ["mmol/L", "ng/mL", "ng/mL", "ng/mL", "ng/mL", "ng/mL"],
            "uln": ["100", "100", "0", "16", "100", "100"],
        }
    )
    f = _failures(bad)
    got = set(zip(f["table"], f["column"], f["row_key"], f["rule"], strict=True))
    assert ("markers", "unit", "P001 / CgA / 2020-01-10", "marker_unit") in got  # CgA in mmol/L
    assert ("markers", "value", "P001 / CgA / 2020-04-08", "range") in got  # below 0
    assert ("markers", "uln", "P001 / NSE / 2020-04-08", "range") in got  # ULN 0
    dup = f[f["rule"] == "duplicate_key"]
    assert dup["row_key"].tolist() == ["P001 / NSE / 2020-04-08"] * 2
    assert dup["column"].iloc[0] == "patient_id, marker, date"
    assert ("markers", "date", "P002 / CgA / 2021-09-01", "after_death") in got
    assert ("markers", "patient_id", "P999 / CgA / 2020-01-01", "unknown_patient") in got
    unit = f[f["rule"] == "marker_unit"].iloc[0]
    assert unit["value"] == "mmol/L"
    assert unit["message"].startswith("CgA is not reported in this unit; use one of ng/mL, nmol/L")
    assert (f["severity"] == "error").all()


def test_missing_unit_and_value_are_required() -> None:
    bad = MARKERS.assign(unit=[None, "ng/mL", "mg/24h"], value=["240", None, "35"])
    f = _failures(bad)
    got = set(zip(f["column"], f["row_key"], f["rule"], strict=True))
    assert ("unit", "P001 / CgA / 2020-01-10", "not_null") in got
    assert ("value", "P001 / CgA / 2020-04-08", "not_null") in got


def test_a_change_of_unit_is_a_warning_on_the_first_changed_measurement() -> None:
    m = MARKERS.assign(unit=["ng/mL", "nmol/L", "mg/24h"])
    c = ns.Cohort.from_frames(**valid_tables(), markers=m)
    w = c.warnings[c.warnings["rule"] == "marker_unit_mixed"]
    assert w[["table", "column", "row_key", "value"]].values.tolist() == [
        ["markers", "unit", "P001 / CgA / 2020-04-08", "nmol/L"]
    ]


def test_other_markers_take_any_unit() -> None:
    m = MARKERS.assign(marker=["other", "other", "5-HIAA"], unit=["kU/L", "kU/L", "mg/24h"])
    c = ns.Cohort.from_frames(**valid_tables(), markers=m)
    assert c.markers["unit"].tolist()[:2] == ["kU/L", "kU/L"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_folder_round_trip_keeps_the_markers(tmp_path, fmt: str) -> None:
    c = ns.Cohort.from_frames(**valid_tables(), markers=MARKERS)
    files = ns.io.write_cohort(c, tmp_path, format=fmt)
    if fmt != "xlsx":
        assert (tmp_path / f"markers.{fmt}") in files
    back = ns.read_cohort(tmp_path)
    pd.testing.assert_frame_equal(back.markers, c.markers)


def test_a_folder_without_markers_reads_as_before(tmp_path) -> None:
    ns.io.write_cohort(ns.Cohort.from_frames(**valid_tables()), tmp_path)
    assert not (tmp_path / "markers.csv").exists()
    assert ns.read_cohort(tmp_path).markers.empty


def test_sdtm_lb_markers() -> None:
    """LB: two CgA results of S1 (one in ug/L, spelled canonically), a haemoglobin result
    (not a marker, ignored) and a CgA record NOT DONE (attrition)."""
    lb = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S1"],
            "LBSEQ": [1, 2, 3, 4],
            "LBTESTCD": ["CHROMGRA", "HGB", "CHROMGRA", "CHROMGRA"],
            "LBTEST": ["Chromogranin A", "Hemoglobin", "Chromogranin A", "Chromogranin A"],
            "LBSTRESN": [310.0, 12.9, 150.0, None],
            "LBSTRESU": ["ug/L", "g/dL", "ng/mL", "ng/mL"],
            "LBSTNRHI": [100.0, 17.0, 100.0, 100.0],
            "LBSTAT": ["", "", "", "NOT DONE"],
            "LBDTC": ["2021-01-05", "2021-01-05", "2021-03-01", "2021-05-01"],
        }
    )
    cohort = read_sdtm(domains(LB=lb))
    m = cohort.markers
    assert m[["patient_id", "marker", "value", "unit", "uln"]].values.tolist() == [
        ["S1", "CgA", 310.0, "ng/mL", 100.0],
        ["S1", "CgA", 150.0, "ng/mL", 100.0],
    ]
    att = cohort.attrition[cohort.attrition["table"] == "LB"]
    assert att[["row_key", "reason"]].values.tolist() == [
        ["S1 / 4", "CgA record without a numeric result (LBSTAT NOT DONE)"]
    ]


def test_sdtm_lb_partial_date_is_an_error_naming_the_record() -> None:
    lb = pd.DataFrame(
        {
            "USUBJID": ["S1"],
            "LBSEQ": [7],
            "LBTEST": ["Chromogranin A"],
            "LBSTRESN": [310.0],
            "LBSTRESU": ["ng/mL"],
            "LBDTC": ["2021-01"],
        }
    )
    with pytest.raises(ns.ValidationError) as err:
        read_sdtm(domains(LB=lb))
    f = err.value.failures
    assert f[["table", "column", "row_key", "rule"]].values.tolist() == [
        ["LB", "LBDTC", "S1 / 7", "partial_date"]
    ]


def test_redcap_markers_section() -> None:
    export = pd.DataFrame(
        {
            "record_id": ["7", "7", "7", "7", "7"],
            "redcap_event_name": ["base_arm_1"] * 5,
            "redcap_repeat_instrument": [None, "line", "scan", "lesion", "lab"],
            "redcap_repeat_instance": [None, "1", "1", "1", "1"],
            "last_seen": ["2021-06-01", None, None, None, None],
            "drug": [None, "lanreotide", None, None, None],
            "drug_start": [None, "2021-01-10", None, None, None],
            "scan_date": [None, None, "2021-01-04", None, None],
            "les_scan": [None, None, None, "1", None],
            "les_diam": [None, None, None, "31", None],
            "lab_test": [None, None, None, None, "1"],
            "lab_date": [None, None, None, None, "2021-01-05"],
            "lab_value": [None, None, None, None, "212"],
            "lab_unit": [None, None, None, None, "ng/ml"],
            "lab_uln": [None, None, None, None, "98"],
        }
    )
    mapping = {
        "record_id": "record_id",
        "patients": {"last_alive_date": "last_seen"},
        "lines": {
            "instrument": "line",
            "line_id": "redcap_repeat_instance",
            "regimen": "drug",
            "start_date": "drug_start",
        },
        "assessments": {
            "instrument": "scan",
            "assessment_id": "redcap_repeat_instance",
            "date": "scan_date",
            "modality": {"field": "scan_date", "values": {"2021-01-04": "CT"}},
        },
        "lesions": {
            "instrument": "lesion",
            "assessment_id": "les_scan",
            "lesion_id": "redcap_repeat_instance",
            "long_axis_mm": "les_diam",
            "site": {"field": "les_scan", "values": {"1": "liver"}},
            "role": {"field": "les_scan", "values": {"1": "target"}},
        },
        "markers": {
            "instrument": "lab",
            "marker": {"field": "lab_test", "values": {"1": "CgA"}},
            "date": "lab_date",
            "value": "lab_value",
            "unit": "lab_unit",
            "uln": "lab_uln",
        },
    }
    cohort = ns.io.read_redcap(export, mapping=mapping)
    assert cohort.markers[["patient_id", "marker", "value", "unit", "uln"]].values.tolist() == [
        ["7", "CgA", 212.0, "ng/mL", 98.0]
    ]
    without = {k: v for k, v in mapping.items() if k != "markers"}
    assert ns.io.read_redcap(export, mapping=without).markers.empty
