"""Shared fixtures: a small, hand-built valid cohort whose every value is known."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest


def valid_tables() -> dict[str, pd.DataFrame]:
    """Three patients, four lines, CT every ~12 weeks, as text (the way a CSV arrives).

    P001: SSA line, baseline + 3 follow-ups, alive.
    P002: SSA then PRRT after progression; one scan is follow-up of L1 and baseline of L2; dead.
    P003: PRRT, a lymph-node target and an SST-PET scan; alive.
    """
    patients = pd.DataFrame(
        {
            "patient_id": ["P001", "P002", "P003"],
            "last_alive_date": ["2021-09-30", "2021-08-01", "2021-12-15"],
            "death_date": [None, "2021-08-01", None],
            "sex": ["F", "M", "F"],
            "birth_date": ["1955-04-02", "1948-11-20", "1962-07-15"],
            "primary_site": ["small_intestine", "pancreas", "small_intestine"],
            "grade": ["G1", "G2", "G2"],
            "ki67_pct": ["1.5", "8", "4"],
            "functional": ["yes", "no", "no"],
            "diagnosis_date": ["2019-11-01", "2019-06-10", "2020-01-20"],
            "ecog": ["0", "1", "0"],
        }
    )
    lines = pd.DataFrame(
        {
            "patient_id": ["P001", "P002", "P002", "P003"],
            "line_id": ["L1", "L1", "L2", "L1"],
            "regimen": ["lanreotide", "octreotide LAR", "177Lu-DOTATATE", "177Lu-DOTATATE"],
            "regimen_class": ["SSA", "SSA", "PRRT", "PRRT"],
            "start_date": ["2020-01-15", "2019-07-01", "2020-06-10", "2020-03-02"],
            "end_date": [None, "2020-06-01", "2020-12-15", "2020-09-20"],
            "end_reason": [None, "progression", "completed", "completed"],
            "n_cycles": [None, None, "4", "4"],
        }
    )
    a = [
        ("P001", "A01", "2020-01-08", "CT"),
        ("P001", "A02", "2020-04-08", "CT"),
        ("P001", "A03", "2020-07-01", "CT"),
        ("P001", "A04", "2020-09-23", "CT"),
        ("P002", "A01", "2019-06-20", "CT"),
        ("P002", "A02", "2019-09-25", "CT"),
        ("P002", "A03", "2019-12-18", "CT"),
        ("P002", "A04", "2020-05-27", "CT"),
        ("P002", "A05", "2020-09-02", "CT"),
        ("P003", "A01", "2020-02-20", "CT"),
        ("P003", "A02", "2020-02-24", "SST-PET"),
        ("P003", "A03", "2020-05-26", "CT"),
        ("P003", "A04", "2020-08-18", "CT"),
    ]
    assessments = pd.DataFrame(a, columns=["patient_id", "assessment_id", "date", "modality"])
    assessments["nontarget_status"] = "NON-CR/NON-PD"
    assessments["new_lesion"] = "false"
    assessments.loc[7, ["nontarget_status", "new_lesion"]] = ["PD", "true"]
    rows = []
    sizes = {
        "P001": {"T1": [32, 31, 30, 31.5], "T2": [21, 20.5, 20, 21]},
        "P002": {"T1": [45, 47, 50, 58, 52], "T2": [18, 19, 21, 24, 22]},
        "P003": {"T1": [38, 30, 24]},
    }
    for pid, lesions in sizes.items():
        scans = [x for x in a if x[0] == pid and x[3] == "CT"]
        for lid, values in lesions.items():
            for (_, aid, _, _), v in zip(scans, values, strict=True):
                rows.append((pid, aid, lid, "liver", "target", v, None, None, None))
    # P003: a lymph-node target (short axis) and SST-PET volumes
    for aid, la, sa in (("A01", 28, 19), ("A03", 24, 15), ("A04", 20, 12)):
        rows.append(("P003", aid, "T2", "lymph_node", "target", la, sa, None, None))
    rows.append(("P003", "A02", "T1", "liver", "target", None, None, 24.0, 31.2))
    rows.append(("P003", "A02", "T2", "lymph_node", "target", None, None, 6.5, 18.0))
    rows.append(("P002", "A04", "X1", "liver", "new", 12, None, None, None))
    lesions = pd.DataFrame(
        rows,
        columns=[
            "patient_id",
            "assessment_id",
            "lesion_id",
            "site",
            "role",
            "long_axis_mm",
            "short_axis_mm",
            "volume_ml",
            "suv_max",
        ],
    )
    lesions = lesions.astype(object).where(lesions.notna(), None)
    for c in ("long_axis_mm", "short_axis_mm", "volume_ml", "suv_max"):
        lesions[c] = lesions[c].map(lambda v: None if v is None else str(v))
    return {"patients": patients, "lines": lines, "assessments": assessments, "lesions": lesions}


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    """A fresh copy of the valid text tables for each test."""
    return valid_tables()


#: The test files that take :func:`executed_notebooks`: one work unit when the suite runs on
#: several processes (``make test``: pytest-xdist, ``--dist loadfile``), so the notebooks are
#: executed once, not once per process.
NOTEBOOK_FILES = (
    "tests/docs/test_docs_build.py",
    "tests/notebooks/test_case_studies.py",
    "tests/notebooks/test_notebooks.py",
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadfile`` with the :data:`NOTEBOOK_FILES` as one file: each test file runs
    whole in one process (its module-scoped fixtures are computed once), the files in the order
    they are collected (the documentation build, the longest unit, starts first)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class NotebooksTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = super()._split_scope(nodeid)
            return NOTEBOOK_FILES[0] if path in NOTEBOOK_FILES else path

    return NotebooksTogether(config, log)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def executed_notebooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | str]:
    """The example notebooks, executed once per session on their small parameters.

    Name -> the executed ``.ipynb`` or, when it failed, the error text.  The notebook tests
    check each; the documentation build renders them (no second execution).
    """
    pytest.importorskip("papermill")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
    from netsurv_docs.notebooks import SMALL, execute

    out = tmp_path_factory.mktemp("executed_notebooks")
    done: dict[str, Path | str] = {}
    for name in SMALL:
        try:
            done[name] = execute(name, out)
        except Exception as exc:  # reported by the test of that notebook
            done[name] = f"{type(exc).__name__}: {exc}"
    return done
