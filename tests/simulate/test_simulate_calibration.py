"""Calibration: simulated medians, response and pseudoprogression rates and the PFS-OS
correlation fall in the plausible ranges of the published figures (LITERATURE.md) for each
scenario.  The same table, with n = 2,000 per scenario, is in the simulator's report."""

from __future__ import annotations

import numpy as np
import pytest

from netsurv.simulate import calibration_table, kendall_tau_censored
from netsurv.simulate.calibration import COLUMNS, TARGETS


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["ssa", "prrt", "targeted", "mixed"])
def test_calibration_in_plausible_ranges(scenario: str) -> None:
    tab = calibration_table(scenario, n_patients=2000, seed=1)
    print(tab.to_string(index=False))  # shown with pytest -s
    assert tab.columns.tolist() == COLUMNS
    assert tab["quantity"].tolist() == list(TARGETS[scenario])
    out = tab[~tab["in_range"]]
    assert out.empty, out.to_string()


@pytest.mark.parametrize("scenario", ["ssa", "prrt", "targeted", "mixed"])
def test_every_scenario_reports_the_issue_figures(scenario: str) -> None:
    # the issue: medians (PFS by RECIST, OS), ORR and pseudoprogression rate next to the
    # published figures, for every scenario
    required = [
        "median PFS, RECIST 1.1 (months)",
        "median OS (months)",
        "ORR, RECIST 1.1 (%)",
        "pseudoprogression, latent (%)",
        "pseudoprogression, iRECIST read (%)",
        "Kendall tau (PFS, OS)",
    ]
    assert set(required) <= set(TARGETS[scenario])
    for published, source, low, high in TARGETS[scenario].values():
        assert published and source and low <= high


def test_kendall_tau_censored_hand_worked() -> None:
    # 4 subjects; (x, y): concordant pairs 12, 13, 14, 34, discordant 23, 24 -> tau = 2/6
    x = np.array([1.0, 2.0, 3.0, 4.0])
    y = np.array([1.0, 4.0, 2.0, 3.0])
    ev = np.ones(4, dtype=bool)
    assert kendall_tau_censored(x, ev, y, ev) == pytest.approx(1 / 3)
    # censoring the smaller time of a pair makes the pair unorderable: subject 1 censored
    # removes pairs 12, 13, 14 in x -> concordant 34, discordant 23, 24 -> tau = -1/3
    cx = ev.copy()
    cx[0] = False
    assert kendall_tau_censored(x, cx, y, ev) == pytest.approx(-1 / 3)
    assert np.isnan(kendall_tau_censored(x, ~ev, y, ev))
