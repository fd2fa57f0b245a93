"""Link imaging assessments to treatment lines: which scan is the baseline of which line,
and which scans are that line's follow-up.

A scan can serve two lines: the scan that shows progression on line 1 is often also the
baseline of line 2.  The link table therefore has one row per (assessment, line, role)
rather than a single ``line_id`` per assessment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.schema.key_rows import adjacent_ties, key_positions
from netsurv.schema.problems import Problems

LINK_COLUMNS = [
    "patient_id",
    "line_id",
    "assessment_id",
    "date",
    "modality",
    "role",
    "days_from_start",
    "assigned_by",
]


def _empty_links() -> pd.DataFrame:
    """The links table of a cohort without scans (typed, so later steps work unchanged)."""
    return pd.DataFrame(
        {
            "patient_id": pd.Series(dtype=object),
            "line_id": pd.Series(dtype=object),
            "assessment_id": pd.Series(dtype=object),
            "date": pd.Series(dtype="datetime64[ns]"),
            "modality": pd.Series(dtype=object),
            "role": pd.Series(dtype=object),
            "assigned_by": pd.Series(dtype=object),
        }
    )


def link_assessments_to_lines(
    assessments: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    baseline_window_days: int = 28,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Assign every assessment to the line(s) it informs.

    Rules, for scans without a ``line_id``:

    * **follow-up** of line *L*: start of *L* < scan date <= start of the patient's next line
      (or open-ended for the last line);
    * **baseline** of line *L*: the last scan of each modality dated on or before the start
      of *L* and at most ``baseline_window_days`` before it.

    A scan with a ``line_id`` belongs to that line only: follow-up when dated after the line's
    start, otherwise baseline if it is the last such scan of its modality (the window is not
    enforced for explicitly assigned scans).

    Parameters
    ----------
    assessments
        Typed assessments table.
    lines
        Typed lines table.
    baseline_window_days
        Longest gap between a baseline scan and the start of treatment.

    Returns
    -------
    links : pandas.DataFrame
        One row per (patient, line, assessment) with ``role`` (``"baseline"`` or
        ``"follow_up"``), ``days_from_start`` and ``assigned_by`` (``"line_id"`` or
        ``"date"``), sorted by patient, line start, date.
    unassigned : pandas.DataFrame
        Assessments linked to no line, with a ``reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"patient_id": ["P1", "P1"], "line_id": ["L1", "L2"],
    ...     "start_date": pd.to_datetime(["2020-01-10", "2020-07-01"])})
    >>> scans = pd.DataFrame({"patient_id": ["P1"] * 3, "assessment_id": ["A1", "A2", "A3"],
    ...     "date": pd.to_datetime(["2020-01-02", "2020-04-01", "2020-06-28"]),
    ...     "modality": ["CT"] * 3, "line_id": [None] * 3})
    >>> links, _ = link_assessments_to_lines(scans, lines)
    >>> links[["line_id", "assessment_id", "role"]].to_string(index=False)
    'line_id assessment_id      role\\n     L1            A1  baseline\\n     L1            A2 follow_up\\n     L1            A3 follow_up\\n     L2            A3  baseline'
    """
    links, unassigned, _ = link_with_rows(
        assessments, lines, baseline_window_days=baseline_window_days
    )
    return links, unassigned


