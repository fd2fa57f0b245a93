"""Lookups of rows by key columns as positions agree with pandas' MultiIndex lookups (what the
rules across tables used), on keys that differ only by blanks, case or Unicode normalisation,
duplicate keys, missing keys (None and NaN) and keys that look like numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netsurv.schema.key_rows import adjacent_ties, key_positions, scan_modality

KEY = ["patient_id", "assessment_id"]
CAFE = "caf\u00e9"  # composed é
CAFE_NFD = "cafe\u0301"  # e + combining accent: looks the same, another key

SCANS = pd.DataFrame(
    {
        "patient_id": ["P1", "P1", None, "P2", "P1", " P1", "01", CAFE, "P1", np.nan],
        "assessment_id": ["A1", None, "A9", "A1", "A1", "A1", "A1", "A1", "a1", None],
        "modality": ["CT", "MRI", "FDG-PET", "SST-PET", "CT", "MRI", "CT", "MRI", "CT", "CT"],
    }
)
LESIONS = pd.DataFrame(
    {
        "patient_id": [
            *["P1", "P1", None, "P2", "P3", None, "P1", "1", "01", " P1", "p1", np.nan],
            *[CAFE, CAFE_NFD, "P1", "P1 ", None, np.nan, "1.0", "P2"],
        ],
        "assessment_id": [
            *["A1", None, "A9", "A1", "A1", None, "A2", "A1", "A1", "A1", "A1", "A9"],
            *["A1", "A1", "a1", "A1", np.nan, np.nan, "A1", None],
        ],
    }
)


@pytest.mark.parametrize("scans", [SCANS, SCANS.iloc[::-1], SCANS.iloc[[0, 0, 3, 3]]])
def test_positions_find_what_a_multiindex_finds(scans: pd.DataFrame) -> None:
    at = key_positions(LESIONS, scans, KEY)
    known = pd.MultiIndex.from_frame(scans[KEY])
    expected_found = pd.MultiIndex.from_frame(LESIONS[KEY]).isin(known)
    assert ((at >= 0) == expected_found).all()
    first = scans.drop_duplicates(KEY).set_index(KEY)["modality"]
    expected = first.reindex(pd.MultiIndex.from_frame(LESIONS[KEY])).to_numpy()
    got = scan_modality(LESIONS, scans, None).to_numpy()
    assert pd.Series(got).equals(pd.Series(expected))
    assert (scan_modality(LESIONS, scans, at).to_numpy() == got)[at >= 0].all()


def test_a_missing_key_matches_a_missing_key_and_nothing_else() -> None:
    at = key_positions(LESIONS, SCANS, KEY).tolist()
    assert at[:4] == [0, 1, 2, 3]  # (P1, None), (None, A9) found: missing equals missing
    assert at[7:11] == [-1, 6, 5, -1]  # "1" is not "01", " P1" is its own key, case counts
    assert at[12:14] == [7, -1]  # one Unicode spelling of café, not the other
    assert at[16] == 9  # (NaN, NaN) is the scan (NaN, None)


def test_no_rows_and_no_table() -> None:
    assert key_positions(LESIONS.iloc[:0], SCANS, KEY).tolist() == []
    assert (key_positions(LESIONS, SCANS.iloc[:0], KEY) == -1).all()


@pytest.mark.parametrize("seed", range(5))
def test_neighbours_in_key_order_tell_duplicates_as_hashing_does(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ids = ["1", "01", "P1", "P1 ", "p1", CAFE, CAFE_NFD, "P10", "P2"]
    df = pd.DataFrame({k: rng.choice(ids, size=60) for k in KEY})
    ordered = df.sort_values(KEY, kind="stable")
    ties = adjacent_ties(ordered, KEY)
    assert ties is not None
    dup = np.zeros(len(ordered), dtype=bool)
    dup[:-1] |= ties
    dup[1:] |= ties
    assert dup.tolist() == ordered.duplicated(KEY, keep=False).tolist()
    # out of order, or a key missing: no answer (the caller hashes the keys)
    assert adjacent_ties(ordered.iloc[::-1], KEY) is None
    assert (
        adjacent_ties(ordered.assign(assessment_id=[None, *ordered["assessment_id"][1:]]), KEY)
        is None
    )
