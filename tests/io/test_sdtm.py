"""read_sdtm on small SDTM-shaped frames whose every value is worked out by hand (sdtm_build)."""

from __future__ import annotations

import pandas as pd
import pytest
from sdtm_build import ADSL, RS, TR, TU, domains

import netsurv as ns
from netsurv.io import load_maps, read_sdtm
from netsurv.io.sdtm import read_sdtm_folder


@pytest.fixture(scope="module")
def cohort() -> ns.Cohort:
    return read_sdtm(domains())


def test_subjects_and_lines(cohort: ns.Cohort) -> None:
    p = cohort.patients.set_index("patient_id")
    assert list(p.index) == ["S1", "S2"]  # S3, a screen failure, is set aside
    assert p.loc["S2", "death_date"] == pd.Timestamp("2021-09-30")
    assert p.loc["S1", "last_alive_date"] == pd.Timestamp("2021-12-01")
    assert p.loc["S1", "sex"] == "F" and int(p.loc["S1", "age"]) == 61
    ln = cohort.lines.set_index("patient_id")
    assert ln.loc["S1", ["line_id", "regimen"]].tolist() == ["L1", "177Lu-DOTATATE"]
    assert ln.loc["S1", "start_date"] == pd.Timestamp("2021-01-10")
    assert ln.loc["S1", "origin_date"] == pd.Timestamp("2021-01-08")
    att = cohort.attrition.set_index("row_key")
    assert "no last-alive date" in att.loc["S3", "reason"]


def test_assessments_dates_and_reads(cohort: ns.Cohort) -> None:
    a = cohort.assessments.set_index(["patient_id", "assessment_id"])
    # RS date wins (partial 2021-03 imputed to the last day, admiralonco ADRS)
    assert a.loc[("S1", "WEEK 8"), "date"] == pd.Timestamp("2021-03-31")
    got = a.loc[("S1", "WEEK 8"), ["reader_response", "visitnum", "rsseq"]]
    assert [str(v) for v in got] == ["PR", "2", "1"]
    assert a.loc[("S1", "WEEK 24"), "nontarget_status"] == "NON-CR/NON-PD"
    # the unmapped RSSTRESC 'CHECK' is set aside, not guessed
    assert pd.isna(a.loc[("S2", "WEEK 8"), "reader_response"])
    assert bool(a.loc[("S2", "WEEK 16"), "new_lesion"])
    reasons = cohort.attrition.set_index("row_key")["reason"]
    assert "'CHECK'" in reasons["S2 / WEEK 8"]
    assert "equivocal new lesion" in reasons["S2 / WEEK 8 / NEW01"]
    imputed = cohort.warnings[cohort.warnings["rule"] == "partial_date_imputed"]
    assert sorted(imputed["table"] + "." + imputed["column"]) == ["RS.RSDTC", "TR.TRDTC"]


def test_scan_date_option_uses_tr_dates() -> None:
    c = read_sdtm(domains(), visit_date="scan")
    a = c.assessments.set_index(["patient_id", "assessment_id"])
    assert a.loc[("S1", "WEEK 8"), "date"] == pd.Timestamp("2021-03-01")  # TRDTC, first day


def test_lesions_nodes_units_roles(cohort: ns.Cohort) -> None:
    les = cohort.lesions.set_index(["patient_id", "assessment_id", "lesion_id"])
    node = les.loc[("S1", "SCREENING", "T02")]
    assert (node["site"], node["long_axis_mm"], node["short_axis_mm"]) == ("lymph_node", 26.0, 20.0)
    assert les.loc[("S1", "SCREENING", "NT01"), ["site", "role"]].tolist() == ["bone", "non_target"]
    assert les.loc[("S2", "SCREENING", "T01"), "long_axis_mm"] == pytest.approx(50.0)  # 5.0 cm
    assert les.loc[("S2", "WEEK 16", "NEW01"), ["site", "role"]].tolist() == ["lung", "new"]
    assert ("S2", "WEEK 8", "NEW01") not in les.index  # equivocal: not a lesion row


