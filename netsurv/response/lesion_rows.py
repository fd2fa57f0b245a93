"""The lesion rows of a measurement pass: the one per-lesion table of a criterion.

:func:`netsurv.response.lesions.aggregate` reads every lesion of the criterion's scans once and
keeps, per line × scan × lesion row, the lesion's value and kind (:class:`LesionRows`).  The
lesion level (:mod:`netsurv.response.lesion_arrays`) and the one-lesion progression rule
(:mod:`netsurv.response.lesion_growth`) both read these rows; nothing selects or measures a
lesion again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Kinds of lesion rows a measurement pass reads (:class:`LesionRows`).
FOLLOWED, NEW, UNUSED = 0, 1, 2


@dataclass(frozen=True)
class LesionRows:
    """The lesion rows of a measurement pass's scans, one entry per line × scan × lesion row.

    What :func:`netsurv.lesion_response` reports: the followed lesions on every scan of their
    line, the new lesions the criterion counts on follow-up scans (its ``new_lesion_rule``,
    then its ``sites`` filter), and the rows the criterion does not use (baseline lesions it
    does not follow, lesions first recorded on a follow-up scan without role ``new``, new
    lesions it does not count).

    Attributes
    ----------
    scan : numpy.ndarray
        Row of the pass's ``scans`` table.
    row : numpy.ndarray
        Row of the prepared lesions table (``Prepared.les``; a lesion merged from fragments or
        coalesced parts: the row of its first part, :mod:`netsurv.response.fragments`).
    lc : numpy.ndarray
        The lesion's code (``Prepared.les.lc``; a merged lesion: its root lesion's code).
    value : numpy.ndarray
        The criterion's per-lesion value (NaN: not measured or not evaluable).
    short_axis : numpy.ndarray
        Short axis in mm ("too small" substituted as for the value), for nodal disappearance.
    kind : numpy.ndarray
        :data:`FOLLOWED`, :data:`NEW` or :data:`UNUSED`.
    """

    scan: np.ndarray
    row: np.ndarray
    lc: np.ndarray
    value: np.ndarray
    short_axis: np.ndarray
    kind: np.ndarray

    @classmethod
    def empty(cls) -> LesionRows:
        """No lesion rows (a recorded read)."""
        i = np.empty(0, dtype=np.int64)
        f = np.empty(0)
        return cls(i, i.copy(), i.copy(), f, f.copy(), np.empty(0, dtype=np.int8))

    def take(self, keep: np.ndarray, new_scan: np.ndarray) -> LesionRows:
        """The entries whose scan is kept (``keep`` by scan), scans renumbered by
        ``new_scan``."""
        k = keep[self.scan]
        return LesionRows(
            new_scan[self.scan[k]],
            self.row[k],
            self.lc[k],
            self.value[k],
            self.short_axis[k],
            self.kind[k],
        )


def aggregate_values(group: np.ndarray, values: np.ndarray, n: int, how: str) -> np.ndarray:
    """The criterion's ``aggregation`` (``sum``, ``max`` or ``mean``) of measured ``values`` per
    ``group`` (0 .. n-1): one rule for the scan, the organ and the organ-part aggregates.  A
    group without values gets 0 (sum), -inf (max) or NaN (mean); callers blank those.

    Examples
    --------
    >>> import numpy as np
    >>> g, v = np.array([0, 0, 2]), np.array([10.0, 20.0, 5.0])
    >>> [aggregate_values(g, v, 3, how).tolist() for how in ("sum", "max")]
    [[30.0, 0.0, 5.0], [20.0, -inf, 5.0]]
    """
    if how == "max":
        out = np.full(n, -np.inf)
        np.maximum.at(out, group, values)
        return out
    out = np.bincount(group, weights=values, minlength=n)
    if how == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            out = out / np.bincount(group, minlength=n)
    return out
