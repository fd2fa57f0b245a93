"""Simulated cohorts: reproducibility, structure of the tables, consistency of the truth, and
what the overrides change."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import netsurv as ns
from netsurv.io import write_cohort
from netsurv.simulate import simulate_cohort, simulate_tables

SCENARIOS = ["ssa", "prrt", "targeted", "mixed"]


@pytest.fixture(scope="module")
def cohorts() -> dict[str, ns.Cohort]:
    return {s: simulate_cohort(250, seed=11, scenario=s) for s in SCENARIOS}


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal values, missing values compared as missing whatever their spelling."""
    pd.testing.assert_frame_equal(
        a.astype(object).where(a.notna(), None),
        b.astype(object).where(b.notna(), None),
        check_dtype=False,
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes_different_seed_different(tmp_path: Path) -> None:
    a = simulate_cohort(120, seed=7, scenario="mixed")
    b = simulate_cohort(120, seed=7, scenario="mixed")
    c = simulate_cohort(120, seed=8, scenario="mixed")
    for name, cohort in (("a", a), ("b", b), ("c", c)):
        write_cohort(cohort, tmp_path / name)
    fa, fb, fc = (_files(tmp_path / n) for n in "abc")
    assert list(fa) == [
        "assessments.csv",
        "lesions.csv",
        "lines.csv",
        "patients.csv",
        "truth.csv",
    ]
    assert fa == fb
    assert all(fa[k] != fc[k] for k in fa)
    # the files read back into the same cohort, truth included
    back = ns.read_cohort(tmp_path / "a")
    for t in ("patients", "lines", "assessments", "lesions", "truth"):
        _same(getattr(back, t), getattr(a, t))


def test_seed_by_position_as_in_the_issue() -> None:
    # ns.simulate_cohort(n_patients, seed, scenario=..., **overrides)
    by_position = ns.simulate_cohort(30, 4, scenario="prrt", noise_cv=0.05)
    by_name = simulate_cohort(30, seed=4, scenario="prrt", noise_cv=0.05)
    for t in ("patients", "lines", "assessments", "lesions", "truth"):
        pd.testing.assert_frame_equal(getattr(by_position, t), getattr(by_name, t))
    assert simulate_tables(5, 4)["patients"].shape[0] == 5


def test_chunks_are_independent_streams() -> None:
    # more patients than one chunk: the first chunk's patients do not depend on the total
    small = simulate_tables(1000, seed=3, scenario="targeted")["patients"]
    big = simulate_tables(1001, seed=3, scenario="targeted")["patients"]
    assert big["patient_id"].iloc[-1] == "P1001"
    pd.testing.assert_frame_equal(big.iloc[:1000], small)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_valid_and_complete(cohorts: dict[str, ns.Cohort], scenario: str) -> None:
    c = cohorts[scenario]
    assert c.n_patients == 250
    assert c.warnings.empty and c.attrition.empty
    assert c.truth is not None
    keys = ["patient_id", "line_id"]
    pd.testing.assert_frame_equal(
        c.truth[keys].sort_values(keys).reset_index(drop=True),
        c.lines[keys].sort_values(keys).reset_index(drop=True),
    )
    links = c.assessment_lines
    base = links[links["role"] == "baseline"]
    for modalities in (("CT", "MRI"), ("SST-PET",)):
        has = base[base["modality"].isin(modalities)].groupby(keys).size()
        assert len(has) == len(c.lines)
    # every line has follow-up scans unless it started shortly before death or the cut-off
    dead = c.patients["death_date"].notna().mean()
    assert 0.15 < dead < 0.8


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_targets_follow_recist(cohorts: dict[str, ns.Cohort], scenario: str) -> None:
    c = cohorts[scenario]
    base = c.assessment_lines.query("role == 'baseline' and modality in ['CT', 'MRI']")
    les = c.lesions.merge(base[["patient_id", "assessment_id", "line_id"]])
    tg = les[les["role"] == "target"]
    node = tg["site"] == "lymph_node"
    assert (tg.loc[node, "short_axis_mm"] >= 15).all()
    assert (tg.loc[~node, "long_axis_mm"] >= 10).all()
    assert tg.groupby(["patient_id", "line_id"]).size().max() <= 5
    assert tg.groupby(["patient_id", "line_id", "site"], observed=True).size().max() <= 2
    assert (les["role"] != "new").all()
    # each line has targets, nodes are measured by their short axis on CT / MRI
    assert tg.groupby(["patient_id", "line_id"]).ngroups >= 0.95 * len(c.lines)
    anat = c.lesions.merge(
        c.assessments.query("modality in ['CT', 'MRI']")[["patient_id", "assessment_id"]]
    )
    measured_node = (anat["site"] == "lymph_node") & anat["long_axis_mm"].notna()
    assert anat.loc[measured_node, "short_axis_mm"].notna().all()


def test_roles_are_fixed_within_a_line(cohorts: dict[str, ns.Cohort]) -> None:
    c = cohorts["mixed"]
    links = c.assessment_lines[["patient_id", "assessment_id", "line_id"]]
    les = c.lesions.merge(links)
    roles = les.groupby(["patient_id", "line_id", "lesion_id"])["role"].nunique()
    assert roles.max() == 1
    # lesions that were new on one line are followed as targets or non-targets on the next
    new_ids = les.loc[les["role"] == "new", ["patient_id", "lesion_id"]].drop_duplicates()
    later = les.merge(new_ids)
    assert later["role"].isin(["target", "non_target"]).any()


def test_measurement_content(cohorts: dict[str, ns.Cohort]) -> None:
    c = cohorts["mixed"]
    les = c.lesions.merge(c.assessments[["patient_id", "assessment_id", "modality"]])
    assert set(les["measurement_flag"].dropna()) == {"too_small", "not_evaluable"}
    assert set(les["role"]) == {"target", "non_target", "new"}
    ct = les[les["modality"] == "CT"]
    assert ct["density_hu"].notna().mean() > 0.9
    assert ct["volume_ml"].notna().mean() > 0.9
    assert ct["viable_long_axis_mm"].notna().any()
    assert (ct["long_axis_mm"] == 0).any()  # lesions that disappeared
    mri = les[les["modality"] == "MRI"]
    assert len(mri) and mri["density_hu"].isna().all()
    pet = les[les["modality"] == "SST-PET"]
    assert pet[["volume_ml", "suv_max", "suv_mean", "sul_peak"]].notna().mean().min() > 0.9
    assert pet["long_axis_mm"].isna().all()
    assert {"bone"} <= set(pet["site"]) and "bone" not in set(ct["site"])
    fdg = les[les["modality"] == "FDG-PET"]
    assert len(fdg) and fdg["sul_peak"].notna().mean() > 0.9
    a = c.assessments
    fu = c.assessment_lines.query("role == 'follow_up' and modality in ['CT', 'MRI']")
    read = a.merge(fu[["patient_id", "assessment_id"]].drop_duplicates())
    assert read["reader_response"].notna().all()
    assert {"PR", "SD", "PD", "NE"} <= set(read["reader_response"])
    assert set(read["reader_response"]) <= {"CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"}
    pet = a["modality"].isin(["SST-PET", "FDG-PET"])
    assert a.loc[pet, ["reader_response", "nontarget_status"]].isna().all().all()
    assert a["new_lesion"].any() and a["nontarget_status"].eq("PD").any()


def test_schedule(cohorts: dict[str, ns.Cohort]) -> None:
    c = cohorts["ssa"]
    fu = c.assessment_lines.query("modality in ['CT', 'MRI'] and role == 'follow_up'")
    fu = fu.sort_values(["patient_id", "line_id", "date"])
    gap = fu.groupby(["patient_id", "line_id"])["days_from_start"].diff().dropna()
    first_years = fu["days_from_start"].loc[gap.index] <= 700
    # every 12 weeks +/- 7 days for 2 years (a missed scan doubles the gap), then 24 weeks
    assert gap[first_years].median() == pytest.approx(84, abs=3)
    assert gap[first_years].between(70, 98).mean() > 0.9
    assert gap[~first_years].median() == pytest.approx(168, abs=8)
    prrt = cohorts["prrt"]
    sst = prrt.assessment_lines.query("modality == 'SST-PET' and role == 'follow_up'")
    first = sst.groupby(["patient_id", "line_id"])["days_from_start"].min()
    # SST-PET before the second cycle (cycles every 8 weeks)
    assert first.between(49, 55).mean() > 0.8
    assert prrt.lines["n_cycles"].max() == 4
    assert set(prrt.lines["end_reason"].dropna()) <= {
        "completed",
        "toxicity",
        "progression",
        "death",
    }


def test_truth_consistency(cohorts: dict[str, ns.Cohort]) -> None:
    for scenario, c in cohorts.items():
        t = c.truth
        assert t is not None
        has = t["true_progression_date"].notna()
        assert (t.loc[has, "true_progression_date"] >= t.loc[has, "start_date"]).all()
        assert (t.loc[has, "true_progression_date"] <= t.loc[has, "window_end_date"]).all()
        assert (t["true_progression_by"].notna() == has).all()
        assert set(t["true_progression_by"].dropna()) <= {"size", "new_lesion"}
        assert np.allclose(
            t["tgr_on_treatment"], t["tgr_baseline"] - t["growth_reduction"], atol=2e-3
        )
        assert (t.loc[t["regimen_class"] != "PRRT", "pseudoprogression"] == False).all()  # noqa: E712
        assert (~t["pseudoprogression_pd"] | t["pseudoprogression"]).all()
        p = c.patients.merge(t.drop_duplicates("patient_id"), on="patient_id", suffixes=("", "_t"))
        seen = p["death_date"].notna()
        assert (p.loc[seen, "death_date"] == p.loc[seen, "death_date_t"]).all()
        alive = ~seen
        assert (p.loc[alive, "last_alive_date"] == p.loc[alive, "censoring_date"]).all()
        assert (p["death_date_t"].isna() | (p["death_date_t"] <= p["cutoff_date"])).all()
        if scenario == "prrt":
            assert 0.05 < t["pseudoprogression"].mean() < 0.2
        assert t.groupby("patient_id")["dedifferentiation"].nunique().max() == 1


def test_observed_progression_follows_true_progression(cohorts: dict[str, ns.Cohort]) -> None:
    c = cohorts["ssa"]
    bor = ns.best_response(ns.classify(c, "recist1.1"))
    t = c.truth.merge(bor[["patient_id", "line_id", "first_pd_date"]])
    both = t.dropna(subset=["true_progression_date", "first_pd_date"])
    lag = (both["first_pd_date"] - both["true_progression_date"]).dt.days
    # scans every 12-24 weeks: the read lags the truth by weeks, rarely precedes it
    assert 0 < lag.median() < 120
    assert (lag > 0).mean() > 0.7

    # progression read without true progression comes from measurement noise
    def false_pd(cohort: ns.Cohort) -> float:
        b = ns.best_response(ns.classify(cohort, "recist1.1"))
        tt = cohort.truth.merge(b[["patient_id", "line_id", "first_pd_date"]])
        none = tt[tt["true_progression_date"].isna()]
        return float(none["first_pd_date"].notna().mean())

    noisy = false_pd(c)
    precise = false_pd(simulate_cohort(250, seed=11, scenario="ssa", noise_cv=0.02))
    assert precise < 0.5 * noisy


def test_death_link_zero_decouples_death_from_disease() -> None:
    def deaths(**kw: object) -> pd.Series:
        t = simulate_cohort(300, seed=5, scenario="ssa", **kw).truth
        return t.drop_duplicates("patient_id").set_index("patient_id")["death_date"]

    a, b = deaths(death_link=0.0), deaths(death_link=0.0, effect_scale=0.0)
    same = (a == b) | (a.isna() & b.isna()) | ((a - b).abs() <= pd.Timedelta(days=1))
    assert same.mean() > 0.99
    c, d = deaths(death_link=1.0), deaths(death_link=1.0, effect_scale=0.0)
    assert ((c == d) | (c.isna() & d.isna())).mean() < 0.8
    # without treatment, patients die earlier when death is linked to the disease
    assert (d.dropna() < pd.Timestamp("2030-01-01")).sum() > (
        c.dropna() < pd.Timestamp("2030-01-01")
    ).sum()


def test_overrides_change_the_data() -> None:
    c = simulate_cohort(
        150,
        seed=2,
        scenario="mixed",
        visit_interval=8,
        missed_visit_rate=0.0,
        not_evaluable_rate=0.0,
        pseudoprogression_rate=0.0,
        dedifferentiation_rate=0.0,
        fdg_pet_rate=0.0,
        mri_fraction=0.0,
        followup_months=24,
    )
    assert c.truth is not None
    assert not c.truth["pseudoprogression"].any() and not c.truth["dedifferentiation"].any()
    assert set(c.assessments["modality"]) == {"CT", "SST-PET"}
    assert "not_evaluable" not in set(c.lesions["measurement_flag"].dropna())
    ct = c.assessment_lines.query("modality == 'CT'").sort_values(["patient_id", "line_id", "date"])
    gap = ct.groupby(["patient_id", "line_id"])["days_from_start"].diff().dropna()
    assert gap.median() == pytest.approx(56, abs=3)
    cutoff = c.truth["cutoff_date"].max()
    assert c.assessments["date"].max() <= cutoff
    assert cutoff == pd.Timestamp("2012-01-01") + pd.Timedelta(days=int((48 + 24) * 30.4375))
