"""Proportional-hazards check by scaled Schoenfeld residuals (R ``cox.zph``, survival >= 3.0)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist
from scipy.stats import rankdata

from netsurv._display import Displayable, View
from netsurv.errors import ConfigError
from netsurv.survival import _print
from netsurv.survival._coxfit import derivatives
from netsurv.survival._risksets import RiskSets
from netsurv.survival.cox import CoxResult

TRANSFORMS = ("km", "identity", "rank", "log")


@dataclass(frozen=True, repr=False)
class CoxZphResult(Displayable):
    """Score tests of proportional hazards and the scaled Schoenfeld residuals.

    Attributes
    ----------
    table : pandas.DataFrame
        Index: the terms (each covariate, or each formula term with all its columns tested
        jointly, R's ``terms = TRUE``) and ``GLOBAL``; columns ``chisq``, ``df``, ``p`` (R's
        ``cox.zph(fit)$table``).
    residuals : pandas.DataFrame
        One row per event: ``time``, ``transformed_time`` (R's ``x``), ``stratum``, and the
        scaled Schoenfeld residual of each covariate (R's ``y``: beta + residual scaled by the
        inverse of the average information; NaN for a covariate constant in the stratum).
        Plotted against ``transformed_time``, a smooth of each column estimates beta(t).
    transform : str
        The time transform used.

    Examples
    --------
    R's ``aml`` data; ``cox.zph(coxph(Surv(time, status) ~ x, data = aml))`` prints the same:

    >>> import pandas as pd
    >>> import netsurv as ns
    >>> aml = pd.DataFrame({  # R survival's aml data
    ...     "time": [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161,
    ...              5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45],
    ...     "status": [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
    ...     "x": ["Maintained"] * 11 + ["Nonmaintained"] * 12})
    >>> ns.survival.cox(aml, formula="x", duration_col="time", event_col="status").zph()
    <CoxZphResult: test of proportional hazards, global p= 0.929>
    time transform: km
              chisq df     p
    x       0.00788  1  0.93
    GLOBAL  0.00788  1  0.93
    """

    table: pd.DataFrame
    residuals: pd.DataFrame
    transform: str

    def summary(self) -> pd.DataFrame:
        """The tests per term and ``GLOBAL`` (R ``cox.zph(fit)$table``): a copy of :attr:`table`."""
        return self.table.copy()

    def _view(self) -> View:
        return _print.zph_view(self)


def _km_left(rs: RiskSets) -> np.ndarray:
    """1 − S(t−) at each row's time from an unweighted, unstratified KM (R ``survfitKM``)."""
    t, ev = rs.time, rs.event
    et, d = np.unique(t[ev], return_counts=True)
    at_risk = rs.n - np.searchsorted(np.sort(t), et, side="left")
    if rs.start is not None:
        at_risk = at_risk - (rs.n - np.searchsorted(np.sort(rs.start), et, side="left"))
    surv = np.cumprod(1.0 - d / at_risk)
    idx = np.searchsorted(et, t, side="left")  # number of event times strictly before t
    return 1.0 - np.concatenate([[1.0], surv])[idx]


def cox_zph(fit: CoxResult, *, transform: str = "km") -> CoxZphResult:
    """Test the proportional-hazards assumption of a Cox fit, as R's ``cox.zph``.

    For each covariate, the score test of adding ``x · g(t)`` to the model at the fitted
    coefficients (the survival >= 3.0 definition: the full information matrix of the enlarged
    model, Efron or Breslow as the fit), plus a global test of all covariates together.

    Parameters
    ----------
    fit
        A result of :func:`netsurv.survival.cox`.
    transform
        Time scale g(t): ``"km"`` (default; 1 − the left-continuous KM of all rows, unweighted
        and unstratified), ``"identity"``, ``"rank"`` (average ranks of all times) or ``"log"``.

    Returns
    -------
    CoxZphResult
        ``table`` (chisq, df, p per covariate and ``GLOBAL``) and ``residuals``.

    Examples
    --------
    >>> import pandas as pd
    >>> from netsurv.survival import cox
    >>> df = pd.DataFrame({"t": [5, 8, 3, 9, 12, 2, 7, 11], "e": [1, 1, 1, 0, 1, 1, 0, 1],
    ...                    "resp": [1, 0, 0, 1, 1, 0, 1, 0]})
    >>> zph = cox_zph(cox(df, covariates=["resp"], duration_col="t", event_col="e"))
    >>> list(zph.table.index), list(zph.table.columns)
    (['resp', 'GLOBAL'], ['chisq', 'df', 'p'])
    """
    if transform not in TRANSFORMS:
        raise ConfigError(f"transform must be one of {TRANSFORMS}, got {transform!r}")
    des = fit.design
    rs = des.risk_sets
    x = des.x
    beta = fit.coefficients["coef"].to_numpy()
    names = list(fit.coefficients.index)
    p = len(names)
    t = rs.time
    if transform == "km":
        tt = _km_left(rs)
    elif transform == "identity":
        tt = t.astype(float)
    elif transform == "rank":
        tt = rankdata(t)
    else:
        if (t <= 0).any():
            raise ConfigError("transform='log' needs all times > 0")
        tt = np.log(t)
    gtime = tt - tt[rs.event].mean()

    d = derivatives(rs, x, beta, efron=des.efron, per_group=True)
    if d.group_score is None or d.group_information is None or d.xbar is None:
        raise ConfigError("the model has no events")
    g_t = gtime[rs.death_rows[rs.death_first]]
    gi = d.group_information
    i11 = gi.sum(axis=0)
    i12 = np.einsum("g,gij->ij", g_t, gi)
    i22 = np.einsum("g,gij->ij", g_t**2, gi)
    imat = np.block([[i11, i12], [i12.T, i22]])
    u2 = g_t @ d.group_score
    u = np.concatenate([np.zeros(p), u2])
    terms = des.terms or {nm: [j] for j, nm in enumerate(names)}
    chisq = np.empty(len(terms) + 1)
    for k_term, cols in enumerate(terms.values()):
        kk = np.r_[np.arange(p), p + np.asarray(cols)]
        chisq[k_term] = u[kk] @ np.linalg.solve(imat[np.ix_(kk, kk)], u[kk])
    chisq[-1] = u @ np.linalg.solve(imat, u)
    df = np.array([*(len(c) for c in terms.values()), p], dtype=np.int64)
    table = pd.DataFrame(
        {"chisq": chisq, "df": df, "p": chi2_dist.sf(chisq, df)},
        index=pd.Index([*terms, "GLOBAL"], name="term"),
    )

    # scaled Schoenfeld residuals, R's algorithm (per-stratum "used" counts)
    dr = rs.death_rows
    grp = rs.death_group
    xmean = np.zeros((rs.group_time.size, p))
    np.add.at(xmean, grp, d.xbar)
    xmean /= rs.n_dead[:, None]
    sres = x[dr] - xmean[grp]
    d_strat = rs.stratum[dr]
    n_strata = int(rs.stratum.max()) + 1
    used = np.zeros((n_strata, p))
    for s in range(n_strata):
        rows = rs.stratum == s
        varies = np.ptp(x[rows], axis=0) > 0 if rows.any() else np.zeros(p, dtype=bool)
        used[s] = np.where(varies, np.sum(rs.event[rows]), 0)
    wtmat = np.minimum(used[:, :, None], used[:, None, :]).sum(axis=0)
    vmean = i11 / np.where(wtmat == 0, 1, wtmat)
    scaled = np.full_like(sres, np.nan)
    for s in range(n_strata):
        k = np.flatnonzero(used[s] > 0)
        rows = d_strat == s
        if k.size and rows.any():
            scaled[np.ix_(rows, k)] = np.linalg.solve(
                vmean[np.ix_(k, k)], sres[np.ix_(rows, k)].T
            ).T
    scaled += beta
    labels = np.asarray(des.stratum_labels, dtype=object)
    residuals = pd.DataFrame(
        {
            "time": t[dr],
            "transformed_time": tt[dr],
            "stratum": labels[d_strat],
            **{nm: scaled[:, j] for j, nm in enumerate(names)},
        }
    )
    return CoxZphResult(table=table, residuals=residuals, transform=transform)
