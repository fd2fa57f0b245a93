"""``classify_matrix`` and ``classify`` are one engine: on a varied set of criteria (presets,
cut-off grids, minor response, ``sticky_pr``, every reappearance option, iRECIST, Choi), the
matrix codes of each criterion equal the time-point responses and PD status of ``classify`` on
that criterion alone, and classifying many criteria at once (masks shared between criteria
whose fields agree) gives each criterion's table exactly as classifying it alone.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from resp_build import Case, node

import netsurv as ns
from netsurv.criteria import Criterion
from netsurv.response.matrix import NOT_READ

C = ns.criteria
KEYS = ["patient_id", "line_id", "assessment_id"]


def _criteria() -> list[Criterion]:
    recist = C.get("recist1.1")
    crits = [C.get(name) for name in C.list()["name"]]
    crits += C.grid(recist, response_threshold=[-0.5, -0.1], progression_threshold=[0.1, 0.4])
    crits += C.grid("recist_mr", minor_response_threshold=[-0.25, -0.15])
    for reap in (False, True, "confirmed"):
        for sticky in (False, True):
            name = f"recist[reap={reap},sticky={sticky}]"
            crits.append(
                replace(
                    recist,
                    name=name,
                    reappearance_after_cr_pd=reap,
                    sticky_pr=sticky,
                    progression_threshold=0.1,
                )
            )
    crits.append(
        replace(recist, name="recist[confirm=56/0]", confirm_min_days=56, confirm_max_ne=0)
    )
    crits.append(replace(recist, name="recist[cr=zero,ne]", cr_rule="zero", missing="ne"))
    crits.append(replace(recist, name="recist[no new]", new_lesion_pd=False))
    crits += C.grid("irecist", progression_threshold=[0.1, 0.3], sticky_pr=[False, True])
    crits += C.grid("choi", density_response_threshold=[-0.3, -0.1], response_threshold=[-0.2])
    return crits


CRITERIA = _criteria()


def _hand() -> ns.Cohort:
    """CR then reappearance (confirmed, unconfirmed, NE between, non-target disease left),
    sticky PR, iRECIST confirmed PD and pseudoprogression."""
    nn = "NON-CR/NON-PD"
    c = Case()
    for pid in ("CONF", "UNCONF", "NTL", "NE1"):
        ntl = nn if pid == "NTL" else None
        c.scan(pid, -7, T1=30, T2=node(20, 16), ntl=ntl, **({"N1": 15} if ntl else {}))
        c.scan(pid, 56, T1=0, T2=node(12, 8), ntl=ntl, **({"N1": 12} if ntl else {}))
    c.scan("CONF", 112, T1=0, T2=node(12, 8))
    c.scan("CONF", 168, T1=3, T2=node(12, 8))
    c.scan("UNCONF", 112, T1=3, T2=node(12, 8))
    c.scan("NTL", 112, T1=0, T2=node(12, 8), ntl=nn, N1=12)
    c.scan("NTL", 168, T1=3, T2=node(12, 8), ntl=nn, N1=12)
    c.scan("NE1", 84, T1=None, T2=node(12, 8))
    c.scan("NE1", 112, T1=0, T2=node(12, 8))
    c.scan("NE1", 168, T1=3, T2=node(12, 8))
    for pid, sizes in {
        "STICKY": (30, 14, 17, 17),
        "IPD": (30, 40, 48, 60),
        "PSEUDO": (30, 40, 30, 31),
    }.items():
        for day, size in zip((-7, 56, 98, 154), sizes, strict=True):
            c.scan(pid, day, T1=size, T2=20)
    return c.build()


@pytest.fixture(
    scope="module",
    params=[("hand", 0), ("demo", 0), ("mixed", 1), ("prrt", 2), ("targeted", 3)],
    ids=lambda p: p[0],
)
def cohort(request: pytest.FixtureRequest) -> ns.Cohort:
    scenario, seed = request.param
    if scenario == "hand":
        return _hand()
    if scenario == "demo":
        return ns.load_demo()
    return ns.simulate_cohort(n_patients=120, seed=seed, scenario=scenario)


def test_matrix_codes_equal_classify_of_each_criterion_alone(cohort: ns.Cohort) -> None:
    mat = ns.classify_matrix(cohort, CRITERIA)
    together = ns.classify(cohort, CRITERIA).table
    assert mat.codes.shape == (len(mat.scans), len(CRITERIA))
    seen = set()
    for j, crit in enumerate(CRITERIA):
        alone = ns.classify(cohort, crit).table
        # many criteria at once: the same table as each alone
        mine = together[together["criterion"] == crit.name].reset_index(drop=True)
        # (other criteria's columns, e.g. a combined criterion's components, are empty here;
        # counts become floats next to a combined criterion's own time points, which have none)
        assert mine.drop(columns=list(alone.columns)).isna().all().all()
        pd.testing.assert_frame_equal(mine[list(alone.columns)], alone, check_dtype=False)
        # the matrix: the same responses and PD status on the scans the criterion reads
        got = mat.scans[KEYS].merge(
            alone[[*KEYS, "response", "pd_status"]], on=KEYS, how="left", indicator=True
        )
        read = (got["_merge"] == "both").to_numpy()
        assert np.array_equal(mat.codes[:, j] != NOT_READ, read), crit.name
        assert mat.response(j)[read].tolist() == got["response"][read].tolist(), crit.name
        assert mat.pd_status(j)[read].tolist() == got["pd_status"][read].tolist(), crit.name
        seen.update(alone["reason"].dropna())
        seen.update(alone["pd_status"].dropna())
    assert {"sum_pd", "size_pr", "stable", "sticky_pr", "missing_lesion"} <= seen
    if len(cohort.lines) < 20:  # the hand-built cohort
        assert {"reappearance_after_cr", "cr", "cr_nontarget_not_cr"} <= seen
        assert {"confirmed", "iCPD", "unconfirmed"} <= seen
    else:
        assert {"new_lesion", "minor_response", "density_pr", "sum_pd_despite_missing"} <= seen


def test_matrix_does_not_depend_on_criterion_order(cohort: ns.Cohort) -> None:
    mat = ns.classify_matrix(cohort, CRITERIA)
    rev = ns.classify_matrix(cohort, CRITERIA[::-1])
    pd.testing.assert_frame_equal(mat.scans, rev.scans)
    assert np.array_equal(mat.codes, rev.codes[:, ::-1])
    assert mat.codes.flags.f_contiguous


def test_nontarget_pd_false_alone_equals_together() -> None:
    """nontarget_pd decides which non-target-only lines are kept: it is part of the
    measurement key, so classifying with a nontarget_pd=True criterion changes nothing."""
    cohort = ns.simulate_cohort(n_patients=120, seed=1, scenario="mixed")
    off = replace(C.get("recist1.1"), name="recist[no ntl]", nontarget_pd=False)
    together = ns.classify(cohort, ["recist1.1", off]).table
    alone = ns.classify(cohort, off).table
    mine = together[together["criterion"] == off.name].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, alone)
