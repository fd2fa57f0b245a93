"""ADaM ADTR in (``read_adtr``): sums of diameters as the scan-level input."""

from __future__ import annotations

import pandas as pd
import pytest

import netsurv as ns


def _first_line_cohort_via_adtr(value: str) -> tuple[ns.Cohort, pd.DataFrame, ns.Timepoints]:
    """The demo's first lines, and the same lines rebuilt from their ADTR sums.

    The ADTR is netsurv's own (``build_adtr``) of RECIST 1.1; new lesions and the non-target
    status come from the demo's assessments (ADTR does not carry them).
    """
    demo = ns.load_demo()
    tp = ns.classify(demo, "recist1.1")
    first = demo.lines.sort_values(["patient_id", "start_date"]).drop_duplicates("patient_id")
    keep = pd.MultiIndex.from_frame(first[["patient_id", "line_id"]])
    adtr = ns.io.build_adtr(tp)
    adtr = adtr[pd.MultiIndex.from_arrays([adtr["USUBJID"], adtr["LINEID"]]).isin(keep)]
    t = ns.io.read_adtr(adtr, value=value)  # type: ignore[arg-type]
    scans = demo.assessments[
        ["patient_id", "assessment_id", "modality", "nontarget_status", "new_lesion"]
    ]
    ass = t.assessments.drop(columns="modality").merge(scans, on=["patient_id", "assessment_id"])
    patients = demo.patients[demo.patients["patient_id"].isin(ass["patient_id"])]
    lines = first[first["patient_id"].isin(ass["patient_id"])]
    cohort = ns.Cohort.from_frames(patients, lines, ass, tumour_burden=t.tumour_burden)
    return cohort, lines, tp


def test_adtr_sums_classify_as_the_lesions_did() -> None:
    cohort, lines, tp = _first_line_cohort_via_adtr("AVAL")
    assert cohort.lesions.empty and len(cohort.tumour_burden) > 1000
    again = ns.classify(cohort, "recist1.1")
    assert again.attrition.empty
    cols = ["patient_id", "line_id", "assessment_id", "value", "response", "reason"]
    before = tp.table.merge(lines[["patient_id", "line_id"]])[cols]
    after = again.table[cols]
    key = ["patient_id", "line_id", "assessment_id"]
    pd.testing.assert_frame_equal(
        before.sort_values(key).reset_index(drop=True),
        after.sort_values(key).reset_index(drop=True),
    )
    assert set(after["reason"]) >= {"size_pr", "sum_pd", "missing_lesion", "new_lesion"}


def test_adtr_percent_changes_need_a_relative_criterion() -> None:
    cohort, lines, _ = _first_line_cohort_via_adtr("PCHG")
    out = ns.classify(cohort, "recist1.1")
    assert out.table.empty
    assert out.attrition["reason"].str.startswith("the absolute rule").all()
    assert len(out.attrition) == len(lines)


def test_adtr_errors_name_every_problem() -> None:
    adtr = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S2"],
            "PARAMCD": "SUMDIAM",
            "AVISIT": ["BASELINE", "WEEK 8", "WEEK 8", "BASELINE"],
            "ADT": ["2020-01-05", "2020-03-04", "2020-03-04", "05/01/2020"],
            "AVAL": ["50", "34", "35", "ten"],
        }
    )
    with pytest.raises(ns.ValidationError) as err:
        ns.io.read_adtr(adtr)
    got = set(zip(err.value.failures["column"], err.value.failures["row_key"], strict=True))
    got_rules = set(err.value.failures["rule"])
    assert got == {("ADT", "S2 / BASELINE"), ("AVAL", "S2 / BASELINE"), ("AVAL", "S1 / WEEK 8")}
    assert got_rules == {"type_date", "type_number", "duplicate_key"}
    with pytest.raises(ns.ConfigError, match="no PARAMCD in"):
        ns.io.read_adtr(adtr.assign(PARAMCD="LDIAM1"))


def test_adtr_file_round_trip(tmp_path) -> None:
    adtr = pd.DataFrame(
        {
            "USUBJID": "S1",
            "PARAMCD": "SDIAM",
            "ADT": ["2020-01-05", "2020-03-04"],
            "AVAL": [5.0, 3.2],
            "AVALU": "cm",
        }
    )
    adtr.to_csv(tmp_path / "adtr.csv", index=False)
    t = ns.io.read_adtr(tmp_path / "adtr.csv")
    assert t.tumour_burden["unit"].tolist() == ["cm", "cm"]
    assert t.assessments["assessment_id"].tolist() == ["2020-01-05", "2020-03-04"]
