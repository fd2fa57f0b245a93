"""Baseline NET biomarkers of each treatment line, as covariates.

For every line, from its baseline scans (``cohort.assessment_lines`` role ``baseline``): the
liver tumour fraction and its consensus category (:mod:`netsurv.measures.liver`), the
dual-tracer discordant volume, NETPET and three-scale grades
(:mod:`netsurv.measures.dual_tracer`) and the Krenning score's maximum, minimum and range
(:mod:`netsurv.measures.krenning`).  When a line has several baseline scans of a kind, the
latest one with the measure is used (the one nearest the start of treatment).  A line
without what a measure needs has it missing and an attrition row says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from netsurv._display import Displayable, View, rows_view
from netsurv.cohort import ATTRITION_COLUMNS, Cohort
from netsurv.measures.dual_tracer import dual_tracer_grades, link_lesions
from netsurv.measures.krenning import krenning_per_scan
from netsurv.measures.liver import liver_fraction

LINE = ["patient_id", "line_id"]
#: The covariate columns, in order (besides ``patient_id`` and ``line_id``).
BASELINE_MEASURES = (
    "liver_fraction",
    "liver_fraction_category",
    "discordant_volume_ml",
    "netpet_grade",
    "three_scale_grade",
    "krenning_max",
    "krenning_min",
    "krenning_range",
)


@dataclass(frozen=True, repr=False)
class BaselineMeasures(Displayable):
    """Baseline biomarkers per line and the lines that lack one.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per line of the cohort: ``patient_id``, ``line_id`` and
        :data:`BASELINE_MEASURES`.
    attrition : pandas.DataFrame
        ``table`` (``"lines"``), ``row_key``, ``stage`` (``"baseline_measures"``), ``reason``
        (which measure is missing and why); only for measures the cohort records at all.
    """

    table: pd.DataFrame
    attrition: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Per measure: lines that have it, and its median (numbers) or most common value."""
        rows = []
        for col in self.table.columns.drop(["patient_id", "line_id"], errors="ignore"):
            v = self.table[col].dropna()
            numeric = pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v)
            typical = v.median() if numeric else (v.astype(str).mode().iloc[0] if len(v) else None)
            rows.append({"measure": col, "lines": len(v), "median or mode": typical})
        return pd.DataFrame(rows)

    def _view(self) -> View:
        n, aside = len(self.table), len(self.attrition)
        return rows_view("BaselineMeasures", "lines", self.summary(), n, aside)


def baseline_measures(cohort: Cohort, *, dual_window_days: int = 31) -> BaselineMeasures:
    """Liver fraction, dual-tracer grades, discordant volume and Krenning scores per line.

    Parameters
    ----------
    cohort
        A validated cohort.
    dual_window_days
        Most days between the paired SST-PET and FDG-PET scans (Chan et al. 2017: 31).

    Examples
    --------
    >>> import netsurv as ns
    >>> c = ns.simulate_cohort(40, seed=2, scenario="prrt", fdg_pet_rate=1.0)
    >>> bm = baseline_measures(c)
    >>> list(bm.table.columns[:4])
    ['patient_id', 'line_id', 'liver_fraction', 'liver_fraction_category']
    >>> bool((bm.table["liver_fraction"].dropna() <= 1).all())
    True
    """
    lines = cohort.lines[LINE]
    base = cohort.assessment_lines
    base = base.loc[base["role"] == "baseline", [*LINE, "assessment_id", "date"]]
    parts: list[tuple[pd.DataFrame, tuple[str, ...], str]] = []

    lf = liver_fraction(cohort)
    parts.append(
        (
            _latest(base, lf, "assessment_id", "liver_fraction"),
            ("liver_fraction", "liver_fraction_category"),
            "no baseline scan with a liver tumour fraction",
        )
    )
    grades = dual_tracer_grades(link_lesions(cohort, window_days=dual_window_days))
    parts.append(
        (
            _latest(base, grades, "fdg_assessment_id", "netpet_grade"),
            ("discordant_volume_ml", "netpet_grade", "three_scale_grade"),
            f"no baseline FDG-PET scan graded with an SST-PET scan within {dual_window_days} days",
        )
    )
    kr = krenning_per_scan(cohort)
    parts.append(
        (
            _latest(base, kr, "assessment_id", "krenning_max"),
            ("krenning_max", "krenning_min", "krenning_range"),
            "no baseline SST-PET scan with Krenning scores",
        )
    )
    table = lines.copy()
    attrition = []
    for frame, cols, why in parts:
        table = table.merge(frame[[*LINE, *cols]], on=LINE, how="left")
        if frame.empty:
            continue  # the cohort does not record this measure: no attrition rows
        missing = table[table[cols[0]].isna()]
        attrition.append(
            pd.DataFrame(
                {
                    "table": "lines",
                    "row_key": (missing["patient_id"] + " / " + missing["line_id"]).to_numpy(
                        dtype=object
                    ),
                    "stage": "baseline_measures",
                    "reason": f"{', '.join(cols)}: {why}",
                },
                columns=ATTRITION_COLUMNS,
            )
        )
    att = (
        pd.concat(attrition, ignore_index=True)
        if attrition
        else pd.DataFrame(columns=ATTRITION_COLUMNS)
    )
    return BaselineMeasures(table=table.reset_index(drop=True), attrition=att)


def _latest(base: pd.DataFrame, values: pd.DataFrame, scan_col: str, need: str) -> pd.DataFrame:
    """Per line, the row of ``values`` of its latest baseline scan where ``need`` is known."""
    v = values[values[need].notna()].rename(columns={scan_col: "assessment_id"})
    v = v.drop(columns=[c for c in ("date",) if c in v.columns])
    m = base.merge(v, on=["patient_id", "assessment_id"], how="inner")
    m = m.sort_values([*LINE, "date", "assessment_id"], kind="stable")
    return m.drop_duplicates(LINE, keep="last")
