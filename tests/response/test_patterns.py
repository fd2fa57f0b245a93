"""Scan-level patterns, hand-worked: mixed response (organ and lesion level), counts of
progressing lesions and organs, oligoprogression, lesion-level pseudoprogression and the
heterogeneity indices."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from resp_build import Case, row

import netsurv as ns

LIVER = "liver"


def at(site: str, la: float, **extra: object) -> dict[str, object]:
    return {"site": site, "long_axis_mm": la, **extra}


def test_mixed_response_organ_level_by_default_and_lesion_level() -> None:
    """Issue 17: "`mixed_response` is organ-level by default (>= 1 organ responding and >= 1
    organ progressing at the scan); `level="lesion"` gives the lesion-level version."

    ORG: liver 30 -> 20 (-33 %), bone 20 -> 26 (+30 %): both levels mixed.  LES: two liver
    lesions, 30 -> 18 (-40 %) and 20 -> 27 (+35 %); the liver sum 50 -> 45 is stable, so only
    the lesion level is mixed."""
    c = Case()
    c.scan("ORG", -7, T1=30, T2=at("bone", 20))
    c.scan("ORG", 56, T1=20, T2=at("bone", 26))
    c.scan("LES", -7, T1=30, T2=20)
    c.scan("LES", 56, T1=18, T2=27)
    cohort = c.build()
    organ = ns.add_patterns(cohort, "recist1.1")
    lesion = ns.add_patterns(cohort, "recist1.1", level="lesion")
    assert row(organ, "ORG", 56)["mixed_response"]
    assert row(lesion, "ORG", 56)["mixed_response"]
    r = row(organ, "LES", 56)
    assert (r["n_progressing_organs"], r["n_responding_organs"], r["mixed_response"]) == (
        0,
        0,
        False,
    )
    assert row(lesion, "LES", 56)["mixed_response"]
    assert row(organ, "ORG", 56)["n_progressing_organs"] == 1
    assert not row(organ, "ORG", -7)["mixed_response"]  # baseline rows: no pattern


def test_n_progressing_lesions_counts_growth_and_new_lesions() -> None:
    """Issue 17: "`n_progressing_lesions`, `n_progressing_organs`": a lesion grown past the
    cut-off vs its nadir, or new; a recorded new lesion without a lesion row counts as one in an
    unknown organ.  Organs progress by their own sum: liver 40 -> 45 (+12.5 %) does not,
    although T1 grew 25 %; bone, with a new lesion, does."""
    c = Case()
    c.scan("P1", -7, T1=20, T2=20, T3=at("lung", 20))
    c.scan("P1", 56, T1=25, T2=20, T3=at("lung", 20), X1=at("bone", 10))
    c.scan("P2", -7, T1=20)
    c.scan("P2", 56, new=True, T1=20)
    tp = ns.add_patterns(c.build(), "recist1.1")
    r = row(tp, "P1", 56)
    assert (r["n_progressing_lesions"], r["n_progressing_organs"]) == (2, 1)
    r = row(tp, "P2", 56)
    assert (r["n_progressing_lesions"], r["n_progressing_organs"], r["response"]) == (1, 1, "PD")


def test_oligoprogression() -> None:
    """Issue 17: "Oligoprogression defaults: at most 3 progressing or new lesions in at most 2
    organs (`oligoprogression=(3, 2)` as a criterion field ...), the time point being PD under
    the criterion, and every other followed lesion not progressing."

    OLIGO: one of three lesions grows 20 -> 35 (+75 %; sum +25 %, +15 mm: PD).  POLY: four
    lesions each +30 %: PD with 4 progressing lesions.  SPREAD: three lesions in three organs
    each +30 %: 3 lesions but 3 organs (oligoprogression only with m = 3)."""
    c = Case()
    c.scan("OLIGO", -7, T1=20, T2=20, T3=at("lung", 20))
    c.scan("OLIGO", 56, T1=35, T2=20, T3=at("lung", 20))
    c.scan("POLY", -7, T1=20, T2=20, T3=at("lung", 20), T4=at("lung", 20))
    c.scan("POLY", 56, T1=26, T2=26, T3=at("lung", 26), T4=at("lung", 26))
    c.scan("SPREAD", -7, T1=20, T2=at("lung", 20), T3=at("bone", 20))
    c.scan("SPREAD", 56, T1=26, T2=at("lung", 26), T3=at("bone", 26))
    cohort = c.build()
    tp = ns.add_patterns(cohort, "recist1.1")
    assert row(tp, "OLIGO", 56)[["response", "oligoprogression"]].tolist() == ["PD", True]
    assert row(tp, "POLY", 56)[["response", "n_progressing_lesions"]].tolist() == ["PD", 4]
    assert not row(tp, "POLY", 56)["oligoprogression"]
    assert not row(tp, "SPREAD", 56)["oligoprogression"]
    wide = replace(ns.criteria.RECIST_1_1, name="wide", oligoprogression=(3, 3))
    assert row(ns.add_patterns(cohort, wide), "SPREAD", 56)["oligoprogression"]
    assert ns.criteria.RECIST_1_1.oligoprogression == (3, 2)


@pytest.mark.parametrize("bad", [(0, 2), (3, 0), (2.5, 1), (3,), "3,2"])
def test_oligoprogression_bounds_are_checked_naming_the_field(bad: object) -> None:
    """Issue 17, bad input: "k or m < 1: clear errors naming ... field"."""
    with pytest.raises(ns.ConfigError, match="criterion 'x': oligoprogression"):
        replace(ns.criteria.RECIST_1_1, name="x", oligoprogression=bad)


def test_lesion_pseudoprogression() -> None:
    """Issue 17: "`lesion_pseudoprogression` (a lesion that grows past the criterion's
    progression cut-off and later falls back below it without new therapy)".

    PSEUDO: T1 20 -> 26 (+30 % vs nadir 20) -> 21 (+5 % vs that nadir): the day-56 scan shows
    lesion pseudoprogression.  TRUE: T1 stays at 26.  NEWLINE: T1 falls back only on a scan of
    the next line (new therapy), so it is no pseudoprogression on the first line."""
    c = Case()
    c.scan("PSEUDO", -7, T1=20, T2=40)
    c.scan("PSEUDO", 56, T1=26, T2=40)
    c.scan("PSEUDO", 112, T1=21, T2=40)
    c.scan("TRUE", -7, T1=20, T2=40)
    c.scan("TRUE", 56, T1=26, T2=40)
    c.scan("TRUE", 112, T1=26, T2=40)
    c.line("NEWLINE", "L1", 0)
    c.line("NEWLINE", "L2", 100)
    c.scan("NEWLINE", -7, T1=20, T2=40)
    c.scan("NEWLINE", 56, T1=26, T2=40)
    c.scan("NEWLINE", 95, T1=26, T2=40)
    c.scan("NEWLINE", 150, T1=21, T2=40)
    tp = ns.add_patterns(c.build(), "recist1.1")
    assert row(tp, "PSEUDO", 56)["lesion_pseudoprogression"]
    assert not row(tp, "PSEUDO", 112)["lesion_pseudoprogression"]
    assert not tp[tp["patient_id"] == "TRUE"]["lesion_pseudoprogression"].any()
    first = tp[(tp["patient_id"] == "NEWLINE") & (tp["line_id"] == "L1")]
    assert not first["lesion_pseudoprogression"].any()


def test_heterogeneity_indices() -> None:
    """Issue 17: "heterogeneity indices (fraction of lesions responding, SD / CV of per-lesion
    change, CV of lesion SUVmax at baseline; Krenning-score spread ...)" and "Spread statistics
    use the sample SD (ddof = 1); a CV with a mean change of 0 is NaN".

    HET: changes -50, 0, +20 %: mean -10, SD sqrt((40² + 10² + 30²) / 2) = sqrt(1300); one of
    three responding.  SUVmax at baseline 10, 20, 30: CV 10 / 20 = 0.5.  Krenning scores 2, 4,
    3: spread 2.  ZERO: changes -10 %, +10 %: mean 0, CV NaN."""
    c = Case()
    c.scan(
        "HET",
        -7,
        T1=at(LIVER, 20, suv_max=10, krenning_score=2),
        T2=at("lung", 40, suv_max=20, krenning_score=4),
        T3=at("bone", 10, suv_max=30, krenning_score=3),
    )
    c.scan("HET", 56, T1=at(LIVER, 10), T2=at("lung", 40), T3=at("bone", 12))
    c.scan("ZERO", -7, T1=20, T2=20)
    c.scan("ZERO", 56, T1=18, T2=22)
    tp = ns.add_patterns(c.build(), "recist1.1")
    r = row(tp, "HET", 56)
    assert r["sd_lesion_change"] == pytest.approx(math.sqrt(1300))
    assert r["cv_lesion_change"] == pytest.approx(math.sqrt(1300) / 10)
    assert r["frac_lesions_responding"] == pytest.approx(1 / 3)
    assert r["cv_baseline_suv_max"] == pytest.approx(0.5)
    assert row(tp, "HET", -7)["krenning_spread"] == 2
    r = row(tp, "ZERO", 56)
    assert r["sd_lesion_change"] == pytest.approx(math.sqrt(200))
    assert math.isnan(r["cv_lesion_change"])
    assert math.isnan(r["krenning_spread"]) and math.isnan(r["cv_baseline_suv_max"])


def test_patterns_keep_the_time_point_table_and_serve_groupings() -> None:
    """The patterns are columns of the time-point table: the classifier's columns are
    unchanged, and a pattern can group a Kaplan-Meier analysis."""
    cohort = ns.load_demo()
    tp = ns.classify(
        cohort, ["recist1.1", "sstv", ns.criteria.combine("recist1.1", "sstv", name="c")]
    )
    out = ns.add_patterns(tp)
    base = out[tp.table.columns]
    assert base.equals(tp.table)
    assert set(ns.response.PATTERN_COLUMNS) <= set(out.columns)
    comb = out[out["criterion"] == "c"]
    assert comb["n_progressing_lesions"].sum() > 0
    first_fu = out[(out["criterion"] == "recist1.1") & (out["role"] == "follow_up")]
    first_fu = first_fu.drop_duplicates(["patient_id", "line_id"])
    ep = ns.derive_endpoints(cohort, criteria=["recist1.1"], endpoints=["OS"]).table
    grouped = ep.merge(
        first_fu[["patient_id", "line_id", "mixed_response"]], on=["patient_id", "line_id"]
    )
    km = ns.survival.kaplan_meier(
        grouped, duration_col="months", event_col="event", by="mixed_response"
    )
    assert km is not None


def test_pattern_events_type_progression_events() -> None:
    """Patterns as endpoint event types: a progression event whose scan shows
    oligoprogression is of cause ``oligoprogression``; competing-risks data follow."""
    cohort = ns.load_demo()
    pats = ns.add_patterns(cohort, "recist1.1")
    ep = ns.derive_endpoints(cohort, "recist1.1", endpoints=["PFS"]).table
    typed = ns.response.pattern_events(ep, pats, "oligoprogression")
    oligo = typed[typed["event_cause"] == "oligoprogression"]
    assert len(oligo) > 0 and oligo["oligoprogression"].all()
    scans = pats[pats["oligoprogression"]]
    keys = set(scans["patient_id"] + " / " + scans["assessment_id"])
    assert set(oligo["source_key"]) <= keys
    assert (typed["event"] == ep["event"]).all()
    cr = ns.endpoints.competing_events(
        typed, endpoint="PFS", causes=("oligoprogression", "progression", "death")
    )
    assert set(cr["status"]) == {0, 1, 2, 3}
    with pytest.raises(ns.ConfigError, match="pattern must be one of"):
        ns.response.pattern_events(ep, pats, "n_progressing_lesions")


def test_every_preset_has_lesion_and_organ_tables_and_patterns() -> None:
    """Every preset and combined preset (every measure: diameters, viable diameter, products,
    volume, SUV, SUL, density composites; new-lesion-only and recorded reads) gives a lesion
    table, an organ table and pattern columns; a recorded read and a circulating marker have no
    lesions, so no patterns."""
    cohort = ns.load_demo()
    names = [*ns.criteria.PRESETS, *ns.criteria.COMBINED_PRESETS]
    lr = ns.lesion_response(cohort, names)
    measured = set(lr.table["criterion"])
    markers = {n for n, c in ns.criteria.PRESETS.items() if c.measure == "marker"}
    assert markers and set(names) - measured == {"reader"} | markers
    assert lr.table["lesion_class"].notna().any()
    assert set(ns.organ_response(cohort, names)["criterion"]) == measured
    pats = ns.add_patterns(cohort, names)
    read = pats[pats["criterion"] == "reader"]
    assert (read["n_progressing_lesions"] == 0).all() and not read["oligoprogression"].any()
    assert pats.loc[pats["criterion"] == "sstv", "n_progressing_lesions"].sum() > 0
