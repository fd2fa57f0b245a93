"""ISO 8601 date strings as CDISC stores them (``--DTC``), partial dates included.

SDTM keeps what was collected: ``2014-03-06``, ``2014-03`` (day unknown), ``2014`` (month
unknown) or a date-time ``2014-03-06T11:45``.  netsurv needs whole dates, so partial ones are
imputed as admiral does (``derive_vars_dt(highest_imputation = "M", date_imputation = ...)``):
``"first"`` (first day of the month / year), ``"last"`` (last day) or ``"none"`` (left empty).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

Imputation = Literal["first", "last", "none"]
IMPUTATIONS = ("first", "last", "none")


@dataclass(frozen=True)
class Dates:
    """Parsed dates.

    Attributes
    ----------
    date : pandas.Series
        ``datetime64[ns]``; NaT where empty, invalid or partial without imputation.
    imputed : pandas.Series
        ``""`` for complete dates, ``"D"`` when the day was imputed, ``"M"`` when month and day
        were (admiral's ``--DTF`` flag).
    invalid : pandas.Series
        Non-empty text that is not an ISO 8601 date.
    """

    date: pd.Series
    imputed: pd.Series
    invalid: pd.Series


def parse_dtc(values: pd.Series, *, impute: Imputation = "none") -> Dates:
    """Parse ``--DTC`` values, imputing partial dates.

    Parameters
    ----------
    values
        ISO 8601 text (date or date-time) or already-typed dates.
    impute
        ``"first"``, ``"last"`` or ``"none"``.

    Returns
    -------
    Dates

    Examples
    --------
    >>> s = pd.Series(["2014-03-06", "2014-02", "2014", "2014-03-06T11:45", "", "06/03/2014"])
    >>> d = parse_dtc(s, impute="last")
    >>> d.date.dt.strftime("%Y-%m-%d").tolist()
    ['2014-03-06', '2014-02-28', '2014-12-31', '2014-03-06', nan, nan]
    >>> d.imputed.tolist(), d.invalid.tolist()
    (['', 'D', 'M', '', '', ''], [False, False, False, False, False, True])
    """
    if impute not in IMPUTATIONS:
        raise ValueError(f"impute must be one of {IMPUTATIONS}, got {impute!r}")
    if pd.api.types.is_datetime64_any_dtype(values):
        date = pd.to_datetime(values).dt.normalize().astype("datetime64[ns]")
        empty = pd.Series("", index=values.index, dtype=object)
        return Dates(date, empty, pd.Series(False, index=values.index))
    text = values.astype("string").str.strip().fillna("")
    head = text.str.slice(0, 10)
    full = head.str.fullmatch(r"\d{4}-\d{2}-\d{2}") & (
        (text.str.len() == 10) | text.str.slice(10, 11).eq("T")
    )
    month = text.str.fullmatch(r"\d{4}-\d{2}")
    year = text.str.fullmatch(r"\d{4}")
    date = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    date[full] = pd.to_datetime(head[full], format="%Y-%m-%d", errors="coerce")
    if impute != "none":
        first_m = pd.to_datetime(text[month] + "-01", format="%Y-%m-%d", errors="coerce")
        first_y = pd.to_datetime(text[year] + "-01-01", format="%Y-%m-%d", errors="coerce")
        if impute == "last":
            first_m = first_m + pd.offsets.MonthEnd(0)
            first_y = first_y + pd.offsets.YearEnd(0)
        date[month] = first_m
        date[year] = first_y
    imputed = pd.Series("", index=values.index, dtype=object)
    imputed[month & date.notna()] = "D"
    imputed[year & date.notna()] = "M"
    invalid = (text != "") & ~(full | month | year)
    invalid |= full & date.isna()
    return Dates(date, imputed, invalid.astype(bool))
