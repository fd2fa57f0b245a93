"""Analysis units for response-based survival analyses: outcome plus when a status became known.

Landmark, time-dependent and criteria-comparison analyses all need the same per-unit table:
one row per patient × line with the outcome (time from the endpoint's origin, event) and the
time at which the unit's *status* under a criterion — response (CR/PR) or progression (PD) —
first became known from the scans.  This module builds that table from either a
:class:`~netsurv.Cohort` (classifying and deriving endpoints on the way) or tables a pipeline has
already computed, so nothing is classified twice.

What the analyses are given (a cohort or tables, checked once):
:mod:`netsurv.survival._status_inputs`; when a status is known:
:mod:`netsurv.survival._status_dates`.

Times are on the outcome's own scale: the status time is ``(status date − origin) + offset``
days, with the offset the endpoint table used (``days − (date − origin)``, 1 under the default
FDA convention), divided by 30.4375 as the endpoint's ``months`` column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from netsurv.criteria.combined import AnyCriterion
from netsurv.endpoints.vocabulary import DAYS_PER_MONTH
from netsurv.errors import ConfigError
from netsurv.survival._status_dates import status_dates
from netsurv.survival._status_inputs import (
    ATTRITION,
    ENDPOINT_REQUIRED,
    TIMEPOINT_REQUIRED,
    DataArg,
    EndpointsArg,
    Inputs,
    check_lines,
    criterion_names,
    outcome_name,
    resolve_inputs,
)

# the analyses import the inputs' names from here too
__all__ = [
    "ATTRITION",
    "ENDPOINT_REQUIRED",
    "KEY",
    "STATUS_COLUMN",
    "STATUS_LABELS",
    "TIMEPOINT_REQUIRED",
    "UNIT_COLUMNS",
    "DataArg",
    "EndpointsArg",
    "Inputs",
    "LinesArg",
    "StatusKind",
    "analysis_units",
    "attrition_frame",
    "check_lines",
    "check_status",
    "criterion_names",
    "line_keys",
    "merge_covariates",
    "offset_days",
    "outcome_name",
    "outcome_rows",
    "resolve_inputs",
    "status_groups",
    "unit_table",
]

StatusKind = Literal["response", "progression"]
LinesArg = Literal["first", "all"]

KEY = ["patient_id", "line_id"]
#: Name of the 0/1 status column for each kind of status.
STATUS_COLUMN = {"response": "responder", "progression": "progressed"}
#: Group labels (status 0, status 1) for curves and tables.
STATUS_LABELS = {
    "response": ("non-responder", "responder"),
    "progression": ("not progressed", "progressed"),
}
UNIT_COLUMNS = [
    "patient_id",
    "line_id",
    "criterion",
    "origin_date",
    "time",
    "event",
    "reason",
    "status_date",
    "status_time",
]


def check_status(status: str) -> None:
    """Raise a :class:`ConfigError` unless ``status`` is ``"response"`` or ``"progression"``."""
    if status not in STATUS_COLUMN:
        raise ConfigError(f"status must be 'response' or 'progression', got {status!r}")


def status_groups(status: np.ndarray, kind: str) -> pd.Categorical:
    """Group labels of a 0/1 status, both categories kept (non-status first)."""
    labels = list(STATUS_LABELS[kind])
    return pd.Categorical(np.asarray(labels, dtype=object)[status], categories=labels)


def line_keys(df: pd.DataFrame) -> pd.Series:
    """``"patient / line"`` row keys, as in every attrition table of netsurv."""
    return df["patient_id"].astype(str) + " / " + df["line_id"].astype(str)


def attrition_frame(rows: pd.DataFrame, *, stage: str, reason: pd.Series | str) -> pd.DataFrame:
    """Attrition rows (``table``, ``row_key``, ``stage``, ``reason``, ``criterion``)."""
    return pd.DataFrame(
        {
            "table": "endpoints",
            "row_key": line_keys(rows).to_numpy(),
            "stage": stage,
            "reason": reason.to_numpy() if isinstance(reason, pd.Series) else reason,
            "criterion": rows["criterion"].to_numpy() if "criterion" in rows else None,
        },
        columns=ATTRITION,
    )


def outcome_rows(endpoints: pd.DataFrame, outcome: str, criterion: str) -> pd.DataFrame:
    """The endpoint rows of ``outcome``, under ``criterion`` when the endpoint depends on one
    (PFS, TTP, DoR; OS does not), one per line."""
    ep = endpoints
    rows = ep[ep["endpoint"] == outcome]
    if rows.empty:
        raise ConfigError(
            f"endpoints table has no {outcome!r} rows; it has {sorted(pd.unique(ep['endpoint']))}"
        )
    if rows["criterion"].notna().any():
        rows = rows[rows["criterion"] == criterion]
        if rows.empty:
            raise ConfigError(f"endpoints table has no {outcome!r} rows for {criterion!r}")
    dup = rows.duplicated(KEY)
    if dup.any():
        raise ConfigError(
            f"endpoints table has several {outcome!r} rows for line(s) "
            f"{line_keys(rows[dup]).head(5).tolist()}"
        )
    return rows


def offset_days(rows: pd.DataFrame) -> pd.Series:
    """Days the endpoint adds to ``date − origin`` (1 under the FDA day-count convention)."""
    return rows["days"] - (rows["date"] - rows["origin_date"]).dt.days


def unit_table(
    inputs: Inputs,
    *,
    criterion: str,
    outcome: str,
    status: StatusKind,
    confirm: bool,
    lines: LinesArg,
    stage: str,
    outcome_criterion: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per analysed patient × line: outcome, and when the status became known.

    With ``outcome_criterion`` (another criterion than ``criterion``) the outcome is that
    criterion's version of a per-criterion endpoint (e.g. PFS under SST-PET volume) while the
    status stays ``criterion``'s (e.g. response under RECIST 1.1); the status time is put on
    the outcome's clock, and a line must be evaluable under both.

    Returns
    -------
    tuple of pandas.DataFrame
        The units (:data:`UNIT_COLUMNS`; ``criterion`` is the status criterion;
        ``status_time`` NaN when the status was never seen) and the attrition of lines set
        aside (not evaluable under either criterion, not the patient's first line).
    """
    cross = outcome_criterion is not None and outcome_criterion != criterion
    oc = outcome_criterion if cross and outcome_criterion is not None else criterion
    rows = outcome_rows(inputs.endpoints, outcome, oc)
    if cross and rows["criterion"].isna().all():
        raise ConfigError(
            f"outcome {outcome!r} does not depend on a criterion, so outcome_criterion={oc!r} "
            "would change nothing; give it with a per-criterion endpoint (PFS, TTP, DoR, ...)"
        )
    rows = rows.assign(criterion=criterion)
    tp = inputs.timepoints
    own = tp[tp["criterion"] == criterion]  # selected once: a pass over every time point
    att = []
    checks = [(criterion, "")] + ([(oc, f" (the criterion of {outcome})")] if cross else [])
    for name, role in checks:
        rows_of = own if name == criterion else tp[tp["criterion"] == name]
        rows, lost = _evaluable(rows, rows_of, inputs, name, role, stage)
        att += lost
    if lines == "first":
        rows = rows.sort_values(["patient_id", "origin_date", "line_id"], kind="stable")
        later = rows.duplicated("patient_id")
        if later.any():
            att.append(
                attrition_frame(
                    rows[later], stage=stage, reason="not the patient's first line (lines='first')"
                )
            )
            rows = rows[~later]
    if rows.empty:
        under = f"{criterion!r}" + (f" with {outcome!r} under {oc!r}" if cross else "")
        raise ConfigError(f"no {outcome!r} rows left to analyse under {under}")
    known = status_dates(own, inputs.source, status=status, confirm=confirm)
    rows = rows.merge(known, on=KEY, how="left")
    status_days = (rows["status_date"] - rows["origin_date"]).dt.days + offset_days(rows)
    units = pd.DataFrame(
        {
            "patient_id": rows["patient_id"].to_numpy(),
            "line_id": rows["line_id"].to_numpy(),
            "criterion": criterion,
            "origin_date": rows["origin_date"].to_numpy(),
            "time": rows["months"].to_numpy(dtype=float),
            "event": rows["event"].to_numpy(dtype=np.int64),
            "reason": (
                rows["event_or_censor_reason"].to_numpy()
                if "event_or_censor_reason" in rows
                else None
            ),
            "status_date": rows["status_date"].to_numpy(),
            "status_time": (status_days / DAYS_PER_MONTH).to_numpy(dtype=float),
        },
        columns=UNIT_COLUMNS,
    )
    attrition = pd.concat(att, ignore_index=True) if att else pd.DataFrame(columns=ATTRITION)
    return units.reset_index(drop=True), attrition


