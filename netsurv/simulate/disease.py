"""Latent disease: growth rates, lesions and their trajectories under treatment.

Every lesion follows, from the start of a treatment line (``tau`` in months),

``V(tau) = V0 * (phi * exp(-kill * tau) + (1 - phi) * exp(Lr(tau)))``

with ``Lr(tau) = g_on * min(tau, T_res) + g_off * max(tau - T_res, 0)``: a sensitive fraction
``phi`` decays at ``kill``, the rest grows at the lesion's rate slowed by the therapy's growth
reduction until resistance at ``T_res`` (a Stein-type shrink-and-regrow model).  Rates are
tumour growth rates: TGR %/month of the volume, ``g = log(1 + TGR / 100)`` per month; the long
axis scales as ``V^(1/3)`` (LITERATURE.md: ``TG = 3 log(D_t / D_0) / t``).

Arrays are padded ``(patients, lesion slots)``; a slot holds a baseline CT lesion, an
SST-PET-only lesion or a new lesion born during a line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netsurv.schema.inputs import LESION_SITES
from netsurv.simulate.organs import organ_offsets
from netsurv.simulate.scenarios import DAYS_PER_MONTH, Scenario, Therapy

#: Lesion sites in code order (``netsurv.schema.inputs.LESION_SITES``).
SITES = LESION_SITES
NODE = SITES.index("lymph_node")
BONE = SITES.index("bone")
MAX_CT_LESIONS = 10
MAX_PET_ONLY = 4
NEW_PER_LINE = 3
NEW_SITES = {"liver": 0.45, "lymph_node": 0.2, "bone": 0.2, "peritoneum": 0.07, "lung": 0.08}
NEW_LA_MM = 6.0
NEW_NODE_SA_MM = 10.0
NODE_FLOOR_SA_MM = 5.0
#: Lesions stop growing at this long axis (keeps sizes and volumes plausible).
MAX_LONG_AXIS_MM = 200.0


def tg(tgr: np.ndarray | float) -> np.ndarray:
    """Log growth rate per month from TGR (% per month), floored at -90 %."""
    return np.log1p(np.maximum(np.asarray(tgr, dtype=float), -90.0) / 100.0)


def choice(
    rng: np.random.Generator, probs: dict[str, float], size: int | tuple[int, ...]
) -> np.ndarray:
    """Indices into ``list(probs)`` drawn with the given weights."""
    p = np.array(list(probs.values()), dtype=float)
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(size), side="right").clip(
        0, len(p) - 1
    )


def draw_tgr0(rng: np.random.Generator, sc: Scenario, n: int) -> np.ndarray:
    """Patients' intrinsic growth rates (TGR %/month): a slow / fast mixture."""
    slow = rng.random(n) < sc.slow_fraction
    s = rng.normal(sc.slow_tgr_mean, sc.slow_tgr_sd, n)
    f = sc.fast_tgr_median * np.exp(rng.normal(0.0, sc.fast_tgr_sdlog, n))
    return np.where(slow, s, f).clip(-5.0, 40.0)


@dataclass
class LesionState:
    """Padded lesion slots of a chunk of patients (mutable: updated at each line start)."""

    exists: np.ndarray  # slot holds a lesion that exists at the current line start
    la: np.ndarray  # true long axis at the current line start, mm
    ratio: np.ndarray  # short / long axis
    site: np.ndarray  # index into SITES
    pet_only: np.ndarray  # never seen on CT (bone, sub-centimetre)
    dd: np.ndarray  # dedifferentiated clone
    dev: np.ndarray  # lesion TGR deviation from its patient's, %/month
    hu0: np.ndarray  # density before treatment, HU
    suv0: np.ndarray  # SST-PET SUVmax of a large, fully expressing lesion
    fdg0: np.ndarray  # FDG SULpeak of a large lesion
    mean_frac: np.ndarray  # SUVmean / SUVmax
    born_line: np.ndarray  # -1 baseline lesion, j = appeared during line j, -2 unused slot
    onset: np.ndarray  # absolute day of appearance (NaN for baseline lesions)
    number: np.ndarray  # number within its kind (L01, S01; new lesions numbered at output)

    @property
    def node(self) -> np.ndarray:
        return self.site == NODE

    def head(self, j: int) -> LesionState:
        """Views of the slots line ``j`` can use (baseline lesions and new lesions of lines
        up to ``j``); writes go through to this state."""
        m = MAX_CT_LESIONS + MAX_PET_ONLY + NEW_PER_LINE * (j + 1)
        return LesionState(**{k: getattr(self, k)[:, :m] for k in self.__dataclass_fields__})


