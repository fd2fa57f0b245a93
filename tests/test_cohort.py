"""Cohort building: types, scan-to-line links, attrition, round trips through every format."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import valid_tables

import netsurv as ns

Tables = dict[str, pd.DataFrame]


def test_types_follow_the_schema(tables: Tables) -> None:
    c = ns.Cohort.from_frames(**tables)
    assert c.patients["last_alive_date"].dtype == "datetime64[ns]"
    assert c.patients["ki67_pct"].tolist() == [1.5, 8.0, 4.0]
    assert c.patients["functional"].tolist() == [True, False, False]
    assert c.lines["n_cycles"].dtype == "Int64"
    assert c.lesions["long_axis_mm"].dtype == "float64"
    # optional columns the source lacked exist, empty
    assert c.lesions["density_hu"].isna().all()
    assert c.lines["origin_date"].isna().all()
    # covariates pass through, typed when numeric
    assert c.patients["ecog"].tolist() == [0, 1, 0]


def test_coded_values_are_normalised(tables: Tables) -> None:
    tables["assessments"].loc[0, "modality"] = " ct "
    tables["lesions"].loc[0, "site"] = "Liver"
    c = ns.Cohort.from_frames(**tables)
    assert c.assessments.loc[0, "modality"] == "CT"
    assert c.lesions.loc[0, "site"] == "liver"


def test_scan_to_line_links_by_hand(tables: Tables) -> None:
    links = ns.Cohort.from_frames(**tables).assessment_lines
    got = {
        (r.patient_id, r.line_id, r.assessment_id): (r.role, r.days_from_start)
        for r in links.itertuples()
    }
    # P002: A04 (2020-05-27) is the last follow-up of L1 and the baseline of L2 (2020-06-10)
    assert got[("P002", "L1", "A04")] == ("follow_up", 331)
    assert got[("P002", "L2", "A04")] == ("baseline", -14)
    assert got[("P002", "L2", "A05")] == ("follow_up", 84)
    # P003: a CT and an SST-PET baseline, one per modality
    assert got[("P003", "L1", "A01")] == ("baseline", -11)
    assert got[("P003", "L1", "A02")] == ("baseline", -7)
    assert len(links) == 14


def test_scan_on_start_day_is_baseline_not_follow_up(tables: Tables) -> None:
    tables["assessments"].loc[0, "date"] = "2020-01-15"  # P001 L1 starts that day
    links = ns.Cohort.from_frames(**tables).assessment_lines
    row = links[(links["patient_id"] == "P001") & (links["assessment_id"] == "A01")]
    assert row[["role", "days_from_start"]].values.tolist() == [["baseline", 0]]


def test_baseline_window_is_configurable_and_attrition_lists_the_rest(tables: Tables) -> None:
    tables["assessments"].loc[0, "date"] = "2019-11-20"  # 56 days before P001 L1
    c = ns.Cohort.from_frames(**tables)
    att = c.attrition.set_index(["table", "row_key"])
    assert "more than 28 days" in att.loc[("assessments", "P001 / A01"), "reason"]
    assert "no baseline scan" in att.loc[("lines", "P001 / L1"), "reason"]
    assert set(c.warnings["rule"]) == {"unassigned_assessment", "no_baseline"}
    wide = ns.Cohort.from_frames(
        **valid_tables() | {"assessments": tables["assessments"]},
        options=ns.ValidationOptions(baseline_window_days=60),
    )
    assert wide.attrition.empty


@pytest.mark.parametrize(("days_before", "kept"), [(28, True), (29, False)])
def test_baseline_window_default_is_28_days(tables: Tables, days_before: int, kept: bool) -> None:
    """RECIST 1.1 section 3.1 (Eisenhauer 2009): "All baseline evaluations should be performed
    as close as possible to the treatment start and never more than 4 weeks before the
    beginning of the treatment."  P001's L1 starts 2020-01-15: a scan 28 days before is its
    baseline; 29 days before it is not, and the line is counted in the attrition table."""
    start = pd.Timestamp("2020-01-15")
    tables["assessments"].loc[0, "date"] = (
        (start - pd.Timedelta(days=days_before)).date().isoformat()
    )
    c = ns.Cohort.from_frames(**tables)
    assert ns.ValidationOptions().baseline_window_days == 28
    att = c.attrition.set_index(["table", "row_key"])
    assert (("lines", "P001 / L1") in att.index) is not kept
    if not kept:
        assert att.loc[("lines", "P001 / L1"), "reason"] == (
            "no baseline scan within 28 days before start: response cannot be assessed"
        )


def test_explicit_line_id_is_respected(tables: Tables) -> None:
    ass = tables["assessments"]
    ass["line_id"] = None
    ass.loc[(ass["patient_id"] == "P002") & (ass["assessment_id"] == "A04"), "line_id"] = "L1"
    links = ns.Cohort.from_frames(**tables).assessment_lines
    a04 = links[(links["patient_id"] == "P002") & (links["assessment_id"] == "A04")]
    assert a04[["line_id", "role", "assigned_by"]].values.tolist() == [
        ["L1", "follow_up", "line_id"]
    ]
    no_base = ns.Cohort.from_frames(**tables).attrition
    assert no_base["row_key"].tolist() == ["P002 / L2"]


def test_patient_without_line_is_in_attrition(tables: Tables) -> None:
    extra = pd.DataFrame([{"patient_id": "P004", "last_alive_date": "2021-01-01"}])
    tables["patients"] = pd.concat([tables["patients"], extra], ignore_index=True)
    c = ns.Cohort.from_frames(**tables)
    assert c.attrition.to_dict("records") == [
        {
            "table": "patients",
            "row_key": "P004",
            "stage": "line assignment",
            "reason": "patient has no treatment line",
        }
    ]
    assert c.n_patients == 4


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_round_trip_through_files(fmt: str, tmp_path: Path) -> None:
    c = ns.Cohort.from_frames(**valid_tables())
    ns.io.write_cohort(c, tmp_path, format=fmt)  # type: ignore[arg-type]
    back = ns.read_cohort(tmp_path)
    for name in ("patients", "lines", "assessments", "lesions"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(c, name), check_dtype=False)
    pd.testing.assert_frame_equal(back.assessment_lines, c.assessment_lines)


def test_excel_one_file_per_table_and_real_date_cells(tmp_path: Path) -> None:
    c = ns.Cohort.from_frames(**valid_tables())
    for name in ("patients", "lines", "assessments", "lesions"):
        getattr(c, name).to_excel(tmp_path / f"{name}.xlsx", index=False)
    back = ns.read_cohort(tmp_path)
    assert back.patients["death_date"].equals(c.patients["death_date"])


def test_csv_is_byte_identical_on_rewrite(tmp_path: Path) -> None:
    c = ns.Cohort.from_frames(**valid_tables())
    ns.io.write_cohort(c, tmp_path / "a")
    ns.io.write_cohort(ns.read_cohort(tmp_path / "a"), tmp_path / "b")
    for f in ("patients.csv", "lines.csv", "assessments.csv", "lesions.csv"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


def test_tables_are_not_modified(tables: Tables) -> None:
    before = {k: v.copy() for k, v in tables.items()}
    ns.Cohort.from_frames(**tables)
    for k in tables:
        pd.testing.assert_frame_equal(tables[k], before[k])


def test_summary_and_subset(tables: Tables) -> None:
    c = ns.Cohort.from_frames(**tables)
    s = c.summary().set_index("item")["value"]
    assert s["patients"] == 3
    assert s["deaths"] == 1
    assert s["treatment lines"] == 4
    assert s["modality: SST-PET"] == 1
    assert s["baseline target lesions per line, median"] == 2.0
    sub = c.subset(["P002"])
    assert sub.n_patients == 1
    assert set(sub.lines["line_id"]) == {"L1", "L2"}
    assert set(sub.assessment_lines["patient_id"]) == {"P002"}
    with pytest.raises(KeyError, match="P404"):
        c.subset(["P404"])


def test_not_a_dataframe_is_a_clear_error(tables: Tables) -> None:
    with pytest.raises(TypeError, match="lesions must be a pandas DataFrame"):
        ns.Cohort.from_frames(**(tables | {"lesions": [1, 2]}))  # type: ignore[arg-type]


def test_demo_cohort_loads() -> None:
    demo = ns.load_demo()
    assert demo.n_patients >= 3
    assert demo.warnings[demo.warnings["severity"] == "error"].empty


def test_a_cohort_without_scans_builds_and_gives_endpoints(tables) -> None:
    tables["assessments"] = tables["assessments"].iloc[:0]
    tables["lesions"] = tables["lesions"].iloc[:0]
    cohort = ns.Cohort.from_frames(**tables)
    assert cohort.assessment_lines.empty
    ep = ns.derive_endpoints(cohort, "recist1.1", endpoints=["PFS", "OS"]).table
    pfs = ep[ep["endpoint"] == "PFS"]
    assert (pfs["event_or_censor_reason"] == "no baseline tumour assessment").all()
    assert len(ep[ep["endpoint"] == "OS"]) == 4


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_extra_columns_read_only_those_named(fmt: str, tmp_path: Path) -> None:
    tables = valid_tables()
    tables["patients"] = tables["patients"].assign(notes="free text", Unnamed=None)
    c = ns.Cohort.from_frames(**tables)
    ns.io.write_cohort(c, tmp_path, format=fmt)  # type: ignore[arg-type]
    every = ns.read_cohort(tmp_path)  # by default undeclared columns pass through
    assert {"ecog", "notes"} <= set(every.patients.columns)
    chosen = ns.read_cohort(tmp_path, extra_columns=["ecog"])
    assert "ecog" in chosen.patients and "notes" not in chosen.patients
    pd.testing.assert_frame_equal(
        chosen.patients, every.patients.drop(columns=["notes", "Unnamed"]), check_dtype=False
    )
    pd.testing.assert_frame_equal(chosen.lesions, every.lesions)


def test_parquet_reads_only_the_columns_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = valid_tables()
    tables["patients"] = tables["patients"].assign(notes="free text")
    ns.io.write_cohort(ns.Cohort.from_frames(**tables), tmp_path, format="parquet")
    asked: list[list[str] | None] = []
    read = pd.read_parquet

    def spy(path: object, columns: list[str] | None = None, **kw: object) -> pd.DataFrame:
        asked.append(columns)
        return read(path, columns=columns, **kw)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(pd, "read_parquet", spy)
    ns.read_cohort(tmp_path, extra_columns=["ecog"])
    assert all(cols is not None and "notes" not in cols for cols in asked)
    assert any(cols is not None and "ecog" in cols for cols in asked)
