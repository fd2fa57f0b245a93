"""Cut-off comparisons of the response rules: a small tolerance, and relative change."""

from __future__ import annotations

import numpy as np

#: Relative tolerance of cut-off comparisons: absorbs binary rounding of decimal inputs
#: (31.1 + 20.2 mm) without moving any boundary a reader could measure.
EPS = 1e-9


def _tol(t: float | np.ndarray) -> float | np.ndarray:
    return EPS * np.maximum(1.0, np.abs(t))


def ge(x: np.ndarray, t: float | np.ndarray, inclusive: bool = True) -> np.ndarray:
    """``x >= t`` (``x > t`` if not inclusive) up to :data:`EPS`; NaN (in ``x`` or ``t``) is
    False."""
    with np.errstate(invalid="ignore"):
        return x >= t - _tol(t) if inclusive else x > t + _tol(t)


def le(x: np.ndarray, t: float | np.ndarray, inclusive: bool = True) -> np.ndarray:
    """``x <= t`` (``x < t`` if not inclusive) up to :data:`EPS`; NaN (in ``x`` or ``t``) is
    False."""
    with np.errstate(invalid="ignore"):
        return x <= t + _tol(t) if inclusive else x < t - _tol(t)


def rel(x: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Relative change ``(x - ref) / ref``; a zero reference gives +inf for growth, 0 for none."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (x - ref) / ref
        zero = ref == 0
        if zero.any():
            r = np.where(zero, np.where(x > 0, np.inf, np.where(x == 0, 0.0, np.nan)), r)
    return r
