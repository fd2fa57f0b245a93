"""``sweep``: reclassify every patient under a grid of cut-offs and find which variant best
predicts outcome, with inference that accounts for the search."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from netsurv._memory import release_memory
from netsurv.cohort import Cohort
from netsurv.criteria.combined import AnyCriterion, field_value
from netsurv.criteria.registry import get
from netsurv.criteria.registry import grid as make_grid
from netsurv.endpoints.matrix import endpoint_matrix
from netsurv.endpoints.rules import CensoringScheme
from netsurv.endpoints.vocabulary import DAYS_PER_MONTH
from netsurv.errors import ConfigError
from netsurv.response.classify import resolve_criteria
from netsurv.response.matrix import classify_matrix
from netsurv.survival.responders import GuaranteeTimeBiasWarning
from netsurv.sweep.backends import Backend, check_backend, open_backend
from netsurv.sweep.groups import (
    Analysis,
    Covariate,
    SweepData,
    landmark_analysis,
    naive_analysis,
    sweep_data,
    time_dependent_analysis,
)
from netsurv.sweep.inference import METRICS
from netsurv.sweep.median import km_medians
from netsurv.sweep.result import SweepResult
from netsurv.sweep.select import run_selection
from netsurv.sweep.terms import Ties

Metric = Literal["logrank", "lr", "score", "c_index"]


def sweep(
    cohort: Cohort,
    base: AnyCriterion | str,
    grid: Mapping[str, Sequence[Any]] | Sequence[AnyCriterion | str],
    *,
    outcome: Literal["OS", "PFS"] = "OS",
    outcome_criterion: AnyCriterion | str | None = None,
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
    lines: pd.DataFrame | None = None,
    censoring: str | CensoringScheme = "fda2018",
    level: float = 0.95,
    backend: Backend = None,
    n_jobs: int | None = None,
    progress: bool = False,
    min_group: float = 0.1,
    penalty: Literal["none", "firth"] = "none",
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
        Field -> values (as :func:`netsurv.criteria.grid`; for a combined base a component's
        field is ``"<component>.<field>"``, e.g. ``"sstv.response_threshold"``), or a sequence
        of criteria.
    outcome
        ``"OS"`` (default) or ``"PFS"`` under ``outcome_criterion`` (default ``base``).
    outcome_criterion
        The fixed criterion of a PFS outcome.
    landmark_months
        One or more landmarks: lines alive and at risk at L, clock reset at L, responders =
        responded on or before L.  Several landmarks are analysed side by side and searched
        together: the best is the largest ``metric`` over every landmark × variant, and its
        permutation p-value is that of one maximum over the whole search (each landmark
        permuted within its own risk set; see :mod:`netsurv.sweep.inference`).
    time_dependent
        Response under each variant as a time-dependent covariate (Mantel–Byar log-rank).
    covariate
        ``"response"`` (first PR or CR, unconfirmed time-point response) or
        ``"progression"`` (first PD).
    naive
        Allow the "ever responded" comparison without landmark or time dependence (biased
        by guarantee time; a warning is issued).
    metric
        Selection statistic: ``"logrank"`` (default; Mantel–Byar in a time-dependent
        analysis), ``"lr"`` (Cox likelihood ratio), ``"score"`` or ``"c_index"`` (Harrell's
        C).  One metric, not a list: every metric is reported for every variant anyway (the
        table's chi-squares with their p-values, Harrell's C and AIC; the optimism summary
        for each metric), so only the choice of the best, its permutation p-value, the
        selection frequencies and the ``metric_boot_*`` bands depend on it.  To compare
        selections under several metrics, run the sweep once per metric.
    n_boot, n_perm
        Bootstrap resamples (optimism, selection frequency, intervals) and permutations
        (adjusted p-values); 0 skips them.
    seed
        Seed of every random step (the same seed gives the same result on every backend).
    ties
        ``"efron"`` (default) or ``"breslow"``.
    line
        ``"first"`` (each patient's first analysable line) or ``"all"`` (every line; the
        bootstrap then resamples patients with all their lines; the permutation and the Cox
        variance still treat lines as independent).
    lines
        Only these lines (``patient_id``, ``line_id``, e.g. from
        :func:`netsurv.selection.select_lines`) are analysed; the others are listed in the
        attrition.  Classification and endpoints still see the whole cohort, so a later line
        still censors PFS at its start.
    censoring
        Censoring scheme of the PFS outcome and of the median PFS column.
    level
        Level of the Wald and bootstrap intervals.
    backend
        None (this process), ``"threads"``, ``"processes"`` (joblib), ``"dask"`` (a local
        Dask cluster of ``n_jobs`` workers), a Dask scheduler address (``"tcp://host:8786"``)
        or a ``dask.distributed.Client``.
    n_jobs
        Workers of the joblib backends (default all cores) or of a ``"dask"`` cluster.
    progress
        Show progress bars.
    min_group
        Smallest group (responders or non-responders; at a landmark, among the lines at
        risk there) a variant may have to be selected, as a fraction of the analysis's units
        (default 0.1, as ``maxstat``'s ``minprop``; 0 admits any non-empty group).  Smaller
        groups give unstable, heavy-tailed statistics that would dominate the search; such
        variants stay in the table (``eligible`` False) with their statistics, but are
        never the best, never count in the permutation maximum, and are not selected in
        bootstrap resamples.
    penalty
        ``"firth"``: the Cox fits use Firth's penalised likelihood (vectorised as the
        ordinary fits, :mod:`netsurv.sweep.terms`), so variants with few responders, or none
        with events, get finite hazard ratios; ``lr`` is then the penalised LR statistic.  The
        default (ordinary maximum likelihood) is the fast path.

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
        lines=lines,
        censoring=censoring,
    )
    if len(data.units) == 0:
        raise ConfigError("sweep: no line can be analysed (see the attrition of the cohort)")
    analyses = _analyses(data, analyses_kind, landmark_months)
    variants_frame = pd.DataFrame(
        {
            "criterion": [c.name for c in variants],
            **{ax: [field_value(c, ax) for c in variants] for ax in axes},
            "median_pfs_months": _median_pfs(cohort, mat, data, censoring),
        }
    )
    # the reclassification's transient arrays (every lesion row of every scan, ~1 GB at
    # 100,000 patients) are freed: hand them back before the long resampling
    del mat
    release_memory()
    with open_backend(backend, n_jobs) as workers:  # one Dask cluster for every step
        sel = run_selection(
            analyses,
            variants_frame,
            n_units=len(data.units),
            cluster=pd.factorize(data.units["patient_id"])[0] if line == "all" else None,
            metric=metric,
            ties=ties,
            n_boot=n_boot,
            n_perm=n_perm,
            seed=seed,
            level=level,
            backend=workers,
            n_jobs=n_jobs,
            progress=progress,
            min_group=min_group,
            penalty=penalty,
        )
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
        "penalty": penalty,
        "line": line,
        "censoring": censoring if isinstance(censoring, str) else censoring.name,
        "level": level,
        "min_group": min_group,
    }
    return SweepResult(
        table=sel.table,
        best=sel.best,
        optimism=sel.optimism,
        null_max=sel.null_max,
        boot=sel.boot,
        attrition=data.attrition,
        settings=settings,
    )


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
            GuaranteeTimeBiasWarning,
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


def _median_pfs(
    cohort: Cohort, mat: Any, data: SweepData, censoring: str | CensoringScheme
) -> np.ndarray:
    em = endpoint_matrix(cohort, mat, endpoint="PFS", censoring=censoring)
    pos = pd.MultiIndex.from_frame(em.lines[["patient_id", "line_id"]]).get_indexer(
        pd.MultiIndex.from_frame(data.units[["patient_id", "line_id"]])
    )
    days = em.days[pos] / DAYS_PER_MONTH
    return km_medians(days, em.event[pos])
