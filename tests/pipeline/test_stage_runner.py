"""The analysis stages of a run computed side by side (issue 21): the same tables, notes and
errors with one process as with two; shares fixed by the stages' costs, errors raised in the
run's order."""

from __future__ import annotations

import json
import os
import time
import warnings
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pandas as pd
import pytest

from netsurv.config import Config
from netsurv.errors import ConfigError, ValidationError
from netsurv.pipeline import analyses, figures, run, stages
from netsurv.pipeline.outputs import OutputWriter
from netsurv.pipeline.privacy import KEY_ENV
from netsurv.pipeline.run_folder import RunFolder
from netsurv.pipeline.stage_runner import analysis_stages, stage_processes
from netsurv.pipeline.table_tasks import TABLE_COSTS, TableTasks
from netsurv.pipeline.workers import balanced_shares, can_fork, forked_map

needs_fork = pytest.mark.skipif(not can_fork(), reason="no fork on this platform")

#: Every analysis stage on, on the demo cohort, with few resamples and no figures.
EVERY_STAGE = {
    "run": {"name": "t"},
    "criteria": {"presets": ["recist1.1", "choi", "sstv"]},
    "compare": {"n_boot": 5},
    "competing": {"enabled": True},
    "lesions": {"enabled": True},
    "cox": {"enabled": True, "covariates": ["grade"]},
    "sweep": {
        "enabled": True,
        "n_boot": 5,
        "n_perm": 9,
        "grid": {"response_threshold": [-0.2, -0.3]},
    },
    "figures": {"include": ["forest"], "formats": ["png"], "style": "none"},
    "report": {"enabled": False},
}


def _config(n_jobs: int, **sections: Any) -> Config:
    return Config.model_validate(EVERY_STAGE | {"run": {"name": "t", "n_jobs": n_jobs}} | sections)


def test_the_stages_are_shared_by_cost_whatever_the_timing() -> None:
    shares = balanced_shares([0.6, 0.9, 21.7, 10.0, 15.1, 82.4, 14.8, 22.6], n_jobs=2)
    assert shares == [[0, 1, 5], [2, 3, 4, 6, 7]]  # the comparison on a process of its own
    assert balanced_shares([1.0] * 5, n_jobs=3) == [[0, 3], [1, 4], [2]]
    assert balanced_shares([], n_jobs=2) == []
    for n_jobs in (1, 2, 5):
        got = balanced_shares([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0], n_jobs)
        assert sorted(i for share in got for i in share) == list(range(7))
        assert all(share == sorted(share) for share in got) and len(got) == min(n_jobs, 7)


def test_stages_fork_only_without_workers_of_their_own() -> None:
    assert stage_processes(_config(2)) == 2
    assert stage_processes(_config(1)) == 1
    assert stage_processes(_config(2, run={"name": "t", "n_jobs": 2, "backend": "processes"})) == 1
    assert stage_processes(_config(3, compute={"scheduler": "local", "workers": 2})) == 1


def _pid(x: int) -> int:
    return os.getpid()


@needs_fork
def test_explicit_shares_decide_which_process_computes_an_item() -> None:
    pids = list(forked_map(_pid, [0, 1, 2, 3], n_jobs=2, shares=[[1], [3, 0, 2]]))
    assert pids[0] == pids[2] == pids[3] != pids[1] and os.getpid() not in pids
    with pytest.raises(ValueError, match="do not hold each of the 3 items once"):
        list(forked_map(_pid, [0, 1, 2], n_jobs=2, shares=[[0, 1], [1]]))


def _slow_first_error(x: int) -> int:
    if x == 0:
        time.sleep(0.5)  # the later item's error arrives first
        raise ValueError("item 0 failed")
    if x == 1:
        raise KeyError("item 1 failed")
    return x


@needs_fork
def test_errors_are_raised_in_the_items_order_not_as_they_arrive() -> None:
    with pytest.raises(ValueError, match="item 0 failed"):
        list(forked_map(_slow_first_error, [0, 1, 2], n_jobs=2, shares=[[0], [1, 2]]))
    with pytest.raises(ValueError, match="item 0 failed"):
        list(forked_map(_slow_first_error, [0, 1, 2], n_jobs=1))


def _outputs(folder: Path) -> tuple[dict[str, str], list[str]]:
    man = json.loads((folder / "manifest.json").read_text())
    tables = {k: v for k, v in man["outputs"].items() if k.startswith("tables/")}
    return tables, man["notes"]


@needs_fork
def test_one_or_two_processes_give_the_same_tables_and_notes(tmp_path: Path) -> None:
    cfg = _config(2)
    res = stages.analyse(cfg, stages.load_cohort(cfg))
    costs = [stage.cost for stage in analysis_stages(res, cfg)]
    assert len(costs) == 9 and len(balanced_shares(costs, stage_processes(cfg))) == 2
    one = run(_config(1), out=tmp_path / "one")
    two = run(cfg, out=tmp_path / "two")
    assert list(one.tables) == list(two.tables)  # written in the same order
    assert {"sweep", "lesion_response", "cif", "pfs_os_correlation", "cox"} <= set(two.tables)
    assert _outputs(tmp_path / "one") == _outputs(tmp_path / "two")  # byte-identical tables
    assert one.notes == two.notes
    assert any(n.startswith("criteria comparison (5 bootstrap resamples): ") for n in two.notes)
    assert list(one.figures) == list(two.figures) and one.figures


def _refuse_agreement(res: Any) -> pd.DataFrame:
    time.sleep(0.3)  # the sweep's error comes back first
    raise ConfigError("agreement: refused for the test")


