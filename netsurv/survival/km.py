"""Kaplan–Meier estimates with R ``survfit``'s conventions: CIs, medians, RMST, at-risk tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from netsurv._display import Displayable, View
from netsurv.errors import ConfigError
from netsurv.survival import _print
from netsurv.survival._curve import (
    CONF_TYPES,
    ConfType,
    _minmin,
    at_risk_at,
    confidence_limits,
    counts_upto,
    restricted_mean,
    values_at,
)
from netsurv.survival._input import as_list, group_codes, prepare

TABLE_COLUMNS = [
    "group",
    "time",
    "n_risk",
    "n_event",
    "n_censor",
    "surv",
    "std_err",
    "lower",
    "upper",
]


@dataclass(frozen=True, repr=False)
class KaplanMeierResult(Displayable):
    """Kaplan–Meier curves, one per group, with R ``survfit``'s conventions.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group × distinct time (event or censoring), as R's ``survfit`` object:
        ``group``, ``time``, ``n_risk`` (weighted number with time >= t), ``n_event``,
        ``n_censor``, ``surv``, ``std_err`` and the pointwise limits ``lower`` / ``upper``.
        ``std_err`` is Greenwood's standard error **on the survival scale**, i.e. what
        ``summary(fit)`` prints (``fit$std.err * fit$surv``); R's ``fit$std.err`` itself is on
        the cumulative-hazard (log) scale.  Where S = 0 it is NaN (R: ``0 * Inf``).
    medians : pandas.DataFrame
        One row per group: ``group``, ``records`` (rows used), ``n`` (weighted number at
        risk at the start, R's ``n.max``), ``events`` (weighted), ``median``, ``lower``,
        ``upper``, read off the curve and the confidence band as R's ``print.survfit``.
    conf_type : str
        ``"log"``, ``"log-log"`` or ``"plain"``.
    conf_level : float
        Confidence level of all intervals.
    by : str, list of str or None
        The grouping column(s), ``None`` for a single curve (``group`` is then ``"all"``).
        With several columns the groups are their combinations present in the data, labelled
        as R's ``names(fit$strata)`` (``"sex=1, grade=G2"``; first column varying slowest).
    n_dropped : int
        Rows dropped because a used column was missing.
    robust : bool
        Whether ``std_err`` and the limits use the robust (infinitesimal jackknife) variance.

    Examples
    --------
    R's ``aml`` data; ``print(survfit(Surv(time, status) ~ x, data = aml))`` prints the same
    table:

    >>> import pandas as pd
    >>> import netsurv as ns
    >>> aml = pd.DataFrame({  # R survival's aml data
    ...     "time": [9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161,
    ...              5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45],
    ...     "status": [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1],
    ...     "x": ["Maintained"] * 11 + ["Nonmaintained"] * 12})
    >>> ns.survival.kaplan_meier(aml, duration_col="time", event_col="status", by="x")
    <KaplanMeierResult: 2 curves by x, n= 23, events= 18>
    95% CI: log
                    n events median 0.95LCL 0.95UCL
    Maintained     11      7     31      18      NA
    Nonmaintained  12     11     23       8      NA
    """

    table: pd.DataFrame
    medians: pd.DataFrame
    conf_type: str
    conf_level: float
    by: str | list[str] | None
    n_dropped: int
    robust: bool = False

    @property
    def groups(self) -> list[object]:
        """Group labels in table order."""
        return list(self.medians["group"])

    def _curve(self, group: object) -> pd.DataFrame:
        return self.table[self.table["group"] == group]

    def survival_at(self, times: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """Survival and its confidence limits at chosen times (R ``summary(fit, times)``).

        Parameters
        ----------
        times
            Times at which to read the curves.  Before a curve's first time S = 1 with limits
            1 (as R's ``summary``, also for log-log); after the last time the last value is
            carried forward (R's ``extend = TRUE``).

        Returns
        -------
        pandas.DataFrame
            ``group``, ``time``, ``n_risk`` (number with time >= t), ``surv``, ``std_err``,
            ``lower``, ``upper``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 0, 1, 1]})
        >>> kaplan_meier(df, duration_col="t", event_col="e").survival_at([2.5])["surv"].item()
        0.75
        """
        t = np.asarray(times, dtype=float)
        out = []
        for g in self.groups:
            cur = self._curve(g)
            ct = cur["time"].to_numpy()
            cols = ("surv", "std_err", "lower", "upper")
            read = values_at(
                ct,
                {c: cur[c].to_numpy() for c in cols},
                t,
                before={"surv": 1.0, "std_err": 0.0, "lower": 1.0, "upper": 1.0},
            )
            n_risk = at_risk_at(ct, cur["n_risk"].to_numpy(), t)
            out.append(pd.DataFrame({"group": g, "time": t, "n_risk": n_risk, **read}))
        return pd.concat(out, ignore_index=True)

    def risk_table(self, times: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """Numbers at risk, cumulative events and cumulative censorings at chosen times.

        Parameters
        ----------
        times
            Times of the table's columns (e.g. the x ticks of a KM plot).

        Returns
        -------
        pandas.DataFrame
            ``group``, ``time``, ``n_risk`` (subjects with time >= t), ``n_events`` (events
            at times <= t) and ``n_censored`` (censorings at times <= t).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 0, 1, 1]})
        >>> kaplan_meier(df, duration_col="t", event_col="e").risk_table([0, 2, 5])
          group  time  n_risk  n_events  n_censored
        0   all   0.0       4         0           0
        1   all   2.0       3         1           1
        2   all   5.0       0         3           1
        """
        t = np.asarray(times, dtype=float)
        out = []
        for g in self.groups:
            cur = self._curve(g)
            ct = cur["time"].to_numpy()
            dtype = np.int64 if pd.api.types.is_integer_dtype(cur["n_risk"]) else np.float64
            upto = counts_upto(ct, cur[["n_event", "n_censor"]].to_numpy(), t).astype(dtype)
            n_risk = at_risk_at(ct, cur["n_risk"].to_numpy(), t).astype(dtype)
            out.append(
                pd.DataFrame(
                    {
                        "group": g,
                        "time": t,
                        "n_risk": n_risk,
                        "n_events": upto[:, 0],
                        "n_censored": upto[:, 1],
                    }
                )
            )
        return pd.concat(out, ignore_index=True)

    def rmst(self, tau: float) -> pd.DataFrame:
        """Restricted mean survival time up to ``tau``, with standard error and CI.

        The estimate is the area under the KM step function from ``min(0, first time)`` to
        ``tau`` and the variance is ``Σ_i A_i² d_i / (n_i (n_i − d_i))`` over event times
        ``t_i <= tau`` (``A_i`` = area from ``t_i`` to ``tau``), exactly as R's
        ``print(fit, rmean = tau)`` (``survival:::survmean``) and ``survRM2::rmst2``; the CI is
        ``estimate ± z·se`` as in survRM2.  When ``tau`` is past the last time the last value
        of the curve is carried forward (R does the same; survRM2 refuses).

        Parameters
        ----------
        tau
            Truncation time.

        Returns
        -------
        pandas.DataFrame
            ``group``, ``tau``, ``estimate``, ``se``, ``lower``, ``upper``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 1, 1, 1]})
        >>> kaplan_meier(df, duration_col="t", event_col="e").rmst(4)["estimate"].item()
        2.5
        """
        z = float(norm.ppf(1 - (1 - self.conf_level) / 2))
        start = min(0.0, float(self.table["time"].min()))
        rows = []
        for g in self.groups:
            cur = self._curve(g)
            est, se = restricted_mean(
                *(cur[c].to_numpy(dtype=float) for c in ("time", "surv", "n_risk", "n_event")),
                tau=tau,
                start=start,
            )
            rows.append(
                {
                    "group": g,
                    "tau": float(tau),
                    "estimate": est,
                    "se": se,
                    "lower": est - z * se,
                    "upper": est + z * se,
                }
            )
        return pd.DataFrame(rows)

    def summary(self) -> pd.DataFrame:
        """Median survival with its confidence interval per curve (R ``print(survfit)``).

        A copy of :attr:`medians`: ``group``, ``records``, ``n``, ``events``, ``median``,
        ``lower``, ``upper``.
        """
        return self.medians.copy()

    def _view(self) -> View:
        return _print.km_view(self)


def kaplan_meier(
    df: pd.DataFrame,
    *,
    duration_col: str,
    event_col: str,
    by: str | Sequence[str] | None = None,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
    weights_col: str | None = None,
    robust: bool | None = None,
) -> KaplanMeierResult:
    """Kaplan–Meier survival curves with R ``survfit``'s confidence intervals and medians.

    Parameters
    ----------
    df
        One row per subject.
    duration_col
        Follow-up time (>= 0).
    event_col
        1 (or True) for an event, 0 for censoring.
    by
        Optional grouping column(s): one curve per value (sorted, or in category order), or
        per combination of several columns present in the data, labelled as R's
        ``survfit(Surv(t, e) ~ a + b)`` strata (``"a=1, b=x"``).
    conf_type
        Transform for the pointwise confidence interval: ``"log"`` (R's default,
        ``exp(log S ± z·se)``), ``"log-log"`` or ``"plain"`` (``S ± z·se·S``, clipped to [0, 1]).
        **lifelines differs:** its default interval is log-log (R's ``conf.type = "log-log"``),
        so lifelines' default bands and median CIs do not match R's default output; pass
        ``conf_type="log-log"`` here to reproduce lifelines.
    conf_level
        Confidence level (0.95).
    weights_col
        Optional case weights: weighted counts.
    robust
        Variance of the curve: Greenwood's on the (weighted) counts (False), or the robust
        infinitesimal-jackknife variance ``Σ_i (w_i ∂S(t)/∂w_i)²`` (True; R
        ``survfit(..., robust = TRUE)``, ``std.err`` then on the survival scale).  Default
        (None): robust when some case weight is not an integer, as R's survival 3.x decides
        (integer weights are taken as frequencies, others as sampling weights).  Medians'
        CIs follow from the bands; the RMST's standard error stays Greenwood's, as R's
        ``print(fit, rmean = )``.

    Returns
    -------
    KaplanMeierResult
        ``table`` (the curves), ``medians`` and methods ``survival_at``, ``rmst`` and
        ``risk_table``.

    Notes
    -----
    Ties: events are counted before censorings at the same time (censored subjects are still
    at risk at their censoring time).  The median is the first time with S(t) <= 0.5; if S is
    exactly 0.5 (within 1.5e-8) over a flat stretch the median is the midpoint of that stretch,
    and the CI limits are read the same way from the lower and upper bands (R's
    ``print.survfit``).  A group whose band never reaches 0.5 has a NaN limit (R: ``NA``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"months": [2, 3, 3, 5, 8, 9], "event": [1, 1, 0, 1, 0, 1],
    ...                    "arm": ["a", "a", "a", "b", "b", "b"]})
    >>> km = kaplan_meier(df, duration_col="months", event_col="event", by="arm")
    >>> km.medians[["group", "n", "events", "median"]]
      group  n  events  median
    0     a  3       2     3.0
    1     b  3       2     9.0
    """
    if conf_type not in CONF_TYPES:
        raise ConfigError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
    if not 0 < conf_level < 1:
        raise ConfigError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    by_cols = as_list(by)
    prep = prepare(
        df,
        duration_col=duration_col,
        event_col=event_col,
        weights_col=weights_col,
        other_cols=by_cols,
    )
    if not by_cols:
        codes = np.zeros(len(prep.time), dtype=np.int64)
        labels: list[object] = ["all"]
    else:
        codes, labels = group_codes(prep.frame[by_cols], r_labels=True)
    weighted = weights_col is not None
    if robust is None:
        robust = bool(np.any(prep.weights != np.floor(prep.weights)))
    tables = []
    medians = []
    for k, label in enumerate(labels):
        sel = codes == k
        time, event, w = prep.time[sel], prep.event[sel], prep.weights[sel]
        ut, inv = np.unique(time, return_inverse=True)
        n_event = np.bincount(inv, weights=w * event, minlength=ut.size)
        n_censor = np.bincount(inv, weights=w * ~event, minlength=ut.size)
        n_risk = np.cumsum((n_event + n_censor)[::-1])[::-1]
        with np.errstate(invalid="ignore", divide="ignore"):
            surv = np.cumprod(1.0 - n_event / n_risk)
            term = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
            cum = np.cumsum(term)
            se_log = np.sqrt(
                _jackknife_var(cum, inv, event, w, n_risk - n_event) if robust else cum
            )
            std_err = surv * se_log
        lower, upper = confidence_limits(surv, se_log, conf_type=conf_type, conf_level=conf_level)
        counts = {"n_risk": n_risk, "n_event": n_event, "n_censor": n_censor}
        if not weighted:
            counts = {key: np.rint(v).astype(np.int64) for key, v in counts.items()}
        tables.append(
            pd.DataFrame(
                {
                    "group": [label] * ut.size,
                    "time": ut,
                    **counts,
                    "surv": surv,
                    "std_err": std_err,
                    "lower": lower,
                    "upper": upper,
                }
            )
        )
        medians.append(
            {
                "group": label,
                "records": int(sel.sum()),
                "n": counts["n_risk"][0],
                "events": counts["n_event"].sum(),
                "median": _minmin(surv, ut),
                "lower": _minmin(lower, ut),
                "upper": _minmin(upper, ut),
            }
        )
    return KaplanMeierResult(
        table=pd.concat(tables, ignore_index=True)[TABLE_COLUMNS],
        medians=pd.DataFrame(medians),
        conf_type=conf_type,
        conf_level=float(conf_level),
        by=by if by is None or isinstance(by, str) else by_cols,
        n_dropped=prep.n_dropped,
        robust=robust,
    )


def _jackknife_var(
    cum: np.ndarray, inv: np.ndarray, event: np.ndarray, w: np.ndarray, survivors: np.ndarray
) -> np.ndarray:
    """Infinitesimal-jackknife variance of log S at each distinct time (R ``robust = TRUE``).

    Subject i's influence on log S(t) is ``H(min(t_i, t)) − δ_i [t_i <= t] / (n_i − d_i)``,
    ``H(t) = Σ_{t_k <= t} d_k / (n_k (n_k − d_k))``; the variance is ``Σ_i w_i² influence²``,
    a cumulative sum over the subjects already out plus ``H(t)² Σ w_i²`` over those still at
    risk after t.
    """
    nt = cum.size
    with np.errstate(invalid="ignore", divide="ignore"):
        b = cum[inv] - np.where(event, 1.0 / survivors[inv], 0.0)
    w2 = w * w
    out = np.cumsum(np.bincount(inv, weights=w2 * b * b, minlength=nt))
    later = np.cumsum(np.bincount(inv, weights=w2, minlength=nt)[::-1])[::-1]
    later = np.append(later[1:], 0.0)
    return out + cum**2 * later
