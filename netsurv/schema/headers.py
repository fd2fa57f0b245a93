"""Headers as netsurv matches them to the declared columns.

A clinic's export writes ``Patient_ID``, `` patient_id `` or ``Long axis mm``; netsurv reads
each as the declared column it names once case, surrounding blanks and inner runs of blanks
are set aside, and refuses a file where two headers then name the same column.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from netsurv.schema.problems import Problems


def normalise_header(name: object) -> str:
    """A header as netsurv matches it to a declared column: without surrounding blanks, in
    lower case, inner blanks as ``_`` (``" Patient ID "`` -> ``"patient_id"``).

    Examples
    --------
    >>> normalise_header(" Long Axis_MM ")
    'long_axis_mm'
    """
    return re.sub(r"\s+", "_", str(name).strip()).lower()


_UNNAMED = re.compile(r"(Unnamed: \d+(_level_\d+)?|nan|None)?")


def is_unnamed(name: str) -> bool:
    """Whether a header (without surrounding blanks) is no name: empty, or the placeholder a
    reader gives a column without one.

    Examples
    --------
    >>> is_unnamed(""), is_unnamed("Unnamed: 3"), is_unnamed("ecog")
    (True, True, False)
    """
    return _UNNAMED.fullmatch(name) is not None


def match_headers(
    raw: pd.DataFrame, declared: list[str], table: str, problems: Problems
) -> pd.DataFrame:
    """``raw`` with headers matched to the declared columns case- and blank-insensitively.

    Two headers naming the same column are an error (``duplicate_column``: netsurv never
    picks one; the first is kept so that the other checks still run); a column without a
    header is dropped, with a warning (``unnamed_column``) when it holds values.  Undeclared
    headers are kept as written, without surrounding blanks.

    Examples
    --------
    >>> from netsurv.schema.problems import Problems
    >>> p = Problems()
    >>> raw = pd.DataFrame([["P1", "F", "x"]], columns=[" Patient_ID ", "SEX", "Unnamed: 2"])
    >>> match_headers(raw, ["patient_id", "sex"], "patients", p).columns.tolist()
    ['patient_id', 'sex']
    >>> p.rows[0]["rule"], p.rows[0]["message"]
    ('unnamed_column', 'column 3 has values but no header: it is not read')
    """
    written = [str(c).strip() for c in raw.columns]
    names = [
        c if c == "_line" or normalise_header(c) not in declared else normalise_header(c)
        for c in written
    ]
    keep = np.ones(len(names), dtype=bool)
    for i, name in enumerate(names):
        if name != "_line" and is_unnamed(name):
            keep[i] = False
            col = raw.iloc[:, i]
            if col.notna().any() and col.astype(str).str.strip().ne("").any():
                problems.add(
                    table,
                    "",
                    "",
                    "unnamed_column",
                    written[i] or None,
                    f"column {i + 1} has values but no header: it is not read",
                    severity="warning",
                )
    index = pd.Index(names)
    for name in index[index.duplicated() & keep].unique():
        at = [i for i, n in enumerate(names) if n == name and keep[i]]
        problems.add(
            table,
            name,
            "",
            "duplicate_column",
            ", ".join(repr(written[i]) for i in at),
            f"{len(at)} columns ({', '.join(str(i + 1) for i in at)}) are named '{name}': "
            "keep one (netsurv does not choose)",
        )
    keep &= ~index.duplicated(keep=False)  # none of them is read: netsurv does not choose
    # a shallow copy when every column is kept: the cells are not copied (millions of rows)
    out = raw.copy(deep=False) if keep.all() else raw.iloc[:, np.flatnonzero(keep)].copy()
    out.columns = [n for n, k in zip(names, keep, strict=True) if k]
    return out
