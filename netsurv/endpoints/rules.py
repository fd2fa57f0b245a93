"""Event sources, censoring sources, endpoint definitions and censoring schemes, as data.

An endpoint is a combination of *event sources* (the earliest event wins, ties broken by the
order the sources are listed in) and *censoring sources* (without an event, the latest
censoring date wins), measured from an origin.  A *censoring scheme* holds the rules that can
turn an event into a censoring: new anticancer therapy before the event, two or more missed
scheduled assessments before it, the data cut-off.  FDA 2018 and EMA (ITT) are provided;
users build their own with the same classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from netsurv.schema.inputs import MARKERS, MODALITIES

EventKind = Literal[
    "progression",
    "death",
    "discontinuation",
    "next_line",
    "next_line_progression",
    "clinical_progression",
    "biochemical_progression",
    "external_progression",
]
CensorKind = Literal["last_adequate_assessment", "last_alive", "origin", "next_line_last_adequate"]
Origin = Literal["line_start", "origin_date", "baseline_scan", "first_response"]

#: Default reasons of treatment discontinuation that count as treatment failure (TTF).
FAILURE_REASONS = (
    "progression",
    "clinical_progression",
    "toxicity",
    "death",
    "patient_decision",
    "other",
)


class EventSource(BaseModel):
    """Where an event date comes from.

    Parameters
    ----------
    kind
        ``"progression"`` (first PD time-point of the criterion), ``"death"``,
        ``"discontinuation"`` (line end date with a failure reason), ``"next_line"`` (start of
        the patient's next line), ``"next_line_progression"`` (first PD on the next line, for
        PFS2), ``"clinical_progression"`` (line end date with ``end_reason``
        ``"clinical_progression"``), ``"biochemical_progression"`` (first PD on the line of the
        criterion named by ``criterion``, e.g. a biochemical one, whatever the endpoint's
        criterion).  The last two are added to progression endpoints by the censoring
        scheme's ``clinical_progression`` / ``biochemical_progression`` switches.
    description
        Text for ``event_or_censor_reason`` (``{criterion}`` is filled in).
    criterion
        The criterion of a ``"biochemical_progression"`` source (required there, else None).

    Examples
    --------
    >>> EventSource(kind="death", description="death").kind
    'death'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: EventKind
    description: str
    criterion: str | None = None

    @model_validator(mode="after")
    def _criterion_where_needed(self) -> EventSource:
        if (self.kind == "biochemical_progression") != (self.criterion is not None):
            raise ValueError(
                "criterion is required for kind 'biochemical_progression' and only there"
            )
        return self


class CensorSource(BaseModel):
    """Where a censoring date comes from.

    Parameters
    ----------
    kind
        ``"last_adequate_assessment"`` (last evaluable time-point: CR, PR, SD, NON-CR/NON-PD
        or PD), ``"last_alive"`` (last date known alive), ``"origin"`` (the origin itself, when
        nothing else is available), ``"next_line_last_adequate"`` (PFS2).
    description
        Text for ``event_or_censor_reason``.

    Examples
    --------
    >>> CensorSource(kind="last_alive", description="last known alive").kind
    'last_alive'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: CensorKind
    description: str


class EndpointDefinition(BaseModel):
    """An endpoint: origin, event sources (in tie-break order) and censoring sources.

    Parameters
    ----------
    name
        Endpoint code (``"PFS"``).
    events, censors
        The sources; the earliest event wins (ties: first listed), otherwise the latest
        censoring date.
    origin
        Time origin; ``None`` uses the call's origin (``line_start`` by default).
        ``"first_response"`` is used by duration of response.
    per_criterion
        Whether the endpoint depends on the response criterion (PFS yes, OS no).
    responders_only
        Only lines with a response (duration of response).
    scheme_rules
        Whether the censoring scheme's rules (new therapy, missed assessments) apply; the
        cut-off always applies.

    Examples
    --------
    >>> ENDPOINTS["PFS"].events[0].kind
    'progression'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    events: tuple[EventSource, ...] = Field(min_length=1)
    censors: tuple[CensorSource, ...] = Field(min_length=1)
    origin: Origin | None = None
    per_criterion: bool = True
    responders_only: bool = False
    scheme_rules: bool = True


