"""Analysis configuration: a TOML file read into validated pydantic models.

A config says where the data are, which lines to analyse, which criteria and endpoints, which
analyses and figures, the seed and the output folder.  Unknown keys are errors that name the
key's path; ``--set key=value`` overrides any field for parameterised reruns
(:func:`apply_overrides`).  Relative paths in a file are relative to the file's folder.

Examples
--------
>>> cfg = Config.model_validate({"run": {"name": "pancreatic_g2"},
...                              "cohort": {"primary_site": "pancreas", "grade": ["G2"]}})
>>> cfg.cohort.primary_site, cfg.cohort.grade
(['pancreas'], ['G2'])
>>> apply_overrides(cfg, ["cohort.regimen_class=PRRT", "run.seed=7"]).run.seed
7
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Sequence
from dataclasses import fields, replace
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticError

from netsurv.criteria import Criterion, get, grid
from netsurv.endpoints.rules import SCHEMES, CensoringScheme, ScheduleStep
from netsurv.errors import ConfigError

FigureName = Literal["km", "forest", "heatmap", "waterfall", "spider", "swimmer"]
ALL_FIGURES: tuple[FigureName, ...] = ("km", "forest", "heatmap", "waterfall", "spider", "swimmer")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(v: Any) -> Any:
    """A scalar where a list is expected becomes a one-item list (``--set x=PRRT``)."""
    return [v] if v is not None and not isinstance(v, list | tuple) else v


class RunConfig(_Section):
    """Name, seed, output folder and parallel backend of a run."""

    name: str = Field("analysis", min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    seed: int = Field(1, ge=0)
    output: Path | None = None
    backend: Literal["none", "processes"] = "none"
    n_jobs: int = Field(2, ge=1)


class SimulationConfig(_Section):
    """A simulated cohort as the data (``data.source = "simulate"``)."""

    scenario: str = "mixed"
    n_patients: int = Field(500, ge=1)
    seed: int = Field(1, ge=0)
    overrides: dict[str, Any] = {}


class SdtmConfig(_Section):
    """How a CDISC SDTM source is read (``data.format = "sdtm"``): the arguments of
    :func:`netsurv.io.read_sdtm`, with its defaults.

    ``evaluator`` picks whose reads are used (``"INVESTIGATOR"``, an independent reader as
    ``"INDEPENDENT ASSESSOR/RADIOLOGIST 1"``, or ``"accepted"`` for the adjudicated read);
    ``maps`` replaces some of the shipped code maps by the study's own CSV files, by name
    (``measures``, ``units``, ``sites``, ``responses``, ``roles``, ``tumour_states``,
    ``methods``, ``dispositions``; paths relative to the config file);
    ``visit_date``, ``response_date_imputation`` and ``measurement_date_imputation`` set the
    assessment date and the imputation of partial ``RSDTC`` / ``TRDTC``;
    ``new_therapy_categories`` are the ``CMCAT`` / ``CMSCAT`` values that make a CM record a new
    line; ``default_modality`` is the modality of tumour results without ``TRMETHOD``.
    """

    evaluator: str = Field("INVESTIGATOR", min_length=1)
    maps: dict[str, Path] = {}
    visit_date: Literal["response", "scan"] = "response"
    response_date_imputation: Literal["first", "last", "none"] = "last"
    measurement_date_imputation: Literal["first", "last", "none"] = "first"
    new_therapy_categories: list[str] = ["ANTI-CANCER", "ANTICANCER", "ANTINEOPLASTIC"]
    default_modality: Literal["CT", "MRI", "SST-PET", "FDG-PET", "SPECT"] = "CT"

    _lists = field_validator("new_therapy_categories", mode="before")(_as_list)

    @field_validator("maps")
    @classmethod
    def _known_maps(cls, v: dict[str, Path]) -> dict[str, Path]:
        from netsurv.io.sdtm_maps import SdtmMaps

        known = [f.name for f in fields(SdtmMaps)]
        unknown = sorted(set(v) - set(known))
        if unknown:
            raise ValueError(f"unknown SDTM map(s) {unknown}; known: {known}")
        return v


class DataConfig(_Section):
    """Where the cohort comes from and how it is read and validated.

    ``source`` is ``"demo"`` (the bundled cohort), ``"simulate"`` (a cohort made by
    :func:`netsurv.simulate_cohort` with ``[data.simulation]``) or a path relative to the
    config file, read as ``format``:

    * ``"tables"``: a folder of patients / lines / assessments / lesions tables (or one
      workbook), read with :func:`netsurv.read_cohort`; CSV files in ``encoding``;
    * ``"sdtm"``: a folder of SDTM domains, read with :func:`netsurv.io.read_sdtm` as
      ``[data.sdtm]`` says;
    * ``"redcap"``: a REDCap export CSV, read with :func:`netsurv.io.read_redcap` with the
      field ``mapping`` (TOML, required) and the project's ``data_dictionary`` (CSV, optional:
      its choices decode coded fields, and mapped fields are checked against it).

    ``warn`` and ``off`` set validation rules (see ``netsurv.validation.RULES``) to warnings
    or switch them off; ``baseline_window_days`` is how many days before a line's start a scan
    may be its baseline (default 42).  They apply to every source but a simulated one.
    """

    source: str = "demo"
    simulation: SimulationConfig = SimulationConfig()
    format: Literal["tables", "sdtm", "redcap"] = "tables"
    encoding: str = "utf-8"
    mapping: Path | None = None
    data_dictionary: Path | None = None
    sdtm: SdtmConfig = SdtmConfig()
    baseline_window_days: int | None = Field(None, ge=0, le=365)
    warn: list[str] = []
    off: list[str] = []

    _lists = field_validator("warn", "off", mode="before")(_as_list)

    @field_validator("warn", "off")
    @classmethod
    def _known_rules(cls, v: list[str]) -> list[str]:
        from netsurv.validation import RULES

        unknown = sorted(set(v) - set(RULES))
        if unknown:
            raise ValueError(f"unknown validation rule(s) {unknown}; known rules: {sorted(RULES)}")
        return v

    @model_validator(mode="after")
    def _fits_the_format(self) -> DataConfig:
        both = sorted(set(self.warn) & set(self.off))
        if both:
            raise ValueError(f"rule(s) {both} are in both data.warn and data.off")
        builtin = self.source in ("demo", "simulate")
        if builtin and self.format != "tables":
            raise ValueError(
                f"data.source = {self.source!r} is a cohort of tables; data.format = "
                f"{self.format!r} needs a path as data.source"
            )
        if self.source == "simulate":
            given = [
                f"data.{k}" for k in ("warn", "off", "baseline_window_days") if getattr(self, k)
            ]
            if given:
                raise ValueError(
                    f"{', '.join(given)} do not apply to a simulated cohort (it is validated "
                    "as it is made)"
                )
        if self.format == "redcap" and self.mapping is None:
            raise ValueError(
                "data.format = 'redcap' needs data.mapping (the TOML file that maps REDCap "
                "fields to netsurv columns)"
            )
        if self.format != "redcap":
            given = [f"data.{k}" for k in ("mapping", "data_dictionary") if getattr(self, k)]
            if given:
                raise ValueError(f"{', '.join(given)} are for data.format = 'redcap'")
        if self.format != "sdtm" and self.sdtm != SdtmConfig():
            raise ValueError("[data.sdtm] is for data.format = 'sdtm'")
        if self.format != "tables" and self.encoding.lower().replace("-", "") != "utf8":
            raise ValueError("data.encoding is for data.format = 'tables' (CSV files)")
        return self


class CohortFilter(_Section):
    """Which lines are analysed; empty = all.  Patient fields filter by the patient's value."""

    regimen_class: list[str] | None = None
    regimen: list[str] | None = None
    primary_site: list[str] | None = None
    grade: list[str] | None = None
    sex: list[str] | None = None
    functional: list[str] | None = None
    ki67_min: float | None = Field(None, ge=0, le=100)
    ki67_max: float | None = Field(None, ge=0, le=100)
    line_number: list[int] | None = None
    start_from: dt.date | None = None
    start_to: dt.date | None = None

    _lists = field_validator(
        "regimen_class",
        "regimen",
        "primary_site",
        "grade",
        "sex",
        "functional",
        "line_number",
        mode="before",
    )(_as_list)

    @model_validator(mode="after")
    def _ranges(self) -> CohortFilter:
        if (
            self.ki67_min is not None
            and self.ki67_max is not None
            and self.ki67_min > self.ki67_max
        ):
            raise ValueError(f"ki67_min ({self.ki67_min}) is above ki67_max ({self.ki67_max})")
        if self.start_from and self.start_to and self.start_from > self.start_to:
            raise ValueError(f"start_from ({self.start_from}) is after start_to ({self.start_to})")
        return self


