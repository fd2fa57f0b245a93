"""ADaM out (ADRS, ADTTE, ADTR) with hand-worked values, and the ADTTE round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sdtm_build import domains

import netsurv as ns
from netsurv.endpoints import ADMIRALONCO
from netsurv.io import build_adrs, build_adtr, build_adtte, read_adtte, read_sdtm, write_adam
from netsurv.simulate import simulate_cohort


@pytest.fixture(scope="module")
def study() -> tuple[ns.Cohort, object]:
    cohort = read_sdtm(domains())
    return cohort, ns.classify(cohort, ["reader", "recist1.1"])


def test_adrs_parameters(study) -> None:
    cohort, tp = study
    adrs = build_adrs(tp, cohort=cohort)
    s1 = adrs[(adrs["USUBJID"] == "S1") & (adrs["CRITERION"] == "recist1.1")].set_index("PARAMCD")
    ovr = s1.loc["OVR"]
    assert ovr["AVALC"].tolist() == ["PR", "PR", "PD"]
    assert ovr["AVAL"].tolist() == [2.0, 2.0, 5.0]  # admiralonco aval_resp
    assert ovr["AVISIT"].tolist() == ["WEEK 8", "WEEK 16", "WEEK 24"]
    assert ovr["ANL02FL"].tolist() == ["Y", "Y", "Y"]  # up to and including the first PD
    # PR on 2021-03-31 confirmed 33 days later (>= 28): BOR = CBOR = PR, dated the first PR
    for p in ("BOR", "CBOR"):
        assert (s1.loc[p, "AVALC"], s1.loc[p, "ADT"]) == ("PR", pd.Timestamp("2021-03-31"))
    assert (s1.loc["RSP", "AVALC"], s1.loc["CRSP", "AVALC"]) == ("Y", "Y")
    assert (s1.loc["PD", "AVALC"], s1.loc["PD", "ADT"]) == ("Y", pd.Timestamp("2021-06-28"))
    assert s1.loc["LSTA", "AVALC"] == "PD" and s1.loc["LSTAA", "AVALC"] == "Y"
    # S2 under the recorded read: NE (no usable read) then PD; SD window not reached -> PD
    s2 = adrs[(adrs["USUBJID"] == "S2") & (adrs["CRITERION"] == "reader")].set_index("PARAMCD")
    assert s2.loc["BOR", "AVALC"] == "PD" and s2.loc["RSP", "AVALC"] == "N"
    # ASEQ numbers each subject's records 1..n
    for _, g in adrs.groupby("USUBJID"):
        assert g["ASEQ"].tolist() == list(range(1, len(g) + 1))


def test_adrs_missing_lines_with_cohort(study) -> None:
    cohort, _ = study
    tp = ns.classify(cohort, "sstv")  # no SST-PET scans: every line set aside
    adrs = build_adrs(tp, cohort=cohort)
    bor = adrs[adrs["PARAMCD"] == "BOR"]
    assert bor["AVALC"].tolist() == ["MISSING", "MISSING"]
    assert set(adrs.loc[adrs["PARAMCD"] == "RSP", "AVALC"]) == {"N"}


def test_adtr_sum_of_diameters(study) -> None:
    cohort, tp = study
    adtr = build_adtr(tp, cohort=cohort)
    assert set(adtr["CRITERION"]) == {"recist1.1"}  # the recorded read has no value
    s1 = adtr[adtr["USUBJID"] == "S1"].set_index("AVISIT")
    assert s1["AVAL"].tolist() == [60.0, 42.0, 33.0, 45.0]  # liver LD + node short axis
    assert s1.loc["SCREENING", ["ABLFL", "BASE"]].tolist() == ["Y", 60.0]
    assert np.isnan(s1.loc["SCREENING", "NADIR"])
    assert s1.loc["WEEK 24", ["NADIR", "CHGNAD", "PDFL"]].tolist() == [33.0, 12.0, "Y"]
    assert s1.loc["WEEK 24", "PCHGNAD"] == pytest.approx(100 * 12 / 33)
    assert s1.loc["WEEK 8", "PCHG"] == pytest.approx(-30.0)
    assert s1["ADY"].tolist() == [-6.0, 81.0, 114.0, 170.0]  # study day, no day 0


def test_adtr_nadir_zero_gives_empty_pchgnad() -> None:
    # the liver lesion disappears (0 mm) then reappears at 6 mm: PCHGNAD undefined
    tr = domains()["TR"]
    tr = tr[(tr["USUBJID"] == "S2") & (tr["TRTESTCD"] == "LDIAM")].copy()
    tr["TRSTRESU"] = "mm"
    tr["TRSTRESN"] = [50.0, 0.0, 6.0]
    tr["TRSTRESC"] = ["50", "0", "6"]
    cohort = read_sdtm(domains(TR=tr, RS=None))
    adtr = build_adtr(ns.classify(cohort, "recist1.1"), cohort=cohort).set_index("AVISIT")
    assert adtr.loc["WEEK 16", ["AVAL", "NADIR", "CHGNAD"]].tolist() == [6.0, 0.0, 6.0]
    assert np.isnan(adtr.loc["WEEK 16", "PCHGNAD"])


def test_adtte_admiralonco_variables_and_srcseq(study) -> None:
    cohort, tp = study
    adrs = build_adrs(tp, cohort=cohort)
    ep = ns.derive_endpoints(
        cohort, tp, endpoints=["OS", "PFS"], censoring=ADMIRALONCO, origin="origin_date"
    )
    ad = build_adtte(ep, adrs=adrs)
    pfs = ad[(ad["USUBJID"] == "S1") & (ad["PARAMCD"] == "PFS") & (ad["CRITERION"] == "reader")]
    row = pfs.iloc[0]
    # PD on 2021-06-28 from RANDDT 2021-01-08: 171 days + 1
    assert (row["AVAL"], row["CNSR"], row["STARTDT"]) == (172, 0, pd.Timestamp("2021-01-08"))
    assert (row["SRCDOM"], row["SRCVAR"]) == ("ADRS", "ADT")
    src = adrs[adrs["ASEQ"] == row["SRCSEQ"]]
    src = src[src["USUBJID"] == "S1"].iloc[0]
    assert (src["PARAMCD"], src["ASSESSID"], src["CRITERION"]) == ("OVR", "WEEK 24", "reader")
    os_ = ad[(ad["USUBJID"] == "S2") & (ad["PARAMCD"] == "OS")].iloc[0]
    assert (os_["AVAL"], os_["CNSR"], os_["SRCDOM"], os_["SRCVAR"]) == (242, 0, "ADSL", "DTHDT")
    assert pd.isna(os_["SRCSEQ"])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip_cohort_adtte_endpoints(tmp_path, fmt: str) -> None:
    """netsurv cohort -> ADTTE file -> read back -> the same endpoint table."""
    cohort = simulate_cohort(60, seed=7, scenario="prrt")
    ep = ns.derive_endpoints(
        cohort, ["recist1.1", "choi"], endpoints=["OS", "PFS", "TTP", "DoR", "TTF", "TTNT"]
    )
    paths = write_adam(tmp_path, datasets={"adtte": build_adtte(ep)}, format=fmt)
    back = read_adtte(paths[0])
    want = ep.table.copy()
    # SRCDOM ADRS stands for both assessment and (first) response records
    want["source_table"] = want["source_table"].replace({"responses": "assessments"})
    pd.testing.assert_frame_equal(back, want, check_dtype=False)


def test_read_adtte_errors() -> None:
    with pytest.raises(ns.ConfigError, match=r"lacks variable\(s\) \['CNSR'\]"):
        read_adtte(
            pd.DataFrame(
                {
                    "USUBJID": ["1"],
                    "PARAMCD": ["OS"],
                    "AVAL": [3],
                    "STARTDT": ["2020-01-01"],
                    "ADT": ["2020-01-03"],
                }
            )
        )
    with pytest.raises(ns.ConfigError, match="does not exist"):
        read_adtte("no/such/adtte.csv")


def test_write_xpt(tmp_path, study) -> None:
    pytest.importorskip("pyreadstat")
    cohort, tp = study
    adrs = build_adrs(tp, cohort=cohort)
    [path] = write_adam(tmp_path, datasets={"adrs": adrs}, format="xpt")
    back = pd.read_sas(path, format="xport", encoding="utf-8")
    assert len(back) == len(adrs)
    assert "CRIT" in back.columns and back["AVALC"].tolist() == adrs["AVALC"].fillna("").tolist()
    with pytest.raises(ns.ConfigError, match="format must be"):
        write_adam(tmp_path, datasets={"adrs": adrs}, format="sas")  # type: ignore[arg-type]
