"""The rules that look at more than one table: references between tables, dates against the
patient's birth, death and last contact, tumour_burden sums, grade against Ki-67."""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.schema.inputs import BURDEN_UNITS, KEYS
from netsurv.schema.key_rows import indexer_runs, isin_runs, key_positions, missing_cells
from netsurv.schema.marker_units import check_markers
from netsurv.schema.problems import Problems
from netsurv.validation.lesions import check_lesions


def check_cross_table(tables: dict[str, pd.DataFrame], problems: Problems) -> np.ndarray | None:
    """Rules that look at more than one table (references, dates against death, RECIST).

    A table whose key column is missing (reported once as ``missing_column``) takes no part:
    every reference to it would fail for that one reason.

    Returns
    -------
    numpy.ndarray or None
        Each lesion row's scan: its position in the assessments table
        (:func:`netsurv.schema.key_rows.key_positions`, -1 when not there), for the rules on
        baseline scans to reuse; None without both tables."""
    keyless = {t for t, column in problems.absent if column in KEYS.get(t, ())}
    tables = {t: df for t, df in tables.items() if t not in keyless}
    pts = tables.get("patients")
    lines = tables.get("lines")
    ass = tables.get("assessments")
    les = tables.get("lesions")
    markers = tables.get("markers")
    if pts is not None:
        dead_early = pts["death_date"].notna() & (pts["death_date"] < pts["last_alive_date"])
        problems.add_rows(
            pts,
            dead_early,
            table="patients",
            column="death_date",
            rule="death_before_last_alive",
            value_column="death_date",
            message="death date is before last_alive_date",
        )
        late = pts["birth_date"].notna() & (
            (pts["birth_date"] > pts["last_alive_date"])
            | (pts["birth_date"] > pts["diagnosis_date"]).fillna(False)
        )
        problems.add_rows(
            pts,
            late,
            table="patients",
            column="birth_date",
            rule="before_birth",
            value_column="birth_date",
            message="birth date is after diagnosis or last contact",
        )
        _check_grade(pts, problems)
    for table, df in (
        ("lines", lines),
        ("assessments", ass),
        ("lesions", les),
        ("markers", markers),
        ("tumour_burden", tables.get("tumour_burden")),
    ):
        if df is not None and pts is not None:
            pid = df["patient_id"]
            unknown = ~isin_runs(pid, pts["patient_id"]) & ~missing_cells(pid)
            problems.add_rows(
                df,
                unknown,
                table=table,
                column="patient_id",
                rule="unknown_patient",
                value_column="patient_id",
                message="patient is not in the patients table",
            )
    if lines is not None:
        bad = lines["end_date"].notna() & (lines["end_date"] < lines["start_date"])
        problems.add_rows(
            lines,
            bad,
            table="lines",
            column="end_date",
            rule="end_before_start",
            value_column="end_date",
            message="line ends before it starts",
        )
        open_end = lines["end_reason"].notna() & lines["end_date"].isna()
        problems.add_rows(
            lines,
            open_end,
            table="lines",
            column="end_date",
            rule="end_reason_without_end",
            value_column="end_reason",
            message="line has an end_reason but no end_date",
        )
    if ass is not None and lines is not None:
        # the scans with a line_id looked up among the lines (a missing patient_id matches
        # a missing one, as in a MultiIndex)
        given = np.flatnonzero(~missing_cells(ass["line_id"]))
        pairs = ass[["patient_id", "line_id"]].iloc[given]
        unknown = np.zeros(len(ass), dtype=bool)
        unknown[given] = key_positions(pairs, lines, ["patient_id", "line_id"]) < 0
        problems.add_rows(
            ass,
            unknown,
            table="assessments",
            column="line_id",
            rule="unknown_line",
            value_column="line_id",
            message="line_id is not a line of this patient in the lines table",
        )
    scan = None  # each lesion row's scan: its row in ass, looked up once for every rule
    if les is not None and ass is not None:
        scan = key_positions(les, ass, ["patient_id", "assessment_id"])
        problems.add_rows(
            les,
            scan < 0,
            table="lesions",
            column="assessment_id",
            rule="unknown_assessment",
            value_column="assessment_id",
            message="assessment is not in the assessments table",
        )
    burden = tables.get("tumour_burden")
    if burden is not None:
        _check_burden(burden, ass, les, problems)
    if pts is not None:
        _check_dates_against_patient(tables, problems)
    if markers is not None:
        check_markers(markers, problems)
    if les is not None:
        check_lesions(les, ass, problems, scan=scan)
    return scan


