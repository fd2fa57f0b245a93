"""Small-cell suppression of a run's summary tables (``privacy.min_cell``).

A count from 1 to ``k - 1`` is replaced by ``"<k"`` (primary suppression).  Where a shown total
would let a reader work a suppressed count back out (Table 1: the group columns add up to
``Overall`` and a variable's levels add up to ``n``; the BOR summary: the responses add up to
``n``), a second count of the same sum is suppressed too and shown as ``"suppressed"``
(complementary suppression; it is not small, so ``"<k"`` would be false).  Percentages of a
sum that holds a suppressed count are blanked.  The rule is applied until no sum holds exactly
one suppressed count.  Zero counts are shown.

This is a simple, conservative scheme, not an optimal or audited one (for formal statistical
disclosure control use sdcTable or tau-ARGUS): it does not stop differencing between two runs
(e.g. a subset rerun), and it protects summary tables only, not the patient-level tables of a
run or the steps of a Kaplan–Meier curve.

Examples
--------
>>> import pandas as pd
>>> bor = pd.DataFrame({"criterion": ["recist1.1"], "CR": [2], "PR": [30], "SD": [40],
...                     "PD": [28], "n": [100], "orr_pct": [32.0], "dcr_pct": [72.0]})
>>> print(suppress_bor_summary(bor, 5).to_string(index=False))
criterion CR  PR  SD         PD   n  orr_pct  dcr_pct
recist1.1 <5  30  40 suppressed 100      NaN      NaN
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

#: What a complementary suppression shows (the count is not small; it hides another one).
SUPPRESSED = "suppressed"

#: Count columns suppressed in any summary table (rows of people, lines or events).
COUNT_COLUMNS = ("n", "records", "events", "n_status", "events_status", "n_agree", "count", "rows")
#: Estimates a small count gives back, suppressed with it (KM medians of a small group, a
#: response rate of few responders).
DERIVED = {"n": ("median", "lower", "upper"), "count": ("estimate", "lower", "upper")}

_COUNT_CELL = re.compile(r"^(\d+)(?: \((.*)\))?$")
_LEGEND_N = re.compile(r"\(n = (\d+)\)")


def small(k: int) -> str:
    """The text that replaces a count from 1 to ``k - 1``.

    Examples
    --------
    >>> small(5)
    '<5'
    """
    return f"<{k}"


def complementary(
    counts: np.ndarray, primary: np.ndarray, sums: Sequence[Sequence[tuple[int, int]]]
) -> np.ndarray:
    """Cells to suppress besides the ``primary`` ones so that no sum reveals one of them.

    Parameters
    ----------
    counts
        2-D array of counts (NaN where a cell is not a count).
    primary
        Boolean array of the same shape: the small counts.
    sums
        Each a list of cells (row, column) tied by one shown total; the first cell is the
        total and is suppressed last (e.g. ``Overall`` or ``n``).

    Returns
    -------
    numpy.ndarray
        Boolean array: the complementary suppressions (never a primary cell, never a zero).

    Examples
    --------
    >>> c = np.array([[10.0, 2.0, 8.0]])  # a total and its two parts
    >>> complementary(c, c < 5, [[(0, 0), (0, 1), (0, 2)]]).tolist()
    [[False, False, True]]
    """
    hidden = primary.copy()
    changed = True
    while changed:
        changed = False
        for cells in sums:
            if sum(bool(hidden[c]) for c in cells) != 1:
                continue
            total, parts = cells[0], cells[1:]
            # the smallest non-zero part shown, else the total
            open_parts = [c for c in parts if not hidden[c] and counts[c] > 0]
            pick = min(open_parts, key=lambda c: counts[c], default=None)
            if pick is None and not hidden[total] and counts[total] > 0:
                pick = total
            if pick is not None:
                hidden[pick] = True
                changed = True
    return hidden & ~primary


def suppress_table_one(t1: pd.DataFrame, k: int) -> pd.DataFrame:
    """Table 1 (:func:`netsurv.tables.table_one`) with counts below ``k`` suppressed.

    Counts (the ``n`` row, category levels, ``missing``) from 1 to ``k - 1`` become ``"<k"``;
    complementary cells ``"suppressed"`` (group columns sum to ``Overall``, a variable's levels
    and ``missing`` to ``n``); percentages of a variable's column that holds a suppressed cell
    are dropped; a median (of a covariate, or the median follow-up) of fewer than ``k`` known
    values becomes ``"suppressed"``.

    Examples
    --------
    >>> t1 = pd.DataFrame({"variable": ["n", "grade", "grade"], "level": ["", "G1", "G2"],
    ...                    "Overall": ["20", "3 (15.0 %)", "17 (85.0 %)"]})
    >>> suppress_table_one(t1, 5)["Overall"].tolist()
    ['20', '<5', 'suppressed']
    """
    cols = list(t1.columns[2:])
    text = t1[cols].astype(str).to_numpy()
    is_n = (t1["variable"] == "n").to_numpy()
    is_missing = (t1["level"] == "missing").to_numpy()
    is_median = t1["level"].astype(str).str.startswith("median").to_numpy()  # and follow-up
    counts = np.full(text.shape, np.nan)
    for (i, j), cell in np.ndenumerate(text):
        m = _COUNT_CELL.match(cell)
        if m and not is_median[i]:
            counts[i, j] = float(m.group(1))
    primary = (counts >= 1) & (counts < k)
    sums: list[list[tuple[int, int]]] = []
    rows = np.flatnonzero(~np.isnan(counts).all(axis=1))
    if len(cols) > 1:  # the groups add up to Overall (column 0)
        sums += [[(int(i), j) for j in range(len(cols))] for i in rows]
    n_row = int(np.flatnonzero(is_n)[0]) if is_n.any() else None
    variables = t1["variable"].to_numpy()
    continuous = set(variables[is_median])
    for var in set(variables) - continuous - {"n"}:  # levels and missing add up to n
        members = [int(i) for i in np.flatnonzero(variables == var)]
        if n_row is not None:
            sums += [[(n_row, j), *[(i, j) for i in members]] for j in range(len(cols))]
    secondary = complementary(counts, primary, sums)
    out = text.copy()
    for var in set(variables) - {"n"}:
        rows_of = np.flatnonzero(variables == var)
        for j in range(len(cols)):
            if (primary | secondary)[rows_of, j].any():  # no percentages beside a hidden cell
                for i in rows_of:
                    m = _COUNT_CELL.match(out[i, j])
                    if m and not is_median[i]:
                        out[i, j] = m.group(1)
    for var in continuous:
        med = int(np.flatnonzero((variables == var) & is_median)[0])
        miss = np.flatnonzero((variables == var) & is_missing)
        for j in range(len(cols)):
            total = counts[n_row, j] if n_row is not None else np.nan
            known = total - (counts[miss[0], j] if len(miss) else 0)
            if out[med, j] and (np.isnan(known) or 0 < known < k):
                out[med, j] = SUPPRESSED
    out[primary] = small(k)
    out[secondary] = SUPPRESSED
    return t1.assign(**{c: out[:, j] for j, c in enumerate(cols)})


def suppress_bor_summary(bor: pd.DataFrame, k: int) -> pd.DataFrame:
    """The BOR summary (responses by criterion, ``n``, ``orr_pct``, ``dcr_pct``) with counts
    below ``k`` suppressed, a complementary response where ``n`` would reveal one, and the
    percentages of a row with a suppressed count blanked (see the module example)."""
    pct = [c for c in bor.columns if c.endswith("_pct")]
    parts = [c for c in bor.columns if c not in ("criterion", "n", *pct)]
    cols = ["n", *parts]
    counts = bor[cols].to_numpy(dtype=float)
    primary = (counts >= 1) & (counts < k)
    sums = [[(i, j) for j in range(len(cols))] for i in range(len(bor))]
    secondary = complementary(counts, primary, sums)
    return _render(bor, cols, counts, primary, secondary, k, pct)


def suppress_at_risk(risk: pd.DataFrame, k: int) -> pd.DataFrame:
    """At-risk table (``n_risk``, cumulative ``n_events`` and ``n_censored`` by group and time):
    from the first time fewer than ``k`` (and more than 0) remain at risk, the number at risk is
    ``"<k"`` and the cumulative events and censorings are ``"suppressed"`` (their increments
    would count the few patients left).

    Examples
    --------
    >>> risk = pd.DataFrame({"group": "all", "time": [0.0, 12.0, 24.0], "n_risk": [30, 12, 3],
    ...                      "n_events": [0, 15, 24], "n_censored": [0, 3, 3]})
    >>> suppress_at_risk(risk, 5)[["n_risk", "n_events"]].values.tolist()
    [['30', '0'], ['12', '15'], ['<5', 'suppressed']]
    """
    keys = [c for c in ("endpoint", "group") if c in risk.columns]
    cols = ["n_risk", "n_events", "n_censored"]
    counts = risk[cols].to_numpy(dtype=float)
    few = (counts[:, 0] >= 1) & (counts[:, 0] < k)
    # from the first small number at risk of a group on (in time order)
    order = risk.sort_values([*keys, "time"], kind="stable")
    flags = pd.Series(few, index=risk.index).loc[order.index]
    later = flags.groupby([order[c] for c in keys], sort=False).cummax() if keys else flags.cummax()
    after = later.reindex(risk.index).to_numpy(dtype=bool)
    primary = np.zeros(counts.shape, dtype=bool)
    primary[:, 0] = few
    secondary = np.zeros(counts.shape, dtype=bool)
    secondary[:, 1:] = after[:, None]
    return _render(risk, cols, counts, primary, secondary, k, [])


def suppress_counts(df: pd.DataFrame, k: int) -> pd.DataFrame:
    """Any other summary table: the :data:`COUNT_COLUMNS` it has, from 1 to ``k - 1``, become
    ``"<k"``; percentage columns (``*_pct``, ``percent_*``) of such a row are blanked, and the
    estimates a suppressed count gives back (:data:`DERIVED`: the Kaplan–Meier median of a
    group of fewer than ``k``, a response rate of fewer than ``k`` responders) are
    ``"suppressed"``.

    Examples
    --------
    >>> med = pd.DataFrame({"group": ["a", "b"], "n": [40, 3], "events": [20, 2],
    ...                     "median": [11.5, 7.0]})
    >>> print(suppress_counts(med, 5).to_string(index=False))
    group  n events     median
        a 40     20       11.5
        b <5     <5 suppressed
    """
    cols = [c for c in COUNT_COLUMNS if c in df.columns and pd.api.types.is_numeric_dtype(df[c])]
    if not cols:
        return df
    counts = df[cols].to_numpy(dtype=float)
    primary = (counts >= 1) & (counts < k)
    pct = [c for c in df.columns if str(c).endswith("_pct") or str(c).startswith("percent_")]
    out = _render(df, cols, counts, primary, np.zeros_like(primary), k, pct)
    for count, derived in DERIVED.items():
        if count in cols and primary[:, cols.index(count)].any():
            few = primary[:, cols.index(count)]
            for c in set(derived) & set(df.columns):
                out[c] = _hidden(out[c], few)
    return out


def suppress_paired_rates(pairs: pd.DataFrame, k: int) -> pd.DataFrame:
    """Paired response rates (``both``, ``only_criterion``, ``only_reference``, ``neither``
    adding up to ``n``): counts below ``k`` are ``"<k"``, a complementary count where ``n``
    would give one back, and every estimate of a row with a hidden count (the two rates, their
    difference and its interval, the McNemar p-values, which the counts determine) is
    ``"suppressed"``.

    Examples
    --------
    >>> pairs = pd.DataFrame({"n": [50], "both": [10], "only_criterion": [2],
    ...                       "only_reference": [8], "neither": [30], "difference": [-0.12]})
    >>> print(suppress_paired_rates(pairs, 5).to_string(index=False))
     n  both only_criterion only_reference  neither difference
    50    10             <5     suppressed       30 suppressed
    """
    parts = [c for c in ("both", "only_criterion", "only_reference", "neither") if c in pairs]
    cols = ["n", *parts]
    counts = pairs[cols].to_numpy(dtype=float)
    primary = (counts >= 1) & (counts < k)
    sums = [[(i, j) for j in range(len(cols))] for i in range(len(pairs))]
    secondary = complementary(counts, primary, sums)
    out = _render(pairs, cols, counts, primary, secondary, k, [])
    hidden = (primary | secondary).any(axis=1)
    for c in pairs.columns:
        if c not in cols and pd.api.types.is_numeric_dtype(pairs[c]) and hidden.any():
            out[c] = _hidden(out[c], hidden)
    return out


def _render(
    df: pd.DataFrame,
    cols: list[str],
    counts: np.ndarray,
    primary: np.ndarray,
    secondary: np.ndarray,
    k: int,
    pct: list[str],
) -> pd.DataFrame:
    """Count columns with a suppressed cell as text ("<k", "suppressed", the count), and the
    percentages of rows with a suppressed cell blanked; other columns unchanged."""
    out = df.copy()
    hidden_rows = (primary | secondary).any(axis=1)
    for j, col in enumerate(cols):
        if not (primary[:, j] | secondary[:, j]).any():
            continue
        shown = [
            "" if np.isnan(v) else f"{v:.0f}" if float(v).is_integer() else f"{v:g}"
            for v in counts[:, j]
        ]
        text = np.where(primary[:, j], small(k), np.where(secondary[:, j], SUPPRESSED, shown))
        out[col] = text.astype(object)
    for col in pct:
        out[col] = out[col].where(~hidden_rows)
    return out


def _hidden(values: pd.Series, rows: np.ndarray) -> pd.Series:
    """``values`` with ``rows`` shown as ``"suppressed"``: a column of text, as a count column
    with a suppressed cell is (a Parquet column holds one type, so numbers and text cannot
    share it), each other value the text its CSV cell shows (a float its shortest ``repr``),
    a missing value missing."""
    shown = [
        None if pd.isna(v) else repr(v) if isinstance(v, float) else str(v) for v in values.tolist()
    ]
    text = np.where(rows, SUPPRESSED, np.array(shown, dtype=object))
    return pd.Series(text, index=values.index, dtype=object)


def suppress_figure(fig: Figure, k: int) -> None:
    """Suppress the small counts a figure draws, in place: the numbers of a Kaplan–Meier
    at-risk table and the ``(n = …)`` of a legend, from 1 to ``k - 1``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> ax = fig.subplots()
    >>> _ = ax.plot([0, 1], label="arm b (n = 3)")
    >>> _ = ax.legend()
    >>> suppress_figure(fig, 5)
    >>> ax.get_legend().get_texts()[0].get_text()
    'arm b (n <5)'
    """
    from netsurv.plots.km import AT_RISK_LABEL

    for ax in fig.get_axes():
        if ax.get_label() == AT_RISK_LABEL:
            for t in ax.texts:
                s = t.get_text()
                if s.isdigit() and 1 <= int(s) < k:
                    t.set_text(small(k))
        legend = ax.get_legend()
        for t in legend.get_texts() if legend is not None else ():
            t.set_text(
                _LEGEND_N.sub(
                    lambda m: f"(n {small(k)})" if 1 <= int(m[1]) < k else m[0], t.get_text()
                )
            )
