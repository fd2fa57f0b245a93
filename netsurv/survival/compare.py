"""Which criterion's response (or progression) predicts the outcome best?

:func:`compare_criteria` puts every criterion on the same units and the same outcome and scores
its status as a predictor, either at a landmark (status as known at L, outcome from L) or as a
time-dependent covariate, by hazard ratio, likelihood-ratio χ² and AIC, Harrell's C, and — at a
landmark, where the status is a baseline marker — Uno's C(τ), cumulative/dynamic AUC at chosen
horizons and the integrated Brier score (scikit-survival; conventions in
:mod:`netsurv.survival._metrics`).  A paired bootstrap resamples patients once per replicate
and evaluates every criterion on that same resample, giving CIs of each metric and of its
difference from a reference criterion.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from netsurv.criteria.combined import AnyCriterion
from netsurv.errors import ConfigError
from netsurv.survival._bootstrap import differences, intervals, paired_bootstrap
from netsurv.survival._coxfit import CoxConvergenceWarning
from netsurv.survival._metrics import breslow_survival, ibs, td_auc, uno_c
from netsurv.survival._status import (
    ATTRITION,
    KEY,
    STATUS_COLUMN,
    STATUS_LABELS,
    DataArg,
    EndpointsArg,
    LinesArg,
    StatusKind,
    attrition_frame,
    check_lines,
    check_status,
    criterion_names,
    merge_covariates,
    resolve_inputs,
    unit_table,
)
from netsurv.survival.counting import to_start_stop
from netsurv.survival.cox import Penalty, Ties, cox
from netsurv.survival.landmark import check_penalty, landmark_data

Method = Literal["landmark", "time_dependent"]
#: Metrics where a smaller value is better.
LOWER_IS_BETTER = ("aic", "ibs")
IBS_GRID = 100


@dataclass(frozen=True)
class CriteriaComparison:
    """Criteria compared as predictors of one outcome.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per criterion, in the order given: ``criterion``, ``n`` (units), ``events``,
        ``n_status`` (units with the status: at the landmark, or ever for the time-dependent
        model), Cox ``hr`` (status 1 vs 0) with ``lower`` / ``upper`` and ``p_value``,
        ``lr_chi2`` (likelihood-ratio χ² of the model), ``aic``, ``harrell_c``, ``uno_c``,
        ``auc_<h>m`` per horizon, ``ibs``, ``rank`` (1 = best by ``rank_by``) and ``note``.
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
        Lines left out, with the reason (not evaluable under every criterion, ...).
    settings : dict
        ``outcome``, ``method``, ``at_months``, ``status``, ``confirm``, ``horizons``,
        ``tau``, ``n_boot``, ``seed``, ``reference``, ``rank_by``, ``conf_level``,
        ``penalty``.
    """

    table: pd.DataFrame
    intervals: pd.DataFrame
    differences: pd.DataFrame
    replicates: pd.DataFrame
    attrition: pd.DataFrame
    settings: dict[str, Any]


def compare_criteria(
    data: DataArg,
    *,
    criteria: Sequence[AnyCriterion | str],
    outcome: str = "OS",
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
        criterion's own version).
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
        Criterion the others are compared with (default: the first).
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

    Returns
    -------
    CriteriaComparison

    Notes
    -----
    Only units evaluable under every criterion are compared (AIC and the C-indices are then
    on the same units); the others are in ``attrition``.  With a criterion-free outcome (OS)
    the landmark set is the same for every criterion.  Harrell's C is that of the Cox linear
    predictor (R ``coxph``'s ``concordance``; for the time-dependent model, with the covariate
    value current at each event time).  Uno's C, AUC and IBS use the linear predictor and
    Breslow's baseline hazard of a Cox model fitted on the same data (apparent performance;
    no optimism correction).

    Examples
    --------
    >>> import netsurv as ns
    >>> cmp = ns.survival.compare_criteria(ns.load_demo(), criteria=["recist1.1", "choi"],
    ...                                    at_months=3, horizons=[18], n_boot=0)
    >>> cmp.table[["criterion", "n", "n_status", "note"]]
       criterion    n  n_status                                    note
    0  recist1.1  199         0  all units in one group (non-responder)
    1       choi  199        38
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

    inputs = resolve_inputs(data, criteria=criteria, outcomes=[outcome], endpoints=endpoints)
    per: dict[str, pd.DataFrame] = {}
    lost = []
    for name in names:
        u, att = unit_table(
            inputs,
            criterion=name,
            outcome=outcome,
            status=status,
            confirm=confirm,
            lines=lines,
            stage="compare",
        )
        per[name] = u
        lost.append(att)
    units, att = _common_units(per)
    lost.append(att)
    scol = STATUS_COLUMN[status]
    frames = {}
    for name in names:
        u = merge_covariates(
            units[name], covariates, endpoints=inputs.endpoints, patients=inputs.patients
        )
        frames[name] = _analysis_frame(u, method=method, at=at_months, scol=scol)
    first = frames[names[0]]
    if method == "landmark":
        _check_horizons(first, h, tau_)
    grid = np.linspace(float(first["time"].min()), tau_, IBS_GRID)
    ev = _Evaluator(
        scol=scol,
        labels=STATUS_LABELS[status],
        covariates=list(covariates),
        horizons=h,
        auc_cols=auc_cols,
        tau=tau_,
        grid=grid,
        method=method,
        ties=ties,
        cluster=lines == "all",
        conf_level=conf_level,
        penalty=penalty,
    )
    rows = [{"criterion": n, **ev(frames[n], record_errors=True)} for n in names]
    table = pd.DataFrame(rows)
    table["rank"] = _rank(table[rank_by], lower_better=rank_by in LOWER_IS_BETTER)
    reps = paired_bootstrap(frames, ev, names=names, n_boot=n_boot, seed=seed, metrics=metrics)
    alpha = (1 - conf_level) / 2
    cis = intervals(table, reps, metrics, names, alpha)
    diffs = differences(table, reps, metrics, names, ref, alpha)
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
    return CriteriaComparison(
        table=table[cols],
        intervals=cis,
        differences=diffs,
        replicates=reps,
        attrition=pd.concat(lost, ignore_index=True).reindex(columns=ATTRITION),
        settings={
            "outcome": outcome,
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
        },
    )


def _common_units(per: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Keep the units evaluable under every criterion, in one shared order."""
    names = list(per)
    present = pd.concat(
        [u[KEY].assign(_c=n) for n, u in per.items()], ignore_index=True
    ).pivot_table(index=KEY, columns="_c", aggfunc="size", fill_value=0)
    present = present.reindex(columns=names, fill_value=0) > 0
    keep = present.all(axis=1)
    if not keep.any():
        raise ConfigError("no unit is evaluable under every criterion compared")
    lost = present[~keep]
    missing = [", ".join(np.array(names)[~row]) for row in lost.to_numpy()]
    rows = lost.index.to_frame(index=False).assign(criterion=missing)
    att = attrition_frame(
        rows,
        stage="compare (common units)",
        reason=pd.Series(
            [f"not evaluable under {m} (criteria are compared on common units)" for m in missing]
        ),
    )
    order = present[keep].index.to_frame(index=False)
    return {n: order.merge(u, on=KEY, how="left") for n, u in per.items()}, att