def link_with_rows(
    assessments: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    baseline_window_days: int = 28,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray | None]:
    """:func:`link_assessments_to_lines`, and each link's row in ``assessments`` (a position)
    when the assessments' keys (``patient_id``, ``assessment_id``) are filled, distinct and
    in key order; otherwise None (a position would not stand for every row of its key).

    Examples
    --------
    >>> lines = pd.DataFrame({"patient_id": ["P1"], "line_id": ["L1"],
    ...     "start_date": pd.to_datetime(["2020-01-10"])})
    >>> scans = pd.DataFrame({"patient_id": ["P1"] * 2, "assessment_id": ["A1", "A2"],
    ...     "date": pd.to_datetime(["2020-01-02", "2020-04-01"]),
    ...     "modality": ["CT"] * 2, "line_id": [None] * 2})
    >>> link_with_rows(scans, lines)[2].tolist()
    [0, 1]
    """
    cols = ["patient_id", "assessment_id", "date", "modality", "line_id"]
    cols += ["visit_id"] * ("visit_id" in assessments.columns)
    ties = adjacent_ties(assessments, ["patient_id", "assessment_id"])
    distinct = ties is not None and not ties.any()
    if distinct:  # each part keeps its scans' rows
        # the columns taken as they are (read, never written here), not copied into blocks
        ass = pd.DataFrame(
            {**{c: assessments[c] for c in cols}, "_row": np.arange(len(assessments))},
            index=assessments.index,
            copy=False,
        )
    else:
        ass = assessments[cols]
    ln = lines[["patient_id", "line_id", "start_date"]].sort_values(
        ["patient_id", "start_date", "line_id"]
    )
    explicit = ass[ass["line_id"].notna()]
    implicit = ass[ass["line_id"].isna()].drop(columns="line_id")

    parts = [
        _follow_up_by_date(implicit, ln),
        _baseline_by_date(implicit, ln, baseline_window_days),
        _explicit(explicit, ln),
    ]
    found = [p for p in parts if not p.empty]
    links = pd.concat(found, ignore_index=True) if found else _empty_links()
    # each part has its line's start from the lines row it was matched to; looked up again
    # only when a line's key is on two rows (an error reported elsewhere), where the merge
    # gives a link per row
    if not found or ln.duplicated(["patient_id", "line_id"]).any():
        links = links.drop(columns="start_date", errors="ignore").merge(
            ln, on=["patient_id", "line_id"], how="left"
        )
    links["days_from_start"] = (links["date"] - links["start_date"]).dt.days.astype("int64")
    # the link columns and the line's start (a sort key) sorted, then renumbered without
    # another copy of every column
    distinct = distinct and "_row" in links.columns  # (not in a table without links)
    links = links[[*LINK_COLUMNS, "start_date", *["_row"] * distinct]].sort_values(
        ["patient_id", "start_date", "line_id", "date", "modality", "assessment_id"],
        kind="stable",
    )
    del links["start_date"]
    links.index = pd.RangeIndex(len(links))
    rows = None
    if distinct:  # a scan is linked when its row is
        rows = links.pop("_row").to_numpy()
        linked = np.zeros(len(ass), dtype=bool)
        linked[rows] = True
    else:
        keys = pd.MultiIndex.from_frame(ass[["patient_id", "assessment_id"]])
        linked = keys.isin(pd.MultiIndex.from_frame(links[["patient_id", "assessment_id"]]))
    unassigned = ass[~linked].drop(columns="_row", errors="ignore").copy()  # (a few rows)
    has_line = unassigned["patient_id"].isin(ln["patient_id"])
    first_start = unassigned["patient_id"].map(ln.groupby("patient_id")["start_date"].min())
    gap = (first_start - unassigned["date"]).dt.days
    reason = np.select(
        [~has_line, gap > baseline_window_days],
        [
            "patient has no treatment line",
            f"before the first line, more than {baseline_window_days} days before its start",
        ],
        default="an earlier scan of the same modality before the line's start; the later "
        "one is the baseline",
    )
    unassigned["reason"] = reason
    return links, unassigned.reset_index(drop=True), rows


def _follow_up_by_date(scans: pd.DataFrame, ln: pd.DataFrame) -> pd.DataFrame:
    if scans.empty or ln.empty:
        return pd.DataFrame()
    left = scans.sort_values("date")
    right = ln.sort_values("start_date")
    merged = pd.merge_asof(
        left,
        right,
        left_on="date",
        right_on="start_date",
        by="patient_id",
        direction="backward",
        allow_exact_matches=False,
    )
    merged = merged[merged["line_id"].notna()]
    return merged.assign(role="follow_up", assigned_by="date")


def _baseline_by_date(scans: pd.DataFrame, ln: pd.DataFrame, window: int) -> pd.DataFrame:
    if scans.empty or ln.empty:
        return pd.DataFrame()
    # every (scan, line) pair of a patient whose start lies within [date, date + window]
    pairs = scans.merge(ln, on="patient_id")
    gap = (pairs["start_date"] - pairs["date"]).dt.days
    pairs = pairs[(gap >= 0) & (gap <= window)]
    last = pairs.sort_values("date", kind="stable").drop_duplicates(
        ["patient_id", "line_id", "modality"], keep="last"
    )
    last = _with_visit(pairs, last)
    return last.assign(role="baseline", assigned_by="date")


def _with_visit(candidates: pd.DataFrame, last: pd.DataFrame) -> pd.DataFrame:
    """The baseline scans plus the other scans of their visit (same ``visit_id``) among the
    candidates: a baseline visit may span days (CT chest and CT abdomen)."""
    if "visit_id" not in last.columns or last["visit_id"].isna().all():
        return last
    key = ["patient_id", "line_id", "modality", "visit_id"]
    same = candidates.merge(last.loc[last["visit_id"].notna(), key], on=key)
    return pd.concat([last, same], ignore_index=True).drop_duplicates(
        ["patient_id", "line_id", "assessment_id"]
    )


def _explicit(scans: pd.DataFrame, ln: pd.DataFrame) -> pd.DataFrame:
    if scans.empty:
        return pd.DataFrame()
    merged = _with_start(scans, ln)
    after = (merged["date"] > merged["start_date"]).to_numpy()
    # the roles set on the merge's own frame, and the result's columns in place: each
    # ``assign`` / ``drop`` would copy every column of a million scans
    merged["role"] = np.array(["baseline", "follow_up"], dtype=object)[after.astype(np.intp)]
    follow = merged[after]
    before = merged[~after]
    before = _with_visit(
        before,
        before.sort_values("date", kind="stable").drop_duplicates(
            ["patient_id", "line_id", "modality"], keep="last"
        ),
    )
    out = pd.concat([follow, before], ignore_index=True)
    out["assigned_by"] = "line_id"  # in place: ``assign`` would copy every column
    return out


