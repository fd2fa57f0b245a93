"""Publication tables as DataFrames: Table 1 (baseline characteristics by group, median
follow-up by reverse Kaplan–Meier)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.errors import ConfigError
from netsurv.measures.baseline import baseline_measures
from netsurv.survival.followup import median_follow_up

#: Patient and line fields summarised by default (when present and not empty).
DEFAULT_CATEGORICAL = (
    "sex",
    "primary_site",
    "grade",
    "functional",
    "ecog",
    "regimen_class",
    "line_number",
)
DEFAULT_CONTINUOUS = ("age_years", "ki67_pct")


def baseline_frame(cohort: Cohort, lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per analysed line with the patient's characteristics at the line's start.

    Parameters
    ----------
    cohort
        A validated cohort.
    lines
        ``patient_id``, ``line_id`` of the lines to describe (e.g. from
        :func:`netsurv.selection.select_lines`); default all lines.

    Returns
    -------
    pandas.DataFrame
        Line fields, ``line_number``, every patient column, ``age_years`` at the line's
        start (from ``birth_date``) and the baseline NET biomarkers of the line
        (:data:`netsurv.measures.BASELINE_MEASURES`: liver tumour fraction and category,
        discordant volume, NETPET and three-scale grades, Krenning max / min / range; empty
        where the data do not record them; categories as text), so that they can be Cox
        covariates or groups.

    Examples
    --------
    >>> import netsurv as ns
    >>> df = baseline_frame(ns.load_demo())
    >>> {"age_years", "line_number", "grade"} <= set(df.columns)
    True
    """
    ln = cohort.lines.sort_values(["patient_id", "start_date", "line_id"], kind="stable")
    ln = ln.assign(line_number=ln.groupby("patient_id").cumcount().to_numpy() + 1)
    if lines is not None:
        ln = ln.merge(lines[["patient_id", "line_id"]], on=["patient_id", "line_id"])
    df = ln.merge(cohort.patients, on="patient_id", how="left")
    age = (df["start_date"] - df["birth_date"]).dt.days / 365.25
    markers = baseline_measures(cohort).table
    for col in ("liver_fraction_category", "netpet_grade", "three_scale_grade"):
        text = markers[col].astype(object)
        markers[col] = text.mask(text.isna(), None)
    df = df.merge(markers, on=["patient_id", "line_id"], how="left", suffixes=("", "_measured"))
    return df.assign(age_years=age).reset_index(drop=True)


def table_one(
    frame: pd.DataFrame,
    *,
    by: str | None = None,
    categorical: Sequence[str] | None = None,
    continuous: Sequence[str] | None = None,
    digits: int = 1,
    follow_up: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Baseline characteristics: n (%) for categories, median [IQR] for numbers, by group.

    Parameters
    ----------
    frame
        One row per unit described (e.g. :func:`baseline_frame`).
    by
        Column whose values make the groups (e.g. ``"regimen_class"``); None = overall only.
    categorical, continuous
        Columns to summarise; default: those of :data:`DEFAULT_CATEGORICAL` and
        :data:`DEFAULT_CONTINUOUS` present with at least one value.
    digits
        Decimals of medians, quartiles and percentages.
    follow_up
        ``(duration column, event column)`` of overall survival in ``frame`` (e.g. OS months
        and death): adds a row ``follow-up`` / ``median (95% CI), reverse KM`` with the
        median follow-up by the reverse Kaplan–Meier method
        (:func:`netsurv.survival.median_follow_up`; ``NR`` for a limit not reached), over
        the rows with both values, in the duration column's unit.

    Returns
    -------
    pandas.DataFrame
        Columns ``variable``, ``level``, ``Overall`` and one per group (text cells); a first
        row ``n``; percentages among non-missing values; a ``missing`` level where values
        are missing.

    Examples
    --------
    >>> import netsurv as ns
    >>> t1 = table_one(baseline_frame(ns.load_demo()), by="regimen_class")
    >>> list(t1.columns[:3])
    ['variable', 'level', 'Overall']
    >>> t1.iloc[0]["variable"]
    'n'
    """
    if by is not None and by not in frame.columns:
        raise ConfigError(f"table_one: no column {by!r} to group by; have {list(frame.columns)}")
    cat = list(categorical) if categorical is not None else _present(frame, DEFAULT_CATEGORICAL)
    num = list(continuous) if continuous is not None else _present(frame, DEFAULT_CONTINUOUS)
    missing = [c for c in (*cat, *num) if c not in frame.columns]
    if missing:
        raise ConfigError(f"table_one: no column(s) {missing}")
    groups: list[tuple[str, pd.DataFrame]] = [("Overall", frame)]
    if by is not None:
        groups += [(str(k), g) for k, g in frame.groupby(by, sort=True, dropna=False)]
    rows: list[dict[str, str]] = [
        {"variable": "n", "level": ""} | {g: str(len(d)) for g, d in groups}
    ]
    if follow_up is not None:
        rows.append(_follow_up_row(frame, follow_up, groups, digits))
    for col in num:
        rows.append(
            {"variable": col, "level": "median [IQR]"}
            | {g: _median(d[col], digits) for g, d in groups}
        )
        rows += _missing_row(col, groups)
    for col in cat:
        levels = sorted(frame[col].dropna().unique(), key=str)
        for lev in levels:
            rows.append(
                {"variable": col, "level": str(lev)}
                | {g: _count(d[col], lev, digits) for g, d in groups}
            )
        rows += _missing_row(col, groups)
    return pd.DataFrame(rows, columns=["variable", "level", *[g for g, _ in groups]]).fillna("")


def _follow_up_row(
    frame: pd.DataFrame,
    cols: tuple[str, str],
    groups: list[tuple[str, pd.DataFrame]],
    digits: int,
) -> dict[str, str]:
    """Median follow-up (reverse Kaplan–Meier) with its 95 % CI, overall and per group."""
    duration, event = cols
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ConfigError(f"table_one: follow_up column(s) {missing} are not in the frame")

    def cell(df: pd.DataFrame) -> str:
        rows = df.dropna(subset=[duration, event])
        if rows.empty:
            return ""
        m = median_follow_up(rows, duration_col=duration, event_col=event).iloc[0]
        text = [
            f"{v:.{digits}f}" if np.isfinite(v) else "NR" for v in m[["median", "lower", "upper"]]
        ]
        return f"{text[0]} ({text[1]}–{text[2]})"

    return {"variable": "follow-up", "level": "median (95% CI), reverse KM"} | {
        g: cell(d) for g, d in groups
    }


def _present(frame: pd.DataFrame, cols: Sequence[str]) -> list[str]:
    return [c for c in cols if c in frame.columns and frame[c].notna().any()]


def _median(s: pd.Series, digits: int) -> str:
    v = pd.to_numeric(s, errors="coerce").dropna()
    if v.empty:
        return ""
    q = np.quantile(v.to_numpy(dtype=float), [0.5, 0.25, 0.75])
    return f"{q[0]:.{digits}f} [{q[1]:.{digits}f}, {q[2]:.{digits}f}]"


def _count(s: pd.Series, level: object, digits: int) -> str:
    n_known = int(s.notna().sum())
    k = int((s == level).sum())
    return f"{k} ({100 * k / n_known:.{digits}f} %)" if n_known else "0"


def _missing_row(col: str, groups: list[tuple[str, pd.DataFrame]]) -> list[dict[str, str]]:
    counts = {g: int(d[col].isna().sum()) for g, d in groups}
    if not any(counts.values()):
        return []
    return [{"variable": col, "level": "missing"} | {g: str(n) for g, n in counts.items()}]
