"""Every preset other than RECIST 1.1, hand-worked: Choi and modified Choi (density), PERCIST
(0.8 SUL rule, hottest lesion), EORTC 1999, WHO / SWOG / modified SWOG (products), mRECIST
(viable tumour), volume criteria on the same patients (volumetric RECIST, SST-TV, early
SST-TV), three hepatic lesions, RECIST with minor response, iRECIST (pseudoprogression,
confirmation), the recorded read; exact SST-TV / early SST-TV boundaries, new and missing
lesions on volumes, EORTC PET CR and new lesion, and the nadir response reference, mean
aggregation and total lesion activity options."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from resp_build import Case, row

import netsurv as ns
from netsurv.response import best_response, classify

NN = "NON-CR/NON-PD"


def d(la: float, hu: float) -> dict[str, float]:
    return {"long_axis_mm": la, "density_hu": hu}


def test_choi_density_only_response_and_modified_choi() -> None:
    c = Case()
    c.scan("DENS", -7, T1=d(30, 100), T2=d(20, 100))
    c.scan("DENS", 56, T1=d(29, 80), T2=d(19, 80))  # size -4 %, density -20 %
    c.scan("BOTH", -7, T1=d(30, 100), T2=d(20, 100))
    c.scan("BOTH", 56, T1=d(26, 80), T2=d(18, 80))  # size -12 %, density -20 %
    c.scan("PDS", -7, T1=d(30, 100), T2=d(20, 100))
    c.scan("PDS", 56, T1=d(34, 95), T2=d(22, 95))  # size +12 %, density -5 %
    c.scan("PDD", -7, T1=d(30, 100), T2=d(20, 100))
    c.scan("PDD", 56, T1=d(34, 84), T2=d(22, 84))  # size +12 %, density -16 %
    c.scan("B10", -7, T1=d(30, 100), T2=d(20, 100))
    c.scan("B10", 56, T1=d(27, 100), T2=d(18, 100))  # size -10.0 % exactly
    tp = classify(c.build(), ["choi", "mchoi"])
    r = row(tp, "DENS", 56, "choi")
    assert r["pct_change_density"] == pytest.approx(-20.0)
    assert (r["response"], r["reason"]) == ("PR", "density_pr")
    assert row(tp, "DENS", 56, "mchoi")["response"] == "SD"
    assert row(tp, "BOTH", 56, "choi")[["response", "reason"]].tolist() == ["PR", "size_pr"]
    assert row(tp, "BOTH", 56, "mchoi")["response"] == "PR"
    assert row(tp, "PDS", 56, "choi")[["response", "reason"]].tolist() == ["PD", "sum_pd"]
    # growth with a density response is not PD under Choi: the density response makes it PR
    assert row(tp, "PDD", 56, "choi")[["response", "reason"]].tolist() == ["PR", "density_pr"]
    assert row(tp, "PDD", 56, "mchoi")["response"] == "SD"
    assert row(tp, "B10", 56, "choi")["response"] == "PR"


def test_choi_density_compares_the_same_lesions() -> None:
    """A lesion without a density reading on a scan drops out of both means (scan and baseline),
    so a missing HU cannot pass for a density response."""
    c = Case()
    c.scan("MISS", -7, T1=d(30, 100), T2=d(20, 10))
    c.scan("MISS", 56, T1={"long_axis_mm": 30}, T2=d(20, 10))  # nothing changed; T1 lost its HU
    c.scan("PAIR", -7, T1=d(30, 100), T2=d(20, 60))
    c.scan("PAIR", 56, T1={"long_axis_mm": 30}, T2=d(20, 48))  # T2 alone: -20 %
    c.scan("NONE", -7, T1=d(30, 100))
    c.scan("NONE", 56, T1={"long_axis_mm": 30})  # no pair: no density, size decides
    tp = classify(c.build(), "choi")
    r = row(tp, "MISS", 56)
    assert r["pct_change_density"] == pytest.approx(0.0)
    assert r["response"] == "SD"
    r = row(tp, "PAIR", 56)
    assert r["pct_change_density"] == pytest.approx(-20.0)
    assert (r["response"], r["reason"]) == ("PR", "density_pr")
    r = row(tp, "NONE", 56)
    assert pd.isna(r["pct_change_density"]) and r["response"] == "SD"


def sul(x: float) -> dict[str, float]:
    return {"sul_peak": x}


def test_percist_absolute_08_sul_rule_and_hottest_lesion() -> None:
    c = Case()
    for pid, base, fu in (
        ("PMR", 3.0, 2.0),  # -33 %, -1.0 SUL: PMR
        ("NOPMR", 2.0, 1.3),  # -35 % but -0.7 SUL: SMD
        ("PMD", 3.0, 4.0),  # +33 %, +1.0: PMD
        ("NOPMD", 2.0, 2.7),  # +35 % but +0.7: SMD
        ("EXACT", 3.0, 3.9),  # +30 % exactly is not "> 30 %"
        ("CMR", 3.0, 0.0),
    ):
        c.scan(pid, -5, modality="FDG-PET", T1=sul(base))
        c.scan(pid, 60, modality="FDG-PET", T1=sul(fu))
    c.scan("HOT", -5, modality="FDG-PET", T1=sul(3.0), T2=sul(2.0))
    c.scan("HOT", 60, modality="FDG-PET", T1=sul(1.0), T2=sul(2.5))  # hottest now T2: -17 %
    c.scan("CT", -7, T1=30)  # no FDG-PET: set aside
    c.scan("CT", 60, T1=30)
    tp = classify(c.build(), "percist1.0")
    got = {p: row(tp, p, 60)["response"] for p in ("PMR", "NOPMR", "PMD", "NOPMD", "EXACT", "CMR")}
    assert got == {
        "PMR": "PR",
        "NOPMR": "SD",
        "PMD": "PD",
        "NOPMD": "SD",
        "EXACT": "SD",
        "CMR": "CR",
    }
    r = row(tp, "HOT", 60)
    assert r["value"] == 2.5 and r["response"] == "SD"
    assert tp.attrition["row_key"].tolist() == ["CT / L1"]


def test_eortc_1999_strict_cut_offs() -> None:
    c = Case()
    for pid, fu in (("M25", 3.0), ("M26", 2.96), ("P25", 5.0), ("P26", 5.04)):
        c.scan(pid, -5, modality="FDG-PET", T1={"suv_max": 2.5}, T2={"suv_max": 1.5})
        c.scan(pid, 60, modality="FDG-PET", T1={"suv_max": fu - 1.5}, T2={"suv_max": 1.5})
    tp = classify(c.build(), "eortc_pet1999")
    assert [row(tp, p, 60)["response"] for p in ("M25", "M26", "P25", "P26")] == [
        "SD",
        "PR",
        "SD",
        "PD",
    ]


def bi(la: float, sa: float) -> dict[str, float]:
    return {"long_axis_mm": la, "short_axis_mm": sa}


def test_who_swog_modified_swog_products() -> None:
    c = Case()
    c.scan("B51", -7, T1=bi(40, 30))  # 1200 mm²
    c.scan("B51", 56, T1=bi(28, 21))  # 588: -51 %
    c.scan("B30", -7, T1=bi(40, 30))
    c.scan("B30", 56, T1=bi(35, 24))  # 840: -30 %
    c.scan("ABS", -7, T1=bi(60, 50), T2=bi(50, 40))  # 5000
    c.scan("ABS", 56, T1=bi(70, 50), T2=bi(62.5, 40))  # 6000: +20 %, +1000 mm²
    c.scan("P25", -7, T1=bi(40, 30))
    c.scan("P25", 56, T1=bi(50, 30))  # 1500: +25 %
    tp = classify(c.build(), ["who", "swog", "mswog"])

    def resp(pid: str) -> list[str]:
        return [row(tp, pid, 56, k)["response"] for k in ("who", "swog", "mswog")]

    assert row(tp, "B51", 56, "who")["value"] == 588.0
    assert resp("B51") == ["PR", "PR", "PR"]
    assert resp("B30") == ["SD", "SD", "MR"]
    assert resp("ABS") == ["SD", "PD", "SD"]
    assert resp("P25") == ["PD", "SD", "PD"]


def test_mrecist_viable_tumour_without_5_mm_rule() -> None:
    def v(la: float, viable: float) -> dict[str, float]:
        return {"long_axis_mm": la, "viable_long_axis_mm": viable}

    c = Case()
    c.scan("GROW", -7, T1=v(40, 20))
    c.scan("GROW", 56, T1=v(40, 24))  # viable +20 %, +4 mm
    c.scan("NECR", -7, T1=v(40, 20))
    c.scan("NECR", 56, T1=v(40, 0))  # fully necrotic
    tp = classify(c.build(), ["mrecist_hcc", "recist1.1"])
    assert row(tp, "GROW", 56, "mrecist_hcc")["response"] == "PD"
    assert row(tp, "GROW", 56, "recist1.1")["response"] == "SD"
    assert row(tp, "NECR", 56, "mrecist_hcc")["response"] == "CR"
    assert row(tp, "NECR", 56, "recist1.1")["response"] == "SD"


def test_volume_criteria_on_the_same_patients() -> None:
    def cv(la: float, ml: float) -> dict[str, float]:
        return {"long_axis_mm": la, "volume_ml": ml}

    def pet(ml: float) -> dict[str, float]:
        return {"volume_ml": ml}

    c = Case()
    # V1 shrinks: -30 % diameter, -66 % volume; SST-PET -12 % after cycle 1, -42 % later
    c.scan("V1", -7, T1=cv(30, 14.0))
    c.scan("V1", -5, modality="SST-PET", T1=pet(30.0), T2=pet(20.0))
    c.scan("V1", 28, modality="SST-PET", T1=pet(26.0), T2=pet(18.0))
    c.scan("V1", 84, T1=cv(21, 4.76))
    c.scan("V1", 112, modality="SST-PET", T1=pet(17.0), T2=pet(12.0))
    # V2 grows: +20 % / +6 mm, +73 % volume; SST-PET +20 % vs nadir then a new lesion
    c.scan("V2", -7, T1=cv(30, 14.0))
    c.scan("V2", -5, modality="SST-PET", T1=pet(30.0))
    c.scan("V2", 28, modality="SST-PET", T1=pet(31.0))
    c.scan("V2", 84, T1=cv(36, 24.22))
    c.scan("V2", 112, modality="SST-PET", T1=pet(36.0))
    c.scan("V2", 196, modality="SST-PET", T1=pet(20.0), X1=pet(2.0))
    tp = classify(c.build(), ["recist1.1", "volumetric_recist", "sstv", "early_sstv"])
    assert row(tp, "V1", 84, "recist1.1")["response"] == "PR"
    r = row(tp, "V1", 84, "volumetric_recist")
    assert r["pct_change_baseline"] == pytest.approx(-66.0)
    assert r["response"] == "PR"
    assert row(tp, "V1", 28, "sstv")["response"] == "SD"  # -12 %
    assert row(tp, "V1", 112, "sstv")["response"] == "PR"  # -42 %
    early = tp.table[(tp.table["criterion"] == "early_sstv") & (tp.table["role"] == "follow_up")]
    assert early[["patient_id", "response"]].values.tolist() == [["V1", "PR"], ["V2", "SD"]]
    assert row(tp, "V2", 84, "recist1.1")["response"] == "PD"
    assert row(tp, "V2", 84, "volumetric_recist")["response"] == "PD"  # +73.0 %
    r = row(tp, "V2", 112, "sstv")
    assert r["nadir_value"] == 30.0 and r["response"] == "PD"
    r = row(tp, "V2", 196, "sstv")
    assert (r["response"], r["reason"]) == ("PD", "new_lesion")
    att = tp.attrition[tp.attrition["criterion"] == "early_sstv"]
    assert att["row_key"].tolist() == ["V1 / L1", "V2 / L1"]
    assert att["reason"].str.contains("not evaluated").all()


def test_three_hepatic_lesions_include_non_targets() -> None:
    c = Case()
    base = {
        "T1": 40,
        "T2": 35,
        "N1": 30,
        "N2": 20,
        "N3": 50,
        "T3": {"site": "lung", "long_axis_mm": 25.0},
    }
    fu = dict(base, N3=45, T1=36, T2=31.5)  # liver3: 125 -> 112.5 = -10 %
    c.scan("P1", -7, ntl=NN, **base)
    c.scan("P1", 56, ntl=NN, **fu)
    tp = classify(c.build(), ["liver3", "recist1.1"])
    r = row(tp, "P1", 56, "liver3")
    assert (r["n_lesions"], r["baseline_value"], r["value"]) == (3, 125.0, 112.5)
    assert r["response"] == "PR"
    r = row(tp, "P1", 56, "recist1.1")
    assert r["baseline_value"] == 100.0 and r["response"] == "SD"


def test_minor_response_and_ten_percent_cut_off() -> None:
    c = Case()
    c.scan("M13", -7, T1=60, T2=40)
    c.scan("M13", 56, T1=52, T2=35)  # -13.0 %
    c.scan("M129", -7, T1=60, T2=40)
    c.scan("M129", 56, T1=52, T2=35.1)  # -12.9 %
    tp = classify(c.build(), ["recist_mr", "recist_10", "recist1.1"])
    r = row(tp, "M13", 56, "recist_mr")
    assert (r["response"], r["reason"]) == ("MR", "minor_response")
    assert row(tp, "M129", 56, "recist_mr")["response"] == "SD"
    assert row(tp, "M13", 56, "recist_10")["response"] == "PR"
    assert row(tp, "M13", 56, "recist1.1")["response"] == "SD"


def test_ten_percent_progression_cut_off_keeps_the_5_mm_minimum() -> None:
    c = Case()
    for pid, after in (("G10", 55.0), ("G9", 54.9), ("SMALL", 26.4)):
        base = 24.0 if pid == "SMALL" else 50.0
        c.scan(pid, -7, T1=base)
        c.scan(pid, 84, T1=after)
    tp = classify(c.build(), ["recist_10_10", "recist1.1"])
    assert row(tp, "G10", 84, "recist_10_10")["response"] == "PD"  # +10.0 %, +5.0 mm
    assert row(tp, "G10", 84, "recist1.1")["response"] == "SD"
    assert row(tp, "G9", 84, "recist_10_10")["response"] == "SD"  # +9.8 %
    assert row(tp, "SMALL", 84, "recist_10_10")["response"] == "SD"  # +10 % but only 2.4 mm


def test_irecist_pseudoprogression_and_confirmation() -> None:
    c = Case()
    for pid in ("PSEUDO", "CONF", "CUM", "LATE", "NTL", "NEW"):
        c.scan(pid, -7, T1=30, T2=20, ntl=NN)  # 50
        c.scan(pid, 56, T1=24, T2=16, ntl=NN)  # 40: SD
    c.scan("PSEUDO", 112, T1=29, T2=20, ntl=NN)  # 49: iUPD
    c.scan("PSEUDO", 154, T1=27, T2=18, ntl=NN)  # 45: iSD -> pseudoprogression
    c.scan("CONF", 112, T1=29, T2=20, ntl=NN)  # iUPD
    c.scan("CONF", 154, T1=33, T2=22, ntl=NN)  # 55: +6 mm: iCPD
    c.scan("CUM", 112, T1=29, T2=20, ntl=NN)  # 49: iUPD
    c.scan("CUM", 140, T1=31, T2=22, ntl=NN)  # 53: +4, still iUPD
    c.scan("CUM", 161, T1=33, T2=22, ntl=NN)  # 55: +6 cumulative: iCPD
    c.scan("LATE", 112, T1=29, T2=20, ntl=NN)  # iUPD
    c.scan("LATE", 200, T1=40, T2=20, ntl=NN)  # 88 days later: outside (28, 56)
    c.scan("NTL", 112, T1=29, T2=20, ntl=NN)  # iUPD by the sum
    c.scan("NTL", 154, T1=29, T2=20, ntl="PD")  # new non-target progression: iCPD
    c.scan("NEW", 112, T1=24, T2=16, X1=12, ntl=NN)  # iUPD by a new lesion
    c.scan("NEW", 140, T1=24, T2=16, X1=12, ntl=NN)  # unchanged: still iUPD
    c.scan("NEW", 161, T1=24, T2=16, X1=12, X2=10, ntl=NN)  # another new lesion: iCPD
    cohort = c.build()
    tp = classify(cohort, "irecist")
    t = tp.table[tp.table["role"] == "follow_up"].set_index(["patient_id", "date"])

    def status(pid: str) -> list[tuple[str, str | None]]:
        g = t.loc[pid]
        return list(zip(g["response"], g["pd_status"], strict=True))

    assert status("PSEUDO") == [("SD", None), ("PD", "unconfirmed"), ("SD", None)]
    assert status("CONF") == [("SD", None), ("PD", "confirmed"), ("PD", "iCPD")]
    assert status("CUM") == [("SD", None), ("PD", "confirmed"), ("PD", "confirmed"), ("PD", "iCPD")]
    # not confirmed (88 days later is outside the window) and not resolved by a non-PD scan
    assert status("LATE") == [("SD", None), ("PD", "unresolved"), ("PD", "unresolved")]
    assert status("NTL") == [("SD", None), ("PD", "confirmed"), ("PD", "iCPD")]
    assert status("NEW") == [("SD", None), ("PD", "confirmed"), ("PD", "confirmed"), ("PD", "iCPD")]
    wide = ns.criteria.Criterion(name="irecist_wide", confirm_pd=True, confirm_pd_window=(28, None))
    assert row(classify(cohort, wide), "LATE", 200)["pd_status"] == "iCPD"

    bor = best_response(tp).set_index("patient_id")
    assert bool(bor.loc["PSEUDO", "pseudoprogression"])
    assert pd_isna(bor.loc["PSEUDO", "first_pd_date"])
    assert bor.loc["PSEUDO", "bor"] == "SD"
    assert bor.loc["CONF", "first_pd_date"] == row(tp, "CONF", 112)["date"]  # the iUPD date
    assert bor.loc["CONF", "pd_status"] == "confirmed"
    assert bor.loc["LATE", "bor"] == "SD"  # iSD at day 56, then an iUPD never confirmed
    assert bor.loc["LATE", "first_pd_date"] == row(tp, "LATE", 112)["date"]
    assert bor.loc["LATE", "pd_status"] == "unresolved"
    # the same scans under RECIST 1.1: first PD at the first growth
    rec = best_response(classify(cohort, "recist1.1")).set_index("patient_id")
    assert rec.loc["PSEUDO", "first_pd_date"] == row(tp, "PSEUDO", 112)["date"]

    # PFS: pseudoprogression is no event; a confirmed block counts from its iUPD; an unresolved
    # iUPD counts (unresolved_pd="event", the default) or not ("censor")
    censor = replace(ns.criteria.IRECIST, name="irecist_c", unresolved_pd="censor")
    ep = ns.derive_endpoints(cohort, ["irecist", censor], endpoints=["PFS"]).table
    pfs = ep.set_index(["criterion", "patient_id"])
    assert pfs.loc[("irecist", "PSEUDO"), "event"] == 0
    assert pfs.loc[("irecist", "CONF"), "date"] == row(tp, "CONF", 112)["date"]
    assert pfs.loc[("irecist", "LATE"), "event"] == 1
    assert pfs.loc[("irecist", "LATE"), "date"] == row(tp, "LATE", 112)["date"]
    assert pfs.loc[("irecist_c", "LATE"), "event"] == 0
    assert pfs.loc[("irecist_c", "CONF"), "event"] == 1


def pd_isna(x: object) -> bool:
    import pandas as pd

    return bool(pd.isna(x))


def test_reader_response_is_taken_as_recorded() -> None:
    c = Case()
    c.scan("P1", -7, T1=30)
    c.scan("P1", 56, T1=30, reader="PR")
    c.scan("P1", 112, T1=30)
    tp = classify(c.build(), ["reader", "recist1.1"])
    r = row(tp, "P1", 56, "reader")
    assert (r["response"], r["reason"]) == ("PR", "reader")
    r = row(tp, "P1", 112, "reader")
    assert (r["response"], r["reason"]) == ("NE", "reader_missing")
    assert row(tp, "P1", 56, "recist1.1")["response"] == "SD"


def test_every_preset_classifies_and_cites_a_source() -> None:
    assert len(ns.criteria.PRESETS) == 29  # 23 imaging, 6 biochemical
    for crit in ns.criteria.PRESETS.values():
        assert crit.source, crit.name
    c = Case()
    c.scan("P1", -7, T1={"long_axis_mm": 30.0, "volume_ml": 14.0, "density_hu": 90.0})
    c.scan("P1", 56, T1={"long_axis_mm": 25.0, "volume_ml": 8.0, "density_hu": 80.0})
    tp = classify(c.build(), list(ns.criteria.PRESETS))
    assert set(tp.table["criterion"]) | set(tp.attrition["criterion"]) == set(ns.criteria.PRESETS)


def pet(ml: float, **extra: float) -> dict[str, float]:
    return {"volume_ml": ml, **extra}


def test_sstv_exact_boundaries_and_nadir_reference() -> None:
    """SST-TV (Chaban): response <= -40 % vs baseline, progression >= +20 % vs nadir, both
    inclusive (CRITERIA.md 2.8)."""
    c = Case()
    for pid, t1, t2 in (
        ("R40", 18.0, 12.0),  # 50 -> 30 mL: -40.0 % exactly
        ("R39", 18.0, 12.1),  # 30.1: -39.8 %
        ("P20", 36.0, 24.0),  # 60: +20.0 % exactly
        ("P19", 36.0, 23.9),  # 59.9: +19.8 %
    ):
        c.scan(pid, -5, modality="SST-PET", T1=pet(30.0), T2=pet(20.0))
        c.scan(pid, 84, modality="SST-PET", T1=pet(t1), T2=pet(t2))
    c.scan("NADIR", -5, modality="SST-PET", T1=pet(30.0), T2=pet(20.0))
    c.scan("NADIR", 84, modality="SST-PET", T1=pet(24.0), T2=pet(16.0))  # 40: -20 %
    c.scan("NADIR", 168, modality="SST-PET", T1=pet(28.8), T2=pet(19.2))  # 48: +20 % vs 40
    tp = classify(c.build(), "sstv")
    r = row(tp, "R40", 84)
    assert (r["value"], r["pct_change_baseline"]) == (30.0, pytest.approx(-40.0))
    assert (r["response"], r["reason"]) == ("PR", "size_pr")
    assert row(tp, "R39", 84)["response"] == "SD"
    r = row(tp, "P20", 84)
    assert (r["value"], r["nadir_value"], r["pct_change_nadir"]) == (
        60.0,
        50.0,
        pytest.approx(20.0),
    )
    assert (r["response"], r["reason"]) == ("PD", "sum_pd")
    assert row(tp, "P19", 84)["response"] == "SD"
    r = row(tp, "NADIR", 168)  # -4 % vs baseline, +20 % vs the nadir of 40 mL
    assert r["pct_change_baseline"] == pytest.approx(-4.0)
    assert (r["nadir_value"], r["response"]) == (40.0, "PD")


def test_early_sstv_ten_percent_decrease_is_a_responder() -> None:
    c = Case()
    for pid, t1 in (("D10", 27.0), ("D9", 27.1)):  # 50 -> 45 (-10.0 %) / 45.1 (-9.8 %)
        c.scan(pid, -5, modality="SST-PET", T1=pet(30.0), T2=pet(20.0))
        c.scan(pid, 42, modality="SST-PET", T1=pet(t1), T2=pet(18.0))
        c.scan(pid, 120, modality="SST-PET", T1=pet(10.0), T2=pet(5.0))  # not read
    tp = classify(c.build(), "early_sstv")
    r = row(tp, "D10", 42)
    assert r["pct_change_baseline"] == pytest.approx(-10.0)
    assert (r["response"], r["reason"]) == ("PR", "size_pr")
    assert row(tp, "D9", 42)["response"] == "SD"
    fu = tp.table[tp.table["role"] == "follow_up"]
    assert fu["date"].nunique() == 1  # only the scan after cycle 1
    b = best_response(tp, sd_min_days=0).set_index("patient_id")
    assert b["responder"].to_dict() == {"D10": True, "D9": False}


def test_volume_criterion_new_lesion_and_missing_lesion() -> None:
    c = Case()
    c.scan("NEW", -5, modality="SST-PET", T1=pet(30.0), T2=pet(20.0))
    c.scan("NEW", 84, modality="SST-PET", T1=pet(20.0), T2=pet(10.0), X1=pet(0.5))  # -40 %
    c.scan("MISS", -5, modality="SST-PET", T1=pet(30.0), T2=pet(20.0))
    c.scan("MISS", 84, modality="SST-PET", T1=pet(20.0), T2=None)  # T2 not measured
    c.scan("CERT", -5, modality="SST-PET", T1=pet(30.0), T2=pet(20.0))
    c.scan("CERT", 84, modality="SST-PET", T1=pet(60.0), T2=None)  # T1 alone: +20 % vs 50
    c.scan("FLAG", -7, T1={"long_axis_mm": 30.0, "volume_ml": 14.0})
    c.scan("FLAG", 84, new=True, T1={"long_axis_mm": 30.0, "volume_ml": 14.0})
    tp = classify(c.build(), ["sstv", "volumetric_recist"])
    r = row(tp, "NEW", 84, "sstv")
    assert r["value"] == 30.0  # the new lesion is not added to the followed sum
    assert (r["target_response"], r["response"], r["reason"]) == ("PR", "PD", "new_lesion")
    r = row(tp, "MISS", 84, "sstv")
    assert (r["n_measured"], r["n_lesions"]) == (1, 2) and pd.isna(r["value"])
    assert (r["response"], r["reason"]) == ("NE", "missing_lesion")
    r = row(tp, "CERT", 84, "sstv")
    assert (r["response"], r["reason"]) == ("PD", "sum_pd_despite_missing")
    r = row(tp, "FLAG", 84, "volumetric_recist")
    assert (r["target_response"], r["response"], r["reason"]) == ("SD", "PD", "new_lesion")


def test_eortc_pet_complete_response_and_new_lesion() -> None:
    def suv(x: float) -> dict[str, float]:
        return {"suv_max": x}

    c = Case()
    c.scan("CMR", -5, modality="FDG-PET", T1=suv(6.0), T2=suv(4.0))
    c.scan("CMR", 60, modality="FDG-PET", T1=suv(0.0), T2=suv(0.0))
    c.scan("NEW", -5, modality="FDG-PET", T1=suv(6.0), T2=suv(4.0))
    c.scan("NEW", 60, modality="FDG-PET", T1=suv(3.0), T2=suv(2.0), X1=suv(3.5))  # -50 %
    c.scan("PMR", -5, modality="FDG-PET", T1=suv(6.0), T2=suv(4.0))
    c.scan("PMR", 60, modality="FDG-PET", T1=suv(5.0), T2=suv(2.4))  # 7.4: -26 %
    tp = classify(c.build(), "eortc_pet1999")
    r = row(tp, "CMR", 60)
    assert (r["value"], r["response"], r["reason"]) == (0.0, "CR", "cr")
    r = row(tp, "NEW", 60)
    assert (r["target_response"], r["response"], r["reason"]) == ("PR", "PD", "new_lesion")
    assert row(tp, "PMR", 60)["response"] == "PR"
    b = best_response(tp).set_index("patient_id")
    assert (
        b.loc["CMR", "bor"] == "CR" and b.loc["NEW", "first_pd_date"] == row(tp, "NEW", 60)["date"]
    )


def test_response_reference_nadir() -> None:
    """With response_reference="nadir" a decrease is judged against the smallest earlier value,
    which is never above baseline: PR is harder than against baseline."""
    nadir_ref = replace(ns.criteria.RECIST_1_1, name="recist_nadir_pr", response_reference="nadir")
    c = Case()
    c.scan("P1", -7, T1=30, T2=20)  # 50
    c.scan("P1", 56, T1=24, T2=16)  # 40: -20 %
    c.scan("P1", 112, T1=18, T2=12)  # 30: -40 % vs baseline, -25 % vs nadir 40
    c.scan("P1", 168, T1=12.6, T2=8.4)  # 21: -30 % vs nadir 30
    tp = classify(c.build(), [nadir_ref, "recist1.1"])
    assert [row(tp, "P1", d, "recist1.1")["response"] for d in (56, 112, 168)] == [
        "SD",
        "PR",
        "PR",
    ]
    assert [row(tp, "P1", d, "recist_nadir_pr")["response"] for d in (56, 112, 168)] == [
        "SD",
        "SD",
        "PR",
    ]
    r = row(tp, "P1", 168, "recist_nadir_pr")
    assert (r["nadir_value"], r["pct_change_nadir"]) == (30.0, pytest.approx(-30.0))


def test_mean_aggregation_scales_the_absolute_minimum() -> None:
    """aggregation="mean": the same relative change as the sum, but the 5 mm minimum applies to
    the mean diameter (2.5 mm here), so +10 % is PD on the sum and SD on the mean."""
    mean10 = replace(ns.criteria.RECIST_10_10, name="recist_10_10_mean", aggregation="mean")
    c = Case()
    c.scan("P1", -7, T1=30, T2=20)  # sum 50, mean 25
    c.scan("P1", 84, T1=33, T2=22)  # sum 55, mean 27.5: +10 %
    c.scan("P1", 168, T1=21, T2=14)  # sum 35, mean 17.5: -30 %
    tp = classify(c.build(), [mean10, "recist_10_10"])
    r = row(tp, "P1", 84, "recist_10_10_mean")
    assert (r["baseline_value"], r["value"], r["abs_change_nadir"]) == (25.0, 27.5, 2.5)
    assert r["pct_change_nadir"] == pytest.approx(10.0)
    assert r["response"] == "SD"
    assert row(tp, "P1", 84, "recist_10_10")["response"] == "PD"
    r = row(tp, "P1", 168, "recist_10_10_mean")
    assert (r["value"], r["response"]) == (17.5, "PR")


def test_total_lesion_activity() -> None:
    """measure="tla": sum over lesions of volume x SUVmean; it can respond or progress while
    the volume alone does not."""
    tla = ns.criteria.Criterion(
        name="tla",
        modality=("SST-PET",),
        measure="tla",
        lesion_set="all",
        response_threshold=-0.40,
        progression_threshold=0.20,
        progression_min_abs=None,
        nontarget_pd=False,
        cr_rule="zero",
        too_small_mm=None,
    )
    c = Case()
    c.scan("P1", -5, modality="SST-PET", T1=pet(20.0, suv_mean=10.0), T2=pet(10.0, suv_mean=5.0))
    c.scan("P1", 84, modality="SST-PET", T1=pet(15.0, suv_mean=8.0), T2=pet(10.0, suv_mean=3.0))
    c.scan("P1", 168, modality="SST-PET", T1=pet(15.0, suv_mean=10.0), T2=pet(10.0, suv_mean=3.0))
    tp = classify(c.build(), [tla, "sstv"])
    r = row(tp, "P1", 84, "tla")  # 200 + 50 = 250 -> 120 + 30 = 150: -40 %
    assert (r["baseline_value"], r["value"]) == (250.0, 150.0)
    assert (r["response"], r["reason"]) == ("PR", "size_pr")
    assert row(tp, "P1", 84, "sstv")["response"] == "SD"  # volume 30 -> 25 mL: -16.7 %
    r = row(tp, "P1", 168, "tla")  # 150 + 30 = 180: +20 % vs nadir 150
    assert (r["value"], r["nadir_value"], r["response"]) == (180.0, 150.0, "PD")
    assert row(tp, "P1", 168, "sstv")["response"] == "SD"  # volume unchanged
