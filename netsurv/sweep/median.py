"""Kaplan–Meier medians of many columns at once (R ``survfit`` conventions)."""

from __future__ import annotations

import numpy as np

#: R's ``minmin`` tolerance, as :mod:`netsurv.survival.km`.
_TOL = float(np.sqrt(np.finfo(float).eps))


def km_medians(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Median of the Kaplan–Meier curve of every column.

    The median is the first time with S(t) <= 0.5; when S is exactly 0.5 (within 1.5e-8) on a
    flat stretch it is the midpoint of that stretch (R ``survfit``, as
    :func:`netsurv.survival.kaplan_meier`).  NaN times are left out of their column.

    Parameters
    ----------
    time
        (n, V) times.
    event
        (n, V) event flags.

    Returns
    -------
    numpy.ndarray
        (V,) medians; NaN where the curve stays above 0.5.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([[2.0, 1], [3, 2], [3, 3], [5, 4], [8, 5], [9, 6]])
    >>> e = np.array([[1, 1], [1, 0], [0, 0], [1, 0], [0, 0], [1, 0]])
    >>> km_medians(t, e).tolist()
    [5.0, nan]
    """
    t = np.asarray(time, dtype=float)
    n, v = t.shape
    if n == 0:
        return np.full(v, np.nan)
    valid = ~np.isnan(t)
    e = np.asarray(event, dtype=bool) & valid
    t = np.where(valid, t, np.inf)
    # deaths before censorings at a tied time: stable sorts, by event first then by time
    o1 = np.argsort(~e, axis=0, kind="stable")
    o2 = np.argsort(np.take_along_axis(t, o1, axis=0), axis=0, kind="stable")
    order = np.take_along_axis(o1, o2, axis=0)
    ts = np.take_along_axis(t, order, axis=0)
    es = np.take_along_axis(e, order, axis=0)
    n_valid = valid.sum(axis=0)
    at_risk = n_valid[None, :] - np.arange(n)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(es, 1.0 - 1.0 / np.where(at_risk > 0, at_risk, 1), 1.0)
    surv = np.cumprod(factor, axis=0)
    last_of_time = np.ones((n, v), dtype=bool)
    last_of_time[:-1] = ts[1:] != ts[:-1]
    point = last_of_time & np.isfinite(ts)
    y = np.where(point, surv, np.nan)
    keep = point & (y < 0.5 + _TOL)
    has = keep.any(axis=0)
    j0 = np.argmax(keep, axis=0)
    cols = np.arange(v)
    x0 = ts[j0, cols]
    y0 = y[j0, cols]
    lower = point & (np.arange(n)[:, None] > j0[None, :]) & (y < y0[None, :])
    has_lower = lower.any(axis=0)
    j1 = np.argmax(lower, axis=0)
    flat = np.abs(y0 - 0.5) < _TOL
    med = np.where(flat & has_lower, (x0 + ts[j1, cols]) / 2.0, x0)
    return np.where(has, med, np.nan)
