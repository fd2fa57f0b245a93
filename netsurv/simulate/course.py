"""Each patient's course, one treatment line at a time, vectorised over the patients.

For line ``j`` (a loop over lines, never over patients): draw the therapy and its effect,
draw the new lesions, schedule and read the scans, choose targets, run the clinical read,
find the death day on the line's grid, then decide how the line ends (progression read,
toxicity, death, completed cycles) and when the next one starts.  After the last recorded
line an unrecorded phase (later therapy) runs to the cut-off so that survival continues.
"""

from __future__ import annotations

import numpy as np

from netsurv.simulate.disease import (
    DAYS_PER_MONTH,
    LesionState,
    LineContext,
    LineEffect,
    draw_effect,
    draw_new_attributes,
    draw_new_onsets,
    pair_long_axis,
    volume_ml,
)
from netsurv.simulate.grid import line_grid
from netsurv.simulate.imaging import clinical_read, line_scans, read_lesions, select_targets
from netsurv.simulate.organs import lesion_swelling
from netsurv.simulate.patients import PatientDraws
from netsurv.simulate.records import Records, record_line, record_truth
from netsurv.simulate.scenarios import THERAPY_CLASSES, Scenario
from netsurv.simulate.survival import line_death

END_NONE, END_PROGRESSION, END_TOXICITY, END_DEATH, END_COMPLETED = 0, 1, 2, 3, 4
END_NAMES = ("", "progression", "toxicity", "death", "completed")
PRRT = THERAPY_CLASSES.index("PRRT")


def _draw_class(
    rng: np.random.Generator, weights: dict[str, float], used: np.ndarray
) -> np.ndarray:
    w = np.array([weights.get(c, 0.0) for c in THERAPY_CLASSES], dtype=float)
    W = np.where(used, 0.0, w[None, :])
    empty = W.sum(axis=1) == 0
    W[empty] = w
    cdf = np.cumsum(W / W.sum(axis=1, keepdims=True), axis=1)
    return (rng.random(len(used))[:, None] >= cdf).sum(axis=1).clip(0, len(w) - 1)


def _effects(
    rng: np.random.Generator,
    sc: Scenario,
    cls: np.ndarray | None,
    pat: PatientDraws,
    les: LesionState,
    rows: np.ndarray,
) -> LineEffect:
    if cls is None:
        return draw_effect(rng, None, sc, pat.tgr0, les, rows)
    n, L = len(rows), les.la.shape[1]
    out = LineEffect(
        *(
            np.zeros((n, L)) if k in ("phi", "density_drop", "g_on", "g_off") else np.zeros(n)
            for k in LineEffect.__dataclass_fields__
        )
    )
    for c, name in enumerate(THERAPY_CLASSES):
        m = cls == c
        if not m.any():
            continue
        part = draw_effect(rng, sc.therapies[name], sc, pat.tgr0, les, rows[m])
        for k in LineEffect.__dataclass_fields__:
            getattr(out, k)[m] = getattr(part, k)
    return out


