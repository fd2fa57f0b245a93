"""Each deliberate fault in the input is reported with its table, column, row key and rule."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import valid_tables
from typer.testing import CliRunner

import netsurv as ns
from netsurv.cli import app
from netsurv.io import write_tables

Tables = dict[str, pd.DataFrame]


def _set(table: str, row: int, column: str, value: object) -> Callable[[Tables], None]:
    def mutate(t: Tables) -> None:
        t[table].loc[row, column] = value

    return mutate


def _missing_column(t: Tables) -> None:
    t["patients"] = t["patients"].drop(columns="last_alive_date")


def _duplicate_patient(t: Tables) -> None:
    t["patients"] = pd.concat([t["patients"], t["patients"].iloc[[0]]], ignore_index=True)


def _cm_diameters(t: Tables) -> None:
    les = t["lesions"]
    p1 = les["patient_id"] == "P001"
    num = pd.to_numeric(les["long_axis_mm"], errors="coerce")
    p1 &= num.notna()
    les.loc[p1, "long_axis_mm"] = (num[p1] / 10).map(str)


def _six_targets(t: Tables) -> None:
    rows = [
        ("P003", "A01", f"T{k}", site, "target", "25", None, None, None)
        for k, site in zip(range(3, 7), ["lung", "lung", "bone", "peritoneum"], strict=True)
    ]
    extra = pd.DataFrame(rows, columns=t["lesions"].columns)
    t["lesions"] = pd.concat([t["lesions"], extra], ignore_index=True)


def _three_liver_targets(t: Tables) -> None:
    extra = pd.DataFrame(
        [("P002", "A01", "T3", "liver", "target", "30", None, None, None)],
        columns=t["lesions"].columns,
    )
    t["lesions"] = pd.concat([t["lesions"], extra], ignore_index=True)


def _unknown_patient_line(t: Tables) -> None:
    extra = pd.DataFrame(
        [
            {
                "patient_id": "P999",
                "line_id": "L1",
                "regimen": "lanreotide",
                "start_date": "2020-01-01",
            }
        ]
    )
    t["lines"] = pd.concat([t["lines"], extra], ignore_index=True)


# name: (mutation, table, column, row_key, rule)
FAULTS: dict[str, tuple[Callable[[Tables], None], str, str, str, str]] = {
    "missing column": (_missing_column, "patients", "last_alive_date", "", "missing_column"),
    "wrong type": (
        _set("lesions", 0, "long_axis_mm", "large"),
        "lesions",
        "long_axis_mm",
        "P001 / A01 / T1",
        "type_number",
    ),
    "comma decimal": (
        _set("lesions", 1, "long_axis_mm", "31,5"),
        "lesions",
        "long_axis_mm",
        "P001 / A02 / T1",
        "type_number",
    ),
    "negative diameter": (
        _set("lesions", 2, "long_axis_mm", "-4"),
        "lesions",
        "long_axis_mm",
        "P001 / A03 / T1",
        "range",
    ),
    "duplicate key": (_duplicate_patient, "patients", "patient_id", "P001", "duplicate_key"),
    "lesion without assessment": (
        _set("lesions", 0, "assessment_id", "A99"),
        "lesions",
        "assessment_id",
        "P001 / A99 / T1",
        "unknown_assessment",
    ),
    "scan after death": (
        _set("assessments", 8, "date", "2021-09-01"),
        "assessments",
        "date",
        "P002 / A05",
        "after_death",
    ),
    "death before last alive": (
        _set("patients", 1, "last_alive_date", "2021-10-01"),
        "patients",
        "death_date",
        "P002",
        "death_before_last_alive",
    ),
    "cm-looking diameters": (
        _cm_diameters,
        "lesions",
        "long_axis_mm",
        "P001 / A01 / T1",
        "unit_looks_like_cm",
    ),
    "node without short axis": (
        _set("lesions", 23, "short_axis_mm", None),
        "lesions",
        "short_axis_mm",
        "P003 / A04 / T2",
        "node_short_axis",
    ),
    "more than 5 targets": (_six_targets, "lesions", "role", "P003 / A01 / T1", "too_many_targets"),
    "more than 2 targets in an organ": (
        _three_liver_targets,
        "lesions",
        "site",
        "P002 / A01 / T1",
        "too_many_targets_per_organ",
    ),
    "baseline target too small": (
        _set("lesions", 8, "long_axis_mm", "8"),
        "lesions",
        "long_axis_mm",
        "P002 / A01 / T1",
        "baseline_target_size",
    ),
    "Excel serial date": (
        _set("lines", 1, "end_date", "43983"),
        "lines",
        "end_date",
        "P002 / L1",
        "excel_serial_date",
    ),
    "day-first date": (
        _set("patients", 0, "last_alive_date", "30/09/2021"),
        "patients",
        "last_alive_date",
        "P001",
        "type_date",
    ),
    "partial date": (
        _set("patients", 2, "diagnosis_date", "2020-01"),
        "patients",
        "diagnosis_date",
        "P003",
        "partial_date",
    ),
    "value not allowed": (
        _set("assessments", 0, "modality", "PET/CT"),
        "assessments",
        "modality",
        "P001 / A01",
        "allowed_values",
    ),
    "Ki-67 above 100": (
        _set("patients", 1, "ki67_pct", "180"),
        "patients",
        "ki67_pct",
        "P002",
        "range",
    ),
    "empty required value": (
        _set("lines", 0, "regimen", None),
        "lines",
        "regimen",
        "P001 / L1",
        "not_null",
    ),
    "empty key": (
        _set("patients", 2, "patient_id", None),
        "patients",
        "patient_id",
        "line 4",
        "not_null",
    ),
    "line for unknown patient": (
        _unknown_patient_line,
        "lines",
        "patient_id",
        "P999 / L1",
        "unknown_patient",
    ),
    "line ends before start": (
        _set("lines", 3, "end_date", "2019-01-01"),
        "lines",
        "end_date",
        "P003 / L1",
        "end_before_start",
    ),
    "unknown line_id": (
        _set("assessments", 0, "line_id", "L7"),
        "assessments",
        "line_id",
        "P001 / A01",
        "unknown_line",
    ),
    "not a yes/no": (
        _set("patients", 0, "functional", "maybe"),
        "patients",
        "functional",
        "P001",
        "type_boolean",
    ),
}


def _has(failures: pd.DataFrame, table: str, column: str, row_key: str, rule: str) -> bool:
    hit = (
        (failures["table"] == table)
        & (failures["column"] == column)
        & (failures["row_key"] == row_key)
        & (failures["rule"] == rule)
        & (failures["severity"] == "error")
    )
    return bool(hit.any())


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_is_reported_from_frames(name: str) -> None:
    mutate, table, column, row_key, rule = FAULTS[name]
    t = valid_tables()
    mutate(t)
    with pytest.raises(ns.ValidationError) as info:
        ns.Cohort.from_frames(**t)
    failures = info.value.failures
    assert _has(failures, table, column, row_key, rule), failures.to_string()
    assert row_key in str(info.value) or row_key == ""


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_is_reported_from_csv(name: str, tmp_path: Path) -> None:
    mutate, table, column, row_key, rule = FAULTS[name]
    t = valid_tables()
    mutate(t)
    write_tables(t, tmp_path)
    with pytest.raises(ns.ValidationError) as info:
        ns.read_cohort(tmp_path)
    assert _has(info.value.failures, table, column, row_key, rule)


def test_empty_file(tmp_path: Path) -> None:
    write_tables(valid_tables(), tmp_path)
    (tmp_path / "lesions.csv").write_text("")
    with pytest.raises(ns.ValidationError) as info:
        ns.read_cohort(tmp_path)
    f = info.value.failures
    assert (f["rule"] == "empty_file").any()
    assert f.loc[f["rule"] == "empty_file", "table"].item() == "lesions"


def test_missing_table_file_and_other_tables_still_checked(tmp_path: Path) -> None:
    t = valid_tables()
    t["patients"].loc[0, "ki67_pct"] = "-1"
    write_tables(t, tmp_path)
    (tmp_path / "lines.csv").unlink()
    with pytest.raises(ns.ValidationError) as info:
        ns.read_cohort(tmp_path)
    f = info.value.failures
    assert _has(f, "lines", "", "", "missing_table")
    assert _has(f, "patients", "ki67_pct", "P001", "range")


def test_non_utf8_csv_is_reported_and_still_checked(tmp_path: Path) -> None:
    t = valid_tables()
    t["lines"].loc[0, "regimen"] = "lanréotide"
    t["lines"].loc[1, "end_date"] = "2019-01-01"
    write_tables(t, tmp_path)
    path = tmp_path / "lines.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(ns.ValidationError) as info:
        ns.read_cohort(tmp_path)
    f = info.value.failures
    enc = f[f["rule"] == "encoding"]
    assert enc["table"].tolist() == ["lines"]
    assert enc["row_key"].tolist() == ["line 2"]
    assert _has(f, "lines", "end_date", "P002 / L1", "end_before_start")
    # the user's way out works
    t["lines"].loc[1, "end_date"] = "2020-06-01"
    write_tables(t, tmp_path)
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    cohort = ns.read_cohort(tmp_path, encoding="latin-1")
    assert cohort.lines.loc[0, "regimen"] == "lanréotide"


def test_ragged_csv_is_unreadable_not_a_traceback(tmp_path: Path) -> None:
    write_tables(valid_tables(), tmp_path)
    with (tmp_path / "patients.csv").open("a") as fh:
        fh.write('P004,2021-01-01,,F,"unclosed\n')
    with pytest.raises(ns.ValidationError) as info:
        ns.read_cohort(tmp_path)
    assert (info.value.failures["rule"] == "unreadable_file").any()


def test_folder_not_found() -> None:
    with pytest.raises(ns.ValidationError) as info:
        ns.read_cohort("/no/such/folder")
    assert info.value.failures["rule"].tolist()[0] == "folder_not_found"


def test_ambiguous_table(tmp_path: Path) -> None:
    t = valid_tables()
    write_tables(t, tmp_path)
    write_tables({"patients": t["patients"]}, tmp_path, format="parquet")
    with pytest.raises(ns.ValidationError) as info:
        ns.read_cohort(tmp_path)
    assert _has(info.value.failures, "patients", "", "", "ambiguous_table")


def test_cli_reports_every_fault_at_once(tmp_path: Path) -> None:
    """One folder with many faults: exit 2, and each fault named with table, column and key."""
    t = valid_tables()
    combined = [
        n
        for n in FAULTS
        if n not in ("missing column", "duplicate key", "empty key", "lesion without assessment")
    ]
    for name in combined:
        FAULTS[name][0](t)
    t["lines"].loc[2, "regimen"] = "lanréotide"
    data = tmp_path / "data"  # the report goes beside the data folder, never into it
    write_tables(t, data)
    path = data / "lines.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    report = tmp_path / "report.csv"
    result = CliRunner().invoke(app, ["validate", str(data), "--report", str(report)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    failures = pd.read_csv(report, keep_default_na=False)
    expected = [FAULTS[n][1:] for n in combined] + [("lines", "", "line 4", "encoding")]
    assert len(expected) >= 15
    for table, column, row_key, rule in expected:
        assert _has(failures, table, column, row_key, rule), (table, column, row_key, rule)
        assert f"{table}, row {row_key}" in result.output or row_key in result.output


def test_severity_can_be_lowered(tables: Tables) -> None:
    _three_liver_targets(tables)
    opts = ns.ValidationOptions(severity={"too_many_targets_per_organ": "warning"})
    cohort = ns.Cohort.from_frames(**tables, options=opts)
    assert cohort.warnings["rule"].tolist() == ["too_many_targets_per_organ"]
    off = ns.ValidationOptions(severity={"too_many_targets_per_organ": "off"})
    assert ns.Cohort.from_frames(
        **valid_tables() | {"lesions": tables["lesions"]}, options=off
    ).warnings.empty


def test_unknown_rule_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown validation rule"):
        ns.ValidationOptions(severity={"too_many_target": "warning"})
