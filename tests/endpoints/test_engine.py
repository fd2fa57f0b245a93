"""Endpoint engine: every row of the FDA 2018 PFS censoring table, EMA differences, TTF, DoR,
TTNT, PFS2, ties and the cut-off — hand-worked on small cohorts."""

from __future__ import annotations

import pandas as pd
import pytest

import netsurv as ns
from netsurv.endpoints import (
    FDA2018,
    CensoringScheme,
    ScheduleStep,
    derive_from_timepoints,
    to_adtte,
)

START = pd.Timestamp("2020-01-01")


def day(n: int) -> str:
    return (START + pd.Timedelta(days=n)).date().isoformat()


def build(
    responses: dict[int, str],
    *,
    death: int | None = None,
    alive: int = 400,
    baseline: bool = True,
    line2: int | None = None,
    end: tuple[int, str] | None = None,
    line2_responses: dict[int, str] | None = None,
) -> tuple[ns.Cohort, pd.DataFrame]:
    """One patient, line L1 starting at day 0, CT scans at the given days with responses."""
    last = max([alive, *(responses or {0: ""})])
    patients = pd.DataFrame(
        {
            "patient_id": ["P1"],
            "last_alive_date": [day(death if death is not None else last)],
            "death_date": [day(death) if death is not None else None],
        }
    )
    lines = [
        {
            "patient_id": "P1",
            "line_id": "L1",
            "regimen": "lanreotide",
            "start_date": day(0),
            "end_date": day(end[0]) if end else None,
            "end_reason": end[1] if end else None,
        }
    ]
    if line2 is not None:
        lines.append(
            {
                "patient_id": "P1",
                "line_id": "L2",
                "regimen": "everolimus",
                "start_date": day(line2),
                "end_date": None,
                "end_reason": None,
            }
        )
    scan_days = ([-7] if baseline else []) + sorted(responses) + sorted(line2_responses or {})
    scans = pd.DataFrame(
        {
            "patient_id": "P1",
            "assessment_id": [f"A{i:02d}" for i in range(len(scan_days))],
            "date": [day(d) for d in scan_days],
            "modality": "CT",
        }
    )
    lesions = scans[["patient_id", "assessment_id"]].assign(
        lesion_id="T1", site="liver", role="target", long_axis_mm="30"
    )
    cohort = ns.Cohort.from_frames(
        patients,
        pd.DataFrame(lines),
        scans,
        lesions,
        options=ns.ValidationOptions(severity={"no_baseline": "off"}),
    )
    all_resp = {**responses, **(line2_responses or {})}
    links = cohort.assessment_lines.query("role == 'follow_up'")
    tp = links.assign(
        criterion="recist", response=[all_resp[(d - START).days] for d in links["date"]]
    )
    return cohort, tp


def one(
    cohort: ns.Cohort, tp: pd.DataFrame, endpoint: str = "PFS", line: str = "L1", **kw: object
) -> pd.Series:
    res = derive_from_timepoints(cohort, tp, endpoints=[endpoint], criteria=["recist"], **kw)  # type: ignore[arg-type]
    rows = res.table[(res.table["endpoint"] == endpoint) & (res.table["line_id"] == line)]
    assert len(rows) == 1
    return rows.iloc[0]


# ---------------------------------------------------------------- FDA 2018 table, row by row
def test_no_baseline_assessment_censored_at_origin() -> None:
    cohort, tp = build({84: "SD", 168: "PD"}, baseline=False)
    r = one(cohort, tp)
    assert (r["event"], r["date"], r["cnsr"]) == (0, START, 3)
    assert r["event_or_censor_reason"] == "no baseline tumour assessment"
    res = derive_from_timepoints(cohort, tp, endpoints=["PFS"])
    assert "no baseline tumour assessment (recist)" in res.attrition["reason"].iloc[0]
    excl = derive_from_timepoints(
        cohort,
        tp,
        endpoints=["PFS"],
        censoring=CensoringScheme(name="strict", no_baseline="exclude"),
    )
    assert excl.table.empty
    assert "excluded from PFS" in excl.attrition["reason"].iloc[0]


def test_progression_is_an_event_at_the_first_pd_scan() -> None:
    cohort, tp = build({84: "SD", 168: "PD", 252: "PD"})
    r = one(cohort, tp)
    assert (r["event"], r["days"], r["cnsr"]) == (1, 169, 0)  # + 1 day, admiral convention
    assert r["event_or_censor_reason"] == "progression (recist)"
    assert (r["source_table"], r["source_key"]) == ("assessments", "P1 / A02")
    assert r["months"] == pytest.approx(169 / 30.4375)


def test_no_progression_alive_censored_at_last_adequate_assessment() -> None:
    cohort, tp = build({84: "SD", 168: "PR", 252: "NE"})
    r = one(cohort, tp)
    assert (r["event"], r["date"], r["cnsr"]) == (0, pd.Timestamp(day(168)), 1)
    assert r["event_or_censor_reason"] == "last adequate assessment"