def run_course(
    rng: np.random.Generator, sc: Scenario, pat: PatientDraws, les: LesionState
) -> Records:
    """Simulate every line of every patient of a chunk; see the module docstring."""
    n = len(pat.s1)
    rec = Records()
    start = pat.s1.astype(float).copy()
    cum = np.zeros(n)
    death = np.full(n, np.nan)
    used = np.zeros((n, len(THERAPY_CLASSES)), dtype=bool)
    b_ref = np.where(les.exists, volume_ml(les, np.arange(n), les.la), 0.0).sum(axis=1)
    lo, hi = sc.next_line_delay_days
    for j in range(sc.max_lines + 1):
        rows = np.flatnonzero(np.isfinite(start))
        if not len(rows):
            break
        L = les.head(j)
        recorded = j < sc.max_lines
        t0 = start[rows]
        span = pat.cutoff[rows] - t0
        draw_new_attributes(rng, sc, L, rows, j, pat.dd)
        cls = None
        if recorded:
            weights = sc.first_line if j == 0 or not sc.next_lines else sc.next_lines
            cls = _draw_class(rng, weights, used[rows])
            used[rows, cls] = True
        eff = _effects(rng, sc, cls, pat, L, rows)
        prrt = np.zeros(len(rows), dtype=bool) if cls is None else cls == PRRT
        a, b = sc.pseudoprogression_amplitude
        pseudo = prrt & (
            rng.random(len(rows)) < sc.pseudoprogression_rate * min(sc.effect_scale, 1)
        )
        amp = np.where(pseudo, rng.uniform(a, b, len(rows)), 0.0)
        swell = (
            amp[:, None] * rng.uniform(0.5, 1.5, L.la.shape[1:])[None, :] * np.ones((len(rows), 1))
        )
        swell_peak = rng.uniform(1.5, 3.5, len(rows))
        own = lesion_swelling(rng, sc, prrt, L.exists[rows] & ~L.pet_only[rows])
        ctx = LineContext(
            j=j,
            rows=rows,
            t0=t0,
            span=span,
            eff=eff,
            swell=np.maximum(swell, own),
            swell_peak=swell_peak,
            prrt=prrt,
            lesion_swell=own,
        )
        draw_new_onsets(rng, sc, L, rows, j, t0, span, eff, pat.tgr0)
        if cls is not None:
            th_cycles = np.array([sc.therapies[c].n_cycles or 0 for c in THERAPY_CLASSES])
            th_cdays = np.array([sc.therapies[c].cycle_weeks * 7 for c in THERAPY_CLASSES])
            n_cycles, cycle_days = th_cycles[cls], th_cdays[cls].astype(float)
            anat, sst, fdg = line_scans(
                rng,
                sc,
                ctx,
                mri=pat.mri[rows],
                fdg=pat.fdg[rows],
                n_cycles=n_cycles,
                cycle_days=cycle_days,
            )
            kw = {
                "expression_loss_day": pat.expression_loss_day[rows],
                "lbm": pat.lbm[rows],
                "tgr0": pat.tgr0[rows],
            }
            ra = read_lesions(rng, sc, L, ctx, anat, "anatomical", **kw)
            target = select_targets(L, rows, ra)
            base_ct = np.zeros_like(target)
            b0 = (ra.v == 0) & ~ra.new
            base_ct[ra.a[b0], ra.s[b0]] = True
            has_target = np.asarray(target.any(axis=1))
            followed = np.where(has_target[:, None], target, base_ct)
        else:
            followed = L.exists[rows] & ~L.pet_only[rows]
        grid = line_grid(L, ctx, followed)
        ld = line_death(
            sc,
            ctx,
            grid,
            cum_start=cum[rows],
            exp_draw=pat.exp_draw[rows],
            s1=pat.s1[rows],
            age=pat.age[rows],
            frailty=pat.frailty[rows],
            burden_ref=b_ref[rows],
            tgr0=pat.tgr0[rows],
        )
        dc = np.where(np.isnan(ld.day), np.inf, ld.day)
        nxt = np.full(len(rows), np.inf)
        if cls is not None:
            anat.valid &= anat.days <= dc[:, None]
            read = clinical_read(rng, sc, L, ctx, ra, anat, target)
            dec = np.where(
                read.decision >= 0,
                anat.days[np.arange(len(rows)), np.maximum(read.decision, 0)],
                np.inf,
            )
            tox_rate = np.array([sc.therapies[c].toxicity_per_year for c in THERAPY_CLASSES])[cls]
            with np.errstate(divide="ignore"):
                tox = t0 + np.floor(rng.exponential(1.0, len(rows)) * 365.25 / tox_rate)
            delay = rng.integers(lo, hi + 1, len(rows)).astype(float)
            nxt = dec + delay
            continuous = n_cycles == 0
            if sc.max_lines > 1:
                switch = continuous & (tox < dec) & (tox < dc)
                nxt = np.where(switch, tox + delay, nxt)
            ok = (nxt < dc) & (nxt < pat.cutoff[rows])
            cut = np.minimum(np.minimum(dec, dc), np.where(ok, nxt - 22.0, np.inf))
            for s in (anat, sst, fdg):
                s.valid &= s.days <= cut[:, None]
            end, reason, given = _line_end(t0, dec, tox, dc, n_cycles, cycle_days)
            record_line(
                rng, rec, sc, L, ctx, cls, target, end, reason, given, anat, ra, read, sst, fdg, kw
            )
            record_truth(
                rec,
                ctx,
                grid,
                pat,
                eff,
                pseudo,
                amp,
                cls,
                np.minimum(np.where(ok, nxt, np.inf), np.minimum(dc, pat.cutoff[rows])),
            )
        ok = (nxt < dc) & (nxt < pat.cutoff[rows])
        death[rows] = np.where(ok, np.nan, ld.day)
        cont = rows[ok]
        if len(cont):
            cum[cont] = ld.at(np.where(ok, nxt - t0, 0.0))[ok]
            _advance(L, ctx, np.flatnonzero(ok), nxt[ok])
        start[:] = np.nan
        start[cont] = nxt[ok]
    rec.death = death
    return rec


def _advance(les: LesionState, ctx: LineContext, pos: np.ndarray, day: np.ndarray) -> None:
    """Move the lesions of the rows ``pos`` of the line to ``day`` (the next line's start):
    sizes, which lesions exist, and new-lesion slots born later cleared for reuse."""
    r = ctx.rows[pos]
    born = les.born_line[r] == ctx.j
    with np.errstate(invalid="ignore"):
        present = les.exists[r] | (born & (les.onset[r] < day[:, None]))
    pi, si = np.nonzero(present)
    tau = ((day - ctx.t0[pos]) / DAYS_PER_MONTH)[pi][:, None]
    la = np.zeros(present.shape)
    la[pi, si] = pair_long_axis(les, ctx, pos[pi], si, tau)[:, 0]
    les.la[r] = la
    les.exists[r] = present
    late = born & ~present
    les.born_line[r] = np.where(late, -2, les.born_line[r])
    les.onset[r] = np.where(late, np.nan, les.onset[r])


def _line_end(
    t0: np.ndarray,
    dec: np.ndarray,
    tox: np.ndarray,
    dc: np.ndarray,
    n_cycles: np.ndarray,
    cycle_days: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """End day (inf = ongoing at the cut-off), reason code and cycles given."""
    ev = np.minimum(np.minimum(dec, tox), dc)
    why = np.select(
        [np.isinf(ev), ev == dec, ev == tox], [END_NONE, END_PROGRESSION, END_TOXICITY], END_DEATH
    )
    cyc = n_cycles > 0
    with np.errstate(invalid="ignore"):
        given = np.clip(np.ceil((ev - t0) / cycle_days), 1, n_cycles)
    last = t0 + (n_cycles - 1) * cycle_days
    completed = cyc & (ev > last)
    end = np.where(completed, last, ev)
    reason = np.where(completed, END_COMPLETED, why)
    return end, reason, np.where(cyc, np.where(completed, n_cycles, given), np.nan)
