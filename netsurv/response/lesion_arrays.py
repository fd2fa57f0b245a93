"""Per-lesion changes, classes and drivers of one criterion: the arrays behind the lesion level.

The classifier's measurement pass (:mod:`netsurv.response.measures`) already chooses the
followed lesions and computes each lesion's value on every scan of its line
(:class:`~netsurv.response.lesion_rows.LesionRows`); this module adds, per lesion, the change
against the line's baseline and against the lesion's own nadir, a lesion class and whether the
lesion drove the scan's time-point response.  Nothing here selects or measures a lesion again.

Rules (issue 17, "Precise rules"):

* the response change is taken against the lesion's value on the line's baseline scan, the
  progression change against the lesion's nadir, the smallest of its values on earlier scans
  of the line, baseline included (the largest under ``direction="increase"``, e.g. ADC, where
  every cut-off comparison is mirrored as in the time-point rules); the sum-level absolute
  rules (RECIST's 5 mm) do not apply to one lesion;
* classes, in this order: ``not_evaluable`` (no value, or a scan the criterion does not compare
  with its baseline), ``new`` (a lesion with role ``new`` on a follow-up scan),
  ``disappeared`` (diameter measures: a non-nodal lesion at 0 mm, a lymph node with short axis
  below ``node_cr_mm`` (10 mm); other measures: a value of 0), ``progressing`` (change vs the
  nadir at or above the progression cut-off), ``responding`` (change vs baseline at or below
  the response cut-off), ``stable``; the baseline row has no class;
* cut-offs: the ones given to the function, else the lesion's organ entry of the criterion's
  ``organ_thresholds``, else the criterion's ``response_threshold`` /
  ``progression_threshold`` with its inclusiveness; a cut-off of None means no such class.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.criteria.combined import CombinedCriterion
from netsurv.criteria.criterion import DIAMETER_MEASURES, Criterion
from netsurv.criteria.organ_fields import organ_cutoffs
from netsurv.errors import ConfigError
from netsurv.response.classify import CriteriaArg, Timepoints, resolve_criteria
from netsurv.response.codes import R
from netsurv.response.cutoffs import ge, le, rel
from netsurv.response.lesion_growth import lesion_series
from netsurv.response.lesion_rows import FOLLOWED, UNUSED
from netsurv.response.measures import Measured
from netsurv.response.passes import Passes
from netsurv.response.prepare import Prepared, prepare
from netsurv.response.timepoint import Codes

#: Lesion classes (code 0: the baseline row, no class).
LESION_CLASSES = ("", "disappeared", "responding", "stable", "progressing", "new", "not_evaluable")
BASE_ROW, DISAPPEARED, RESPONDING, STABLE, PROGRESSING, NEW_LESION, NOT_EVALUABLE = range(7)

_GROWTH_REASONS = ("sum_pd", "sum_pd_despite_missing", "reappearance_after_cr")
_SHRINK_REASONS = ("cr", "cr_nontarget_not_cr", "size_pr", "sticky_pr", "minor_response")


@dataclass(frozen=True)
class LesionArrays:
    """Per line × scan × lesion arrays of one criterion (or combined component).

    Rows are the followed lesions on every scan of their line and the new lesions on follow-up
    scans, sorted by line, lesion and scan.  ``change_*`` are fractions (0.2 = +20 %).
    """

    criterion: str
    crit: Criterion
    m: Measured
    codes: Codes
    scan: np.ndarray
    row: np.ndarray
    group: np.ndarray
    site: np.ndarray
    value: np.ndarray
    baseline: np.ndarray
    nadir: np.ndarray
    change_baseline: np.ndarray
    change_nadir: np.ndarray
    progression_cut: np.ndarray
    lesion_class: np.ndarray
    drove: np.ndarray


def iter_lesion_arrays(
    data: Cohort | Timepoints,
    criteria: CriteriaArg | None = None,
    *,
    response_threshold: float | None = None,
    progression_threshold: float | None = None,
    passes: Passes | None = None,
) -> Iterator[tuple[Prepared, LesionArrays]]:
    """The lesion arrays of every criterion (every component of a combined one); ``passes``
    are measurement passes already made for these criteria (else they are made here)."""
    cohort, crits = _resolve(data, criteria)
    if passes is None:
        passes = Passes(prepare(cohort), crits)
    prep = passes.prep
    for c in crits:
        comps = c.components if isinstance(c, CombinedCriterion) else (c,)
        for comp in comps:
            m = passes.measured(comp)
            codes = passes.codes(comp, keep=True)
            yield (
                prep,
                lesion_arrays(
                    prep,
                    m,
                    comp,
                    codes,
                    criterion=c.name,
                    response_threshold=response_threshold,
                    progression_threshold=progression_threshold,
                ),
            )


def _resolve(
    data: Cohort | Timepoints, criteria: CriteriaArg | None
) -> tuple[Cohort, tuple[Criterion | CombinedCriterion, ...]]:
    if isinstance(data, Timepoints):
        if data.cohort is None:
            raise ConfigError(
                "these time points carry no cohort (made from tables); pass the cohort instead"
            )
        if criteria is None:
            return data.cohort, data.criteria
        return data.cohort, resolve_criteria(criteria)
    if not isinstance(data, Cohort):
        raise ConfigError(
            f"expected a Cohort or the Timepoints of netsurv.classify, got {type(data).__name__}"
        )
    if criteria is None:
        raise ConfigError("give the criterion (or criteria) to read the lesions with")
    return data, resolve_criteria(criteria)


def lesion_arrays(
    prep: Prepared,
    m: Measured,
    crit: Criterion,
    codes: Codes,
    *,
    criterion: str,
    response_threshold: float | None = None,
    progression_threshold: float | None = None,
) -> LesionArrays:
    """Per-lesion changes, classes and drivers of one criterion's measurement pass."""
    L = m.lesions
    les = prep.les
    # the per-lesion references, made where the one-lesion progression rule makes them
    # direction="increase" (ADC): the "nadir" is the best, i.e. largest, earlier value and
    # every cut-off comparison is mirrored, as in the time-point rules
    sign = 1.0 if crit.direction == "decrease" else -1.0
    series = lesion_series(L, m.lk, m.is_base, np.flatnonzero(L.kind != UNUSED), sign=sign)
    use, scan, key = series.entry, series.scan, series.group
    value, baseline, nadir = series.value, series.baseline, series.nadir
    row = L.row[use]
    sa = L.short_axis[use]
    followed = L.kind[use] == FOLLOWED
    node = les["node"].to_numpy(dtype=bool)[row]
    site = les["site"].to_numpy(dtype=object)[row]
    is_base = m.is_base[scan]
    ch_base = rel(value, baseline)
    ch_nadir = rel(value, nadir)

    r_cut, p_cut = _cutoffs(crit, site, response_threshold, progression_threshold)
    if crit.measure in DIAMETER_MEASURES:
        gone = np.where(node, sa < crit.node_cr_mm, value == 0)
    else:
        gone = value == 0
    cls = np.full(len(key), STABLE, dtype=np.int8)
    cls[le(sign * ch_base, sign * r_cut, crit.response_inclusive)] = RESPONDING
    cls[ge(sign * ch_nadir, sign * p_cut, crit.progression_inclusive)] = PROGRESSING
    cls[gone & ~np.isnan(value)] = DISAPPEARED
    cls[~followed] = NEW_LESION
    cls[followed & (np.isnan(value) | m.not_comparable[scan])] = NOT_EVALUABLE
    cls[is_base & followed] = BASE_ROW

    drove = _drove(m, crit, codes, scan, sign * value, sign * baseline, sign * nadir, followed)
    return LesionArrays(
        criterion=criterion,
        crit=crit,
        m=m,
        codes=codes,
        scan=scan,
        row=row,
        group=key,
        site=site,
        value=value,
        baseline=baseline,
        nadir=nadir,
        change_baseline=ch_base,
        change_nadir=ch_nadir,
        progression_cut=p_cut,
        lesion_class=cls,
        drove=drove,
    )


