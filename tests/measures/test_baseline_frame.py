"""The baseline NET biomarkers reach the per-line frame that configs draw covariates from."""

from __future__ import annotations

from pathlib import Path

import netsurv as ns
from netsurv.config import load_config
from netsurv.measures import BASELINE_MEASURES
from netsurv.tables import baseline_frame


def test_baseline_frame_carries_the_biomarkers_as_text_categories() -> None:
    frame = baseline_frame(ns.load_demo())
    assert set(BASELINE_MEASURES) <= set(frame.columns)
    graded = frame["netpet_grade"].dropna()
    assert len(graded) > 0 and set(graded) <= {"P0", "P1", "P2-4", "P5"}
    assert frame["netpet_grade"].dtype == object  # no unused categories in indicator columns
    assert frame["liver_fraction"].notna().any()


def test_biomarker_config_names_columns_of_the_frame() -> None:
    cfg = load_config(Path(__file__).resolve().parents[2] / "analyses" / "prrt_biomarkers.toml")
    frame = baseline_frame(ns.load_demo())
    assert set(cfg.cox.covariates) <= set(frame.columns)
