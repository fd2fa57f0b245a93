"""Which criterion's response (or progression) predicts the outcome best?

:func:`compare_criteria` puts every criterion on the same units and the same outcome and scores
its status as a predictor, either at a landmark (status as known at L, outcome from L) or as a
time-dependent covariate, by hazard ratio, likelihood-ratio χ² and AIC, Harrell's C, and — at a
landmark, where the status is a baseline marker — Uno's C(τ), cumulative/dynamic AUC at chosen
horizons and the integrated Brier score (scikit-survival's definitions, computed in
:mod:`netsurv.survival._metrics`).  A paired bootstrap resamples patients once per replicate
and evaluates every criterion on that same resample, giving CIs of each metric and of its
difference from a reference criterion.  The outcome may be derived under another criterion
than the status (``outcome_criterion``), and the continuous % change behind the cut-offs can be
scored next to them (``continuous``, :mod:`netsurv.survival.marker`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View
from netsurv.criteria.combined import AnyCriterion
from netsurv.errors import ConfigError
from netsurv.survival import _print_analyses
from netsurv.survival._bootstrap import differences, intervals, paired_bootstrap
from netsurv.survival._compare_frames import (
    analysis_frame,
    check_horizons,
    common_units,
    with_codes,
    with_marker,
)
from netsurv.survival._scoring import LOWER_IS_BETTER, Evaluator, rank_metric
from netsurv.survival._status import (
    ATTRITION,
    STATUS_COLUMN,
    STATUS_LABELS,
    DataArg,
    EndpointsArg,
    LinesArg,
    StatusKind,
    check_lines,
    check_status,
    criterion_names,
    merge_covariates,
    outcome_name,
    resolve_inputs,
    unit_table,
)
from netsurv.survival.cox import Penalty, Ties
from netsurv.survival.landmark import check_penalty
from netsurv.survival.marker import (
    Change,
    ContinuousMarker,
    change_at_landmark,
    definitions,
    marker_name,
    score_marker,
)
from netsurv.sweep.backends import Backend

Method = Literal["landmark", "time_dependent"]
IBS_GRID = 100


@dataclass(frozen=True, repr=False)
class CriteriaComparison(Displayable):
    """Criteria compared as predictors of one outcome.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per criterion, in the order given: ``criterion``, ``n`` (units), ``events``,
        ``n_status`` (units with the status: at the landmark, or ever for the time-dependent
        model), Cox ``hr`` (status 1 vs 0) with ``lower`` / ``upper`` and ``p_value``,
        ``lr_chi2`` (likelihood-ratio χ² of the model), ``aic``, ``harrell_c``, ``uno_c``,
        ``auc_<h>m`` per horizon, ``ibs``, ``rank`` (1 = best by ``rank_by``) and ``note``.
        With ``continuous``, a last row (``criterion`` = the marker's label, e.g. ``"sstv %
        change (rcs, 4 knots)"``) scores the spline model of the % change: no single hazard
        ratio (``hr``, ``lower``, ``upper`` and ``n_status`` empty), ``p_value`` its joint
        likelihood-ratio test, the same metrics and rank.
    intervals : pandas.DataFrame
        Bootstrap percentile CIs of each metric: ``criterion``, ``metric``, ``estimate``,
        ``lower``, ``upper``, ``n_valid`` (replicates where the metric was defined).
    differences : pandas.DataFrame
        Paired differences from the reference criterion: ``criterion``, ``reference``,
        ``metric``, ``difference`` (criterion − reference), bootstrap ``se``, ``lower``,
        ``upper`` and ``n_valid``.
    replicates : pandas.DataFrame
        Every bootstrap value: ``replicate``, ``criterion`` and one column per metric.
    attrition : pandas.DataFrame
        Lines left out, with the reason (not evaluable under every criterion, no measured %
        change for the continuous model, ...).
    settings : dict
        ``outcome``, ``outcome_criterion``, ``method``, ``at_months``, ``status``,
        ``confirm``, ``horizons``, ``tau``, ``n_boot``, ``seed``, ``reference``, ``rank_by``,
        ``conf_level``, ``penalty``, ``continuous`` (the marker's row label or None).
    continuous : ContinuousMarker or None
        The spline model of the continuous % change, its log hazard-ratio curve and the
        cut-offs on it (None without ``continuous``).

    Examples
    --------
    >>> import netsurv as ns
    >>> ns.survival.compare_criteria(ns.load_demo(), criteria=["recist1.1", "choi", "sstv"],
    ...                              at_months=6, n_boot=0, penalty="firth")
    <CriteriaComparison: 3 criteria as predictors of OS (landmark 6 months)>
    status: response; ranked by harrell_c; bootstrap replicates: 0
                 n events n_status      HR lower .95 upper .95      p Harrell C   Uno C      IBS rank
    recist1.1  199    111        1  0.3933  0.003116     2.724  0.439    0.5041  0.5027  0.02784    3
    choi       199    111       63  0.8268  0.539541     1.236  0.360    0.5332  0.5876  0.02777    1
    sstv       199    111        4  0.3743  0.042594     1.356  0.157    0.5140  0.5106  0.02782    2
    1074 rows set aside (see .attrition)
    """

    table: pd.DataFrame
    intervals: pd.DataFrame
    differences: pd.DataFrame
    replicates: pd.DataFrame
    attrition: pd.DataFrame
    settings: dict[str, Any]
    continuous: ContinuousMarker | None = None

    def summary(self) -> pd.DataFrame:
        """One row per criterion with every metric and its rank: a copy of :attr:`table`."""
        return self.table.copy()

    def _view(self) -> View:
        return _print_analyses.comparison_view(self)


def compare_criteria(
    data: DataArg,
    *,
    criteria: Sequence[AnyCriterion | str],
    outcome: str = "OS",
    outcome_criterion: AnyCriterion | str | None = None,
    method: Method = "landmark",
    at_months: float = 6.0,
    status: StatusKind = "response",
    confirm: bool = False,
    horizons: Sequence[float] = (12.0, 24.0),
    tau: float | None = None,
    n_boot: int = 200,
    seed: int = 0,
    reference: AnyCriterion | str | None = None,
    rank_by: str = "harrell_c",
    covariates: Sequence[str] = (),
    endpoints: EndpointsArg = None,
    lines: LinesArg = "first",
    conf_level: float = 0.95,
    ties: Ties = "efron",
    penalty: Penalty = "none",
    continuous: bool | AnyCriterion | str = False,
    knots: int = 4,
    change: Change = "best",
    backend: Backend = None,
    n_jobs: int | None = None,
) -> CriteriaComparison:
    """Rank criteria by how well their status predicts an outcome, with paired bootstrap CIs.

    Parameters
    ----------
    data
        A :class:`~netsurv.Cohort`, or time-point responses (a
        :class:`~netsurv.response.Timepoints` or its ``.table``) with ``endpoints=``.
    criteria
        The criteria (objects or names); with two or more, ``differences`` compares each with
        ``reference``.
    outcome
        Endpoint predicted (``"OS"``; a per-criterion endpoint such as ``"PFS"`` uses each
        criterion's own version unless ``outcome_criterion`` is given).
    outcome_criterion
        A criterion (object or name) under which a per-criterion outcome is derived for every
        compared criterion (e.g. each criterion's early response against PFS under RECIST
        1.1): one outcome, one landmark set.  Lines not evaluable under it are in
        ``attrition``.
    method
        ``"landmark"`` (status as known ``at_months`` after the origin, outcome from then) or
        ``"time_dependent"`` (status as a time-dependent covariate from the origin; Uno's C,
        AUC and IBS are then not defined and left NaN).
    at_months
        The landmark.
    status
        ``"response"`` or ``"progression"``.
    confirm
        Count only confirmed responses.
    horizons
        Months (after the landmark) of the time-dependent AUCs; each must lie within the
        follow-up.
    tau
        Truncation time (months after the landmark) of Uno's C and end of the Brier-score
        grid; default the largest horizon.  The grid runs from the first follow-up time to
        ``tau`` in 100 steps.
    n_boot
        Bootstrap replicates (0: none).  Each replicate resamples patients with replacement
        once and evaluates every criterion on that resample.
    seed
        Seed of the resampling (:func:`numpy.random.default_rng`).
    reference
        AnyCriterion the others are compared with (default: the first).
    rank_by
        Metric of the ``rank`` column: ``"harrell_c"`` (default), ``"uno_c"``, ``"aic"``,
        ``"lr_chi2"``, ``"ibs"`` or an ``"auc_<h>m"`` column (AIC and IBS: lower is better).
    covariates
        Numeric adjustment covariates in every model.
    endpoints
        The endpoints, with time-point input.
    lines
        ``"first"`` line of each patient (default) or ``"all"`` (Cox variances clustered by
        patient; the bootstrap resamples patients with all their lines).
    conf_level
        Level of the hazard-ratio and bootstrap intervals.
    ties
        Cox tie handling.
    penalty
        ``"firth"``: Firth-penalised Cox models (finite hazard ratios when a criterion has
        few responders or none with events); ``hr`` then has its profile penalised-likelihood
        CI and penalised LR ``p_value``, and ``lr_chi2`` / ``aic`` are penalised (bootstrap
        replicates skip the profile CIs they do not use).  Needs ``lines="first"``.
    continuous
        Also score the continuous % change from baseline (as known at the landmark) of a
        criterion's measurement — ``True``: the reference criterion's; or a criterion (object
        or name) — as a restricted cubic spline with ``knots`` knots, on the same units, next
        to the dichotomised criteria (needs ``method="landmark"`` and ``status="response"``);
        see ``CriteriaComparison.continuous`` and :func:`netsurv.plots.log_hr_plot`.
    knots
        Knots of the spline (>= 3; Harrell's default places for 4: quantiles .05, .35, .65,
        .95 of the analysed changes; :func:`netsurv.survival.spline.rcs_knots`).
    change
        ``"best"``: the smallest % change on the scans up to the landmark (the continuous
        counterpart of "responded by then"); ``"last"``: that of the last scan before it.
    backend, n_jobs
        Where the bootstrap replicates are scored, as the threshold sweep's
        (:func:`netsurv.sweep.backends.run_tasks`: None in this process, ``"processes"``,
        ``"dask"``, a scheduler address or a Dask client): the resamples are drawn from
        ``seed`` before they are sent, so the results are the same on every backend.

    Returns
    -------
    CriteriaComparison

    Notes
    -----
    Only units evaluable under every criterion are compared (AIC and the C-indices are then
    on the same units); the others are in ``attrition``; with ``continuous`` also only units
    with a measured change by the landmark.  With a criterion-free outcome (OS) or an
    ``outcome_criterion`` the landmark set is the same for every criterion.  Harrell's C is
    that of the Cox linear predictor (R ``coxph``'s ``concordance``; for the time-dependent
    model, with the covariate value current at each event time).  Uno's C, AUC and IBS use
    the linear predictor and Breslow's baseline hazard of a Cox model fitted on the same data
    (apparent performance; no optimism correction).

    Examples
    --------
    >>> import netsurv as ns
    >>> cmp = ns.survival.compare_criteria(ns.load_demo(), criteria=["recist1.1", "choi"],
    ...                                    at_months=3, horizons=[18], n_boot=0)
    >>> cmp.table[["criterion", "n", "n_status", "note"]]
       criterion    n  n_status                                    note
    0  recist1.1  199         0  all units in one group (non-responder)
    1       choi  199        38

    The continuous SST-PET volume change by 12 months (SST-PET is yearly here) next to its
    −40 % cut-off:

    >>> cmp = ns.survival.compare_criteria(ns.load_demo(), criteria=["sstv"], continuous=True,
    ...                                    at_months=12, horizons=[24], n_boot=0)
    >>> list(cmp.table["criterion"]), cmp.continuous.cutoffs["cutoff_pct"].tolist()
    (['sstv', 'sstv % change (rcs, 4 knots)'], [-40.0])
    """
    check_status(status)
    check_lines(lines)
    check_penalty(penalty, lines)
    if method not in ("landmark", "time_dependent"):
        raise ConfigError(f"method must be 'landmark' or 'time_dependent', got {method!r}")
    names = criterion_names(criteria)
    if len(set(names)) != len(names):
        raise ConfigError(f"criteria must be distinct, got {names}")
    ref = names[0] if reference is None else criterion_names(reference)[0]
    if ref not in names:
        raise ConfigError(f"reference {ref!r} is not among the criteria {names}")
    h = np.asarray(list(horizons), dtype=float)
    if h.size == 0 or not (np.isfinite(h) & (h > 0)).all():
        raise ConfigError(f"horizons must be > 0, got {list(h)}")
    tau_ = float(h.max() if tau is None else tau)
    if not tau_ > 0:
        raise ConfigError(f"tau must be > 0, got {tau!r}")
    auc_cols = [f"auc_{x:g}m" for x in h]
    metrics = ["lr_chi2", "aic", "harrell_c", "uno_c", *auc_cols, "ibs"]
    if rank_by not in metrics:
        raise ConfigError(f"rank_by must be one of {metrics}, got {rank_by!r}")
    if n_boot < 0:
        raise ConfigError(f"n_boot must be >= 0, got {n_boot!r}")
    if not 0 < conf_level < 1:
        raise ConfigError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    marker = marker_name(continuous, ref, method=method, status=status, knots=knots, change=change)
    oc = outcome_name(outcome_criterion)
    extra = [c for c in (outcome_criterion, continuous) if isinstance(c, AnyCriterion | str)]
    wanted = [*criteria, *extra]
    inputs = resolve_inputs(data, criteria=wanted, outcomes=[outcome], endpoints=endpoints)
    unit_names = [*names, *([marker] if marker and marker not in names else [])]
    per: dict[str, pd.DataFrame] = {}
    lost = []
    for name in unit_names:
        per[name], att = unit_table(
            inputs,
            criterion=name,
            outcome=outcome,
            status=status,
            confirm=confirm,
            lines=lines,
            stage="compare",
            outcome_criterion=oc,
        )
        lost.append(att)
    units, att = common_units(per)
    lost.append(att)
    if marker:
        values = change_at_landmark(
            inputs,
            units[marker],
            criterion=marker,
            outcome=outcome,
            outcome_criterion=oc or marker,
            at=at_months,
            change=change,
        )
        units, att = with_marker(units, values, at=at_months, marker=marker)
        lost.append(att)
    scol = STATUS_COLUMN[status]
    frames = {}
    for name in unit_names:
        u = merge_covariates(
            units[name], covariates, endpoints=inputs.endpoints, patients=inputs.patients
        )
        frames[name] = analysis_frame(u, method=method, at=at_months, scol=scol)
    frames = with_codes(frames)
    first = frames[names[0]]
    if method == "landmark":
        check_horizons(first, h, tau_)
    common: dict[str, Any] = {
        "labels": STATUS_LABELS[status],
        "covariates": list(covariates),
        "horizons": h,
        "auc_cols": auc_cols,
        "tau": tau_,
        "grid": np.linspace(float(first["time"].min()), tau_, IBS_GRID),
        "method": method,
        "ties": ties,
        "cluster": lines == "all",
        "conf_level": conf_level,
        "penalty": penalty,
    }
    evaluators = {n: Evaluator(predictors=[scol], status=scol, **common) for n in names}
    rows = [{"criterion": n, **evaluators[n](frames[n], record_errors=True)} for n in names]
    scored = {n: frames[n] for n in names}
    spline = None
    if marker:
        spline, ev, f = score_marker(
            frames[marker],
            values,
            marker=marker,
            knots=knots,
            change=change,
            at_months=at_months,
            evaluator=dict(common),
            definitions=definitions(criteria, continuous, names, marker, inputs),
        )
        evaluators[spline.label], scored[spline.label] = ev, f
        rows.append({"criterion": spline.label, **ev(f, record_errors=True)})
    table = pd.DataFrame(rows)
    table["n_status"] = table["n_status"].astype("Int64")
    table["rank"] = rank_metric(table[rank_by], lower_better=rank_by in LOWER_IS_BETTER)
    labels = list(scored)
    # a replicate copies rows: only the columns each evaluator reads
    slim = {n: f[list(dict.fromkeys(evaluators[n].columns()))] for n, f in scored.items()}
    reps = paired_bootstrap(
        slim,
        evaluators,
        names=labels,
        n_boot=n_boot,
        seed=seed,
        metrics=metrics,
        backend=backend,
        n_jobs=n_jobs,
        constant=[n for n in labels if evaluators[n].constant(scored[n])],
        rows=evaluators[names[0]].rows(),
    )
    alpha = (1 - conf_level) / 2
    cis = intervals(table, reps, metrics, labels, alpha)
    diffs = differences(table, reps, metrics, labels, ref, alpha)
    cols = [
        "criterion",
        "n",
        "events",
        "n_status",
        "hr",
        "lower",
        "upper",
        "p_value",
        *metrics,
        "rank",
        "note",
    ]
    attrition = pd.concat(lost, ignore_index=True).reindex(columns=ATTRITION)
    return CriteriaComparison(
        table=table[cols],
        intervals=cis,
        differences=diffs,
        replicates=reps,
        attrition=attrition.drop_duplicates(ignore_index=True),
        settings={
            "outcome": outcome,
            "outcome_criterion": oc,
            "method": method,
            "at_months": at_months if method == "landmark" else None,
            "status": status,
            "confirm": confirm,
            "horizons": h.tolist(),
            "tau": tau_,
            "n_boot": n_boot,
            "seed": seed,
            "reference": ref,
            "rank_by": rank_by,
            "conf_level": conf_level,
            "penalty": penalty,
            "continuous": None if spline is None else spline.label,
        },
        continuous=spline,
    )