def test_computed_recist_matches_hand_and_recorded(cohort: ns.Cohort) -> None:
    tp = ns.classify(cohort, ["reader", "recist1.1"]).table
    fu = tp[tp["role"] == "follow_up"].set_index(["criterion", "patient_id", "assessment_id"])
    rec = fu.loc["recist1.1"]
    assert rec.loc["S1", "value"].tolist() == [42.0, 33.0, 45.0]  # 30+12, 25+8, 34+11
    assert rec.loc["S1", "response"].tolist() == ["PR", "PR", "PD"]
    assert rec.loc[("S2", "WEEK 8"), "response"] == "SD"  # equivocal new lesion not counted
    assert rec.loc[("S2", "WEEK 16"), ["response", "reason"]].tolist() == ["PD", "new_lesion"]
    reader = fu.loc["reader"]
    assert reader.loc["S1", "response"].tolist() == ["PR", "PR", "PD"]
    assert reader.loc[("S2", "WEEK 8"), "response"] == "NE"  # no usable read


@pytest.mark.parametrize(
    ("evaluator", "liver"),
    [("INVESTIGATOR", 40.0), ("independent assessor/radiologist 1", 42.0)],
)
def test_evaluator_selection(evaluator: str, liver: float) -> None:
    tu = TU.copy()
    tr = TR[TR["USUBJID"] == "S1"]
    c = read_sdtm({"ADSL": ADSL, "TU": tu, "TR": tr}, evaluator=evaluator)
    les = c.lesions.set_index(["patient_id", "assessment_id", "lesion_id"])
    assert les.loc[("S1", "SCREENING", "T01"), "long_axis_mm"] == liver


def test_evaluator_errors() -> None:
    with pytest.raises(ns.ConfigError, match=r"TU: no rows for evaluator 'BICR'.*INVESTIGATOR"):
        read_sdtm(domains(), evaluator="BICR")
    tr = TR.copy()
    tr.loc[tr["TREVAL"] == "INVESTIGATOR", "TREVALID"] = "DR A"
    tr.loc[(tr["TREVAL"] == "INVESTIGATOR") & (tr["VISITNUM"] == 2), "TREVALID"] = "DR B"
    with pytest.raises(ns.ConfigError, match=r"several evaluators"):
        read_sdtm(domains(TR=tr))


def test_bad_values_name_domain_variable_and_subject() -> None:
    tr = TR.copy()
    tr.loc[0, "TRDTC"] = "04/01/2021"
    tr.loc[1, "TRSTRESU"] = "inch"
    tr.loc[2, ["TRSTRESN", "TRSTRESC"]] = [None, "about 20"]
    with pytest.raises(ns.ValidationError) as err:
        read_sdtm(domains(TR=tr))
    f = err.value.failures.set_index("rule")
    assert f.loc["type_date", ["table", "column", "row_key"]].tolist() == [
        "TR",
        "TRDTC",
        "S1 / TRSEQ 1",
    ]
    assert f.loc["unknown_unit", ["column", "row_key", "value"]].tolist() == [
        "TRSTRESU",
        "S1 / TRSEQ 2",
        "inch",
    ]
    assert f.loc["type_number", ["column", "row_key"]].tolist() == ["TRSTRESC", "S1 / TRSEQ 3"]


def test_missing_variable_and_unknown_domain() -> None:
    with pytest.raises(ns.ValidationError) as err:
        read_sdtm(domains(TR=TR.drop(columns="TRTESTCD")))
    row = err.value.failures.iloc[0]
    assert (row["table"], row["column"], row["rule"]) == ("TR", "TRTESTCD", "missing_column")
    with pytest.raises(ns.ConfigError, match="unknown SDTM domain 'AE'"):
        read_sdtm({"ADSL": ADSL, "AE": ADSL})
    with pytest.raises(ns.ConfigError, match="needs DM or ADSL"):
        read_sdtm({"TR": TR})


