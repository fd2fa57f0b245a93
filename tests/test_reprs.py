"""Every public result reads well in a terminal and in a notebook.

Result types are discovered from the public API (the dataclasses named in ``netsurv.__all__``
and each subpackage's ``__all__``, and the netsurv classes public functions return), so a new
result class without the three views fails here: a short text ``repr`` (``<Type: ...>``, at
most 25 lines of at most 120 columns), an HTML view that escapes user text and shows no patient
ID, and a ``summary()`` DataFrame.  Results are built once on the demo cohort, with a criterion
whose name is an HTML tag.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import re
import typing
import warnings
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import netsurv as ns
from netsurv._display import Displayable

#: Every subpackage of netsurv (its ``__all__`` is public API).
SUBPACKAGES = sorted(m.name for m in pkgutil.iter_modules(ns.__path__) if m.ispkg)
#: Public dataclasses that are not results, and why.
NOT_RESULTS = {
    "Criterion": "a criterion is a value given to classify (it prints as its fields)",
    "CombinedCriterion": "a combined criterion is a value given to classify, as a Criterion",
    "SdtmMaps": "SDTM mapping settings read from TOML",
    "Outcome": "the sweep engine's sorted input arrays",
    "Counts": "the sweep engine's intermediate risk-set counts",
}
#: A criterion name that is markup: every view must escape it.
HOSTILE = "<script>alert(1)</script>"
MAX_LINES, MAX_WIDTH = 25, 120
PATIENT_ID = re.compile(r"\bP\d{4}\b")


def _classes_in(annotation: Any) -> list[type]:
    """Classes named by a return annotation (through unions and generics)."""
    if isinstance(annotation, type):
        return [annotation]
    return [c for arg in typing.get_args(annotation) for c in _classes_in(arg)]


def public_result_types() -> dict[str, type]:
    """Netsurv dataclasses in a public ``__all__`` or returned by a public function."""
    found: dict[str, type] = {}
    modules = [ns, *(importlib.import_module(f"netsurv.{m}") for m in SUBPACKAGES)]
    for module in modules:
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            candidates = [obj] if inspect.isclass(obj) else []
            if inspect.isfunction(obj):
                candidates = _classes_in(typing.get_type_hints(obj).get("return"))
            for cls in candidates:
                if cls.__module__.startswith("netsurv") and dataclasses.is_dataclass(cls):
                    found[cls.__name__] = cls
    return {k: v for k, v in found.items() if k not in NOT_RESULTS}


# ---------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def demo() -> ns.Cohort:
    return ns.load_demo()


#: A combined criterion (two components read on their own modalities).
COMBINED = ns.criteria.combine("recist1.1", "sstv", name="ct+sst")


@pytest.fixture(scope="module")
def tp(demo: ns.Cohort) -> ns.response.Timepoints:
    hostile = dataclasses.replace(ns.criteria.CHOI, name=HOSTILE)
    return ns.classify(demo, ["recist1.1", hostile, COMBINED])


@pytest.fixture(scope="module")
def comparison(demo: ns.Cohort) -> ns.survival.CriteriaComparison:
    """A comparison with the continuous % change, on PFS judged by RECIST 1.1 for every
    criterion (a cross-criterion analysis)."""
    hostile = dataclasses.replace(ns.criteria.get("sstv"), name=HOSTILE)
    with warnings.catch_warnings():  # the demo's SST-PET schedule is not the scheme's
        warnings.simplefilter("ignore", ns.endpoints.ScheduleWarning)
        return ns.survival.compare_criteria(
            demo,
            criteria=["recist1.1", hostile],
            outcome="PFS",
            outcome_criterion="recist1.1",
            at_months=6,
            horizons=[12],
            n_boot=0,
            penalty="firth",
            continuous=hostile,
        )


@pytest.fixture(scope="module")
def ep(demo: ns.Cohort, tp: ns.response.Timepoints) -> ns.endpoints.EndpointResult:
    return ns.derive_endpoints(demo, tp, endpoints=["PFS", "OS"])


@pytest.fixture(scope="module")
def pfs(demo: ns.Cohort, ep: ns.endpoints.EndpointResult) -> pd.DataFrame:
    rows = ep.table[ep.table["endpoint"] == "PFS"]
    return rows.merge(demo.patients[["patient_id", "grade", "ki67_pct"]], on="patient_id")


@pytest.fixture(scope="module")
def competing(demo: ns.Cohort, ep: ns.endpoints.EndpointResult) -> pd.DataFrame:
    cr = ns.endpoints.competing_events(ep, endpoint="PFS")
    cr = cr[cr["criterion"] == HOSTILE].merge(demo.patients[["patient_id", "grade"]])
    return cr.assign(g3=(cr["grade"] == "G3").astype(int))


@pytest.fixture(scope="module")
def swept(demo: ns.Cohort) -> Any:
    hostile = dataclasses.replace(ns.criteria.RECIST_1_1, name=HOSTILE)
    grid = {"response_threshold": [-0.1, -0.3]}
    return ns.sweep(demo, hostile, grid, landmark_months=6, n_boot=5, n_perm=10, seed=1)


def _batch() -> Any:
    from netsurv.sweep import count_fixed, fit_counts, sort_outcome

    o = sort_outcome(np.array([1.0, 2, 3, 4, 5, 6]), np.array([1, 1, 0, 1, 1, 0]))
    g = np.array([[True, False, True, False, True, False], [True, True, True, False, False, False]])
    return fit_counts(count_fixed(o, g[:, o.order]))


def _run_result(tmp: Path) -> Any:
    from netsurv.pipeline import RunResult

    table = tmp / "km.csv"
    return RunResult(
        folder=tmp,
        tables={"km": [table, table.with_suffix(".parquet")], HOSTILE: [tmp / "x.csv"]},
        figures={"km": [tmp / "km.png"]},
        report=None,
        manifest=tmp / "manifest.json",
        notes=[f"figure spider skipped: no data for {HOSTILE}"],
    )


def _study(demo: ns.Cohort) -> Any:
    from netsurv.sweep import simulation_study

    def same(n_patients: int, *, seed: int, scenario: str) -> ns.Cohort:
        return demo

    return simulation_study(
        "recist1.1",
        {"response_threshold": [-0.1, -0.3]},
        scenarios=[HOSTILE],
        seeds=2,
        simulate=same,
        truth="x",
        landmark_months=3,
        n_boot=0,
        n_perm=0,
        metric="lr",
    )


BUILDERS: dict[str, Callable[[pytest.FixtureRequest], Any]] = {
    "Cohort": lambda r: r.getfixturevalue("demo"),
    "Timepoints": lambda r: r.getfixturevalue("tp"),
    "LesionResponse": lambda r: ns.lesion_response(
        r.getfixturevalue("demo"), dataclasses.replace(ns.criteria.RECIST_1_1, name=HOSTILE)
    ),
    "LesionZP": lambda r: ns.measures.lesion_zp(r.getfixturevalue("demo")),
    "BaselineMeasures": lambda r: ns.measures.baseline_measures(r.getfixturevalue("demo")),
    "ResponseMatrix": lambda r: ns.classify_matrix(
        r.getfixturevalue("demo"), r.getfixturevalue("tp").criteria
    ),
    "Agreement": lambda r: ns.agreement(
        r.getfixturevalue("tp"), criterion_a="recist1.1", criterion_b=HOSTILE
    ),
    "EndpointResult": lambda r: r.getfixturevalue("ep"),
    "EndpointMatrix": lambda r: ns.endpoints.endpoint_matrix(
        r.getfixturevalue("demo"),
        ns.classify_matrix(r.getfixturevalue("demo"), r.getfixturevalue("tp").criteria),
    ),
    "KaplanMeierResult": lambda r: ns.survival.kaplan_meier(
        r.getfixturevalue("pfs"), duration_col="months", event_col="event", by="criterion"
    ),
    "LogrankResult": lambda r: ns.survival.logrank(
        r.getfixturevalue("pfs"), by="criterion", duration_col="months", event_col="event"
    ),
    "CoxResult": lambda r: ns.survival.cox(
        r.getfixturevalue("pfs").query("criterion == 'recist1.1'"),
        formula="C(grade) + ki67_pct",
        duration_col="months",
        event_col="event",
    ),
    "CoxZphResult": lambda r: ns.survival.cox(
        r.getfixturevalue("pfs").query("criterion == 'recist1.1'"),
        covariates=["ki67_pct"],
        duration_col="months",
        event_col="event",
    ).zph(),
    "HorizonResult": lambda r: ns.survival.rmst_test(
        r.getfixturevalue("pfs"), by="criterion", duration_col="months", event_col="event", tau=24
    ),
    "CumulativeIncidenceResult": lambda r: ns.survival.cumulative_incidence(
        r.getfixturevalue("competing"),
        duration_col="months",
        event_col="status",
        by="criterion",
        cause_labels={1: HOSTILE, 2: "death"},
    ),
    "GrayTestResult": lambda r: ns.survival.gray_test(
        r.getfixturevalue("competing"), by="grade", duration_col="months", event_col="status"
    ),
    "FineGrayResult": lambda r: ns.survival.fine_gray(
        r.getfixturevalue("competing"),
        covariates=["g3"],
        duration_col="months",
        event_col="status",
        cause=1,
    ),
    "LandmarkResult": lambda r: ns.survival.landmark(
        r.getfixturevalue("tp"),
        criterion=HOSTILE,
        at_months=[3, 6],
        endpoints=r.getfixturevalue("ep"),
    ),
    "TimeDependentResult": lambda r: ns.survival.time_dependent_cox(
        r.getfixturevalue("tp"), criterion=HOSTILE, endpoints=r.getfixturevalue("ep")
    ),
    "CriteriaComparison": lambda r: r.getfixturevalue("comparison"),
    "ContinuousMarker": lambda r: r.getfixturevalue("comparison").continuous,
    "PairCounts": lambda r: ns.survival.oakes_pairs(
        np.array([1.0, 2, 3, 4]), np.array([1, 1, 0, 1]), np.array([2.0, 3, 4, 5]), np.ones(4)
    ),
    "SweepResult": lambda r: r.getfixturevalue("swept"),
    "Optimism": lambda r: r.getfixturevalue("swept").optimism,
    "StudyResult": lambda r: _study(r.getfixturevalue("demo")),
    "BatchStats": lambda r: _batch(),
    "RunResult": lambda r: _run_result(r.getfixturevalue("tmp_path")),
}
#: Results whose views must show the hostile name (escaped in HTML).
SHOW_HOSTILE = {
    "Timepoints",
    "ResponseMatrix",
    "Agreement",
    "EndpointResult",
    "EndpointMatrix",
    "KaplanMeierResult",
    "LogrankResult",
    "HorizonResult",
    "CumulativeIncidenceResult",
    "LandmarkResult",
    "TimeDependentResult",
    "CriteriaComparison",
    "ContinuousMarker",
    "SweepResult",
    "StudyResult",
    "RunResult",
}


def test_every_public_result_type_has_a_builder_here() -> None:
    """A new result class must get the three views (and a builder in this file)."""
    assert set(public_result_types()) == set(BUILDERS)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_views(name: str, request: pytest.FixtureRequest) -> None:
    obj = BUILDERS[name](request)
    cls = type(obj)
    assert cls.__name__ == name
    # dataclasses must not have replaced the view's repr (repr=False in the decorator)
    assert isinstance(obj, Displayable) and cls.__repr__ is Displayable.__repr__

    text = repr(obj)
    lines = text.splitlines()
    assert lines[0].startswith(f"<{name}: ") and lines[0].endswith(">"), lines[0]
    assert len(lines) <= MAX_LINES, text
    assert max(map(len, lines)) <= MAX_WIDTH, text
    assert not PATIENT_ID.search(text), text

    page = obj._repr_html_()
    assert page.startswith('<div class="netsurv-result">') and page.endswith("</div>")
    _check_balanced(page)
    assert "<script" not in page.lower()
    assert not PATIENT_ID.search(page)
    if name in SHOW_HOSTILE:
        assert HOSTILE in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    table = obj.summary()
    assert isinstance(table, pd.DataFrame) and len(table.columns) > 0
    assert "patient_id" not in table.columns
    pd.testing.assert_frame_equal(table, obj.summary())  # no state, same shape each time


class _Tags(HTMLParser):
    VOID = frozenset({"br", "hr", "img", "meta", "input", "col"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


def _check_balanced(page: str) -> None:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert parser.stack == [], parser.stack


def test_summary_is_a_copy(request: pytest.FixtureRequest) -> None:
    fit = BUILDERS["CoxResult"](request)
    table = fit.summary()
    table.iloc[0, 0] = 99.0
    assert fit.coefficients.iloc[0, 0] != 99.0


#: Marks the README's output block of ``print(lm)`` (its "Use" block).
README_MARK = "<!-- readme: print(lm) -->"


def readme_landmark() -> Any:
    """The README's ``lm``, built as its "Use" block builds it."""
    cohort = ns.simulate_cohort(500, seed=1, scenario="prrt")
    tp = ns.classify(cohort, ["recist1.1", "choi", "sstv", "recist_10_10"])
    ep = ns.derive_endpoints(cohort, tp, endpoints=["PFS", "OS", "DoR"], censoring="fda2018")
    return ns.survival.landmark(
        tp, criterion="recist1.1", at_months=[3, 6, 12], endpoints=ep, penalty="firth"
    )


@pytest.mark.filterwarnings("ignore::netsurv.endpoints.ScheduleWarning")
def test_readme_shows_what_print_lm_prints() -> None:
    """The README's printed landmark result is the one its code makes (the code runs in
    tests/docs/test_code_blocks.py)."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    after = text.split(README_MARK, 1)[1]
    shown = after.split("```text\n", 1)[1].split("\n```", 1)[0]
    assert shown == repr(readme_landmark())
