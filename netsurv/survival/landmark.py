"""Landmark analyses: status as known at a landmark, outcome from the landmark on.

Comparing responders with non-responders from the start of treatment favours responders, who
must survive until the scan that shows their response (guarantee-time bias, Anderson et al.
1983).  A landmark analysis fixes a time L after the origin, keeps the units still alive and
at risk at L, classifies them by their status *as known at L* and measures the outcome from L
(the clock is reset).  Several landmarks can be analysed at once, and the landmark sets stacked
into one "super-landmark" Cox model (van Houwelingen 2007) stratified by landmark, with a
robust variance clustered by patient.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View
from netsurv.criteria.combined import AnyCriterion
from netsurv.errors import ConfigError
from netsurv.survival import _print_analyses
from netsurv.survival._curve import ConfType
from netsurv.survival._status import (
    ATTRITION,
    STATUS_COLUMN,
    DataArg,
    EndpointsArg,
    LinesArg,
    StatusKind,
    analysis_units,
    check_lines,
    check_status,
    outcome_name,
    status_groups,
)
from netsurv.survival.cox import CoxResult, Penalty, Ties, cox
from netsurv.survival.km import KaplanMeierResult, kaplan_meier
from netsurv.survival.landmark_sets import landmark_data, lost_before
from netsurv.survival.logrank import LogrankResult, logrank

SUMMARY_COLUMNS = [
    "landmark",
    "n",
    "events",
    "n_status",
    "events_status",
    "hr",
    "lower",
    "upper",
    "p_value",
    "logrank_chi2",
    "logrank_p",
    "median_status",
    "median_other",
    "note",
]


@dataclass(frozen=True, repr=False)
class LandmarkResult(Displayable):
    """Landmark analyses of one criterion's status for one outcome.

    Attributes
    ----------
    data : pandas.DataFrame
        The landmark sets, stacked: ``landmark``, ``patient_id``, ``line_id``, ``criterion``,
        ``origin_date``, ``time`` (months since the landmark), ``event``, the 0/1 status column
        (``responder`` or ``progressed``), ``group`` (its label), ``status_time`` (months from
        origin to when the status became known) and any covariates.
    table : pandas.DataFrame
        One row per landmark: ``n``, ``events``, ``n_status`` / ``events_status`` (units with
        the status and their events), Cox ``hr`` with ``lower`` / ``upper`` and Wald
        ``p_value`` (status 1 vs 0, adjusted for the covariates; with ``penalty="firth"`` the
        Firth estimate, its profile penalised-likelihood CI and penalised LR p), ``logrank_chi2`` /
        ``logrank_p``, KM medians of both groups and a ``note`` when a model could not be fitted
        (e.g. nobody had responded yet).
    km, logrank, cox : dict
        By landmark: the :class:`KaplanMeierResult` of both groups, the
        :class:`LogrankResult` and the :class:`CoxResult` (landmarks where a test or model
        cannot be computed are absent; see ``table.note``).
    stacked : CoxResult or None
        The super-landmark model: all landmark sets stacked, Cox stratified by landmark, robust
        variance clustered by patient (None if no landmark set could be fitted).
    units : pandas.DataFrame
        Every analysed unit before landmark selection (outcome from origin, ``status_time``).
    attrition : pandas.DataFrame
        Lines left out, with the reason: not evaluable under the criterion, not the first line,
        and per landmark, event or censoring before the landmark.
    criterion, outcome, status : str
        What was analysed; ``status_column`` is ``"responder"`` or ``"progressed"``.
    outcome_criterion : str or None
        The criterion the outcome was derived under when it is not ``criterion`` (e.g. PFS
        under SST-PET volume, response under RECIST 1.1); None: the same criterion.
    confirm : bool
        Whether responses had to be confirmed.
    horizon_months : float or None
        Follow-up kept after each landmark.
    penalty : str
        ``"none"`` or ``"firth"`` (the per-landmark Cox models).

    Examples
    --------
    >>> import netsurv as ns
    >>> ns.survival.landmark(ns.load_demo(), criterion="choi", at_months=[3, 6])
    <LandmarkResult: choi response at 3, 6 months, outcome OS>
    confirmed: False; penalty: none
            n events responders      HR lower .95 upper .95      p logrank p
    3 mo  199    111         38  0.6530    0.3891     1.096  0.107     0.104
    6 mo  199    111         63  0.8188    0.5403     1.241  0.346     0.344
    super-landmark (stratified by landmark, robust): HR= 0.747 (0.492–1.13), p= 0.171
    360 rows set aside (see .attrition)
    """

    data: pd.DataFrame
    table: pd.DataFrame
    km: dict[float, KaplanMeierResult]
    logrank: dict[float, LogrankResult]
    cox: dict[float, CoxResult]
    stacked: CoxResult | None
    units: pd.DataFrame
    attrition: pd.DataFrame
    criterion: str
    outcome: str
    status: str
    status_column: str
    confirm: bool
    horizon_months: float | None
    penalty: str = "none"
    outcome_criterion: str | None = None

    def summary(self) -> pd.DataFrame:
        """One row per landmark (n, events, the status group, HR, log-rank test, medians): a copy
        of :attr:`table`.
        """
        return self.table.copy()

    def _view(self) -> View:
        return _print_analyses.landmark_view(self)


def landmark(
    data: DataArg,
    *,
    criterion: AnyCriterion | str,
    at_months: float | Sequence[float] = (3, 6, 9, 12),
    outcome: str = "OS",
    outcome_criterion: AnyCriterion | str | None = None,
    status: StatusKind = "response",
    confirm: bool = False,
    horizon_months: float | None = None,
    covariates: Sequence[str] = (),
    endpoints: EndpointsArg = None,
    lines: LinesArg = "first",
    conf_type: ConfType = "log",
    ties: Ties = "efron",
    penalty: Penalty = "none",
) -> LandmarkResult:
    """Landmark analysis of response (or progression) under a criterion and an outcome.

    Parameters
    ----------
    data
        A :class:`~netsurv.Cohort` (classified and endpoints derived here with the defaults of
        :func:`netsurv.derive_endpoints`), or time-point responses already computed (a
        :class:`~netsurv.response.Timepoints` or its ``.table``) with ``endpoints=``.
    criterion
        The response criterion (object or name).
    at_months
        Landmark(s), months after the endpoint's origin.
    outcome
        Endpoint analysed from the landmark (``"OS"``, or e.g. ``"PFS"``, whose progression
        is judged by the same criterion unless ``outcome_criterion`` is given).
    outcome_criterion
        Another criterion (object or name) under which a per-criterion outcome (PFS, TTP,
        DoR) is derived: the status under ``criterion`` at the landmark against, e.g., PFS
        under this one (early volume response against RECIST progression).  Lines not
        evaluable under either criterion are in ``attrition``.
    status
        ``"response"`` (CR/PR by the landmark) or ``"progression"`` (PD by the landmark).
    confirm
        Count only responses confirmed by the landmark (the confirming scan dated on or
        before it).
    horizon_months
        Optional follow-up window after each landmark (outcomes later are censored).
    covariates
        Numeric adjustment covariates for the Cox models, looked up in the endpoints table,
        then in the cohort's patients table.
    endpoints
        The endpoints, with time-point input.
    lines
        ``"first"`` (each patient's first line in the endpoints table; default) or ``"all"``
        (every line a unit; Cox variances are then robust, clustered by patient).
    conf_type
        KM confidence-interval transform (see :func:`kaplan_meier`).
    ties
        Cox tie handling.
    penalty
        ``"firth"``: the per-landmark Cox models use Firth's penalised likelihood (finite
        hazard ratios with profile CIs when responders are few or have no events; needs
        ``lines="first"``).  The stacked super-landmark model stays an ordinary Cox model with
        its clustered robust variance.

    Returns
    -------
    LandmarkResult

    Notes
    -----
    A unit is in the landmark set at L when its outcome time is > L (an event or a censoring
    at exactly L is before the landmark).  The status is as known at L: a response (or its
    confirmation, or a PD) on a scan whose time on the outcome's scale is <= L; see
    :mod:`netsurv.survival._status` for how status dates are found.

    Examples
    --------
    >>> import netsurv as ns
    >>> res = ns.survival.landmark(ns.load_demo(), criterion="recist1.1", at_months=3)
    >>> res.data[["landmark", "patient_id", "time", "event", "responder"]].round(2).head(3)
       landmark patient_id   time  event  responder
    0       3.0      P0001  99.64      1          0
    1       3.0      P0002  79.43      1          0
    2       3.0      P0003  38.13      0          0
    >>> res.table.loc[0, "note"]
    'all units in one group (non-responder)'
    """
    check_status(status)
    check_lines(lines)
    check_penalty(penalty, lines)
    name, units, att = analysis_units(
        data,
        criterion,
        outcome=outcome,
        status=status,
        confirm=confirm,
        lines=lines,
        covariates=covariates,
        endpoints=endpoints,
        stage="landmark",
        outcome_criterion=outcome_criterion,
    )
    return landmark_from_units(
        units,
        att,
        criterion=name,
        outcome=outcome,
        status=status,
        confirm=confirm,
        at_months=at_months,
        horizon_months=horizon_months,
        covariates=covariates,
        lines=lines,
        conf_type=conf_type,
        ties=ties,
        penalty=penalty,
        outcome_criterion=outcome_name(outcome_criterion),
    )


def check_penalty(penalty: str, lines: str) -> None:
    """Firth's penalty has no clustered (robust) variance, which ``lines="all"`` needs."""
    if penalty not in ("none", "firth"):
        raise ConfigError(f"penalty must be 'none' or 'firth', got {penalty!r}")
    if penalty == "firth" and lines == "all":
        raise ConfigError(
            "penalty='firth' needs lines='first': with every line a unit the Cox variance is "
            "clustered by patient (robust), which the penalised fit does not provide"
        )