def test_two_scans_under_one_visitnum_are_split_by_date() -> None:
    """Two scans filed under one VISITNUM (pharmaverse tr_onco, 01-711-1143 'UNSCHEDULED 9.2').

    S1 is rescanned twice under VISITNUM 5: on 2021-08-02 (liver 24, node SA 7: sum 31, PR
    against 60) and on 2021-10-04 (liver 40, node SA 14: sum 54, +74 % and 23 mm over the nadir
    31: PD); the RS reads (PR dated on the scan, PD a day after it) go to the nearest scan.
    Before, the visit was one assessment with the first scan's sizes under the PD read's date.
    """
    first = TR[(TR["USUBJID"] == "S1") & (TR["VISITNUM"] == 1) & (TR["TREVAL"] == "INVESTIGATOR")]
    sizes = {"2021-08-02": (24, 16, 7), "2021-10-04": (40, 20, 14)}  # liver LD, node LD / SA
    extra = []
    for dtc, (liver, node_ld, node_sa) in sizes.items():
        scan = first.assign(VISITNUM=5, VISIT="UNSCHEDULED 5.1", TRDTC=dtc)
        value = scan["TRLNKID"] + "/" + scan["TRTESTCD"]
        val = value.map({"T01/LDIAM": liver, "T02/LDIAM": node_ld, "T02/LPERP": node_sa})
        scan["TRSTRESN"] = val.where(val.notna(), scan["TRSTRESN"])
        scan["TRSTRESC"] = scan["TRSTRESN"].map(lambda v: None if pd.isna(v) else str(v))
        scan.loc[scan["TRTESTCD"] == "TUMSTATE", "TRSTRESC"] = "PRESENT"
        extra.append(scan)
    tr = pd.concat([TR, *extra], ignore_index=True)
    tr["TRSEQ"] = range(1, len(tr) + 1)
    rs_extra = pd.DataFrame(
        {
            "USUBJID": "S1",
            "RSTESTCD": "OVRLRESP",
            "RSSTRESC": ["PR", "PD"],
            "RSEVAL": "INVESTIGATOR",
            "VISITNUM": 5,
            "VISIT": "UNSCHEDULED 5.1",
            "RSDTC": ["2021-08-02", "2021-10-05"],
            "RSSEQ": [5, 6],
        }
    )
    rs = pd.concat([RS, rs_extra], ignore_index=True)
    c = read_sdtm(domains(TR=tr, RS=rs))
    a = c.assessments[c.assessments["patient_id"] == "S1"].set_index("assessment_id")
    one, two = "UNSCHEDULED 5.1 (2021-08-02)", "UNSCHEDULED 5.1 (2021-10-04)"
    assert a.loc[[one, two], "date"].tolist() == [
        pd.Timestamp("2021-08-02"),
        pd.Timestamp("2021-10-05"),  # the RS date (visit_date="response")
    ]
    assert a.loc[[one, two], "reader_response"].tolist() == ["PR", "PD"]
    assert a.loc[[one, two], "visit"].tolist() == ["UNSCHEDULED 5.1"] * 2  # ADaM AVISIT
    les = c.lesions.set_index(["patient_id", "assessment_id", "lesion_id"])
    assert les.loc[("S1", one, "T01"), "long_axis_mm"] == 24.0
    assert les.loc[("S1", two, "T01"), "long_axis_mm"] == 40.0
    tp = ns.classify(c, "recist1.1").table.set_index(["patient_id", "assessment_id"])
    assert tp.loc[("S1", one), ["value", "response"]].tolist() == [31.0, "PR"]
    assert tp.loc[("S1", two), ["value", "nadir_value", "response"]].tolist() == [54.0, 31.0, "PD"]
    w = c.warnings[c.warnings["rule"] == "visit_split_by_date"]
    assert w["row_key"].tolist() == ["S1 / UNSCHEDULED 5.1"]
    assert "2021-08-02, 2021-10-04" in w["message"].iloc[0]
    # lesions of one scan measured on different days stay one assessment
    spread = TR.copy()
    spread.loc[(spread["TRLNKID"] == "T02") & (spread["VISITNUM"] == 3), "TRDTC"] = "2021-05-05"
    c2 = read_sdtm(domains(TR=spread))
    assert "WEEK 16" in set(c2.assessments["assessment_id"])
    assert not (c2.warnings["rule"] == "visit_split_by_date").any()


