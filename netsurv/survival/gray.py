"""Gray's test: equality of the cumulative incidence of one cause across groups (``cmprsk::cuminc``).

Gray (1988) compares weighted averages of the subdistribution hazards of a cause, with weight
``(1 − F(t−))^ρ`` (ρ = 0 by default), F the pooled cumulative incidence of the cause.  The
score and its variance (which accounts for the competing causes through each group's
Kaplan–Meier and cumulative incidence) are those of ``cmprsk``'s ``crstm``, computed here over
arrays of distinct times × groups (× groups) rather than a loop; stratified tests add the
scores and variances of the strata.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist

from netsurv._display import Displayable, View
from netsurv.errors import ConfigError
from netsurv.survival import _print
from netsurv.survival._causes import cause_codes, check_causes, prepare_competing
from netsurv.survival._input import as_list, group_codes


@dataclass(frozen=True, repr=False)
class GrayTestResult(Displayable):
    """Gray's K-sample test for each cause.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per cause: ``cause``, ``statistic``, ``df`` (groups − 1), ``p_value`` — R's
        ``cuminc(...)$Tests`` (``stat``, ``df``, ``pv``).  The statistic is NaN where the
        variance matrix is singular (R reports ``-1``).
    scores : pandas.DataFrame
        The score of every group but the last, one row per cause (columns: groups).
    groups : list
        Group labels (sorted, or in category order).
    rho : float
        Power of the weight ``(1 − F(t−))^ρ``.
    strata : list of str
        Stratification columns.
    n_dropped : int
        Rows dropped because a used column was missing.

    Examples
    --------
    >>> import pandas as pd
    >>> import netsurv as ns
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ...                    "status": [1, 1, 2, 0, 1, 2, 2, 1, 0, 2],
    ...                    "arm": ["a", "a", "a", "a", "a", "b", "b", "b", "b", "b"]})
    >>> ns.survival.gray_test(df, by="arm", duration_col="t", event_col="status")
    <GrayTestResult: Gray's test across 2 groups, rho= 0>
               stat      pv df
    cause 1  4.5623  0.0327  1
    cause 2  0.9584  0.3276  1
    """

    table: pd.DataFrame
    scores: pd.DataFrame
    groups: list[object]
    rho: float
    strata: list[str]
    n_dropped: int

    def summary(self) -> pd.DataFrame:
        """The test per cause (R ``cuminc(...)$Tests``): a copy of :attr:`table`."""
        return self.table.copy()

    def _view(self) -> View:
        return _print.gray_view(self)


def _score_variance(
    time: np.ndarray, status: np.ndarray, group: np.ndarray, n_groups: int, rho: float
) -> tuple[np.ndarray, np.ndarray]:
    """Score and variance (all groups) of one stratum; ``status`` 0 censored, 1 the cause of
    interest, 2 another cause."""
    ut, idx = np.unique(time, return_inverse=True)
    nt, ng = ut.size, n_groups
    cell = idx * ng + group

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(cell, weights=mask.astype(float), minlength=nt * ng).reshape(nt, ng)

    d1, d2 = count(status == 1), count(status == 2)
    rs = np.cumsum(count(np.ones(time.size, dtype=bool))[::-1], axis=0)[::-1]
    pos = rs > 0
    rs_safe = np.where(pos, rs, 1.0)
    skm = np.cumprod(np.where(pos, (rs - d1 - d2) / rs_safe, 1.0), axis=0)
    skmm = np.vstack([np.ones((1, ng)), skm[:-1]])  # left-continuous group KM
    skmm_safe = np.where(pos, skmm, 1.0)  # positive wherever someone is at risk
    f1 = np.cumsum(np.where(pos, skmm * d1 / rs_safe, 0.0), axis=0)
    f1m = np.vstack([np.zeros((1, ng)), f1[:-1]])  # left-continuous group CIF
    t1 = np.where(pos, rs / skmm_safe, 0.0)
    tr = t1.sum(axis=1)
    tq = np.where(pos, rs * (1.0 - f1m) / skmm_safe, 0.0).sum(axis=1)
    nd1, nd2 = d1.sum(axis=1), d2.sum(axis=1)
    fail = nd1 + nd2 > 0
    inc = np.where(fail, nd1 / np.where(fail, tr, 1.0), 0.0)
    f = np.cumsum(inc)  # pooled CIF of the cause (right-continuous)
    fm = f - inc
    # from here on, the times with a failure of any cause
    at = np.flatnonzero(fail)
    d1, d2, rs, skm, skmm, f1m, t1 = (x[at] for x in (d1, d2, rs, skm, skmm_safe, f1m, t1))
    risk = pos[at]
    tr, tq, nd1, f, fm = (x[at] for x in (tr, tq, nd1, f, fm))
    rs_safe = np.where(risk, rs, 1.0)

    fb = (1.0 - fm) ** rho
    # a_t = fb (diag(t1) − t1 t1ᵀ / tr); c accumulates a_t · nd1 / (tr (1 − F(t−)))
    a = fb[:, None, None] * (
        t1[:, :, None] * np.eye(ng) - t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.cumsum(a * (nd1 / (tr * (1.0 - fm)))[:, None, None], axis=0)
        share = np.where(risk, rs * (1.0 - f1m) / (skmm * tq[:, None]), 0.0)
    score = (fb[:, None] * np.where(risk, d1 - nd1[:, None] * share, 0.0)).sum(axis=0)

    # events of the cause: each group's jump of F, with the tie correction of crstm
    with np.errstate(divide="ignore", invalid="ignore"):
        on1 = (nd1[:, None] > 0) & risk
        t4 = np.where(on1, np.where(skm > 0, 1.0 - (1.0 - f[:, None]) / skm, 1.0), 0.0)
        t5 = np.where(
            nd1[:, None] > 1, 1.0 - (nd1[:, None] - 1.0) / (tr[:, None] * skmm - 1.0), 1.0
        )
        t3 = np.where(on1, t5 * skmm * nd1[:, None] / (tr[:, None] * rs_safe), 0.0)
    m1 = a - t4[:, None, :] * c
    var = np.einsum("tik,tjk,tk->ij", m1, m1, t3)
    v2 = np.einsum("tik,tk->ik", m1, t4 * t3)
    v3 = (t4 * t4 * t3).sum(axis=0)
    # events of the other causes
    with np.errstate(divide="ignore", invalid="ignore"):
        on2 = (skm > 0) & (d2 > 0)
        t4 = np.where(on2, (1.0 - f[:, None]) / np.where(on2, skm, 1.0), 0.0)
        t5 = np.where(d2 > 1, 1.0 - (d2 - 1.0) / (rs - 1.0), 1.0)
        t3 = np.where(on2, t5 * skmm**2 * d2 / rs_safe**2, 0.0)
    m2 = t4[:, None, :] * c
    var += np.einsum("tik,tjk,tk->ij", m2, m2, t3)
    v2 -= np.einsum("tik,tk->ik", m2, t4 * t3)
    v3 += (t4 * t4 * t3).sum(axis=0)
    c_end = c[-1] if c.shape[0] else np.zeros((ng, ng))
    var += (c_end * v3) @ c_end.T + c_end @ v2.T + v2 @ c_end.T
    return score, var


def _statistic(s: np.ndarray, v: np.ndarray, labels: list[object], cause: int) -> tuple[float, int]:
    """Gray's statistic ``s' V⁻¹ s`` over the groups with information, and its degrees of freedom.

    A group none of whose subjects is at risk at an event time (all censored before the first
    event, say) has a zero score and zero variance: it carries no information, so, as R
    ``survdiff`` does for the log-rank test, it is left out and the degrees of freedom are the
    informative groups − 1, with a warning naming it (``cmprsk::cuminc`` reports no test there:
    its statistic −1, p-value 1).  Fewer than two informative groups, or a variance still
    singular, give NaN with a warning.
    """
    diag = np.diag(v)
    informative = diag > np.finfo(float).eps ** 0.75 * max(float(diag.max()), 0.0)
    out = [str(g) for g, inf in zip(labels, informative, strict=True) if not inf]
    n_inf = int(informative.sum())
    if out:
        warnings.warn(
            f"Gray's test of cause {cause}: group(s) {out} have no subject at risk at any event "
            f"time, so they carry no information and are left out (df = {max(n_inf - 1, 0)})",
            stacklevel=3,
        )
    if n_inf < 2:
        return float("nan"), 0
    s1 = s[informative][:-1]
    v1 = v[np.ix_(informative, informative)][:-1, :-1]
    if np.linalg.matrix_rank(v1) < n_inf - 1:
        warnings.warn(
            f"Gray's test of cause {cause}: the variance of the scores is singular (groups "
            f"{[str(g) for g in np.asarray(labels, dtype=object)[informative]]}); no statistic",
            stacklevel=3,
        )
        return float("nan"), n_inf - 1
    return float(s1 @ np.linalg.solve(v1, s1)), n_inf - 1


def gray_test(
    df: pd.DataFrame,
    *,
    by: str | Sequence[str],
    duration_col: str,
    event_col: str,
    causes: int | Sequence[int] | None = None,
    rho: float = 0.0,
    strata: str | Sequence[str] | None = None,
) -> GrayTestResult:
    """Gray's test of equal cumulative incidence across groups, per cause (R ``cmprsk::cuminc``).

    Parameters
    ----------
    df
        One row per subject.
    by
        Grouping column, or columns whose combinations are the groups (two or more;
        labelled as R's strata, ``"sex=F, grade=G1"``).
    duration_col
        Time to the first event of any cause, or to censoring.
    event_col
        0 for censored, else the cause code 1..k.
    causes
        Cause code(s) to test (default: every code present).
    rho
        Power of the weight ``(1 − F(t−))^ρ`` (>= 0; R's ``rho``, default 0).
    strata
        Optional stratification column(s): scores and variances are summed over strata
        (R's ``strata``).

    Returns
    -------
    GrayTestResult
        ``table`` with the statistic, degrees of freedom and p-value of each cause.

    Notes
    -----
    Unweighted, as ``cmprsk``: no case weights.  The statistic is ``s' V⁻¹ s`` over all
    groups but the last, on groups − 1 degrees of freedom.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ...                    "status": [1, 1, 2, 0, 1, 2, 2, 1, 0, 2],
    ...                    "arm": ["a", "a", "a", "a", "a", "b", "b", "b", "b", "b"]})
    >>> res = gray_test(df, by="arm", duration_col="t", event_col="status")
    >>> res.table[["cause", "df"]].values.tolist()
    [[1, 1], [2, 1]]
    >>> round(res.table["p_value"].iloc[0], 3)
    np.float64(0.033)
    """
    if not (isinstance(rho, int | float) and np.isfinite(rho) and rho >= 0):
        raise ConfigError(f"rho must be a finite number >= 0 (the weight (1 - F)^rho), got {rho!r}")
    strata_cols = as_list(strata)
    prep = prepare_competing(
        df, duration_col=duration_col, event_col=event_col, other_cols=[*as_list(by), *strata_cols]
    )
    codes_all = cause_codes(prep)
    wanted = check_causes(codes_all, causes, event_col=event_col)
    group, labels = group_codes(prep.frame[as_list(by)], r_labels=True)
    k = len(labels)
    if k < 2:
        raise ConfigError(f"column {by!r} has {k} group after dropping missing values; need >= 2")
    if strata_cols:
        s_codes, s_labels = group_codes(prep.frame[strata_cols])
    else:
        s_codes, s_labels = np.zeros(group.size, dtype=np.int64), [None]
    rows, scores = [], []
    for cause in wanted:
        status = np.where(codes_all == cause, 1, np.where(codes_all == 0, 0, 2))
        s = np.zeros(k)
        v = np.zeros((k, k))
        for st in range(len(s_labels)):
            sel = s_codes == st
            s_st, v_st = _score_variance(prep.time[sel], status[sel], group[sel], k, float(rho))
            s += s_st
            v += v_st
        stat, dof = _statistic(s, v, labels, cause)
        rows.append(
            {
                "cause": cause,
                "statistic": stat,
                "df": dof,
                "p_value": float(chi2_dist.sf(stat, dof)) if dof > 0 else float("nan"),
            }
        )
        scores.append(pd.Series(s[:-1], index=labels[:-1], name=cause))
    return GrayTestResult(
        table=pd.DataFrame(rows),
        scores=pd.DataFrame(scores).rename_axis("cause"),
        groups=list(labels),
        rho=float(rho),
        strata=strata_cols,
        n_dropped=prep.n_dropped,
    )
