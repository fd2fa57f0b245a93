"""Responders versus non-responders, without guarantee-time bias by default.

A patient counted as a "responder" from the start of treatment must live until the scan that
shows the response; a naive comparison of everyone who ever responded with everyone who did not
credits responders with that guaranteed survival and shows a benefit even when response has no
effect on survival (Anderson, Cain & Gelber 1983, J Clin Oncol 1:710).  :func:`compare_responders`
therefore reports landmark hazard ratios and the time-dependent Cox hazard ratio; the naive
estimate is added only when asked for with ``naive=True``, with a
:class:`GuaranteeTimeBiasWarning`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from netsurv.criteria.combined import AnyCriterion
from netsurv.errors import ConfigError
from netsurv.survival._status import (
    DataArg,
    EndpointsArg,
    LinesArg,
    analysis_units,
    check_lines,
)
from netsurv.survival.cox import Ties, cox
from netsurv.survival.landmark import landmark_from_units
from netsurv.survival.timedep import time_dependent_from_units

COLUMNS = [
    "method",
    "landmark",
    "n",
    "events",
    "n_responders",
    "hr",
    "lower",
    "upper",
    "p_value",
    "note",
]


class GuaranteeTimeBiasWarning(UserWarning):
    """A naive "ever responded" comparison was computed; it has guarantee-time bias."""


def compare_responders(
    data: DataArg,
    *,
    criterion: AnyCriterion | str,
    outcome: str = "OS",
    at_months: float | Sequence[float] = (3, 6, 12),
    confirm: bool = False,
    naive: bool = False,
    covariates: Sequence[str] = (),
    endpoints: EndpointsArg = None,
    lines: LinesArg = "first",
    ties: Ties = "efron",
) -> pd.DataFrame:
    """Hazard ratio of responders versus non-responders by landmark and time-dependent Cox.

    Parameters
    ----------
    data
        A :class:`~netsurv.Cohort`, or time-point responses (a
        :class:`~netsurv.response.Timepoints` or its ``.table``) with ``endpoints=``.
    criterion
        The response criterion (object or name).
    outcome
        Endpoint compared (``"OS"`` by default).
    at_months
        Landmarks for the landmark hazard ratios.
    confirm
        Count only confirmed responses (from the confirming scan on).
    naive
        Also report the naive comparison of patients who ever responded during follow-up with
        those who did not, from the origin.  It is biased in favour of responders; a
        :class:`GuaranteeTimeBiasWarning` is issued.
    covariates
        Numeric adjustment covariates (endpoints table, then the cohort's patients).
    endpoints
        The endpoints, with time-point input.
    lines
        ``"first"`` line of each patient (default) or ``"all"``.
    ties
        Cox tie handling.

    Returns
    -------
    pandas.DataFrame
        One row per analysis: ``method`` (``"landmark"``, ``"time-dependent"``, then
        ``"naive (ever responded)"`` when asked), ``landmark`` (months; NaN otherwise), ``n``
        units, ``events``, ``n_responders`` (at the landmark; ever, for the other two),
        ``hr`` with ``lower`` / ``upper`` and the Wald ``p_value`` (responders vs
        non-responders, adjusted for ``covariates``), and a ``note`` when a model could not be
        fitted.

    Examples
    --------
    >>> import netsurv as ns
    >>> res = ns.survival.compare_responders(ns.load_demo(), criterion="recist1.1", at_months=3)
    >>> res[["method", "landmark", "n", "n_responders"]]
               method  landmark    n  n_responders
    0        landmark       3.0  199             0
    1  time-dependent       NaN  200            24
    """
    check_lines(lines)
    name, units, att = analysis_units(
        data,
        criterion,
        outcome=outcome,
        status="response",
        confirm=confirm,
        lines=lines,
        covariates=covariates,
        endpoints=endpoints,
        stage="responders",
    )
    lm = landmark_from_units(
        units,
        att,
        criterion=name,
        outcome=outcome,
        status="response",
        confirm=confirm,
        at_months=at_months,
        horizon_months=None,
        covariates=covariates,
        lines=lines,
        conf_type="log",
        ties=ties,
    )
    rows: list[dict[str, Any]] = [
        {
            "method": "landmark",
            "landmark": r.landmark,
            "n": r.n,
            "events": r.events,
            "n_responders": r.n_status,
            "hr": r.hr,
            "lower": r.lower,
            "upper": r.upper,
            "p_value": r.p_value,
            "note": r.note,
        }
        for r in lm.table.itertuples(index=False)
    ]
    ever = _ever(units)
    td_row: dict[str, Any] = {"method": "time-dependent", "landmark": np.nan, "n": len(units)}
    td_row |= {"events": int(units["event"].sum()), "n_responders": int(ever.sum())}
    try:
        td = time_dependent_from_units(
            units,
            att,
            criterion=name,
            outcome=outcome,
            status="response",
            confirm=confirm,
            covariates=covariates,
            lines=lines,
            ties=ties,
            conf_type="log",
        )
    except ConfigError as err:
        td_row["note"] = str(err)
    else:
        td_row |= _hr(td.cox.coefficients, "responder", converged=td.cox.converged)
    rows.append(td_row)
    if naive:
        warnings.warn(
            "naive 'ever responded' comparison: responders must survive until their response "
            "is seen, so this hazard ratio has guarantee-time bias in favour of responders "
            "(Anderson et al. 1983); use the landmark or time-dependent rows",
            GuaranteeTimeBiasWarning,
            stacklevel=2,
        )
        rows.append(_naive_row(units, ever, list(covariates), ties, lines))
    return pd.DataFrame(rows, columns=COLUMNS)


def _ever(units: pd.DataFrame) -> np.ndarray:
    """Responded at any time during follow-up (the status seen before the outcome time)."""
    with np.errstate(invalid="ignore"):
        return (units["status_time"] < units["time"]).to_numpy()


def _hr(coefficients: pd.DataFrame, name: str, *, converged: bool) -> dict[str, Any]:
    coef = coefficients.loc[name]
    note = (
        "" if converged else "Cox estimate diverges (no events in one group); try penalty='firth'"
    )
    return {
        "hr": coef["exp_coef"],
        "lower": coef["lower"],
        "upper": coef["upper"],
        "p_value": coef["p"],
        "note": note,
    }


def _naive_row(
    units: pd.DataFrame, ever: np.ndarray, covariates: list[str], ties: Ties, lines: str
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "method": "naive (ever responded)",
        "landmark": np.nan,
        "n": len(units),
        "events": int(units["event"].sum()),
        "n_responders": int(ever.sum()),
        "note": "",
    }
    df = units.assign(ever_responded=ever.astype(np.int64))
    if ever.all() or not ever.any():
        row["note"] = "all units in one group"
        return row
    fit = cox(
        df,
        covariates=["ever_responded", *covariates],
        duration_col="time",
        event_col="event",
        ties=ties,
        cluster_col="patient_id" if lines == "all" else None,
    )
    return row | _hr(fit.coefficients, "ever_responded", converged=fit.converged)