def baseline_lesions(
    rng: np.random.Generator, sc: Scenario, dd_patient: np.ndarray, n_lines: int
) -> LesionState:
    """Baseline CT and SST-PET-only lesions, plus empty slots for new lesions of each line."""
    n = len(dd_patient)
    # 1-6 large (measurable) lesions, then smaller ones; at most MAX_CT_LESIONS in all
    n_big = np.minimum(1 + rng.poisson(sc.n_targets_mean, n), 6)
    n_ct = np.minimum(n_big + rng.poisson(sc.n_nontargets_mean, n), MAX_CT_LESIONS)
    n_pet = np.minimum(rng.poisson(sc.n_pet_only_mean, n), MAX_PET_ONLY)
    n_new = NEW_PER_LINE * (n_lines + 1)
    L = MAX_CT_LESIONS + MAX_PET_ONLY + n_new
    col = np.arange(L)[None, :]
    ct = col < n_ct[:, None]
    pet = (col >= MAX_CT_LESIONS) & (col < MAX_CT_LESIONS + n_pet[:, None])
    exists = ct | pet

    site_names = list(sc.lesion_sites)
    ct_site = np.array([SITES.index(s) for s in site_names])[choice(rng, sc.lesion_sites, (n, L))]
    pet_site = np.array([BONE, NODE, 0])[choice(rng, {"b": 0.6, "n": 0.25, "l": 0.15}, (n, L))]
    site = np.where(col < MAX_CT_LESIONS, ct_site, pet_site).astype(np.int8)
    # the first CT lesions are the large (measurable) ones; the rest are smaller
    big = col < n_big[:, None]
    node = site == NODE
    ratio = np.where(node, rng.uniform(0.6, 0.85, (n, L)), rng.uniform(0.55, 0.9, (n, L)))
    size = np.where(
        big,
        np.where(
            node,
            16.0 + sc.target_size_median_mm * 0.3 * np.exp(rng.normal(0, 0.6, (n, L))),
            np.maximum(sc.target_size_median_mm * np.exp(rng.normal(0, 0.45, (n, L))), 13.0),
        ),
        np.where(
            node,
            rng.uniform(8.0, 15.0, (n, L)),
            (9.0 * np.exp(rng.normal(0, 0.35, (n, L)))).clip(5.0, 25.0),
        ),
    )
    pet_size = np.where(node, rng.uniform(5.0, 9.0, (n, L)), rng.uniform(4.0, 9.0, (n, L)))
    size = np.where(col < MAX_CT_LESIONS, size, pet_size)
    # nodes are sized by their short axis
    la = np.where(node, size / ratio, size)
    dd = dd_patient[:, None] & (rng.random((n, L)) < 0.4)
    # every dedifferentiated patient has at least its first lesion in the clone
    dd[:, 0] |= dd_patient
    number = np.where(col < MAX_CT_LESIONS, col + 1, col - MAX_CT_LESIONS + 1)
    return LesionState(
        exists=exists,
        la=np.where(exists, la, 0.0),
        ratio=ratio,
        site=site,
        pet_only=np.repeat((col >= MAX_CT_LESIONS) & (col < MAX_CT_LESIONS + MAX_PET_ONLY), n, 0),
        dd=dd,
        dev=rng.normal(0.0, sc.lesion_tgr_sd, (n, L)),
        hu0=rng.normal(75.0, 15.0, (n, L)).clip(30.0, 140.0),
        suv0=np.exp(rng.normal(np.log(25.0), 0.45, (n, L))),
        fdg0=np.exp(rng.normal(np.log(1.6), 0.3, (n, L))),
        mean_frac=rng.uniform(0.5, 0.65, (n, L)),
        born_line=np.where(exists, -1, -2).astype(np.int8),
        onset=np.full((n, L), np.nan),
        number=np.repeat(number.astype(np.int64), n, 0),
    )


