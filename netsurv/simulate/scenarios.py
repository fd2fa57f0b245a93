"""Parameters of the simulator: a :class:`Scenario` (one per clinical setting) holding a
:class:`Therapy` per treatment class.

Both are frozen, validated values (pydantic, unknown fields rejected).  The presets and the
override mechanism are in :mod:`netsurv.simulate.presets`.

Units: growth rates are tumour growth rates (TGR, % per month of the volume-equivalent
``(sum of diameters)^3``, LITERATURE.md); times are months unless named ``_days`` or
``_weeks``.  Defaults follow LITERATURE.md where it gives a figure (visit schedule, noise,
not-evaluable rate, growth mixture, pseudoprogression); the treatment effects and the death
model's coefficients were calibrated so that each scenario reproduces its published medians,
response rates and PFS-OS correlation (:mod:`netsurv.simulate.calibration`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from netsurv.schema.inputs import LESION_SITES, PRIMARY_SITES, TRACERS

TherapyClass = Literal["SSA", "PRRT", "mTOR", "TKI", "chemo"]
THERAPY_CLASSES: tuple[TherapyClass, ...] = ("SSA", "PRRT", "mTOR", "TKI", "chemo")
#: Dates netsurv accepts (``netsurv.schema.inputs``): patients (aged up to 88 at the start)
#: must be born after the first, the data cut-off must fall before the last.
EARLIEST_START = dt.date(1990, 1, 1)
LATEST_CUTOFF = dt.date(2100, 12, 31)
DAYS_PER_MONTH = 30.4375


class Therapy(BaseModel):
    """How one class of treatment acts on the latent disease.

    Each lesion follows ``V(t) = V0 * (phi * exp(-kill_rate * t) + (1 - phi) * R(t))`` from the
    line's start: a sensitive fraction ``phi`` shrinks, the rest grows at the patient's rate
    slowed by ``growth_reduction`` until resistance (``R(t) = exp(g t - d min(t, T_res))``).

    Examples
    --------
    >>> from netsurv.simulate import get_scenario
    >>> prrt = get_scenario("prrt").therapies["PRRT"]
    >>> prrt.n_cycles, prrt.cycle_weeks, prrt.sstr_directed
    (4, 8, True)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    regimens: tuple[str, ...] = Field(min_length=1, description="Regimen names (drawn at random).")
    sensitive_fraction: float = Field(
        ge=0.0, le=1.0, description="Mean fraction of each lesion that is sensitive (phi)."
    )
    sensitive_concentration: float = Field(
        8.0, gt=0.0, description="Beta concentration of the patient's phi (larger = less spread)."
    )
    kill_rate: float = Field(
        ge=0.0, description="Median decay rate of the sensitive part, 1/month."
    )
    growth_reduction: float = Field(
        ge=0.0, description="Mean reduction of the growth rate (TGR %/month) while effective."
    )
    growth_reduction_sd: float = Field(1.0, ge=0.0, description="SD of the reduction.")
    resistance_months: float = Field(
        gt=0.0, description="Median time until the growth reduction is lost (exponential)."
    )
    density_drop: float = Field(
        ge=0.0, lt=1.0, description="Mean relative fall of CT density in treated lesions (Choi)."
    )
    sstr_directed: bool = Field(
        False,
        description="Acts through somatostatin receptors: no effect on dedifferentiated lesions.",
    )
    n_cycles: int | None = Field(None, ge=1, description="Planned cycles (None = continuous).")
    cycle_weeks: int = Field(8, ge=1, description="Weeks between cycles.")
    toxicity_per_year: float = Field(
        ge=0.0, description="Hazard of stopping for toxicity while on treatment, per year."
    )


