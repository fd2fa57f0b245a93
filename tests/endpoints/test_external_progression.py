"""``lines.progression_date``: a progression recorded outside the scans (e.g. an ADSL date) as
a progression event when the censoring scheme enables it (``external_progression``)."""

from __future__ import annotations

import pandas as pd
import pytest
from hand_cohort import day, hand_cohort

import netsurv as ns
from netsurv.endpoints import FDA2018, CensoringScheme
from netsurv.endpoints.matrix import endpoint_matrix

EXTERNAL = FDA2018.model_copy(update={"name": "fda2018_ext", "external_progression": True})


def _with_progression_date(cohort: ns.Cohort, d: int | None) -> ns.Cohort:
    lines = cohort.lines.assign(progression_date=None if d is None else day(d))
    return ns.Cohort.from_frames(
        cohort.patients, lines, cohort.assessments, cohort.lesions, options=cohort.options
    )


def _pfs(cohort: ns.Cohort, scheme: CensoringScheme) -> pd.Series:
    ep = ns.derive_endpoints(cohort, "recist1.1", endpoints=["PFS"], censoring=scheme).table
    return ep.iloc[0]


def test_external_progression_counts_only_when_the_scheme_enables_it() -> None:
    """admiralonco / ADaM practice: a progression date kept in ADSL (here
    ``lines.progression_date``) can be an event source of PFS next to the response records;
    netsurv reads it only when the censoring scheme says so, and the earlier event wins.

    Scans: SD on day 84, PD on day 168; recorded progression on day 120.

    * FDA 2018 (default): PFS event at the PD scan, day 168; the column is ignored;
    * with ``external_progression``: event on day 120, source ``lines.progression_date``;
    * a recorded progression after the PD scan (day 200) changes nothing;
    * no PD scan (SD, SD) and a recorded progression on day 150: the event is day 150.
    """
    cohort = _with_progression_date(hand_cohort({84: "SD", 168: "PD"}), 120)
    r = _pfs(cohort, FDA2018)
    assert (r["event"], r["date"]) == (1, pd.Timestamp(day(168)))
    r = _pfs(cohort, EXTERNAL)
    assert (r["event"], r["date"], r["event_cause"]) == (
        1,
        pd.Timestamp(day(120)),
        "external_progression",
    )
    assert (r["source_table"], r["source_column"], r["source_key"]) == (
        "lines",
        "progression_date",
        "P1 / L1",
    )
    later = _with_progression_date(hand_cohort({84: "SD", 168: "PD"}), 200)
    assert _pfs(later, EXTERNAL)["date"] == pd.Timestamp(day(168))
    no_pd = _with_progression_date(hand_cohort({84: "SD", 168: "SD"}), 150)
    r = _pfs(no_pd, EXTERNAL)
    assert (r["event"], r["date"]) == (1, pd.Timestamp(day(150)))
    assert _pfs(no_pd, FDA2018)["event"] == 0


def test_rules_table_and_matrix_engine_name_the_option() -> None:
    rules = EXTERNAL.rules_table().set_index("situation")
    row = rules.loc["progression recorded outside the scans (lines.progression_date)"]
    assert row["outcome"] == "event"
    assert FDA2018.rules_table().set_index("situation").loc[row.name, "outcome"] == "none"
    cohort = _with_progression_date(hand_cohort({84: "SD"}), 120)
    with pytest.raises(ns.ConfigError, match="external_progression"):
        endpoint_matrix(cohort, ns.classify_matrix(cohort, "recist1.1"), censoring=EXTERNAL)


def test_one_list_of_progression_sources_with_clinical_progression() -> None:
    """The scheme's optional progression sources are one candidate list after the time-point
    source (:meth:`CensoringScheme.progression_sources`): ``lines.progression_date`` and a
    line ended for clinical progression (FDA 2018 censors the latter unless the scheme counts
    it) compete by date, and ``[endpoints]`` switches each.

    Scans: SD on day 84, PD on day 168; line ended for clinical progression on day 140; recorded
    progression on day 120 (then on day 150).
    """
    from netsurv.config import EndpointsConfig

    scheme = EndpointsConfig(external_progression=True, clinical_progression=True).scheme()
    assert [e.kind for e in scheme.progression_sources()] == [
        "external_progression",
        "clinical_progression",
    ]
    rules = scheme.rules_table().set_index("situation")["outcome"]
    assert rules["progression recorded outside the scans (lines.progression_date)"] == "event"
    assert rules["line ended for clinical progression (lines.end_reason)"] == "event"
    base = hand_cohort({84: "SD", 168: "PD"})
    for recorded, cause, when in (
        (120, "external_progression", 120),
        (150, "clinical_progression", 140),
    ):
        lines = base.lines.assign(
            progression_date=day(recorded),
            end_date=day(140),
            end_reason="clinical_progression",
        )
        cohort = ns.Cohort.from_frames(
            base.patients, lines, base.assessments, base.lesions, options=base.options
        )
        r = _pfs(cohort, scheme)
        assert (r["event"], r["date"], r["event_cause"]) == (1, pd.Timestamp(day(when)), cause)
        clinical_only = scheme.model_copy(update={"external_progression": False})
        assert _pfs(cohort, clinical_only)["date"] == pd.Timestamp(day(140))
