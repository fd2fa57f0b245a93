"""A small seeded cohort generator for the response-based survival tests.

Vectorised (no loop per patient).  One treatment line per patient, a baseline CT a week
before the start and follow-up CTs every 12 weeks (± up to 7 days) until death or the end of
follow-up; one or two liver target lesions.  A share of patients respond: from a random
follow-up scan on (the 1st to ``last_response_scan``-th) their lesions are 45 % smaller (PR
under RECIST 1.1; with ``depth_range``, by a uniform depth per patient instead, so criteria
with different cut-offs disagree); the others stay within ±6 %.  A share of non-responders progress: +30 % from a random later
scan.  Survival after the origin is exponential with median ``median_os`` months; with
``response_hr`` != 1 the hazard is multiplied by it from the response scan on (so
``response_hr=1`` means response has no effect on survival, the guarantee-time-bias setting).
Follow-up ends at death, at a uniform censoring time, or at the administrative end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import netsurv as ns

DAY = np.timedelta64(1, "D")
MONTH_DAYS = 30.4375


def simulate_frames(
    n: int,
    *,
    seed: int,
    p_response: float = 0.45,
    p_progression: float = 0.4,
    median_os: float = 24.0,
    response_hr: float = 1.0,
    max_follow_months: float = 60.0,
    last_response_scan: int = 4,
    depth_range: tuple[float, float] | None = None,
) -> dict[str, pd.DataFrame]:
    """The four input tables of a simulated cohort (typed, not text)."""
    rng = np.random.default_rng(seed)
    pid = np.array([f"S{i:04d}" for i in range(n)], dtype=object)
    start = np.datetime64("2018-01-01") + rng.integers(0, 730, n) * DAY
    # scan schedule: follow-up k = 1.. at 84 k days (+ jitter), baseline at -7 days
    k_max = int(max_follow_months * MONTH_DAYS / 84) + 1
    k = np.arange(1, k_max + 1)
    scan_day = 84 * k[None, :] + rng.integers(-7, 8, (n, k_max))
    responder = rng.random(n) < p_response
    resp_k = rng.integers(1, last_response_scan + 1, n)  # response seen from this scan on
    resp_day = np.where(responder, scan_day[np.arange(n), resp_k - 1], np.inf)
    # survival: exponential, hazard x response_hr after the response scan
    rate = np.log(2) / (median_os * MONTH_DAYS)
    t0 = rng.exponential(1 / rate, n)
    after = t0 > resp_day
    with np.errstate(invalid="ignore"):
        death_day = np.where(after, resp_day + (t0 - resp_day) / response_hr, t0)
    censor_day = rng.uniform(12 * MONTH_DAYS, max_follow_months * MONTH_DAYS, n)
    dead = death_day <= censor_day
    end_day = np.floor(np.where(dead, death_day, censor_day)).astype(np.int64) + 1
    # progression (non-responders only) from a random later scan
    progressor = ~responder & (rng.random(n) < p_progression)
    prog_k = rng.integers(2, 7, n)

    seen = scan_day < end_day[:, None]
    ii, kk = np.nonzero(seen)
    base_i = np.arange(n)
    a_pid = np.concatenate([pid[base_i], pid[ii]])
    a_day = np.concatenate([np.full(n, -7), scan_day[ii, kk]])
    a_k = np.concatenate([np.zeros(n, dtype=np.int64), k[kk]])
    a_id = np.array([f"A{x:02d}" for x in a_k], dtype=object)
    a_pat = np.concatenate([base_i, ii])
    a_date = start[a_pat] + a_day * DAY
    assessments = pd.DataFrame(
        {"patient_id": a_pid, "assessment_id": a_id, "date": a_date, "modality": "CT"}
    )
    # lesions: one or two liver targets
    n_les = 1 + (rng.random(n) < 0.5)
    base_size = np.maximum(np.exp(rng.normal(np.log(30), 0.3, (n, 2))), 12.0)
    factor = 1 + rng.uniform(-0.06, 0.06, len(a_pat))
    is_resp = responder[a_pat] & (a_k >= resp_k[a_pat])
    is_prog = progressor[a_pat] & (a_k >= prog_k[a_pat])
    if depth_range is None:
        shrunk = 0.55
    else:  # its own stream, so the other draws do not change
        depth = np.random.default_rng([seed, 1]).uniform(*depth_range, n)
        shrunk = 1 - depth[a_pat]
    factor = np.where(is_resp, shrunk, np.where(is_prog, 1.30, factor))
    factor[a_k == 0] = 1.0
    rows = []
    for j in (0, 1):
        has = n_les[a_pat] > j
        rows.append(
            pd.DataFrame(
                {
                    "patient_id": a_pid[has],
                    "assessment_id": a_id[has],
                    "lesion_id": f"T{j + 1}",
                    "site": "liver",
                    "role": "target",
                    "long_axis_mm": np.round(base_size[a_pat[has], j] * factor[has], 1),
                }
            )
        )
    lesions = pd.concat(rows, ignore_index=True)
    death_date = start + (end_day - 1) * DAY
    g1 = rng.random(n) < 0.5
    patients = pd.DataFrame(
        {
            "patient_id": pid,
            "last_alive_date": death_date,
            "death_date": np.where(dead, death_date, np.datetime64("NaT")),
            "grade": np.where(g1, "G1", "G2"),
            "ki67_pct": np.where(
                g1, np.round(rng.uniform(0.5, 2.9, n), 1), np.round(rng.uniform(3, 15, n), 1)
            ),
        }
    )
    lines = pd.DataFrame(
        {
            "patient_id": pid,
            "line_id": "L1",
            "regimen": "177Lu-DOTATATE",
            "regimen_class": "PRRT",
            "start_date": start,
        }
    )
    return {"patients": patients, "lines": lines, "assessments": assessments, "lesions": lesions}


def simulate_cohort(n: int, *, seed: int, **kwargs: float) -> ns.Cohort:
    """A validated :class:`netsurv.Cohort` from :func:`simulate_frames`."""
    return ns.Cohort.from_frames(**simulate_frames(n, seed=seed, **kwargs))