class CriteriaConfig(_Section):
    """Criteria: presets by name, single variants, and grids of variants.

    ``variants`` items are tables ``{base = "recist1.1", name = "recist_pd10",
    progression_threshold = 0.1}``; ``grids`` items ``{base = "recist1.1", axes =
    {progression_threshold = [0.1, 0.2]}}``.  ``reference`` is the criterion others are
    compared with (default: the first).
    """

    presets: list[str] = ["recist1.1"]
    variants: list[dict[str, Any]] = []
    grids: list[dict[str, Any]] = []
    reference: str | None = None

    _lists = field_validator("presets", mode="before")(_as_list)


class EndpointsConfig(_Section):
    """Endpoints, censoring scheme, cut-off and time origin; BOR confirmation."""

    names: list[Literal["PFS", "OS", "TTP", "TTF", "DoR", "TTNT", "PFS2"]] = ["PFS", "OS"]
    censoring: Literal["fda2018", "ema_itt", "admiralonco"] = "fda2018"
    modality_schedules: dict[str, list[ScheduleStep]] = {}
    cutoff_date: dt.date | None = None
    origin: Literal["line_start", "origin_date", "baseline_scan"] = "line_start"
    confirm_response: bool | None = None

    _lists = field_validator("names", mode="before")(_as_list)

    @model_validator(mode="after")
    def _valid_scheme(self) -> EndpointsConfig:
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
        """
        base = SCHEMES[self.censoring]
        if not self.modality_schedules:
            return base
        own = {m: tuple(steps) for m, steps in self.modality_schedules.items()}
        return CensoringScheme.model_validate(
            base.model_dump() | {"modality_schedules": base.modality_schedules | own}
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


class CoxConfig(_Section):
    """Cox model of an outcome on baseline covariates (patient columns)."""

    enabled: bool = False
    outcome: str = "OS"
    covariates: list[str] = []
    strata: list[str] = []
    ties: Literal["efron", "breslow"] = "efron"

    _lists = field_validator("covariates", "strata", mode="before")(_as_list)

    @model_validator(mode="after")
    def _needs_covariates(self) -> CoxConfig:
        if self.enabled and not self.covariates:
            raise ValueError("cox.enabled needs at least one covariate in cox.covariates")
        return self


class LandmarkConfig(_Section):
    """Landmark analyses: status by a criterion at L months, outcome from L."""

    enabled: bool = True
    months: list[float] = [6.0]
    outcome: str = "OS"
    status: Literal["response", "progression"] = "response"

    _lists = field_validator("months", mode="before")(_as_list)

    @field_validator("months")
    @classmethod
    def _positive(cls, v: list[float]) -> list[float]:
        if any(m <= 0 for m in v):
            raise ValueError(f"landmark months must be > 0, got {v}")
        return v


class CompareConfig(_Section):
    """Criteria comparison for an outcome (landmark or time-dependent), bootstrap CIs."""

    enabled: bool = True
    outcome: str = "OS"
    landmark_months: float | None = 6.0
    time_dependent: bool = False
    status: Literal["response", "progression"] = "response"
    horizons_months: list[float] = [24.0, 48.0]
    n_boot: int = Field(200, ge=0)

    _lists = field_validator("horizons_months", mode="before")(_as_list)


class SweepConfig(_Section):
    """Threshold sweep over a grid of one criterion's fields, with honest inference."""

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

    def variants(self) -> list[Criterion]:
        """The variants the sweep evaluates; invalid ones raise ConfigError naming the key.

        Examples
        --------
        >>> len(SweepConfig(grid={"progression_threshold": [0.1, 0.2]}).variants())
        2
        """
        try:
            base = get(self.base)
        except ConfigError as exc:
            raise ConfigError(f"sweep.base: {exc}") from None
        if self.outcome_criterion is not None:
            try:
                get(self.outcome_criterion)
            except ConfigError as exc:
                raise ConfigError(f"sweep.outcome_criterion: {exc}") from None
        try:
            return grid(base, **self.axes())
        except ConfigError as exc:
            raise ConfigError(f"sweep.grid: {str(exc).removeprefix('grid: ')}") from None