def _therapies() -> dict[str, Therapy]:
    return {
        "SSA": Therapy(
            regimens=("octreotide LAR", "lanreotide"),
            sensitive_fraction=0.06,
            kill_rate=0.06,
            growth_reduction=3.0,
            resistance_months=20.0,
            density_drop=0.03,
            sstr_directed=True,
            toxicity_per_year=0.01,
        ),
        "PRRT": Therapy(
            regimens=("177Lu-DOTATATE",),
            sensitive_fraction=0.65,
            sensitive_concentration=4.0,
            kill_rate=0.15,
            growth_reduction=3.5,
            resistance_months=30.0,
            density_drop=0.10,
            sstr_directed=True,
            n_cycles=4,
            cycle_weeks=8,
            toxicity_per_year=0.08,
        ),
        "mTOR": Therapy(
            regimens=("everolimus",),
            sensitive_fraction=0.20,
            sensitive_concentration=2.0,
            kill_rate=0.10,
            growth_reduction=3.5,
            growth_reduction_sd=1.5,
            resistance_months=3.5,
            density_drop=0.18,
            toxicity_per_year=0.20,
        ),
        "TKI": Therapy(
            regimens=("sunitinib",),
            sensitive_fraction=0.25,
            sensitive_concentration=2.0,
            kill_rate=0.10,
            growth_reduction=3.5,
            growth_reduction_sd=1.5,
            resistance_months=3.5,
            density_drop=0.25,
            toxicity_per_year=0.25,
        ),
        "chemo": Therapy(
            regimens=("capecitabine + temozolomide",),
            sensitive_fraction=0.40,
            sensitive_concentration=4.0,
            kill_rate=0.15,
            growth_reduction=2.0,
            resistance_months=10.0,
            density_drop=0.10,
            toxicity_per_year=0.15,
        ),
    }


