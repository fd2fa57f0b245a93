"""Reading a step curve as R's ``survfit`` does: pointwise confidence limits on the chosen
scale, the median (R ``survmean``'s reader) and the restricted mean, and values, numbers at risk and cumulative counts
at chosen times (R ``summary(fit, times)``).  Shared by Kaplan–Meier
(:mod:`~netsurv.survival.km`), cumulative incidence (:mod:`~netsurv.survival.competing`) and
the Simon–Makuch curves (:mod:`~netsurv.survival.counting`)."""

from __future__ import annotations

from collections.abc import Mapping
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


def values_at(
    time: np.ndarray,
    values: Mapping[str, np.ndarray],
    at: np.ndarray,
    *,
    before: Mapping[str, float],
) -> dict[str, np.ndarray]:
    """Right-continuous step curves read at times ``at`` (R ``summary(fit, times)``).

    Each of ``values`` (one value per distinct ``time``, sorted) is read at the last time
    <= ``at``, carried forward past the last time (R's ``extend = TRUE``), and is
    ``before[name]`` before the first time (R's fill-in: 1 for a survival curve, 0 for a
    cumulative incidence).

    Examples
    --------
    >>> import numpy as np
    >>> got = values_at(np.array([1.0, 3.0]), {"surv": np.array([0.8, 0.5])},
    ...                 np.array([0.5, 1.0, 2.0, 9.0]), before={"surv": 1.0})
    >>> got["surv"].tolist()
    [1.0, 0.8, 0.8, 0.5]
    """
    idx = np.searchsorted(time, at, side="right") - 1
    first = idx < 0
    ii = np.clip(idx, 0, None)
    return {name: np.where(first, before[name], v[ii]) for name, v in values.items()}


def at_risk_at(time: np.ndarray, n_risk: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Number at risk at times ``at``: that of the first distinct time >= ``at`` (everyone with
    time >= ``at``), 0 past the last time.

    Examples
    --------
    >>> import numpy as np
    >>> at_risk_at(np.array([1.0, 3.0]), np.array([5, 2]), np.array([0.0, 2.0, 3.0, 4.0]))
    array([5, 2, 2, 0])
    """
    return np.append(n_risk, 0)[np.searchsorted(time, at, side="left")]


def counts_upto(time: np.ndarray, counts: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Cumulative counts (events, censorings; one column each) at times <= ``at``.

    ``counts`` has one row per distinct ``time`` (one or two dimensions); the result has one
    row per ``at``.

    Examples
    --------
    >>> import numpy as np
    >>> counts_upto(np.array([1.0, 3.0]), np.array([2, 1]), np.array([0.0, 1.0, 5.0]))
    array([0, 2, 3])
    """
    upto = np.searchsorted(time, at, side="right")
    zero = np.zeros((1, *counts.shape[1:]), dtype=counts.dtype)
    return np.concatenate([zero, np.cumsum(counts, axis=0)])[upto]


def restricted_mean(
    time: np.ndarray,
    surv: np.ndarray,
    n_risk: np.ndarray,
    n_event: np.ndarray,
    *,
    tau: float,
    start: float = 0.0,
) -> tuple[float, float]:
    """Area under a Kaplan–Meier curve from ``start`` to ``tau`` and its standard error.

    The variance is ``Σ_i A_i² d_i / (n_i (n_i − d_i))`` over event times ``t_i <= tau``,
    ``A_i`` the area from ``t_i`` to ``tau`` (R ``survival:::survmean``, ``survRM2::rmst2``);
    past the last time the last value is carried forward.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([1.0, 2.0, 3.0, 4.0])
    >>> restricted_mean(t, np.array([0.75, 0.5, 0.25, 0.0]), np.array([4.0, 3, 2, 1]),
    ...                 np.ones(4), tau=4)
    (2.5, 0.5590169943749475)
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        hh = np.where(n_risk - n_event == 0, 0.0, n_event / (n_risk * (n_risk - n_event)))
    keep = time <= tau
    if not keep.any():
        tt, ss, hh = np.array([tau]), np.array([1.0]), np.array([0.0])
    else:
        tt = np.append(time[keep], tau)
        ss = np.append(surv[keep], surv[keep][-1])
        hh = np.append(hh[keep], 0.0)
    delta = np.diff(np.concatenate([[start], tt]))
    rect = delta * np.concatenate([[1.0], ss[:-1]])
    var = float(np.sum(np.cumsum(rect[1:][::-1]) ** 2 * hh[::-1][1:]))
    return float(rect.sum() + start), float(np.sqrt(var))
