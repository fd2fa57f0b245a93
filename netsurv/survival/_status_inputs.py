"""What a response-status analysis is given: time-point responses and endpoints, from a cohort
or from tables computed before, checked once.

Landmark, time-dependent, criteria-comparison, marker and correlation analyses take either a
:class:`~netsurv.Cohort` (classified and its endpoints derived here) or the time-point and
endpoint tables a pipeline already has; :func:`resolve_inputs` turns both into one
:class:`Inputs`, naming what is missing.  The analysis units themselves are built by
:mod:`netsurv.survival._status`.

Examples
--------
>>> criterion_names(["recist1.1", "choi"])
['recist1.1', 'choi']
>>> check_lines("every")
Traceback (most recent call last):
...
netsurv.errors.ConfigError: lines must be 'first' or 'all', got 'every'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from netsurv.cohort import ATTRITION_COLUMNS, Cohort
from netsurv.criteria.combined import AnyCriterion
from netsurv.endpoints.derive import derive_endpoints
from netsurv.endpoints.result import EndpointResult
from netsurv.endpoints.vocabulary import OUTPUT_COLUMNS, TIMEPOINT_COLUMNS
from netsurv.errors import ConfigError
from netsurv.response.classify import Timepoints, classify, resolve_criteria

DataArg = Cohort | Timepoints | pd.DataFrame
EndpointsArg = EndpointResult | pd.DataFrame | None
#: Columns the time-point table needs (the endpoint engine's own).
TIMEPOINT_REQUIRED = TIMEPOINT_COLUMNS
#: Columns the endpoint table needs: its key, dates and outcome (to ``event``).
ENDPOINT_REQUIRED = tuple(OUTPUT_COLUMNS[: OUTPUT_COLUMNS.index("event") + 1])
ATTRITION = [*ATTRITION_COLUMNS, "criterion"]


@dataclass(frozen=True)
class Inputs:
    """Time-point responses and endpoints, however they were given."""

    timepoints: pd.DataFrame
    endpoints: pd.DataFrame
    source: Timepoints | None
    patients: pd.DataFrame | None
    classify_attrition: pd.DataFrame


def check_lines(lines: str) -> None:
    """Raise a :class:`ConfigError` unless ``lines`` is ``"first"`` or ``"all"``."""
    if lines not in ("first", "all"):
        raise ConfigError(f"lines must be 'first' or 'all', got {lines!r}")


def criterion_names(criteria: AnyCriterion | str | Sequence[AnyCriterion | str]) -> list[str]:
    """Names of one or several criteria (objects or names)."""
    items = [criteria] if isinstance(criteria, AnyCriterion | str) else list(criteria)
    if not items:
        raise ConfigError("no criteria given")
    return [c.name if isinstance(c, AnyCriterion) else str(c) for c in items]


def outcome_name(outcome_criterion: AnyCriterion | str | None) -> str | None:
    """Name of the outcome's criterion (None: each analysis uses its own criterion)."""
    return None if outcome_criterion is None else criterion_names(outcome_criterion)[0]


def resolve_inputs(
    data: DataArg,
    *,
    criteria: AnyCriterion | str | Sequence[AnyCriterion | str],
    outcomes: Sequence[str],
    endpoints: EndpointsArg = None,
) -> Inputs:
    """Classify and derive endpoints from a cohort, or check tables computed before.

    Parameters
    ----------
    data
        A :class:`~netsurv.Cohort` (then ``criteria`` are classified and ``outcomes`` derived
        with :func:`netsurv.derive_endpoints`' defaults), or time-point responses: a
        :class:`~netsurv.response.Timepoints` or its ``.table``.
    criteria
        The criteria analysed.
    outcomes
        Endpoint names needed (e.g. ``["OS"]``).
    endpoints
        With time-point input: the endpoints (an :class:`~netsurv.endpoints.EndpointResult` or
        its ``.table``).  Must be None with a cohort.
    """
    if isinstance(data, Cohort):
        if endpoints is not None:
            raise ConfigError(
                "pass endpoints only with time-point tables; with a Cohort they are derived"
            )
        tp = classify(data, resolve_criteria(_distinct(_as_items(criteria))))
        derived = derive_endpoints(data, tp, endpoints=list(dict.fromkeys(outcomes)))
        return Inputs(tp.table, derived.table, tp, data.patients, tp.attrition)
    if isinstance(data, Timepoints):
        table, source, att = data.table, data, data.attrition
    elif isinstance(data, pd.DataFrame):
        table, source, att = data, None, pd.DataFrame(columns=ATTRITION)
    else:
        raise ConfigError(
            "data must be a Cohort, a Timepoints (from netsurv.classify) or its .table, "
            f"got {type(data).__name__}"
        )
    _require(table, TIMEPOINT_REQUIRED, "timepoints")
    if endpoints is None:
        raise ConfigError(
            "with time-point tables, pass endpoints= (the EndpointResult of "
            "netsurv.derive_endpoints or its .table)"
        )
    if isinstance(endpoints, EndpointResult):
        ep = endpoints.table
    elif isinstance(endpoints, pd.DataFrame):
        ep = endpoints
    else:
        raise ConfigError(
            f"endpoints must be an EndpointResult or a DataFrame, got {type(endpoints).__name__}"
        )
    _require(ep, ENDPOINT_REQUIRED, "endpoints")
    have = set(pd.unique(table["criterion"].dropna()))
    missing = [c for c in criterion_names(criteria) if c not in have]
    if missing:
        raise ConfigError(
            f"timepoints table has no rows for criterion {missing}; it has {sorted(have)}"
        )
    return Inputs(table, ep, source, None, att)


def _as_items(
    criteria: AnyCriterion | str | Sequence[AnyCriterion | str],
) -> list[AnyCriterion | str]:
    return [criteria] if isinstance(criteria, AnyCriterion | str) else list(criteria)


def _distinct(items: list[AnyCriterion | str]) -> list[AnyCriterion | str]:
    """The criteria with repeated names dropped (the first kept)."""
    seen: dict[str, AnyCriterion | str] = {}
    for c in items:
        seen.setdefault(c.name if isinstance(c, AnyCriterion) else str(c), c)
    return list(seen.values())


def _require(df: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ConfigError(f"{name} table lacks column(s) {missing}; needs {list(columns)}")
