"""Organ-specific cut-offs in the time-point response (``Criterion.organ_thresholds``).

A criterion with ``organ_thresholds`` judges progression by size organ by organ: each organ
named there is measured apart (the criterion's aggregation of its followed lesions) and
progresses when its aggregate grows past the organ's progression cut-off against the organ's
own nadir; the followed lesions of the organs not named form one more part, judged with the
criterion's ``progression_threshold``.  ``progression_min_abs`` and
``progression_abs_sufficient`` apply to each part's own change, as RECIST's 5 mm applies to
the sum.  Progression by size is then: any part progressing (issue 17, item 2: "a criterion
can be ... [given] separate thresholds for organs").  A part with a cut-off of None does not
progress by size.  Response (PR, CR) stays on the whole aggregate with the criterion's own
cut-offs; the organs' response cut-offs give the organ-level classes
(:func:`netsurv.organ_response`).  With ``progression_scope="any_lesion"`` the organs are not
read apart (one lesion is the finer unit).

A part is read on a scan only when all its followed lesions are measured there; its nadir is
its smallest value over the line's earlier such scans, baseline included (the references come
from :func:`netsurv.response.lesion_growth.lesion_series`, as for one lesion).
"""

from __future__ import annotations

import numpy as np

from netsurv.criteria.criterion import Criterion
from netsurv.criteria.organ_fields import organ_cutoffs
from netsurv.response.lesion_growth import LesionSeries, empty_series, followed_series
from netsurv.response.lesion_rows import FOLLOWED, LesionRows, aggregate_values


def named_organs(crit: Criterion) -> tuple[str, ...]:
    """The organs ``crit`` judges apart (the sites of its ``organ_thresholds``)."""
    return tuple(site for site, _, _ in crit.organ_thresholds or ())


def organ_parts(
    rows: LesionRows,
    site: np.ndarray,
    crit: Criterion,
    line: np.ndarray,
    is_base: np.ndarray,
    *,
    sign: float = 1.0,
) -> LesionSeries:
    """Per scan and part (each named organ, then the rest): the part's aggregate when all its
    followed lesions are measured (else NaN), with its baseline and nadir.

    Parameters
    ----------
    rows
        The measurement pass's lesion rows.
    site
        ``lesions.site`` of each entry of ``rows``.
    crit
        The criterion (its ``organ_thresholds`` name the organs, its ``aggregation`` combines
        the lesions of a part).
    line, is_base
        Per scan row: its line, whether it is the line's baseline scan.

    Returns
    -------
    LesionSeries
        One reading per scan × part with followed lesions; ``entry`` is the part's code
        (0: the organs not named; ``i``: the i-th named organ).
    """
    organs = named_organs(crit)
    if not organs:
        return empty_series()
    f = np.flatnonzero(rows.kind == FOLLOWED)
    code = {s: i + 1 for i, s in enumerate(organs)}
    part = np.array([code.get(str(s), 0) for s in site[f]], dtype=np.int64)
    n_parts = len(organs) + 1
    scan = rows.scan[f]
    value = rows.value[f]
    cell = scan * n_parts + part
    cells, inv = np.unique(cell, return_inverse=True)
    n_cells = len(cells)
    c_scan, c_part = cells // n_parts, cells % n_parts
    # followed lesions of each line × part: its entries on the line's baseline scan
    on_base = is_base[scan]
    lp = line[scan] * n_parts + part
    tracked = np.bincount(lp[on_base], minlength=int(lp.max()) + 1 if len(lp) else 0)
    measured = ~np.isnan(value)
    n_meas = np.bincount(inv[measured], minlength=n_cells)
    agg = aggregate_values(inv[measured], value[measured], n_cells, crit.aggregation)
    complete = (n_meas > 0) & (n_meas == tracked[line[c_scan] * n_parts + c_part])
    cells_as_rows = LesionRows(
        scan=c_scan,
        row=c_part,
        lc=c_part,
        value=np.where(complete, agg, np.nan),
        short_axis=np.full(n_cells, np.nan),
        kind=np.full(n_cells, FOLLOWED, dtype=np.int8),
    )
    s = followed_series(cells_as_rows, line, is_base, sign=sign)
    return LesionSeries(c_part[s.entry], s.scan, s.group, s.value, s.baseline, s.nadir)


def part_cutoffs(crit: Criterion, part: np.ndarray) -> np.ndarray:
    """The progression cut-off of each reading's part (NaN: the part does not progress by
    size)."""
    cuts = [crit.progression_threshold] + [organ_cutoffs(crit, s)[1] for s in named_organs(crit)]
    table = np.array([np.nan if c is None else c for c in cuts], dtype=float)
    return table[part]