def test_treatment_stopped_without_progression_censored_at_last_adequate() -> None:
    cohort, tp = build({84: "SD", 168: "SD"}, end=(120, "toxicity"))
    r = one(cohort, tp)
    assert (r["event"], r["date"]) == (0, pd.Timestamp(day(168)))


def test_new_therapy_before_progression_censors_at_last_adequate_before_it() -> None:
    # death after the next line started: FDA censors PFS of L1 at the last adequate scan
    cohort, tp = build({84: "SD", 168: "SD"}, line2=200, death=320, line2_responses={280: "SD"})
    r = one(cohort, tp)
    assert (r["event"], r["date"], r["cnsr"]) == (0, pd.Timestamp(day(168)), 4)
    assert r["event_or_censor_reason"] == "new anticancer therapy started"
    ema = one(cohort, tp, censoring="ema_itt")
    assert (ema["event"], ema["date"]) == (1, pd.Timestamp(day(320)))


def test_pd_on_the_day_the_next_line_starts_is_an_event() -> None:
    cohort, tp = build({84: "SD", 168: "PD"}, line2=168, line2_responses={252: "SD"})
    r = one(cohort, tp)
    assert (r["event"], r["date"]) == (1, pd.Timestamp(day(168)))


def test_death_before_first_assessment_is_an_event() -> None:
    cohort, tp = build({}, death=40)
    r = one(cohort, tp)
    assert (r["event"], r["date"], r["event_or_censor_reason"]) == (
        1,
        pd.Timestamp(day(40)),
        "death",
    )
    assert (r["source_table"], r["source_column"]) == ("patients", "death_date")


def test_death_between_adequate_assessments_is_an_event() -> None:
    cohort, tp = build({84: "SD", 168: "SD"}, death=200)
    assert one(cohort, tp)["event"] == 1


def test_event_after_two_missed_assessments_is_censored_at_last_adequate() -> None:
    # scans due every 84 days: 2 missed (168) + 14-day window = 182 days allowed
    cohort, tp = build({84: "SD", 84 + 183: "PD"})
    r = one(cohort, tp)
    assert (r["event"], r["date"], r["cnsr"]) == (0, pd.Timestamp(day(84)), 5)
    assert r["event_or_censor_reason"] == "event after missed assessments"
    on_time = one(*build({84: "SD", 84 + 182: "PD"}))
    assert on_time["event"] == 1
    ema = one(cohort, tp, censoring="ema_itt")
    assert (ema["event"], ema["date"]) == (1, pd.Timestamp(day(267)))


def test_missed_assessments_follow_the_schedule_of_the_criterion_modality() -> None:
    # SST-PET yearly (336 days): 2 x 336 + 14 = 686 days allowed after the last scan
    yearly = (ScheduleStep(from_day=0, interval_days=336),)
    scheme = FDA2018.model_copy(update={"modality_schedules": {"SST-PET": yearly}})
    cohort, tp = build({336: "SD", 336 + 336: "PD"})
    assert one(cohort, tp, censoring=scheme)["event"] == 0  # read on CT: the CT schedule
    sst = one(cohort, tp, censoring=scheme, modalities={"recist": ("SST-PET",)})
    assert (sst["event"], sst["date"]) == (1, pd.Timestamp(day(672)))
    late = build({336: "SD", 336 + 687: "PD"}, alive=1100)
    r = one(*late, censoring=scheme, modalities={"recist": ("SST-PET",)})
    assert (r["event"], r["date"], r["cnsr"]) == (0, pd.Timestamp(day(336)), 5)
    # the first listed modality with its own schedule decides
    assert scheme.schedule_for(("CT", "SST-PET")) == yearly
    with pytest.raises(ValueError, match="unknown modality"):
        CensoringScheme(name="x", modality_schedules={"PET": yearly})


def test_death_long_after_origin_without_scans_is_censored_at_origin() -> None:
    cohort, tp = build({}, death=400)
    r = one(cohort, tp)
    assert (r["event"], r["date"], r["cnsr"]) == (0, START, 5)
    assert r["source_table"] == "lines"


def test_schedule_in_force_after_two_years() -> None:
    # after day 730 scans are due every 168 days: 2 x 168 + 14 = 350 days allowed
    resp = {d: "SD" for d in range(84, 757, 84)}
    cohort, tp = build(resp | {756 + 340: "PD"}, alive=1200)
    assert one(cohort, tp)["event"] == 1


def test_progression_and_death_on_the_same_day_is_progression() -> None:
    cohort, tp = build({84: "SD", 168: "PD"}, death=168)
    r = one(cohort, tp)
    assert (r["event"], r["event_or_censor_reason"]) == (1, "progression (recist)")
    assert one(cohort, tp, "TTP")["event"] == 1


def test_ttp_censors_death() -> None:
    cohort, tp = build({84: "SD", 168: "SD"}, death=200)
    r = one(cohort, tp, "TTP")
    assert (r["event"], r["date"]) == (0, pd.Timestamp(day(168)))