def _analysis_frame(u: pd.DataFrame, *, method: str, at: float, scol: str) -> pd.DataFrame:
    """Rows a model uses, with integer patient codes for the bootstrap (sorted by patient)."""
    u = u.drop(columns=["reason", "status_date", "origin_date"])
    if method == "landmark":
        f = landmark_data(
            u,
            at=at,
            duration_col="time",
            event_col="event",
            status_time_col="status_time",
            status_col=scol,
        )
    else:
        f = to_start_stop(
            u,
            duration_col="time",
            event_col="event",
            status_time_col="status_time",
            status_col=scol,
        ).rename(columns={"stop": "time"})
    codes, _ = pd.factorize(f["patient_id"], sort=True)
    unit = pd.MultiIndex.from_frame(f[KEY])
    f = f.assign(_patient=codes, _unit=pd.factorize(unit)[0])
    f = f.sort_values("_patient", kind="stable")
    return f.reset_index(drop=True)


def _check_horizons(frame: pd.DataFrame, horizons: np.ndarray, tau: float) -> None:
    t = frame["time"].to_numpy()
    if t.size == 0:
        raise ConfigError("nobody is at risk at the landmark")
    last = float(t.max())
    bad = [float(x) for x in horizons if not t.min() <= x < last]
    if bad:
        raise ConfigError(
            f"horizons {bad} are outside the follow-up after the landmark "
            f"([{t.min():.3g}, {last:.3g}) months)"
        )
    if tau >= last:
        raise ConfigError(f"tau {tau:g} must be below the last follow-up time {last:.3g}")


