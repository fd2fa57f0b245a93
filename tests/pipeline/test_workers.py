"""Figures and tables rendered by forked worker processes (issue 21): the same files as in one
process, in the same order; a task's warnings reach the run's notes, its errors the caller."""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from netsurv.pipeline.outputs import OutputWriter, csv_bytes
from netsurv.pipeline.run_folder import RunFolder
from netsurv.pipeline.workers import can_fork, forked_map

needs_fork = pytest.mark.skipif(not can_fork(), reason="no fork on this platform")


def _square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


@needs_fork
def test_results_come_in_order_from_other_processes() -> None:
    out = list(forked_map(_square_and_pid, list(range(7)), n_jobs=2))
    assert [r for r, _ in out] == [x * x for x in range(7)]
    assert os.getpid() not in {pid for _, pid in out}


def test_one_process_runs_the_tasks_here_in_order() -> None:
    out = list(forked_map(_square_and_pid, [3, 1, 2], n_jobs=1))
    assert out == [(9, os.getpid()), (1, os.getpid()), (4, os.getpid())]


def _warn(x: int) -> int:
    if x % 2:
        warnings.warn(f"odd {x}", UserWarning, stacklevel=1)
    return x


@needs_fork
def test_warnings_of_a_task_are_raised_again_in_the_caller() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert list(forked_map(_warn, [0, 1, 2, 3], n_jobs=2)) == [0, 1, 2, 3]
    assert [(w.category, str(w.message)) for w in caught] == [
        (UserWarning, "odd 1"),
        (UserWarning, "odd 3"),
    ]


def _fail_on_two(x: int) -> int:
    if x == 2:
        raise ValueError("task 2 cannot be done")
    return x


@needs_fork
def test_an_error_in_a_task_is_raised_in_the_caller() -> None:
    with pytest.raises(ValueError, match="task 2 cannot be done") as info:
        list(forked_map(_fail_on_two, [0, 1, 2, 3, 4], n_jobs=2))
    assert "_fail_on_two" in str(info.value.__cause__)  # the child's traceback


def _drawing(seed: int) -> Figure:
    rng = np.random.default_rng(seed)
    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.plot(rng.normal(size=200).cumsum(), label=f"walk {seed}")
    ax.bar(np.arange(30), rng.uniform(-1, 1, 30))
    ax.set_title(f"figure {seed} – µ ≥ 0")
    ax.legend()
    return fig


def _save(folder: Path, n_jobs: int) -> dict[str, str]:
    with RunFolder(folder) as rf:
        writer = OutputWriter(rf, formats=("png", "pdf", "svg"), n_jobs=n_jobs)
        writer.save_figures([(f"f{i}", lambda i=i: _drawing(i)) for i in range(5)])  # type: ignore[misc]
        assert list(writer.figures) == [f"f{i}" for i in range(5)]
        written = dict(rf.written)
    return written


@needs_fork
def test_figures_drawn_in_two_processes_are_the_same_files(tmp_path: Path) -> None:
    one, two = _save(tmp_path / "one", 1), _save(tmp_path / "two", 2)
    assert list(one) == list(two)  # written in the same order
    assert one == two
    png = hashlib.sha256(_render_here()).hexdigest()
    assert one["figures/f0.png"] == png


def _render_here() -> bytes:
    import io

    buf = io.BytesIO()
    _drawing(0).savefig(buf, format="png", dpi=150, bbox_inches="tight")
    return buf.getvalue()


def _tables() -> list[tuple[str, pd.DataFrame]]:
    rng = np.random.default_rng(5)
    n = 257
    big = pd.DataFrame(
        {
            "patient_id": [f"P{i:03d}" if i % 7 else f"=cmd{i}" for i in range(n)],
            "x": rng.normal(size=n) * 10.0 ** rng.integers(-8, 20, n),
            "date": pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D"),
            "tags": [("a", "b") if i % 5 == 0 else None for i in range(n)],
            "flag": rng.integers(0, 2, n).astype(bool),
        }
    )
    big.loc[::11, "x"] = np.nan
    return [("big", big), ("empty", big.iloc[:0]), ("one", big.iloc[:1])]


def _save_tables(folder: Path, n_jobs: int) -> dict[str, str]:
    with RunFolder(folder) as rf:
        writer = OutputWriter(rf, n_jobs=n_jobs)
        writer.save_tables(_tables())
        assert list(writer.tables) == ["big", "empty", "one"]
        written = dict(rf.written)
        rf.commit()
    return written


@needs_fork
def test_tables_written_by_two_processes_are_the_same_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("netsurv.pipeline.outputs.CSV_ROWS", 50)  # several slices per table
    one, two = _save_tables(tmp_path / "one", 1), _save_tables(tmp_path / "two", 2)
    assert list(one) == list(two) and one == two
    with RunFolder(tmp_path / "three") as rf:
        writer = OutputWriter(rf)
        for name, df in _tables():
            writer.table(name, df)  # one by one, in this process
        assert dict(rf.written) == one
    whole = (tmp_path / "one" / "tables" / "big.csv").read_bytes()
    assert whole.count(b"\n") == 258 and b"'=cmd0," in whole and b',"a, b",' in whole
    big = _tables()[0][1]
    big["tags"] = big["tags"].map(lambda t: None if t is None else ", ".join(t))
    monkeypatch.setattr("netsurv.pipeline.outputs.CSV_ROWS", 10_000)  # one slice
    assert csv_bytes(big) == whole


def _sum_of_a_large_array(x: int) -> float:
    return float(np.full(2_000_000, float(x)).sum())  # 16 MB freed before the next task


@needs_fork
def test_children_that_release_memory_after_each_task_give_the_same_results() -> None:
    items = [1, 2, 3, 4, 5]
    released = list(forked_map(_sum_of_a_large_array, items, n_jobs=2, release=True))
    assert released == [2_000_000.0 * x for x in items]
    assert released == list(forked_map(_sum_of_a_large_array, items, n_jobs=1))
