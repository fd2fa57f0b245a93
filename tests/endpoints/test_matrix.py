"""``endpoint_matrix`` (arrays, many criteria at once) equals the long endpoint engine, column
by column, on random cohorts that exercise every censoring rule."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from random_cohort import random_cohort

import netsurv as ns
import netsurv.endpoints.matrix as matrix_module
from netsurv.endpoints import ADMIRALONCO, CensoringScheme, ScheduleStep
from netsurv.endpoints.arguments import censoring_scheme
from netsurv.endpoints.matrix import endpoint_matrix

CRITERIA = [
    *ns.criteria.grid(
        "recist1.1", progression_threshold=[0.1, 0.2, 0.4], response_threshold=[-0.1, -0.3]
    ),
    ns.criteria.get("irecist"),
    replace(ns.criteria.IRECIST, name="irecist_censor_unresolved", unresolved_pd="censor"),
    ns.criteria.get("choi"),
    ns.criteria.get("sstv"),
]
# the random cohort misses scans on purpose (the rule must be exercised): its warning is expected
pytestmark = pytest.mark.filterwarnings("ignore::netsurv.endpoints.ScheduleWarning")

EXCLUDE = CensoringScheme(name="exclude_no_baseline", no_baseline="exclude", add_one_day=False)
SST_YEARLY = CensoringScheme(
    name="sst_yearly",
    modality_schedules={"SST-PET": (ScheduleStep(from_day=0, interval_days=336),)},
)


@pytest.fixture(scope="module")
def cohort() -> ns.Cohort:
    return random_cohort(80, seed=1)


@pytest.fixture(scope="module")
def matrix(cohort: ns.Cohort) -> ns.response.ResponseMatrix:
    return ns.classify_matrix(cohort, CRITERIA)


def _compare(em: pd.DataFrame, long: pd.DataFrame) -> pd.DataFrame:
    merged = em.merge(
        long, on=["patient_id", "line_id"], how="outer", suffixes=("_m", "_l"), indicator=True
    )
    same = (
        (merged["_merge"] == "both")
        & (merged["days_m"] == merged["days_l"])
        & (merged["event_m"] == merged["event_l"])
        & (merged["cnsr_m"] == merged["cnsr_l"])
        & (merged["event_cause_m"].fillna("") == merged["event_cause_l"].fillna(""))
    )
    return merged[~same]


@pytest.mark.parametrize("endpoint", ["PFS", "TTP", "OS"])
@pytest.mark.parametrize(
    ("censoring", "cutoff"),
    [
        ("fda2018", None),
        ("ema_itt", None),
        ("fda2018", "2021-06-30"),
        (EXCLUDE, None),
        (SST_YEARLY, None),
    ],
)
def test_matrix_equals_long_engine(cohort, matrix, endpoint, censoring, cutoff):
    em = endpoint_matrix(cohort, matrix, endpoint=endpoint, censoring=censoring, cutoff_date=cutoff)
    long = ns.derive_endpoints(
        cohort, CRITERIA, endpoints=[endpoint], censoring=censoring, cutoff_date=cutoff
    ).table
    for j, crit in enumerate(CRITERIA):
        col = em.column(j).dropna(subset=["days"])
        sub = long if endpoint == "OS" else long[long["criterion"] == crit.name]
        diff = _compare(col, sub)
        assert diff.empty, f"{crit.name}: {diff.head().to_dict('records')}"


@pytest.mark.parametrize("censoring", ["fda2018", "ema_itt", ADMIRALONCO, EXCLUDE, SST_YEARLY])
def test_blocks_and_tiles_do_not_change_the_result(cohort, matrix, monkeypatch, censoring):
    # the kernel works on tiles of criteria × lines: split the work every way it can be split
    # (one criterion per block, tiles of three lines) and compare with the default
    args = {"censoring": censoring, "cutoff_date": "2021-06-30"}
    whole = {ep: endpoint_matrix(cohort, matrix, endpoint=ep, **args) for ep in ("PFS", "TTP")}
    monkeypatch.setattr(matrix_module, "_TILE", 1)
    monkeypatch.setattr(matrix_module, "_MIN_RANKS", 3)
    for block in (1, 4):
        for ep, ref in whole.items():
            split = endpoint_matrix(cohort, matrix, endpoint=ep, block=block, **args)
            np.testing.assert_array_equal(split.days, ref.days)
            np.testing.assert_array_equal(split.event, ref.event)
            np.testing.assert_array_equal(split.cnsr, ref.cnsr)
            np.testing.assert_array_equal(split.cause, ref.cause)
            pd.testing.assert_frame_equal(split.attrition, ref.attrition)


@pytest.mark.parametrize("censoring", ["fda2018", "ema_itt", EXCLUDE, SST_YEARLY])
def test_attrition_lists_every_line_without_baseline_or_censored_at_origin(
    cohort, matrix, censoring
):
    # nothing is lost: a line × criterion without a baseline scan, or censored at its origin,
    # is counted in the line's attrition row; the long engine's lines are all there
    em = endpoint_matrix(cohort, matrix, censoring=censoring, cutoff_date="2021-06-30")
    att = em.attrition[em.attrition["stage"] == "endpoints"]
    n = len(CRITERIA)
    known = (
        "line starts after the data cut-off",
        "no baseline tumour assessment (",
        "no adequate follow-up assessment (",
        "new anticancer therapy before any adequate follow-up assessment (",
        "event after missed assessments, none adequate before (",
    )
    assert att["reason"].str.startswith(known).all(), set(att["reason"])

    def counted(prefix: str) -> pd.Series:
        rows = att[att["reason"].str.startswith(prefix)]
        k = rows["reason"].str.extract(rf"\((\d+) of {n} criteria")[0].astype(int)
        return k.groupby(rows["row_key"]).sum()

    key = em.lines["patient_id"] + " / " + em.lines["line_id"]
    no_base = np.isin(em.cnsr, [3, -1])
    expected = pd.Series(no_base.sum(axis=1), index=key)
    assert counted(known[1]).to_dict() == expected[expected > 0].to_dict()
    origin_days = 1.0 if censoring_scheme(censoring).add_one_day else 0.0
    at_origin = ~em.event & (em.days == origin_days) & ~no_base
    expected = pd.Series(at_origin.sum(axis=1), index=key)
    got = pd.concat([counted(p) for p in known[2:]]).groupby(level=0).sum()
    assert got.to_dict() == expected[expected > 0].to_dict()

    long = ns.derive_endpoints(
        cohort, CRITERIA, endpoints=["PFS"], censoring=censoring, cutoff_date="2021-06-30"
    ).attrition
    long = long[long["stage"] == "endpoints"]
    assert set(long["row_key"]) <= set(att["row_key"])


def test_attrition_under_as_observed_names_the_same_lines_without_baseline(cohort, matrix):
    # ADMIRALONCO counts deaths of lines without a baseline scan: they are still listed
    em = endpoint_matrix(cohort, matrix, censoring=ADMIRALONCO)
    long = ns.derive_endpoints(cohort, CRITERIA, endpoints=["PFS"], censoring=ADMIRALONCO)
    reason = "no baseline tumour assessment"
    mine = em.attrition[em.attrition["reason"].str.startswith(reason)]
    theirs = long.attrition[long.attrition["reason"].str.startswith(reason)]
    assert not mine.empty
    assert mine["reason"].str.endswith("PFS from death, else origin").all()
    counts = mine["reason"].str.extract(rf"\((\d+) of {len(CRITERIA)} criteria")[0].astype(int)
    assert (
        dict(zip(mine["row_key"], counts, strict=True))
        == theirs.groupby("row_key").size().to_dict()
    )


def test_the_random_cohort_exercises_every_rule(cohort, matrix):
    em = endpoint_matrix(cohort, matrix, endpoint="PFS")
    codes = set(np.unique(em.cnsr).tolist())
    assert {
        0,
        1,
        2,
        3,
        4,
        5,
    } <= codes  # event, last adequate, no assessment, no baseline, new therapy, missed


def test_sst_pet_schedule_changes_only_the_sst_pet_criterion(cohort, matrix):
    fda = endpoint_matrix(cohort, matrix, endpoint="PFS")
    own = endpoint_matrix(cohort, matrix, endpoint="PFS", censoring=SST_YEARLY)
    sst = [c.name for c in CRITERIA].index("sstv")
    changed = (fda.cnsr != own.cnsr).any(axis=0)
    assert changed[sst] and changed.sum() == 1
    assert own.event[:, sst].sum() > fda.event[:, sst].sum()


def test_other_origins(cohort, matrix):
    for origin in ("baseline_scan",):
        em = endpoint_matrix(cohort, matrix, endpoint="PFS", origin=origin)
        long = ns.derive_endpoints(cohort, CRITERIA, endpoints=["PFS"], origin=origin).table
        for j, crit in enumerate(CRITERIA):
            assert _compare(em.column(j), long[long["criterion"] == crit.name]).empty


@pytest.mark.parametrize("censoring", ["ema_itt", "fda2018"])
def test_lower_progression_cutoff_never_gives_longer_pfs(cohort, matrix, censoring):
    # holds on this cohort under both schemes; in general it can fail where a lower cut-off
    # calls PD on a scan with a missing lesion that a higher one reads as NE (see
    # test_properties.test_the_exception_worked_by_hand)
    em = endpoint_matrix(cohort, matrix, endpoint="PFS", censoring=censoring)
    names = [c.name for c in CRITERIA]
    for r in ("-0.1", "-0.3"):
        cols = [names.index(n) for n in names if n.endswith(f"response_threshold={r}]")]
        assert len(cols) == 3  # progression cut-offs 0.1, 0.2, 0.4 in this order
        pfs = em.days[:, cols]
        assert (np.diff(pfs, axis=1) >= 0).all()
        assert (np.diff(pfs, axis=1) > 0).any()  # the property is not vacuous here


def test_os_is_a_broadcast_and_errors_are_clear(cohort, matrix):
    em = endpoint_matrix(cohort, matrix, endpoint="OS")
    assert em.days.strides[1] == 0
    with pytest.raises(ns.ConfigError, match="'PFS', 'TTP' or 'OS'"):
        endpoint_matrix(cohort, matrix, endpoint="DoR")  # type: ignore[arg-type]
    with pytest.raises(ns.ConfigError, match="no criterion"):
        em.column("nope")