def test_data_cutoff() -> None:
    cohort, tp = build({84: "SD", 168: "SD", 252: "PD"}, death=300)
    r = one(cohort, tp, cutoff_date=day(200))
    assert (r["event"], r["date"]) == (0, pd.Timestamp(day(168)))
    os_ = one(cohort, tp, "OS", cutoff_date=day(200))
    assert (os_["event"], os_["date"], os_["event_or_censor_reason"]) == (
        0,
        pd.Timestamp(day(200)),
        "data cut-off",
    )


# ---------------------------------------------------------------- other endpoints
def test_os_event_and_censoring() -> None:
    dead = one(*build({84: "SD"}, death=500), "OS")
    assert (dead["event"], dead["days"], dead["criterion"]) == (1, 501, None)
    alive = one(*build({84: "SD"}, alive=600), "OS")
    assert (alive["event"], alive["days"], alive["event_or_censor_reason"]) == (
        0,
        601,
        "last known alive",
    )


@pytest.mark.parametrize(
    ("end", "line2", "death", "expected"),
    [
        ((150, "toxicity"), None, None, (1, 150, "treatment discontinued (toxicity)")),
        ((150, "progression"), 160, None, (1, 150, "treatment discontinued (progression)")),
        ((150, "completed"), 300, None, (0, 150, "treatment completed as planned")),
        (None, None, None, (0, 400, "on treatment at last contact")),
        (None, 250, None, (1, 250, "next line started")),
        (None, None, 90, (1, 90, "death")),
    ],
)
def test_time_to_treatment_failure(
    end: tuple[int, str] | None,
    line2: int | None,
    death: int | None,
    expected: tuple[int, int, str],
) -> None:
    cohort, tp = build(
        {84: "SD"},
        end=end,
        line2=line2,
        death=death,
        alive=400,
        line2_responses={350: "SD"} if line2 else None,
    )
    r = one(cohort, tp, "TTF")
    assert (r["event"], (r["date"] - START).days, r["event_or_censor_reason"]) == expected


def test_duration_of_response_from_first_response() -> None:
    cohort, tp = build({84: "SD", 168: "PR", 252: "PR", 336: "PD"})
    r = one(cohort, tp, "DoR")
    assert (r["origin_date"], r["date"], r["event"], r["days"]) == (
        pd.Timestamp(day(168)),
        pd.Timestamp(day(336)),
        1,
        169,
    )
    non_responder = derive_from_timepoints(*build({84: "SD", 168: "PD"}), endpoints=["DoR"])
    assert non_responder.table.empty
    given = pd.DataFrame(
        {
            "patient_id": ["P1"],
            "line_id": ["L1"],
            "criterion": ["recist"],
            "first_response_date": [pd.Timestamp(day(252))],
        }
    )
    confirmed = one(cohort, tp, "DoR", first_response=given)
    assert confirmed["origin_date"] == pd.Timestamp(day(252))


def test_time_to_next_treatment() -> None:
    cohort, tp = build({84: "SD"}, line2=200, line2_responses={280: "SD"})
    r = one(cohort, tp, "TTNT")
    assert (r["event"], r["date"]) == (1, pd.Timestamp(day(200)))
    last = one(cohort, tp, "TTNT", line="L2")
    assert (last["event"], last["event_or_censor_reason"]) == (0, "last known alive")


def test_pfs2_is_progression_on_the_next_line() -> None:
    cohort, tp = build(
        {84: "SD", 168: "PD"}, line2=175, line2_responses={259: "SD", 343: "PD"}, alive=420
    )
    r = one(cohort, tp, "PFS2")
    assert (r["event"], r["date"]) == (1, pd.Timestamp(day(343)))
    assert r["event_or_censor_reason"] == "progression on next line (recist)"


def test_adtte_view() -> None:
    cohort, tp = build({84: "SD", 168: "PD"}, death=300)
    res = derive_from_timepoints(cohort, tp, endpoints=["PFS", "OS"])
    ad = to_adtte(res.table).set_index("PARAMCD")
    assert ad.loc["PFS", ["AVAL", "CNSR", "EVNTDESC", "SRCDOM", "SRCVAR"]].tolist() == [
        169,
        0,
        "progression (recist)",
        "ADRS",
        "ADT",
    ]
    assert ad.loc["OS", ["AVAL", "CNSR", "SRCDOM", "SRCVAR"]].tolist() == [
        301,
        0,
        "ADSL",
        "DTHDT",
    ]
    assert res.adtte().equals(to_adtte(res.table))


def test_unknown_names_are_clear_errors() -> None:
    cohort, tp = build({84: "SD"})
    with pytest.raises(ns.ConfigError, match="unknown endpoint 'PFS3'"):
        derive_from_timepoints(cohort, tp, endpoints=["PFS3"])
    with pytest.raises(ns.ConfigError, match="unknown censoring scheme"):
        derive_from_timepoints(cohort, tp, censoring="fda")
    with pytest.raises(ns.ConfigError, match="lacks column"):
        derive_from_timepoints(cohort, tp.drop(columns="response"))
