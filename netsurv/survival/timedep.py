"""Response or progression as a time-dependent covariate: Cox, Mantel–Byar, Simon–Makuch.

A unit contributes to the "no status" group from the origin until its status (e.g. response)
becomes known and to the "status" group from then on, so nobody is credited with survival they
needed to show the status — the time-dependent alternative to a landmark analysis.  The
(start, stop] rows, the Mantel–Byar test and the Simon–Makuch curves are in
:mod:`netsurv.survival.counting`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
from netsurv.survival.counting import mantel_byar, simon_makuch, to_start_stop
from netsurv.survival.cox import CoxResult, Penalty, Ties, cox
from netsurv.survival.km import KaplanMeierResult
from netsurv.survival.landmark import check_penalty
from netsurv.survival.logrank import LogrankResult


@dataclass(frozen=True, repr=False)
class TimeDependentResult(Displayable):
    """A criterion's response (or progression) as a time-dependent covariate for an outcome.

    Attributes
    ----------
    data : pandas.DataFrame
        The (start, stop] rows (months from origin): ``patient_id``, ``line_id``,
        ``criterion``, ``start``, ``stop``, ``event``, the status column (``responder`` or
        ``progressed``), ``group`` (its label), ``status_time`` and any covariates.
    cox : CoxResult
        Cox model on the rows (status and covariates).
    mantel_byar : LogrankResult
        The Mantel–Byar test of the status (unadjusted).
    simon_makuch : KaplanMeierResult
        Simon–Makuch curves of both groups (drawable with :func:`netsurv.plots.km_plot`).
    units, attrition : pandas.DataFrame
        The analysed units (one row each) and the lines left out, with the reason.
    criterion, outcome, status, status_column : str
        What was analysed.
    confirm : bool
        Whether responses had to be confirmed (the status then starts at the confirming scan).
    penalty : str
        ``"none"`` or ``"firth"`` (the Cox model).
    outcome_criterion : str or None
        The criterion of the outcome when it is not ``criterion`` (None: the same).

    Examples
    --------
    >>> import netsurv as ns
    >>> ns.survival.time_dependent_cox(ns.load_demo(), criterion="choi")
    <TimeDependentResult: choi response (time-dependent) -> OS, n= 200, number of events= 111>
    confirmed: False; 292 (start, stop] rows
                  coef exp(coef) se(coef)       z      p lower .95 upper .95
    responder  -0.2804    0.7555    0.194  -1.445  0.148    0.5165     1.105
    Likelihood ratio test= 2.12  on 1 df,   p=0.146
    Wald test            = 2.09  on 1 df,   p=0.148
    Score (logrank) test = 2.10  on 1 df,   p=0.147
    Mantel–Byar: Chisq= 2.11  on 1 df, p= 0.147
    358 rows set aside (see .attrition)
    """

    data: pd.DataFrame
    cox: CoxResult
    mantel_byar: LogrankResult
    simon_makuch: KaplanMeierResult
    units: pd.DataFrame
    attrition: pd.DataFrame
    criterion: str
    outcome: str
    status: str
    status_column: str
    confirm: bool
    penalty: str = "none"
    outcome_criterion: str | None = None

    def summary(self) -> pd.DataFrame:
        """The Cox coefficients of the time-dependent status and covariates
        (:meth:`CoxResult.summary` of :attr:`cox`); the Mantel–Byar test is
        :attr:`mantel_byar`.
        """
        return self.cox.summary()

    def _view(self) -> View:
        return _print_analyses.timedep_view(self)


def time_dependent_cox(
    data: DataArg,
    *,
    criterion: AnyCriterion | str,
    outcome: str = "OS",
    outcome_criterion: AnyCriterion | str | None = None,
    status: StatusKind = "response",
    confirm: bool = False,
    covariates: Sequence[str] = (),
    endpoints: EndpointsArg = None,
    lines: LinesArg = "first",
    ties: Ties = "efron",
    conf_type: ConfType = "log",
    penalty: Penalty = "none",
) -> TimeDependentResult:
    """Response (or progression) under a criterion as a time-dependent covariate.

    Parameters
    ----------
    data
        A :class:`~netsurv.Cohort`, or time-point responses (a
        :class:`~netsurv.response.Timepoints` or its ``.table``) with ``endpoints=``.
    criterion
        The response criterion (object or name).
    outcome
        Endpoint (``"OS"``, ``"PFS"``, ...).
    outcome_criterion
        Another criterion under which a per-criterion outcome (PFS, TTP, DoR) is derived
        (e.g. response under RECIST 1.1 as the covariate, PFS under SST-PET volume as the
        outcome); lines not evaluable under either are in ``attrition``.
    status
        ``"response"`` or ``"progression"``; it switches on when first seen on a scan (see
        :mod:`netsurv.survival._status`).
    confirm
        Responses must be confirmed; the status starts at the confirming scan.
    covariates
        Numeric adjustment covariates (endpoints table, then the cohort's patients).
    endpoints
        The endpoints, with time-point input.
    lines
        ``"first"`` line of each patient (default) or ``"all"`` (robust Cox variance clustered
        by patient).
    ties
        Cox tie handling.
    conf_type
        CI transform of the Simon–Makuch curves.
    penalty
        ``"firth"``: Firth's penalised likelihood for the Cox model (R ``coxphf`` on the
        (start, stop] rows), with profile penalised-likelihood CIs and penalised LR p-values —
        a finite hazard ratio when the responders have no events.  Needs ``lines="first"``.

    Returns
    -------
    TimeDependentResult

    Examples
    --------
    >>> import netsurv as ns
    >>> res = ns.survival.time_dependent_cox(ns.load_demo(), criterion="recist1.1",
    ...                                      status="progression", lines="all")
    >>> res.data[["patient_id", "line_id", "start", "stop", "event", "progressed"]].round(2).head(5)
      patient_id line_id  start    stop  event  progressed
    0      P0001      L1   0.00   27.76      0           0
    1      P0001      L1  27.76  102.64      1           1
    2      P0001      L2   0.00   60.94      0           0
    3      P0001      L2  60.94   72.74      1           1
    4      P0001      L3   0.00    4.93      1           0
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
        stage="time-dependent",
        outcome_criterion=outcome_criterion,
    )
    return time_dependent_from_units(
        units,
        att,
        criterion=name,
        outcome=outcome,
        status=status,
        confirm=confirm,
        covariates=covariates,
        lines=lines,
        ties=ties,
        conf_type=conf_type,
        penalty=penalty,
        outcome_criterion=outcome_name(outcome_criterion),
    )


