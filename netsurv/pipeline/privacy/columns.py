"""Where a result table holds what privacy transforms: ID columns, row keys, the patient of a
row, and free text (dates and patient IDs inside reasons, notes and messages)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.errors import _is_blank as missing  # None, NaN, NA or NaT

#: ID columns and the kind of identifier they hold (one pseudonym space per kind).
ID_KINDS = {
    "patient_id": "patient",
    "USUBJID": "patient",
    "SUBJID": "patient",
    "line_id": "line",
    "LINEID": "line",
    "assessment_id": "assessment",
    "lesion_id": "lesion",
}
#: Pseudonym prefix of each kind (``X`` for a column of ``privacy.id_columns``).
PREFIXES = {"patient": "P", "line": "L", "assessment": "A", "lesion": "T", "key": "K"}
PATIENT_COLUMNS = ("patient_id", "USUBJID", "SUBJID")
#: Text columns holding row keys (``"P001 / L2"``) and the column naming their table.
KEY_COLUMNS = {"row_key": "table", "source_key": "source_table", "SRCKEY": "SRCDOM"}
#: The kinds of a row key's parts, by the table it names (one layout per number of parts).
KEY_PARTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "patients": (("patient",),),
    "lines": (("patient", "line"),),
    "endpoints": (("patient", "line"),),
    "assessments": (("patient", "assessment"),),
    "lesions": (("patient", "assessment", "lesion"),),
    # lesion-level attrition: a lesion over a line, or on one scan of it
    "lesion_response": (("patient", "line", "lesion"), ("patient", "line", "assessment", "lesion")),
    "ADSL": (("patient",),),
    "ADRS": (("patient", "assessment"),),
    "EX": (("patient", "line"),),
}
#: Tables whose row keys name no patient (criteria are named).
UNKEYED_TABLES = frozenset({"criteria"})
#: What a date in free text becomes when its row has no patient to shift it by.
WITHHELD = "[date withheld]"
SEP = " / "

_FILE_LINE = re.compile(r"^line \d+$")
ISO_DATE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
_TOKEN = re.compile(r"[\w.\-]+")


def is_patient_level(df: pd.DataFrame, extra: Iterable[str] = ()) -> bool:
    """Whether a table has a row per patient, line, scan or lesion (an ID or row-key column,
    or one of ``extra``).

    Examples
    --------
    >>> is_patient_level(pd.DataFrame(columns=["patient_id", "bor"]))
    True
    >>> is_patient_level(pd.DataFrame(columns=["criterion", "n"]))
    False
    """
    return bool(set(df.columns) & (set(ID_KINDS) | set(KEY_COLUMNS) | set(extra)))


def row_patients(df: pd.DataFrame) -> pd.Series | None:
    """The (real) patient of each row: a patient column, else the first part of a row key
    (None for criteria and file lines); None when the table has neither.

    Examples
    --------
    >>> att = pd.DataFrame({"table": ["lines", "criteria"], "row_key": ["P1 / L2", "sstv"]})
    >>> row_patients(att).tolist()
    ['P1', nan]
    """
    for col in PATIENT_COLUMNS:
        if col in df.columns:
            return df[col]
    for col, table_col in KEY_COLUMNS.items():
        if col in df.columns:
            keys = df[col].astype("string")
            tables = df[table_col] if table_col in df.columns else pd.Series("", index=df.index)
            file_line = keys.str.match(_FILE_LINE.pattern).fillna(False).to_numpy(dtype=bool)
            named = ~tables.isin(list(UNKEYED_TABLES)).to_numpy(dtype=bool) & ~file_line
            return keys.str.split(SEP).str[0].astype(object).where(named)
    return None


def key_layouts(
    keys: pd.Series, table: str
) -> list[tuple[np.ndarray, tuple[str, ...], pd.DataFrame]]:
    """The row keys of one table split into parts, by layout: (rows, kind of each part,
    parts).  A known table's key is split into its key columns; any other key into its
    patient and the rest as one part of kind ``"key"`` (so nothing real is kept); criterion
    names and file lines (``"line 7"``) are left out (kept whole).

    Examples
    --------
    >>> keys = pd.Series(["P1 / A3 / T1", "P1 / A3 / T1 / x", "line 7"])
    >>> [(rows.tolist(), kinds, parts.values.tolist())
    ...  for rows, kinds, parts in key_layouts(keys, "lesions")]
    [([True, False, False], ('patient', 'assessment', 'lesion'), [['P1', 'A3', 'T1']]), ([False, True, False], ('patient', 'key'), [['P1', 'A3 / T1 / x']])]

    A table with two layouts (lesion-level attrition) is split by the number of parts:

    >>> keys = pd.Series(["P1 / L1 / T2", "P1 / L1 / A4 / T2"])
    >>> [kinds for _, kinds, _ in key_layouts(keys, "lesion_response")]
    [('patient', 'line', 'lesion'), ('patient', 'line', 'assessment', 'lesion')]
    """
    text = keys.astype(str)
    if table in UNKEYED_TABLES:
        return []
    kept = text.str.match(_FILE_LINE.pattern).to_numpy(dtype=bool)
    n_parts = text.str.count(SEP).to_numpy() + 1
    other = ~kept
    out = []
    for kinds in KEY_PARTS.get(table, ()):
        exact = ~kept & (n_parts == len(kinds))
        if exact.any():
            out.append((exact, kinds, text[exact].str.split(SEP, expand=True, regex=False)))
            other &= ~exact
    if other.any():
        parts = text[other].str.split(SEP, n=1, expand=True, regex=False)
        out.append((other, ("patient", "key")[: parts.shape[1]], parts))
    return out


def by_pseudonym(df: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered (stably) by the pseudonymised patient, or row key, so that their order
    does not give away the order of the real IDs."""
    for col in (*PATIENT_COLUMNS, *KEY_COLUMNS):
        if col in df.columns:
            return df.sort_values(col, kind="stable", na_position="first", ignore_index=True)
    return df


