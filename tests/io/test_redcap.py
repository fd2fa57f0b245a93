"""REDCap longitudinal export: the example project imports and validates; broken mappings and
undecodable codes fail with errors naming the field."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

import netsurv as ns
from netsurv.io import read_redcap

EXAMPLE = Path(__file__).resolve().parents[2] / "analyses" / "redcap_example"


def mapping() -> dict:
    return tomllib.loads((EXAMPLE / "mapping.toml").read_text(encoding="utf-8"))


def load(**kw: object) -> ns.Cohort:
    args = {"mapping": EXAMPLE / "mapping.toml", "data_dictionary": EXAMPLE / "data_dictionary.csv"}
    args.update(kw)
    return read_redcap(EXAMPLE / "export.csv", **args)  # type: ignore[arg-type]


def test_example_imports_and_validates() -> None:
    c = load()
    assert (c.n_patients, len(c.lines), len(c.assessments), len(c.lesions)) == (3, 4, 11, 23)
    assert c.warnings.empty and c.attrition.empty
    p = c.patients.set_index("patient_id")
    assert p.loc["101", ["sex", "primary_site", "grade"]].tolist() == ["M", "small_intestine", "G2"]
    assert p.loc["102", "death_date"] == pd.Timestamp("2021-11-20")
    ln = c.lines.set_index(["patient_id", "line_id"])
    assert ln.loc[("102", "1"), ["regimen_class", "end_reason"]].tolist() == ["SSA", "progression"]
    a = c.assessments.set_index(["patient_id", "assessment_id"])
    assert a.loc[("101", "2"), "modality"] == "SST-PET"
    assert bool(a.loc[("103", "3"), "new_lesion"])
    les = c.lesions.set_index(["patient_id", "assessment_id", "lesion_id"])
    assert les.loc[("102", "1", "T2"), ["site", "short_axis_mm"]].tolist() == ["lymph_node", 18.0]
    assert les.loc[("101", "2", "T1"), "volume_ml"] == 48.5


def test_example_responses_by_hand() -> None:
    c = load()
    bor = ns.best_response(ns.classify(c, ["recist1.1", "reader"]))
    got = bor.set_index(["criterion", "patient_id", "line_id"])["bor"]
    # 101: 72 -> 59 -> 48 mm (-33 %): PR.  102 L1: SD then +33 % / +14 mm (PD after SD).
    assert got[("recist1.1", "101", "1")] == "PR"
    assert got[("recist1.1", "102", "1")] == "SD"
    assert got[("reader", "101", "1")] == "PR"
    tp = ns.classify(c, "recist1.1").table.set_index(["patient_id", "line_id", "assessment_id"])
    assert tp.loc[("102", "1", "3"), ["value", "response"]].tolist() == [57.0, "PD"]
    assert tp.loc[("103", "1", "3"), ["response", "reason"]].tolist() == ["PD", "new_lesion"]


def test_field_missing_from_export_names_the_field() -> None:
    m = mapping()
    m["assessments"]["date"] = "img_dte"
    with pytest.raises(
        ns.ConfigError,
        match=r"\[assessments\] date = 'img_dte': field 'img_dte' is not in the export",
    ):
        load(mapping=m)


def test_field_missing_from_dictionary() -> None:
    dd = pd.read_csv(EXAMPLE / "data_dictionary.csv", dtype=str)
    dd = dd[dd["Variable / Field Name"] != "tx_regimen"]
    with pytest.raises(
        ns.ConfigError, match=r"\[lines\] regimen = 'tx_regimen'.*not in the data dictionary"
    ):
        load(data_dictionary=dd)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(visits={}), r"unknown section\(s\) \['visits'\]"),
        (lambda m: m.pop("lesions"), r"lacks section\(s\) \['lesions'\]"),
        (
            lambda m: m["lines"].pop("start_date"),
            r"\[lines\] lacks required column\(s\) \['start_date'\]",
        ),
        (
            lambda m: m["lines"].update(start="tx_start"),
            r"\[lines\]: 'start' is not a column of lines",
        ),
        (lambda m: m["lesions"].update(instrument="lesions"), r"instrument 'lesions' has no rows"),
    ],
)
def test_broken_mappings(change, message: str) -> None:
    m = mapping()
    change(m)
    with pytest.raises(ns.ConfigError, match=message):
        load(mapping=m)


def test_undecodable_code_names_field_and_record() -> None:
    export = pd.read_csv(EXAMPLE / "export.csv", dtype=str)
    export.loc[
        (export["record_id"] == "103")
        & (export["redcap_repeat_instance"] == "2")
        & (export["redcap_repeat_instrument"] == "imaging"),
        "img_modality",
    ] = "9"
    with pytest.raises(ns.ValidationError) as err:
        read_redcap(
            export,
            mapping=EXAMPLE / "mapping.toml",
            data_dictionary=EXAMPLE / "data_dictionary.csv",
        )
    row = err.value.failures.iloc[0]
    assert (row["table"], row["column"], row["row_key"], row["value"]) == (
        "redcap:imaging",
        "img_modality",
        "103 / follow_up_arm_1 / 2",
        "9",
    )


def test_bad_value_reaches_cohort_validation() -> None:
    export = pd.read_csv(EXAMPLE / "export.csv", dtype=str)
    export.loc[export["les_long_axis"] == "42", "les_long_axis"] = "-42"
    with pytest.raises(ns.ValidationError) as err:
        read_redcap(export, mapping=EXAMPLE / "mapping.toml")
    f = err.value.failures
    assert (
        (f["table"] == "lesions") & (f["column"] == "long_axis_mm") & (f["rule"] == "range")
    ).any()


def test_mapping_file_errors(tmp_path) -> None:
    with pytest.raises(ns.ConfigError, match="does not exist"):
        load(mapping=tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[patients\nx = 1\n")
    with pytest.raises(ns.ConfigError, match="not valid TOML"):
        load(mapping=bad)