def time_dependent_from_units(
    units: pd.DataFrame,
    attrition: pd.DataFrame,
    *,
    criterion: str,
    outcome: str,
    status: StatusKind,
    confirm: bool,
    covariates: Sequence[str],
    lines: LinesArg,
    ties: Ties,
    conf_type: ConfType,
    penalty: Penalty = "none",
    outcome_criterion: str | None = None,
) -> TimeDependentResult:
    """:func:`time_dependent_cox` on a unit table already built."""
    name, att = criterion, attrition
    scol = STATUS_COLUMN[status]
    rows = to_start_stop(
        units.drop(columns=["reason", "status_date"]),
        duration_col="time",
        event_col="event",
        status_time_col="status_time",
        status_col=scol,
    )
    rows["group"] = status_groups(rows[scol].to_numpy(), status)
    front = ["patient_id", "line_id", "criterion", "start", "stop", "event", scol, "group"]
    rows = rows[[*front, *(c for c in rows.columns if c not in front)]]
    if rows[scol].nunique() < 2:
        raise ConfigError(
            f"nobody {'responded' if status == 'response' else 'progressed'} under {name!r} "
            f"during follow-up ({len(units)} units): the status is constant"
        )
    fit = cox(
        rows,
        covariates=[scol, *covariates],
        duration_col="stop",
        event_col="event",
        start_col="start",
        ties=ties,
        cluster_col="patient_id" if lines == "all" else None,
        penalty=penalty,
    )
    return TimeDependentResult(
        data=rows,
        cox=fit,
        mantel_byar=mantel_byar(rows, status_col=scol),
        simon_makuch=simon_makuch(rows, by="group", conf_type=conf_type),
        units=units,
        attrition=att.reindex(columns=ATTRITION),
        criterion=name,
        outcome=outcome,
        status=status,
        status_column=scol,
        confirm=confirm,
        penalty=penalty,
        outcome_criterion=None if outcome_criterion == criterion else outcome_criterion,
    )