def _with_start(scans: pd.DataFrame, ln: pd.DataFrame) -> pd.DataFrame:
    """``scans.merge(ln, on=["patient_id", "line_id"], how="inner")``: the scans whose line
    is in ``ln``, in their order, with its ``start_date``.  When each line's key is on one
    row of ``ln``, the lines are found by position (a line's scans side by side: one lookup
    per run), not by a merge that hashes the keys of a million scans."""
    key = ["patient_id", "line_id"]
    if ln.duplicated(key).any():  # a scan per matching line: the merge
        return scans.merge(ln, on=key, how="inner")
    at = key_positions(scans, ln, key)
    found = at >= 0
    merged = (scans if found.all() else scans[found]).assign(
        start_date=ln["start_date"].to_numpy()[at[found]]
    )
    merged.index = pd.RangeIndex(len(merged))
    return merged


def lines_without_baseline(links: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """Lines that have no baseline scan in ``links`` (any modality)."""
    key = ["patient_id", "line_id"]
    has = links.loc[(links["role"] == "baseline").to_numpy(), key]
    # each line's key looked up among the baseline links' (as MultiIndex.isin finds it)
    return lines[key_positions(lines, has, key) < 0]


def record_assignment_problems(
    unassigned: pd.DataFrame,
    no_baseline: pd.DataFrame,
    patients_without_line: pd.DataFrame,
    problems: Problems,
    *,
    baseline_window_days: int,
) -> None:
    """Report scans, lines and patients the line assignment had to leave out."""
    problems.add_rows(
        unassigned,
        np.ones(len(unassigned), bool),
        table="assessments",
        column="date",
        rule="unassigned_assessment",
        value_column="date",
        message="scan is linked to no treatment line",
    )
    problems.add_rows(
        no_baseline,
        np.ones(len(no_baseline), bool),
        table="lines",
        column="start_date",
        rule="no_baseline",
        value_column="start_date",
        message=f"no baseline scan on or within {baseline_window_days} days "
        "before the line's start",
    )
    problems.add_rows(
        patients_without_line,
        np.ones(len(patients_without_line), bool),
        table="patients",
        column="patient_id",
        rule="no_line",
        value_column="patient_id",
        message="patient has no treatment line",
    )


def check_tracer_switch(
    links: pd.DataFrame,
    assessments: pd.DataFrame,
    problems: Problems,
    *,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Warn about follow-up scans whose tracer differs from the line's baseline scan of the
    same modality (rule ``tracer_switch``); SUV- and volume-based criteria are NE on the line
    from such a scan on.  A scan without a recorded tracer is no switch.  ``rows``, when
    known: each link's row in ``assessments`` (:func:`link_with_rows`), where its tracer is
    read instead of looked up by key.

    Returns
    -------
    pandas.DataFrame
        The switching scans: ``patient_id``, ``line_id``, ``assessment_id``, ``modality``,
        ``tracer``, ``baseline_assessment_id``, ``baseline_tracer``.
    """
    cols = ["patient_id", "line_id", "assessment_id", "modality", "role"]
    # only the scans with a tracer are looked up: the rows a left merge keeps once those
    # without one are dropped, in the same order
    traced = assessments["tracer"].notna().to_numpy()
    if rows is not None:  # the links whose scan has a tracer, in order: what the merge keeps
        kept = traced[rows]
        tracers = assessments["tracer"].to_numpy()[rows[kept]]
        scans = links.loc[kept, cols].assign(tracer=tracers)
    else:
        tracer = assessments[["patient_id", "assessment_id", "tracer"]][traced]
        scans = links[cols].merge(tracer, on=["patient_id", "assessment_id"], how="inner")
    base = scans[scans["role"] == "baseline"].rename(
        columns={"assessment_id": "baseline_assessment_id", "tracer": "baseline_tracer"}
    )
    follow = scans[scans["role"] == "follow_up"].merge(
        base.drop(columns="role"), on=["patient_id", "line_id", "modality"]
    )
    switched = follow[follow["tracer"] != follow["baseline_tracer"]].drop(columns="role")
    for r in switched.itertuples(index=False):
        problems.add(
            "assessments",
            "tracer",
            f"{r.patient_id} / {r.assessment_id}",
            "tracer_switch",
            r.tracer,
            f"line {r.line_id}: tracer {r.tracer} differs from the baseline {r.modality} scan "
            f"{r.baseline_assessment_id} ({r.baseline_tracer}); SUV- and volume-based criteria "
            "are NE on this line from this scan on",
            "warning",
        )
    return switched.reset_index(drop=True)