def _refuse_sweep(res: Any, cfg: Any, *, progress: bool) -> Any:
    raise ConfigError("sweep: refused for the test")


def _invalid_lesions(res: Any, cfg: Any) -> Any:
    failures = pd.DataFrame(
        {
            "severity": ["error"],
            "table": ["lesions"],
            "column": ["diameter_mm"],
            "row_key": ["P001 / L1 / 2020-01-01 / T1"],
            "rule": ["not_finite"],
            "value": ["inf"],
            "message": ["a measurement must be finite"],
            "file": [""],
        }
    )
    raise ValidationError(failures)


@needs_fork
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_an_error_in_a_stage_reaches_the_caller_as_in_one_process(
    n_jobs: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analyses, "agreement_table", _refuse_agreement)
    monkeypatch.setattr(analyses, "sweep_result", _refuse_sweep)
    cfg = _config(n_jobs, figures={"include": [], "formats": ["png"]})
    with pytest.raises(ConfigError, match=r"^agreement: refused for the test$"):
        run(cfg, out=tmp_path / "a")
    assert not (tmp_path / "a").exists()  # nothing written
    monkeypatch.setattr(analyses, "lesion_tables", _invalid_lesions)
    monkeypatch.setattr(analyses, "agreement_table", lambda res: pd.DataFrame())
    with pytest.raises(ValidationError) as info:
        run(cfg, out=tmp_path / "b")
    assert info.value.failures.loc[0, "rule"] == "not_finite"  # whole, with its failures
    assert "P001 / L1 / 2020-01-01 / T1" in str(info.value)


def test_a_table_is_rendered_whole_by_one_process_and_the_rest_by_cost() -> None:
    t = pd.DataFrame({"x": range(5)})
    tasks = TableTasks(OutputWriter(RunFolder.__new__(RunFolder)), [("a", t), ("b", lambda: [])])
    assert tasks.units() == [(0.05, [(0, None), (0, 0)]), (0.05, [(1, -1)])]
    assert TABLE_COSTS["timepoints"] > TABLE_COSTS["endpoints"] > TABLE_COSTS["attrition"]


@needs_fork
def test_tables_rendered_with_the_stages_are_those_of_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("netsurv.pipeline.outputs.CSV_ROWS", 97)  # several slices per table
    tables = {}
    for n_jobs in (1, 2):
        got = run(_config(n_jobs, figures={"include": []}), out=tmp_path / str(n_jobs))
        assert got.tables["timepoints"][0].read_bytes().count(b"\n") > 3 * 97
        tables[n_jobs] = _outputs(tmp_path / str(n_jobs))
    assert tables[1] == tables[2]


@needs_fork
def test_tables_with_privacy_are_the_same_in_one_or_two_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("netsurv.pipeline.outputs.CSV_ROWS", 97)
    monkeypatch.setenv(KEY_ENV, "k" * 32)
    private = {"pseudonymise": True, "date_shift": "per_patient", "min_cell": 5}
    for n_jobs in (1, 2):
        run(_config(n_jobs, privacy=private, figures={"include": []}), out=tmp_path / str(n_jobs))
    assert _outputs(tmp_path / "1") == _outputs(tmp_path / "2")


def _refuse_table1(res: Any) -> pd.DataFrame:
    time.sleep(0.3)  # the later tables and the stages are done first
    raise ConfigError("table1: refused for the test")


@needs_fork
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_an_error_in_a_cohort_table_reaches_the_caller_as_in_one_process(
    n_jobs: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stages, "table1", _refuse_table1)
    monkeypatch.setattr(analyses, "agreement_table", _refuse_agreement)
    with pytest.raises(ConfigError, match=r"^table1: refused for the test$"):
        run(_config(n_jobs, figures={"include": []}), out=tmp_path / "a")
    assert not (tmp_path / "a").exists()  # nothing written


RESPONSE_FIGURES = {"include": ["km", "waterfall", "spider", "swimmer"], "formats": ["png"]}


def _noisy_spider(res: Any, ref: str) -> Any:
    warnings.warn("spider: a warning for the test", UserWarning, stacklevel=1)
    return figures._spider_unpatched(res, ref)  # type: ignore[attr-defined]


@needs_fork
def test_response_figures_drawn_with_the_stages_are_the_same_files_and_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(figures, "_spider_unpatched", figures._spider, raising=False)
    monkeypatch.setattr(figures, "_spider", _noisy_spider)
    got = {n: run(_config(n, figures=RESPONSE_FIGURES), out=tmp_path / str(n)) for n in (1, 2)}
    files = {}  # every table and figure, in the order written
    for n in (1, 2):
        outputs = json.loads((tmp_path / str(n) / "manifest.json").read_text())["outputs"]
        files[n] = [(k, v) for k, v in outputs.items() if k.startswith(("tables/", "figures/"))]
    assert files[1] == files[2] and ("figures/swimmer_recist1.1.png", ANY) in files[2]
    assert got[1].notes == got[2].notes
    assert "figures: UserWarning: spider: a warning for the test" in got[2].notes


def _failing_waterfall(res: Any, name: str) -> Any:
    raise ConfigError(f"waterfall {name}: refused for the test")


@needs_fork
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_an_error_in_a_response_figure_reaches_the_caller_at_its_turn(
    n_jobs: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(figures, "_waterfall", _failing_waterfall)
    with pytest.raises(ConfigError, match=r"^waterfall recist1.1: refused for the test$"):
        run(_config(n_jobs, figures=RESPONSE_FIGURES), out=tmp_path / "a")
    assert not (tmp_path / "a").exists()