def landmark_from_units(
    units: pd.DataFrame,
    attrition: pd.DataFrame,
    *,
    criterion: str,
    outcome: str,
    status: StatusKind,
    confirm: bool,
    at_months: float | Sequence[float],
    horizon_months: float | None,
    covariates: Sequence[str],
    lines: LinesArg,
    conf_type: ConfType,
    ties: Ties,
    penalty: Penalty = "none",
    outcome_criterion: str | None = None,
) -> LandmarkResult:
    """:func:`landmark` on a unit table already built (see :mod:`netsurv.survival._status`)."""
    name, att = criterion, attrition
    scol = STATUS_COLUMN[status]
    marks = np.atleast_1d(np.asarray(at_months, dtype=float))
    sets = landmark_data(
        units,
        at=marks.tolist(),
        duration_col="time",
        event_col="event",
        status_time_col="status_time",
        status_col=scol,
        horizon=horizon_months,
    )
    sets["group"] = status_groups(sets[scol].to_numpy(), status)
    front = ["landmark", "patient_id", "line_id", "criterion", "origin_date", "time", "event"]
    rest = [c for c in sets.columns if c not in (*front, scol, "group", "status_date", "reason")]
    sets = sets[[*front, scol, "group", *rest]].reset_index(drop=True)
    lost = [att, *(lost_before(units, float(lm), outcome) for lm in marks)]

    kms: dict[float, KaplanMeierResult] = {}
    lrs: dict[float, LogrankResult] = {}
    coxes: dict[float, CoxResult] = {}
    rows = []
    cluster = "patient_id" if lines == "all" else None
    for lm in marks:
        s = sets[sets["landmark"] == lm]
        row, km, lr, fit = _analyse(
            s, lm, scol, list(covariates), conf_type, ties, cluster, penalty
        )
        rows.append(row)
        if km is not None:
            kms[float(lm)] = km
        if lr is not None:
            lrs[float(lm)] = lr
        if fit is not None:
            coxes[float(lm)] = fit
    stacked = None
    if coxes:
        fitted = sets[sets["landmark"].isin(list(coxes))]
        stacked = cox(
            fitted,
            covariates=[scol, *covariates],
            duration_col="time",
            event_col="event",
            strata="landmark",
            cluster_col="patient_id",
            ties=ties,
        )
    return LandmarkResult(
        data=sets,
        table=pd.DataFrame(rows, columns=SUMMARY_COLUMNS),
        km=kms,
        logrank=lrs,
        cox=coxes,
        stacked=stacked,
        units=units,
        attrition=pd.concat(lost, ignore_index=True).reindex(columns=[*ATTRITION, "landmark"]),
        criterion=name,
        outcome=outcome,
        status=status,
        status_column=scol,
        confirm=confirm,
        horizon_months=horizon_months,
        penalty=penalty,
        outcome_criterion=None if outcome_criterion == criterion else outcome_criterion,
    )


