"""Patients of a chunk: latent growth, calendar, censoring and the recorded characteristics.

Ki-67 rises with the intrinsic growth rate (``log Ki-67 = log(ki67_median_at_zero) +
ki67_per_tgr * TGR0 + N(0, 0.45^2)``) and the grade follows Ki-67 exactly as WHO 2022 (G1 < 3 %,
G2 3-20 %, G3 > 20 %), so grade and Ki-67 carry information on growth.  ECOG performance
status rises with the baseline tumour burden.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.simulate.disease import DAYS_PER_MONTH, choice, draw_tgr0
from netsurv.simulate.scenarios import Scenario


@dataclass
class PatientDraws:
    """Per-patient latent values of a chunk (days are absolute day numbers)."""

    tgr0: np.ndarray
    dd: np.ndarray
    s1: np.ndarray
    cutoff: np.ndarray
    censor: np.ndarray
    exp_draw: np.ndarray
    age: np.ndarray
    frailty: np.ndarray
    mri: np.ndarray
    fdg: np.ndarray
    lbm: np.ndarray
    expression_loss_day: np.ndarray


FUNCTIONAL = {"small_intestine": 0.35, "pancreas": 0.1}


def day_number(date: str) -> int:
    """Days since 1970-01-01 of an ISO date."""
    return int(pd.Timestamp(date).to_datetime64().astype("datetime64[D]").astype(np.int64))


def draw_patients(
    rng: np.random.Generator, sc: Scenario, n: int
) -> tuple[PatientDraws, dict[str, np.ndarray]]:
    """Latent values used by the course, and the recorded characteristics (``patients``
    columns as arrays; days as day numbers)."""
    tgr0 = draw_tgr0(rng, sc, n)
    dd = rng.random(n) < sc.dedifferentiation_rate
    age = rng.normal(sc.age_mean, sc.age_sd, n).clip(25.0, 88.0)
    female = rng.random(n) < sc.female_fraction
    site_idx = choice(rng, sc.primary_sites, n)
    site = np.array(list(sc.primary_sites), dtype=object)[site_idx]
    ki67 = np.exp(
        np.log(sc.ki67_median_at_zero)
        + sc.ki67_per_tgr * np.clip(tgr0, -2.0, 15.0)
        + rng.normal(0.0, 0.45, n)
    )
    ki67 = np.round(ki67.clip(0.5, 80.0), 1)
    grade = np.where(ki67 < 3, "G1", np.where(ki67 <= 20, "G2", "G3")).astype(object)
    p_func = np.array([FUNCTIONAL.get(s, 0.05) for s in sc.primary_sites])[site_idx]
    functional = rng.random(n) < p_func

    first = day_number(sc.start_date)
    accrual = sc.accrual_months * DAYS_PER_MONTH
    s1 = first + np.floor(rng.random(n) * accrual)
    cutoff = np.full(n, float(np.floor(first + accrual + sc.followup_months * DAYS_PER_MONTH)))
    with np.errstate(divide="ignore"):
        dropout = s1 + np.floor(rng.exponential(1.0, n) * 365.25 / sc.dropout_per_year)
    censor = np.minimum(cutoff, dropout)
    pat = PatientDraws(
        tgr0=tgr0,
        dd=dd,
        s1=s1,
        cutoff=cutoff,
        censor=censor,
        exp_draw=rng.exponential(1.0, n),
        age=age,
        frailty=rng.normal(0.0, sc.death_frailty_sd, n),
        mri=rng.random(n) < sc.mri_fraction,
        fdg=(grade != "G1") & (rng.random(n) < sc.fdg_pet_rate),
        lbm=rng.uniform(0.7, 0.85, n),
        # the dedifferentiated clone loses SST expression from a year before the first line
        # (SST-negative at baseline: FDG+/SST- discordant disease) to 18 months after
        expression_loss_day=s1 + rng.uniform(-12.0, 18.0, n) * DAYS_PER_MONTH,
    )
    recorded = {
        "sex": np.where(female, "F", "M").astype(object),
        "birth_day": s1 - np.round(age * 365.25),
        "primary_site": site,
        "grade": grade,
        "ki67_pct": ki67,
        "functional": functional,
        "diagnosis_day": s1 - rng.integers(30, 1461, n),
        "ecog_draw": rng.random(n),
    }
    return pat, recorded


def ecog(burden_ml: np.ndarray, u: np.ndarray) -> np.ndarray:
    """ECOG 0 / 1 / 2 from the baseline tumour volume (larger burden, worse status)."""
    z = np.log(np.maximum(burden_ml, 1e-3) / 40.0)
    p1 = 1.0 / (1.0 + np.exp(-(-0.8 + 0.7 * z)))
    return np.where(u < p1 * 0.2, 2, np.where(u < p1, 1, 0))