def new_lesion_slots(j: int) -> slice:
    """Slots of the new lesions born during line (phase) ``j``."""
    first = MAX_CT_LESIONS + MAX_PET_ONLY + NEW_PER_LINE * j
    return slice(first, first + NEW_PER_LINE)


@dataclass
class LineEffect:
    """Treatment effect of one line, per patient of the line (and per lesion)."""

    phi: np.ndarray  # (n, L) sensitive fraction of each lesion
    phi_patient: np.ndarray  # (n,)
    kill: np.ndarray  # (n,) 1/month
    reduction: np.ndarray  # (n,) TGR %/month
    t_res: np.ndarray  # (n,) months
    density_drop: np.ndarray  # (n, L)
    density_patient: np.ndarray  # (n,)
    g_on: np.ndarray  # (n, L) log rate while the reduction holds
    g_off: np.ndarray  # (n, L) after resistance


def draw_effect(
    rng: np.random.Generator,
    th: Therapy | None,
    sc: Scenario,
    tgr0: np.ndarray,
    les: LesionState,
    rows: np.ndarray,
) -> LineEffect:
    """Treatment effect of a line for the patients ``rows`` of the chunk.

    ``th`` None is the unrecorded therapy after the last recorded line
    (``sc.post_progression``).
    """
    n = len(rows)
    L = les.la.shape[1]
    scale = sc.effect_scale
    tgr_les = tgr0[rows, None] + les.dev[rows] + les.dd[rows] * sc.dedifferentiation_extra_tgr
    tgr_les = tgr_les + organ_offsets(sc, les.site[rows])
    if th is None:
        th = sc.post_progression
    m, c = th.sensitive_fraction, th.sensitive_concentration
    phi_p = rng.beta(m * c, (1.0 - m) * c, n) if 0.0 < m < 1.0 else np.full(n, m)
    phi_p = phi_p * min(scale, 1.0)
    logit = np.log(np.clip(phi_p, 1e-6, 1 - 1e-6) / (1 - np.clip(phi_p, 1e-6, 1 - 1e-6)))
    phi = 1.0 / (1.0 + np.exp(-(logit[:, None] + rng.normal(0.0, 0.7, (n, L)))))
    phi = np.where(phi_p[:, None] > 0, phi, 0.0)
    kill = th.kill_rate * np.exp(rng.normal(0.0, 0.3, n))
    red = np.maximum(rng.normal(th.growth_reduction, th.growth_reduction_sd, n), 0.0) * scale
    t_res = rng.exponential(th.resistance_months / np.log(2.0), n)
    dens_p = (rng.normal(th.density_drop, 0.4 * th.density_drop, n) * scale).clip(0.0, 0.6)
    dens = np.broadcast_to(dens_p[:, None], (n, L)).copy()
    immune = les.dd[rows] if th.sstr_directed else np.zeros((n, L), dtype=bool)
    phi = np.where(immune, 0.0, phi)
    dens = np.where(immune, 0.0, dens)
    red_les = np.where(immune, 0.0, red[:, None])
    return LineEffect(
        phi=phi,
        phi_patient=phi_p,
        kill=kill,
        reduction=red,
        t_res=t_res,
        density_drop=dens,
        density_patient=dens_p,
        g_on=tg(tgr_les - red_les),
        g_off=tg(tgr_les),
    )