class FiguresConfig(_Section):
    """Which figures, in which formats and style."""

    include: list[FigureName] = list(ALL_FIGURES)
    formats: list[Literal["png", "pdf", "svg"]] = ["png", "pdf"]
    style: Literal["paper", "none"] = "paper"
    dpi: int = Field(150, ge=50, le=1200)
    max_patients: int = Field(40, ge=1)

    _lists = field_validator("include", "formats", mode="before")(_as_list)


class ReportConfig(_Section):
    """The HTML report built by executing the report notebook with the run's parameters."""

    enabled: bool = True
    notebook: Path | None = None


class Config(_Section):
    """A whole analysis.  Every section is optional; see ``analyses/*.toml`` for examples."""

    run: RunConfig = RunConfig()
    data: DataConfig = DataConfig()
    cohort: CohortFilter = CohortFilter()
    criteria: CriteriaConfig = CriteriaConfig()
    endpoints: EndpointsConfig = EndpointsConfig()
    km: KMConfig = KMConfig()
    cox: CoxConfig = CoxConfig()
    landmark: LandmarkConfig = LandmarkConfig()
    compare: CompareConfig = CompareConfig()
    sweep: SweepConfig = SweepConfig()
    figures: FiguresConfig = FiguresConfig()
    report: ReportConfig = ReportConfig()
    base_dir: Path = Path(".")
    _file: Path | None = PrivateAttr(None)

    @property
    def file(self) -> Path | None:
        """The TOML file the config was read from (None for a config made in code)."""
        return self._file

    def resolve(self, path: Path | str) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(path)
        return p if p.is_absolute() else (self.base_dir / p).resolve()

    def output_dir(self) -> Path:
        """``run.output`` (relative to the config file), default ``outputs/<name>`` here."""
        if self.run.output is None:
            return Path("outputs") / self.run.name
        return self.resolve(self.run.output)

    def build_criteria(self) -> list[Criterion]:
        """The criteria the config names: presets, then variants, then grids."""
        return build_criteria(self.criteria)

    @model_validator(mode="after")
    def _criteria_and_references(self) -> Config:
        """Criteria, variants and grids are built (and the sweep's), and the endpoints the
        analyses name are derived, when the config is read: a run fails before it reads data."""
        problems = []
        try:
            if not build_criteria(self.criteria):
                problems.append("criteria: none given (criteria.presets, variants or grids)")
        except ConfigError as exc:
            problems.append(str(exc))
        if self.sweep.enabled or self.sweep.grid:
            try:
                self.sweep.variants()
            except ConfigError as exc:
                problems.append(str(exc))
        names = set(self.endpoints.names)
        wanted = {
            "km.endpoints": self.km.endpoints if self.km.enabled else [],
            "cox.outcome": [self.cox.outcome] if self.cox.enabled else [],
            "landmark.outcome": [self.landmark.outcome] if self.landmark.enabled else [],
            "compare.outcome": [self.compare.outcome] if self.compare.enabled else [],
        }
        for key, endpoints in wanted.items():
            missing = [e for e in endpoints if e not in names]
            if missing:
                problems.append(
                    f"{key}: {missing} not among endpoints.names {self.endpoints.names}"
                )
        if problems:
            raise ValueError("\n  ".join(problems))
        return self


