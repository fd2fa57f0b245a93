"""Progression on one lesion: the WHO rule next to the sum rule (``progression_scope``).

WHO (Miller et al., Cancer 1981; CRITERIA.md 2.5): progressive disease is "a 25 % or more
increase in the size of one or more measurable lesions, or the appearance of new lesions".
RECIST compares the sum of the followed lesions instead.  A criterion chooses with
``progression_scope``:

* ``"sum"`` (default): the aggregate grows past the cut-off (RECIST 1.1);
* ``"any_lesion"``: any followed lesion grows past the cut-off against its own reference
  (``progression_reference``: its nadir over the line's earlier scans, baseline included, or
  its baseline value); ``progression_min_abs``, when set, applies to that lesion's own increase;
  a lesion back from 0 grows by +inf %;
* ``"sum_or_any_lesion"``: either.

The measurement pass reads every lesion once (:class:`~netsurv.response.lesion_rows.LesionRows`);
for a criterion that reads single lesions it adds, per followed lesion and scan, the lesion's
baseline value and its nadir so far (:func:`lesion_series`, the same references the lesion
level reports); the cut-offs are applied per criterion (:func:`lesion_progression`).  Both are
whole-array operations: one sort by line, lesion and scan, a segmented running minimum, a
``bincount`` back to the scans.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.response.cutoffs import ge, rel
from netsurv.response.lesion_rows import FOLLOWED, LesionRows
from netsurv.response.prepare import group_starts


@dataclass(frozen=True)
class LesionSeries:
    """Lesion rows of a measurement pass in lesion order, with each lesion's references.

    Attributes
    ----------
    entry
        Position of each reading in the pass's :class:`~netsurv.response.lesion_rows.LesionRows`.
    scan, group
        Its scan row (of ``Measured.scans``) and its lesion within the line (line × lesion
        code); readings are sorted by group, then scan.
    value, baseline, nadir
        The lesion's value on the scan, on the line's baseline scan (NaN when not measured
        there, and for a new lesion) and its best value over the line's earlier scans,
        baseline included (NaN on the baseline scan itself and for a new lesion).
    """

    entry: np.ndarray
    scan: np.ndarray
    group: np.ndarray
    value: np.ndarray
    baseline: np.ndarray
    nadir: np.ndarray


def empty_series() -> LesionSeries:
    """No readings (a criterion that does not read single lesions)."""
    i = np.empty(0, dtype=np.int64)
    e = np.empty(0)
    return LesionSeries(i, i.copy(), i.copy(), e, e.copy(), e.copy())


def lesion_series(
    rows: LesionRows,
    line: np.ndarray,
    is_base: np.ndarray,
    use: np.ndarray,
    *,
    sign: float = 1.0,
) -> LesionSeries:
    """Baseline and running nadir of each lesion within its line: the one place the per-lesion
    references are made (the one-lesion rule here, the lesion level in
    :mod:`netsurv.response.lesion_arrays`).

    Parameters
    ----------
    rows
        The measurement pass's lesion rows.
    line, is_base
        Per scan row: its line, whether it is the line's baseline scan.
    use
        Positions in ``rows`` to read (followed lesions get references; others, e.g. new
        lesions, NaN).
    sign
        +1 when the nadir is the smallest earlier value, -1 when it is the largest (a measure
        whose increase is favourable).

    Examples
    --------
    One lesion, read 10 (baseline), 8, 12 mm:

    >>> import numpy as np
    >>> from netsurv.response.lesion_rows import FOLLOWED, LesionRows
    >>> r = LesionRows(scan=np.array([0, 1, 2]), row=np.zeros(3, dtype=np.int64),
    ...                lc=np.full(3, 5), value=np.array([10.0, 8.0, 12.0]),
    ...                short_axis=np.full(3, np.nan), kind=np.full(3, FOLLOWED))
    >>> s = lesion_series(r, np.zeros(3, dtype=np.int64), np.array([True, False, False]),
    ...                   np.arange(3))
    >>> s.nadir.tolist(), s.baseline.tolist()
    ([nan, 10.0, 8.0], [10.0, 10.0, 10.0])
    """
    lc = rows.lc[use]
    scan = rows.scan[use]
    mult = int(lc.max()) + 1 if len(lc) else 1
    key = line[scan] * mult + lc
    order = np.lexsort((scan, key))
    use, scan, key = use[order], scan[order], key[order]
    value = rows.value[use]
    followed = rows.kind[use] == FOLLOWED
    gstart = group_starts(key)
    baseline = np.where(followed & is_base[scan[gstart]], value[gstart], np.nan)
    best = np.where(np.isnan(value), np.inf, sign * value)
    running = pd.Series(best).groupby(key, sort=False).cummin().to_numpy()
    prev = np.concatenate(([np.inf], running[:-1]))
    nadir = np.where((np.arange(len(key)) > gstart) & followed, prev, np.nan)
    nadir[np.isinf(nadir)] = np.nan
    return LesionSeries(use, scan, key, value, baseline, sign * nadir)


def followed_series(
    rows: LesionRows, line: np.ndarray, is_base: np.ndarray, *, sign: float = 1.0
) -> LesionSeries:
    """:func:`lesion_series` of the followed lesions only (the one-lesion progression rule)."""
    return lesion_series(rows, line, is_base, np.flatnonzero(rows.kind == FOLLOWED), sign=sign)


def lesion_progression(
    series: LesionSeries,
    n_scans: int,
    *,
    threshold: float,
    inclusive: bool,
    min_abs: float | None,
    reference: str,
    sign: float = 1.0,
) -> np.ndarray:
    """Per scan row: a followed lesion grew past the cut-off against its own reference
    (``sign`` -1: fell past it, for a measure whose increase is favourable).

    Examples
    --------
    Lesion 1 grows 40 -> 44 mm (+10 %), lesion 2 10 -> 12.5 mm (+25 %): PD on scan 1.

    >>> import numpy as np
    >>> from netsurv.response.lesion_rows import FOLLOWED, LesionRows
    >>> r = LesionRows(scan=np.array([0, 1, 0, 1]), row=np.arange(4), lc=np.array([1, 1, 2, 2]),
    ...                value=np.array([40.0, 44.0, 10.0, 12.5]), short_axis=np.full(4, np.nan),
    ...                kind=np.full(4, FOLLOWED))
    >>> s = followed_series(r, np.array([0, 0]), np.array([True, False]))
    >>> lesion_progression(s, 2, threshold=0.25, inclusive=True, min_abs=None,
    ...                    reference="nadir").tolist()
    [False, True]
    """
    ref = series.nadir if reference == "nadir" else series.baseline
    with np.errstate(invalid="ignore", divide="ignore"):
        grows = ge(sign * rel(series.value, ref), sign * threshold, inclusive)
        if min_abs is not None:
            grows &= ge(sign * (series.value - ref), min_abs, inclusive)
    return np.bincount(series.scan[grows], minlength=n_scans) > 0
