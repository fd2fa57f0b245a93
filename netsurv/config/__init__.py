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
from netsurv.config.data import CohortFilter, DataConfig, SdtmConfig, SimulationConfig
from netsurv.config.lesions import LesionsConfig
from netsurv.config.loading import _validate, apply_overrides, load_config
from netsurv.config.model import Config
from netsurv.config.output import (
    ALL_FIGURES,
    FigureName,
    FiguresConfig,
    ReportConfig,
    RunConfig,
)
from netsurv.config.privacy import PrivacyConfig

__all__ = [
    "ALL_FIGURES",
    "CohortFilter",
    "CompareConfig",
    "CompetingConfig",
    "ComputeConfig",
    "Config",
    "CoxConfig",
    "CriteriaConfig",
    "DataConfig",
    "EndpointsConfig",
    "FigureName",
    "FiguresConfig",
    "KMConfig",
    "LandmarkConfig",
    "LesionsConfig",
    "PrivacyConfig",
    "ReportConfig",
    "RunConfig",
    "SdtmConfig",
    "SimulationConfig",
    "SweepConfig",
    "_validate",
    "apply_overrides",
    "build_criteria",
    "load_config",
]