def resistant_log(
    tau: np.ndarray, g_on: np.ndarray, g_off: np.ndarray, t_res: np.ndarray
) -> np.ndarray:
    """``Lr(tau)``: log growth of the resistant part after ``tau`` months (broadcasting)."""
    early = np.minimum(tau, t_res)
    return g_on * early + g_off * (tau - early)


def size_factor(
    tau: np.ndarray,
    phi: np.ndarray,
    kill: np.ndarray,
    g_on: np.ndarray,
    g_off: np.ndarray,
    t_res: np.ndarray,
) -> np.ndarray:
    """Long axis at ``tau`` months over long axis at the line start, lesions present then."""
    tau = np.maximum(tau, 0.0)
    v = phi * np.exp(-kill * tau) + (1.0 - phi) * np.exp(resistant_log(tau, g_on, g_off, t_res))
    return np.cbrt(v)


def new_size_factor(
    tau: np.ndarray,
    tau0: np.ndarray,
    g_on: np.ndarray,
    g_off: np.ndarray,
    t_res: np.ndarray,
) -> np.ndarray:
    """Long axis at ``tau`` over the size at birth ``tau0`` for a lesion born during the line."""
    lr = resistant_log(np.maximum(tau, tau0), g_on, g_off, t_res)
    return np.exp((lr - resistant_log(tau0, g_on, g_off, t_res)) / 3.0)


def current_tgr(tau: np.ndarray, eff: LineEffect, tgr_patient: np.ndarray) -> np.ndarray:
    """Patient-level TGR (%/month) in force ``tau`` months into the line (``(n, ...)``)."""
    shape = (-1,) + (1,) * (np.ndim(tau) - 1)
    on = tau < eff.t_res.reshape(shape)
    return np.where(on, (tgr_patient - eff.reduction).reshape(shape), tgr_patient.reshape(shape))


def draw_new_attributes(
    rng: np.random.Generator,
    sc: Scenario,
    les: LesionState,
    rows: np.ndarray,
    j: int,
    dd_patient: np.ndarray,
) -> None:
    """Attributes of the lesions that may appear during line ``j`` (drawn for every slot so
    that the random stream does not depend on how many are born)."""
    sl = new_lesion_slots(j)
    shape = (len(rows), NEW_PER_LINE)
    site = np.array([SITES.index(s) for s in NEW_SITES])[choice(rng, NEW_SITES, shape)]
    node = site == NODE
    ratio = np.where(node, rng.uniform(0.6, 0.85, shape), rng.uniform(0.55, 0.9, shape))
    les.site[rows, sl] = site
    les.pet_only[rows, sl] = site == BONE
    les.ratio[rows, sl] = ratio
    les.la[rows, sl] = np.where(node, NEW_NODE_SA_MM / ratio, NEW_LA_MM)
    les.dd[rows, sl] = dd_patient[rows, None] & (rng.random(shape) < 0.6)
    les.dev[rows, sl] = rng.normal(0.0, sc.lesion_tgr_sd, shape)
    les.hu0[rows, sl] = rng.normal(75.0, 15.0, shape).clip(30.0, 140.0)
    les.suv0[rows, sl] = np.exp(rng.normal(np.log(25.0), 0.45, shape))
    les.fdg0[rows, sl] = np.exp(rng.normal(np.log(1.6), 0.3, shape))
    les.mean_frac[rows, sl] = rng.uniform(0.5, 0.65, shape)


