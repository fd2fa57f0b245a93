"""The whole analysis config: :class:`Config`, one field per section."""

from __future__ import annotations

from pathlib import Path

from pydantic import PrivateAttr, model_validator

from netsurv.config._base import _Section
from netsurv.config.analysis import (
    CompareConfig,
    CoxConfig,
    CriteriaConfig,
    EndpointsConfig,
    KMConfig,
    LandmarkConfig,
    SweepConfig,
    build_criteria,
)
from netsurv.config.competing import CompetingConfig
from netsurv.config.compute import ComputeConfig
from netsurv.config.data import CohortFilter, DataConfig
from netsurv.config.lesions import LesionsConfig
from netsurv.config.output import FiguresConfig, ReportConfig, RunConfig
from netsurv.config.privacy import PrivacyConfig
from netsurv.criteria import AnyCriterion
from netsurv.endpoints.rules import ENDPOINTS
from netsurv.errors import ConfigError


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
    competing: CompetingConfig = CompetingConfig()
    lesions: LesionsConfig = LesionsConfig()
    figures: FiguresConfig = FiguresConfig()
    report: ReportConfig = ReportConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    compute: ComputeConfig = ComputeConfig()
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
        """``run.output`` (relative to the config file), default ``outputs/<name>`` here.

        A link at its last name is kept as it is, not followed, so that a run can refuse it."""
        if self.run.output is None:
            return Path("outputs") / self.run.name
        p = Path(self.run.output)
        return p if p.is_absolute() else self.base_dir.resolve() / p

    def build_criteria(self) -> list[AnyCriterion]:
        """The criteria the config names: presets, then variants, grids and combined ones."""
        return build_criteria(self.criteria)

    @model_validator(mode="after")
    def _criteria_and_references(self) -> Config:
        """Criteria, variants and grids are built (and the sweep's), and the endpoints the
        analyses name are derived, when the config is read: a run fails before it reads data."""
        problems = []
        if self.compute.scheduler is not None and self.run.backend != "none":
            problems.append(
                f"run.backend = {self.run.backend!r} and compute.scheduler = "
                f"{self.compute.scheduler!r} both say where the work runs: set one"
            )
        known: dict[str, AnyCriterion] = {}
        try:
            known = {c.name: c for c in build_criteria(self.criteria)}
            if not known:
                problems.append("criteria: none given (criteria.presets, variants or grids)")
            problems += self._cross_criteria(list(known))
        except ConfigError as exc:
            problems.append(str(exc))
        if self.sweep.enabled or self.sweep.grid:
            try:
                self.sweep.variants(known)
            except ConfigError as exc:
                problems.append(str(exc))
        names = set(self.endpoints.names)
        wanted = {
            "km.endpoints": self.km.endpoints if self.km.enabled else [],
            "cox.outcome": [self.cox.outcome] if self.cox.enabled else [],
            "landmark.outcome": [self.landmark.outcome] if self.landmark.enabled else [],
            "compare.outcome": [self.compare.outcome] if self.compare.enabled else [],
            "competing.endpoint": [self.competing.endpoint] if self.competing.enabled else [],
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

    def _cross_criteria(self, names: list[str]) -> list[str]:
        """Outcome and marker criteria must be among the run's criteria (they are classified
        with them); an outcome criterion needs a per-criterion outcome (PFS, not OS)."""
        c = self.compare
        named = {
            "landmark.outcome_criterion": (self.landmark.outcome_criterion, self.landmark.outcome),
            "compare.outcome_criterion": (c.outcome_criterion, c.outcome),
            "compare.continuous": (c.continuous if isinstance(c.continuous, str) else None, None),
        }
        for i, name in enumerate(self.lesions.criteria):
            named[f"lesions.criteria[{i}]"] = (name, None)
        problems = []
        for key, (crit, outcome) in named.items():
            if crit is None:
                continue
            if crit not in names:
                problems.append(
                    f"{key}: {crit!r} is not among the run's criteria {names}; add it to "
                    "criteria.presets (or variants)"
                )
            definition = ENDPOINTS.get(outcome) if outcome is not None else None
            if definition is not None and not definition.per_criterion:
                problems.append(
                    f"{key}: the outcome {outcome!r} does not depend on a criterion; use it with "
                    "a per-criterion outcome (PFS, TTP, DoR) or leave it out"
                )
        return problems