def _evaluable(
    rows: pd.DataFrame, tp: pd.DataFrame, inputs: Inputs, criterion: str, role: str, stage: str
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The rows of lines with time-point responses under ``criterion``; attrition of the rest."""
    evaluable = pd.MultiIndex.from_frame(rows[KEY]).isin(
        pd.MultiIndex.from_frame(tp[KEY].drop_duplicates())
    )
    if evaluable.all():
        return rows, []
    lost = rows[~evaluable].assign(criterion=criterion)
    why = _classify_reasons(inputs.classify_attrition, lost, criterion, role)
    return rows[evaluable], [attrition_frame(lost, stage=stage, reason=why)]


def _classify_reasons(
    att: pd.DataFrame, lost: pd.DataFrame, criterion: str, role: str = ""
) -> pd.Series:
    default = f"line not evaluable under {criterion}{role} (no time-point responses)"
    keys = line_keys(lost)
    if att.empty or "criterion" not in att:
        return pd.Series(default, index=lost.index)
    a = att[att["criterion"] == criterion].drop_duplicates("row_key").set_index("row_key")
    found = keys.map(a["reason"]).to_numpy()
    text = [
        f"not evaluable under {criterion}{role}: {r}" if isinstance(r, str) else default
        for r in found
    ]
    return pd.Series(text, index=lost.index)


def analysis_units(
    data: Any,
    criterion: AnyCriterion | str,
    *,
    outcome: str,
    status: StatusKind,
    confirm: bool,
    lines: LinesArg,
    covariates: Sequence[str],
    endpoints: EndpointsArg,
    stage: str,
    outcome_criterion: AnyCriterion | str | None = None,
) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """The criterion's name, its analysed units (:func:`unit_table`, the outcome under
    ``outcome_criterion`` when given) with the adjustment covariates
    (:func:`merge_covariates`), and the attrition of the lines set aside."""
    (name,) = criterion_names(criterion)
    wanted = [criterion, *([] if outcome_criterion is None else [outcome_criterion])]
    inputs = resolve_inputs(data, criteria=wanted, outcomes=[outcome], endpoints=endpoints)
    units, att = unit_table(
        inputs,
        criterion=name,
        outcome=outcome,
        status=status,
        confirm=confirm,
        lines=lines,
        stage=stage,
        outcome_criterion=outcome_name(outcome_criterion),
    )
    units = merge_covariates(
        units, covariates, endpoints=inputs.endpoints, patients=inputs.patients
    )
    return name, units, att


def merge_covariates(
    units: pd.DataFrame,
    covariates: Sequence[str],
    *,
    endpoints: pd.DataFrame,
    patients: pd.DataFrame | None,
) -> pd.DataFrame:
    """Add numeric adjustment covariates from the endpoints table or the cohort's patients."""
    if not covariates:
        return units
    clash = [c for c in covariates if c in units.columns]
    if clash:
        raise ConfigError(f"covariate name(s) {clash} clash with the analysis columns")
    out = units
    for col in covariates:
        if col in endpoints.columns:
            src = endpoints[[*KEY, col]].drop_duplicates(KEY)
            out = out.merge(src, on=KEY, how="left")
        elif patients is not None and col in patients.columns:
            out = out.merge(patients[["patient_id", col]], on="patient_id", how="left")
        else:
            where = "the endpoints table" + (
                " or the cohort's patients" if patients is not None else ""
            )
            raise ConfigError(f"covariate {col!r} is not a column of {where}")
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            raise ConfigError(
                f"covariate {col!r} must be numeric (got {out[col].dtype}); "
                "code categories as 0/1 indicator columns first"
            )
    return out
