"""``lesion_response``: the per-lesion values the classifier reads, as a public long table.

The arrays and their rules (changes, classes, drivers) are in
:mod:`netsurv.response.lesion_arrays`; this module lays them out as a table and lists the
lesions the table leaves out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View, rows_view
from netsurv.cohort import Cohort
from netsurv.response.classify import CriteriaArg, Timepoints
from netsurv.response.codes import REASONS, RESPONSES, decode
from netsurv.response.lesion_arrays import (
    LESION_CLASSES,
    NOT_EVALUABLE,
    SCAN_COLUMNS,
    LesionArrays,
    iter_lesion_arrays,
    scan_columns,
)
from netsurv.response.lesion_rows import UNUSED
from netsurv.response.new_lesions import NOT_COUNTED
from netsurv.response.prepare import ROLE_CODES, Prepared

__all__ = ["LESION_CLASSES", "LESION_COLUMNS", "LesionResponse", "lesion_response"]

LESION_COLUMNS = [
    *SCAN_COLUMNS,
    "lesion_id",
    "site",
    "lesion_role",
    "value",
    "baseline_value",
    "nadir_value",
    "pct_change_baseline",
    "pct_change_nadir",
    "lesion_class",
    "response",
    "reason",
    "drove_response",
]


@dataclass(frozen=True, repr=False)
class LesionResponse(Displayable):
    """The lesion-level table and the lesion rows it leaves out.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per line × scan × followed or new lesion (:data:`LESION_COLUMNS`), described
        in :func:`lesion_response`.
    attrition : pandas.DataFrame
        ``table``, ``row_key``, ``stage`` (``"lesion_response"``), ``reason``, ``criterion``:
        lesions of evaluated lines that the lesion-level analysis cannot use (not followed,
        first recorded on a follow-up scan without role ``new``, a not evaluable reading;
        ``table`` ``"lesion_response"``, ``row_key`` ``"patient / line / lesion"`` or, for one
        reading, ``"patient / line / assessment / lesion"``) and the lines the criterion set
        aside.
    """

    table: pd.DataFrame
    attrition: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Lesion readings per criterion and lesion class (counts; no patient rows)."""
        counts = pd.crosstab(self.table["criterion"], self.table["lesion_class"])
        counts = counts.reindex(columns=[c for c in LESION_CLASSES if c in counts.columns])
        counts.columns.name = None
        return counts.reset_index()

    def _view(self) -> View:
        n, aside = len(self.table), len(self.attrition)
        return rows_view("LesionResponse", "lesion readings", self.summary(), n, aside)


def lesion_frame(prep: Prepared, a: LesionArrays) -> pd.DataFrame:
    """The long lesion table of one criterion's arrays (:data:`LESION_COLUMNS`)."""
    order = np.lexsort((a.row, a.scan))
    scan, row = a.scan[order], a.row[order]
    les = prep.les
    out = {
        **scan_columns(a, scan),
        "lesion_id": les["lesion_id"].to_numpy()[row],
        "site": a.site[order],
        "lesion_role": les["role"].to_numpy()[row],
        "value": a.value[order],
        "baseline_value": a.baseline[order],
        "nadir_value": a.nadir[order],
        "pct_change_baseline": 100 * a.change_baseline[order],
        "pct_change_nadir": 100 * a.change_nadir[order],
        "lesion_class": decode(a.lesion_class[order], LESION_CLASSES),
        "response": decode(a.codes.response[scan], RESPONSES),
        "reason": decode(a.codes.reason[scan], REASONS),
        "drove_response": a.drove[order],
    }
    return pd.DataFrame(out, columns=LESION_COLUMNS)


