"""The cohort columns a run reads beyond the schema, so that its input is read column by column.

A cohort's tables may carry undeclared columns (covariates such as ``ecog``) beside the schema's.
A run reads only those its config names (:func:`config_columns`): Parquet files are then read
with only these columns and the schema's (:func:`netsurv.read_cohort`'s ``extra_columns``), and
other columns of text files are dropped once read.  A column nothing reads never reaches an
output, so the outputs are those of reading everything.

Examples
--------
>>> from netsurv.config import Config
>>> cfg = Config.model_validate({"cox": {"enabled": True, "formula": "np.log(ki67_pct) + ecog"}})
>>> cols = config_columns(cfg)
>>> cols.required
('ecog', 'ki67_pct')
>>> set(cols.required) <= set(cols.read)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from netsurv.cohort import Cohort
from netsurv.config import Config
from netsurv.criteria import AnyCriterion
from netsurv.criteria.combined import CombinedCriterion
from netsurv.errors import ConfigError
from netsurv.measures import BASELINE_MEASURES
from netsurv.response.lesions import MEASURE_COLUMNS, PASS_COLUMNS
from netsurv.survival.formula import formula_names
from netsurv.tables import DEFAULT_CATEGORICAL, DEFAULT_CONTINUOUS

__all__ = ["ConfigColumns", "config_columns", "lacks_columns", "unread_lesion_columns"]


@dataclass(frozen=True)
class ConfigColumns:
    """The patient and line columns a config reads.

    Attributes
    ----------
    required
        Columns an enabled section names (``cox.covariates``, ``cox.strata``, the variables of
        ``cox.formula``, ``competing.by``, ``competing.covariates``): a run without them
        stops with an error naming them.
    read
        ``required`` and the columns read when present: Table 1's defaults
        (:data:`netsurv.tables.DEFAULT_CATEGORICAL`, :data:`~netsurv.tables.DEFAULT_CONTINUOUS`)
        and, when IDs are pseudonymised, ``privacy.id_columns``.
    """

    required: tuple[str, ...]
    read: tuple[str, ...]


def config_columns(cfg: Config) -> ConfigColumns:
    """The columns ``cfg`` reads from the cohort's tables (see :class:`ConfigColumns`).

    Examples
    --------
    >>> from netsurv.config import Config
    >>> cfg = Config.model_validate({"competing": {"enabled": True, "by": "ecog"}})
    >>> config_columns(cfg).required
    ('ecog',)
    """
    required: list[str] = []
    if cfg.cox.enabled:
        c = cfg.cox
        named = formula_names(c.formula) if c.formula is not None else c.covariates
        required += [*named, *c.strata]
    if cfg.competing.enabled:
        required += [*([cfg.competing.by] if cfg.competing.by else []), *cfg.competing.covariates]
    optional = [*DEFAULT_CATEGORICAL, *DEFAULT_CONTINUOUS]
    if cfg.privacy.pseudonymise:
        optional += cfg.privacy.id_columns
    req = tuple(sorted(set(required)))
    return ConfigColumns(required=req, read=tuple(sorted({*req, *optional})))


#: Columns :func:`netsurv.tables.baseline_frame` adds to the patient and line columns.
DERIVED = ("line_number", "age_years", *BASELINE_MEASURES)


def lacks_columns(cohort: Cohort, columns: ConfigColumns) -> bool:
    """Whether a required column is neither in the patients or lines table of ``cohort`` nor
    made from them (:data:`DERIVED`): the run will stop, and reading every column lets its
    error list every column the data have, as it does when the cohort is read whole.

    Examples
    --------
    >>> import netsurv as ns
    >>> from netsurv.config import Config
    >>> demo = ns.load_demo()
    >>> lacks_columns(demo, config_columns(Config.model_validate({})))
    False
    >>> cfg = Config.model_validate({"cox": {"enabled": True, "covariates": ["no_such"]}})
    >>> lacks_columns(demo, config_columns(cfg))
    True
    """
    have = {*cohort.patients.columns, *cohort.lines.columns, *DERIVED}
    return not set(columns.required) <= have


#: Lesion columns read only by Table 1's baseline measures (:func:`netsurv.tables.baseline_frame`)
#: and the lesion level's patterns (:func:`netsurv.add_patterns`), never by a criterion's measure.
BASELINE_LESION_COLUMNS = ("krenning_score", "fdg_avid", "sst_avid")

#: The lesion keys every measurement pass reads (:func:`netsurv.response.prepare.prepare`).
_LESION_KEYS = ("patient_id", "assessment_id", "lesion_id")


def unread_lesion_columns(cfg: Config, criteria: Sequence[AnyCriterion]) -> list[str]:
    """The lesion columns nothing in a run reads once its lines are classified (under
    ``criteria``) and Table 1's baseline frame is made, so that the run's process, and the
    stage processes it forks, do not hold them: the readings only a criterion's measure
    (:data:`~netsurv.response.lesions.MEASURE_COLUMNS`) or a baseline measure
    (:data:`BASELINE_LESION_COLUMNS`) reads, except those of the measures the threshold sweep
    classifies with; none when the lesion level is on (its patterns read any reading), nor
    when the sweep's criteria are not valid (its stage reports why).

    Examples
    --------
    >>> from netsurv.config import Config
    >>> grid = {"progression_threshold": [0.1, 0.2]}
    >>> cfg = Config.model_validate({"sweep": {"enabled": True, "landmark_months": 6,
    ...                                        "base": "sstv", "grid": grid}})
    >>> unread = unread_lesion_columns(cfg, [])
    >>> "volume_ml" in unread, "suv_max" in unread, "krenning_score" in unread
    (False, True, True)
    >>> unread_lesion_columns(Config.model_validate({"lesions": {"enabled": True}}), [])
    []
    """
    if cfg.lesions.enabled:
        return []
    measures: set[str] = set()
    s = cfg.sweep
    if s.enabled:
        known = {c.name: c for c in criteria}
        try:
            swept = [*s.variants(known)]
            if s.outcome_criterion is not None:
                swept.append(s.criterion("outcome_criterion", known))
        except ConfigError:
            return []
        for crit in swept:
            parts = crit.components if isinstance(crit, CombinedCriterion) else (crit,)
            measures |= {part.measure for part in parts}
    read = {
        *PASS_COLUMNS,
        *_LESION_KEYS,
        *(c for m in measures for c in MEASURE_COLUMNS.get(m, ())),
    }
    readings = {c for cols in MEASURE_COLUMNS.values() for c in cols} | {*BASELINE_LESION_COLUMNS}
    return sorted(readings - read)
