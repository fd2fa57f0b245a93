"""Scan-level tumour burden: sums (or % changes) given directly instead of lesion rows.

Many real datasets record one number per scan: the sum of the target lesions' diameters
(ADaM ADTR ``SUMDIAM``, published tumour-size datasets) or its % change from baseline
(``PCHG``).  Such a patient has rows in the optional ``tumour_burden`` table and none in
``lesions``.  Its sums enter the measurement pass at the one place where the sums of lesion
rows are made (the per-scan aggregate ``value_meas`` of :func:`netsurv.response.lesions.aggregate`),
so every rule downstream of the sum -- cut-offs against baseline or nadir, missing scans,
confirmation, best response, endpoints, sweeps -- is the same code for both inputs, and a cohort
given as lesions and as the sums of those lesions classifies identically under the sum-based
rules.

A % change is carried as the index ``100 * (1 + pct / 100)`` (baseline 100): relative rules
are unchanged by the scale, so ``value`` / ``baseline_value`` / ``nadir_value`` of such a line
are on that index.  A sum in cm is converted to mm.

Criterion rules on a scan-level sum, rule by rule (a line a criterion cannot read is set aside
in ``Timepoints.attrition`` with the reason):

* relative cut-offs of response and progression, against baseline or nadir, inclusive or
  not, minor response, ``missing`` (a scan without a value is NE), confirmation, iRECIST,
  ``sticky_pr``, new lesions (``assessments.new_lesion``), non-target status
  (``assessments.nontarget_status``), recorded reads: **work on sums**;
* absolute rules (RECIST's 5 mm ``progression_min_abs``, ``progression_abs_sufficient``,
  ``response_min_abs``): **work on sums** in mm / mL; on % changes the line is **set aside**
  (a % change has no absolute size);
* the CR rule: a sum of 0 (or -100 %) is a CR under every ``cr_rule``.  RECIST's node rule
  (a CR when every target node is below 10 mm short axis, its sum then not 0) **cannot be
  seen in a sum**: such a scan reads as PR (a documented simplification; give lesion rows for
  the exact rule);
* lesion selection (``lesion_set`` other than ``"targets"``), organ filters (``sites``),
  aggregation other than ``"sum"``, composite density rules (Choi), a measure other than the
  sum's (e.g. volume on a diameter sum): **set aside**, they need each lesion;
* per-lesion details (``too_small_mm``, ``rounding_mm``, automatic target selection):
  not applied -- the sum is taken as recorded.

Visits (``assessments.visit_id``, :mod:`netsurv.response.visits`): the scans of one visit are
read as one time point, at its last scan, and their burden rows as one, as their lesion rows
would be: each scan's sum covers the target lesions measured on it, so the visit's sum is the
total of its scans' sums, whichever of its scans carry a row (one row on the first scan is the
visit's sum); a row without a value makes the visit not evaluable.  A % change from baseline
cannot be split over scans: a visit with a % change and any other burden row sets the line
aside, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.criteria.criterion import Criterion

#: Factor to the canonical unit (mm, mL) of each unit a sum may be given in.
UNIT_FACTOR = {"mm": 1.0, "cm": 10.0, "mL": 1.0}


@dataclass(frozen=True)
class Burden:
    """Per-assessment scan-level burden (by ``ak``, the row of ``cohort.assessments``).

    Attributes
    ----------
    patient
        The scan's patient is measured by ``tumour_burden`` (not by lesion rows).
    value
        The sum in mm / mL, or the index ``100 + pct``; NaN when the scan has no value.
    measure
        The patient's measure (``"diameter"``, ``"volume"``; ``""`` when not a burden patient).
    pct
        The patient gives % changes from baseline (not sums).
    split_pct
        Per visit's representative scan: a % change shares its visit with other burden rows
        (the line is set aside).
    """

    patient: np.ndarray
    value: np.ndarray
    measure: np.ndarray
    pct: np.ndarray
    split_pct: np.ndarray

    @property
    def any(self) -> bool:
        """Whether any patient is measured by scan-level burden."""
        return bool(self.patient.any())


def burden_per_assessment(
    burden: pd.DataFrame,
    ass: pd.DataFrame,
    burden_ak: np.ndarray,
    rep: np.ndarray | None = None,
) -> Burden:
    """Index the validated ``tumour_burden`` table by assessment.

    ``burden_ak`` is the assessment row of each burden row (every one is known: validated);
    ``rep`` the representative scan of each assessment's visit
    (:attr:`netsurv.response.visits.Visits.rep`), whose value is the visit's (module notes).

    Examples
    --------
    One visit of two CT scans, each with the sum of the lesions it shows:

    >>> import numpy as np, pandas as pd
    >>> ass = pd.DataFrame({"patient_id": ["P", "P"], "assessment_id": ["A1", "A2"]})
    >>> tb = pd.DataFrame({"patient_id": ["P", "P"], "assessment_id": ["A1", "A2"],
    ...                    "measure": "diameter", "sum_value": [30.0, 20.0], "unit": "mm",
    ...                    "pct_change_baseline": np.nan})
    >>> burden_per_assessment(tb, ass, np.array([0, 1]), rep=np.array([1, 1])).value.tolist()
    [30.0, 50.0]
    """
    n = len(ass)
    value = np.full(n, np.nan)
    measure = np.full(n, "", dtype=object)
    pct = np.zeros(n, dtype=bool)
    patient = np.zeros(n, dtype=bool)
    split_pct = np.zeros(n, dtype=bool)
    if len(burden):
        unit = burden["unit"].map(UNIT_FACTOR).to_numpy(dtype=float)
        sums = burden["sum_value"].to_numpy(dtype=float) * unit
        change = burden["pct_change_baseline"].to_numpy(dtype=float)
        row_value = np.where(np.isnan(sums), 100.0 + change, sums)
        value[burden_ak] = row_value
        if rep is not None and (rep[burden_ak] != burden_ak).any():
            split_pct = _visit_values(value, rep, burden_ak, row_value, ~np.isnan(change))
        given = burden[burden["sum_value"].notna() | burden["pct_change_baseline"].notna()]
        first = given.drop_duplicates("patient_id").set_index("patient_id")
        pid = ass["patient_id"]
        patient = pid.isin(burden["patient_id"]).to_numpy()
        measure = pid.map(first["measure"]).fillna("").to_numpy(dtype=object)
        pct = pid.isin(first.index[first["sum_value"].isna()]).to_numpy()
    return Burden(patient=patient, value=value, measure=measure, pct=pct, split_pct=split_pct)


def _visit_values(
    value: np.ndarray,
    rep: np.ndarray,
    burden_ak: np.ndarray,
    row_value: np.ndarray,
    row_pct: np.ndarray,
) -> np.ndarray:
    """Put each visit's burden on its representative scan, in place: the total of its sums,
    NaN when a row has no value; returns, per representative, whether a % change shares the
    visit with another row (then NaN too)."""
    n = len(value)
    r = rep[burden_ak]
    n_rows = np.bincount(r, minlength=n)
    empty = np.bincount(r, weights=np.isnan(row_value), minlength=n) > 0
    split = (np.bincount(r, weights=row_pct, minlength=n) > 0) & (n_rows > 1)
    total = np.bincount(r, weights=np.nan_to_num(row_value), minlength=n)
    visits = np.unique(r[rep[burden_ak] != burden_ak])
    value[visits] = np.where(empty[visits] | split[visits], np.nan, total[visits])
    return split


def unsupported(crit: Criterion, measure: str, pct: bool) -> str:
    """Why ``crit`` cannot read a line measured by a scan-level ``measure`` sum ('' if it can)."""
    if crit.new_lesions_only:
        return ""
    if crit.measure != measure:
        return f"the criterion measures {crit.measure}; the line's tumour_burden is a {measure} sum"
    need = "needs each lesion; the line has a scan-level sum (tumour_burden)"
    if crit.lesion_set != "targets":
        return f"lesion selection (lesion_set={crit.lesion_set!r}) {need}"
    if crit.sites is not None:
        return f"the organ filter (sites={list(crit.sites)}) {need}"
    if crit.aggregation != "sum":
        return f"aggregation {crit.aggregation!r} {need}"
    if crit.composite != "size":
        return f"the density rule (composite={crit.composite!r}) {need}"
    absolute = {
        "progression_min_abs": crit.progression_min_abs,
        "progression_abs_sufficient": crit.progression_abs_sufficient,
        "response_min_abs": crit.response_min_abs,
    }
    given = [f"{k}={v:g}" for k, v in absolute.items() if v is not None]
    if pct and given:
        return (
            f"the absolute rule ({', '.join(given)}) needs sums; the line's tumour_burden "
            "gives % changes from baseline only"
        )
    return ""


def put_burden(
    burden: Burden,
    crit: Criterion,
    s_ak: np.ndarray,
    s_lk: np.ndarray,
    is_base: np.ndarray,
    agg: dict[str, np.ndarray],
    n_tracked_line: np.ndarray,
) -> np.ndarray:
    """Put the given sums of burden lines into the per-scan aggregates, in place.

    A burden line follows one quantity, the sum (``n_lesions`` 1).  Returns, per line, why
    ``crit`` sets it aside (``""``: it does not; only burden lines get a reason).
    """
    reason = np.full(len(n_tracked_line), "", dtype=object)
    rows = np.flatnonzero(burden.patient[s_ak])
    if len(rows) == 0:
        return reason
    ak = s_ak[rows]
    v = burden.value[ak]
    has = ~np.isnan(v)
    agg["n_measured"][rows] = has.astype(np.int64)
    agg["complete"][rows] = has
    agg["value_meas"][rows] = v
    agg["n_pos_nonnodal"][rows] = (has & (v > 0)).astype(np.int64)
    agg["n_big_node"][rows] = 0
    agg["density"][rows] = np.nan
    agg["density_base"][rows] = np.nan
    base = rows[is_base[rows]]
    lines = s_lk[base]
    n_tracked_line[lines] = 1
    b_ak = s_ak[base]
    b_val = burden.value[b_ak]
    kinds = pd.MultiIndex.from_arrays([burden.measure[b_ak], burden.pct[b_ak]])
    codes, uniq = pd.factorize(kinds)
    # one reason per kind of line (measure, % or sum): a handful, never one per line
    why = np.array([unsupported(crit, m, p) if m else "" for m, p in uniq], dtype=object)[codes]
    split = np.zeros(len(n_tracked_line), dtype=bool)
    split[s_lk[rows[burden.split_pct[ak]]]] = True
    split_line = (why == "") & split[lines]
    why[split_line] = (
        "pct_change_baseline shares a visit (visit_id) with another tumour_burden row: % "
        "changes of the scans of one visit cannot be combined (give sums)"
    )
    no_value = (why == "") & np.isnan(b_val)
    why[no_value] = "no tumour_burden value on the baseline scan"
    off = (why == "") & burden.pct[b_ak] & (b_val != 100.0)
    why[off] = [
        f"the baseline scan's pct_change_baseline is {x - 100:g}, not 0" for x in b_val[off]
    ]
    reason[lines] = why
    return reason
