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

from dataclasses import dataclass

from netsurv.cohort import Cohort
from netsurv.config import Config
from netsurv.measures import BASELINE_MEASURES
from netsurv.survival.formula import formula_names
from netsurv.tables import DEFAULT_CATEGORICAL, DEFAULT_CONTINUOUS

__all__ = ["ConfigColumns", "config_columns", "lacks_columns"]


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