def _analyse(
    s: pd.DataFrame,
    lm: float,
    scol: str,
    covariates: list[str],
    conf_type: ConfType,
    ties: Ties,
    cluster: str | None,
    penalty: Penalty,
) -> tuple[dict[str, Any], KaplanMeierResult | None, LogrankResult | None, CoxResult | None]:
    """KM, log-rank and Cox on one landmark set; what cannot be computed is noted."""
    n_status = int(s[scol].sum())
    row: dict[str, Any] = {
        "landmark": float(lm),
        "n": len(s),
        "events": int(s["event"].sum()),
        "n_status": n_status,
        "events_status": int(s.loc[s[scol] == 1, "event"].sum()),
        "note": "",
    }
    if s.empty:
        row["note"] = "nobody at risk at the landmark"
        return row, None, None, None
    km = kaplan_meier(s, duration_col="time", event_col="event", by="group", conf_type=conf_type)
    med = dict(zip(km.medians["group"], km.medians["median"], strict=True))
    labels = list(s["group"].cat.categories)
    row["median_status"] = med.get(labels[1], np.nan)
    row["median_other"] = med.get(labels[0], np.nan)
    if n_status in (0, len(s)):
        row["note"] = f"all units in one group ({labels[int(n_status > 0)]})"
        return row, km, None, None
    lr = logrank(s, by=scol, duration_col="time", event_col="event")
    row["logrank_chi2"], row["logrank_p"] = lr.chi2, lr.p_value
    if row["events"] == 0:
        row["note"] = "no events after the landmark"
        return row, km, lr, None
    try:
        fit = cox(
            s,
            covariates=[scol, *covariates],
            duration_col="time",
            event_col="event",
            ties=ties,
            cluster_col=cluster,
            penalty=penalty,
        )
    except ConfigError as err:
        row["note"] = f"Cox model not fitted: {err}"
        return row, km, lr, None
    coef = fit.coefficients.loc[scol]
    row.update(hr=coef["exp_coef"], lower=coef["lower"], upper=coef["upper"], p_value=coef["p"])
    if not fit.converged:
        row["note"] = (
            "Firth estimate did not converge"
            if penalty == "firth"
            else "Cox estimate diverges (no events in one group); try penalty='firth'"
        )
    elif penalty == "firth":
        row["note"] = "Firth-penalised Cox, profile-likelihood CI"
    return row, km, lr, fit
