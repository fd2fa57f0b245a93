"""Agreement between reads: cross-tables, percent agreement, Cohen's kappa (checked against
statsmodels), discordant patients; RECIST vs Choi and computed vs recorded read."""

from __future__ import annotations

import math

import numpy as np
import pytest
from resp_build import Case
from statsmodels.stats.inter_rater import cohens_kappa

import netsurv as ns
from netsurv.response import agreement, classify, cohen_kappa

NN = "NON-CR/NON-PD"


@pytest.mark.parametrize(
    "table",
    [
        [[20, 5], [10, 15]],
        [[20, 5, 1], [10, 15, 3], [2, 1, 9]],
        [[7, 0, 0], [0, 3, 1], [0, 0, 2]],
    ],
)
def test_kappa_matches_statsmodels(table: list[list[int]]) -> None:
    ours = cohen_kappa(np.array(table))
    ref = cohens_kappa(np.array(table))
    assert ours["kappa"] == pytest.approx(ref.kappa, rel=1e-12)
    assert ours["kappa_se"] == pytest.approx(ref.std_kappa, rel=1e-12)
    assert ours["kappa_low"] == pytest.approx(ref.kappa_low, rel=1e-12)
    assert ours["kappa_high"] == pytest.approx(ref.kappa_upp, rel=1e-12)


def test_kappa_hand_worked_and_degenerate() -> None:
    k = cohen_kappa(np.array([[20, 5], [10, 15]]))
    # po = 0.7, pe = 0.5 * 0.6 + 0.5 * 0.4 = 0.5, kappa = 0.4
    assert (k["n"], k["n_agree"], k["percent_agreement"]) == (50, 35, 70.0)
    assert k["kappa"] == pytest.approx(0.4)
    one = cohen_kappa(np.array([[5]]))
    assert one["percent_agreement"] == 100.0 and math.isnan(one["kappa"])
    empty = cohen_kappa(np.zeros((2, 2)))
    assert empty["n"] == 0 and math.isnan(empty["percent_agreement"])


def cohort() -> ns.Cohort:
    def d(la: float, hu: float) -> dict[str, float]:
        return {"long_axis_mm": la, "density_hu": hu}

    c = Case()
    # P1: both SD
    c.scan("P1", -7, T1=d(30, 100), ntl=NN)
    c.scan("P1", 84, T1=d(30, 100), ntl=NN, reader="SD")
    c.scan("P1", 168, T1=d(31, 100), ntl=NN, reader="SD")
    # P2: density response: Choi PR, RECIST SD
    c.scan("P2", -7, T1=d(30, 100), ntl=NN)
    c.scan("P2", 84, T1=d(29, 80), ntl=NN, reader="SD")
    c.scan("P2", 168, T1=d(29, 80), ntl=NN, reader="SD")
    # P3: +12 % growth: Choi PD, RECIST SD; the reader called PD
    c.scan("P3", -7, T1=d(50, 100), ntl=NN)
    c.scan("P3", 84, T1=d(50, 100), ntl=NN, reader="SD")
    c.scan("P3", 168, T1=d(56, 100), ntl=NN, reader="PD")
    # P4: RECIST PR, Choi PR
    c.scan("P4", -7, T1=d(30, 100), ntl=NN)
    c.scan("P4", 84, T1=d(20, 100), ntl=NN, reader="PR")
    c.scan("P4", 168, T1=d(20, 100), ntl=NN, reader="PR")
    c.scan("P4", -5, modality="SST-PET", T1={"volume_ml": 10.0})
    c.scan("P4", 90, modality="SST-PET", T1={"volume_ml": 5.0})
    return c.build()


def test_recist_vs_choi() -> None:
    tp = classify(cohort(), ["recist1.1", "choi"])
    res = agreement(tp, criterion_a="recist1.1", criterion_b="choi")
    assert res.criteria == ("recist1.1", "choi")
    scan = res.kappa.set_index("level").loc["scan"]
    assert (scan["n"], scan["n_agree"]) == (8, 5)
    assert res.scan_table.loc["SD", "PR"] == 2 and res.scan_table.loc["SD", "PD"] == 1
    assert list(res.scan_table.index) == list(res.scan_table.columns) == ["PR", "SD", "PD"]
    assert res.bor_table.to_numpy().sum() == 4
    assert res.pd_table.loc["no PD", "PD"] == 1
    disc = res.discordant.set_index("patient_id")
    assert set(disc.index) == {"P2", "P3"}
    assert (disc.loc["P2", "bor_a"], disc.loc["P2", "bor_b"]) == ("SD", "PR")
    assert bool(disc.loc["P3", "pd_b"]) and not bool(disc.loc["P3", "pd_a"])
    assert disc.loc["P2", "n_scans_discordant"] == 2


def test_computed_vs_recorded_read_from_two_results() -> None:
    c = cohort()
    res = agreement(classify(c, "recist1.1"), classify(c, "reader"))
    s = res.kappa.set_index("level")
    assert s.loc["scan", "n"] == 8 and s.loc["scan", "n_agree"] == 7
    assert list(res.discordant["patient_id"]) == ["P3"]
    assert 0 < s.loc["scan", "kappa"] < 1
    assert s.loc["scan", "kappa_low"] < s.loc["scan", "kappa"] < s.loc["scan", "kappa_high"]


def test_reads_of_different_modalities_share_no_scans() -> None:
    tp = classify(cohort(), ["recist1.1", "sstv"])
    res = agreement(tp, criterion_a="recist1.1", criterion_b="sstv")
    s = res.kappa.set_index("level")
    assert s.loc["scan", "n"] == 0 and math.isnan(s.loc["scan", "kappa"])
    assert s.loc["bor", "n"] == 1  # only P4 has an SST-PET baseline


def test_agreement_needs_a_choice_of_criteria() -> None:
    tp = classify(cohort(), ["recist1.1", "choi"])
    with pytest.raises(ns.ConfigError, match="criterion_a"):
        agreement(tp)
    with pytest.raises(ns.ConfigError, match="same criterion"):
        agreement(tp, criterion_a="choi", criterion_b="choi")
    with pytest.raises(ns.ConfigError, match="not in the timepoints"):
        agreement(tp, criterion_a="who", criterion_b="choi")