def test_unmapped_codes_go_to_attrition() -> None:
    tr = pd.concat([TR, TR.iloc[[0]].assign(TRTESTCD="WIDTH", TRSEQ=999)], ignore_index=True)
    c = read_sdtm(domains(TR=tr))
    reasons = c.attrition["reason"]
    assert reasons.str.contains("TRTESTCD WIDTH is not in the measures map").any()


def test_override_map() -> None:
    sites = pd.DataFrame(
        {
            "value": ["LYMPH NODE", "*"],
            "site": ["lymph_node", "peritoneum"],
            "match": ["contains", "default"],
        }
    )
    c = read_sdtm(domains(), maps={"sites": sites})
    assert set(c.lesions["site"]) == {"lymph_node", "peritoneum"}
    with pytest.raises(
        ns.ConfigError, match=r"SDTM map 'methods' lacks column\(s\) \['modality'\]"
    ):
        load_maps({"methods": pd.DataFrame({"value": ["CT SCAN"]})})


def test_dm_ex_ds_cm_without_adsl() -> None:
    dm = pd.DataFrame(
        {
            "USUBJID": ["S1"],
            "RFSTDTC": ["2021-01-08"],
            "RFXSTDTC": [None],
            "RFPENDTC": ["2021-11-02T10:30"],
            "DTHDTC": [None],
            "SEX": ["F"],
            "BRTHDTC": ["1960-05-17"],
            "ARM": ["PRRT"],
        }
    )
    ex = pd.DataFrame(
        {
            "USUBJID": ["S1"] * 4,
            "EXTRT": ["LUTETIUM DOTATATE"] * 4,
            "EXSTDTC": ["2021-01-10", "2021-03-08", "2021-05-03", "2021-06-28"],
            "EXENDTC": ["2021-01-10", "2021-03-08", "2021-05-03", "2021-06-28"],
        }
    )
    ds = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1"],
            "DSCAT": ["DISPOSITION EVENT", "DISPOSITION EVENT"],
            "EPOCH": ["TREATMENT", "FOLLOW-UP"],
            "DSDECOD": ["ADVERSE EVENT", "COMPLETED"],
            "DSSTDTC": ["2021-07-01", "2021-11-02"],
        }
    )
    cm = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1"],
            "CMTRT": ["EVEROLIMUS", "PARACETAMOL", "OCTREOTIDE"],
            "CMCAT": ["ANTI-CANCER THERAPY", "GENERAL", "Anti-cancer therapy"],
            "CMSTDTC": ["2021-08-15", "2021-02-01", "2020-06-01"],  # octreotide: before L1
        }
    )
    c = read_sdtm({"DM": dm, "EX": ex, "DS": ds, "CM": cm, "TU": TU, "TR": TR, "RS": RS})
    ln = c.lines.set_index("line_id")
    assert ln.loc["L1", ["regimen", "n_cycles", "end_reason"]].tolist() == [
        "PRRT",
        4,
        "toxicity",
    ]
    assert ln.loc["L1", "start_date"] == pd.Timestamp("2021-01-10")  # first EXSTDTC
    assert ln.loc["L1", "end_date"] == pd.Timestamp("2021-06-28")
    assert ln.loc["L2", ["regimen", "start_date"]].tolist() == [
        "EVEROLIMUS",
        pd.Timestamp("2021-08-15"),
    ]
    assert list(ln.index) == ["L1", "L2"]
    p = c.patients.set_index("patient_id")
    # no LSTALVDT: the latest dated record (RFPENDTC 2021-11-02)
    assert p.loc["S1", "last_alive_date"] == pd.Timestamp("2021-11-02")
    assert p.loc["S1", "birth_date"] == pd.Timestamp("1960-05-17")


