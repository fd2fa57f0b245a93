"""The latent disease of one line on a fixed time grid: tumour burden and target sums.

The death hazard and the true progression time are read off these curves (grid step
:data:`GRID_DAYS`; the progression time is interpolated between grid points).  Lesions are
handled as a flat list of (patient, lesion) pairs and time in blocks, so memory stays at
``lesions × block``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netsurv.simulate.disease import (
    DAYS_PER_MONTH,
    NODE_FLOOR_SA_MM,
    SWELL_WIDTH_MONTHS,
    LesionState,
    LineContext,
    pair_long_axis,
)

GRID_DAYS = 28.0
_BLOCK = 32


@dataclass(frozen=True)
class LineGrid:
    """Curves of one line on ``tau_days`` (days since the line start, shared by all rows)."""

    tau_days: np.ndarray  # (G,)
    burden: np.ndarray  # (n, G) total true volume, mL
    target_sum: np.ndarray  # (n, G) true sum of the line's followed lesions' diameters, mm
    apparent_sum: np.ndarray  # (n, G) the same with the transient swelling
    first_new: np.ndarray  # (n,) absolute day the first new lesion of the line appears


def _row_sums(values: np.ndarray, pi: np.ndarray, n: int) -> np.ndarray:
    """Sums of ``values`` rows grouped by ``pi`` (sorted), one row per patient ``0..n-1``."""
    cs = np.concatenate([np.zeros((1, values.shape[1])), np.cumsum(values, axis=0)])
    lo = np.searchsorted(pi, np.arange(n), side="left")
    hi = np.searchsorted(pi, np.arange(n), side="right")
    return cs[hi] - cs[lo]


def line_grid(les: LesionState, ctx: LineContext, followed: np.ndarray) -> LineGrid:
    """Burden and the sums of the ``followed`` lesions (``(n, L)``) on the line's grid."""
    n = len(ctx.rows)
    r = ctx.rows
    G = max(int(np.ceil(float(ctx.span.max(initial=0.0)) / GRID_DAYS)) + 1, 1)
    tau_days = np.arange(G) * GRID_DAYS
    used = les.exists[r] | (les.born_line[r] == ctx.j)
    pi, si = np.nonzero(used)
    fol = followed[pi, si]
    node = les.node[r[pi], si]
    ratio = les.ratio[r[pi], si]
    vol_k = np.pi / 6.0 * ratio**2 / 1000.0
    swell = ctx.swell[pi, si]
    peak = ctx.swell_peak[pi]
    fp, fs = pi[fol], np.flatnonzero(fol)
    burden = np.empty((n, G))
    tsum = np.empty((n, G))
    asum = np.empty((n, G))
    for a in range(0, G, _BLOCK):
        b = min(a + _BLOCK, G)
        tau = np.broadcast_to(tau_days[None, a:b] / DAYS_PER_MONTH, (len(pi), b - a))
        la = pair_long_axis(les, ctx, pi, si, tau)
        burden[:, a:b] = _row_sums(la * la * la * vol_k[:, None], pi, n)
        d = np.where(
            node[:, None], np.maximum(la * ratio[:, None], NODE_FLOOR_SA_MM) * (la > 0), la
        )
        d = d[fs]
        tsum[:, a:b] = _row_sums(d, fp, n)
        bump = np.exp(-(((tau[fs] - peak[fs, None]) / SWELL_WIDTH_MONTHS) ** 2))
        asum[:, a:b] = _row_sums(d * (1.0 + swell[fs, None] * bump), fp, n)
    born = les.born_line[r] == ctx.j
    first_new = np.where(born, les.onset[r], np.inf).min(axis=1)
    return LineGrid(tau_days, burden, tsum, asum, first_new)


def first_progression(
    s: np.ndarray, tau_days: np.ndarray, *, threshold: float = 0.2, min_abs: float = 5.0
) -> np.ndarray:
    """Days from the start until ``s`` first reaches (1 + threshold) x its running nadir and
    ``min_abs`` above it, interpolated linearly between grid points (inf if never; a zero
    nadir never progresses by size)."""
    nadir = np.minimum.accumulate(s, axis=1)
    bar = np.maximum((1.0 + threshold) * nadir, nadir + min_abs)
    hit = (s >= bar) & (nadir > 0)
    g = np.argmax(hit, axis=1)
    rows = np.arange(len(s))
    prev = np.maximum(g - 1, 0)
    rise = s[rows, g] - s[rows, prev]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(rise > 0, (bar[rows, g] - s[rows, prev]) / rise, 1.0)
    day = tau_days[prev] + np.clip(frac, 0.0, 1.0) * (tau_days[g] - tau_days[prev])
    return np.where(hit.any(axis=1), day, np.inf)
