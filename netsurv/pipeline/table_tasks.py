"""The tables every run writes before its analysis stages, as tasks of the stage processes.

The cohort, response and endpoint tables (``attrition`` to ``censoring_rules``) are rendered
to bytes by the processes that then compute the analysis stages
(:mod:`netsurv.pipeline.stage_runner`), dealt among them with the stages by estimated cost
(:data:`TABLE_COSTS`), so that the machine's cores render tables and compute stages at the
same time instead of one after the other.  A table is either *made* (already held by the
analysed cohort: rendered slice by slice, each slice one task) or *to make* (a function that
builds it, run by the process that renders it, so that the table is never held by the run's
own process; one task returns its files whole).  The run's process writes every file, in the
tables' order, as its parts come back (:meth:`TableTasks.write`); the bytes are those of
:meth:`~netsurv.pipeline.outputs.OutputWriter.save_tables`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import pandas as pd

from netsurv.pipeline.outputs import OutputWriter, csv_starts, render_part, render_parts
from netsurv.pipeline.workers import release_memory

__all__ = ["TABLE_COSTS", "CohortTable", "TableTasks", "build"]

Tables = list[tuple[str, pd.DataFrame]]

#: A table written before the analysis stages: ``(name, table)`` when made, ``(name, build)``
#: when to make (``build()`` returns its ``(name, table)`` pairs: one, or none, or several).
CohortTable = tuple[str, pd.DataFrame | Callable[[], Tables]]

#: Estimated seconds to make and render each table at 100,000 simulated patients with
#: ``analyses/demo.toml``, in the units of :data:`~netsurv.pipeline.stage_runner.COSTS` (the
#: CPU measured in its stage process in the same run, scaled alike; ``table1`` reads the
#: baseline frame made before the processes fork); only used to deal the tables among
#: processes (so which process renders a table depends on the config alone).
TABLE_COSTS = {
    "timepoints": 17.3,
    "endpoints_adtte": 4.9,
    "endpoints": 4.8,
    "best_response": 2.0,
    "best_change": 1.8,
    "response_rates": 0.5,
    "table1": 0.3,
    "lines_analysed": 0.3,
    "attrition": 0.3,
}

#: A task: a table's index and the first row of a CSV slice (None: the Parquet file).
Task = tuple[int, int | None]

#: The task of a table to make (in place of a slice's first row).
_MAKE = -1


def build(tables: Sequence[CohortTable]) -> Tables:
    """Every table, those to make made here, in order.

    Examples
    --------
    >>> t = pd.DataFrame({"x": [1]})
    >>> [name for name, _ in build([("a", t), ("b", lambda: [("b", t), ("c", t)])])]
    ['a', 'b', 'c']
    """
    return [
        pair for name, table in tables for pair in (table() if callable(table) else [(name, table)])
    ]


@dataclass
class TableTasks:
    """The tasks that render ``tables`` for ``writer`` (its privacy applied where they are
    rendered), and the writing of their results in order.

    A task is ``(k, lo)``: the ``k``-th table's Parquet file (``lo`` None), its CSV slice from
    row ``lo``, or, for a table to make, all its files (``lo`` -1).  :meth:`units` groups the
    tasks by table (a process renders a table whole) with each table's cost.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from netsurv.pipeline.run_folder import RunFolder
    >>> t = pd.DataFrame({"x": [1.5, 2.0]})
    >>> with tempfile.TemporaryDirectory() as tmp, RunFolder(Path(tmp) / "out") as folder:
    ...     writer = OutputWriter(folder)
    ...     tasks = TableTasks(writer, [("a", t), ("b", lambda: [("b", t)])])
    ...     tasks.write(tasks.render(task) for _, unit in tasks.units() for task in unit)
    ...     list(writer.tables), (folder.path / "tables" / "b.csv").read_bytes()
    (['a', 'b'], b'x\\n1.5\\n2.0\\n')
    """

    writer: OutputWriter
    tables: Sequence[CohortTable]
    #: The made table this process is rendering (its index, prepared): one at a time.
    _current: tuple[int, pd.DataFrame] | None = field(default=None, repr=False)

    def units(self) -> list[tuple[float, list[Task]]]:
        """Per table, in order: its estimated cost and its tasks."""
        out: list[tuple[float, list[Task]]] = []
        for k, (name, table) in enumerate(self.tables):
            cost = TABLE_COSTS.get(name, 0.05)
            if callable(table):
                out.append((cost, [(k, _MAKE)]))
            else:
                out.append((cost, [(k, lo) for lo in (None, *csv_starts(table))]))
        return out

    def render(self, task: Task) -> Any:
        """A task's result: bytes, or a table to make's ``(name, parquet, csv slices)``."""
        k, lo = task
        name, table = self.tables[k]
        if lo == _MAKE:
            assert callable(table)
            return [(n, *render_parts(self.writer.prepared(n, df))) for n, df in table()]
        if self._current is None or self._current[0] != k:
            self._current = None  # the previous table freed before this one is prepared
            assert not callable(table)
            prepared = self.writer.prepared(name, table)
            if len(csv_starts(prepared)) != len(csv_starts(table)):  # pragma: no cover
                raise RuntimeError(f"table {name}: privacy changed its number of rows")
            self._current = (k, prepared)
        return render_part(self._current[1], lo)

    def write(self, results: Iterator[Any]) -> None:
        """Write the tables' files from the results of their tasks, given in the tasks' order
        (each file written, and freed, as its parts come)."""
        try:
            for name, table in self.tables:
                if callable(table):
                    for made, parquet, csv in next(results):
                        self.writer.table_files(made, parquet, csv)
                else:
                    parquet = next(results)
                    slices = islice(results, len(csv_starts(table)))
                    self.writer.table_files(name, parquet, slices)
                # the freed buffers of the parts handed back: results of the other process
                # that came early fill the heap (glibc keeps what it freed)
                release_memory()
        finally:
            self._current = None  # rendered here (one process): the last table's copy freed
