"""Which treatment lines an analysis uses: filters on line and patient fields, with attrition.

Filtering selects lines *for analysis*; it never removes lines from the cohort, because the
lines left out still matter to the ones kept (the start of a next line censors PFS under the
FDA rules; a first line decides the number of the second).  Every line left out is listed with
the filter that excluded it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from netsurv.cohort import ATTRITION_COLUMNS, Cohort
from netsurv.errors import ConfigError

SELECTION_COLUMNS = [
    "patient_id",
    "line_id",
    "line_number",
    "regimen",
    "regimen_class",
    "start_date",
]


def select_lines(
    cohort: Cohort,
    *,
    regimen_class: str | Sequence[str] | None = None,
    regimen: str | Sequence[str] | None = None,
    primary_site: str | Sequence[str] | None = None,
    grade: str | Sequence[str] | None = None,
    sex: str | Sequence[str] | None = None,
    functional: str | Sequence[str] | None = None,
    ki67_min: float | None = None,
    ki67_max: float | None = None,
    line_number: int | Sequence[int] | None = None,
    start_from: dt.date | str | None = None,
    start_to: dt.date | str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lines that pass every given filter, and the lines left out with the first failed filter.

    Parameters
    ----------
    cohort
        A validated cohort.
    regimen_class, regimen
        Keep lines whose ``regimen_class`` / ``regimen`` is one of these (one value or a
        list, for every filter of this kind).
    primary_site, grade, sex, functional
        Keep lines of patients whose value is one of these (``functional`` as text,
        ``"yes"`` / ``"no"``).
    ki67_min, ki67_max
        Keep lines of patients with Ki-67 in this closed range (patients without a Ki-67 value
        are left out when either bound is given).
    line_number
        Keep lines with this number within the patient (1 = first line, by start date).
    start_from, start_to
        Keep lines starting in this closed date range.

    Returns
    -------
    selected : pandas.DataFrame
        ``patient_id``, ``line_id``, ``line_number``, ``regimen``, ``regimen_class``,
        ``start_date`` of the lines kept, by patient and start date.
    attrition : pandas.DataFrame
        ``table`` (``"lines"``), ``row_key`` (``"patient / line"``), ``stage``
        (``"selection"``) and ``reason`` (e.g. ``"regimen_class 'SSA' not in ['PRRT']"``).

    Examples
    --------
    >>> import netsurv as ns
    >>> kept, left = select_lines(ns.load_demo(), line_number=[1])
    >>> bool((kept["line_number"] == 1).all()) and len(kept) + len(left) == len(ns.load_demo().lines)
    True
    """
    ln = cohort.lines.sort_values(["patient_id", "start_date", "line_id"], kind="stable")
    ln = ln.assign(line_number=ln.groupby("patient_id").cumcount().to_numpy() + 1)
    pts = cohort.patients.set_index("patient_id")
    df = ln.merge(
        pts.reindex(columns=["primary_site", "grade", "sex", "functional", "ki67_pct"]),
        left_on="patient_id",
        right_index=True,
        how="left",
    )
    functional_text = df["functional"].map({True: "yes", False: "no"}, na_action="ignore")
    df = df.assign(functional=functional_text)
    reason = pd.Series(None, index=df.index, dtype=object)

    def exclude(mask: pd.Series | np.ndarray, text: pd.Series | str) -> None:
        new = pd.Series(mask, index=df.index).fillna(False).astype(bool) & reason.isna()
        reason.loc[new] = text if isinstance(text, str) else text[new]

    for col, allowed in (
        ("regimen_class", regimen_class),
        ("regimen", regimen),
        ("line_number", line_number),
        ("primary_site", primary_site),
        ("grade", grade),
        ("sex", sex),
        ("functional", functional),
    ):
        if allowed is None:
            continue
        values = [allowed] if isinstance(allowed, str | int) else list(allowed)
        if not values:
            raise ConfigError(f"cohort filter {col}: give at least one value or leave it out")
        out = ~df[col].isin(values)
        exclude(
            out, pd.Series([f"{col} {_show(v)} not in {values}" for v in df[col]], index=df.index)
        )
    if ki67_min is not None or ki67_max is not None:
        lo = -np.inf if ki67_min is None else ki67_min
        hi = np.inf if ki67_max is None else ki67_max
        k = df["ki67_pct"]
        exclude(k.isna(), "ki67_pct missing (a Ki-67 range was asked for)")
        exclude((k < lo) | (k > hi), k.map(lambda v: f"ki67_pct {v:g} outside [{lo:g}, {hi:g}]"))
    for bound, cmp in ((start_from, "from"), (start_to, "to")):
        if bound is None:
            continue
        ts = pd.Timestamp(bound)
        mask = df["start_date"] < ts if cmp == "from" else df["start_date"] > ts
        exclude(mask, f"line starts {'before' if cmp == 'from' else 'after'} {ts.date()}")

    left = reason.notna()
    attrition = pd.DataFrame(
        {
            "table": "lines",
            "row_key": (df.loc[left, "patient_id"] + " / " + df.loc[left, "line_id"]).to_numpy(),
            "stage": "selection",
            "reason": reason[left].to_numpy(),
        },
        columns=ATTRITION_COLUMNS,
    )
    kept = df.loc[~left].reindex(columns=SELECTION_COLUMNS).reset_index(drop=True)
    return kept, attrition


def _show(v: object) -> str:
    return (
        "missing" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else repr(v)
    )
