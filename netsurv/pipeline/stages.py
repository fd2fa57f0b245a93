"""The computations of a run, each a function from the config and earlier results to tables.

Nothing here writes files (:mod:`netsurv.pipeline.outputs` does); every function returns
DataFrames (or a figure), so a notebook can call a single stage.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

import netsurv as ns
from netsurv.cohort import ATTRITION_COLUMNS, Cohort
from netsurv.config import Config
from netsurv.criteria import AnyCriterion
from netsurv.endpoints import EndpointResult
from netsurv.errors import ConfigError
from netsurv.io.csv_dialect import TextFormat
from netsurv.pipeline.columns import config_columns, lacks_columns
from netsurv.response import Timepoints
from netsurv.selection import select_lines
from netsurv.survival.proportions import RATES, compare_response_rates, response_rates
from netsurv.tables import baseline_frame, table_one
from netsurv.validation import Severity, ValidationOptions

LINE_KEY = ["patient_id", "line_id"]


@dataclass(frozen=True)
class Analysed:
    """The cohort, the lines analysed and the per-line results every later stage reads."""

    cohort: Cohort
    criteria: tuple[AnyCriterion, ...]
    lines: pd.DataFrame
    timepoints: Timepoints
    best: pd.DataFrame
    endpoints: EndpointResult
    attrition: pd.DataFrame

    @property
    def reference(self) -> str:
        """Name of the first criterion (the one others are compared with)."""
        return self.criteria[0].name

    @cached_property
    def baseline(self) -> pd.DataFrame:
        """:func:`netsurv.tables.baseline_frame` of the analysed lines, made once (table 1,
        the Cox model and the competing risks read it; the baseline measures pass over every
        lesion row).  Read-only: merge or copy it, never change it in place."""
        return baseline_frame(self.cohort, self.lines)

    @cached_property
    def classified(self) -> list[str]:
        """Names of the criteria that classify at least one analysed line (a criterion whose
        measurement the data lack classifies none; the attrition table says why).  Made once
        (a pass over every time-point row; each analysis stage asks)."""
        present = set(pd.unique(self.timepoints.table["criterion"]))
        return [c.name for c in self.criteria if c.name in present]


def load_cohort(cfg: Config) -> Cohort:
    """The cohort the config names, read and validated.

    ``data.source`` is ``"demo"``, ``"simulate"`` or a path read as ``data.format``: a folder
    of tables (:func:`netsurv.read_cohort`), an SDTM folder (:func:`netsurv.io.read_sdtm` with
    ``[data.sdtm]``) or a REDCap export (:func:`netsurv.io.read_redcap` with ``data.mapping``
    and ``data.data_dictionary``).  ``data.warn``, ``data.off`` and
    ``data.baseline_window_days`` apply to each of them, and so do ``data.encoding``,
    ``data.delimiter`` and ``data.decimal`` (how its text files are written).
    """
    data = cfg.data
    if data.source == "simulate":
        sim = data.simulation
        return ns.simulate_cohort(
            sim.n_patients,
            seed=sim.seed,
            scenario=sim.scenario,
            markers=sim.markers,
            **sim.overrides,
        )
    if data.source == "demo":
        from netsurv.datasets import demo_folder

        return _read_columns(
            cfg, demo_folder(), TextFormat(encoding="utf-8", delimiter=None, decimal=".")
        )
    path = cfg.resolve(data.source)
    if not path.exists():
        raise ConfigError(f"data.source: {path} does not exist")
    text = TextFormat(encoding=data.encoding, delimiter=data.delimiter, decimal=data.decimal)
    if data.format == "tables":
        return _read_columns(cfg, path, text)
    if data.format == "sdtm":
        from netsurv.io.sdtm import SDTM_VALIDATION

        sd = data.sdtm
        return ns.io.read_sdtm(
            path,
            evaluator=sd.evaluator,
            maps={name: cfg.resolve(p) for name, p in sd.maps.items()} or None,
            visit_date=sd.visit_date,
            response_date_imputation=sd.response_date_imputation,
            measurement_date_imputation=sd.measurement_date_imputation,
            new_therapy_categories=tuple(sd.new_therapy_categories),
            default_modality=sd.default_modality,
            options=validation_options(cfg, defaults=SDTM_VALIDATION),
            **text,
        )
    if data.mapping is None:  # the config model requires it; kept for a hand-built config
        raise ConfigError("data.format = 'redcap' needs data.mapping (the field mapping file)")
    return ns.io.read_redcap(
        path,
        mapping=cfg.resolve(data.mapping),
        data_dictionary=None if data.data_dictionary is None else cfg.resolve(data.data_dictionary),
        options=validation_options(cfg),
        **text,
    )


def _read_columns(cfg: Config, folder: Path, text: TextFormat) -> Cohort:
    """:func:`netsurv.read_cohort` of the schema's columns and those the config reads
    (:mod:`netsurv.pipeline.columns`); read again whole when a column the config needs is
    missing, so that the error the run stops with lists every column of the data."""
    wanted = config_columns(cfg)
    options = validation_options(cfg)
    cohort = ns.read_cohort(folder, options=options, extra_columns=wanted.read, **text)
    if lacks_columns(cohort, wanted):
        del cohort
        cohort = ns.read_cohort(folder, options=options, **text)
    return cohort


def data_folders(cfg: Config) -> list[Path]:
    """The folders the config reads data from (a run never writes into or over them): the
    demo cohort's, the source folder, or the folder holding a REDCap export; none for a
    simulated cohort."""
    data = cfg.data
    if data.source == "simulate":
        return []
    if data.source == "demo":
        from netsurv.datasets import demo_folder

        return [demo_folder()]
    path = cfg.resolve(data.source)
    return [path if path.is_dir() or not path.suffix else path.parent]


def validation_options(
    cfg: Config, *, defaults: ValidationOptions | None = None
) -> ValidationOptions:
    """Validation settings from ``data.warn``, ``data.off`` and ``data.baseline_window_days``,
    on top of a reader's own ``defaults`` (e.g. the SDTM reader's warnings)."""
    base = defaults or ValidationOptions()
    severity: dict[str, Severity] = (
        dict(base.severity)
        | {r: "warning" for r in cfg.data.warn}
        | {r: "off" for r in cfg.data.off}
    )
    window = cfg.data.baseline_window_days
    return ValidationOptions(
        baseline_window_days=base.baseline_window_days if window is None else window,
        severity=severity,
    )


def analyse(cfg: Config, cohort: Cohort) -> Analysed:
    """Select lines, classify under every criterion, best response, endpoints; attrition."""
    criteria = tuple(cfg.build_criteria())
    if cfg.criteria.reference is not None:
        ref = next(c for c in criteria if c.name == cfg.criteria.reference)
        criteria = (ref, *[c for c in criteria if c is not ref])
    lines, selection_att = select_lines(cohort, **cfg.cohort.model_dump())
    if cohort.lines.empty:
        raise ConfigError("the data hold no treatment line to analyse (the lines table is empty)")
    if lines.empty:
        raise ConfigError("the cohort filters leave no line to analyse; see the [cohort] section")
    tp = ns.classify(cohort, criteria)
    ep = ns.derive_endpoints(
        cohort,
        tp,
        endpoints=cfg.endpoints.names,
        censoring=cfg.endpoints.scheme(),
        cutoff_date=None
        if cfg.endpoints.cutoff_date is None
        else pd.Timestamp(cfg.endpoints.cutoff_date),
        origin=cfg.endpoints.origin,
    )
    best = ns.best_response(tp, confirm=cfg.endpoints.confirm_response)
    keep = lines[LINE_KEY]
    every = len(lines) == len(cohort.lines)  # the selection left no line out

    def selected(df: pd.DataFrame) -> pd.DataFrame:
        if every and df.index.equals(pd.RangeIndex(len(df))):
            return df  # what on_lines returns then, without matching millions of keys
        return on_lines(df, keep)

    tp_sel = Timepoints(
        table=selected(tp.table),
        attrition=tp.attrition,
        baselines=selected(tp.baselines),
        criteria=tp.criteria,
    )
    if tp_sel.table is tp.table:  # every line analysed: the best responses made above hold
        tp_sel.best_cache.update(tp.best_cache)
    ep_sel = EndpointResult(table=selected(ep.table), attrition=ep.attrition, scheme=ep.scheme)
    attrition = pd.concat(
        [cohort.attrition.assign(stage=cohort.attrition["stage"]), selection_att, ep.attrition],
        ignore_index=True,
    )
    attrition = _only_selected(attrition, keep)
    present = set(pd.unique(tp_sel.table["criterion"]))
    for crit in criteria:
        if crit.name not in present:
            warnings.warn(
                f"criterion {crit.name!r} classifies no analysed line (reasons in the attrition "
                "table): it has no response tables, figures or comparisons",
                UserWarning,
                stacklevel=2,
            )
    return Analysed(
        cohort=cohort,
        criteria=criteria,
        lines=lines,
        timepoints=tp_sel,
        best=selected(best),
        endpoints=ep_sel,
        attrition=attrition,
    )


def without_lesion_columns(res: Analysed, columns: list[str]) -> Analysed:
    """``res`` with its cohort's lesions table lacking ``columns`` (those it has), for the steps
    after classification (:func:`netsurv.pipeline.columns.unread_lesion_columns`); its
    baseline frame (Table 1, read from every lesion column) and classified criteria are made
    first and kept.  The other columns are shared, not copied; ``res`` itself is unchanged.

    Examples
    --------
    >>> from netsurv.config import Config
    >>> cfg = Config.model_validate({"data": {"source": "demo"}})
    >>> res = analyse(cfg, load_cohort(cfg))
    >>> slim = without_lesion_columns(res, ["suv_max", "no_such"])
    >>> "suv_max" in slim.cohort.lesions, "suv_max" in res.cohort.lesions
    (False, True)
    >>> slim.baseline is res.baseline
    True
    """
    drop = [c for c in columns if c in res.cohort.lesions.columns]
    if not drop:
        return res
    made = {"baseline": res.baseline, "classified": res.classified}
    lesions = res.cohort.lesions.copy(deep=False)
    for column in drop:
        del lesions[column]  # DataFrame.drop would copy the columns kept
    out = dataclasses.replace(res, cohort=dataclasses.replace(res.cohort, lesions=lesions))
    out.__dict__.update(made)  # the cached properties, made from every column
    return out


def first_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """Each patient's first line among ``lines`` (by start date)."""
    ordered = lines.sort_values(["patient_id", "start_date", "line_id"], kind="stable")
    return ordered.drop_duplicates("patient_id")[LINE_KEY]


