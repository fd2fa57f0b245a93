"""``organ_response``: the criterion's aggregation restricted to one organ at a time.

Per line × scan × organ (``lesions.site``; all lymph nodes are one organ, as RECIST counts
them): the criterion's aggregate (``sum``, ``max`` or ``mean``) of the organ's followed
lesions, its change against the organ's value on the line's baseline scan and against the
organ's nadir (smallest value on earlier evaluable scans, baseline included), and an organ
class.  The lesions and their values are the classifier's own
(:mod:`netsurv.response.lesion_response`); no lesion is selected or measured again.

Organ classes, in this order: ``not_evaluable`` (a followed lesion of the organ unmeasured, or
the scan not comparable with the baseline), ``new`` (new lesions in an organ without followed
lesions), ``disappeared`` (every followed lesion of the organ disappeared), ``progressing``
(change vs the organ's nadir at or above the organ's progression cut-off, or a new lesion in
the organ), ``responding`` (change vs the organ's baseline at or below its response cut-off),
``stable``.  Cut-offs: the ``organ_thresholds`` argument, else the criterion's
``organ_thresholds``, else its ``response_threshold`` / ``progression_threshold``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.criteria.organ_fields import organ_cutoffs
from netsurv.response.classify import CriteriaArg, Timepoints
from netsurv.response.codes import RESPONSES, decode
from netsurv.response.cutoffs import ge, le, rel
from netsurv.response.lesion_arrays import (
    DISAPPEARED,
    LESION_CLASSES,
    NEW_LESION,
    NOT_EVALUABLE,
    PROGRESSING,
    RESPONDING,
    SCAN_COLUMNS,
    STABLE,
    LesionArrays,
    iter_lesion_arrays,
    scan_columns,
)
from netsurv.response.lesion_rows import aggregate_values
from netsurv.response.prepare import group_starts
from netsurv.schema.inputs import LESION_SITES

__all__ = ["ORGAN_COLUMNS", "organ_response"]

ORGAN_COLUMNS = [
    *SCAN_COLUMNS,
    "site",
    "n_lesions",
    "n_measured",
    "n_new_lesions",
    "value",
    "baseline_value",
    "nadir_value",
    "pct_change_baseline",
    "pct_change_nadir",
    "organ_class",
    "response",
]


@dataclass(frozen=True)
class OrganArrays:
    """Per line × scan × organ arrays, sorted by line, organ and scan."""

    scan: np.ndarray
    site: np.ndarray
    n_lesions: np.ndarray
    n_measured: np.ndarray
    n_new: np.ndarray
    value: np.ndarray
    baseline: np.ndarray
    nadir: np.ndarray
    change_baseline: np.ndarray
    change_nadir: np.ndarray
    organ_class: np.ndarray


def organ_arrays(a: LesionArrays) -> OrganArrays:
    """Organ-level aggregates and classes of one criterion's lesion arrays."""
    crit, m = a.crit, a.m
    n_sites = len(LESION_SITES)
    site_code = pd.Categorical(a.site, categories=LESION_SITES).codes.astype(np.int64)
    key = a.scan * n_sites + site_code
    cells, inv = np.unique(key, return_inverse=True)
    n_cells = len(cells)
    scan = cells // n_sites
    site = cells % n_sites
    followed = a.lesion_class != NEW_LESION
    measured = followed & ~np.isnan(a.value)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(inv[mask], minlength=n_cells).astype(np.int64)

    n_followed = count(followed)
    n_measured = count(measured)
    n_new = count(~followed)
    n_gone = count(followed & (a.lesion_class == DISAPPEARED))
    agg = aggregate_values(inv[measured], a.value[measured], n_cells, crit.aggregation)
    complete = (n_followed > 0) & (n_measured == n_followed)
    value = np.where(complete, agg, np.nan)

    # organ groups: line × site, scans in order (the baseline scan first)
    group = m.lk[scan] * n_sites + site
    order = np.lexsort((scan, group))
    scan, site, group = scan[order], site[order], group[order]
    n_followed, n_measured, n_new, n_gone = (
        x[order] for x in (n_followed, n_measured, n_new, n_gone)
    )
    complete, value = complete[order], value[order]
    gstart = group_starts(group)
    is_base = m.is_base[scan]
    baseline = np.where(is_base[gstart] & complete[gstart], value[gstart], np.nan)
    running = pd.Series(np.where(complete, value, np.inf)).groupby(group, sort=False).cummin()
    prev = np.concatenate(([np.inf], running.to_numpy()[:-1]))
    nadir = np.where(np.arange(len(group)) > gstart, prev, np.nan)
    nadir[np.isinf(nadir)] = np.nan
    ch_base = rel(value, baseline)
    ch_nadir = rel(value, nadir)

    r_cut = np.full(len(site), np.nan)
    p_cut = np.full(len(site), np.nan)
    for code in np.unique(site):
        r, p = organ_cutoffs(crit, LESION_SITES[code])
        r_cut[site == code] = np.nan if r is None else r
        p_cut[site == code] = np.nan if p is None else p
    cls = np.full(len(site), STABLE, dtype=np.int8)
    cls[le(ch_base, r_cut, crit.response_inclusive)] = RESPONDING
    cls[ge(ch_nadir, p_cut, crit.progression_inclusive) | (n_new > 0)] = PROGRESSING
    cls[(n_followed > 0) & (n_gone == n_followed) & (n_new == 0)] = DISAPPEARED
    cls[(n_followed == 0) & (n_new > 0)] = NEW_LESION
    cls[(n_followed > 0) & (~complete | m.not_comparable[scan])] = NOT_EVALUABLE
    cls[is_base] = 0
    return OrganArrays(
        scan=scan,
        site=site,
        n_lesions=n_followed,
        n_measured=n_measured,
        n_new=n_new,
        value=value,
        baseline=baseline,
        nadir=nadir,
        change_baseline=ch_base,
        change_nadir=ch_nadir,
        organ_class=cls,
    )


