"""Best responses computed once per time-point table and shared.

``best_response`` keeps its work on a :class:`~netsurv.response.Timepoints` (per option set
other than ``confirm``), and agreement, landmark and comparison read one criterion's rows of
the best responses of every criterion instead of computing them from that criterion's rows
alone.  Both rest on a line's best response reading its own rows only: these tests pin that
the shared results equal the unshared ones, value for value and dtype for dtype.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

import netsurv as ns
from netsurv.response import Timepoints, best_response
from netsurv.survival._status_dates import status_dates

CONFIRMED = replace(ns.criteria.RECIST_1_1, name="recist_confirmed", confirm_response=True)


@pytest.fixture(scope="module")
def tp() -> Timepoints:
    return ns.classify(ns.load_demo(), ["recist1.1", "choi", "irecist", CONFIRMED])


def _alone(tp: Timepoints, name: str, **options: object) -> pd.DataFrame:
    """The best responses of one criterion from its own rows, on a fresh table (no cache)."""
    rows = tp.table[tp.table["criterion"] == name].reset_index(drop=True)
    sub = Timepoints(
        table=rows,
        attrition=tp.attrition,
        baselines=tp.baselines,
        criteria=tuple(c for c in tp.criteria if c.name == name),
    )
    return best_response(sub, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("confirm", [None, False, True])
def test_every_criterion_s_rows_equal_its_best_responses_alone(
    tp: Timepoints, confirm: bool | None
) -> None:
    shared = best_response(tp, confirm=confirm)
    for crit in tp.criteria:
        mine = shared[shared["criterion"] == crit.name].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, _alone(tp, crit.name, confirm=confirm))


def test_a_cached_table_gives_what_a_fresh_one_gives(tp: Timepoints) -> None:
    fresh = replace(tp, table=tp.table)  # a new Timepoints: nothing kept yet
    assert fresh.best_cache == {}
    first = best_response(fresh, confirm=True)
    again = best_response(fresh, confirm=False)
    assert len(fresh.best_cache) == 1  # ``confirm`` only picks among the columns kept
    pd.testing.assert_frame_equal(first, best_response(replace(tp, table=tp.table), confirm=True))
    pd.testing.assert_frame_equal(again, best_response(replace(tp, table=tp.table), confirm=False))
    first.loc[:, "bor"] = "changed"  # a caller's changes do not reach the kept table
    pd.testing.assert_frame_equal(
        best_response(fresh, confirm=True), best_response(replace(tp, table=tp.table), confirm=True)
    )
    other = best_response(fresh, sd_min_days=84)
    assert len(fresh.best_cache) == 2
    pd.testing.assert_frame_equal(other, best_response(replace(tp, table=tp.table), sd_min_days=84))


@pytest.mark.parametrize("confirm", [False, True])
def test_status_dates_from_shared_best_responses_equal_those_from_the_criterion_alone(
    tp: Timepoints, confirm: bool
) -> None:
    for crit in tp.criteria:
        rows = tp.table[tp.table["criterion"] == crit.name]
        shared = status_dates(rows, tp, status="response", confirm=confirm)
        # what the criterion's rows alone give (a source of that criterion only)
        alone = replace(tp, table=rows.reset_index(drop=True))
        own = status_dates(alone.table, alone, status="response", confirm=confirm)
        pd.testing.assert_frame_equal(
            shared.reset_index(drop=True), own.reset_index(drop=True), check_index_type=False
        )


def test_agreement_of_shared_best_responses_equals_that_of_separate_tables(tp: Timepoints) -> None:
    shared = ns.agreement(tp, criterion_a="recist1.1", criterion_b="recist_confirmed")
    a = tp.table[tp.table["criterion"] == "recist1.1"].reset_index(drop=True)
    b = tp.table[tp.table["criterion"] == "recist_confirmed"].reset_index(drop=True)
    apart = ns.agreement(replace(tp, table=a), replace(tp, table=b))
    pd.testing.assert_frame_equal(shared.kappa, apart.kappa)
    pd.testing.assert_frame_equal(shared.discordant, apart.discordant)