def _cutoffs(
    crit: Criterion, site: np.ndarray, response: float | None, progression: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row response and progression cut-offs (NaN: no such class)."""
    n = len(site)
    r = np.full(n, np.nan)
    p = np.full(n, np.nan)
    sites: list[object] = list(pd.unique(site)) if n else []
    for s in sites:
        rs, ps = organ_cutoffs(crit, str(s))
        at = site == s
        r[at] = np.nan if rs is None else rs
        p[at] = np.nan if ps is None else ps
    if response is not None:
        r[:] = response
    if progression is not None:
        p[:] = progression
    return r, p


def _drove(
    m: Measured,
    crit: Criterion,
    codes: Codes,
    scan: np.ndarray,
    value: np.ndarray,
    baseline: np.ndarray,
    nadir: np.ndarray,
    followed: np.ndarray,
) -> np.ndarray:
    """Whether each lesion row drove its scan's time-point response (``value``,
    ``baseline`` and ``nadir`` signed so that smaller is better).

    PD by the aggregate (``sum_pd``, ``sum_pd_despite_missing``, ``reappearance_after_cr``):
    the followed lesions larger than their own nadir; PD by a new lesion: the new lesions;
    CR, PR, minor response (and sticky PR): the followed lesions smaller than at baseline;
    NE by a missing lesion: the unmeasured followed lesions.  Under ``aggregation="max"`` the
    lesion holding the scan's maximum drives a growth or a shrinkage.  Other reasons (stable,
    non-target progression, density response, ...) are driven by no single lesion.
    """
    reason = codes.reason[scan]

    def among(names: tuple[str, ...]) -> np.ndarray:
        return np.isin(reason, [R[n] for n in names])

    with np.errstate(invalid="ignore"):
        if crit.aggregation == "max":
            top = np.abs(value) == m.value_meas[scan]
            grew = shrank = top
        else:
            grew = value > nadir
            shrank = value < baseline
    return (
        (followed & among(_GROWTH_REASONS) & grew)
        | (~followed & (reason == R["new_lesion"]))
        | (followed & among(_SHRINK_REASONS) & shrank)
        | (followed & (reason == R["missing_lesion"]) & np.isnan(value))
    )


#: The identifying columns of a scan in the lesion and organ tables (:func:`scan_columns`).
SCAN_COLUMNS = [
    "patient_id",
    "line_id",
    "criterion",
    "component",
    "assessment_id",
    "date",
    "modality",
    "scan_role",
    "days_from_start",
]


def scan_columns(a: LesionArrays, scan: np.ndarray) -> dict[str, object]:
    """The identifying columns of the scans at rows ``scan`` of ``a``'s measurement pass."""
    scans = a.m.scans
    return {
        "patient_id": scans["patient_id"].to_numpy()[scan],
        "line_id": scans["line_id"].to_numpy()[scan],
        "criterion": a.criterion,
        "component": a.crit.name,
        "assessment_id": scans["assessment_id"].to_numpy()[scan],
        "date": scans["date"].to_numpy()[scan],
        "modality": scans["modality"].to_numpy()[scan],
        "scan_role": scans["role"].to_numpy()[scan],
        "days_from_start": scans["days_from_start"].to_numpy()[scan],
    }
