"""The covariate columns a Cox model can fit: numeric, finite and named once; not constant in the
rows used (an error); not aliased among the subjects at risk at the event times (left out with
an NA coefficient and a warning, as R ``coxph``); and the standard errors of those fitted,
with a warning, never a numpy one, where the variance is numerically undefined.  Used by
:func:`netsurv.survival.cox`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.survival._coxfit import CoxConvergenceWarning, Derivatives, derivatives
from netsurv.survival._input import numeric_column
from netsurv.survival._risksets import RiskSets


def check_covariates(frame: pd.DataFrame, covariates: list[str]) -> np.ndarray:
    """The covariate columns as a numeric matrix; a missing, repeated, non-numeric or
    infinite column is a :class:`ConfigError` naming it.

    Examples
    --------
    >>> check_covariates(pd.DataFrame({"x": [1, 2], "y": [0.5, 1.0]}), ["x", "y"]).tolist()
    [[1.0, 0.5], [2.0, 1.0]]
    """
    if not covariates:
        raise ConfigError("covariates must name at least one column (or give formula='1')")
    dup = sorted({c for c in covariates if covariates.count(c) > 1})
    if dup:
        raise ConfigError(f"covariate(s) {dup} listed more than once")
    cols = [numeric_column(frame, c, role="covariate") for c in covariates]
    x = np.column_stack(cols)
    bad = ~np.isfinite(x).all(axis=0)
    if bad.any():
        raise ConfigError(f"covariate(s) {np.array(covariates)[bad].tolist()} have infinite values")
    return x


def check_constant(x: np.ndarray, names: list[str]) -> None:
    """A :class:`ConfigError` naming the covariates constant in the rows used.

    Examples
    --------
    >>> check_constant(np.array([[1.0, 2.0], [1.0, 3.0]]), ["a", "b"])
    Traceback (most recent call last):
    ...
    netsurv.errors.ConfigError: covariate(s) ['a'] are constant in the rows used
    """
    const = np.ptp(x, axis=0) == 0 if x.size else np.zeros(x.shape[1], dtype=bool)
    if const.any():
        raise ConfigError(
            f"covariate(s) {np.array(names)[const].tolist()} are constant in the rows used"
        )


def drop_aliased(
    rs: RiskSets, x: np.ndarray, names: list[str], *, efron: bool, null: Derivatives | None = None
) -> tuple[np.ndarray, list[str]]:
    """The covariate columns the partial likelihood can estimate, and their names.

    A column is aliased when, among the subjects at risk at the event times, it is a linear
    combination of the columns before it (e.g. a covariate level whose subjects have all left
    the risk sets before the first event): the information matrix is then singular whatever
    the coefficients, so the likelihood is flat in that direction.  As R ``coxph`` (its
    Cholesky pivot below ``toler.chol`` = eps^0.75 times the largest diagonal), such columns
    are left out of the fit and reported with an NA coefficient, with a warning naming them.
    ``null``: :func:`derivatives` at zero when already computed.
    """
    if not names:
        return x, names
    at0 = derivatives(rs, x, np.zeros(x.shape[1]), efron=efron) if null is None else null
    info = at0.information
    tol = np.finfo(float).eps ** 0.75 * max(float(np.max(np.diag(info))), 0.0)
    keep: list[int] = []
    for j in range(len(names)):
        # pivot of column j after the kept columns: the Schur complement
        a = info[np.ix_(keep, keep)]
        b = info[keep, j]
        pivot = info[j, j] - (b @ np.linalg.solve(a, b) if keep else 0.0)
        if pivot > tol:
            keep.append(j)
    if len(keep) == len(names):
        return x, names
    dropped = [nm for j, nm in enumerate(names) if j not in keep]
    warnings.warn(
        f"Cox model: covariate(s) {dropped} cannot be estimated: among the subjects at risk at "
        "the event times they are constant or a combination of the other covariates (e.g. a "
        "level whose subjects all leave follow-up before the first event), so the "
        "information matrix is singular; their coefficients are NA (as R coxph's \"X matrix "
        'deemed to be singular") and the model is fitted without them',
        CoxConvergenceWarning,
        stacklevel=3,
    )
    return x[:, keep], [names[j] for j in keep]


def standard_errors(var: np.ndarray, names: list[str]) -> np.ndarray:
    """Square roots of the variance diagonal; NaN, with a :class:`CoxConvergenceWarning`
    naming the coefficients, where it is negative or not finite (an information matrix so
    ill-conditioned that its inverse lost its sign: a numerical failure, not a result).

    Examples
    --------
    >>> standard_errors(np.array([[4.0, 0.0], [0.0, 0.25]]), ["a", "b"]).tolist()
    [2.0, 0.5]
    """
    d = np.diag(var).astype(float)
    bad = ~(np.isfinite(d) & (d >= 0))
    if bad.any():
        warnings.warn(
            f"Cox model: the variance of coefficient(s) {np.array(names)[bad].tolist()} is "
            "negative or not finite: the information matrix is numerically singular (nearly "
            "collinear covariates among the subjects at risk, or a diverging estimate); their "
            "standard errors are NaN",
            CoxConvergenceWarning,
            stacklevel=3,
        )
    return np.sqrt(np.where(bad, np.nan, d))