def test_folder_csv_and_xpt(tmp_path) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    ADSL.to_csv(tmp_path / "adsl.csv", index=False)
    TU.to_csv(tmp_path / "tu.csv.gz", index=False)
    RS.to_parquet(tmp_path / "rs.parquet", index=False)
    tr = TR.astype({"TRSTRESN": float, "VISITNUM": float, "TRSEQ": float})
    pyreadstat.write_xport(tr, str(tmp_path / "tr.xpt"), file_format_version=5)
    (tmp_path / "notes.txt").write_text("not a domain")
    assert sorted(read_sdtm_folder(tmp_path)) == ["ADSL", "RS", "TR", "TU"]
    from_files = read_sdtm(tmp_path)
    from_frames = read_sdtm(domains())
    cols = ["patient_id", "assessment_id", "lesion_id", "long_axis_mm", "short_axis_mm"]
    pd.testing.assert_frame_equal(from_files.lesions[cols], from_frames.lesions[cols])
    assert (
        from_files.assessments["reader_response"].tolist()
        == from_frames.assessments["reader_response"].tolist()
    )


def _net_rows(tests: list[tuple[str, str, str, float | None, str | None]]) -> pd.DataFrame:
    """TR rows of S1's liver lesion T01 at every investigator visit, one per NET test."""
    base = TR[
        (TR["USUBJID"] == "S1")
        & (TR["TREVAL"] == "INVESTIGATOR")
        & (TR["TRTESTCD"] == "LDIAM")
        & (TR["TRLNKID"] == "T01")
    ]
    rows = [
        base.assign(TRTESTCD=t, TRMETHOD=m, TRSTRESC=c, TRSTRESN=n, TRSTRESU=u).astype(
            TR.dtypes.to_dict()
        )
        for t, m, c, n, u in tests
    ]
    tr = pd.concat([TR, *rows], ignore_index=True)
    tr["TRSEQ"] = range(1, len(tr) + 1)
    return tr


def test_net_measures_krenning_adc_and_avidity() -> None:
    """Krenning score and SST avidity on the SST-PET read, FDG avidity on the FDG-PET read and
    ADC on MRI (given in 10^-3 mm^2/s: 1.1 is 1100 in netsurv's 10^-6 mm^2/s) fill the lesion
    columns the dual-tracer and ADC criteria read; a study without them leaves them empty."""
    tr = _net_rows(
        [
            ("KRENNING", "GA-68 DOTATATE PET", "3", 3.0, None),
            ("SSTAVID", "GA-68 DOTATATE PET", "Y", None, None),
            ("FDGAVID", "FDG PET", "NOT AVID", None, None),
            ("ADC", "MRI", "1.1", 1.1, "10^-3 mm2/s"),
        ]
    )
    c = read_sdtm(domains(TR=tr))
    les = c.lesions.set_index(["patient_id", "assessment_id", "lesion_id"])
    assert les.loc[("S1", "WEEK 16 / SST-PET", "T01"), ["krenning_score", "sst_avid"]].tolist() == [
        3,
        True,
    ]
    assert les.loc[("S1", "WEEK 16 / FDG-PET", "T01"), "fdg_avid"] == False  # noqa: E712
    assert les.loc[("S1", "WEEK 16 / MRI", "T01"), "adc"] == pytest.approx(1100.0)
    assert les.loc[("S1", "WEEK 16 / CT", "T01"), "long_axis_mm"] == 25.0
    assert str(c.lesions["fdg_avid"].dtype) == "boolean"
    plain = read_sdtm(domains()).lesions
    assert plain[["krenning_score", "adc", "fdg_avid", "sst_avid"]].isna().all().all()


def test_net_measures_bad_avidity_and_unit_are_named() -> None:
    tr = _net_rows([("SSTAVID", "SST-PET", "MAYBE", None, None), ("ADC", "MRI", "1.1", 1.1, "mm")])
    with pytest.raises(ns.ValidationError) as err:
        read_sdtm(domains(TR=tr))
    f = err.value.failures
    avid = f[f["rule"] == "unknown_avidity"]
    unit = f[f["rule"] == "unknown_unit"]
    assert len(avid) == len(unit) == 4  # every visit, all reported at once
    assert avid[["table", "column", "value"]].drop_duplicates().values.tolist() == [
        ["TR", "TRSTRESC", "MAYBE"]
    ]
    assert set(unit["value"]) == {"mm"}  # millimetres are no ADC unit
    assert avid["row_key"].str.match(r"S1 / TRSEQ \d+$").all()
