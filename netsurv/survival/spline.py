"""Restricted cubic splines (Harrell's ``rcs``) for continuous predictors in Cox models.

A restricted (natural) cubic spline with knots ``t_1 < … < t_k`` is cubic between knots,
linear beyond the outer ones, and has ``k − 1`` columns.  netsurv uses Harrell's truncated-power
parametrisation, exactly as R's ``rms::rcs`` (``Hmisc::rcspline.eval(x, inclx = TRUE, norm =
2)``): the first column is ``x`` itself and column ``j + 1`` (``j = 1 … k − 2``) is

    (x − t_j)₊³ − (x − t_{k−1})₊³ (t_k − t_j) / (t_k − t_{k−1})
                + (x − t_k)₊³ (t_{k−1} − t_j) / (t_k − t_{k−1}),

every power taken of ``(·) / (t_k − t_1)^{2/3}`` (the ``norm = 2`` scaling), so coefficients and
their variances are those R's ``coxph(Surv(time, status) ~ rcs(x, k))`` prints.  The same
function space is spanned by ``splines::ns(x, knots = t_2 … t_{k−1}, Boundary.knots = c(t_1,
t_k))`` (a B-spline parametrisation): log-likelihood, AIC, C-index and the fitted curve do not
depend on the choice.

Default knots (:func:`rcs_knots`) follow ``rcspline.eval``: quantiles 0.05, 0.35, 0.65, 0.95
for 4 knots (0.10, 0.50, 0.90 for 3; 0.05 … 0.95 evenly for 5 and 6; 0.025 … 0.975 for 7 or
more), with the outer knots moved to the 5th smallest and 5th largest value when there are fewer
than 100 values, and Harrell's rule for a value tied in ≥ 5 % of the data at either end (e.g.
many -100 % complete responses): that end gets its own knot at the next value.  In a formula,
``rcs(x, 4)`` (4 knots) or ``rcs(x, [-60, -30, 0, 20])`` (these knots) gives the columns R names
``rcs(x, 4)x``, ``rcs(x, 4)x'``, ``rcs(x, 4)x''``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from formulaic.materializers.types import FactorValues
from formulaic.utils.stateful_transforms import stateful_transform
from scipy.stats import norm

from netsurv.errors import ConfigError

#: Share of the values at one end above which that end gets its own knot (rms ``fractied``).
FRACTIED = 0.05


def rcs_knots(x: Sequence[float] | np.ndarray | pd.Series, k: int = 5) -> np.ndarray:
    """Harrell's default knots of a restricted cubic spline (R ``Hmisc::rcspline.eval``).

    Parameters
    ----------
    x
        The values (NaN ignored).
    k
        Number of knots (>= 3).

    Returns
    -------
    numpy.ndarray
        The sorted, distinct knots (fewer than ``k`` when the data have few distinct values,
        with a warning, as R).

    Examples
    --------
    >>> import numpy as np
    >>> rcs_knots(np.arange(200.0), 4).round(2).tolist()   # quantiles .05 .35 .65 .95
    [9.95, 69.65, 129.35, 189.05]
    >>> rcs_knots(np.arange(50.0), 3).tolist()             # n < 100: 5th smallest / largest
    [4.0, 24.5, 45.0]
    """
    if not isinstance(k, int | np.integer) or k < 3:
        raise ConfigError(f"a restricted cubic spline needs at least 3 knots, got {k!r}")
    values = np.asarray(x, dtype=float)
    xx = values[~np.isnan(values)]
    if not np.isfinite(xx).all():
        raise ConfigError("spline variable has infinite values")
    n = xx.size
    if n < 6:
        raise ConfigError(f"knots of a spline need at least 6 values, got {n}")
    xu, counts = np.unique(xx, return_counts=True)
    if xu.size - 2 <= k:
        warnings.warn(
            f"{k} knots requested with {xu.size} distinct values: knots set to the "
            f"{xu.size - 2} interior values",
            UserWarning,
            stacklevel=2,
        )
        return _distinct(xu[1:-1])
    outer = 0.025 if k > 6 else (0.05 if k > 3 else 0.1)
    nke = k
    first: list[float] = []
    last: list[float] = []
    frac = counts / n
    if frac[1:-1].max() < FRACTIED:
        if frac[0] >= FRACTIED:
            first = [float(xx[xx > xx.min()].min())]
            xx = xx[xx > first[0]]
            nke -= 1
        if frac[-1] >= FRACTIED:
            last = [float(xx[xx < xx.max()].max())]
            xx = xx[xx < last[0]]
            nke -= 1
    if nke == 1:
        knots = np.array([np.median(xx)])
    else:
        probs = np.linspace(0.5 if nke == 2 else outer, 1 - outer, nke)
        knots = np.quantile(xx, probs)  # R's quantile type 7
        if np.unique(knots).size < min(nke, 3):
            knots = np.quantile(xx, np.linspace(outer, 1 - outer, 2 * nke))
            if first and np.unique(knots).size < 3:
                mid = (first[0] + last[0]) / 2 if last else float(np.median(xx))
                end = last[0] if last else float(np.quantile(xx, 1 - outer))
                knots = np.sort([first[0], mid, end])
            if np.unique(knots).size < 3:
                raise ConfigError("fewer than 3 distinct knots: the variable has too few values")
            warnings.warn(
                f"could not place {nke} knots by the default quantiles; used "
                f"{np.unique(knots).size} (R rcspline.eval's alternative rule)",
                UserWarning,
                stacklevel=2,
            )
        if xx.size < 100:  # small samples: outer knots at the 5th smallest / largest value
            s = np.sort(xx)
            if not first:
                knots[0] = s[4]
            if not last:
                knots[nke - 1] = s[-5]
    return _distinct(np.concatenate([first, knots, last]))


def _distinct(knots: np.ndarray) -> np.ndarray:
    out = np.unique(np.asarray(knots, dtype=float))
    if out.size < 3:
        raise ConfigError(f"a restricted cubic spline needs 3 distinct knots, got {out.tolist()}")
    return out


def rcs_basis(
    x: Sequence[float] | np.ndarray | pd.Series, knots: Sequence[float] | np.ndarray
) -> np.ndarray:
    """The ``k − 1`` columns of a restricted cubic spline at ``x`` (R ``rms::rcs``).

    Parameters
    ----------
    x
        Values (NaN stays NaN).
    knots
        The knots (>= 3, distinct; sorted here).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(x), k − 1)``: ``x``, then the ``k − 2`` non-linear columns (see the
        module docstring for the formula).

    Examples
    --------
    >>> rcs_basis([0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 3.0]).round(4).tolist()
    [[0.0, 0.0], [1.0, 0.1111], [2.0, 0.7222], [3.0, 1.6667]]
    """
    t = np.sort(np.asarray(knots, dtype=float))
    if t.size < 3 or np.unique(t).size != t.size or not np.isfinite(t).all():
        raise ConfigError(f"knots must be >= 3 distinct finite values, got {list(knots)}")
    v = np.asarray(x, dtype=float)
    k = t.size
    kd = (t[-1] - t[0]) ** (2 / 3)

    def cube(c: float) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.maximum((v - c) / kd, 0.0) ** 3

    tail_k, tail_k1 = cube(t[-1]), cube(t[-2])
    span = t[-1] - t[-2]
    cols = [v]
    for j in range(k - 2):
        cols.append(cube(t[j]) + ((t[-2] - t[j]) * tail_k - (t[-1] - t[j]) * tail_k1) / span)
    return np.column_stack(cols)


@stateful_transform
def rcs(
    x: pd.Series | np.ndarray,
    knots: int | Sequence[float] = 5,
    _state: dict[str, Any] = {},  # noqa: B006  (formulaic's stateful-transform convention)
) -> FactorValues[dict[str, np.ndarray]]:
    """``rcs(x, 4)`` / ``rcs(x, [..knots..])`` in a model formula (R ``rms::rcs``).

    The knots are placed on the data the formula is first evaluated on (:func:`rcs_knots`)
    and kept for new data (formulaic's stateful transforms).  The columns are named as R's
    ``coxph`` names them: ``x``, ``x'``, ``x''``, … after the term.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from formulaic import model_matrix
    >>> df = pd.DataFrame({"age": np.linspace(40, 80, 30)})
    >>> list(model_matrix("rcs(age, 4)", df, context={"rcs": rcs}).columns)[1:]
    ['rcs(age, 4)age', "rcs(age, 4)age'", "rcs(age, 4)age''"]
    """
    if "knots" not in _state:
        if isinstance(knots, int | np.integer):
            _state["knots"] = rcs_knots(np.asarray(x, dtype=float), int(knots)).tolist()
        else:
            _state["knots"] = np.sort(np.asarray(knots, dtype=float)).tolist()
    basis = rcs_basis(x, _state["knots"])
    name = str(x.name) if isinstance(x, pd.Series) and x.name is not None else "x"
    fields = [name + "'" * j for j in range(basis.shape[1])]
    return FactorValues(
        {f: basis[:, j] for j, f in enumerate(fields)},
        kind="numerical",
        spans_intercept=False,
        format="{name}{field}",
        encoded=False,
    )


def log_hr_curve(
    coef: np.ndarray | pd.Series,
    variance: np.ndarray | pd.DataFrame,
    *,
    knots: Sequence[float] | np.ndarray,
    at: Sequence[float] | np.ndarray,
    reference: float,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Log hazard ratio of a spline term at ``at`` relative to ``reference``, with pointwise CIs.

    Parameters
    ----------
    coef, variance
        The spline term's ``k − 1`` coefficients and their variance block (from a Cox fit).
    knots
        The spline's knots.
    at
        Values at which to evaluate the curve.
    reference
        The value with log hazard ratio 0.
    conf_level
        Level of the pointwise Wald intervals.

    Returns
    -------
    pandas.DataFrame
        ``x``, ``log_hr`` = ``(B(x) − B(ref)) β``, ``se`` = ``√(d V d')`` with ``d = B(x) −
        B(ref)``, ``lower``, ``upper`` (of the log hazard ratio), ``hr``.

    Examples
    --------
    >>> import numpy as np
    >>> curve = log_hr_curve(np.array([0.02, 0.001]), np.diag([1e-4, 1e-6]),
    ...                      knots=[0.0, 50.0, 100.0], at=[0.0, 50.0], reference=0.0)
    >>> curve[["x", "log_hr", "se"]].round(4).values.tolist()
    [[0.0, 0.0, 0.0], [50.0, 1.0125, 0.5002]]
    """
    b = np.asarray(coef, dtype=float)
    v = np.asarray(variance, dtype=float)
    xs = np.asarray(at, dtype=float)
    d = rcs_basis(xs, knots) - rcs_basis([reference], knots)
    if d.shape[1] != b.size or v.shape != (b.size, b.size):
        raise ConfigError(
            f"the spline has {d.shape[1]} columns but {b.size} coefficients / variance "
            f"{v.shape} were given"
        )
    est = d @ b
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", d, v, d), 0.0))
    z = float(norm.ppf(1 - (1 - conf_level) / 2))
    return pd.DataFrame(
        {
            "x": xs,
            "log_hr": est,
            "se": se,
            "lower": est - z * se,
            "upper": est + z * se,
            "hr": np.exp(est),
        }
    )
