"""Death and censoring.

Death hazard, with ``t`` months since the start of line 1:

``h(t) = h0(t) * exp(death_link * (b_burden * log(B(t) / B_ref) + b_growth * TGR(t))
+ b_age * (age - 62) / 10 + w)``

``h0`` is Weibull (shape ``weibull_shape``, median ``baseline_median_os_months``), ``B`` the
total true tumour volume (new lesions included), ``B_ref`` its value at the start of line 1
``TGR`` the growth rate in force and ``w ~ N(0, death_frailty_sd^2)`` a frailty unrelated to
the tumour (comorbidity).  ``death_link = 0`` makes death independent of the
disease course, so response and progression carry no information on survival.  One
exponential draw per patient is compared with the cumulative hazard, accumulated line by line
on the grid of :mod:`netsurv.simulate.grid` (linear within a grid cell).

Censoring: administrative at the data cut-off and an independent exponential loss to
follow-up (``dropout_per_year``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netsurv.simulate.disease import DAYS_PER_MONTH, LineContext, current_tgr
from netsurv.simulate.grid import GRID_DAYS, LineGrid
from netsurv.simulate.scenarios import Scenario


def weibull_scale(sc: Scenario) -> float:
    """Scale (months) of the baseline hazard whose median is ``baseline_median_os_months``."""
    return sc.baseline_median_os_months / np.log(2.0) ** (1.0 / sc.weibull_shape)


@dataclass(frozen=True)
class LineDeath:
    """Death within a line's grid: the day (NaN if none before the cut-off) and the
    cumulative hazard at the grid points (``(n, G + 1)``, the first column at the start)."""

    day: np.ndarray
    cumhaz: np.ndarray

    def at(self, tau_days: np.ndarray) -> np.ndarray:
        """Cumulative hazard of every row ``tau_days`` (one per row) after the line start,
        interpolated linearly within a grid cell."""
        pos = np.clip(tau_days / GRID_DAYS, 0.0, self.cumhaz.shape[1] - 1.0)
        g = np.minimum(np.floor(pos).astype(np.int64), self.cumhaz.shape[1] - 2)
        g = np.maximum(g, 0)
        rows = np.arange(len(g))
        lo = self.cumhaz[rows, g]
        hi = self.cumhaz[rows, np.minimum(g + 1, self.cumhaz.shape[1] - 1)]
        return lo + (pos - g) * (hi - lo)


def line_death(
    sc: Scenario,
    ctx: LineContext,
    grid: LineGrid,
    *,
    cum_start: np.ndarray,
    exp_draw: np.ndarray,
    s1: np.ndarray,
    age: np.ndarray,
    frailty: np.ndarray,
    burden_ref: np.ndarray,
    tgr0: np.ndarray,
) -> LineDeath:
    """Death day during the line if the patient stayed on it to the cut-off.

    Parameters
    ----------
    cum_start, exp_draw, s1, age, frailty, burden_ref, tgr0
        Per row of the line: cumulative hazard at the line start, the patient's unit
        exponential draw, line-1 start day, age, log frailty, line-1 burden and intrinsic
        TGR.
    """
    k = sc.weibull_shape
    lam = weibull_scale(sc)
    tau = grid.tau_days
    since = (ctx.t0 - s1)[:, None] / DAYS_PER_MONTH
    lo = since + tau[None, :] / DAYS_PER_MONTH
    end = np.minimum(tau[None, :] + GRID_DAYS, ctx.span[:, None])
    hi = since + np.maximum(end, tau[None, :]) / DAYS_PER_MONTH
    dh0 = (hi / lam) ** k - (lo / lam) ** k
    tgr_now = current_tgr(tau[None, :] / DAYS_PER_MONTH, ctx.eff, tgr0)
    with np.errstate(divide="ignore"):
        log_b = np.log(np.maximum(grid.burden, 1e-6) / burden_ref[:, None])
    eta = sc.death_link * (sc.death_burden_coef * log_b + sc.death_growth_coef * tgr_now)
    eta = eta + (sc.death_age_coef * (age - 62.0) / 10.0 + frailty)[:, None]
    dh = dh0 * np.exp(np.minimum(eta, 30.0))
    cum = np.concatenate([cum_start[:, None], cum_start[:, None] + np.cumsum(dh, axis=1)], axis=1)
    crossed = cum[:, 1:] >= exp_draw[:, None]
    hit = crossed.any(axis=1)
    g = np.argmax(crossed, axis=1)
    rows = np.arange(len(g))
    frac = (exp_draw - cum[rows, g]) / np.where(dh[rows, g] > 0, dh[rows, g], 1.0)
    width = np.maximum(end[rows, g] - tau[g], 0.0)
    day = ctx.t0 + tau[g] + np.clip(frac, 0.0, 1.0) * width
    return LineDeath(day=np.where(hit, day, np.nan), cumhaz=cum)