class ScheduleStep(BaseModel):
    """From ``from_day`` (days since the line's origin: line start by default) on, scans are
    due every ``interval_days``.  The schedule counts from the line's origin for every
    endpoint, duration of response included (not from the first response)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    from_day: int = Field(ge=0)
    interval_days: int = Field(gt=0)


class CensoringScheme(BaseModel):
    """Rules that turn an event into a censoring, as in the FDA 2018 PFS table.

    Parameters
    ----------
    name
        Scheme name.
    censor_at_new_therapy
        An event after the start of a new anticancer therapy (the patient's next line) is
        censored at the last adequate assessment on or before that start (FDA); ``False``
        counts it (EMA ITT).  Follow-up scans of a line end at the next line's start unless
        the data assign later scans to the line with ``line_id``; with this rule such scans
        never give the censoring date either (censored at the last adequate assessment
        before the new therapy, CNSR 4).
    missed_assessments
        An event more than ``missed_assessments`` scheduled intervals (+ ``window_days``)
        after the last adequate assessment is censored at that assessment; ``None`` switches
        the rule off (EMA primary analysis counts the event at its observed date).
    schedule
        The assessment schedule in force, as steps counted from the line's origin; the
        interval used is the one in force at the last adequate assessment.  Default: every
        12 weeks for 2 years, then every 24.
    modality_schedules
        Schedules of modalities scanned on another rhythm, e.g. ``{"SST-PET": (ScheduleStep(
        from_day=0, interval_days=336),)}`` when SST-PET is repeated yearly.  A criterion's
        missed-assessment rule uses the schedule of the first of its modalities listed here,
        else ``schedule``.  Without it, a criterion read on yearly scans would have nearly
        every event censored for "missed" 12-weekly assessments.
    window_days
        Tolerance added to the allowed gap.
    no_baseline
        Lines without a baseline tumour assessment: ``"censor_at_origin"`` (FDA),
        ``"exclude"`` or ``"as_observed"`` (no special rule: a death is still an event, else
        censored at the origin, as admiralonco's ``derive_param_tte`` does); either way they
        are listed in the attrition table.
    add_one_day
        Duration = date − origin + 1 day (admiral's default); ``False`` for date − origin.
    external_progression
        ``lines.progression_date`` (a progression recorded outside the scans, e.g. an ADSL
        date) is a progression event too, next to each criterion's first PD time-point: the
        earlier counts (a tie: the time-point), named in the output by its source
        (``lines.progression_date``; ``event_cause`` ``"external_progression"``).  Default
        ``False``: the column is not read.
    clinical_progression
        A line ended for clinical progression (``lines.end_reason == "clinical_progression"``)
        is a progression event at its ``end_date`` for every endpoint with a progression
        source (PFS, TTP, DoR).  Off by default: FDA 2018 censors "treatment stopped for
        undocumented progression" at the last adequate assessment.
    biochemical_progression
        Name of a criterion (e.g. ``"cga_confirmed"``) whose first PD on a line is a
        progression event for every criterion's PFS, TTP and DoR ("clinical / biochemical
        progression"); it must be among the criteria derived.  None (default): off.  To judge
        one combined criterion instead, use :func:`netsurv.criteria.combine`.

    Examples
    --------
    >>> FDA2018.allowed_gap_days(100)
    182
    >>> FDA2018.allowed_gap_days(800)
    350
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    censor_at_new_therapy: bool = True
    missed_assessments: int | None = Field(2, ge=1)
    schedule: tuple[ScheduleStep, ...] = (
        ScheduleStep(from_day=0, interval_days=84),
        ScheduleStep(from_day=730, interval_days=168),
    )
    modality_schedules: dict[str, tuple[ScheduleStep, ...]] = Field(default_factory=dict)
    window_days: int = Field(14, ge=0)
    no_baseline: Literal["censor_at_origin", "exclude", "as_observed"] = "censor_at_origin"
    add_one_day: bool = True
    external_progression: bool = False
    clinical_progression: bool = False
    biochemical_progression: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _schedule_sorted(self) -> CensoringScheme:
        for name, schedule in [("schedule", self.schedule)] + [
            (f"modality_schedules[{m!r}]", s) for m, s in self.modality_schedules.items()
        ]:
            days = [s.from_day for s in schedule]
            if not days or days[0] != 0 or days != sorted(set(days)):
                raise ValueError(f"{name} must start at from_day=0 with increasing from_day values")
        known = [*MODALITIES, *MARKERS]  # a marker's measurements have their own rhythm too
        unknown = sorted(set(self.modality_schedules) - set(known))
        if unknown:
            raise ValueError(f"modality_schedules: unknown modality {unknown}; use one of {known}")
        return self

    def schedule_for(self, modalities: Sequence[str] = ()) -> tuple[ScheduleStep, ...]:
        """The schedule in force for a criterion reading ``modalities``.

        Examples
        --------
        >>> yearly = (ScheduleStep(from_day=0, interval_days=336),)
        >>> scheme = FDA2018.model_copy(update={"modality_schedules": {"SST-PET": yearly}})
        >>> scheme.schedule_for(("SST-PET",))[0].interval_days
        336
        >>> scheme.schedule_for(("CT", "MRI"))[0].interval_days
        84
        """
        for m in modalities:
            if m in self.modality_schedules:
                return self.modality_schedules[m]
        return self.schedule

    def allowed_gap_days(self, day: int, modalities: Sequence[str] = ()) -> int:
        """Longest allowed gap (days) after an adequate assessment made ``day`` days in."""
        return int(self.allowed_gaps(pd.Series([day]), modalities).iloc[0])

    def allowed_gaps(self, days: pd.Series, modalities: Sequence[str] = ()) -> pd.Series:
        """Vectorised :meth:`allowed_gap_days` (``missed_assessments`` × interval + window)."""
        d = pd.Series(days)
        gaps = self.gap_days(d.to_numpy(), self.schedule_for(modalities))
        return pd.Series(gaps, index=d.index)

    def gap_days(
        self, since: np.ndarray, schedule: tuple[ScheduleStep, ...] | None = None
    ) -> np.ndarray:
        """Allowed gaps (any-shaped array) after assessments ``since`` days from the origin,
        under ``schedule`` (default: the scheme's ``schedule``)."""
        schedule = self.schedule if schedule is None else schedule
        starts = np.array([s.from_day for s in schedule])
        intervals = np.array([s.interval_days for s in schedule])
        idx = np.searchsorted(starts, np.clip(since, 0, None), side="right") - 1
        return intervals[idx] * (self.missed_assessments or 0) + self.window_days

    def progression_sources(self) -> tuple[EventSource, ...]:
        """The event sources the scheme adds after a progression source (in tie-break order:
        on one date a PD time-point wins, then ``lines.progression_date``, a clinical, a
        biochemical progression).

        Examples
        --------
        >>> [e.kind for e in FDA2018.model_copy(update={"clinical_progression": True,
        ...  "external_progression": True}).progression_sources()]
        ['external_progression', 'clinical_progression']
        """
        out = []
        if self.external_progression:
            out.append(
                EventSource(
                    kind="external_progression",
                    description="progression recorded in lines.progression_date",
                )
            )
        if self.clinical_progression:
            out.append(
                EventSource(
                    kind="clinical_progression",
                    description="clinical progression (line ended for clinical progression)",
                )
            )
        if self.biochemical_progression is not None:
            out.append(
                EventSource(
                    kind="biochemical_progression",
                    description="biochemical progression ({criterion})",
                    criterion=self.biochemical_progression,
                )
            )
        return tuple(out)

    def rules_table(self) -> pd.DataFrame:
        """The scheme as a table of situations, dates and outcomes (for reports)."""
        gap = (
            f"event more than {self.missed_assessments} scheduled intervals + "
            f"{self.window_days} days after the last adequate assessment"
        )
        rows = [
            (
                "no baseline tumour assessment",
                "origin",
                {
                    "censor_at_origin": "censored",
                    "exclude": "excluded",
                    "as_observed": "event if death, else censored at origin",
                }[self.no_baseline],
            ),
            ("progression documented", "date of the first PD time-point", "event"),
            (
                "progression recorded outside the scans (lines.progression_date)",
                "that date, when earlier than the first PD time-point"
                if self.external_progression
                else "not read (external_progression off)",
                "event" if self.external_progression else "none",
            ),
            ("no progression, alive", "last adequate assessment", "censored"),
            (
                "treatment stopped without documented progression",
                "last adequate assessment",
                "censored",
            ),
            (
                "line ended for clinical progression (lines.end_reason)",
                "line end date" if self.clinical_progression else "last adequate assessment",
                "event" if self.clinical_progression else "censored (clinical_progression off)",
            ),
            (
                "biochemical progression"
                + (
                    f" ({self.biochemical_progression})"
                    if self.biochemical_progression
                    else " (marker criterion)"
                ),
                "date of its first PD"
                if self.biochemical_progression
                else "not an event of other criteria",
                "event"
                if self.biochemical_progression
                else "ignored (biochemical_progression off)",
            ),
            (
                "new anticancer therapy before progression",
                "last adequate assessment before new therapy"
                if self.censor_at_new_therapy
                else "date of the later progression or death",
                "censored" if self.censor_at_new_therapy else "event",
            ),
            ("death before the first post-baseline assessment", "death date", "event"),
            ("death between adequate assessments", "death date", "event"),
            (
                gap if self.missed_assessments else "progression or death after missed assessments",
                "last adequate assessment before the gap"
                if self.missed_assessments
                else "date of progression or death",
                "censored" if self.missed_assessments else "event",
            ),
            (
                "event after the data cut-off",
                "last adequate assessment on or before the cut-off",
                "censored",
            ),
        ]
        return pd.DataFrame(rows, columns=["situation", "date", "outcome"])


FDA2018 = CensoringScheme(name="fda2018")
EMA_ITT = CensoringScheme(name="ema_itt", censor_at_new_therapy=False, missed_assessments=None)
#: admiralonco's ADTTE template (``derive_param_tte``): no new-therapy or missed-visit rule, a
#: death without a baseline assessment is still a PFS event, duration + 1 day.
ADMIRALONCO = CensoringScheme(
    name="admiralonco",
    censor_at_new_therapy=False,
    missed_assessments=None,
    no_baseline="as_observed",
)
SCHEMES: dict[str, CensoringScheme] = {
    "fda2018": FDA2018,
    "ema_itt": EMA_ITT,
    "admiralonco": ADMIRALONCO,
}

_PD = EventSource(kind="progression", description="progression ({criterion})")
_DEATH = EventSource(kind="death", description="death")
_LAA = CensorSource(kind="last_adequate_assessment", description="last adequate assessment")
_ORIGIN = CensorSource(kind="origin", description="no adequate assessment after origin")
_ALIVE = CensorSource(kind="last_alive", description="last known alive")

ENDPOINTS: dict[str, EndpointDefinition] = {
    "OS": EndpointDefinition(
        name="OS", events=(_DEATH,), censors=(_ALIVE,), per_criterion=False, scheme_rules=False
    ),
    "PFS": EndpointDefinition(name="PFS", events=(_PD, _DEATH), censors=(_LAA, _ORIGIN)),
    "TTP": EndpointDefinition(name="TTP", events=(_PD,), censors=(_LAA, _ORIGIN)),
    "DoR": EndpointDefinition(
        name="DoR",
        events=(_PD, _DEATH),
        censors=(_LAA, _ORIGIN),
        origin="first_response",
        responders_only=True,
    ),
    "TTF": EndpointDefinition(
        name="TTF",
        events=(
            EventSource(kind="discontinuation", description="treatment discontinued ({reason})"),
            _DEATH,
            EventSource(kind="next_line", description="next line started"),
        ),
        censors=(CensorSource(kind="last_alive", description="on treatment at last contact"),),
        per_criterion=False,
        scheme_rules=False,
    ),
    "TTNT": EndpointDefinition(
        name="TTNT",
        events=(EventSource(kind="next_line", description="next line started"), _DEATH),
        censors=(_ALIVE,),
        per_criterion=False,
        scheme_rules=False,
    ),
    "PFS2": EndpointDefinition(
        name="PFS2",
        events=(
            EventSource(
                kind="next_line_progression", description="progression on next line ({criterion})"
            ),
            _DEATH,
        ),
        censors=(
            CensorSource(
                kind="next_line_last_adequate", description="last adequate assessment on next line"
            ),
            _LAA,
            _ORIGIN,
        ),
        scheme_rules=False,
    ),
}