def _check_burden(
    burden: pd.DataFrame,
    ass: pd.DataFrame | None,
    les: pd.DataFrame | None,
    problems: Problems,
) -> None:
    """The tumour_burden rules: each row one kind of value, one kind per patient, known scans,
    and no patient measured both lesion by lesion and as a sum."""
    table = "tumour_burden"
    has_sum = burden["sum_value"].notna()
    has_pct = burden["pct_change_baseline"].notna()

    def add(mask: pd.Series, column: str, rule: str, message: str) -> None:
        problems.add_rows(
            burden,
            mask,
            table=table,
            column=column,
            rule=rule,
            value_column=column,
            message=message,
        )

    add(
        has_sum & has_pct,
        "pct_change_baseline",
        "burden_value",
        "gives both a sum and a % change from baseline: give one (netsurv does not choose)",
    )
    add(
        (has_sum | has_pct) & burden["measure"].isna(),
        "measure",
        "burden_value",
        "a sum or % change needs its measure (diameter or volume)",
    )
    add(has_sum & burden["unit"].isna(), "unit", "burden_value", "a sum needs its unit")
    allowed = burden["measure"].map(lambda m: BURDEN_UNITS.get(m, ()) if isinstance(m, str) else ())
    wrong_unit = (
        burden["unit"].notna()
        & burden["measure"].notna()
        & ~pd.Series(
            [u in a for u, a in zip(burden["unit"], allowed, strict=True)], index=burden.index
        )
    )
    add(
        wrong_unit,
        "unit",
        "burden_value",
        "is not a unit of this measure "
        + "; ".join(f"{m}: {', '.join(u)}" for m, u in BURDEN_UNITS.items()),
    )
    kind = np.where(
        has_sum,
        "sum in " + burden["unit"].fillna("?").astype(str),
        np.where(has_pct, "% change", ""),
    )
    given = burden.assign(_kind=kind)[has_sum | has_pct]
    for column, shown, label in (
        ("measure", "measure", "measures"),
        ("_kind", "sum_value", "sums and % changes, or units"),
    ):
        n = given.groupby("patient_id")[column].nunique()
        mixed = given["patient_id"].isin(n.index[n > 1]) & ~given["patient_id"].duplicated()
        problems.add_rows(
            given,
            mixed,
            table=table,
            column=shown,
            rule="burden_one_kind",
            value_column="patient_id",
            message=f"this patient's tumour_burden rows mix {label}: give one kind",
        )
    if ass is not None:
        known = pd.MultiIndex.from_frame(ass[["patient_id", "assessment_id"]])
        ok = pd.MultiIndex.from_frame(burden[["patient_id", "assessment_id"]]).isin(known)
        add(
            pd.Series(~ok, index=burden.index),
            "assessment_id",
            "unknown_assessment",
            "assessment is not in the assessments table",
        )
    if les is not None and len(les):
        both = burden["patient_id"].isin(les["patient_id"]) & ~burden["patient_id"].duplicated()
        add(
            both,
            "patient_id",
            "burden_and_lesions",
            "this patient has rows in both lesions and tumour_burden: give one source",
        )


def _check_grade(pts: pd.DataFrame, problems: Problems) -> None:
    ki = pts["ki67_pct"]
    expected = pd.Series(
        np.select([ki < 3, ki <= 20, ki > 20], ["G1", "G2", "G3"], default=""), index=pts.index
    )
    bad = pts["grade"].notna() & ki.notna() & (pts["grade"] != expected)
    problems.add_rows(
        pts,
        bad,
        table="patients",
        column="grade",
        rule="grade_ki67_mismatch",
        value_column="grade",
        message="grade does not match ki67_pct (WHO 2022)",
    )


def _check_dates_against_patient(tables: dict[str, pd.DataFrame], problems: Problems) -> None:
    pts = tables["patients"].drop_duplicates("patient_id").set_index("patient_id")
    checks = [
        ("lines", "start_date"),
        ("lines", "end_date"),
        ("assessments", "date"),
        ("markers", "date"),
    ]
    for table, column in checks:
        df = tables.get(table)
        if df is None:
            continue
        # each row's patient looked up once for the three dates (what ``map`` does for each)
        at = indexer_runs(pts.index, df["patient_id"])
        death, alive, birth = (
            _taken(pts[c], at, df.index) for c in ("death_date", "last_alive_date", "birth_date")
        )
        date = df[column]
        after_death = (date > death).fillna(False)
        problems.add_rows(
            df,
            after_death,
            table=table,
            column=column,
            rule="after_death",
            value_column=column,
            message="date is after the patient's death_date",
        )
        after_alive = death.isna() & (date > alive).fillna(False)
        problems.add_rows(
            df,
            after_alive,
            table=table,
            column=column,
            rule="after_last_alive",
            value_column=column,
            message="date is after last_alive_date of a living patient",
        )
        before_birth = (date < birth).fillna(False)
        problems.add_rows(
            df,
            before_birth,
            table=table,
            column=column,
            rule="before_birth",
            value_column=column,
            message="date is before the patient's birth",
        )


def _taken(values: pd.Series, at: np.ndarray, index: pd.Index) -> pd.Series:
    """``values`` at positions ``at`` (-1: missing), as ``Series.map`` spreads a lookup."""
    return pd.Series(values.array.take(at, allow_fill=True), index=index, name=values.name)
