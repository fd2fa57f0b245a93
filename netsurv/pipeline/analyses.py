"""The statistical stages of a run: agreement, landmark analyses, criteria comparison,
PFS–OS correlation and the threshold sweep — each returns tables (and fitted results for the
figures); nothing here writes files."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd

import netsurv as ns
from netsurv.config import Config
from netsurv.errors import ConfigError
from netsurv.pipeline.stages import LINE_KEY, Analysed, on_lines
from netsurv.survival.compare import CriteriaComparison
from netsurv.survival.cox import CoxResult
from netsurv.survival.km import KaplanMeierResult
from netsurv.survival.landmark import LandmarkResult
from netsurv.survival.logrank import LogrankResult
from netsurv.sweep.result import SweepResult


def agreement_table(res: Analysed) -> pd.DataFrame:
    """Per-scan, BOR and PD agreement (kappa) of every criterion with the reference one."""
    parts = []
    classified = res.classified
    for crit in res.criteria[1:]:
        if res.reference not in classified or crit.name not in classified:
            continue
        agr = ns.agreement(res.timepoints, criterion_a=res.reference, criterion_b=crit.name)
        parts.append(agr.kappa.assign(criterion_a=res.reference, criterion_b=crit.name))
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    return out[
        ["criterion_a", "criterion_b", *[c for c in out.columns if not c.startswith("criterion_")]]
    ]


@dataclass(frozen=True)
class LandmarkCurves:
    """What a run's landmark figure of one criterion draws from its :class:`LandmarkResult`:
    the Kaplan–Meier curves, log-rank tests and Cox models by landmark, and the labels.

    The landmark sets, the analysed units and the stacked model stay behind: one row per line
    and landmark, they are most of a result's memory (at 100,000 patients hundreds of MiB
    that the run's process would hold until its figures are drawn).

    Examples
    --------
    >>> import netsurv as ns
    >>> lm = ns.survival.landmark(ns.load_demo(), criterion="choi", at_months=[3, 6])
    >>> curves = LandmarkCurves.of(lm)
    >>> sorted(curves.km), curves.status_column, curves.outcome
    ([3.0, 6.0], 'responder', 'OS')
    """

    km: dict[float, KaplanMeierResult]
    logrank: dict[float, LogrankResult]
    cox: dict[float, CoxResult]
    outcome: str
    status: str
    status_column: str

    @classmethod
    def of(cls, result: LandmarkResult) -> LandmarkCurves:
        """The curves, tests and models of ``result`` (the same objects, not copies)."""
        return cls(
            km=result.km,
            logrank=result.logrank,
            cox=result.cox,
            outcome=result.outcome,
            status=result.status,
            status_column=result.status_column,
        )


@dataclass(frozen=True)
class LandmarkTables:
    """Landmark tables of every criterion, and what their figures draw."""

    results: dict[str, LandmarkCurves]
    summary: pd.DataFrame
    attrition: pd.DataFrame


def landmark_tables(res: Analysed, cfg: Config) -> LandmarkTables | None:
    """Landmark analysis (status at each landmark -> outcome from it) under every criterion
    that classifies a line (None, with a warning, when none does); with
    ``landmark.outcome_criterion`` the outcome is under that criterion for every status
    criterion, and the tables get an ``outcome_criterion`` column."""
    if not res.classified:
        warnings.warn("landmark analyses skipped: no criterion classifies a line", stacklevel=2)
        return None
    curves, tables, attritions = {}, [], []
    for name in res.classified:  # each result's landmark sets freed before the next is made
        result = ns.survival.landmark(
            res.timepoints,
            criterion=name,
            at_months=cfg.landmark.months,
            outcome=cfg.landmark.outcome,
            status=cfg.landmark.status,
            endpoints=res.endpoints,
            penalty=cfg.landmark.penalty,
            outcome_criterion=cfg.landmark.outcome_criterion,
        )
        curves[name] = LandmarkCurves.of(result)
        tables.append(result.table.assign(criterion=name))
        attritions.append(result.attrition.assign(criterion=name))
        del result
    summary = pd.concat(tables, ignore_index=True)
    attrition = pd.concat(attritions, ignore_index=True)
    if cfg.landmark.outcome_criterion is not None:
        summary.insert(0, "outcome_criterion", cfg.landmark.outcome_criterion)
    return LandmarkTables(curves, _criterion_first(summary), attrition)


def comparable(res: Analysed) -> bool:
    """Whether the criteria can be compared: the reference criterion classifies a line (else
    :func:`comparison` is skipped, and the PFS–OS correlation shown with it too)."""
    return res.reference in res.classified


def comparison(res: Analysed, cfg: Config) -> CriteriaComparison | None:
    """Criteria ranked as predictors of the outcome, with paired bootstrap CIs (None, with a
    warning, when the reference criterion classifies no line)."""
    c = cfg.compare
    if not comparable(res):
        warnings.warn(
            f"criteria comparison skipped: the reference criterion {res.reference!r} "
            "classifies no line",
            stacklevel=2,
        )
        return None
    try:
        return ns.survival.compare_criteria(
            res.timepoints,
            criteria=res.classified,
            outcome=c.outcome,
            method="time_dependent" if c.time_dependent else "landmark",
            at_months=c.landmark_months if c.landmark_months is not None else 6.0,
            status=c.status,
            horizons=c.horizons_months,
            n_boot=c.n_boot,
            seed=cfg.run.seed,
            reference=res.reference,
            endpoints=res.endpoints,
            penalty=c.penalty,
            outcome_criterion=c.outcome_criterion,
            continuous=c.continuous,
            knots=c.spline_knots,
            change=c.change,
            **_workers(cfg),
        )
    except ConfigError as exc:
        raise ConfigError(f"[compare] {exc}") from None


def continuous_tables(comparison: CriteriaComparison) -> dict[str, pd.DataFrame]:
    """The continuous marker's log hazard-ratio curve and its values at the cut-offs (none
    without ``compare.continuous``); aggregated, no patient rows."""
    m = comparison.continuous
    if m is None:
        return {}
    settings: dict[str, str | float] = {"marker": m.label, "criterion": m.criterion}
    settings |= {"change": m.change, "landmark_months": m.at_months}
    settings |= {"reference_change": m.reference_change}
    knots = pd.DataFrame({"knot": range(1, len(m.knots) + 1), "pct_change": m.knots})
    return {
        "comparison_continuous_curve": m.curve.assign(**settings),
        "comparison_continuous_cutoffs": m.cutoffs.assign(marker=m.label),
        "comparison_continuous_knots": knots.assign(marker=m.label),
    }


def correlation_table(res: Analysed, cfg: Config) -> pd.DataFrame | None:
    """Kendall's τ (censoring-aware, Oakes) between PFS under each criterion and OS.

    Criteria without PFS (those that cannot call progression, as early SST-TV change) are
    left out with a warning; None when no criterion has PFS.
    """
    ep = res.endpoints.table
    with_pfs = set(ep.loc[ep["endpoint"] == "PFS", "criterion"].dropna())
    criteria = [c for c in res.classified if c in with_pfs]
    without = [c.name for c in res.criteria if c.name not in with_pfs]
    if without:
        warnings.warn(
            f"PFS–OS correlation: no PFS under {without} (see the attrition table)",
            stacklevel=2,
        )
    if not criteria:
        return None
    return ns.survival.pfs_os_correlation(
        res.endpoints,
        criteria=criteria,
        n_boot=cfg.compare.n_boot,
        seed=cfg.run.seed,
        **_workers(cfg),
    )


def sweep_result(res: Analysed, cfg: Config, *, progress: bool) -> SweepResult:
    """The threshold sweep of ``sweep.base`` over ``sweep.grid`` on the analysed lines."""
    s = cfg.sweep
    from netsurv.sweep import sweep

    known = {c.name: c for c in res.criteria}
    return sweep(
        res.cohort,
        base=s.criterion("base", known),
        grid=s.axes(),
        outcome=s.outcome,
        outcome_criterion=(
            None if s.outcome_criterion is None else s.criterion("outcome_criterion", known)
        ),
        landmark_months=None if s.time_dependent else s.landmark_months,
        time_dependent=s.time_dependent,
        covariate=s.covariate,
        metric=s.metric,
        censoring=cfg.endpoints.scheme(),
        lines=res.lines,
        n_boot=s.n_boot,
        n_perm=s.n_perm,
        seed=cfg.run.seed,
        progress=progress,
        **_workers(cfg),
        min_group=s.min_group,
        penalty=s.penalty,
    )


def sweep_summary(result: SweepResult) -> pd.DataFrame:
    """The selected variant, its search-adjusted p-value and optimism-corrected metric."""
    best = result.best
    row = {
        k: best.get(k)
        for k in (
            "criterion",
            "analysis",
            "metric",
            "value",
            "p_search",
            "p_search_reason",
            "corrected",
        )
    }
    row |= {"n_variants": int(result.table["criterion"].nunique())}
    if "eligible" in result.table:
        row |= {"n_selectable": int(result.table["eligible"].sum())}
    row |= {k: result.settings.get(k) for k in ("n_boot", "n_perm", "seed", "min_group")}
    return pd.DataFrame([row])


def lesion_tables(res: Analysed, cfg: Config) -> dict[str, pd.DataFrame]:
    """The lesion- and organ-level tables of ``[lesions]`` for the analysed lines:
    ``lesion_response``, ``lesion_attrition``, ``organ_response``, ``timepoint_patterns``."""
    names = cfg.lesions.criteria or [res.reference]
    crits = [c for c in res.criteria if c.name in names]
    keep = res.lines[LINE_KEY]
    lesions = ns.lesion_response(res.cohort, crits)
    line_keys = set(keep["patient_id"] + " / " + keep["line_id"])
    att = lesions.attrition
    att_line = att["row_key"].str.split(" / ").str[:2].str.join(" / ")
    return {
        "lesion_response": on_lines(lesions.table, keep),
        "lesion_attrition": att[att_line.isin(line_keys)].reset_index(drop=True),
        "organ_response": on_lines(ns.organ_response(res.cohort, crits), keep),
        "timepoint_patterns": on_lines(
            ns.add_patterns(res.cohort, crits, level=cfg.lesions.level), keep
        ),
    }


def _workers(cfg: Config) -> dict[str, Any]:
    """``backend`` and ``n_jobs`` of the stages that share out replicates (the sweep, the
    comparison's bootstrap): ``[compute]``'s Dask cluster, else ``run.backend`` with
    ``run.n_jobs`` workers (``"none"``: in this process)."""
    backend = cfg.compute.backend() or (None if cfg.run.backend == "none" else cfg.run.backend)
    n_jobs = cfg.compute.workers if cfg.compute.scheduler is not None else cfg.run.n_jobs
    return {"backend": backend, "n_jobs": n_jobs}


def _criterion_first(df: pd.DataFrame) -> pd.DataFrame:
    return df[["criterion", *[c for c in df.columns if c != "criterion"]]]