@dataclass(frozen=True)
class _Evaluator:
    """Fits the Cox model of one criterion on some rows and computes every metric."""

    scol: str
    labels: tuple[str, str]
    covariates: list[str]
    horizons: np.ndarray
    auc_cols: list[str]
    tau: float
    grid: np.ndarray
    method: str
    ties: Ties
    cluster: bool
    conf_level: float
    penalty: Penalty = "none"

    def __call__(self, f: pd.DataFrame, *, record_errors: bool = False) -> dict[str, Any]:
        x = f[self.scol].to_numpy()
        out: dict[str, Any] = {
            "n": int(f["_unit"].nunique()),
            "events": int(f["event"].sum()),
            "n_status": int(f.loc[x == 1, "_unit"].nunique()),
            "note": "",
        }
        nan = dict.fromkeys(["hr", "lower", "upper", "p_value", "lr_chi2", "aic"], np.nan)
        out |= nan | {"harrell_c": np.nan, "uno_c": np.nan, "ibs": np.nan}
        out |= dict.fromkeys(self.auc_cols, np.nan)
        if x.min() == x.max():
            out["note"] = f"all units in one group ({self.labels[int(x.max())]})"
            return out
        try:
            with warnings.catch_warnings():
                if not record_errors:
                    warnings.simplefilter("ignore", CoxConvergenceWarning)
                fit = cox(
                    f,
                    covariates=[self.scol, *self.covariates],
                    duration_col="time",
                    event_col="event",
                    start_col="start" if self.method == "time_dependent" else None,
                    ties=self.ties,
                    cluster_col="patient_id" if self.cluster else None,
                    conf_level=self.conf_level,
                    penalty=self.penalty,
                    # replicates use only the estimate: no profile CIs there
                    conf_int=None if record_errors or self.penalty == "none" else "wald",
                )
        except ConfigError as err:
            out["note"] = f"Cox model not fitted: {err}"
            return out
        c = fit.coefficients.loc[self.scol]
        out |= {"hr": c["exp_coef"], "lower": c["lower"], "upper": c["upper"], "p_value": c["p"]}
        out |= {"lr_chi2": fit.tests.loc["likelihood_ratio", "statistic"], "aic": fit.aic}
        out["harrell_c"] = fit.concordance
        if not fit.converged:
            out["note"] = "Cox estimate diverges (no events in one group); try penalty='firth'"
        if self.method == "landmark":
            cols = [self.scol, *self.covariates]
            lp = f[cols].to_numpy(dtype=float) @ fit.coefficients["coef"].to_numpy()
            t, e = f["time"].to_numpy(), f["event"].to_numpy()
            out["uno_c"] = uno_c(t, e, lp, tau=self.tau)
            out |= dict(zip(self.auc_cols, td_auc(t, e, lp, self.horizons), strict=True))
            out["ibs"] = ibs(t, e, breslow_survival(t, e, lp, self.grid), self.grid)
        return out


def _rank(values: pd.Series, *, lower_better: bool) -> pd.Series:
    v = -values if not lower_better else values
    return v.rank(method="min", na_option="keep").astype("Int64")