def draw_new_onsets(
    rng: np.random.Generator,
    sc: Scenario,
    les: LesionState,
    rows: np.ndarray,
    j: int,
    t0: np.ndarray,
    span: np.ndarray,
    eff: LineEffect,
    tgr_patient: np.ndarray,
) -> None:
    """Birth days of new lesions during line ``j``: an inhomogeneous Poisson process whose
    rate rises with the current growth rate, at most :data:`NEW_PER_LINE` per line."""
    n = len(rows)
    step = 14.0
    G = max(int(np.ceil(float(span.max(initial=0.0)) / step)), 1)
    tau_d = np.arange(G) * step
    tgr_now = current_tgr(tau_d[None, :] / DAYS_PER_MONTH, eff, tgr_patient[rows])
    with np.errstate(over="ignore"):
        rate = sc.new_lesion_rate * np.exp(sc.new_lesion_growth_link * np.clip(tgr_now, -5.0, 25.0))
    # capped far above what the NEW_PER_LINE slots can take (extreme overrides overflow)
    lam = np.where(
        tau_d[None, :] < span[:, None], np.minimum(rate * (step / DAYS_PER_MONTH), 1e3), 0.0
    )
    counts = np.cumsum(rng.poisson(lam), axis=1)
    offset = rng.uniform(0.0, step, (n, NEW_PER_LINE))
    sl = new_lesion_slots(j)
    for k in range(NEW_PER_LINE):
        cell = np.argmax(counts > k, axis=1)
        day = t0 + tau_d[cell] + offset[:, k]
        has = (counts[:, -1] > k) & (day < t0 + span)
        r = rows[has]
        les.onset[r, sl.start + k] = day[has]
        les.born_line[r, sl.start + k] = j


@dataclass
class LineContext:
    """What the imaging, survival and truth steps of one line need to know."""

    j: int
    rows: np.ndarray  # chunk rows of the patients on this line
    t0: np.ndarray  # line start, absolute day
    span: np.ndarray  # days from the start to the administrative cut-off
    eff: LineEffect
    swell: np.ndarray  # (n, L) transient apparent size increase at its peak (0 = none)
    swell_peak: np.ndarray  # (n,) months from start to the peak
    prrt: np.ndarray  # (n,) the line is PRRT (pseudoprogression watch)
    lesion_swell: np.ndarray | None = None  # (n, L) lesions' own swelling (part of ``swell``)


SWELL_WIDTH_MONTHS = 0.9


def pair_long_axis(
    les: LesionState, ctx: LineContext, pi: np.ndarray, si: np.ndarray, tau: np.ndarray
) -> np.ndarray:
    """True long axis of lesion slots given as pairs (row ``pi`` of the line, slot ``si``) at
    ``tau`` months since the line start (``(pairs, T)``); 0 before a new lesion's birth."""
    r = ctx.rows[pi]
    eff = ctx.eff
    start = les.exists[r, si]
    born = les.born_line[r, si] == ctx.j
    la0 = les.la[r, si]
    out = np.zeros(tau.shape)
    s = np.flatnonzero(start)
    if len(s):
        f = size_factor(
            tau[s],
            eff.phi[pi[s], si[s]][:, None],
            eff.kill[pi[s]][:, None],
            eff.g_on[pi[s], si[s]][:, None],
            eff.g_off[pi[s], si[s]][:, None],
            eff.t_res[pi[s]][:, None],
        )
        out[s] = la0[s, None] * f
    b = np.flatnonzero(born & ~start)
    if len(b):
        t_b = ((les.onset[r[b], si[b]] - ctx.t0[pi[b]]) / DAYS_PER_MONTH)[:, None]
        nf = new_size_factor(
            tau[b],
            t_b,
            eff.g_on[pi[b], si[b]][:, None],
            eff.g_off[pi[b], si[b]][:, None],
            eff.t_res[pi[b]][:, None],
        )
        out[b] = np.where(tau[b] >= t_b, la0[b, None] * nf, 0.0)
    return np.minimum(out, MAX_LONG_AXIS_MM)


def volume_ml(les: LesionState, rows: np.ndarray, la: np.ndarray) -> np.ndarray:
    """Ellipsoid volume (long axis and two short axes), mL."""
    shape = (len(rows),) + (1,) * (la.ndim - 2) + (-1,)
    ratio = les.ratio[rows].reshape(shape)
    return np.pi / 6.0 * la**3 * ratio**2 / 1000.0
