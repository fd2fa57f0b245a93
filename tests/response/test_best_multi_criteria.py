"""best_response with several criteria gives each criterion the result it gets alone.

Regression: rows were ordered patient-first while the confirmation search assumed the
criterion-first group numbering, so a CR with no later scan could be "confirmed" by a scan of
another patient when two criteria were evaluated together (found on pharmaverse subject
01-701-1115 read under ``["reader", "recist1.1"]``).
"""

from __future__ import annotations

import pandas as pd

import netsurv as ns


def _timepoints(criteria: list[str]) -> pd.DataFrame:
    start = pd.Timestamp("2020-01-01")
    seqs = {
        "P00": [(20, "PR"), (70, "PR"), (120, "CR"), (160, "CR")],  # confirmed CR
        "P01": [(50, "SD"), (100, "CR")],  # CR never confirmed: CBOR SD
    }
    for i in range(2, 40):  # patients whose last CR / PR is never confirmed
        seqs[f"P{i:02d}"] = [(21, "SD"), (42, "PR"), (43 + i % 20, "CR" if i % 2 else "PR")]
    rows = []
    for crit in criteria:
        for pid, seq in seqs.items():
            for i, (day, resp) in enumerate(seq):
                rows.append(
                    {
                        "patient_id": pid,
                        "line_id": "L1",
                        "criterion": crit,
                        "assessment_id": f"A{i + 1}",
                        "date": start + pd.Timedelta(days=day),
                        "days_from_start": day,
                        "response": resp,
                    }
                )
    return pd.DataFrame(rows)


def test_each_criterion_as_alone() -> None:
    together = ns.best_response(_timepoints(["b_first", "a_second"]))
    for crit in ("b_first", "a_second"):
        alone = ns.best_response(_timepoints([crit]))
        got = together[together["criterion"] == crit].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, alone.reset_index(drop=True))
    first = together["patient_id"] == "P00"
    assert together.loc[first, "bor_confirmed"].tolist() == ["CR", "CR"]
    assert (together.loc[~first, "bor_confirmed"] == "SD").all()
    p01 = together[together["patient_id"] == "P01"]
    assert (p01["bor_confirmed_date"] == pd.Timestamp("2020-02-20")).all()


def test_empty_timepoints_give_empty_table() -> None:
    """A classification that set every line aside has no rows: an empty BOR table, no error."""
    empty = _timepoints(["a"]).iloc[0:0]
    out = ns.best_response(empty)
    assert out.empty and list(out.columns) == ns.response.BOR_COLUMNS
