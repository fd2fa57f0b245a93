"""A methods paragraph generated from a run's config: criteria, censoring, landmarks, software."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from netsurv.config import Config
from netsurv.criteria import AnyCriterion, CombinedCriterion
from netsurv.criteria.combined import RULES_TEXT
from netsurv.criteria.registry import describe_progression, describe_response
from netsurv.endpoints import CensoringScheme, ScheduleStep

FIRTH_TEXT = (
    "Hazard ratios were estimated with Firth's penalised partial likelihood (Heinze & Schemper "
    "2001), which stays finite when a group has few or no events, with profile "
    "penalised-likelihood confidence intervals and penalised likelihood-ratio tests."
)


def criteria_table(criteria: list[AnyCriterion]) -> pd.DataFrame:
    """One row per criterion: measurement, lesions, response and progression rules, source.

    A combined criterion's row names its components (``lesions``: ``"recist1.1 + sstv"``)
    and describes their rules; ``new_lesion_pd`` is whether a new lesion on a component whose
    PD counts makes the time point PD.

    Examples
    --------
    >>> import netsurv as ns
    >>> criteria_table([ns.criteria.RECIST_1_1]).loc[0, "progression"]
    '>= +20 % vs nadir and >= 5 abs.'
    >>> both = ns.criteria.combine("recist1.1", "sstv", name="ct+sst")
    >>> criteria_table([both]).loc[0, ["modality", "lesions"]].tolist()
    ['CT, MRI + SST-PET', 'recist1.1 + sstv']
    """
    rows = []
    for c in criteria:
        if isinstance(c, CombinedCriterion):
            counted = c.components if c.progression != "anchor" else (c.anchor_criterion,)
            rows.append(
                {
                    "criterion": c.name,
                    "label": c.title,
                    "modality": " + ".join(", ".join(x.modality) for x in c.components),
                    "measure": c.measure,
                    "lesions": " + ".join(x.name for x in c.components),
                    "aggregation": "",
                    "response": describe_response(c),
                    "progression": describe_progression(c),
                    "new_lesion_pd": any(x.new_lesion_pd for x in counted),
                    "source": c.source,
                }
            )
            continue
        rows.append(
            {
                "criterion": c.name,
                "label": c.label or c.name,
                "modality": ", ".join(c.modality),
                "measure": c.measure,
                "lesions": c.lesion_set + (f" ({', '.join(c.sites)})" if c.sites else ""),
                "aggregation": c.aggregation,
                "response": describe_response(c),
                "progression": describe_progression(c),
                "new_lesion_pd": c.new_lesion_pd,
                "source": c.source,
            }
        )
    return pd.DataFrame(rows)


def methods_paragraph(cfg: Config, versions: Mapping[str, str | None]) -> str:
    """The methods text of a run (Markdown).

    Examples
    --------
    >>> from netsurv.config import Config
    >>> text = methods_paragraph(Config(), {"netsurv": "0.1.0", "python": "3.11"})
    >>> "FDA" in text and "RECIST 1.1" in text
    True
    """
    crits = cfg.build_criteria()
    scheme = cfg.endpoints.scheme()
    names = ", ".join(c.label or c.name for c in crits)
    parts = [
        f"Tumour response was classified per scan under {len(crits)} criteria ({names}); "
        "definitions are listed in the criteria table. "
        f"Endpoints ({', '.join(cfg.endpoints.names)}) were measured from "
        f"{_origin(cfg.endpoints.origin)}; durations are date − origin + "
        f"{1 if scheme.add_one_day else 0} day(s), months = days / 30.4375."
    ]
    combined = [c for c in crits if isinstance(c, CombinedCriterion)]
    if combined:
        listed = "; ".join(f"{c.label or c.name}: {c.describe()}" for c in combined)
        parts.append(f"Combined criteria read several criteria together ({listed}). {RULES_TEXT}")
    parts.append(_censoring_text(scheme))
    if cfg.endpoints.cutoff_date is not None:
        parts.append(f"Data cut-off: {cfg.endpoints.cutoff_date}.")
    if cfg.landmark.enabled:
        months = ", ".join(f"{m:g}" for m in cfg.landmark.months)
        outcome = _outcome(cfg.landmark.outcome, cfg.landmark.outcome_criterion)
        parts.append(
            f"Responders and non-responders were compared by landmark analysis at {months} "
            f"months ({cfg.landmark.status} status as known at the landmark, {outcome} "
            "measured from the landmark among patients alive and at risk then), avoiding "
            "guarantee-time bias."
        )
        if cfg.landmark.penalty == "firth":
            parts.append(f"In the landmark analyses: {FIRTH_TEXT[0].lower()}{FIRTH_TEXT[1:]}")
    if cfg.km.enabled:
        parts.append(
            f"Survival curves are Kaplan–Meier estimates with {cfg.km.conf_type} confidence "
            "intervals (R survfit conventions), "
            + (
                "on each patient's first analysed line"
                if cfg.km.lines == "first"
                else "on every analysed line"
            )
            + "; medians are read off the curve as R does."
        )
    if cfg.cox.enabled:
        on = cfg.cox.formula if cfg.cox.formula is not None else ", ".join(cfg.cox.covariates)
        parts.append(
            f"Cox regression of {cfg.cox.outcome} on {on} "
            f"({cfg.cox.ties} ties"
            + (f", stratified by {', '.join(cfg.cox.strata)}" if cfg.cox.strata else "")
            + (", Firth-penalised" if cfg.cox.penalty == "firth" else "")
            + ")."
        )
    if cfg.competing.enabled:
        parts.append(_competing_text(cfg))
    if cfg.compare.enabled and cfg.compare.penalty == "firth":
        parts.append(f"In the criteria comparison: {FIRTH_TEXT[0].lower()}{FIRTH_TEXT[1:]}")
    if cfg.compare.enabled and cfg.compare.continuous is not False:
        c = cfg.compare
        which = "the reference criterion" if c.continuous is True else str(c.continuous)
        when = "smallest" if c.change == "best" else "last"
        parts.append(
            f"The continuous % change from baseline under {which} ({when} value by the "
            f"{c.landmark_months or 6.0:g}-month landmark) was modelled as a restricted cubic "
            f"spline with {c.spline_knots} knots at Harrell's default quantiles (R rms::rcs) and "
            "scored by the same measures as the dichotomised criteria, on the same patients."
        )
    if cfg.sweep.enabled:
        parts.append(
            f"A threshold sweep over {', '.join(cfg.sweep.grid)} of {cfg.sweep.base} selected the "
            f"variant with the largest {cfg.sweep.metric} among those whose smaller group held "
            f"at least {cfg.sweep.min_group:.0%} of the analysed lines; its p-value was adjusted "
            f"for the search by {cfg.sweep.n_perm} permutations (maximum statistic over every "
            "selectable variant and landmark) and its "
            f"performance corrected for optimism by {cfg.sweep.n_boot} bootstrap resamples "
            "repeating the whole selection."
        )
    soft = ", ".join(
        f"{k} {v}"
        for k, v in versions.items()
        if v and k in ("netsurv", "python", "numpy", "pandas", "lifelines", "scikit-survival")
    )
    parts.append(f"Analyses used {soft}; seed {cfg.run.seed}.")
    return " ".join(parts)


def _competing_text(cfg: Config) -> str:
    """The competing-risks analyses in words."""
    c = cfg.competing
    first, others = c.causes[0], " or ".join(c.causes[1:])
    text = (
        f"{c.endpoint} events were split by cause, {first} with {others} as competing "
        f"event(s); cumulative incidence was estimated by Aalen–Johansen ({c.conf_type} "
        "confidence limits, R survfit"
        + ("; none while the incidence is 0" if c.conf_type != "plain" else "")
        + ")"
    )
    if c.by is not None:
        text += (
            f" by {c.by}, compared by Gray's test (rho = {c.rho:g}, R cmprsk::cuminc; groups "
            "with no one at risk at an event time left out)"
        )
    if c.covariates:
        how = (
            "as cmprsk::crr, with Fine and Gray's variance"
            if c.method == "crr"
            else "as R finegray + coxph, robust variance"
        )
        text += (
            f"; the subdistribution hazard of {c.model_cause} was modelled on "
            f"{', '.join(c.covariates)} by Fine–Gray regression ({how})"
        )
    return text + "."


def _outcome(outcome: str, criterion: str | None) -> str:
    """The outcome, with the criterion it was derived under when that is fixed."""
    return outcome if criterion is None else f"{outcome} under {criterion}"


def _censoring_text(scheme: CensoringScheme) -> str:
    """The censoring scheme's rules in words, from its fields."""
    name = scheme.name
    title = {"fda2018": "the FDA 2018 rules", "ema_itt": "the EMA treatment-policy (ITT) rules"}
    text = [
        f"Progression-free survival followed {title.get(name, f'the {name} rules')}: without "
        "progression or death, censored at the last adequate assessment"
    ]
    text.append(
        "lines without a baseline assessment "
        + {
            "censor_at_origin": "censored at the origin",
            "exclude": "excluded",
            "as_observed": "analysed as observed (a death still counts)",
        }[scheme.no_baseline]
    )
    if scheme.censor_at_new_therapy:
        text.append(
            "events after a new anticancer therapy censored at the last adequate assessment before it"
        )
    else:
        text.append("events after a new anticancer therapy counted")
    if scheme.missed_assessments:
        steps = _steps(scheme.schedule)
        for modality, schedule in scheme.modality_schedules.items():
            steps += f"; {modality} {_steps(schedule)}"
        text.append(
            f"events after {scheme.missed_assessments} or more missed scheduled assessments "
            f"({steps}; + {scheme.window_days} days tolerance) censored at the last adequate "
            "assessment before the gap"
        )
    else:
        text.append("events after missed assessments counted at their observed date")
    return "; ".join(text) + "."


def _steps(schedule: tuple[ScheduleStep, ...]) -> str:
    return ", then ".join(f"every {s.interval_days} days from day {s.from_day}" for s in schedule)


def _origin(origin: str) -> str:
    return {
        "line_start": "the start of the treatment line",
        "origin_date": "the origin date recorded for the line (e.g. randomisation)",
        "baseline_scan": "the baseline scan",
    }[origin]
