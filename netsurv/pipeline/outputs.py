"""Writing a run's outputs: tables (CSV + Parquet), figures and JSON files, into the run's
folder (:class:`~netsurv.pipeline.run_folder.RunFolder`).

Every table and figure of a run passes through :meth:`OutputWriter.table` and
:meth:`OutputWriter.figure`: the one place where outputs leave the analysis.  Files are
rendered in memory (a table's CSV text slice by slice, :mod:`~netsurv.pipeline.csv_text`, each
slice streamed into the file and freed) and created exclusively, never through a link, so the
same data and config give byte-identical files: rows and columns in a fixed order, dates as ISO
text in CSV, fixed PDF and SVG metadata, no time stamps.

CSV files are guarded against formula injection: a text cell that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (or their full-width forms), and is not a plain
number, gets a leading ``'`` (OWASP's convention), so a spreadsheet shows it as text instead
of running it; column names too.  The Parquet copy holds the exact values.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, Literal

import matplotlib
import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc
from matplotlib.figure import Figure

from netsurv.cohort import Cohort
from netsurv.pipeline.csv_text import csv_text
from netsurv.pipeline.privacy import Privacy
from netsurv.pipeline.run_folder import RunFolder
from netsurv.pipeline.workers import forked_map
from netsurv.plots.layout import reproducible_layout

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_escape(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet shows as text: a leading ``'`` when it would
    start a formula (and is not a plain number).

    Examples
    --------
    >>> [csv_escape(v) for v in ["=HYPERLINK(1)", "+P1", "@SUM(A1)", "-12.5", "P007"]]
    ["'=HYPERLINK(1)", "'+P1", "'@SUM(A1)", '-12.5', 'P007']
    """
    if value[:1] in FORMULA_STARTS and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`csv_escape` applied to the column names and to every text cell
    (numbers, dates and missing values are left as they are).

    Examples
    --------
    >>> csv_safe(pd.DataFrame({"patient_id": ["=1+1", "007"], "x": [-1.0, 2.0]}))
      patient_id    x
    0      '=1+1 -1.0
    1        007  2.0
    """
    out = df.rename(columns=lambda c: csv_escape(c) if isinstance(c, str) else c)
    for i, (_, s) in enumerate(out.items()):
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype | pd.CategoricalDtype):
            values = s.to_numpy(dtype=object)
            risky = _formula_starts(values)
            if risky.any():
                values = values.copy()
                values[risky] = [csv_escape(v) for v in values[risky]]
                out.isetitem(i, values)
    return out


_STARTS = pyarrow.array(sorted(FORMULA_STARTS))


def _formula_starts(values: np.ndarray) -> np.ndarray:
    """Where a cell is text whose first character may start a formula: in Arrow for a column
    of text (no Python call per cell: a run writes millions of cells), cell by cell for a
    column that mixes text with other objects."""
    try:
        text = pyarrow.array(values, type=pyarrow.string(), from_pandas=True)
    except (pyarrow.ArrowInvalid, pyarrow.ArrowTypeError):
        return np.fromiter(
            (isinstance(v, str) and v[:1] in FORMULA_STARTS for v in values),
            dtype=bool,
            count=len(values),
        )
    first = pc.utf8_slice_codeunits(text, 0, 1)
    found = pc.is_in(first, value_set=_STARTS).fill_null(False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """A table as netsurv writes CSV: UTF-8, ``\\n`` line ends, ISO dates, guarded cells
    (:func:`csv_safe`), no index.

    Examples
    --------
    >>> csv_bytes(pd.DataFrame({"x": [0.1 + 0.2, float("nan"), 1e16],
    ...                         "d": pd.to_datetime(["2024-03-01", None, "1969-12-31"])}))
    b'x,d\\n0.30000000000000004,2024-03-01\\n,\\n1e+16,1969-12-31\\n'
    """
    return b"".join(csv_part(df, lo) for lo in csv_starts(df))


def csv_starts(df: pd.DataFrame) -> range:
    """The first rows of the slices :func:`csv_part` writes (one slice for an empty table)."""
    return range(0, max(len(df), 1), CSV_ROWS)


def csv_part(df: pd.DataFrame, lo: int) -> bytes:
    """The rows ``lo`` to ``lo + CSV_ROWS`` of :func:`csv_bytes` (the header when ``lo`` is 0):
    a table is turned into text a slice at a time, so that the text of its float columns is
    never held whole, and its slices can be written by several processes.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.5, 2.0], "id": ["=1", "a"]})
    >>> csv_part(df, 0)
    b"x,id\\n1.5,'=1\\n2.0,a\\n"
    """
    return csv_text(csv_safe(df.iloc[lo : lo + CSV_ROWS]), header=lo == 0)


#: Rows turned into text at a time by :func:`csv_bytes`.
CSV_ROWS = 20_000


def render_part(df: pd.DataFrame, lo: int | None) -> bytes:
    """A table's Parquet file (``lo`` None) or the slice of its CSV file from row ``lo``.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.5]})
    >>> render_part(df, None)[:4], render_part(df, 0)
    (b'PAR1', b'x\\n1.5\\n')
    """
    if lo is not None:
        return csv_part(df, lo)
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def render_parts(df: pd.DataFrame) -> tuple[bytes, list[bytes]]:
    """A prepared table's Parquet file and the slices of its CSV file (what
    :meth:`OutputWriter.table_files` writes), rendered here.

    Examples
    --------
    >>> parquet, csv = render_parts(pd.DataFrame({"x": [1.5]}))
    >>> parquet[:4], csv
    (b'PAR1', [b'x\\n1.5\\n'])
    """
    return render_part(df, None), [render_part(df, lo) for lo in csv_starts(df)]


def _render_task(ready: Sequence[tuple[str, pd.DataFrame]], task: tuple[int, int | None]) -> bytes:
    """The file or CSV slice ``task`` (table index, ``lo``) of prepared tables (:func:`render_part`)."""
    return render_part(ready[task[0]][1], task[1])


def json_bytes(content: dict[str, Any]) -> bytes:
    """Pretty JSON with sorted keys."""
    return (json.dumps(content, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8")


#: The tables :func:`cohort_files` writes (``truth`` for a simulated cohort).
COHORT_TABLES = ("patients", "lines", "assessments", "lesions", "truth")


def cohort_file_names(format: Literal["csv", "parquet", "xlsx"]) -> list[str]:
    """The files :func:`cohort_files` may write in ``format``.

    Examples
    --------
    >>> cohort_file_names("xlsx"), cohort_file_names("csv")[:2]
    (['cohort.xlsx'], ['patients.csv', 'lines.csv'])
    """
    return ["cohort.xlsx"] if format == "xlsx" else [f"{t}.{format}" for t in COHORT_TABLES]


def cohort_files(cohort: Cohort, format: Literal["csv", "parquet", "xlsx"]) -> dict[str, bytes]:
    """A cohort's input tables (and ``truth`` when simulated) as files that read back into an
    equal cohort: one per table, or one workbook ``cohort.xlsx``; CSV with ISO dates and full
    precision, as :func:`netsurv.io.write_tables` writes them.  These are data for netsurv to
    read again, so no cell is escaped (:func:`csv_escape` is for outputs).

    Examples
    --------
    >>> import netsurv as ns
    >>> files = cohort_files(ns.load_demo(), "csv")
    >>> sorted(files)
    ['assessments.csv', 'lesions.csv', 'lines.csv', 'patients.csv', 'truth.csv']
    """
    tables = {t: getattr(cohort, t) for t in COHORT_TABLES}
    tables = {t: df for t, df in tables.items() if df is not None}
    if format == "xlsx":
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xl:
            for name, df in tables.items():
                df.to_excel(xl, sheet_name=name, index=False)
        return {"cohort.xlsx": buf.getvalue()}
    out = {}
    for name, df in tables.items():
        if format == "parquet":
            buf = io.BytesIO()
            df.to_parquet(buf, index=False)
            out[f"{name}.parquet"] = buf.getvalue()
        else:
            text = df.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")
            out[f"{name}.csv"] = text.encode("utf-8")
    return out


#: Metadata that would otherwise hold the time of writing (or a random id).
_FIXED_METADATA = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}


@dataclass
class OutputWriter:
    """Writes a run's tables, figures and files into its :class:`RunFolder` and remembers
    them; every table and figure passes through ``privacy`` (pseudonyms, shifted dates,
    small-cell suppression) when set.

    Attributes
    ----------
    tables : dict
        Table name -> its CSV and Parquet files (final paths).
    figures : dict
        Figure name -> its files (final paths).
    n_jobs : int
        Processes that render figures and tables given together (:meth:`save_figures`,
        :meth:`save_tables`); the files are the same whatever the number.
    """

    folder: RunFolder
    formats: tuple[str, ...] = ("png", "pdf")
    dpi: int = 150
    tables: dict[str, list[Path]] = field(default_factory=dict)
    figures: dict[str, list[Path]] = field(default_factory=dict)
    privacy: Privacy | None = None
    n_jobs: int = 1

    def table(self, name: str, df: pd.DataFrame) -> None:
        """``tables/<name>.csv`` and ``tables/<name>.parquet``."""
        self._save_tables([(name, df)], n_jobs=1)

    def save_tables(self, tables: Sequence[tuple[str, pd.DataFrame]]) -> None:
        """Each ``(name, table)`` as :meth:`table` writes it, the slices of the CSV files
        (:func:`csv_part`) and the Parquet files rendered by up to ``n_jobs`` forked processes;
        the files are the same as one by one.

        The tables go a group at a time (:func:`_groups`): privacy applied, the group's
        workers forked, and each file written as its parts come back, its CSV slices streamed
        into it and freed, so that neither a whole CSV file nor the prepared copy of every
        table is ever held."""
        self._save_tables(tables, n_jobs=self.n_jobs)

    def _save_tables(self, tables: Sequence[tuple[str, pd.DataFrame]], *, n_jobs: int) -> None:
        for group in _groups(tables):
            ready = [(name, self._ready(name, df)) for name, df in group]
            # per table: its Parquet file (None), then its CSV slices in order
            tasks = [(k, lo) for k, (_, df) in enumerate(ready) for lo in (None, *csv_starts(df))]
            rendered = forked_map(partial(_render_task, ready), tasks, n_jobs)
            with closing(rendered):  # on an error, the workers are stopped at once
                for name, df in ready:  # each file written, and freed, as its parts come
                    parquet = next(rendered)
                    self.table_files(name, parquet, islice(rendered, len(csv_starts(df))))
            del ready

    def table_files(self, name: str, parquet: bytes, csv: Iterable[bytes]) -> None:
        """Write a table's files rendered elsewhere: its Parquet file, then its CSV file from
        its slices in order (:func:`render_parts` of :meth:`prepared`), each slice written and
        freed as it comes."""
        parquet_path = self.folder.write(f"tables/{name}.parquet", parquet)
        self.tables[name] = [self.folder.write(f"tables/{name}.csv", csv), parquet_path]

    def prepared(self, name: str, df: pd.DataFrame) -> pd.DataFrame:
        """The table as written: after privacy, index dropped, cells Parquet can store (a new
        frame that shares the columns it does not change).

        Examples
        --------
        >>> from netsurv.pipeline.run_folder import RunFolder
        >>> writer = OutputWriter(RunFolder.__new__(RunFolder))
        >>> writer.prepared("t", pd.DataFrame({"tags": [("a", "b"), None]}, index=[5, 7]))
           tags
        0  a, b
        1  None
        """
        return self._ready(name, df)

    def _ready(self, name: str, df: pd.DataFrame) -> pd.DataFrame:
        if self.privacy is not None:
            df = self.privacy.table(name, df)
        return _plain(df)

    def figure(self, name: str, fig: Figure) -> None:
        """``figures/<name>.<format>`` for every configured format."""
        self.figure_files(name, self.render(fig))

    def save_figures(self, drawings: Sequence[tuple[str, Callable[[], Figure]]]) -> None:
        """Each ``(name, draw)`` as :meth:`figure` saves ``draw()``: drawn and rendered by up to
        ``n_jobs`` forked processes (:func:`~netsurv.pipeline.workers.forked_map`), written
        here in the given order; the files are the same as one by one."""
        names = [name for name, _ in drawings]
        rendered = forked_map(lambda d: self.render(d[1]()), drawings, self.n_jobs)
        for name, files in zip(names, rendered, strict=True):
            self.figure_files(name, files)

    def render(self, fig: Figure) -> dict[str, bytes]:
        """A figure's file in every configured format (after the privacy of small counts)."""
        if self.privacy is not None:
            self.privacy.figure(fig)
        reproducible_layout(fig)  # the same axes positions in every process
        files = {}
        for fmt in self.formats:
            buf = io.BytesIO()
            with matplotlib.rc_context({"svg.hashsalt": "netsurv"}):
                fig.savefig(
                    buf,
                    format=fmt,
                    dpi=self.dpi,
                    bbox_inches="tight",
                    metadata=_FIXED_METADATA.get(fmt, {}),
                )
            files[fmt] = buf.getvalue()
        return files

    def figure_files(self, name: str, files: dict[str, bytes]) -> None:
        """Write a figure's files rendered elsewhere (:meth:`render`), in its formats' order."""
        self.figures[name] = [
            self.folder.write(f"figures/{name}.{fmt}", data) for fmt, data in files.items()
        ]

    def json(self, name: str, content: dict[str, Any]) -> Path:
        """A JSON file in the folder (pretty, sorted keys)."""
        return self.folder.write(name, json_bytes(content))

    def file(self, name: str, data: bytes) -> Path:
        """Any other file in the folder (the report)."""
        return self.folder.write(name, data)


