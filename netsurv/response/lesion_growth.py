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

The measurement pass keeps, for every followed lesion measured on a scan, its value, its
baseline value and its nadir so far (:func:`lesion_series`); the cut-offs are applied per
criterion (:func:`lesion_progression`).  Both are whole-array operations: one sort by line,
lesion and scan, a segmented running minimum, a ``bincount`` back to the scans.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.response.cutoffs import ge, rel
from netsurv.response.prepare import group_starts


@dataclass(frozen=True)
class LesionSeries:
    """Every measured followed lesion on every scan of a measurement pass.

    Attributes
    ----------
    row
        The scan row (of ``Measured.scans``) of each reading.
    value, baseline, nadir
        The lesion's value on the scan, on the line's baseline scan (NaN when not measured
        there) and its smallest value over the line's earlier scans, baseline included (NaN
        on the baseline scan itself).
    """

    row: np.ndarray
    value: np.ndarray
    baseline: np.ndarray
    nadir: np.ndarray

    def take(self, keep_rows: np.ndarray) -> LesionSeries:
        """The readings on the scan rows where ``keep_rows`` holds, renumbered."""
        new_index = np.cumsum(keep_rows) - 1
        ok = keep_rows[self.row]
        return LesionSeries(
            new_index[self.row[ok]], self.value[ok], self.baseline[ok], self.nadir[ok]
        )


def empty_series() -> LesionSeries:
    """No readings (a criterion that does not read single lesions)."""
    e = np.empty(0)
    return LesionSeries(np.empty(0, dtype=np.int64), e, e.copy(), e.copy())


def lesion_series(
    scan_row: np.ndarray, lesion: np.ndarray, value: np.ndarray, line: np.ndarray
) -> LesionSeries:
    """Baseline and running nadir of each lesion's readings within its line.

    Parameters
    ----------
    scan_row, lesion, value
        Per reading: its scan row (rows are in date order within a line, baseline first), the
        lesion's code and the value.
    line
        Per scan row, its line.

    Examples
    --------
    One lesion, read 10 (baseline), 8, 12 mm:

    >>> import numpy as np
    >>> s = lesion_series(np.array([0, 1, 2]), np.array([5, 5, 5]),
    ...                   np.array([10.0, 8.0, 12.0]), np.array([0, 0, 0]))
    >>> s.nadir.tolist(), s.baseline.tolist()
    ([nan, 10.0, 8.0], [10.0, 10.0, 10.0])
    """
    if len(scan_row) == 0:
        return empty_series()
    order = np.lexsort((scan_row, lesion, line[scan_row]))
    r, les, v = scan_row[order], lesion[order], value[order]
    ln = line[r]
    group = np.cumsum(np.r_[True, (les[1:] != les[:-1]) | (ln[1:] != ln[:-1])]) - 1
    running = pd.Series(v).groupby(group).cummin().to_numpy()
    start = group_starts(group)
    idx = np.arange(len(r))
    nadir = np.where(idx > start, np.r_[np.nan, running[:-1]], np.nan)
    first_is_base = r[start] == _line_first_row(line)[line[r]]
    baseline = np.where(first_is_base, v[start], np.nan)
    return LesionSeries(r, v, baseline, nadir)


def _line_first_row(line: np.ndarray) -> np.ndarray:
    """Per line code, its first scan row (the baseline scan)."""
    first = np.full(int(line.max()) + 1 if len(line) else 0, len(line), dtype=np.int64)
    np.minimum.at(first, line, np.arange(len(line)))
    return first


def lesion_progression(
    series: LesionSeries,
    n_scans: int,
    *,
    threshold: float,
    inclusive: bool,
    min_abs: float | None,
    reference: str,
) -> np.ndarray:
    """Per scan row: a followed lesion grew past the cut-off against its own reference.

    Examples
    --------
    >>> import numpy as np
    >>> s = lesion_series(np.array([0, 1, 0, 1]), np.array([1, 1, 2, 2]),
    ...                   np.array([40.0, 44.0, 10.0, 12.5]), np.array([0, 0]))
    >>> lesion_progression(s, 2, threshold=0.25, inclusive=True, min_abs=None,
    ...                    reference="nadir").tolist()
    [False, True]
    """
    ref = series.nadir if reference == "nadir" else series.baseline
    with np.errstate(invalid="ignore", divide="ignore"):
        grows = ge(rel(series.value, ref), threshold, inclusive)
        if min_abs is not None:
            grows &= ge(series.value - ref, min_abs, inclusive)
    return np.bincount(series.row[grows], minlength=n_scans) > 0
