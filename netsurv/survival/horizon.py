"""Kaplan–Meier curves compared at a time horizon: RMST difference and ratio, milestone survival.

Two summaries that do not need proportional hazards, each group against a reference group:

* :func:`rmst_test` — restricted mean survival time up to τ (the area under the curve),
  compared by difference and by ratio, and the restricted mean time lost (τ − RMST) by ratio,
  as ``survRM2::rmst2`` (Uno et al. 2014; Royston and Parmar 2013).
* :func:`milestone_test` — survival at a fixed time t (milestone, landmark-time survival),
  compared by difference with Greenwood standard errors, and by the ratio of cumulative
  hazards (the complementary log-log test, Klein et al. 2007).

Both read the per-group estimates from :func:`netsurv.survival.kaplan_meier` (R ``survfit``),
so the group rows equal R's ``print(fit, rmean = τ)`` and ``summary(fit, times = t)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from netsurv._display import Displayable, View
from netsurv.errors import ConfigError
from netsurv.survival import _print
from netsurv.survival.km import KaplanMeierResult, kaplan_meier

CONTRAST_COLUMNS = [
    "group",
    "reference",
    "contrast",
    "estimate",
    "se",
    "lower",
    "upper",
    "z",
    "p_value",
]


@dataclass(frozen=True, repr=False)
class HorizonResult(Displayable):
    """Groups compared at a time horizon (RMST up to τ, or survival at a milestone).

    Attributes
    ----------
    groups : pandas.DataFrame
        One row per group: ``group``, ``time`` (τ or the milestone), ``estimate`` (RMST, or
        S(t)), ``se``, ``lower``, ``upper`` (CI on the estimate's scale: ``± z·se`` for RMST
        as survRM2, the curve's own band for survival) and, for RMST, ``rmtl`` (τ − RMST).
    contrasts : pandas.DataFrame
        One row per group other than the reference × contrast: ``group``, ``reference``,
        ``contrast``, ``estimate``, ``se``, ``lower``, ``upper``, ``z``, ``p_value``
        (two-sided Wald).  Differences (``"difference"``) have their SE on the same scale;
        ratios (``"ratio"``, ``"rmtl_ratio"``, ``"cumhaz_ratio"``) are given as ratios, with
        the SE of the log ratio and a CI exponentiated from the log scale (delta method).
    measure : str
        ``"rmst"`` or ``"milestone"``.
    time : float
        τ or the milestone time.
    reference : object
        The reference group.
    conf_level : float
        Confidence level.
    km : KaplanMeierResult
        The curves the estimates were read from.

    Examples
    --------
    R's ``aml`` data (``survRM2::rmst2`` lays its result out the same way):

    >>> import pandas as pd
    >>> import netsurv as ns
    >>> aml = pd.DataFrame({  # R survival's aml data
    ...     "time": [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161,
    ...              5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45],
    ...     "status": [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
    ...     "x": ["Maintained"] * 11 + ["Nonmaintained"] * 12})
    >>> ns.survival.rmst_test(aml, by="x", duration_col="time", event_col="status", tau=40)
    <HorizonResult: restricted mean survival time up to tau= 40, reference Maintained>
                           Est.     se lower .95 upper .95
    RMST (Maintained)     28.90  3.468     22.10     35.69
    RMST (Nonmaintained)  21.93  3.836     14.41     29.45
    Between-group contrasts
                                          Est. lower .95 upper .95      p
    RMST (Nonmaintained)-(Maintained)  -6.9672  -17.1016     3.167  0.178
    RMST (Nonmaintained)/(Maintained)   0.7589    0.5008     1.150  0.193
    RMTL (Nonmaintained)/(Maintained)   1.6275    0.7764     3.412  0.197
    """

    groups: pd.DataFrame
    contrasts: pd.DataFrame
    measure: str
    time: float
    reference: object
    conf_level: float
    km: KaplanMeierResult

    def summary(self) -> pd.DataFrame:
        """The between-group contrasts (the test): a copy of :attr:`contrasts`; the estimate of
        each group is :attr:`groups`.
        """
        return self.contrasts.copy()

    def _view(self) -> View:
        return _print.horizon_view(self)


def _curves(
    df: pd.DataFrame,
    *,
    by: str,
    duration_col: str,
    event_col: str,
    time: float,
    reference: object,
    weights_col: str | None,
    conf_level: float,
    argument: str,
) -> tuple[KaplanMeierResult, object]:
    """KM per group, the reference group, and the check that ``time`` is within follow-up."""
    if not (isinstance(time, int | float) and np.isfinite(time) and time > 0):
        raise ConfigError(f"{argument} must be a finite time > 0, got {time!r}")
    km = kaplan_meier(
        df,
        duration_col=duration_col,
        event_col=event_col,
        by=by,
        weights_col=weights_col,
        conf_level=conf_level,
    )
    groups = km.groups
    if len(groups) < 2:
        raise ConfigError(f"column {by!r} has {len(groups)} group; need >= 2 to compare")
    if reference is None:
        reference = groups[0]
    elif reference not in groups:
        raise ConfigError(f"reference={reference!r} is not a group of {by!r}: {groups}")
    last = km.table.groupby("group", sort=False)["time"].max()
    short = last[last < time]
    if not short.empty:
        g = short.index[0]
        raise ConfigError(
            f"{argument}={time:g} is beyond the last follow-up of group {g!r} of {by!r} "
            f"({short.iloc[0]:g}); the curve is unknown there.  Choose {argument} <= "
            f"{last.min():g} (the shortest group's last follow-up, as survRM2 requires)"
        )
    return km, reference


def _ratio_row(
    group: object,
    reference: object,
    contrast: str,
    num: float,
    den: float,
    se_log: float,
    z_crit: float,
) -> dict[str, object]:
    log_ratio = float(np.log(num / den)) if num > 0 and den > 0 else float("nan")
    z = log_ratio / se_log if se_log > 0 else float("nan")
    return {
        "group": group,
        "reference": reference,
        "contrast": contrast,
        "estimate": float(np.exp(log_ratio)),
        "se": se_log,
        "lower": float(np.exp(log_ratio - z_crit * se_log)),
        "upper": float(np.exp(log_ratio + z_crit * se_log)),
        "z": z,
        "p_value": float(2 * norm.sf(abs(z))),
    }


def _difference_row(
    group: object, reference: object, diff: float, se: float, z_crit: float
) -> dict[str, object]:
    z = diff / se if se > 0 else float("nan")
    return {
        "group": group,
        "reference": reference,
        "contrast": "difference",
        "estimate": diff,
        "se": se,
        "lower": diff - z_crit * se,
        "upper": diff + z_crit * se,
        "z": z,
        "p_value": float(2 * norm.sf(abs(z))),
    }


def rmst_test(
    df: pd.DataFrame,
    *,
    by: str,
    duration_col: str,
    event_col: str,
    tau: float,
    reference: object = None,
    weights_col: str | None = None,
    conf_level: float = 0.95,
) -> HorizonResult:
    """Restricted mean survival time up to τ: each group against a reference, by difference and
    ratio.

    Parameters
    ----------
    df
        One row per subject.
    by
        Grouping column (two or more groups).
    duration_col, event_col
        Follow-up time and 0/1 event indicator.
    tau
        Truncation time; at most the last follow-up time (event or censoring) of every group.
    reference
        The group the others are compared with (default: the first, in sorted or category
        order).
    weights_col
        Optional case weights (Greenwood's variance on the weighted counts).
    conf_level
        Confidence level.

    Returns
    -------
    HorizonResult
        ``groups`` (RMST, its SE and CI, RMTL per group) and ``contrasts``: ``difference``
        (RMST_g − RMST_ref), ``ratio`` (RMST_g / RMST_ref) and ``rmtl_ratio`` ((τ − RMST_g) /
        (τ − RMST_ref)).

    Notes
    -----
    The RMST of a group is the area under its Kaplan–Meier curve from 0 to τ and its variance
    ``Σ A_i² d_i / (n_i (n_i − d_i))`` over event times up to τ, ``A_i`` the area from ``t_i``
    to τ (R ``print(survfit(...), rmean = τ)``, ``survRM2::rmst2``).  Groups are independent,
    so the difference has variance ``V_g + V_ref``; the ratio's log has variance
    ``V_g / RMST_g² + V_ref / RMST_ref²`` (delta method), and likewise for the RMTL ratio with
    ``τ − RMST`` — the unadjusted contrasts of ``survRM2::rmst2`` (Uno et al., J Clin Oncol
    2014; Royston and Parmar, BMC Med Res Methodol 2013).  τ past a group's last follow-up
    raises a :class:`~netsurv.errors.ConfigError`, as survRM2 refuses it.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"months": [2, 3, 5, 7, 8, 10, 4, 6, 9, 12, 14, 15],
    ...                    "event": [1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1],
    ...                    "arm": ["a"] * 6 + ["b"] * 6})
    >>> res = rmst_test(df, by="arm", duration_col="months", event_col="event", tau=10)
    >>> res.groups[["group", "estimate"]].round(3).values.tolist()
    [['a', 6.389], ['b', 8.792]]
    >>> res.contrasts[["contrast", "estimate"]].round(3).values.tolist()
    [['difference', 2.403], ['ratio', 1.376], ['rmtl_ratio', 0.335]]
    """
    km, reference = _curves(
        df,
        by=by,
        duration_col=duration_col,
        event_col=event_col,
        time=tau,
        reference=reference,
        weights_col=weights_col,
        conf_level=conf_level,
        argument="tau",
    )
    z_crit = float(norm.ppf(1 - (1 - conf_level) / 2))
    groups = km.rmst(tau).rename(columns={"tau": "time"})
    groups["rmtl"] = float(tau) - groups["estimate"]
    est, se, rmtl = (groups[c].to_numpy(dtype=float) for c in ("estimate", "se", "rmtl"))
    r = km.groups.index(reference)
    rows = []
    for i, g in enumerate(km.groups):
        if i == r:
            continue
        v, v0 = se[i] ** 2, se[r] ** 2
        rows.append(_difference_row(g, reference, est[i] - est[r], np.sqrt(v + v0), z_crit))
        for contrast, value, value0 in (
            ("ratio", est[i], est[r]),
            ("rmtl_ratio", rmtl[i], rmtl[r]),
        ):
            with np.errstate(divide="ignore", invalid="ignore"):
                se_log = float(np.sqrt(v / value**2 + v0 / value0**2))
            rows.append(_ratio_row(g, reference, contrast, value, value0, se_log, z_crit))
    return HorizonResult(
        groups=groups,
        contrasts=pd.DataFrame(rows, columns=CONTRAST_COLUMNS),
        measure="rmst",
        time=float(tau),
        reference=reference,
        conf_level=float(conf_level),
        km=km,
    )


def milestone_test(
    df: pd.DataFrame,
    *,
    by: str,
    duration_col: str,
    event_col: str,
    time: float,
    reference: object = None,
    weights_col: str | None = None,
    conf_level: float = 0.95,
) -> HorizonResult:
    """Survival at a milestone time: each group against a reference, by difference and by the
    ratio of cumulative hazards.

    Parameters
    ----------
    df
        One row per subject.
    by
        Grouping column (two or more groups).
    duration_col, event_col
        Follow-up time and 0/1 event indicator.
    time
        The milestone; at most the last follow-up time of every group.
    reference
        The group the others are compared with (default: the first).
    weights_col
        Optional case weights.
    conf_level
        Confidence level.

    Returns
    -------
    HorizonResult
        ``groups`` (S(t), Greenwood SE, the curve's CI) and ``contrasts``: ``difference``
        (S_g(t) − S_ref(t), SE ``sqrt(se_g² + se_ref²)``) and ``cumhaz_ratio``
        (``log S_g(t) / log S_ref(t)``, tested on the log scale with SE
        ``sqrt(σ_g² + σ_ref²)``, ``σ = se / (S |log S|)`` — the complementary log-log test,
        whose size is closer to nominal in small samples, Klein et al., Stat Med 2007).

    Notes
    -----
    S(t) and its standard error are R's ``summary(survfit(...), times = t)`` (``surv``,
    ``std.err``): Greenwood's, or with a non-integer case weight the robust (infinitesimal
    jackknife) one, as :func:`netsurv.survival.kaplan_meier` and R decide.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"months": [2, 3, 5, 7, 8, 10, 4, 6, 9, 12, 14, 15],
    ...                    "event": [1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1],
    ...                    "arm": ["a"] * 6 + ["b"] * 6})
    >>> res = milestone_test(df, by="arm", duration_col="months", event_col="event", time=6)
    >>> res.contrasts[["contrast", "estimate"]].round(3).values.tolist()
    [['difference', 0.167], ['cumhaz_ratio', 0.45]]
    """
    km, reference = _curves(
        df,
        by=by,
        duration_col=duration_col,
        event_col=event_col,
        time=time,
        reference=reference,
        weights_col=weights_col,
        conf_level=conf_level,
        argument="time",
    )
    z_crit = float(norm.ppf(1 - (1 - conf_level) / 2))
    at = km.survival_at([time])
    groups = pd.DataFrame(
        {
            "group": at["group"],
            "time": float(time),
            "estimate": at["surv"],
            "se": at["std_err"],
            "lower": at["lower"],
            "upper": at["upper"],
        }
    )
    surv, std = groups["estimate"].to_numpy(dtype=float), groups["se"].to_numpy(dtype=float)
    r = km.groups.index(reference)
    s0, se0 = surv[r], std[r]
    rows = []
    for i, g in enumerate(km.groups):
        if i == r:
            continue
        s, se = surv[i], std[i]
        rows.append(_difference_row(g, reference, s - s0, float(np.hypot(se, se0)), z_crit))
        with np.errstate(divide="ignore", invalid="ignore"):
            sigma = se / (s * abs(np.log(s)))
            sigma0 = se0 / (s0 * abs(np.log(s0)))
            se_log = float(np.hypot(sigma, sigma0))
        rows.append(
            _ratio_row(g, reference, "cumhaz_ratio", -np.log(s), -np.log(s0), se_log, z_crit)
        )
    return HorizonResult(
        groups=groups,
        contrasts=pd.DataFrame(rows, columns=CONTRAST_COLUMNS),
        measure="milestone",
        time=float(time),
        reference=reference,
        conf_level=float(conf_level),
        km=km,
    )
