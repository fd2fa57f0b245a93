"""Config sections of the analyses: ``[criteria]``, ``[endpoints]``, ``[km]``, ``[cox]``,
``[landmark]``, ``[compare]`` and ``[sweep]``, and :func:`build_criteria`."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from netsurv.config._base import _as_list, _Section, _tuple
from netsurv.criteria import AnyCriterion, CombinedCriterion, Criterion, combine, get, grid
from netsurv.endpoints.rules import SCHEMES, CensoringScheme, ScheduleStep
from netsurv.errors import ConfigError


class CriteriaConfig(_Section):
    """Criteria: presets by name, single variants, grids of variants, combined criteria.

    ``variants`` items are tables ``{base = "recist1.1", name = "recist_pd10",
    progression_threshold = 0.1}``; ``grids`` items ``{base = "recist1.1", axes =
    {progression_threshold = [0.1, 0.2]}}``; ``combined`` items (``[[criteria.combined]]``)
    ``{name = "ct+sst", components = ["recist1.1", "sstv"], progression = "any", response =
    "all", window_days = 42, anchor = "recist1.1"}`` (:func:`netsurv.criteria.combine`; a
    component is a preset or a criterion named above).  ``reference`` is the criterion others
    are compared with (default: the first).
    """

    presets: list[str] = ["recist1.1"]
    variants: list[dict[str, Any]] = []
    grids: list[dict[str, Any]] = []
    combined: list[dict[str, Any]] = []
    reference: str | None = None

    _lists = field_validator("presets", mode="before")(_as_list)


class EndpointsConfig(_Section):
    """Endpoints, censoring scheme, cut-off and time origin; BOR confirmation.

    ``external_progression`` (``lines.progression_date``), ``clinical_progression`` and
    ``biochemical_progression`` (a criterion's name) switch on the scheme's optional
    progression sources (:class:`netsurv.endpoints.CensoringScheme`); all are off by default
    and listed in the report's censoring rules.
    """

    names: list[Literal["PFS", "OS", "TTP", "TTF", "DoR", "TTNT", "PFS2"]] = ["PFS", "OS"]
    censoring: Literal["fda2018", "ema_itt", "admiralonco"] = "fda2018"
    modality_schedules: dict[str, list[ScheduleStep]] = {}
    external_progression: bool = False
    clinical_progression: bool = False
    biochemical_progression: str | None = None
    cutoff_date: dt.date | None = None
    origin: Literal["line_start", "origin_date", "baseline_scan"] = "line_start"
    confirm_response: bool | None = None

    _lists = field_validator("names", mode="before")(_as_list)

    @model_validator(mode="after")
    def _valid_scheme(self) -> EndpointsConfig:
        if not self.names:
            raise ValueError("endpoints.names is empty: name at least one endpoint, e.g. ['OS']")
        self.scheme()
        return self

    def scheme(self) -> CensoringScheme:
        """The censoring scheme: the named one, with the modality schedules given here.

        Examples
        --------
        >>> cfg = EndpointsConfig(
        ...     modality_schedules={"SST-PET": [{"from_day": 0, "interval_days": 336}]}
        ... )
        >>> cfg.scheme().schedule_for(["SST-PET"])[0].interval_days
        336
        >>> EndpointsConfig(external_progression=True).scheme().external_progression
        True
        """
        base = SCHEMES[self.censoring]
        if (
            not self.modality_schedules
            and not self.external_progression
            and not self.clinical_progression
            and self.biochemical_progression is None
        ):
            return base
        own = {m: tuple(steps) for m, steps in self.modality_schedules.items()}
        return CensoringScheme.model_validate(
            base.model_dump()
            | {
                "modality_schedules": base.modality_schedules | own,
                "external_progression": self.external_progression,
                "clinical_progression": self.clinical_progression,
                "biochemical_progression": self.biochemical_progression,
            }
        )


class KMConfig(_Section):
    """Kaplan–Meier curves of each endpoint (one per criterion when it depends on one), on each
    patient's first analysed line (``lines = "first"``) or on every analysed line."""

    enabled: bool = True
    endpoints: list[str] = ["PFS", "OS"]
    lines: Literal["first", "all"] = "first"
    conf_type: Literal["log", "log-log", "plain"] = "log"
    risk_times_months: list[float] = [0, 12, 24, 36, 48, 60]

    _lists = field_validator("endpoints", "risk_times_months", mode="before")(_as_list)

    @model_validator(mode="after")
    def _curves_and_times(self) -> KMConfig:
        if self.enabled and not self.endpoints:
            raise ValueError("km.endpoints is empty: name an endpoint or set km.enabled = false")
        _increasing("km.risk_times_months", self.risk_times_months, lowest=0.0)
        return self


Penalty = Literal["none", "firth"]


class CoxConfig(_Section):
    """Cox model of an outcome on baseline covariates (patient columns): ``covariates`` (a
    category becomes indicator columns) or ``formula``, the same text as
    ``ns.survival.cox(formula=...)`` (``"age + C(grade) + np.log(ki67_pct)"``); ``penalty =
    "firth"`` for Firth's penalised likelihood with profile CIs."""

    enabled: bool = False
    outcome: str = "OS"
    covariates: list[str] = []
    formula: str | None = None
    strata: list[str] = []
    ties: Literal["efron", "breslow"] = "efron"
    penalty: Penalty = "none"

    _lists = field_validator("covariates", "strata", mode="before")(_as_list)

    @model_validator(mode="after")
    def _needs_covariates(self) -> CoxConfig:
        if self.covariates and self.formula is not None:
            raise ValueError("give cox.covariates or cox.formula, not both")
        if self.enabled and not self.covariates and self.formula is None:
            raise ValueError(
                "cox.enabled needs cox.covariates (a list of columns) or cox.formula "
                '(e.g. "age + C(grade)")'
            )
        return self


class LandmarkConfig(_Section):
    """Landmark analyses: status by a criterion at L months, outcome from L; ``penalty =
    "firth"`` when responders are few (finite hazard ratios, profile CIs);
    ``outcome_criterion`` derives a per-criterion outcome (PFS) under that one criterion for
    every status criterion (response under A, PFS under B)."""

    enabled: bool = True
    months: list[float] = [6.0]
    outcome: str = "OS"
    outcome_criterion: str | None = None
    status: Literal["response", "progression"] = "response"
    penalty: Penalty = "none"

    _lists = field_validator("months", mode="before")(_as_list)

    @field_validator("months")
    @classmethod
    def _positive(cls, v: list[float]) -> list[float]:
        if any(m <= 0 for m in v):
            raise ValueError(f"landmark months must be > 0, got {v}")
        return v

    @model_validator(mode="after")
    def _some_months(self) -> LandmarkConfig:
        if self.enabled and not self.months:
            raise ValueError("landmark.months is empty: give a landmark or set enabled = false")
        return self


class CompareConfig(_Section):
    """Criteria comparison for an outcome (landmark or time-dependent), bootstrap CIs;
    ``penalty = "firth"`` for Firth-penalised Cox models; ``outcome_criterion`` for one
    per-criterion outcome (PFS under it) for every criterion; ``continuous = true`` (the
    reference criterion's) or ``= "sstv"`` adds that criterion's % change at the landmark as a
    restricted cubic spline with ``spline_knots`` knots (``change``: the ``"best"`` or
    ``"last"`` change by the landmark) next to the cut-offs."""

    enabled: bool = True
    outcome: str = "OS"
    outcome_criterion: str | None = None
    landmark_months: float | None = 6.0
    time_dependent: bool = False
    status: Literal["response", "progression"] = "response"
    horizons_months: list[float] = [24.0, 48.0]
    n_boot: int = Field(200, ge=0)
    penalty: Penalty = "none"
    continuous: bool | str = False
    spline_knots: int = Field(4, ge=3)
    change: Literal["best", "last"] = "best"

    @model_validator(mode="after")
    def _continuous_design(self) -> CompareConfig:
        if self.continuous is not False and (self.time_dependent or self.status != "response"):
            raise ValueError(
                "compare.continuous needs the landmark design (compare.time_dependent = false, "
                "compare.landmark_months) and compare.status = 'response'"
            )
        return self

    _lists = field_validator("horizons_months", mode="before")(_as_list)

    @model_validator(mode="after")
    def _horizons(self) -> CompareConfig:
        _increasing("compare.horizons_months", self.horizons_months, lowest=None)
        if self.landmark_months is not None and not self.landmark_months > 0:
            raise ValueError(f"compare.landmark_months must be > 0, got {self.landmark_months}")
        return self


def _increasing(key: str, values: list[float], *, lowest: float | None) -> None:
    """Raise for an empty list, or values not finite, not increasing, below ``lowest`` (or,
    when it is None, not above 0)."""
    ok = bool(values) and all(math.isfinite(v) for v in values)
    ok = ok and all(a < b for a, b in itertools.pairwise(values))
    ok = ok and (values[0] >= lowest if lowest is not None else values[0] > 0)
    if not ok:
        floor = f">= {lowest:g}" if lowest is not None else "> 0"
        raise ValueError(f"{key} must be increasing finite values {floor}, got {values}")


class SweepConfig(_Section):
    """Threshold sweep over a grid of one criterion's fields, with honest inference;
    ``penalty = "firth"`` for Firth-penalised Cox fits (finite HRs for rare responders)."""

    enabled: bool = False
    base: str = "recist1.1"
    grid: dict[str, list[Any]] = {}
    outcome: Literal["OS", "PFS"] = "OS"
    outcome_criterion: str | None = None
    landmark_months: float | None = 6.0
    time_dependent: bool = False
    covariate: Literal["response", "progression"] = "response"
    metric: Literal["logrank", "lr", "score", "c_index"] = "logrank"
    n_boot: int = Field(200, ge=0)
    n_perm: int = Field(1000, ge=0)
    min_group: float = Field(0.1, ge=0, lt=0.5)
    penalty: Penalty = "none"

    @model_validator(mode="after")
    def _needs_grid(self) -> SweepConfig:
        if self.enabled and not self.grid:
            raise ValueError(
                "sweep.enabled needs sweep.grid, e.g. {progression_threshold = [0.1, 0.2]}"
            )
        if self.enabled and self.landmark_months is None and not self.time_dependent:
            raise ValueError(
                "sweep needs a design: sweep.landmark_months or sweep.time_dependent = true"
            )
        return self

    def axes(self) -> dict[str, list[Any]]:
        """``grid`` with list values of tuple fields as tuples (as the criterion stores them)."""
        return {k: [_tuple(x) for x in _as_list(v)] for k, v in self.grid.items()}

    def variants(self, known: Mapping[str, AnyCriterion] | None = None) -> list[AnyCriterion]:
        """The variants the sweep evaluates; invalid ones raise ConfigError naming the key.

        ``known`` are the config's own criteria by name (e.g. a ``[[criteria.combined]]``),
        which ``base`` and ``outcome_criterion`` may name besides the presets; a combined
        base's grid keys may name a component's field, ``"sstv.response_threshold"``.

        Examples
        --------
        >>> len(SweepConfig(grid={"progression_threshold": [0.1, 0.2]}).variants())
        2
        """
        base = self.criterion("base", known)
        if self.outcome_criterion is not None:
            self.criterion("outcome_criterion", known)
        try:
            return grid(base, **self.axes())
        except ConfigError as exc:
            raise ConfigError(f"sweep.grid: {str(exc).removeprefix('grid: ')}") from None

    def criterion(
        self, key: Literal["base", "outcome_criterion"], known: Mapping[str, AnyCriterion] | None
    ) -> AnyCriterion:
        """``sweep.base`` or ``sweep.outcome_criterion``: a criterion of the config or a preset."""
        name = str(getattr(self, key))
        if known and name in known:
            return known[name]
        try:
            return get(name)
        except ConfigError as exc:
            raise ConfigError(f"sweep.{key}: {exc}") from None


def build_criteria(cfg: CriteriaConfig) -> list[AnyCriterion]:
    """Criteria from a :class:`CriteriaConfig`; invalid fields raise ConfigError naming them."""
    out: list[AnyCriterion] = []
    for i, name in enumerate(cfg.presets):
        try:
            out.append(get(name))
        except ConfigError as exc:
            raise ConfigError(f"criteria.presets[{i}]: {exc}") from None
    for i, v in enumerate(cfg.variants):
        where = f"criteria.variants[{i}]"
        spec = dict(v)
        base = spec.pop("base", None)
        if base is None or "name" not in spec:
            raise ConfigError(f"{where}: needs 'base' (a preset) and a new 'name'")
        try:
            preset = get(base)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        out.append(_replace(preset, where, spec))
    for i, g in enumerate(cfg.grids):
        where = f"criteria.grids[{i}]"
        unknown = sorted(set(g) - {"base", "axes"})
        if unknown or "base" not in g or not isinstance(g.get("axes"), dict):
            raise ConfigError(
                f"{where}: needs 'base' and 'axes' (a table of lists); got keys {sorted(g)}"
            )
        axes = {k: [_tuple(x) for x in _as_list(vals)] for k, vals in g["axes"].items()}
        try:
            out.extend(grid(g["base"], **axes))
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    out.extend(_combined(cfg.combined, {c.name: c for c in out}))
    names = [c.name for c in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"criteria: names repeated {dup}; give each variant its own name")
    if cfg.reference is not None and cfg.reference not in names:
        raise ConfigError(f"criteria.reference {cfg.reference!r} is not among the criteria {names}")
    return out


_FIELDS = {f.name for f in fields(Criterion)}
_COMBINE_KEYS = ("name", "components", "progression", "response", "window_days", "anchor")


def _combined(specs: list[dict[str, Any]], known: dict[str, AnyCriterion]) -> list[AnyCriterion]:
    """``[[criteria.combined]]`` items; a component names a preset or a criterion above."""
    out: list[AnyCriterion] = []
    for i, spec in enumerate(specs):
        where = f"criteria.combined[{i}]"
        unknown = sorted(set(spec) - {*_COMBINE_KEYS, "label", "source"})
        comps = spec.get("components")
        if unknown or "name" not in spec or not isinstance(comps, list):
            raise ConfigError(
                f"{where}: needs 'name' and 'components' (a list of criterion names), and "
                f"takes {list(_COMBINE_KEYS[2:])}, 'label', 'source'; got keys {sorted(spec)}"
                + (f" (unknown: {unknown})" if unknown else "")
            )
        try:
            resolved = [known[c] if c in known else get(c) for c in comps]
            opts = {k: v for k, v in spec.items() if k != "components"}
            out.append(combine(*resolved, **opts))  # type: ignore[arg-type]
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return out


def _replace(base: AnyCriterion, where: str, spec: dict[str, Any]) -> AnyCriterion:
    if isinstance(base, CombinedCriterion):
        try:
            out = replace(base, name=spec.pop("name"), label="")
            for k, v in spec.items():
                out = out.with_field(k, _tuple(v))
            return out
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    unknown = sorted(set(spec) - _FIELDS)
    if unknown:
        raise ConfigError(f"{where}: unknown criterion field(s) {unknown}")
    try:
        return replace(base, **{k: _tuple(v) for k, v in spec.items()})
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None
