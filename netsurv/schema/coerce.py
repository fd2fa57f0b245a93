"""Turn raw tables (text from CSV, objects from Excel, typed Parquet or user frames) into the
types the schema declares, recording every value that cannot be converted.

Coercion is lenient where the meaning is unambiguous (``" ct "`` → ``"CT"``, ``"yes"`` →
``True``, ``12`` → ``"12"`` for an identifier) and strict where it is not: a date must be an
ISO date (``YYYY-MM-DD``) or a real date cell, never a day-first string or an Excel serial
number, both of which are reported with the reading that was probably meant.  One column's
conversion to its type is :mod:`netsurv.schema.column_types`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow.compute as pc

from netsurv.schema.cells import arrow_text, as_text, coded_category
from netsurv.schema.column_types import EXACT, coerce_column, finite, lower_text, report_rows
from netsurv.schema.headers import match_headers
from netsurv.schema.inputs import KEYS
from netsurv.schema.problems import Problems, RowKeys


def coerce_table(
    raw: pd.DataFrame, model: type[pa.DataFrameModel], table: str, problems: Problems
) -> pd.DataFrame:
    """Convert ``raw`` to the model's column types.

    Columns the model does not declare are kept as they are (covariates pass through).
    Optional columns that are absent are added, empty, so downstream code can rely on every
    declared column existing.  A required column that is absent is reported as
    ``missing_column`` and also added empty, so that other checks can still run.

    Parameters
    ----------
    raw
        The table as read; may hold text, Python objects or typed columns.
    model
        The pandera model of the table.
    table
        Table name used in problem reports.
    problems
        Where conversion failures are recorded.

    Returns
    -------
    pandas.DataFrame
        A new frame with the declared dtypes; unconvertible values become missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from netsurv.schema.inputs import Patients
    >>> p = Problems()
    >>> raw = pd.DataFrame({"patient_id": [1], "last_alive_date": ["2021-03-04"]})
    >>> coerce_table(raw, Patients, "patients", p)["last_alive_date"].iloc[0]
    Timestamp('2021-03-04 00:00:00')
    """
    schema = model.to_schema()
    df = match_headers(raw, list(schema.columns), table, problems)
    if "_line" not in df.columns:
        df["_line"] = np.arange(2, len(df) + 2)
    for name, col in schema.columns.items():
        if name not in df.columns:
            if col.required and (table, name) not in problems.absent:  # not if duplicated
                problems.add(
                    table,
                    name,
                    "",
                    "missing_column",
                    None,
                    f"required column '{name}' is missing"
                    + _suggest(name, [c for c in df.columns if c != "_line"]),
                )
            df[name] = pd.Series(pd.NA, index=df.index, dtype=object)
    key_text = _text_keys(df, table)
    keys = RowKeys(key_text, table)
    for extra in df.columns.difference([*schema.columns, "_line"]):
        df[extra] = infer_covariate(df[extra])
        if pd.api.types.is_float_dtype(df[extra]):
            df[extra] = finite(df[extra], df[extra], table, extra, keys, problems)
    equivocal = _split_equivocal(df, schema)
    index = df.index
    columns = {c: df[c] for c in df.columns}
    del raw, df  # each raw column is then held by ``columns`` only, and freed once converted
    categorical = CATEGORICAL.get(table, ())
    for name, col in schema.columns.items():
        dtype = str(col.dtype)
        allowed = _allowed_values(col)
        text = key_text.get(name)  # key columns are already text: not converted twice
        coded = None
        if name in categorical and text is None:  # Arrow text: categories from its codes
            coded = coded_category(columns[name], allowed)
        columns[name] = (
            coded
            if coded is not None
            else coerce_column(
                columns[name], dtype, allowed, table, name, keys, problems, text=text
            )
        )
    for name, (target, mask) in equivocal.items():
        given = columns[target].fillna(False).to_numpy(dtype=bool)
        both = columns[name].fillna(False).to_numpy(dtype=bool) & given
        report_rows(
            both,
            columns[name],
            table,
            name,
            keys,
            problems,
            "type_boolean",
            f"is true while {target} is true too: a new lesion is unequivocal or equivocal, "
            "not both",
        )
        columns[target] = pd.Series(pd.array(given | mask, dtype="boolean"), index=index)
    for name in categorical:
        if not isinstance(columns[name].dtype, pd.CategoricalDtype):
            columns[name] = columns[name].astype("category")
    # one frame made at the end, of the converted columns as they are (copy=False: no 2-D
    # block of every column is made, which would copy millions of lesion rows)
    return pd.DataFrame(columns, index=index, copy=False)


def _split_equivocal(
    df: pd.DataFrame, schema: pa.DataFrameSchema
) -> dict[str, tuple[str, np.ndarray]]:
    """Cells reading ``equivocal`` in a yes/no column that allows it (metadata
    ``equivocal_to``, e.g. ``assessments.new_lesion``): emptied in place, and returned as a
    mask per column with the column that records them (``new_lesion_equivocal``)."""
    out = {}
    for name, col in schema.columns.items():
        target = (col.metadata or {}).get("equivocal_to")
        if target is None:
            continue
        mask = np.zeros(len(df), dtype=bool)
        if not pd.api.types.is_bool_dtype(df[name]):
            mask = pc.equal(lower_text(df[name]), "equivocal").fill_null(False).to_numpy()
        if mask.any():
            df[name] = df[name].astype(object).where(~mask, None)
        out[name] = (target, mask)
    return out


def _text_keys(df: pd.DataFrame, table: str) -> pd.DataFrame:
    cols = [c for c in KEYS.get(table, ()) if c in df.columns]
    out = pd.DataFrame({c: as_text(df[c]) for c in cols}, index=df.index, copy=False)
    out["_line"] = df["_line"]
    return out


def _allowed_values(col: pa.Column) -> list[str] | None:
    for check in col.checks:
        if check.name == "isin":
            return list(check.statistics["allowed_values"])
    return None


def _suggest(name: str, present: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, present, n=1, cutoff=0.6)
    return f" (found '{close[0]}': rename it?)" if close else ""


def infer_covariate(s: pd.Series) -> pd.Series:
    """An extra column as numbers when every filled value is a number, else as text.

    Whole numbers become ``Int64`` when a float holds them exactly (below 2**53); longer
    ones (a record number of 20 digits) stay text, so that no digit is lost.

    Examples
    --------
    >>> infer_covariate(pd.Series(["1", "2"])).dtype
    Int64Dtype()
    >>> infer_covariate(pd.Series(["12345678901234567890"])).tolist()
    ['12345678901234567890']
    """
    if not pd.api.types.is_object_dtype(s) and arrow_text(s) is None:
        return s
    text = as_text(s)
    num = pd.to_numeric(text, errors="coerce").astype("float64")
    if text.notna().any() and (num.notna() == text.notna()).all():
        if (num.dropna() % 1).any() or np.isinf(num).any():
            return num
        if (num.abs() < EXACT).all() or num.isna().all():
            return num.astype("Int64")
    return text


#: Coded text columns held as categoricals (one byte per row instead of an 8-byte pointer).
CATEGORICAL = {"lesions": ("site", "role", "measurement_flag")}