class Scenario(BaseModel):
    """Every parameter of one simulated setting (see the field descriptions).

    Build one from a preset with :func:`netsurv.simulate.get_scenario` and keyword overrides;
    the constructor validates every field and the consistency of the class weights.

    Examples
    --------
    >>> from netsurv.simulate import get_scenario
    >>> sc = get_scenario("mixed", followup_months=36)
    >>> sc.max_lines, sc.followup_months, sorted(sc.next_lines)
    (4, 36.0, ['PRRT', 'TKI', 'chemo', 'mTOR'])
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, description="Scenario name.")
    description: str = Field("", description="What the scenario represents.")
    # --- calendar and follow-up
    start_date: str = Field(
        "2012-01-01",
        description="First possible line-1 start: an ISO date (YYYY-MM-DD) on or after "
        "1990-01-01 (a date object is accepted and stored as its ISO text).",
    )
    accrual_months: float = Field(
        48.0, gt=0.0, description="Line-1 starts spread uniformly over this."
    )
    followup_months: float = Field(
        72.0, gt=0.0, description="Data cut-off this long after the end of accrual."
    )
    dropout_per_year: float = Field(0.02, ge=0.0, description="Loss to follow-up hazard per year.")
    # --- patients
    primary_sites: dict[str, float] = Field(description="Primary-site probabilities.")
    age_mean: float = Field(62.0, description="Mean age at line-1 start (years).")
    age_sd: float = Field(11.0, ge=0.0, description="SD of the age.")
    female_fraction: float = Field(0.5, ge=0.0, le=1.0, description="Fraction of women.")
    ki67_per_tgr: float = Field(
        0.22, description="log Ki-67 per unit of baseline TGR (%/month): grade follows growth."
    )
    ki67_median_at_zero: float = Field(2.0, gt=0.0, description="Median Ki-67 (%) at TGR 0.")
    # --- growth (per patient; LITERATURE.md [G])
    slow_fraction: float = Field(0.6, ge=0.0, le=1.0, description="Fraction of slow tumours.")
    slow_tgr_mean: float = Field(1.0, description="Mean TGR of slow tumours (%/month).")
    slow_tgr_sd: float = Field(1.5, ge=0.0, description="SD of the slow TGR.")
    fast_tgr_median: float = Field(
        6.0, gt=0.0, description="Median TGR of fast tumours (log-normal)."
    )
    fast_tgr_sdlog: float = Field(0.5, ge=0.0, description="SD of log TGR of fast tumours.")
    lesion_tgr_sd: float = Field(
        0.5, ge=0.0, description="SD of a lesion's TGR around its patient's."
    )
    # --- lesions
    n_targets_mean: float = Field(
        2.2, ge=0.0, description="Mean extra measurable lesions beyond the first (Poisson, max 5)."
    )
    n_nontargets_mean: float = Field(
        2.0, ge=0.0, description="Mean CT non-target lesions (Poisson)."
    )
    n_pet_only_mean: float = Field(
        1.5, ge=0.0, description="Mean SST-PET-only lesions (bone, sub-centimetre; Poisson)."
    )
    target_size_median_mm: float = Field(24.0, gt=0.0, description="Median long axis of targets.")
    lesion_sites: dict[str, float] = Field(
        default_factory=lambda: {
            "liver": 0.62,
            "lymph_node": 0.2,
            "peritoneum": 0.06,
            "lung": 0.04,
            "pancreas": 0.05,
            "other": 0.03,
        },
        description="Organ probabilities of CT lesions.",
    )
    # --- therapies and lines
    first_line: dict[str, float] = Field(description="Probabilities of the first line's class.")
    next_lines: dict[str, float] = Field(
        default_factory=dict, description="Weights of later lines' classes (no class repeats)."
    )
    max_lines: int = Field(1, ge=1, le=6, description="Most treatment lines recorded.")
    therapies: dict[str, Therapy] = Field(default_factory=_therapies)
    effect_scale: float = Field(
        1.0, ge=0.0, description="Multiplies every treatment effect (0 = no effect at all)."
    )
    post_progression: Therapy = Field(
        default_factory=lambda: Therapy(
            regimens=("later therapy",),
            sensitive_fraction=0.25,
            sensitive_concentration=2.0,
            kill_rate=0.1,
            growth_reduction=2.0,
            growth_reduction_sd=2.0,
            resistance_months=18.0,
            density_drop=0.0,
            toxicity_per_year=0.0,
        ),
        description="Unrecorded therapy after the last recorded line (override as post__<field>).",
    )
    next_line_delay_days: tuple[int, int] = Field(
        (28, 70),
        description="Days from the decision to the next line's start (uniform; at least 22 so "
        "that the next line's baseline scans, 1-21 days before its start, follow the decision).",
    )
    # --- new lesions, pseudoprogression, dedifferentiation
    new_lesion_rate: float = Field(
        0.01, ge=0.0, description="New lesions per month at TGR 0 (rises with the growth rate)."
    )
    new_lesion_growth_link: float = Field(
        0.25, ge=0.0, description="log rate of new lesions per unit of current TGR (%/month)."
    )
    pseudoprogression_rate: float = Field(
        0.12, ge=0.0, le=1.0, description="Patients with transient swelling after PRRT."
    )
    pseudoprogression_amplitude: tuple[float, float] = Field(
        (0.10, 0.40), description="Range of the transient size increase (fraction)."
    )
    organ_tgr_offset: dict[str, float] = Field(
        default_factory=dict,
        description="TGR (%/month) added to the lesions of an organ, e.g. {bone = -1.0, liver = "
        "1.5} (organ-specific growth; netsurv.simulate.organs). Empty = none.",
    )
    lesion_pseudoprogression_rate: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Lesions of a PRRT line with their own transient swelling (lesion-level "
        "pseudoprogression; netsurv.simulate.organs). 0 = none.",
    )
    lesion_pseudoprogression_amplitude: tuple[float, float] = Field(
        (0.25, 0.60), description="Range of a lesion's own transient size increase (fraction)."
    )
    dedifferentiation_rate: float = Field(
        0.08, ge=0.0, le=1.0, description="Patients with a dedifferentiated (SSTR-negative) clone."
    )
    dedifferentiation_extra_tgr: float = Field(
        3.0, ge=0.0, description="Extra TGR (%/month) of dedifferentiated lesions."
    )
    # --- imaging
    visit_interval: int = Field(12, ge=1, description="Weeks between scans for the first 2 years.")
    late_visit_interval: int = Field(24, ge=1, description="Weeks between scans after that.")
    interval_switch_weeks: int = Field(104, ge=0, description="When the longer interval starts.")
    visit_jitter_days: int = Field(7, ge=0, description="Scans fall uniformly +/- this many days.")
    missed_visit_rate: float = Field(0.05, ge=0.0, lt=1.0, description="Scheduled scans missed.")
    mri_fraction: float = Field(0.1, ge=0.0, le=1.0, description="Patients followed by MRI.")
    sst_pet_schedule: Literal["cycles", "fixed"] = Field(
        "fixed",
        description="cycles = SST-PET before every PRRT cycle, then at fixed times; fixed = at "
        "baseline and every sst_pet_interval_weeks.",
    )
    sst_pet_interval_weeks: int = Field(48, ge=1, description="Weeks between SST-PET scans.")
    fdg_pet_rate: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Fraction of G2/G3 patients followed by FDG-PET (baseline, every 24 weeks).",
    )
    sst_tracer_shares: dict[str, float] = Field(
        {"68Ga-DOTATATE": 0.6, "68Ga-DOTATOC": 0.3, "64Cu-DOTATATE": 0.1},
        description="Share of patients imaged with each SST-PET tracer (recorded in "
        "assessments.tracer; FDG-PET scans record 18F-FDG).",
    )
    tracer_switch_rate: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Fraction of patients whose SST-PET tracer changes once, from a random "
        "follow-up SST-PET on (SUV- and volume-based criteria are then NE on that line).",
    )
    noise_cv: float = Field(0.08, ge=0.0, lt=1.0, description="CV of a diameter reading.")
    volume_cv: float = Field(0.12, ge=0.0, lt=1.0, description="CV of a volume reading.")
    suv_cv: float = Field(0.10, ge=0.0, lt=1.0, description="CV of an SUV reading.")
    density_sd_hu: float = Field(5.0, ge=0.0, description="SD of a density reading (HU).")
    not_evaluable_rate: float = Field(
        0.02, ge=0.0, lt=1.0, description="Follow-up lesion readings not evaluable."
    )
    nontarget_pd_threshold: float = Field(
        0.5, gt=0.0, description="Growth of the non-target diameter sum over its nadir read as PD."
    )
    pseudo_watch_months: float = Field(
        6.0, ge=0.0, description="After PRRT, size-only PD before this is acted on when confirmed."
    )
    # --- death
    weibull_shape: float = Field(2.2, gt=0.0, description="Shape of the baseline death hazard.")
    baseline_median_os_months: float = Field(
        120.0, gt=0.0, description="Median OS of the baseline hazard at reference disease state."
    )
    death_link: float = Field(
        1.0,
        ge=0.0,
        description="Strength of the link between latent disease and death (0 = none).",
    )
    death_burden_coef: float = Field(
        0.3, description="log HR per unit log tumour volume relative to line-1 baseline."
    )
    death_growth_coef: float = Field(
        0.02, description="log HR per %/month of the current growth rate."
    )
    death_age_coef: float = Field(0.3, description="log HR per decade of age (disease-free).")
    death_frailty_sd: float = Field(
        0.5, ge=0.0, description="SD of a log-normal frailty unrelated to the disease."
    )

    @field_validator("start_date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None or value.time() != dt.time(0):
                raise ValueError("must be a date without a time of day")
            value = value.date()
        if isinstance(value, dt.date):
            value = value.isoformat()
        if not isinstance(value, str):
            return value  # pydantic reports the wrong type
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("must be an ISO date YYYY-MM-DD") from None
        if day < EARLIEST_START:
            raise ValueError(
                f"must be on or after {EARLIEST_START} (patients aged up to 88 must be "
                "born after 1900, the earliest date netsurv accepts)"
            )
        return day.isoformat()

    @field_validator("primary_sites", "lesion_sites")
    @classmethod
    def _site_weights(cls, probs: dict[str, float], info: Any) -> dict[str, float]:
        valid = PRIMARY_SITES if info.field_name == "primary_sites" else LESION_SITES
        bad = sorted(set(probs) - set(valid))
        if bad:
            raise ValueError(f"unknown site(s) {bad}; valid: {list(valid)}")
        _check_weights(probs, positive=True)
        return probs

    @field_validator("sst_tracer_shares")
    @classmethod
    def _sst_tracers(cls, v: dict[str, float]) -> dict[str, float]:
        allowed = [t for t in TRACERS if t not in ("18F-FDG", "other")]
        bad = sorted(set(v) - set(allowed))
        if bad or not v or any(x < 0 for x in v.values()) or sum(v.values()) <= 0:
            raise ValueError(
                f"sst_tracer_shares: SST-PET tracers {allowed} with shares >= 0, not all 0; got {v}"
            )
        return v

    @field_validator("first_line", "next_lines")
    @classmethod
    def _class_weights(cls, probs: dict[str, float], info: Any) -> dict[str, float]:
        bad = sorted(set(probs) - set(THERAPY_CLASSES))
        if bad:
            raise ValueError(f"unknown therapy class(es) {bad}; valid: {list(THERAPY_CLASSES)}")
        _check_weights(probs, positive=info.field_name == "first_line")
        return probs

    @field_validator("therapies")
    @classmethod
    def _all_classes(cls, therapies: dict[str, Therapy]) -> dict[str, Therapy]:
        missing = sorted(set(THERAPY_CLASSES) - set(therapies))
        unknown = sorted(set(therapies) - set(THERAPY_CLASSES))
        if missing or unknown:
            raise ValueError(
                f"needs exactly the classes {list(THERAPY_CLASSES)} (missing {missing}, "
                f"unknown {unknown})"
            )
        return therapies

    @field_validator("next_line_delay_days")
    @classmethod
    def _delay(cls, value: tuple[int, int]) -> tuple[int, int]:
        lo, hi = value
        if not 22 <= lo <= hi:
            raise ValueError("must satisfy 22 <= low <= high")
        return value

    @field_validator("organ_tgr_offset")
    @classmethod
    def _organs(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(LESION_SITES))
        if unknown:
            raise ValueError(f"unknown organ(s) {unknown}; use {list(LESION_SITES)}")
        if any(not -20.0 <= v <= 20.0 for v in value.values()):
            raise ValueError("offsets are TGR %/month within -20 and 20")
        return value

    @field_validator("pseudoprogression_amplitude", "lesion_pseudoprogression_amplitude")
    @classmethod
    def _amplitude(cls, value: tuple[float, float]) -> tuple[float, float]:
        a, b = value
        if not 0 <= a <= b:
            raise ValueError("must satisfy 0 <= low <= high")
        return value

    @model_validator(mode="after")
    def _calendar(self) -> Scenario:
        start = dt.date.fromisoformat(self.start_date)
        months = self.accrual_months + self.followup_months
        if months * DAYS_PER_MONTH > (LATEST_CUTOFF - start).days:
            raise ValueError(
                f"the data cut-off (start_date {start} + accrual_months + followup_months = "
                f"{months:g} months) falls after {LATEST_CUTOFF}, the latest date netsurv accepts"
            )
        return self


def _check_weights(probs: dict[str, float], *, positive: bool) -> None:
    if any(not p >= 0 for p in probs.values()):
        raise ValueError("weights must be >= 0")
    if positive and not sum(probs.values()) > 0:
        raise ValueError("needs at least one positive weight")
