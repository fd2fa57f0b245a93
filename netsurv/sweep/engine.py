"""``sweep``: reclassify every patient under a grid of cut-offs and find which variant best
predicts outcome, with inference that accounts for the search."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist
from scipy.stats import norm

from netsurv.cohort import Cohort
from netsurv.criteria.criterion import Criterion
from netsurv.criteria.registry import get
from netsurv.criteria.registry import grid as make_grid
from netsurv.endpoints.engine import DAYS_PER_MONTH
from netsurv.endpoints.matrix import endpoint_matrix
from netsurv.errors import ConfigError
from netsurv.response.classify import resolve_criteria
from netsurv.response.matrix import classify_matrix
from netsurv.sweep.backends import Backend, block_seeds, check_backend, run_tasks
from netsurv.sweep.batch import REASONS, BatchStats, Ties, fit_counts, loglik_rows, terms
from netsurv.sweep.groups import (
    Analysis,
    Covariate,
    SweepData,
    landmark_analysis,
    naive_analysis,
    sweep_data,
    time_dependent_analysis,
)
from netsurv.sweep.inference import (
    METRICS,
    Optimism,
    optimism,
    percentile_interval,
    permutation_pvalues,
    selection_frequency,
    winners,
)
from netsurv.sweep.median import km_medians
from netsurv.sweep.replicates import Shared, bootstrap_block, permutation_block

Metric = Literal["logrank", "lr", "score", "c_index"]


@dataclass(frozen=True)
class SweepResult:
    """A threshold sweep: one row per variant (× landmark) and the honest selection.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per analysis × variant: ``criterion`` (variant name), one column per grid
        axis, ``analysis`` (``"landmark 6 mo"``, ``"time-dependent"``, ``"naive"``),
        ``landmark_months``, ``n``, ``n_group1`` / ``n_group0`` (responders or progressors
        and the others; for a time-dependent analysis, lines that switch while at risk),
        ``events_group1`` / ``events_group0``, ``median_pfs_months`` (Kaplan–Meier median PFS
        of the analysed lines under the variant, from the line origin), ``hr``, ``hr_lower``,
        ``hr_upper`` (Wald), ``beta``, ``se``, ``p_wald``, ``lr_chi2``, ``p_lr``,
        ``logrank_chi2``, ``p_logrank``, ``score_chi2``, ``c_index`` (Harrell's C), ``aic``,
        ``converged``, ``reason`` (why an estimate is infinite or missing; empty when fine),
        ``p_adjusted`` (permutation max-statistic p-value of the selection metric within the
        analysis), ``selection_frequency`` (share of bootstrap resamples the variant won),
        ``hr_boot_lower`` / ``hr_boot_upper``, ``c_index_boot_lower`` /
        ``c_index_boot_upper`` and ``metric_boot_lower`` / ``metric_boot_upper``
        (percentile intervals).
    best : pandas.Series
        The apparent best row of ``table`` plus ``metric``, ``value``, ``p_search`` (the
        permutation p-value of the whole search: the best's ``p_adjusted``, times the number
        of analyses when several landmarks were searched, capped at 1) and ``corrected``
        (optimism-corrected value of the metric).
    optimism : Optimism
        Harrell's optimism for every metric (``summary``) and per resample (``resamples``).
    null_max : numpy.ndarray
        (n_perm, analyses) maximum statistic over the variants under each permutation.
    boot : dict
        Bootstrap values per field (``beta``, ``logrank``, ``lr``, ``score``, ``c_index``):
        (n_boot, rows of ``table``) arrays.
    attrition : pandas.DataFrame
        Lines set aside (classification, endpoint derivation, line selection), with reasons.
    settings : dict
        The arguments that shaped the result (metric, seed, n_boot, n_perm, ...).
    """

    table: pd.DataFrame
    best: pd.Series
    optimism: Optimism
    null_max: np.ndarray
    boot: dict[str, np.ndarray] = field(repr=False)
    attrition: pd.DataFrame = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)


def sweep(
    cohort: Cohort,
    base: Criterion | str,
    grid: Mapping[str, Sequence[Any]] | Sequence[Criterion | str],
    *,
    outcome: Literal["OS", "PFS"] = "OS",
    outcome_criterion: Criterion | str | None = None,
    landmark_months: float | Sequence[float] | None = None,
    time_dependent: bool = False,
    covariate: Covariate = "response",
    naive: bool = False,
    metric: Metric = "logrank",
    n_boot: int = 200,
    n_perm: int = 1000,
    seed: int = 0,
    ties: Ties = "efron",
    line: Literal["first", "all"] = "first",
    censoring: str = "fda2018",
    level: float = 0.95,
    backend: Backend = None,
    n_jobs: int | None = None,
    progress: bool = False,
) -> SweepResult:
    """Which cut-off variant of a criterion best predicts outcome, searched honestly.

    Every line is reclassified under every variant at once (:func:`netsurv.classify_matrix`),
    responders (or progressors) are compared on OS (or PFS under a fixed criterion) with a
    landmark or time-dependent model, and every variant is fitted by the batched engine
    (:mod:`netsurv.sweep.batch`: one-covariate Cox, Efron or Breslow, log-rank, Harrell's C).
    The apparent best variant maximises ``metric``; its permutation p-value accounts for the
    search (maximum statistic over the grid under permuted outcomes) and its performance is
    corrected for optimism by repeating the whole selection in bootstrap resamples.

    Parameters
    ----------
    cohort
        A validated cohort.
    base
        The criterion (or preset name) the variants start from.
    grid
        Field -> values (as :func:`netsurv.criteria.grid`), or a sequence of criteria.
    outcome
        ``"OS"`` (default) or ``"PFS"`` under ``outcome_criterion`` (default ``base``).
    outcome_criterion
        The fixed criterion of a PFS outcome.
    landmark_months
        One or more landmarks: lines alive and at risk at L, clock reset at L, responders =
        responded on or before L.  Several landmarks are analysed side by side and searched
        together.
    time_dependent
        Response under each variant as a time-dependent covariate (Mantel–Byar log-rank).
    covariate
        ``"response"`` (first PR or CR, unconfirmed time-point response) or
        ``"progression"`` (first PD).
    naive
        Allow the "ever responded" comparison without landmark or time dependence (biased
        by guarantee time; a warning is issued).
    metric
        Selection statistic: ``"logrank"`` (default), ``"lr"`` (Cox likelihood ratio),
        ``"score"`` or ``"c_index"`` (Harrell's C).
    n_boot, n_perm
        Bootstrap resamples (optimism, selection frequency, intervals) and permutations
        (adjusted p-values); 0 skips them.
    seed
        Seed of every random step (the same seed gives the same result on every backend).
    ties
        ``"efron"`` (default) or ``"breslow"``.
    line
        ``"first"`` (each patient's first analysable line) or ``"all"``.
    censoring
        Censoring scheme of the PFS outcome and of the median PFS column.
    level
        Level of the Wald and bootstrap intervals.
    backend
        None (this process), ``"threads"``, ``"processes"`` (joblib) or a
        ``dask.distributed.Client``.
    n_jobs
        Workers of the joblib backends (default all cores).
    progress
        Show progress bars.

    Returns
    -------
    SweepResult

    Raises
    ------
    netsurv.ConfigError
        For an invalid argument, or a naive comparison not asked for with ``naive=True``.

    Examples
    --------
    >>> import netsurv as ns
    >>> from netsurv.sweep import sweep
    >>> res = sweep(ns.load_demo(), "recist1.1", {"response_threshold": [-0.1, -0.3]},
    ...             time_dependent=True, n_boot=20, n_perm=50, seed=1)
    >>> res.table[["criterion", "n", "n_group1"]].shape
    (2, 3)
    """
    check_backend(backend, n_jobs)
    analyses_kind = _check_design(landmark_months, time_dependent, naive)
    if metric not in METRICS:
        raise ConfigError(f"sweep: metric must be one of {list(METRICS)}, got {metric!r}")
    for name, val in (("n_boot", n_boot), ("n_perm", n_perm)):
        if not isinstance(val, int | np.integer) or val < 0:
            raise ConfigError(f"sweep: {name} must be a non-negative integer, got {val!r}")
    if not 0 < level < 1:
        raise ConfigError(f"sweep: level must lie in (0, 1), got {level!r}")
    base_c = get(base)
    if isinstance(grid, Mapping):
        variants = tuple(make_grid(base_c, **grid))
        axes = list(grid)
    else:
        variants = resolve_criteria(list(grid))
        axes = []
    out_crit = get(outcome_criterion) if outcome_criterion is not None else base_c

    mat = classify_matrix(cohort, variants)
    data = sweep_data(
        cohort,
        mat,
        outcome=outcome,
        outcome_criterion=out_crit,
        covariate=covariate,
        line=line,
        censoring=censoring,
    )
    if len(data.units) == 0:
        raise ConfigError("sweep: no line can be analysed (see the attrition of the cohort)")
    analyses = _analyses(data, analyses_kind, landmark_months)
    originals = [fit_counts(a.counts(), ties=ties) for a in analyses]
    shared = Shared(
        analyses=tuple(analyses),
        n_units=len(data.units),
        metric=metric,
        ties=ties,
        start=tuple(o.beta[0] for o in originals),
    )
    ss_boot, ss_perm = np.random.SeedSequence(seed).spawn(2)

    null_max = np.empty((0, len(analyses)))
    if n_perm:
        res = run_tasks(
            permutation_block,
            shared,
            block_seeds(ss_perm, n_perm),
            backend=backend,
            n_jobs=n_jobs,
            progress=progress,
            description="permutations",
        )
        null_max = np.concatenate(res, axis=0)
    boot: dict[str, np.ndarray] = {}
    if n_boot:
        res = run_tasks(
            bootstrap_block,
            shared,
            block_seeds(ss_boot, n_boot),
            backend=backend,
            n_jobs=n_jobs,
            progress=progress,
            description="bootstrap",
        )
        boot = {k: np.concatenate([r[k] for r in res], axis=0) for k in res[0]}

    table = _table(data, analyses, originals, variants, axes, level, cohort, mat, censoring)
    v = len(variants)
    stat = table[_COLUMN[metric]].to_numpy(float)
    p_adj = np.full(len(table), np.nan)
    if n_perm:
        for j in range(len(analyses)):
            sl = slice(j * v, (j + 1) * v)
            p_adj[sl] = permutation_pvalues(stat[sl], null_max[:, j])
    table["p_adjusted"] = p_adj

    best_row = int(winners(stat[None, :])[0])
    opt = _optimism(boot, analyses, originals, table, metric, best_row, ties)
    _bootstrap_columns(table, boot, metric, level)
    best = _best(table, best_row, metric, opt, len(analyses))
    settings = {
        "outcome": outcome,
        "outcome_criterion": out_crit.name,
        "covariate": covariate,
        "landmark_months": landmark_months,
        "time_dependent": time_dependent,
        "naive": naive,
        "metric": metric,
        "n_boot": n_boot,
        "n_perm": n_perm,
        "seed": seed,
        "ties": ties,
        "line": line,
        "censoring": censoring,
        "level": level,
    }
    return SweepResult(
        table=table,
        best=best,
        optimism=opt,
        null_max=null_max,
        boot=boot,
        attrition=data.attrition,
        settings=settings,
    )


_COLUMN = {"logrank": "logrank_chi2", "lr": "lr_chi2", "score": "score_chi2", "c_index": "c_index"}


def _check_design(
    landmark_months: float | Sequence[float] | None, time_dependent: bool, naive: bool
) -> str:
    given = [landmark_months is not None, bool(time_dependent), bool(naive)]
    if sum(given) > 1:
        raise ConfigError(
            "sweep: choose one design: landmark_months=..., time_dependent=True or naive=True"
        )
    if not any(given):
        raise ConfigError(
            "sweep: comparing responders with non-responders needs landmark_months=... or "
            "time_dependent=True; an 'ever responded' grouping is biased by guarantee time "
            "(responders must survive long enough to respond). Pass naive=True to run it anyway."
        )
    if naive:
        warnings.warn(
            "sweep: naive 'ever responded' grouping; hazard ratios are biased by guarantee "
            "time (use landmark_months or time_dependent=True)",
            UserWarning,
            stacklevel=3,
        )
        return "naive"
    return "landmark" if landmark_months is not None else "time_dependent"


def _analyses(
    data: SweepData, kind: str, landmark_months: float | Sequence[float] | None
) -> list[Analysis]:
    if kind == "time_dependent":
        return [time_dependent_analysis(data)]
    if kind == "naive":
        return [naive_analysis(data)]
    marks = (
        [landmark_months]
        if isinstance(landmark_months, int | float | np.integer | np.floating)
        else list(landmark_months or [])
    )
    if not marks:
        raise ConfigError("sweep: landmark_months is empty")
    if len(set(marks)) != len(marks):
        raise ConfigError(f"sweep: landmark_months repeats a value: {marks}")
    return [landmark_analysis(data, float(m)) for m in marks]


def _table(
    data: SweepData,
    analyses: list[Analysis],
    originals: list[BatchStats],
    variants: tuple[Criterion, ...],
    axes: list[str],
    level: float,
    cohort: Cohort,
    mat: Any,
    censoring: str,
) -> pd.DataFrame:
    z = float(norm.ppf(0.5 + level / 2))
    medians = _median_pfs(cohort, mat, data, censoring)
    frames = []
    for a, s in zip(analyses, originals, strict=True):
        beta, se = s.beta[0], s.se[0]
        with np.errstate(over="ignore", invalid="ignore"):
            frame = pd.DataFrame(
                {
                    "criterion": [c.name for c in variants],
                    **{ax: [getattr(c, ax) for c in variants] for ax in axes},
                    "analysis": a.label,
                    "landmark_months": a.landmark,
                    "n": a.n,
                    "n_group1": s.n1[0],
                    "n_group0": s.n0[0],
                    "events_group1": s.events1[0],
                    "events_group0": s.events0[0],
                    "median_pfs_months": medians,
                    "hr": np.exp(beta),
                    "hr_lower": np.exp(beta - z * se),
                    "hr_upper": np.exp(beta + z * se),
                    "beta": beta,
                    "se": se,
                    "p_wald": 2 * norm.sf(np.abs(beta / se)),
                    "lr_chi2": s.lr[0],
                    "p_lr": chi2_dist.sf(s.lr[0], 1),
                    "logrank_chi2": s.logrank[0],
                    "p_logrank": chi2_dist.sf(s.logrank[0], 1),
                    "score_chi2": s.score[0],
                    "c_index": s.c_index[0],
                    "aic": s.aic[0],
                    "converged": s.converged[0],
                    "reason": [REASONS[i] for i in s.reason[0]],
                }
            )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _median_pfs(cohort: Cohort, mat: Any, data: SweepData, censoring: str) -> np.ndarray:
    em = endpoint_matrix(cohort, mat, endpoint="PFS", censoring=censoring)
    pos = pd.MultiIndex.from_frame(em.lines[["patient_id", "line_id"]]).get_indexer(
        pd.MultiIndex.from_frame(data.units[["patient_id", "line_id"]])
    )
    days = em.days[pos] / DAYS_PER_MONTH
    return km_medians(days, em.event[pos])


def _optimism(
    boot: dict[str, np.ndarray],
    analyses: list[Analysis],
    originals: list[BatchStats],
    table: pd.DataFrame,
    metric: str,
    best_row: int,
    ties: Ties,
) -> Optimism:
    apparent = {
        m: float(table[_COLUMN[m]].iloc[best_row]) if best_row >= 0 else np.nan for m in METRICS
    }
    if not boot:
        empty = pd.DataFrame(
            {"apparent": apparent, "optimism": np.nan, "corrected": np.nan, "n_used": 0}
        )
        empty.index.name = "metric"
        return Optimism(summary=empty, resamples=pd.DataFrame())
    v = originals[0].beta.shape[1]
    vals = {m: boot[m] for m in METRICS}
    win = winners(vals[metric])
    b = win.size
    rows = np.arange(b)
    ok = win >= 0
    a_idx = np.where(ok, win // v, 0)
    v_idx = np.where(ok, win % v, 0)
    beta_b = np.where(ok, boot["beta"][rows, np.maximum(win, 0)], np.nan)
    test: dict[str, np.ndarray] = {}
    for m in ("logrank", "score"):
        orig = table[_COLUMN[m]].to_numpy(float)
        test[m] = np.where(ok, orig[np.maximum(win, 0)], np.nan)
    # C of the resample's fitted predictor (its sign) on the original data
    c_orig = table["c_index"].to_numpy(float)
    beta_orig = table["beta"].to_numpy(float)
    c_b = c_orig[np.maximum(win, 0)]
    flip = np.sign(beta_b) * np.sign(beta_orig[np.maximum(win, 0)]) < 0
    test["c_index"] = np.where(ok, np.where(flip, 1.0 - c_b, c_b), np.nan)
    # LR of the resample's fitted coefficient on the original data
    lr_test = np.full(b, np.nan)
    for j, (a, s) in enumerate(zip(analyses, originals, strict=True)):
        sel = np.flatnonzero(ok & (a_idx == j))
        if sel.size:
            t = terms(a.counts(), ties=ties)
            ll = loglik_rows(t, v_idx[sel], beta_b[sel])
            lr_test[sel] = 2.0 * (ll - s.loglik0[0, v_idx[sel]])
    test["lr"] = np.where(np.isfinite(lr_test), lr_test, np.nan)
    return optimism(win, vals, test, apparent)


def _bootstrap_columns(
    table: pd.DataFrame, boot: dict[str, np.ndarray], metric: str, level: float
) -> None:
    n = len(table)
    if not boot:
        for col in (
            "selection_frequency",
            "hr_boot_lower",
            "hr_boot_upper",
            "c_index_boot_lower",
            "c_index_boot_upper",
            "metric_boot_lower",
            "metric_boot_upper",
        ):
            table[col] = np.nan
        return
    table["selection_frequency"] = selection_frequency(winners(boot[metric]), n)
    with np.errstate(over="ignore"):
        lo, hi = percentile_interval(np.exp(boot["beta"]), level=level)
    table["hr_boot_lower"], table["hr_boot_upper"] = lo, hi
    lo, hi = percentile_interval(boot["c_index"], level=level)
    table["c_index_boot_lower"], table["c_index_boot_upper"] = lo, hi
    lo, hi = percentile_interval(boot[metric], level=level)
    table["metric_boot_lower"], table["metric_boot_upper"] = lo, hi


def _best(
    table: pd.DataFrame, best_row: int, metric: str, opt: Optimism, n_analyses: int
) -> pd.Series:
    if best_row < 0:
        return pd.Series(
            {"metric": metric, "value": np.nan, "p_search": np.nan, "corrected": np.nan}
        )
    row = table.iloc[best_row].copy()
    row["metric"] = metric
    row["value"] = row[_COLUMN[metric]]
    row["p_search"] = min(1.0, float(row["p_adjusted"]) * n_analyses)
    row["corrected"] = opt.summary.loc[metric, "corrected"]
    row["row"] = best_row
    return row