#: ``pandas.api.types.infer_dtype`` kinds of object columns that hold no tuple, list or set.
_SCALAR_KINDS = frozenset(
    {"string", "empty", "integer", "floating", "mixed-integer-float", "boolean", "datetime", "date"}
)


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Columns Parquet and CSV store the same way: tuples and sets as text, booleans kept;
    the index a plain range.  Columns left as they are are shared with ``df``, not copied."""
    out = df.copy(deep=False)
    out.index = pd.RangeIndex(len(out))
    for i, (_, s) in enumerate(out.items()):
        if s.dtype != object or pd.api.types.infer_dtype(s, skipna=True) in _SCALAR_KINDS:
            continue  # the kind is found in C: no Python call per cell of a text column
        if s.map(lambda v: isinstance(v, tuple | list | set)).any():
            joined = s.map(
                lambda v: ", ".join(map(str, v)) if isinstance(v, tuple | list | set) else v
            )
            out.isetitem(i, joined.to_numpy(dtype=object))
    return out


def _groups(
    tables: Sequence[tuple[str, pd.DataFrame]],
) -> Iterator[list[tuple[str, pd.DataFrame]]]:
    """Consecutive tables of up to :data:`GROUP_CELLS` cells together (a larger table alone):
    what :meth:`OutputWriter.save_tables` prepares and renders at a time."""
    group: list[tuple[str, pd.DataFrame]] = []
    cells = 0
    for name, df in tables:
        if group and cells + df.size > GROUP_CELLS:
            yield group
            group, cells = [], 0
        group.append((name, df))
        cells += df.size
    if group:
        yield group


#: Cells (rows x columns) of the tables one group of forked workers renders: with privacy,
#: the copies of at most this many cells (or of one larger table) are held at a time.
GROUP_CELLS = 2_000_000