def on_lines(df: pd.DataFrame, keep: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``df`` on the lines of ``keep`` (its :data:`LINE_KEY` columns); ``df``
    itself when every row is kept.

    Examples
    --------
    >>> df = pd.DataFrame({"patient_id": ["P1", "P1", "P2"], "line_id": ["L1", "L2", "L1"],
    ...                    "x": [1, 2, 3]})
    >>> on_lines(df, df.iloc[[0, 2]][["patient_id", "line_id"]])["x"].tolist()
    [1, 3]
    """
    idx = pd.MultiIndex.from_frame(df[LINE_KEY]).isin(pd.MultiIndex.from_frame(keep))
    if idx.all() and df.index.equals(pd.RangeIndex(len(df))):
        return df  # every line analysed: no copy (a registry's time points are gigabytes)
    return df.loc[idx].reset_index(drop=True)


def _only_selected(att: pd.DataFrame, keep: pd.DataFrame) -> pd.DataFrame:
    """Attrition rows of lines outside the selection are dropped after the selection stage."""
    line_keys = set(keep["patient_id"] + " / " + keep["line_id"])
    later = att["stage"].isin(["classify", "endpoints"]) & (att["table"] == "lines")
    out = att[~later | att["row_key"].isin(line_keys)]
    cols = [*ATTRITION_COLUMNS, "criterion"]
    return out.reindex(columns=cols).reset_index(drop=True)


def attrition_summary(res: Analysed) -> pd.DataFrame:
    """Rows set aside, counted by stage and reason (the report shows this, not the rows)."""
    att = res.attrition
    counts = att.groupby(["stage", "reason"], dropna=False, sort=True).size()
    return counts.rename("rows").reset_index()


def table1(res: Analysed, *, by: str | None = "regimen_class") -> pd.DataFrame:
    """Table 1 of the analysed lines (by regimen class when there are several), with the
    median follow-up (months, reverse Kaplan–Meier of OS) when OS is derived."""
    frame = res.baseline
    group = by if by in frame.columns and frame[by].nunique(dropna=True) > 1 else None
    ep = res.endpoints.table
    os_rows = ep[ep["endpoint"] == "OS"]
    if os_rows.empty:
        return table_one(frame, by=group)
    follow = os_rows[[*LINE_KEY, "months", "event"]].rename(
        columns={"months": "_os_months", "event": "_os_event"}
    )
    frame = frame.merge(follow, on=LINE_KEY, how="left")
    return table_one(frame, by=group, follow_up=("_os_months", "_os_event"))


def best_change_table(res: Analysed) -> pd.DataFrame:
    """Best % change from baseline per line and criterion, with the best overall response."""
    from netsurv.plots.waterfall import best_change

    parts = [best_change(res.timepoints, criterion=name) for name in res.classified]
    if not parts:
        cols = [*LINE_KEY, "criterion", "best_pct_change", "bor"]
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    change = pd.concat(parts, ignore_index=True)
    return change.merge(
        res.best[[*LINE_KEY, "criterion", "bor"]], on=[*LINE_KEY, "criterion"], how="left"
    )


def bor_summary(res: Analysed) -> pd.DataFrame:
    """Best overall response counts and ORR / DCR per criterion (MR counts as disease
    control; :data:`netsurv.survival.proportions.RATES`)."""
    b = res.best
    counts = pd.crosstab(b["criterion"], b["bor"]).reindex(
        [c.name for c in res.criteria], fill_value=0
    )
    n = counts.sum(axis=1)
    resp = counts.reindex(columns=list(RATES["ORR"]), fill_value=0).sum(axis=1)
    control = counts.reindex(columns=list(RATES["DCR"]), fill_value=0).sum(axis=1)
    out = counts.assign(
        n=n, orr_pct=np.round(100 * resp / n, 1), dcr_pct=np.round(100 * control / n, 1)
    )
    return out.reset_index().rename_axis(columns=None)


def response_rate_tables(res: Analysed) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """ORR / DCR per criterion with exact (Clopper–Pearson) 95 % CIs, and each criterion's
    rates against the reference criterion's, paired on the lines (Newcombe's interval,
    McNemar's tests); the comparison is None with a single classified criterion."""
    rates = response_rates(res.best)
    order = {name: i for i, name in enumerate(c.name for c in res.criteria)}
    rates = rates.sort_values("criterion", key=lambda c: c.map(order), kind="stable")
    classified = res.classified
    if res.reference not in classified or len(classified) < 2:
        return rates.reset_index(drop=True), None
    paired = compare_response_rates(
        res.best,
        reference=res.reference,
        criteria=[c for c in classified if c != res.reference],
    )
    return rates.reset_index(drop=True), paired


def check_landmarks(res: Analysed, cfg: Config) -> None:
    """Raise :class:`~netsurv.ConfigError` for a landmark at or beyond the longest follow-up
    of its outcome among the analysed lines (no one would be at risk after it), naming every
    key at fault; called before a run writes anything."""
    ep = res.endpoints.table
    wanted: list[tuple[str, str, list[float]]] = []
    if cfg.landmark.enabled:
        wanted.append(("landmark.months", cfg.landmark.outcome, cfg.landmark.months))
    c = cfg.compare
    if c.enabled and not c.time_dependent and c.landmark_months is not None:
        wanted.append(("compare.landmark_months", c.outcome, [c.landmark_months]))
    s = cfg.sweep
    if s.enabled and not s.time_dependent and s.landmark_months is not None:
        wanted.append(("sweep.landmark_months", s.outcome, [s.landmark_months]))
    problems = []
    for key, outcome, months in wanted:
        follow_up = ep.loc[ep["endpoint"] == outcome, "months"].max()
        beyond = [m for m in months if not m < follow_up]
        if beyond and pd.notna(follow_up):
            problems.append(
                f"{key}: {', '.join(f'{m:g}' for m in beyond)} month(s) is beyond the follow-up "
                f"(the longest {outcome} follow-up of the analysed lines is {follow_up:.1f} months)"
            )
    if problems:
        raise ConfigError("\n".join(problems))
