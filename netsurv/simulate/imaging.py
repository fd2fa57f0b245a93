"""Scans of one treatment line: schedule, lesion readings, target choice, the clinical read.

* Schedule: a baseline CT (MRI for some patients) and SST-PET before the start, follow-up
  scans every ``visit_interval`` for ``interval_switch_weeks`` then every
  ``late_visit_interval`` (jitter ± ``visit_jitter_days``, ``missed_visit_rate``
  missed); SST-PET before every PRRT cycle and / or every ``sst_pet_interval_weeks``;
  FDG-PET every 24 weeks for the patients who have it.
* Readings: the true size times the transient swelling, with multiplicative noise
  (``noise_cv`` per axis, ``volume_cv``, ``suv_cv``), 0 when a lesion has disappeared
  (< 3 mm), ``too_small`` below 5 mm, ``not_evaluable`` at random on follow-up scans.
* Targets: RECIST 1.1 on the baseline readings (measurable: long axis >= 10 mm, nodes short
  axis >= 15 mm; the 5 largest, 2 per organ); the other CT lesions are non-targets.
* The clinical read of each anatomical follow-up scan (``reader_response``,
  ``nontarget_status``, ``new_lesion``) and the decision to stop the line: the first PD read;
  after PRRT a PD without a new lesion in the first ``pseudo_watch_months`` needs the next scan
  to be PD too.
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
from netsurv.simulate.scenarios import Scenario

CT, MRI, SST, FDG = 0, 1, 2, 3
MODALITY_NAMES = ("CT", "MRI", "SST-PET", "FDG-PET")
FLAG_NONE, FLAG_SMALL, FLAG_NE = 0, 1, 2
ROLE_TARGET, ROLE_NONTARGET, ROLE_NEW = 0, 1, 2
READS = ("", "CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")
NTL = ("", "CR", "NON-CR/NON-PD", "PD", "NE")
R_CR, R_PR, R_SD, R_NN, R_PD, R_NE = 1, 2, 3, 4, 5, 6
N_CR, N_NN, N_PD, N_NE = 1, 2, 3, 4
GONE_MM, SMALL_MM = 3.0, 5.0
READER_CV = 0.02
FDG_INTERVAL_DAYS = 168
#: Extra FDG SULpeak of a dedifferentiated (glycolytic) lesion before it loses SST expression.
FDG_DD_UPTAKE = 1.5


@dataclass
class Scans:
    """Scans of one modality group of a line: ``days`` ``(n, V)`` (absolute), ``valid`` mask
    (a prefix of each row), ``modality`` code per cell."""

    days: np.ndarray
    valid: np.ndarray
    modality: np.ndarray


def _compact(days: np.ndarray, valid: np.ndarray, modality: np.ndarray) -> Scans:
    days = np.where(valid, days, np.inf)
    order = np.argsort(days, axis=1, kind="stable")
    days = np.take_along_axis(days, order, axis=1)
    valid = np.take_along_axis(valid, order, axis=1)
    modality = np.take_along_axis(modality, order, axis=1)
    width = max(int(valid.sum(axis=1).max(initial=0)), 1)
    return Scans(days[:, :width], valid[:, :width], modality[:, :width])


def nominal_offsets(sc: Scenario, max_days: float) -> np.ndarray:
    """Scheduled follow-up days after the start: every ``visit_interval`` up to the
    switch, then every ``late_visit_interval``."""
    early = np.arange(1, sc.interval_switch_weeks // sc.visit_interval + 1)
    early_days = early * sc.visit_interval * 7
    last = early_days[-1] if len(early_days) else 0
    n_late = int(max(max_days - last, 0) // (sc.late_visit_interval * 7)) + 1
    late_days = last + np.arange(1, n_late + 1) * sc.late_visit_interval * 7
    out = np.concatenate([early_days, late_days]).astype(float)
    return out[out <= max_days + sc.visit_jitter_days] if len(out) else out


def _jittered(
    rng: np.random.Generator, sc: Scenario, ctx: LineContext, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = len(ctx.rows)
    j = sc.visit_jitter_days
    days = ctx.t0[:, None] + offsets[None, :] + rng.integers(-j, j + 1, (n, len(offsets)))
    keep = (rng.random((n, len(offsets))) >= sc.missed_visit_rate) & (
        days - ctx.t0[:, None] <= ctx.span[:, None]
    )
    return days.astype(float), keep & (days > ctx.t0[:, None])


def line_scans(
    rng: np.random.Generator,
    sc: Scenario,
    ctx: LineContext,
    *,
    mri: np.ndarray,
    fdg: np.ndarray,
    n_cycles: np.ndarray,
    cycle_days: np.ndarray,
) -> tuple[Scans, Scans, Scans]:
    """Anatomical, SST-PET and FDG-PET scans of the line, the baseline scan first.

    Baselines: up to 28 days (PET 35) before line 1; 1-21 days before a later line (after the
    previous line's last scan).  With ``sst_pet_schedule = "cycles"`` an SST-PET comes 1-7 days
    before each later cycle (always after the line's start) and the fixed-time SST-PETs only
    after the last cycle's start.  The schedules run to the cut-off; the caller truncates them
    at death and at the end of the line.
    """
    n = len(ctx.rows)
    if ctx.j == 0:
        back = np.concatenate([rng.integers(0, 29, (n, 1)), rng.integers(0, 36, (n, 2))], axis=1)
    else:
        back = rng.integers(1, 22, (n, 3))
    base = (ctx.t0[:, None] - back).astype(float)
    max_span = float(ctx.span.max(initial=0.0))
    ones = np.ones((n, 1), dtype=bool)

    a_days, a_ok = _jittered(rng, sc, ctx, nominal_offsets(sc, max_span))
    a_days = np.concatenate([base[:, :1], a_days], axis=1)
    a_ok = np.concatenate([ones, a_ok], axis=1)
    a_mod = np.where(mri[:, None], MRI, CT) + np.zeros(a_days.shape, dtype=np.int64)
    anat = _compact(a_days, a_ok, a_mod)

    step = sc.sst_pet_interval_weeks * 7
    fixed = np.arange(1, int(max_span // step) + 2) * float(step)
    s_days, s_ok = _jittered(rng, sc, ctx, fixed)
    if sc.sst_pet_schedule == "cycles":
        k = np.arange(1, max(int(n_cycles.max(initial=0)), 1))
        # 1-7 days before cycles 2..n, but after the line's start (short cycles)
        before = np.minimum(rng.integers(1, 8, (n, len(k))), cycle_days[:, None] - 1)
        pre = ctx.t0[:, None] + k[None, :] * cycle_days[:, None] - before
        pre_ok = (k[None, :] < n_cycles[:, None]) & (
            rng.random((n, len(k))) >= sc.missed_visit_rate
        )
        # the fixed times take over after the last cycle's start (no two scans on one day)
        last_cycle = np.where(n_cycles > 1, ctx.t0 + (n_cycles - 1) * cycle_days, -np.inf)
        s_ok &= s_days > last_cycle[:, None]
        s_days = np.concatenate([pre.astype(float), s_days], axis=1)
        s_ok = np.concatenate([pre_ok, s_ok], axis=1)
    s_days = np.concatenate([base[:, 1:2], s_days], axis=1)
    s_ok = np.concatenate([ones, s_ok], axis=1)
    sst = _compact(s_days, s_ok, np.full(s_days.shape, SST))

    g_off = np.arange(1, int(max_span // FDG_INTERVAL_DAYS) + 2) * float(FDG_INTERVAL_DAYS)
    g_days, g_ok = _jittered(rng, sc, ctx, g_off)
    g_days = np.concatenate([base[:, 2:3], g_days], axis=1)
    g_ok = np.concatenate([ones, g_ok], axis=1) & fdg[:, None]
    fdg_scans = _compact(g_days, g_ok, np.full(g_days.shape, FDG))
    return anat, sst, fdg_scans


@dataclass
class Readings:
    """Lesion readings of a group of scans, one entry per (scan, lesion) pair recorded:
    ``a`` (row of the line), ``v`` (scan column of the group), ``s`` (lesion slot)."""

    a: np.ndarray
    v: np.ndarray
    s: np.ndarray
    la: np.ndarray
    sa: np.ndarray
    density: np.ndarray
    volume: np.ndarray
    viable: np.ndarray
    suv_max: np.ndarray
    suv_mean: np.ndarray
    sul_peak: np.ndarray
    flag: np.ndarray
    new: np.ndarray  # the lesion was born during this line

    def take(self, keep: np.ndarray) -> Readings:
        """The pairs where ``keep`` holds."""
        return Readings(**{k: getattr(self, k)[keep] for k in self.__dataclass_fields__})


def _noise(rng: np.random.Generator, cv: float, size: int) -> np.ndarray:
    sd = np.sqrt(np.log1p(cv**2))
    return np.exp(rng.normal(-0.5 * sd**2, sd, size))


def _pairs(used: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (row, scan column, slot) with a valid scan and a used slot, row-major."""
    nu = used.sum(axis=1)
    slots = np.argsort(~used, axis=1, kind="stable")
    ca, cv = np.nonzero(valid)
    cnt = nu[ca]
    a = np.repeat(ca, cnt)
    v = np.repeat(cv, cnt)
    within = np.arange(len(a)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    return a, v, slots[a, within]


def read_lesions(
    rng: np.random.Generator,
    sc: Scenario,
    les: LesionState,
    ctx: LineContext,
    scans: Scans,
    kind: str,
    *,
    expression_loss_day: np.ndarray,
    lbm: np.ndarray,
    tgr0: np.ndarray,
) -> Readings:
    """Readings of the lesions present on each valid scan of ``scans``.

    ``kind`` is ``"anatomical"`` (CT / MRI: diameters, density on CT, volume, viable
    diameter; SST-PET-only lesions are not seen), ``"sst"`` (functional volume, SUVs; a new
    lesion shows once visible) or ``"fdg"`` (SUVs).  Column 0 of ``scans`` is the baseline:
    read at the line start, never not evaluable.
    """
    r = ctx.rows
    used = les.exists[r] | (les.born_line[r] == ctx.j)
    if kind == "anatomical":
        used &= ~les.pet_only[r]
    a, v, s = _pairs(used, scans.valid)
    ra = r[a]
    tau = np.maximum(scans.days[a, v] - ctx.t0[a], 0.0) / DAYS_PER_MONTH
    exists = les.exists[ra, s]
    born = les.born_line[ra, s] == ctx.j
    with np.errstate(invalid="ignore"):
        present = exists | (born & (tau >= (les.onset[ra, s] - ctx.t0[a]) / DAYS_PER_MONTH))
    a, v, s, ra, tau, exists, born = (x[present] for x in (a, v, s, ra, tau, exists, born))
    P = len(a)
    la_true = pair_long_axis(les, ctx, a, s, tau[:, None])[:, 0]
    bump = np.exp(-(((tau - ctx.swell_peak[a]) / SWELL_WIDTH_MONTHS) ** 2))
    la_app = la_true * np.where(exists, 1.0 + ctx.swell[a, s] * bump, 1.0)
    node = les.node[ra, s]
    ratio = les.ratio[ra, s]
    wane = np.exp(-np.maximum(tau - ctx.eff.t_res[a], 0.0) / 6.0)
    effect = np.where(exists, ctx.eff.density_drop[a, s] * (1.0 - np.exp(-tau / 1.5)) * wane, 0.0)
    ne = (rng.random(P) < sc.not_evaluable_rate) & (v > 0)
    flag = np.where(ne, FLAG_NE, FLAG_NONE).astype(np.int8)
    nan = np.full(P, np.nan)
    vol_true = np.pi / 6.0 * la_app**3 * ratio**2 / 1000.0
    out = {
        k: nan
        for k in ("la", "sa", "density", "volume", "viable", "suv_max", "suv_mean", "sul_peak")
    }
    if kind == "anatomical":
        e1 = _noise(rng, sc.noise_cv, P)
        e2 = _noise(rng, sc.noise_cv, P)
        la = np.round(la_app * e1, 1)
        sa_true = np.where(node, np.maximum(la_app * ratio, NODE_FLOOR_SA_MM), la_app * ratio)
        sa = np.round(sa_true * (e1 * e2) ** 0.7, 1)
        gone = ~node & (la < GONE_MM)
        small = ~node & ~gone & (la < SMALL_MM)
        flag = np.where(small & ~ne, FLAG_SMALL, flag).astype(np.int8)
        sized = ~gone & ~small & ~ne
        hu = les.hu0[ra, s] * (1.0 - effect) + rng.normal(0.0, sc.density_sd_hu, P)
        viable = np.round(la * (1.0 - np.minimum(1.5 * effect, 0.9)), 1)
        vol = vol_true * _noise(rng, sc.volume_cv, P)
        ct = scans.modality[a, v] == CT
        out["la"] = np.where(gone, 0.0, np.where(sized, la, np.nan))
        out["sa"] = np.where(gone, 0.0, np.where(sized, sa, np.nan))
        out["density"] = np.where(ct & sized, np.round(np.maximum(hu, -1000.0), 1), np.nan)
        out["viable"] = np.where(node, np.nan, np.where(gone, 0.0, np.where(sized, viable, np.nan)))
        out["volume"] = np.where(ne, np.nan, np.round(np.where(gone, 0.0, vol), 2))
        keep = np.ones(P, dtype=bool)
    else:
        rc = 1.0 - np.exp(-la_app / 10.0)
        lost = np.maximum(scans.days[a, v] - expression_loss_day[a], 0.0) / DAYS_PER_MONTH
        expr = np.where(les.dd[ra, s], np.exp(-lost / 6.0), 1.0)
        lbm_f = lbm[a] * _noise(rng, 0.05, P)
        if kind == "sst":
            suv = les.suv0[ra, s] * expr * rc * (1.0 - 0.5 * effect) * _noise(rng, sc.suv_cv, P)
            visible = np.where(node, la_app * ratio >= 8.0, la_app >= SMALL_MM) & (suv >= 3.0)
            f_vol = vol_true * expr * _noise(rng, 0.15, P)
            out["volume"] = np.where(visible, f_vol, 0.0)
            out["suv_max"] = np.where(visible, suv, 0.0)
            out["sul_peak"] = np.where(visible, suv * lbm_f * 0.72, 0.0)
            keep = visible | ~born  # a new lesion is recorded once it shows
        else:
            tgr = tgr0[a] + les.dev[ra, s] + les.dd[ra, s] * sc.dedifferentiation_extra_tgr
            sul = (
                (
                    les.fdg0[ra, s] * (1.0 + 0.06 * np.maximum(tgr, 0.0))
                    + FDG_DD_UPTAKE * les.dd[ra, s]  # glycolytic clone, avid from the start
                    + 4.0 * (1.0 - expr)
                )
                * np.maximum(rc, 0.3)
                * (1.0 - effect)
                * _noise(rng, sc.suv_cv, P)
            )
            out["sul_peak"] = sul
            out["suv_max"] = sul / lbm_f / 0.72
            # metabolic volume of the lesion (no draw of its own: the seed's other values stay)
            out["volume"] = vol_true
            keep = np.ones(P, dtype=bool)
        out["suv_mean"] = out["suv_max"] * les.mean_frac[ra, s]
        for k in ("volume", "suv_max", "suv_mean", "sul_peak"):
            out[k] = np.where(ne, np.nan, np.round(out[k], 2))
    rd = Readings(a=a, v=v, s=s, flag=flag, new=born, **out)
    return rd.take(keep)


def select_targets(les: LesionState, rows: np.ndarray, rd: Readings) -> np.ndarray:
    """RECIST 1.1 targets ``(n, L)`` from the baseline (column 0) anatomical readings."""
    n, L = len(rows), les.la.shape[1]
    b = (rd.v == 0) & ~rd.new
    la = np.full((n, L), np.nan)
    sa = np.full((n, L), np.nan)
    la[rd.a[b], rd.s[b]] = rd.la[b]
    sa[rd.a[b], rd.s[b]] = rd.sa[b]
    node = les.node[rows]
    size = np.where(node, sa, la)
    with np.errstate(invalid="ignore"):
        measurable = np.where(node, sa >= 15.0, la >= 10.0)
    key = np.where(measurable, -np.nan_to_num(size), np.inf)
    order = np.argsort(key, axis=1, kind="stable")
    m_sorted = np.take_along_axis(measurable, order, axis=1)
    site_sorted = np.take_along_axis(les.site[rows], order, axis=1).astype(np.int64)
    onehot = (site_sorted[:, :, None] == np.arange(8)[None, None, :]) & m_sorted[:, :, None]
    per_site = np.take_along_axis(np.cumsum(onehot, axis=1), site_sorted[:, :, None], axis=2)[
        :, :, 0
    ]
    ok = m_sorted & (per_site <= 2)
    ok &= np.cumsum(ok, axis=1) <= 5
    target = np.zeros_like(ok)
    np.put_along_axis(target, order, ok, axis=1)
    return target


@dataclass
class Read:
    """The clinical read of the anatomical scans of a line (baseline in column 0)."""

    response: np.ndarray  # (n, V) code into READS (0 on the baseline)
    nontarget: np.ndarray  # (n, V) code into NTL (0 = no non-target lesions)
    new_lesion: np.ndarray  # (n, V)
    decision: np.ndarray  # (n,) column of the scan that stops the line (-1 = none)


def clinical_read(
    rng: np.random.Generator,
    sc: Scenario,
    les: LesionState,
    ctx: LineContext,
    rd: Readings,
    scans: Scans,
    target: np.ndarray,
) -> Read:
    """RECIST-style read by the treating team, and the scan on which the line is stopped."""
    r = ctx.rows
    n, V = scans.days.shape
    cell = rd.a * V + rd.v

    def per_scan(mask: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        w = None if weights is None else weights[mask]
        return np.bincount(cell[mask], weights=w, minlength=n * V).reshape(n, V)

    node = les.node[r[rd.a], rd.s]
    d = np.where(node, rd.sa, rd.la)
    d = np.where(rd.flag == FLAG_SMALL, SMALL_MM, d)
    with np.errstate(invalid="ignore"):
        gone = np.where(node, rd.sa < 10.0, rd.la == 0.0)
    is_t = ~rd.new & target[rd.a, rd.s]
    is_n = ~rd.new & ~is_t
    has_t: np.ndarray = np.asarray(target.any(axis=1))
    t_sum = per_scan(is_t, np.nan_to_num(d)) * _noise(rng, READER_CV, n * V).reshape(n, V)
    t_ne = per_scan(is_t & np.isnan(d)) > 0
    base = t_sum[:, :1]
    evaluable = ~t_ne & scans.valid
    run = np.minimum.accumulate(np.where(evaluable, t_sum, np.inf), axis=1)
    nadir = np.concatenate([base, run[:, :-1]], axis=1)
    t_pd = evaluable & has_t[:, None] & (t_sum >= 1.2 * nadir) & (t_sum - nadir >= 5.0)

    n_sum = per_scan(is_n, np.nan_to_num(d))
    n_ne = per_scan(is_n & np.isnan(d)) > 0
    n_run = np.minimum.accumulate(np.where(~n_ne & scans.valid, n_sum, np.inf), axis=1)
    n_nadir = np.concatenate([n_sum[:, :1], n_run[:, :-1]], axis=1)
    has_n = per_scan(is_n & (rd.v == 0))[:, :1] > 0
    n_pd = (
        has_n
        & ~n_ne
        & (n_sum >= (1 + sc.nontarget_pd_threshold) * n_nadir)
        & (n_sum - n_nadir >= 10.0)
    )
    n_cr = has_n & (per_scan(is_n & ~gone) == 0)
    nt_code = np.where(
        ~has_n, 0, np.where(n_pd, N_PD, np.where(n_ne, N_NE, np.where(n_cr, N_CR, N_NN)))
    )
    new = per_scan(rd.new) > 0
    pd_any = t_pd | n_pd | new
    t_cr = has_t[:, None] & (per_scan(is_t & ~gone) == 0) & ~t_ne
    resp = np.where(
        has_t[:, None],
        np.where(
            t_ne,
            R_NE,
            np.where(
                t_cr & ((nt_code == N_CR) | (nt_code == 0)),
                R_CR,
                np.where(t_sum <= 0.7 * base, R_PR, R_SD),
            ),
        ),
        np.where(nt_code == N_NE, R_NE, np.where(nt_code == N_CR, R_CR, R_NN)),
    )
    resp = np.where(pd_any, R_PD, resp)
    resp[:, 0] = 0
    resp = np.where(scans.valid, resp, 0)

    tau = (scans.days - ctx.t0[:, None]) / DAYS_PER_MONTH
    watch = ctx.prrt[:, None] & (tau < sc.pseudo_watch_months) & ~new
    is_pd = (resp == R_PD) & scans.valid
    prev_pd = np.concatenate([np.zeros((n, 1), bool), is_pd[:, :-1]], axis=1)
    acted = is_pd & (~watch | prev_pd)
    acted[:, 0] = False
    decision = np.where(acted.any(axis=1), np.argmax(acted, axis=1), -1)
    return Read(response=resp, nontarget=nt_code, new_lesion=new, decision=decision)
