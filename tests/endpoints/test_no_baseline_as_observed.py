"""``CensoringScheme(no_baseline="as_observed")`` (admiralonco): a line without a baseline
tumour assessment still has death as a PFS event; without death it is censored at the origin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import netsurv as ns
from netsurv.endpoints import ADMIRALONCO, FDA2018, endpoint_matrix


def _cohort(death: str | None) -> ns.Cohort:
    """P1 has no scan at all; P2 (a complete patient) keeps the tables non-empty."""
    p = pd.DataFrame(
        {
            "patient_id": ["P1", "P2"],
            "last_alive_date": [death or "2020-06-30", "2020-06-30"],
            "death_date": [death, None],
        }
    )
    ln = pd.DataFrame(
        {
            "patient_id": ["P1", "P2"],
            "line_id": ["L1", "L1"],
            "regimen": ["x", "x"],
            "start_date": ["2020-01-10", "2020-01-10"],
        }
    )
    a = pd.DataFrame(
        {
            "patient_id": ["P2", "P2"],
            "assessment_id": ["A1", "A2"],
            "date": ["2020-01-05", "2020-03-05"],
            "modality": ["CT", "CT"],
        }
    )
    les = pd.DataFrame(
        {
            "patient_id": ["P2", "P2"],
            "assessment_id": ["A1", "A2"],
            "lesion_id": ["T1", "T1"],
            "site": ["liver", "liver"],
            "role": ["target", "target"],
            "long_axis_mm": [30.0, 29.0],
        }
    )
    return ns.Cohort.from_frames(p, ln, a, les)


@pytest.mark.parametrize(
    ("death", "scheme", "days", "event", "reason"),
    [
        ("2020-03-01", ADMIRALONCO, 52, 1, "death"),
        ("2020-03-01", FDA2018, 1, 0, "no baseline tumour assessment"),
        (None, ADMIRALONCO, 1, 0, "no adequate assessment after origin"),
    ],
)
def test_pfs_without_baseline(death, scheme, days, event, reason) -> None:
    res = ns.derive_endpoints(_cohort(death), "recist1.1", endpoints=["PFS"], censoring=scheme)
    row = res.table.set_index("patient_id").loc["P1"]
    assert (row["days"], row["event"], row["event_or_censor_reason"]) == (days, event, reason)
    assert res.attrition["reason"].str.contains("no baseline tumour assessment").any()


def test_matrix_engine_agrees() -> None:
    for death in ("2020-03-01", None):
        cohort = _cohort(death)
        long = ns.derive_endpoints(cohort, "recist1.1", endpoints=["PFS"], censoring=ADMIRALONCO)
        mtx = ns.classify_matrix(cohort, ["recist1.1"])
        mat = endpoint_matrix(cohort, mtx, endpoint="PFS", censoring=ADMIRALONCO)
        assert np.asarray(mat.days).ravel().tolist() == long.table["days"].astype(float).tolist()
        assert np.asarray(mat.event).ravel().astype(int).tolist() == long.table["event"].tolist()
        assert np.asarray(mat.cnsr).ravel().tolist() == long.table["cnsr"].tolist()


def test_scheme_by_name() -> None:
    assert ns.endpoints.SCHEMES["admiralonco"] is ADMIRALONCO
    assert "death" in ADMIRALONCO.rules_table().iloc[0]["outcome"]