def lesion_attrition(prep: Prepared, a: LesionArrays) -> pd.DataFrame:
    """Lesions of evaluated lines the lesion-level analysis cannot use, and the lines the
    criterion set aside (:attr:`LesionResponse.attrition`)."""
    L, m = a.m.lesions, a.m
    les = prep.les
    unused = np.flatnonzero(L.kind == UNUSED)
    on_base = m.is_base[L.scan[unused]]
    lk = m.lk[L.scan[unused]]
    lc = L.lc[unused]
    lesion = pd.DataFrame({"lk": lk, "lc": lc, "base": on_base, "row": L.row[unused]})
    first = lesion.groupby(["lk", "lc"], sort=True).agg(base=("base", "max"), row=("row", "first"))
    rows = first["row"].to_numpy(dtype=np.int64)
    what = "target lesions" if a.crit.lesion_set == "targets" else "lesions"
    reason = np.where(
        first["base"].to_numpy(dtype=bool),
        f"baseline lesion not followed by the criterion (non-target, outside its sites or "
        f"beyond its selection of {what})",
        "lesion first recorded on a follow-up scan without role 'new': not followed",
    )
    is_new = les["role_code"].to_numpy()[rows] == ROLE_CODES["new"]
    is_new &= ~first["base"].to_numpy(dtype=bool)
    rule = a.crit.new_lesion_rule
    counted = prep.new_found[rule].row_code[rows] != NOT_COUNTED
    reason[is_new & counted] = (
        "new lesion outside the criterion's sites: not counted (new_lesions='sites')"
    )
    reason[is_new & ~counted] = (
        f"new lesion not counted under new_lesion_rule={rule!r} (a lymph node below 10 mm "
        "short axis, an equivocal finding no later scan confirmed, or a fragment of a lesion)"
    )
    ne = np.flatnonzero(a.lesion_class == NOT_EVALUABLE)
    line_keys = prep.line_keys
    keys = np.concatenate(
        [
            line_keys[first.index.get_level_values("lk").to_numpy()]
            + " / "
            + les["lesion_id"].to_numpy(dtype=object)[rows].astype(str),
            line_keys[m.lk[a.scan[ne]]]
            + " / "
            + m.scans["assessment_id"].to_numpy(dtype=object)[a.scan[ne]].astype(str)
            + " / "
            + les["lesion_id"].to_numpy(dtype=object)[a.row[ne]].astype(str),
        ]
    )
    reasons = np.concatenate(
        [
            reason.astype(object),
            np.full(
                len(ne), "lesion not evaluable on this scan (no value, or not comparable)", object
            ),
        ]
    )
    own = pd.DataFrame(
        {
            "table": "lesion_response",  # keys name a lesion over a line, or on one scan
            "row_key": keys,
            "stage": "lesion_response",
            "reason": reasons,
            "criterion": a.criterion,
        }
    )
    lines = m.attrition.assign(criterion=a.criterion)
    return pd.concat([own, lines], ignore_index=True)


def lesion_response(
    data: Cohort | Timepoints,
    criteria: CriteriaArg | None = None,
    *,
    response_threshold: float | None = None,
    progression_threshold: float | None = None,
) -> LesionResponse:
    """Per-lesion response: one row per line × scan × followed (or new) lesion.

    The lesions are those the criterion follows (the classifier's own selection: targets,
    ``lesion_set``, ``sites``, ...), read with its measure on every scan of the line, plus the
    new lesions of the follow-up scans.  Combined criteria give one block per component.

    Parameters
    ----------
    data
        A validated cohort, or the :class:`~netsurv.response.classify.Timepoints` of
        :func:`netsurv.classify` (its cohort is read again).
    criteria
        A criterion, a preset name or a sequence of them; default with time points: their
        criteria.
    response_threshold, progression_threshold
        Per-lesion cut-offs (fractions: -0.3, 0.2); default the lesion's organ entry of the
        criterion's ``organ_thresholds``, else the criterion's own cut-offs.

    Returns
    -------
    LesionResponse
        ``.table`` columns (:data:`LESION_COLUMNS`): ``patient_id``, ``line_id``,
        ``criterion``, ``component`` (the criterion itself, or the combined criterion's
        component), the scan (``assessment_id``, ``date``, ``modality``, ``scan_role``,
        ``days_from_start``), the lesion (``lesion_id``, ``site``, ``lesion_role`` as
        recorded), ``value`` (the criterion's per-lesion value), ``baseline_value``,
        ``nadir_value`` (smallest value of the lesion on earlier scans, baseline included;
        the largest under ``direction="increase"``),
        ``pct_change_baseline``, ``pct_change_nadir`` (%, +inf after a nadir of 0),
        ``lesion_class`` (module docstring: ``disappeared``, ``responding``, ``stable``,
        ``progressing``, ``new``, ``not_evaluable``; empty on the baseline scan), the scan's
        time-point ``response`` and ``reason`` (of the component), and ``drove_response``
        (whether the lesion drove it: the growing lesions of a sum PD, the new lesions of a
        new-lesion PD, the shrinking lesions of a CR / PR / MR, the unmeasured lesions of an
        NE).  ``.attrition`` lists what the table leaves out.

    Examples
    --------
    >>> import netsurv as ns
    >>> lr = ns.lesion_response(ns.load_demo(), "recist1.1")
    >>> row = lr.table.query("patient_id == 'P0035' and response == 'PR'").iloc[0]
    >>> row["site"], row["lesion_class"], bool(row["drove_response"])
    ('liver', 'responding', True)
    """
    tables, atts = [], []
    for prep, a in iter_lesion_arrays(
        data,
        criteria,
        response_threshold=response_threshold,
        progression_threshold=progression_threshold,
    ):
        tables.append(lesion_frame(prep, a))
        atts.append(lesion_attrition(prep, a))
    return LesionResponse(
        table=pd.concat(tables, ignore_index=True),
        attrition=pd.concat(atts, ignore_index=True),
    )