def build_criteria(cfg: CriteriaConfig) -> list[Criterion]:
    """Criteria from a :class:`CriteriaConfig`; invalid fields raise ConfigError naming them."""
    out = []
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
    names = [c.name for c in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"criteria: names repeated {dup}; give each variant its own name")
    if cfg.reference is not None and cfg.reference not in names:
        raise ConfigError(f"criteria.reference {cfg.reference!r} is not among the criteria {names}")
    return out


_FIELDS = {f.name for f in fields(Criterion)}


def _tuple(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


def _replace(base: Criterion, where: str, spec: dict[str, Any]) -> Criterion:
    unknown = sorted(set(spec) - _FIELDS)
    if unknown:
        raise ConfigError(f"{where}: unknown criterion field(s) {unknown}")
    try:
        return replace(base, **{k: _tuple(v) for k, v in spec.items()})
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> Config:
    """Read a TOML config file, apply ``--set`` overrides and validate it.

    Parameters
    ----------
    path
        The ``.toml`` file.
    overrides
        ``"section.key=value"`` strings; the value is read as TOML (``3``, ``[1, 2]``,
        ``true``, ``"text"``) and as plain text when it is not valid TOML (``PRRT``).

    Returns
    -------
    Config

    Raises
    ------
    netsurv.ConfigError
        One message for a missing file, a TOML syntax error, unknown keys (with their path) or
        invalid values.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.toml").write_text('[run]\\nname = "x"\\n[cohort]\\ngrade = "G1"\\n')
    >>> load_config(d / "a.toml", ["run.seed=3"]).run.seed
    3
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    for item in overrides:
        _set(raw, item)
    cfg = _validate(raw | {"base_dir": p.resolve().parent}, source=str(p))
    cfg._file = p.resolve()
    return cfg


def apply_overrides(cfg: Config, overrides: Sequence[str]) -> Config:
    """A copy of ``cfg`` with ``section.key=value`` overrides applied and re-validated."""
    raw = cfg.model_dump(exclude_unset=True)
    for item in overrides:
        _set(raw, item)
    source = "--set" if cfg.file is None else f"{cfg.file} with --set"
    out = _validate(raw, source=source)
    out._file = cfg.file
    return out


def _set(raw: dict[str, Any], item: str) -> None:
    """Apply one ``section.key=value`` to the raw config.

    The value is read as TOML, and kept as the text given when it is not valid TOML or when
    the field is text and the TOML value is not (``run.name=2024``, ``cohort.grade=2``,
    ``data.source=2024-01-01``).
    """
    key, sep, text = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set expects section.key=value, got {item!r}")
    parts = key.strip().split(".")
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text
    if not isinstance(value, str | list | dict) and _is_text(parts):
        value = text.strip()
    node = raw
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {key}: {part!r} is not a section")
        node = child
    node[parts[-1]] = value


def _is_text(parts: list[str]) -> bool:
    """Whether the config field at ``parts`` holds text (str, a path, a choice of words, or a
    list of them); False for unknown keys and free-form tables."""
    model: type[BaseModel] = Config
    for part in parts[:-1]:
        field = model.model_fields.get(part)
        ann = field.annotation if field else None
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return False
        model = ann
    field = model.model_fields.get(parts[-1])
    if field is None:
        return False
    kind: Any = field.annotation
    args = [a for a in get_args(kind) if a is not type(None)]
    if get_origin(kind) in (Union, UnionType) and len(args) == 1:
        kind = args[0]  # X | None
    if get_origin(kind) is list:
        kind = get_args(kind)[0]
    if get_origin(kind) is Literal:
        return all(isinstance(a, str) for a in get_args(kind))
    return kind in (str, Path)


def _validate(raw: dict[str, Any], *, source: str) -> Config:
    try:
        return Config.model_validate(raw)
    except PydanticError as exc:
        raise ConfigError(_message(exc, source)) from None


def _message(exc: PydanticError, source: str) -> str:
    lines = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            section = _section_of(err["loc"][:-1])
            valid = ", ".join(k for k in section.model_fields if k != "base_dir") if section else ""
            lines.append(
                f"  unknown key '{path}'" + (f" (valid keys here: {valid})" if valid else "")
            )
        else:
            got = err.get("input")
            shown = "" if isinstance(got, dict) else f" (got {got!r})"
            msg = err["msg"].removeprefix("Value error, ")
            if path:
                lines.append(f"  {path}: {msg}{shown}")
            else:  # problems of the whole config (criteria, references) name their own keys
                lines.extend(f"  {m}" for m in msg.split("\n  "))
    return "\n".join([f"{source}: {len(lines)} problem(s) in the config:", *lines])


def _section_of(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = Config
    for part in loc:
        field = model.model_fields.get(str(part))
        ann = field.annotation if field else None
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return None
        model = ann
    return model
