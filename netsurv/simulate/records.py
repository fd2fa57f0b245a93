"""Flat records of a chunk, appended line by line: lines, scans with their lesion readings,
and the truth of each line (true progression, nadir, pseudoprogression)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from netsurv.simulate.disease import (
    DAYS_PER_MONTH,
    SWELL_WIDTH_MONTHS,
    LesionState,
    LineContext,
    LineEffect,
)
from netsurv.simulate.grid import LineGrid, first_progression
from netsurv.simulate.imaging import (
    ROLE_NEW,
    ROLE_NONTARGET,
    ROLE_TARGET,
    Read,
    Readings,
    Scans,
    read_lesions,
)
from netsurv.simulate.patients import PatientDraws
from netsurv.simulate.scenarios import THERAPY_CLASSES, Scenario


@dataclass
class Records:
    """Flat outputs of a chunk, appended line by line."""

    lines: list[dict[str, np.ndarray]] = field(default_factory=list)
    scans: list[dict[str, np.ndarray]] = field(default_factory=list)
    lesions: list[dict[str, np.ndarray]] = field(default_factory=list)
    truth: list[dict[str, np.ndarray]] = field(default_factory=list)
    death: np.ndarray | None = None
    n_scans: int = 0


def flat_scans(
    rec: Records,
    ctx: LineContext,
    scans: Scans,
    rd: Readings,
    roles: np.ndarray,
    response: np.ndarray | None,
    nontarget: np.ndarray | None,
) -> None:
    """Append the valid scans and their recorded lesions as flat rows."""
    valid = scans.valid
    r_i, v_i = np.nonzero(valid)
    idx = np.full(valid.shape, -1, dtype=np.int64)
    idx[r_i, v_i] = rec.n_scans + np.arange(len(r_i))
    rec.n_scans += len(r_i)
    new = np.zeros(valid.shape, dtype=bool)
    new[rd.a[rd.new], rd.v[rd.new]] = True
    rec.scans.append(
        {
            "row": ctx.rows[r_i],
            "day": scans.days[r_i, v_i],
            "modality": scans.modality[r_i, v_i],
            "line": np.full(len(r_i), ctx.j),
            "baseline": v_i == 0,
            "new_lesion": new[r_i, v_i],
            "response": (response[r_i, v_i] if response is not None else np.zeros(len(r_i), int)),
            "nontarget": (
                nontarget[r_i, v_i] if nontarget is not None else np.zeros(len(r_i), int)
            ),
        }
    )
    rd = rd.take(valid[rd.a, rd.v])
    rec.lesions.append(
        {
            "row": ctx.rows[rd.a],
            "scan": idx[rd.a, rd.v],
            "slot": rd.s,
            "role": roles[rd.a, rd.s],
            **{
                k: getattr(rd, k)
                for k in (
                    "la",
                    "sa",
                    "density",
                    "volume",
                    "viable",
                    "suv_max",
                    "suv_mean",
                    "sul_peak",
                    "flag",
                )
            },
        }
    )


def record_line(
    rng: np.random.Generator,
    rec: Records,
    sc: Scenario,
    les: LesionState,
    ctx: LineContext,
    cls: np.ndarray,
    target: np.ndarray,
    end: np.ndarray,
    reason: np.ndarray,
    given: np.ndarray,
    anat: Scans,
    ra: Readings,
    read: Read,
    sst: Scans,
    fdg: Scans,
    kw: dict[str, np.ndarray],
) -> None:
    roles = np.where(target, ROLE_TARGET, ROLE_NONTARGET)
    roles = np.where(les.born_line[ctx.rows] == ctx.j, ROLE_NEW, roles)
    flat_scans(rec, ctx, anat, ra, roles, read.response, read.nontarget)
    for group, kind in ((sst, "sst"), (fdg, "fdg")):
        width = max(int(group.valid.sum(axis=1).max(initial=0)), 1)
        g = Scans(group.days[:, :width], group.valid[:, :width], group.modality[:, :width])
        rd = read_lesions(rng, sc, les, ctx, g, kind, **kw)
        flat_scans(rec, ctx, g, rd, roles, None, None)
    n_reg = np.array([len(sc.therapies[c].regimens) for c in THERAPY_CLASSES])
    rec.lines.append(
        {
            "row": ctx.rows,
            "line": np.full(len(ctx.rows), ctx.j),
            "cls": cls,
            "regimen": np.floor(rng.random(len(ctx.rows)) * n_reg[cls]).astype(np.int64),
            "start": ctx.t0,
            "end": end,
            "reason": reason,
            "n_cycles": given,
        }
    )


def record_truth(
    rec: Records,
    ctx: LineContext,
    grid: LineGrid,
    pat: PatientDraws,
    eff: LineEffect,
    pseudo: np.ndarray,
    amp: np.ndarray,
    cls: np.ndarray,
    window_end: np.ndarray,
) -> None:
    r = ctx.rows
    own = ctx.lesion_swell if ctx.lesion_swell is not None else np.zeros((len(r), 0))
    tau = grid.tau_days
    s = grid.target_sum
    size_day = ctx.t0 + first_progression(s, tau)
    new_day = grid.first_new
    pd_day = np.minimum(size_day, new_day)
    by = np.where(size_day <= new_day, 1, 2)
    seen = pd_day <= window_end
    inside = ctx.t0[:, None] + tau[None, :] <= window_end[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        nadir = np.where(inside, s, np.inf).min(axis=1) / s[:, 0] - 1.0
    app_day = ctx.t0 + first_progression(grid.apparent_sum, tau)
    swell_end = ctx.t0 + (ctx.swell_peak + 2 * SWELL_WIDTH_MONTHS) * DAYS_PER_MONTH
    pseudo_pd = pseudo & (app_day <= swell_end) & (app_day < pd_day) & (app_day <= window_end)
    rec.truth.append(
        {
            "row": r,
            "line": np.full(len(r), ctx.j),
            "cls": cls,
            "tgr_on_treatment": pat.tgr0[r] - eff.reduction,
            "sensitive_fraction": eff.phi_patient,
            "kill_rate": eff.kill,
            "growth_reduction": eff.reduction,
            "resistance_months": eff.t_res,
            "density_drop": eff.density_patient,
            "nadir_pct": np.where(np.isfinite(nadir), 100.0 * nadir, np.nan),
            "progression_day": np.where(seen, pd_day, np.nan),
            "progression_by": np.where(seen, by, 0),
            "window_end": window_end,
            "swelling": amp,
            "pseudoprogression": pseudo,
            "pseudoprogression_pd": pseudo_pd,
            "lesion_pseudoprogression": (own > 0).sum(axis=1),
            "lesion_swelling": own.max(axis=1, initial=0.0),
        }
    )
