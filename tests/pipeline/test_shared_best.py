"""The analysed time points start with the best responses the classification stage made when
every line is analysed (the selected table is the classified one), and what they give equals
a computation on a fresh table; with a line selection they start empty."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from netsurv.config import Config
from netsurv.pipeline import stages
from netsurv.response import best_response

BASE = {
    "run": {"name": "shared"},
    "criteria": {"presets": ["recist1.1", "choi"]},
    "endpoints": {"names": ["PFS", "OS", "DoR"]},
    "landmark": {"enabled": False},
    "compare": {"enabled": False},
    "report": {"enabled": False},
}


@pytest.mark.parametrize("selection", [{}, {"regimen_class": "PRRT"}])
def test_analysed_best_responses_equal_a_fresh_computation(selection: dict[str, str]) -> None:
    cfg = Config.model_validate(BASE | {"cohort": selection})
    res = stages.analyse(cfg, stages.load_cohort(cfg))
    tp = res.timepoints
    assert bool(tp.best_cache) == (not selection)
    for confirm in (None, False, True):
        fresh = replace(tp, table=tp.table)  # a new Timepoints: nothing kept
        pd.testing.assert_frame_equal(
            best_response(tp, confirm=confirm), best_response(fresh, confirm=confirm)
        )
