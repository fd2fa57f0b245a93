"""Pairing of a lesion's reading on one scan with its reading on a scan of another modality.

The same ``lesion_id`` names one lesion on every scan of a patient (CT, SST-PET, FDG-PET):
that is the per-lesion linkage across modalities.  A reading is paired with the nearest scan
of the other modality, at most ``window_days`` apart, that reads the same lesion; equally
near scans on both sides go to the earlier one (the one read before treatment could act).
Vectorised with :func:`pandas.merge_asof` (sorted once by day, grouped by lesion).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def nearest_reading(
    left: pd.DataFrame,
    right: pd.DataFrame,
    *,
    value: str,
    window_days: int,
) -> pd.DataFrame:
    """For each row of ``left``, the ``value`` of the same lesion on the nearest ``right`` scan.

    Parameters
    ----------
    left, right
        Columns ``patient_id``, ``lesion_id``, ``assessment_id``, ``day`` (integer day
        number); ``right`` also ``value`` (rows with a missing value are not candidates).
        ``left`` rows keep their order and index.
    value
        Column of ``right`` to bring over.
    window_days
        Largest ``|day difference|`` accepted.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``left``: ``paired_assessment_id``, ``paired_day``, ``value`` (NaN and
        None when no scan within the window reads the lesion).

    Examples
    --------
    >>> left = pd.DataFrame({"patient_id": ["P1", "P1"], "lesion_id": ["L1", "L2"],
    ...                      "assessment_id": ["S1", "S1"], "day": [100, 100]})
    >>> right = pd.DataFrame({"patient_id": ["P1", "P1", "P1"], "lesion_id": ["L1", "L1", "L2"],
    ...                       "assessment_id": ["C1", "C2", "C1"], "day": [90, 110, 60],
    ...                       "density_hu": [80.0, 70.0, 50.0]})
    >>> nearest_reading(left, right, value="density_hu", window_days=30)
      paired_assessment_id  paired_day  density_hu
    0                   C1        90.0        80.0
    1                 None         NaN         NaN
    """
    n = len(left)
    aid = np.full(n, None, dtype=object)
    pday = np.full(n, np.nan)
    val = np.full(n, np.nan)

    def frame() -> pd.DataFrame:
        return pd.DataFrame(
            {"paired_assessment_id": aid, "paired_day": pday, value: val}, index=left.index
        )

    cand = right[right[value].notna()]
    if left.empty or cand.empty:
        return frame()
    key = "\x1f"
    lk = left["patient_id"].astype(str) + key + left["lesion_id"].astype(str)
    rk = cand["patient_id"].astype(str) + key + cand["lesion_id"].astype(str)
    lq = pd.DataFrame(
        {
            "_k": lk.to_numpy(),
            "day": left["day"].to_numpy(dtype=np.int64),
            "_row": np.arange(len(left)),
        }
    )
    rq = pd.DataFrame(
        {
            "_k": rk.to_numpy(),
            "day": cand["day"].to_numpy(dtype=np.int64),
            "paired_day": cand["day"].to_numpy(dtype=float),
            "paired_assessment_id": cand["assessment_id"].to_numpy(dtype=object),
            value: cand[value].to_numpy(dtype=float),
        }
    )
    # earlier side first, then the later side; keep the nearer (ties: the earlier)
    lq = lq.sort_values("day", kind="stable")
    rq = rq.sort_values(["day", "paired_assessment_id"], kind="stable")
    back = pd.merge_asof(
        lq, rq, on="day", by="_k", direction="backward", tolerance=int(window_days)
    )
    rq_last = rq.iloc[::-1].drop_duplicates(["_k", "day"]).iloc[::-1]
    fwd = pd.merge_asof(
        lq, rq_last, on="day", by="_k", direction="forward", tolerance=int(window_days)
    )
    db = (back["day"] - back["paired_day"]).to_numpy(dtype=float)
    df = (fwd["paired_day"] - fwd["day"]).to_numpy(dtype=float)
    take_fwd = np.isnan(db) | (df < db)
    pick = back.copy()
    for c in ("paired_day", "paired_assessment_id", value):
        pick[c] = np.where(take_fwd, fwd[c].to_numpy(dtype=object), back[c].to_numpy(dtype=object))
    rows = pick["_row"].to_numpy(dtype=np.int64)
    found = pick["paired_day"].notna().to_numpy()
    aid[rows[found]] = pick["paired_assessment_id"].to_numpy(dtype=object)[found]
    pday[rows] = pick["paired_day"].to_numpy(dtype=float)
    val[rows] = pick[value].to_numpy(dtype=float)
    return frame()