def scrub(s: pd.Series, shifts: np.ndarray | None, ids: Mapping[str, str]) -> pd.Series:
    """Free text with each ISO date moved by its row's offset in ``shifts`` (days; withheld
    where it is NaN; dates kept when ``shifts`` is None) and each token that is a key of
    ``ids`` (a real patient ID) replaced by its pseudonym.

    Examples
    --------
    >>> s = pd.Series(["P1 scanned 2020-01-31.", "cut-off 2023-06-30", None])
    >>> scrub(s, np.array([10, np.nan, np.nan]), {"P1": "P-ab"}).tolist()
    ['P-ab scanned 2020-02-10.', 'cut-off [date withheld]', None]
    """
    values = s.to_numpy(dtype=object, copy=True)
    text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
    if shifts is not None and text.any():
        dated = {v for v in pd.unique(values[text]) if ISO_DATE.search(v)}
        for i in np.flatnonzero(text & pd.Series(values).isin(dated).to_numpy()):
            days = None if np.isnan(shifts[i]) else int(shifts[i])

            def moved(m: re.Match[str], days: int | None = days) -> str:
                return shift_iso(m[1], days)

            values[i] = ISO_DATE.sub(moved, values[i])
    if ids and text.any():

        def swap(m: re.Match[str]) -> str:
            tok = m[0]
            bare = tok.rstrip(".")
            return ids[bare] + tok[len(bare) :] if bare in ids else tok

        swapped = {v: _TOKEN.sub(swap, v) for v in pd.unique(values[text])}
        values[text] = [swapped[v] for v in values[text]]
    return pd.Series(values, index=s.index, dtype=object)