def organ_frame(a: LesionArrays, o: OrganArrays) -> pd.DataFrame:
    """The long organ table of one criterion (:data:`ORGAN_COLUMNS`)."""
    order = np.lexsort((o.site, o.scan))
    scan = o.scan[order]
    out = {
        **scan_columns(a, scan),
        "site": np.asarray(LESION_SITES, dtype=object)[o.site[order]],
        "n_lesions": o.n_lesions[order],
        "n_measured": o.n_measured[order],
        "n_new_lesions": o.n_new[order],
        "value": o.value[order],
        "baseline_value": o.baseline[order],
        "nadir_value": o.nadir[order],
        "pct_change_baseline": 100 * o.change_baseline[order],
        "pct_change_nadir": 100 * o.change_nadir[order],
        "organ_class": decode(o.organ_class[order], LESION_CLASSES),
        "response": decode(a.codes.response[scan], RESPONSES),
    }
    return pd.DataFrame(out, columns=ORGAN_COLUMNS)


def organ_response(
    data: Cohort | Timepoints,
    criteria: CriteriaArg | None = None,
    *,
    organ_thresholds: Mapping[str, tuple[float | None, float | None]] | None = None,
) -> pd.DataFrame:
    """Organ-level response: one row per line × scan × organ with followed or new lesions.

    Parameters
    ----------
    data
        A validated cohort, or the time points of :func:`netsurv.classify`.
    criteria
        A criterion, a preset name or a sequence of them (default with time points: theirs).
    organ_thresholds
        Organ-specific ``(response, progression)`` cut-offs, e.g. ``{"liver": (-0.3, 0.2)}``;
        they replace the criterion's ``organ_thresholds`` for this table.  An unknown site is
        refused (:class:`~netsurv.ConfigError` naming ``organ_thresholds``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ORGAN_COLUMNS`: the scan, ``site``, ``n_lesions`` followed in the organ,
        ``n_measured``, ``n_new_lesions``, the organ's ``value`` (the criterion's aggregation;
        empty when a followed lesion is unmeasured), ``baseline_value``, ``nadir_value``,
        ``pct_change_baseline``, ``pct_change_nadir`` (%), ``organ_class`` (module docstring;
        empty on the baseline scan) and the scan's time-point ``response``.

    Examples
    --------
    >>> import netsurv as ns
    >>> org = ns.organ_response(ns.load_demo(), "recist1.1",
    ...                         organ_thresholds={"liver": (-0.3, 0.1)})
    >>> sorted(org["site"].unique())[:3]
    ['liver', 'lung', 'lymph_node']
    >>> grew = org.query("site == 'liver' and organ_class == 'progressing' and n_new_lesions == 0")
    >>> bool(grew["pct_change_nadir"].min() >= 10 - 1e-9)  # at the cut-off counts (12.1 vs 11 mm)
    True
    """
    frames = []
    for _prep, a in iter_lesion_arrays(data, criteria):
        if organ_thresholds is not None:
            crit = replace(a.crit, organ_thresholds=dict(organ_thresholds))
            a = replace(a, crit=crit)
        frames.append(organ_frame(a, organ_arrays(a)))
    return pd.concat(frames, ignore_index=True)
