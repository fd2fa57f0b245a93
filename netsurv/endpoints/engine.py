"""The one engine that derives every time-to-event endpoint from event and censoring sources.

Input is a cohort (patients, lines, scan-to-line links) and a table of time-point responses
(one row per patient × line × criterion × assessment with ``date`` and ``response``).  Every
step is a vectorised table operation: candidate dates from each source are stacked, the
earliest event (ties broken by the endpoint's source order) or the latest censoring wins per
patient × line × criterion, then the censoring scheme's rules are applied.

Which lines and keys enter (and the attrition of the others) is :mod:`netsurv.endpoints.lines`;
the candidate dates of each source are :mod:`netsurv.endpoints.candidates`; column names,
response classes and CNSR codes are :mod:`netsurv.endpoints.vocabulary`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import cache, partial

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
from netsurv.endpoints.candidates import _censor_candidates, _event_candidates
from netsurv.endpoints.lines import (
    KeyCodes,
    _apply_baseline,
    _based,
    _baseline_keys,
    _keys,
    _lines_frame,
    _no_follow_up,
    _output_order,
    _prepare_timepoints,
    _response_origin,
    _seen_lines,
)
from netsurv.endpoints.result import EndpointResult
from netsurv.endpoints.rules import (
    FAILURE_REASONS,
    CensoringScheme,
    EndpointDefinition,
    EventSource,
    Origin,
)
from netsurv.endpoints.vocabulary import (
    CENSOR_CODES,
    DAYS_PER_MONTH,
    OUTPUT_COLUMNS,
    TIMEPOINT_COLUMNS,
)
from netsurv.errors import ConfigError
from netsurv.response.classify import stack
from netsurv.response.measures import take_columns

__all__ = [
    "CENSOR_CODES",
    "DAYS_PER_MONTH",
    "OUTPUT_COLUMNS",
    "TIMEPOINT_COLUMNS",
    "EndpointResult",
    "derive_from_timepoints",
]


def derive_from_timepoints(
    cohort: Cohort,
    timepoints: pd.DataFrame,
    *,
    endpoints: str | EndpointDefinition | Sequence[str | EndpointDefinition] = ("PFS", "OS"),
    censoring: str | CensoringScheme = "fda2018",
    cutoff_date: str | dt.date | None = None,
    origin: Origin = "line_start",
    criteria: Sequence[str] | None = None,
    first_response: pd.DataFrame | None = None,
    baselines: pd.DataFrame | None = None,
    failure_reasons: Sequence[str] = FAILURE_REASONS,
    modalities: Mapping[str, Sequence[str]] | None = None,
) -> EndpointResult:
    """Derive endpoints from time-point responses.

    Parameters
    ----------
    cohort
        The validated cohort (dates of death, last contact, lines).
    timepoints
        Columns ``patient_id``, ``line_id``, ``criterion``, ``assessment_id``, ``date`` and
        ``response`` (CR, PR, MR, SD, NON-CR/NON-PD, PD, NE) for the follow-up scans of each
        line.  Baseline rows, if present, are ignored (``date`` ≤ line start).
    endpoints
        Names from :data:`netsurv.endpoints.rules.ENDPOINTS` or own definitions (one or a
        sequence).
    censoring
        ``"fda2018"`` (default), ``"ema_itt"`` or a :class:`CensoringScheme`.
    cutoff_date
        Data cut-off (``"YYYY-MM-DD"``, a date or a Timestamp): later events are ignored and
        censoring dates capped.
    origin
        ``"line_start"`` (default), ``"origin_date"`` (e.g. randomisation, from the lines
        table) or ``"baseline_scan"``.
    criteria
        Criteria to derive for; default: those present in ``timepoints``.
    first_response
        Optional ``patient_id, line_id, criterion, first_response_date`` (e.g. confirmed
        responses from :func:`netsurv.best_response`) for duration of response; default: the
        first CR or PR time-point (unconfirmed).
    baselines
        Optional ``patient_id, line_id, criterion`` of the lines that have a baseline
        assessment for the criterion; default: lines with any baseline scan.
    failure_reasons
        ``lines.end_reason`` values that count as treatment failure for TTF.
    modalities
        Criterion name → the modalities it reads, for the scheme's ``modality_schedules``
        (missed-assessment rule); criteria not listed use the scheme's ``schedule``.

    Returns
    -------
    EndpointResult

    Examples
    --------
    >>> import pandas as pd, netsurv as ns
    >>> from netsurv.endpoints import derive_from_timepoints
    >>> cohort = ns.load_demo()
    >>> tp = cohort.assessment_lines.query("role == 'follow_up' and modality == 'CT'")
    >>> tp = tp.assign(criterion="reader", response="SD")
    >>> res = derive_from_timepoints(cohort, tp, endpoints=["PFS", "OS"])
    >>> sorted(res.table["endpoint"].unique())
    ['OS', 'PFS']
    """
    check_cohort(cohort)
    scheme = censoring_scheme(censoring)
    defs = endpoint_definitions(endpoints)
    cut = parse_cutoff(cutoff_date)
    call_origin(origin)
    missing = [c for c in TIMEPOINT_COLUMNS if c not in timepoints.columns]
    if missing:
        raise ConfigError(f"timepoints lacks column(s) {missing}; needs {list(TIMEPOINT_COLUMNS)}")
    crit = list(criteria) if criteria is not None else sorted(timepoints["criterion"].unique())
    repeated = sorted({c for c in crit if crit.count(c) > 1})
    if repeated:
        raise ConfigError(f"criteria must be unique, repeated: {repeated}")

    lines, attrition = _lines_frame(cohort, origin=origin, cutoff=cut)
    others = sorted(set(pd.unique(timepoints["criterion"].dropna())) - set(crit))
    codes = KeyCodes(n_lines=len(lines), criteria=(*crit, *others))
    tp = _prepare_timepoints(timepoints, lines, cut, codes)
    del timepoints  # a table made for this call is freed here (derive_endpoints' is)
    based = _based(_baseline_keys(cohort, baselines, crit), lines, codes)

    seen = cache(partial(_seen_lines, tp, based, codes))
    parts, ranks = [], []
    names = sorted(d.name for d in defs)
    for d in defs:
        keys = _keys(lines, crit if d.per_criterion else [None])
        if d.origin == "first_response":
            keys = _response_origin(keys, tp, first_response)
        if d.per_criterion and not d.responders_only:
            keys, att = _apply_baseline(keys, based, codes, scheme, d.name)
            attrition.append(att)
        part = _derive_one(
            d, keys, tp, codes, scheme, cut, tuple(failure_reasons), modalities or {}
        )
        if d.per_criterion and not d.responders_only:
            key_codes = codes.of(keys["_line"].to_numpy(), keys["criterion"])
            attrition.append(_no_follow_up(d, part, key_codes, seen, cutoff_date is not None))
        parts.append(part)
        ranks.append((keys["_line"].to_numpy(), names.index(d.name), keys["criterion"]))
    if parts:  # by patient, line id, endpoint, criterion; each column taken once
        table = take_columns(
            stack(parts, OUTPUT_COLUMNS), _output_order(lines, sorted(crit), ranks), OUTPUT_COLUMNS
        )
    else:
        table = pd.DataFrame(columns=OUTPUT_COLUMNS)
    att = pd.concat(attrition, ignore_index=True).drop_duplicates(ignore_index=True)
    return EndpointResult(table=table, attrition=att, scheme=scheme)


# --------------------------------------------------------------------------- preparation
def _derive_one(
    d: EndpointDefinition,
    keys: pd.DataFrame,
    tp: pd.DataFrame,
    codes: KeyCodes,
    scheme: CensoringScheme,
    cut: pd.Timestamp,
    failure_reasons: tuple[str, ...],
    modalities: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    keys = keys.reset_index(drop=True)
    keys["_k"] = np.arange(len(keys))
    crit = keys["criterion"].fillna("")
    # the scans from the key's origin on, with the columns read from here (it is per endpoint)
    tpk = codes.scans_of(keys, tp)
    # observation ends: cut-off; for TTF, completion of a fixed-duration treatment
    obs_end = pd.Series(cut, index=keys.index)
    completed = (keys["end_reason"] == "completed") & keys["end_date"].notna()
    if any(e.kind == "discontinuation" for e in d.events):
        obs_end = obs_end.where(~completed, keys["end_date"])

    sources = _event_sources(d, scheme)
    events = pd.concat(
        [
            _event_candidates(e, p, keys, tpk, tp, crit, failure_reasons)
            for p, e in enumerate(sources)
        ],
        ignore_index=True,
    )
    events = events[events["date"].notna()]
    events = events[events["date"] <= obs_end.to_numpy()[events["_k"].to_numpy()]]
    events = events[events["date"] >= keys["origin"].to_numpy()[events["_k"].to_numpy()]]
    first_event = events.sort_values(["_k", "date", "priority"], kind="stable").drop_duplicates(
        "_k"
    )

    censors = pd.concat(
        [
            _censor_candidates(c.kind, c.description, keys, tpk, tp, cut, obs_end).assign(
                kind=c.kind
            )
            for c in d.censors
        ],
        ignore_index=True,
    )
    censors = censors[censors["date"].notna()]
    last_censor = censors.sort_values(
        ["_k", "date", "priority"], ascending=[True, False, True], kind="stable"
    ).drop_duplicates("_k")

    out = keys[["_k"]].merge(first_event, on="_k", how="left")
    out["event"] = out["date"].notna().astype(int)
    out = out.set_index("_k")
    cens = last_censor.set_index("_k")
    no_event = out["event"] == 0
    out["censor_kind"] = None
    for col in ("date", "reason", "source_table", "source_column", "source_key"):
        out.loc[no_event, col] = cens[col].reindex(out.index[no_event])
    out.loc[no_event, "censor_kind"] = cens["kind"].reindex(out.index[no_event])

    if d.scheme_rules:
        out = _apply_scheme(out, keys, tpk, scheme, modalities)
    # the kind of the event source that won (its position in d.events is the priority)
    kinds = np.array([e.kind for e in sources], dtype=object)
    won = out["priority"].to_numpy(dtype=float)
    out["event_cause"] = None
    ev = (out["event"] == 1).to_numpy() & ~np.isnan(won)
    out.loc[ev, "event_cause"] = kinds[won[ev].astype(int)]
    if "no_baseline" in keys.columns:
        kx = keys[["_k", "no_baseline", "origin", "line_key"]].set_index("_k")
        flag = kx["no_baseline"].fillna(False).astype(bool)
        nb = flag.reindex(out.index).to_numpy()
        out.loc[nb, ["event", "event_cause", "reason", "source_table", "source_column"]] = [
            0,
            None,
            "no baseline tumour assessment",
            "lines",
            None,
        ]
        out.loc[nb, "date"] = kx["origin"].reindex(out.index[nb])
        out.loc[nb, "source_key"] = kx["line_key"].reindex(out.index[nb])
    return _finish(out, keys, d, crit, scheme)


def _event_sources(d: EndpointDefinition, scheme: CensoringScheme) -> tuple[EventSource, ...]:
    """The endpoint's event sources, with the scheme's optional progression sources (external,
    clinical, biochemical: :meth:`CensoringScheme.progression_sources`) right after its
    progression source."""
    extra = scheme.progression_sources()
    out: list[EventSource] = []
    for e in d.events:
        out.append(e)
        if e.kind == "progression":
            out.extend(extra)
    return tuple(out)


def _apply_scheme(
    out: pd.DataFrame,
    keys: pd.DataFrame,
    tpk: pd.DataFrame,
    scheme: CensoringScheme,
    modalities: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """New-therapy and missed-assessment rules: an event may become a censoring.

    New therapy (FDA): an event after the next line's start, and a censoring at an assessment
    made after it (scans the data assign to this line with ``line_id``), move to the last
    adequate assessment on or before that start (the origin if none).
    """
    read = ["origin", "next_start", "schedule_origin", "criterion"]
    read += ["origin_source", "origin_column", "origin_key"]
    kx = keys[["_k", *read]].set_index("_k")  # the columns read here, not all of them
    ev = out["event"] == 1
    origin = kx["origin"].reindex(out.index)
    ad = tpk.loc[tpk["adequate"].to_numpy(), ["_k", "date", "source_key"]]
    # last adequate assessment strictly before the event date (origin if none)
    laa, laa_key = _last_before(ad, out.loc[ev, "date"], out.index, inclusive=False)

    change = pd.Series(False, index=out.index)
    reason = pd.Series("", index=out.index, dtype=object)
    if scheme.censor_at_new_therapy:
        nxt = kx["next_start"].reindex(out.index)
        late_censor = ~ev & (out["censor_kind"] == "last_adequate_assessment")
        new_tx = (ev | late_censor) & (out["date"] > nxt).fillna(False)
        # the last adequate assessment on or before the start of the new therapy
        tx, tx_key = _last_before(ad, nxt[new_tx], out.index, inclusive=True)
        laa, laa_key = laa.where(~new_tx, tx), laa_key.where(~new_tx, tx_key)
        change |= new_tx
        reason[new_tx] = "new anticancer therapy started"
    has_laa = laa.notna()
    laa_date = laa.fillna(origin)
    if scheme.missed_assessments:
        # the schedule in force at the last adequate assessment, counted from the line's
        # origin (not from the first response, for duration of response)
        day = (laa_date - kx["schedule_origin"].reindex(out.index)).dt.days
        gap = (out["date"] - laa_date).dt.days
        day = day.fillna(0).astype(int)
        allowed = scheme.allowed_gaps(day).to_numpy()
        crit = kx["criterion"].reindex(out.index).to_numpy()
        for name, mods in modalities.items():
            if scheme.schedule_for(mods) != scheme.schedule:
                own = crit == name
                allowed[own] = scheme.allowed_gaps(day[own], mods).to_numpy()
        missed = ev & ~change & (gap > allowed)
        change |= missed
        reason[missed] = "event after missed assessments"
    out.loc[change, "event"] = 0
    out.loc[change, "reason"] = reason[change]
    out.loc[change, "date"] = laa_date[change]
    out.loc[change, "source_table"] = np.where(
        has_laa[change], "assessments", kx["origin_source"].reindex(out.index)[change]
    )
    out.loc[change, "source_column"] = np.where(
        has_laa[change], "date", kx["origin_column"].reindex(out.index)[change]
    )
    out.loc[change, "source_key"] = np.where(
        has_laa[change], laa_key[change], kx["origin_key"].reindex(out.index)[change]
    )
    return out


def _last_before(
    ad: pd.DataFrame, limit: pd.Series, index: pd.Index, *, inclusive: bool
) -> tuple[pd.Series, pd.Series]:
    """Date and source key of the last assessment of ``ad`` (``_k``, ``date``, ``source_key``,
    sorted by date within ``_k``) before each key's ``limit`` (on or before it when
    ``inclusive``), aligned on ``index``; NaT / NaN where there is none."""
    k = ad["_k"].to_numpy()
    at = limit.index.get_indexer(pd.Index(k))  # each assessment's key among the limits (-1: none)
    rows = np.flatnonzero(at >= 0)
    date = ad["date"].to_numpy(dtype="datetime64[ns]")
    lim = limit.to_numpy(dtype="datetime64[ns]")[at[rows]]
    rows = rows[date[rows] <= lim] if inclusive else rows[date[rows] < lim]  # NaT: never
    # the last such row of each key (drop_duplicates(keep="last")), in the rows' order
    flipped = rows[::-1]
    rows = flipped[np.unique(k[flipped], return_index=True)[1]]
    by = pd.Index(k[rows], name="_k")
    return (
        pd.Series(date[rows], index=by, name="date").reindex(index),
        pd.Series(ad["source_key"].to_numpy()[rows], index=by, name="source_key").reindex(index),
    )


def _finish(
    out: pd.DataFrame,
    keys: pd.DataFrame,
    d: EndpointDefinition,
    crit: pd.Series,
    scheme: CensoringScheme,
) -> pd.DataFrame:
    kx = keys[["_k", "patient_id", "line_id", "criterion", "origin"]]
    kx = kx.set_index("_k").reindex(out.index)
    origin = kx["origin"]
    date = pd.to_datetime(out["date"]).where(lambda s: s >= origin, origin)
    days = (date - origin).dt.days + int(scheme.add_one_day)
    event = out["event"].astype(int)
    reason = out["reason"].astype(object)
    cnsr = np.where(event == 1, 0, reason.map(CENSOR_CODES).fillna(99).astype(int))
    cause = out["event_cause"].to_numpy(dtype=object).copy()
    cause[event.to_numpy() != 1] = None
    return pd.DataFrame(
        {
            "patient_id": kx["patient_id"].to_numpy(),
            "line_id": kx["line_id"].to_numpy(),
            "criterion": kx["criterion"].to_numpy(),
            "endpoint": d.name,
            "origin_date": origin.to_numpy(),
            "date": date.to_numpy(),
            "days": days.astype(int).to_numpy(),
            "months": (days / DAYS_PER_MONTH).to_numpy(),
            "event": event.to_numpy(),
            "cnsr": cnsr,
            "event_cause": cause,
            "event_or_censor_reason": reason.to_numpy(),
            "source_table": out["source_table"].to_numpy(),
            "source_column": out["source_column"].to_numpy(),
            "source_key": out["source_key"].to_numpy(),
        },
        columns=OUTPUT_COLUMNS,
        copy=False,  # fresh arrays, joined column by column later (stack): no consolidation
    )
