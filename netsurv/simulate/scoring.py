"""Score criteria against a simulated cohort's latent truth: how well does each one's first
progression recover the true progression of the disease?"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.errors import ConfigError
from netsurv.response.classify import CriteriaArg
from netsurv.response.matrix import ResponseMatrix, classify_matrix

SCORE_COLUMNS = [
    "criterion",
    "lines",
    "true_progressions",
    "observed_progressions",
    "sensitivity",
    "early_calls",
    "early_call_rate",
    "median_delay_days",
    "delay_iqr_low",
    "delay_iqr_high",
]


def score_progression(
    cohort: Cohort, criteria: CriteriaArg, *, tolerance_days: int = 0
) -> pd.DataFrame:
    """How each criterion's first progression compares with the simulated true progression.

    Every line with a latent truth and a scan read by all the criteria is scored.  A line
    truly progresses when ``truth.true_progression_date`` falls in its latent window (before
    the next line, death or the cut-off).

    Parameters
    ----------
    cohort
        A simulated cohort (``cohort.truth`` set, e.g. from :func:`simulate_cohort`).
    criteria
        Criteria or preset names.
    tolerance_days
        A progression called up to this many days before the true one still counts as on
        time (scans are discrete; 0 = strict).

    Returns
    -------
    pandas.DataFrame
        One row per criterion: ``lines`` scored, ``true_progressions``,
        ``observed_progressions`` (first PD time-point, unconfirmed iRECIST PD not counted),
        ``sensitivity`` (share of true progressions the criterion calls at all, while the line
        is followed), ``early_calls`` / ``early_call_rate`` (progressions called before the
        true one minus the tolerance, or on lines that never truly progress: false alarms
        from noise or pseudoprogression, as a share of observed progressions), and the
        delay of correct calls (observed − true, days: median and quartiles).

    Examples
    --------
    >>> import netsurv as ns
    >>> cohort = ns.simulate_cohort(150, seed=3, scenario="prrt")
    >>> s = score_progression(cohort, ["recist1.1", "irecist"]).set_index("criterion")
    >>> bool(s.loc["irecist", "early_calls"] <= s.loc["recist1.1", "early_calls"])
    True

    Combined criteria are scored like the others (``"sstv+new_lesions"`` below: SST-TV with
    new lesions on SST-PET or CT):

    >>> s = score_progression(cohort, ["recist1.1", "sstv", "sstv+new_lesions"])
    >>> s.set_index("criterion")["lines"].nunique()
    1
    """
    if cohort.truth is None:
        raise ConfigError("score_progression needs a simulated cohort (cohort.truth is None)")
    if tolerance_days < 0:
        raise ConfigError(f"tolerance_days must be >= 0, got {tolerance_days}")
    mat = classify_matrix(cohort, criteria)
    first = mat.first("PD")  # lines read by any criterion × criteria
    truth = cohort.truth.set_index(["patient_id", "line_id"])
    keys = first.index.intersection(truth.index)
    read_by_all = _read_by_all(mat, keys)
    keys = keys[read_by_all]
    t = truth.loc[keys]
    true_day = t["true_progression_date"].to_numpy("datetime64[D]")
    end = t["window_end_date"].to_numpy("datetime64[D]")
    truly = ~np.isnat(true_day) & (np.isnat(end) | (true_day <= end))
    rows = []
    for j, crit in enumerate(mat.criteria):
        obs = first.loc[keys].iloc[:, j].to_numpy("datetime64[D]")
        called = ~np.isnat(obs)
        early = called & (~truly | (obs < true_day - np.timedelta64(tolerance_days, "D")))
        on_time = called & truly & ~early
        delay = (obs[on_time] - true_day[on_time]).astype(np.int64)
        q = np.quantile(delay, [0.5, 0.25, 0.75]) if delay.size else np.full(3, np.nan)
        rows.append(
            {
                "criterion": crit.name,
                "lines": len(keys),
                "true_progressions": int(truly.sum()),
                "observed_progressions": int(called.sum()),
                "sensitivity": float((called & truly).sum() / truly.sum())
                if truly.any()
                else np.nan,
                "early_calls": int(early.sum()),
                "early_call_rate": float(early.sum() / called.sum()) if called.any() else np.nan,
                "median_delay_days": q[0],
                "delay_iqr_low": q[1],
                "delay_iqr_high": q[2],
            }
        )
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def _read_by_all(mat: ResponseMatrix, keys: pd.Index) -> np.ndarray:
    """Lines every criterion reads: each has the line's baseline row (code 0).

    (The attrition also lists lines that are still read -- a combined criterion's component
    that cannot evaluate the line, a tracer switch -- so it does not tell.)
    """
    scans = mat.scans[["patient_id", "line_id"]]
    if len(scans) == 0:
        return np.zeros(len(keys), dtype=bool)
    line = pd.factorize(scans["patient_id"].astype(str) + "\x1f" + scans["line_id"].astype(str))[0]
    starts = np.flatnonzero(np.append(True, line[1:] != line[:-1]))
    read = np.logical_or.reduceat(mat.codes == 0, starts, axis=0).all(axis=1)
    lines = pd.MultiIndex.from_frame(scans.iloc[starts[read]])
    return np.asarray(keys.isin(lines), dtype=bool)