def shift_dates(df: pd.DataFrame, days: np.ndarray | None, *, table: str) -> pd.DataFrame:
    """Every date column of ``df`` moved by its row's offset in ``days`` (NaN: the row has no
    patient; None: the table has no patient column).

    Raises
    ------
    netsurv.ConfigError
        Dates in a table without a patient column, or in a row without a patient.

    Examples
    --------
    >>> df = pd.DataFrame({"patient_id": ["P1"], "date": pd.to_datetime(["2020-12-25"])})
    >>> shift_dates(df, np.array([10.0]), table="t")["date"].dt.strftime("%Y-%m-%d").tolist()
    ['2021-01-04']
    """
    cols = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c])]
    if not cols:
        return df
    if days is None:
        raise ConfigError(
            f"privacy: table {table!r} has date column(s) {cols} but no patient column "
            f"({', '.join(PATIENT_COLUMNS)}) to shift them by"
        )
    delta = pd.to_timedelta(pd.Series(days, dtype=float, index=df.index), unit="D")
    out = df.copy()
    for c in cols:
        orphan = df[c].notna() & delta.isna()
        if orphan.any():
            raise ConfigError(
                f"privacy: table {table!r}, column {c!r}: {int(orphan.sum())} date(s) in rows "
                "without a patient to shift them by"
            )
        out[c] = df[c] + delta.fillna(pd.Timedelta(0)).to_numpy()
    return out


def scrub_table(
    df: pd.DataFrame,
    *,
    skip: set[str],
    shifts: np.ndarray | None,
    ids: Mapping[str, str],
    pseudonym_of: Callable[[str, object], str | None],
) -> pd.DataFrame:
    """Every text column of ``df`` but those in ``skip`` through :func:`scrub`; in a table of
    validation failures (``column``, ``value``) a value is pseudonymised when
    ``pseudonym_of(column, value)`` gives a pseudonym (an ID column), and a value of a date
    column is shifted, or withheld when it is not an ISO date.

    Examples
    --------
    >>> warn = pd.DataFrame({"column": ["date", "end_date", "grade"], "row_key": "P1",
    ...                      "value": ["2020-01-31", "31/01/2020", "G2"]})
    >>> scrub_table(warn, skip={"row_key"}, shifts=np.ones(3), ids={},
    ...             pseudonym_of=lambda c, v: None)["value"].tolist()
    ['2020-02-01', '[date withheld]', 'G2']
    """
    text_cols = [
        c
        for c in df.columns
        if c not in skip
        and (pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c]))
    ]
    out = df.copy()
    if {"column", "value"} <= set(text_cols):
        values: list[object] = []
        for i, (col, value) in enumerate(zip(df["column"], df["value"], strict=True)):
            shown = None if missing(value) else pseudonym_of(str(col), value)
            if missing(value) or shown is not None:
                values.append(value if shown is None else shown)
            elif shifts is not None and is_date_column(str(col)):
                day = str(value)[:10]
                iso = ISO_DATE.fullmatch(day) is not None
                offset = None if np.isnan(shifts[i]) else int(shifts[i])
                values.append(shift_iso(day, offset) if iso else WITHHELD)
            else:
                row = None if shifts is None else shifts[i : i + 1]
                values.append(scrub(pd.Series([value], dtype=object), row, ids).iat[0])
        out["value"] = pd.Series(values, index=df.index, dtype=object)
        text_cols.remove("value")
    for c in text_cols:
        out[c] = scrub(df[c], shifts, ids)
    return out


def shift_iso(day: str, offset: int | None) -> str:
    """An ISO date moved by ``offset`` days (:data:`WITHHELD` without an offset or a date).

    Examples
    --------
    >>> shift_iso("2020-12-25", 10), shift_iso("2020-12-25", None)
    ('2021-01-04', '[date withheld]')
    """
    try:
        real = dt.date.fromisoformat(day)
    except ValueError:
        return WITHHELD
    return WITHHELD if offset is None else (real + dt.timedelta(days=offset)).isoformat()


def is_date_column(col: str) -> bool:
    """Whether a column name names a date (``date``, ``*_date``, SDTM ``*DTC`` / ``*DT``)."""
    return col == "date" or col.endswith(("_date", "DTC", "DT"))
