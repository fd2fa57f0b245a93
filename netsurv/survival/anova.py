"""Per-term tests of a Cox model: joint Wald and likelihood-ratio tests of each term's columns.

A term is one covariate, or every column of one formula term (the ``k − 1`` dummies of a
``k``-level factor), so a three-level grade is tested on 2 df as R does.  Restricted models
hold the tested coefficients at 0 and re-maximise the others on the same rows.  With Firth's
penalty the restricted fits keep the full model's penalty ``½ log|I(β)|``, as R's ``coxphftest``
(and ``coxphf(adapt = ...)``) do, so the likelihood-ratio tests are penalised ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist

from netsurv.errors import ConfigError
from netsurv.survival._coxfit import newton_raphson
from netsurv.survival._firth import firth_newton
from netsurv.survival.cox import CoxResult


def _restricted_loglik(fit: CoxResult, free: np.ndarray) -> float:
    """Maximised (penalised) log-likelihood with the coefficients outside ``free`` at 0."""
    des = fit.design
    if fit.penalty == "firth":
        res = firth_newton(des.risk_sets, des.x, efron=des.efron, free=free)
        return res.at.penalised
    if not free.any():
        return fit.loglik_null
    names = [str(c) for c in np.asarray(fit.coefficients.index)[free]]
    sub = newton_raphson(des.risk_sets, des.x[:, free], efron=des.efron, names=names, warn=False)
    return sub.loglik


def _terms(fit: CoxResult) -> dict[str, list[int]]:
    return fit.design.terms or {c: [i] for i, c in enumerate(fit.coefficients.index)}


def term_tests(fit: CoxResult) -> pd.DataFrame:
    """Joint Wald and likelihood-ratio test of each term (all its columns = 0).

    Parameters
    ----------
    fit
        A result of :func:`netsurv.survival.cox`.

    Returns
    -------
    pandas.DataFrame
        Index: the terms; columns ``df`` (the term's columns), ``wald_chi2`` /
        ``wald_p`` (``b' V⁻¹ b`` on the term's block of the variance used for inference,
        robust when the fit is) and ``lr_chi2`` / ``lr_p`` (the term dropped from the full
        model: R ``drop1(fit, test = "Chisq")``; with Firth the penalised test of
        ``coxphftest(fit, test = ~ term)``).

    Examples
    --------
    >>> import pandas as pd
    >>> from netsurv.survival import cox
    >>> df = pd.DataFrame({"t": [5, 8, 3, 9, 12, 2, 7, 11, 4, 6],
    ...                    "e": [1, 1, 1, 0, 1, 1, 0, 1, 1, 1],
    ...                    "g": ["a", "b", "c", "a", "c", "b", "a", "b", "c", "a"]})
    >>> fit = cox(df, formula="C(g)", duration_col="t", event_col="e")
    >>> term_tests(fit)[["df", "lr_chi2"]].round(4)  # doctest: +NORMALIZE_WHITESPACE
          df  lr_chi2
    term
    C(g)   2   0.3657
    """
    beta = fit.coefficients["coef"].to_numpy()
    var = fit.variance.to_numpy()
    p = beta.size
    rows = []
    for term, cols in _terms(fit).items():
        idx = np.asarray(cols)
        b = beta[idx]
        wald = float(b @ np.linalg.solve(var[np.ix_(idx, idx)], b))
        free = np.ones(p, dtype=bool)
        free[idx] = False
        lr = max(2.0 * (fit.loglik - _restricted_loglik(fit, free)), 0.0)
        k = idx.size
        rows.append(
            {
                "term": term,
                "df": k,
                "wald_chi2": wald,
                "wald_p": float(chi2_dist.sf(wald, k)),
                "lr_chi2": lr,
                "lr_p": float(chi2_dist.sf(lr, k)),
            }
        )
    columns = ["term", "df", "wald_chi2", "wald_p", "lr_chi2", "lr_p"]
    return pd.DataFrame(rows, columns=columns).set_index("term")


def anova(fit: CoxResult) -> pd.DataFrame:
    """Likelihood-ratio tests of the terms added one by one (R ``anova(fit)``).

    Parameters
    ----------
    fit
        A result of :func:`netsurv.survival.cox`.

    Returns
    -------
    pandas.DataFrame
        Index ``NULL`` then the terms in formula order; columns ``loglik`` (of the model with
        the terms up to this one), ``chisq`` (twice its gain over the previous row), ``df``
        and ``p`` — R's ``loglik``, ``Chisq``, ``Df``, ``Pr(>|Chi|)``.  With Firth the
        log-likelihoods are penalised with the full model's penalty (R ``coxphf`` with
        ``adapt``).

    Raises
    ------
    netsurv.ConfigError
        For a fit with the robust (sandwich) variance — clustered rows or non-integer
        (sampling) weights — as R's ``anova.coxph`` ("Can't do anova tables with robust
        variances"): the likelihood-ratio statistics assume independent, frequency-weighted
        rows, which such a fit does not.  Its :func:`term_tests` (robust Wald tests) apply.

    Examples
    --------
    >>> import pandas as pd
    >>> from netsurv.survival import cox
    >>> df = pd.DataFrame({"t": [5, 8, 3, 9, 12, 2, 7, 11], "e": [1, 1, 1, 0, 1, 1, 0, 1],
    ...                    "x": [1, 0, 0, 1, 1, 0, 1, 0], "z": [3, 1, 4, 1, 5, 9, 2, 6]})
    >>> list(anova(cox(df, formula="x + z", duration_col="t", event_col="e")).index)
    ['NULL', 'x', 'z']
    """
    if fit.robust:
        raise ConfigError(
            "anova needs a fit with the model-based variance: this one is robust (clustered "
            "rows or non-integer weights), whose likelihood-ratio tests do not hold; R's "
            'anova.coxph refuses it too ("Can\'t do anova tables with robust variances"). '
            "Use term_tests() for robust Wald tests of each term, or refit with robust=False "
            "if the weights are frequencies"
        )
    p = fit.coefficients.shape[0]
    free = np.zeros(p, dtype=bool)
    rows = [{"term": "NULL", "loglik": fit.loglik_null, "chisq": np.nan, "df": 0, "p": np.nan}]
    prev = fit.loglik_null
    for term, cols in _terms(fit).items():
        free[np.asarray(cols)] = True
        ll = fit.loglik if free.all() else _restricted_loglik(fit, free.copy())
        chisq = max(2.0 * (ll - prev), 0.0)
        rows.append(
            {
                "term": term,
                "loglik": ll,
                "chisq": chisq,
                "df": len(cols),
                "p": float(chi2_dist.sf(chisq, len(cols))),
            }
        )
        prev = ll
    return pd.DataFrame(rows).set_index("term")


def lr_test(fit: CoxResult, columns: Sequence[str]) -> pd.Series:
    """Likelihood-ratio test that some coefficients are all 0, the others re-maximised.

    Parameters
    ----------
    fit
        A result of :func:`netsurv.survival.cox`.
    columns
        Names of the coefficients tested (rows of ``fit.coefficients``).

    Returns
    -------
    pandas.Series
        ``statistic``, ``df``, ``p_value``.  With Firth the penalised test of R's
        ``coxphftest(fit, test = ~ a + b)``; otherwise the nested models' LR test.

    Examples
    --------
    >>> import pandas as pd
    >>> from netsurv.survival import cox
    >>> df = pd.DataFrame({"t": [5, 8, 3, 9, 12, 2, 7, 11], "e": [1, 1, 1, 0, 1, 1, 0, 1],
    ...                    "x": [1, 0, 0, 1, 1, 0, 1, 0], "z": [3, 1, 4, 1, 5, 9, 2, 6]})
    >>> fit = cox(df, covariates=["x", "z"], duration_col="t", event_col="e", penalty="firth")
    >>> int(lr_test(fit, ["x", "z"])["df"])
    2
    """
    names = list(fit.coefficients.index)
    unknown = [c for c in columns if c not in names]
    if unknown or not columns:
        raise ConfigError(f"columns must name coefficients of the model {names}, got {unknown}")
    free = ~np.isin(names, list(columns))
    stat = max(2.0 * (fit.loglik - _restricted_loglik(fit, free)), 0.0)
    k = int((~free).sum())
    return pd.Series({"statistic": stat, "df": k, "p_value": float(chi2_dist.sf(stat, k))})
