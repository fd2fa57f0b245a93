"""Reading a step curve as R's ``survfit`` does: pointwise confidence limits on the chosen
scale and the median (R ``survmean``'s reader).  Shared by Kaplan–Meier
(:mod:`~netsurv.survival.km`), cumulative incidence (:mod:`~netsurv.survival.competing`) and
the Simon–Makuch curves (:mod:`~netsurv.survival.counting`)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.stats import norm

from netsurv.errors import ConfigError

ConfType = Literal["log", "log-log", "plain"]
CONF_TYPES = ("log", "log-log", "plain")
#: R's ``minmin`` tolerance (``.Machine$double.eps^0.5``) for reading the median off a curve.
_MEDIAN_TOL = float(np.sqrt(np.finfo(float).eps))


def confidence_limits(
    surv: np.ndarray, se_log: np.ndarray, *, conf_type: str, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits of a survival curve as R's ``survfit`` computes them.

    Parameters
    ----------
    surv
        Survival estimates.
    se_log
        Standard error of the cumulative hazard (of ``-log S``), R's ``fit$std.err``.
    conf_type
        ``"log"`` (R default), ``"log-log"`` or ``"plain"``.
    conf_level
        Coverage, e.g. 0.95.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper limits; NaN where R gives ``NA`` (S = 0 for ``"log"``, S = 0 or 1 for
        ``"log-log"``).

    Examples
    --------
    >>> import numpy as np
    >>> lo, up = confidence_limits(np.array([0.5]), np.array([0.2]), conf_type="log",
    ...                            conf_level=0.95)
    >>> bool(lo[0] < 0.5 < up[0])
    True
    """
    z = float(norm.ppf(1 - (1 - conf_level) / 2))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if conf_type == "plain":
            half = z * se_log * surv
            lower = np.fmax(surv - half, 0.0)
            upper = np.fmin(surv + half, 1.0)
            bad = np.isnan(half)
            lower[bad] = np.nan
            upper[bad] = np.nan
        elif conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            lower = np.exp(np.log(xx) - z * se_log)
            upper = np.fmin(np.exp(np.log(xx) + z * se_log), 1.0)
            upper[np.isnan(xx) | np.isnan(se_log)] = np.nan
        elif conf_type == "log-log":
            xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
            half = z * se_log / np.log(xx)
            lower = np.exp(-np.exp(np.log(-np.log(xx)) - half))
            upper = np.exp(-np.exp(np.log(-np.log(xx)) + half))
        else:
            raise ConfigError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
    return lower, upper


def _minmin(y: np.ndarray, x: np.ndarray) -> float:
    """R ``survmean``'s median reader: first x with y <= 0.5; midpoint of a flat 0.5 stretch."""
    keep = ~np.isnan(y) & (y < 0.5 + _MEDIAN_TOL)
    if not keep.any():
        return float("nan")
    xs, ys = x[keep], y[keep]
    if abs(ys[0] - 0.5) < _MEDIAN_TOL:
        below = np.flatnonzero(ys < ys[0])
        if below.size:
            return float((xs[0] + xs[below[0]]) / 2)
    return float(xs[0])
