"""``derive_endpoints``: classify a cohort under criteria and derive its endpoints in one call."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.endpoints.arguments import (
    call_origin,
    censoring_scheme,
    check_cohort,
    endpoint_definitions,
    parse_cutoff,
)
from netsurv.endpoints.engine import derive_from_timepoints
from netsurv.endpoints.result import EndpointResult
from netsurv.endpoints.rules import CensoringScheme, EndpointDefinition, Origin
from netsurv.endpoints.vocabulary import TIMEPOINT_COLUMNS
from netsurv.errors import ConfigError
from netsurv.response.best import best_response
from netsurv.response.classify import CriteriaArg, Timepoints, classify


def derive_endpoints(
    cohort: Cohort,
    criteria: CriteriaArg | Timepoints = "recist1.1",
    *,
    endpoints: str | EndpointDefinition | Sequence[str | EndpointDefinition] = ("PFS", "OS"),
    censoring: str | CensoringScheme = "fda2018",
    cutoff_date: str | dt.date | None = None,
    origin: Origin = "line_start",
) -> EndpointResult:
    """Time-to-event endpoints of every line under one or more response criteria.

    Classifies the cohort (:func:`netsurv.classify`), finds each line's first response for
    the duration of response (confirmed when the criterion asks for confirmation,
    :func:`netsurv.best_response`) and runs the endpoint engine
    (:func:`netsurv.endpoints.derive_from_timepoints`).

    A criterion that cannot call progression (an early-response classification such as
    ``early_sstv``) gets no progression-based endpoint; the attrition table says so.

    Progression under a criterion that confirms it (iRECIST, ``confirm_pd``) is the date of
    the first unconfirmed PD that a later scan confirms (iUPD of the confirmed block), or an
    unconfirmed PD that no later evaluable scan of the line resolves (``pd_status``
    ``"unresolved"``: the patient stopped or changed treatment, or follow-up ended; not an
    event when the criterion's ``unresolved_pd`` is ``"censor"``); an
    unconfirmed PD that a later non-PD scan resolved (pseudoprogression) is an adequate
    assessment, not an event.

    Parameters
    ----------
    cohort
        A validated cohort.
    criteria
        A criterion, a preset name, a sequence of them, or the output of
        :func:`netsurv.classify` (to reuse a classification).
    endpoints
        Names (``"PFS"``, ``"OS"``, ``"TTP"``, ``"TTF"``, ``"DoR"``, ``"TTNT"``, ``"PFS2"``) or
        :class:`~netsurv.endpoints.EndpointDefinition` objects, each at most once (a single
        one need not be in a list).
    censoring
        ``"fda2018"`` (default), ``"ema_itt"`` or a :class:`~netsurv.endpoints.CensoringScheme`.
    cutoff_date
        Data cut-off date (``"YYYY-MM-DD"``, a date or a Timestamp): later events are ignored
        and censoring dates capped.
    origin
        ``"line_start"`` (default), ``"origin_date"`` (randomisation, from the lines table) or
        ``"baseline_scan"``.

    Raises
    ------
    netsurv.ConfigError
        For an unknown endpoint or censoring scheme, a ``cutoff_date`` that is not a date,
        an unknown ``origin`` or criterion.

    Returns
    -------
    EndpointResult
        ``.table``: one row per patient × line × criterion × endpoint (criterion empty for
        endpoints that do not depend on it: OS, TTF, TTNT); ``.attrition``: lines set aside
        by classification or by the endpoint rules, with the reason (lines without a
        baseline or without an evaluable follow-up scan are censored at the origin, or
        excluded, and listed either way).

    Examples
    --------
    >>> import netsurv as ns
    >>> ep = ns.derive_endpoints(ns.load_demo(), ["recist1.1", "choi"], endpoints=["PFS", "OS"])
    >>> sorted(ep.table["endpoint"].unique())
    ['OS', 'PFS']
    >>> bool((ep.table["days"] >= 1).all())
    True
    """
    # check the arguments before the classification, which can take a while
    check_cohort(cohort)
    censoring_scheme(censoring)
    endpoint_definitions(endpoints)
    parse_cutoff(cutoff_date)
    call_origin(origin)
    tp = criteria if isinstance(criteria, Timepoints) else classify(cohort, criteria)
    bio = censoring_scheme(censoring).biochemical_progression
    if bio is not None and bio not in [c.name for c in tp.criteria]:
        raise ConfigError(
            f"censoring scheme's biochemical_progression names criterion {bio!r}, which is not "
            f"among the criteria derived {[c.name for c in tp.criteria]}: add it to the criteria"
        )
    censor_unresolved = [c.name for c in tp.criteria if c.unresolved_pd == "censor"]
    # only the first responses are read: the rest of this copy is freed before the engine runs
    first = best_response(tp)[["patient_id", "line_id", "criterion", "first_response_date"]]
    progressing = [c.name for c in tp.criteria if c.defines_progression]
    res = derive_from_timepoints(
        cohort,
        # passed, not kept: the engine frees it once it has taken the scans it reads
        _progression_as_endpoint_event(tp.table, censor_unresolved),
        endpoints=endpoints,
        censoring=censoring,
        cutoff_date=cutoff_date,
        origin=origin,
        criteria=progressing,
        first_response=first,
        baselines=tp.baselines,
        modalities={c.name: c.modality for c in tp.criteria},
    )
    no_pd = pd.DataFrame(
        {
            "table": "criteria",
            "row_key": [c.name for c in tp.criteria if not c.defines_progression],
            "stage": "endpoints",
            "reason": "the criterion defines no progression (an early-response classification): "
            "no PFS, TTP, DoR or PFS2 under it",
        }
    )
    attrition = pd.concat([tp.attrition, no_pd, res.attrition], ignore_index=True)
    _warn_if_schedule_censors(res.table, {c.name: c.modality for c in tp.criteria}, res.scheme)
    return EndpointResult(table=res.table, attrition=attrition, scheme=res.scheme)


class ScheduleWarning(UserWarning):
    """The missed-assessment rule censored many events: the schedule may not fit the data."""


def _warn_if_schedule_censors(
    table: pd.DataFrame, modalities: dict[str, tuple[str, ...]], scheme: CensoringScheme
) -> None:
    """Warn when the missed-assessment rule turned over a quarter of a criterion's PFS / TTP
    events into censorings: usually a modality scanned less often than the scheme's schedule
    (e.g. yearly SST-PET under the 12-weekly CT schedule), or assessments that stop long before
    the event (a marker drawn with the CT scans of a line, followed by a death after imaging
    progression ended those scans; the FDA 2018 rule then censors the death, as it should)."""
    rows = table[table["endpoint"].isin(["PFS", "TTP"])]
    if rows.empty or not scheme.missed_assessments:
        return
    missed = rows["event_or_censor_reason"] == "event after missed assessments"
    counts = (
        pd.DataFrame({"criterion": rows["criterion"], "missed": missed, "event": rows["event"]})
        .groupby("criterion", sort=True)[["missed", "event"]]
        .sum()
    )
    for name, n_missed, n_event in counts.itertuples(name=None):
        total = int(n_missed) + int(n_event)
        if n_missed < 5 or n_missed <= 0.25 * total:
            continue
        mods = "/".join(modalities.get(str(name), ()))
        warnings.warn(
            f"PFS/TTP under {name}: {int(n_missed)} of {total} events "
            f"({n_missed / total:.0%}) censored for missed assessments (a progression or death "
            "later than the schedule allows after the last adequate assessment). If "
            f"{mods} assessments follow another schedule than the scheme's, declare it in the "
            "censoring scheme's modality_schedules (config: [endpoints.modality_schedules] "
            f"{mods.split('/')[0]} = [{{ from_day = 0, interval_days = ... }}]); if they stop "
            "before the event (e.g. a marker no longer measured once imaging progression ends "
            "the line's scans), these censorings are what the scheme prescribes",
            ScheduleWarning,
            stacklevel=3,
        )


def _progression_as_endpoint_event(
    table: pd.DataFrame, censor_unresolved: list[str]
) -> pd.DataFrame:
    """The follow-up rows' columns the endpoints read (:data:`TIMEPOINT_COLUMNS`; a copy of
    every column would double the time points in memory), PD rows a later scan showed to be
    pseudoprogression (and unresolved ones, when the criterion says so) counted as adequate
    non-PD scans."""
    is_follow = np.flatnonzero((table["role"] == "follow_up").to_numpy())
    # column by column: one copy of the columns read (``loc[rows, columns]`` makes two)
    follow = pd.DataFrame(
        {c: table[c].to_numpy()[is_follow] for c in TIMEPOINT_COLUMNS}, copy=False
    )
    status = table["pd_status"].to_numpy(dtype=object)[is_follow]
    not_pd = (status == "unconfirmed") | (
        (status == "unresolved") & follow["criterion"].isin(censor_unresolved).to_numpy()
    )
    unconfirmed = (follow["response"] == "PD").to_numpy() & not_pd
    if not unconfirmed.any():
        return follow
    return follow.assign(response=follow["response"].mask(unconfirmed, "NON-CR/NON-PD"))
