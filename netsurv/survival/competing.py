"""Cumulative incidence under competing risks: the Aalen–Johansen estimator, per group and cause.

With causes 1..k competing (progression and death without progression, say), the probability
of having failed from cause j by time t is the cumulative incidence function (CIF)

    F_j(t) = Σ_{u <= t} S(u−) d_j(u) / n(u),

S the all-cause Kaplan–Meier curve, d_j(u) the cause-j events and n(u) the number at risk at
u.  ``1 − KM`` of cause j with the other causes censored overstates it (it estimates the
probability in a world without the competing cause).  The estimates are those of R's
``survfit(Surv(time, factor(status)) ~ group)`` (multi-state) and ``cmprsk::cuminc``; the
variance is either R survfit's infinitesimal jackknife or cmprsk's delta-method (Aalen)
estimator, both in closed form with cumulative sums (no loop over subjects or times:
:mod:`netsurv.survival._cif_variance`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View
from netsurv.errors import ConfigError
from netsurv.survival import _print
from netsurv.survival._causes import cause_codes, check_causes, prepare_competing
from netsurv.survival._cif_variance import delta_se, ij_se
from netsurv.survival._curve import (
    CONF_TYPES,
    ConfType,
    at_risk_at,
    confidence_limits,
    counts_upto,
    values_at,
)
from netsurv.survival._input import as_list, group_codes

CifVariance = Literal["ij", "delta"]
TABLE_COLUMNS = [
    "group",
    "cause",
    "time",
    "n_risk",
    "n_event",
    "n_censor",
    "cif",
    "std_err",
    "lower",
    "upper",
]


@dataclass(frozen=True, repr=False)
class CumulativeIncidenceResult(Displayable):
    """Aalen–Johansen cumulative incidence curves, one per group × cause.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group × cause × distinct time (event of any cause or censoring):
        ``group``, ``cause`` (the code), ``time``, ``n_risk`` (weighted number with time >= t),
        ``n_event`` (events of this cause at t), ``n_censor``, ``cif`` (R's ``pstate`` of the
        cause), ``std_err`` (on the probability scale: R ``survfit``'s ``std.err``, or
        ``sqrt`` of ``cmprsk::cuminc``'s ``var``) and the pointwise limits ``lower`` /
        ``upper`` (R ``survfit``'s, for ``conf_type``).  Where the CIF is still 0 (no event
        of the cause yet, or none at all in the group) its standard error is 0 and the
        limits are NaN on the ``"log"`` and ``"log-log"`` scales, which cannot hold 0, as
        R's ``NA`` (``"plain"`` gives 0 to 0).
    totals : pandas.DataFrame
        One row per group × cause: ``group``, ``cause``, ``label``, ``records`` (rows used),
        ``n`` (weighted), ``events`` (of this cause, weighted), ``cif`` (at the group's last
        time).
    causes : list of int
        Cause codes reported.
    cause_labels : dict
        Display label per cause code.
    variance : str
        ``"ij"`` (infinitesimal jackknife, R ``survfit``) or ``"delta"`` (``cmprsk::cuminc``).
    conf_type, conf_level : str, float
        Confidence intervals.
    by : str, list of str or None
        Grouping column(s) (``group`` is ``"all"`` without one).
    n_dropped : int
        Rows dropped because a used column was missing.

    Examples
    --------
    >>> import pandas as pd
    >>> import netsurv as ns
    >>> df = pd.DataFrame({"months": [2, 3, 3, 5, 8, 9, 11, 12, 4, 6, 7, 10],
    ...                    "status": [1, 2, 0, 1, 1, 0, 2, 1, 2, 2, 1, 0],
    ...                    "arm": ["a"] * 8 + ["b"] * 4})
    >>> ns.survival.cumulative_incidence(df, duration_col="months", event_col="status", by="arm",
    ...                                  cause_labels={1: "progression", 2: "death"})
    <CumulativeIncidenceResult: 2 groups by arm × 2 causes (Aalen–Johansen)>
    variance: ij; 95% CI: log
                   n events cif (last time)
    a progression  8      4            0.65
      death        8      2            0.35
    b progression  4      1            0.25
      death        4      2            0.50
    """

    table: pd.DataFrame
    totals: pd.DataFrame
    causes: list[int]
    cause_labels: dict[int, str]
    variance: str
    conf_type: str
    conf_level: float
    by: str | list[str] | None
    n_dropped: int

    @property
    def groups(self) -> list[object]:
        """Group labels in table order."""
        return list(dict.fromkeys(self.totals["group"]))

    def cif_at(self, times: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """Cumulative incidence and its limits at chosen times (R ``summary(fit, times)``).

        Before a curve's first time the CIF, its standard error and its limits are 0 (R
        ``summary``'s fill-in); from its first time on, a CIF of 0 has NaN limits on the log
        and log-log scales (R's ``NA``, see :attr:`table`); after its last time the last value
        is carried forward.

        Parameters
        ----------
        times
            Times at which to read the curves.

        Returns
        -------
        pandas.DataFrame
            ``group``, ``cause``, ``time``, ``n_risk`` (number with time >= t), ``cif``,
            ``std_err``, ``lower``, ``upper``.

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"t": [1, 2, 3, 4], "status": [1, 2, 0, 1]})
        >>> res = cumulative_incidence(df, duration_col="t", event_col="status")
        >>> res.cif_at([2.5])[["cause", "cif"]]
           cause   cif
        0      1  0.25
        1      2  0.25
        """
        t = np.asarray(times, dtype=float)
        out = []
        cols = ("cif", "std_err", "lower", "upper")
        for (g, c), cur in self.table.groupby(["group", "cause"], sort=False):
            ct = cur["time"].to_numpy(dtype=float)
            read = values_at(
                ct,
                {col: cur[col].to_numpy(dtype=float) for col in cols},
                t,
                before=dict.fromkeys(cols, 0.0),
            )
            n_risk = at_risk_at(ct, cur["n_risk"].to_numpy(), t)
            out.append(pd.DataFrame({"group": g, "cause": c, "time": t, "n_risk": n_risk, **read}))
        return pd.concat(out, ignore_index=True)

    def risk_table(self, times: Sequence[float] | np.ndarray) -> pd.DataFrame:
        """Numbers at risk and cumulative events by cause at chosen times, per group.

        Parameters
        ----------
        times
            Times of the table's columns (e.g. the x ticks of a CIF plot).

        Returns
        -------
        pandas.DataFrame
            ``group``, ``time``, ``n_risk`` (subjects with time >= t), ``n_censored``
            (censorings at times <= t) and one column ``n_events_<cause>`` per cause (events
            at times <= t).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"t": [1, 2, 3, 4], "status": [1, 2, 0, 1]})
        >>> cumulative_incidence(df, duration_col="t", event_col="status").risk_table([0, 2, 5])
          group  time  n_risk  n_censored  n_events_1  n_events_2
        0   all   0.0       4           0           0           0
        1   all   2.0       3           0           1           1
        2   all   5.0       0           1           2           1
        """
        t = np.asarray(times, dtype=float)
        out = []
        for g in self.groups:
            cur = self.table[self.table["group"] == g]
            first = cur[cur["cause"] == self.causes[0]]
            ct = first["time"].to_numpy(dtype=float)
            weighted = not pd.api.types.is_integer_dtype(first["n_risk"])
            dtype = np.float64 if weighted else np.int64
            # cumulative censorings, then events of each cause, up to each time
            counts = np.column_stack(
                [first["n_censor"].to_numpy()]
                + [cur.loc[cur["cause"] == c, "n_event"].to_numpy() for c in self.causes]
            )
            upto_t = counts_upto(ct, counts, t)
            cols = {
                "group": g,
                "time": t,
                "n_risk": at_risk_at(ct, first["n_risk"].to_numpy(), t).astype(dtype),
                "n_censored": upto_t[:, 0].astype(dtype),
            }
            for j, c in enumerate(self.causes, start=1):
                cols[f"n_events_{c}"] = upto_t[:, j].astype(dtype)
            out.append(pd.DataFrame(cols))
        return pd.concat(out, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """Per group and cause: ``records``, ``n``, ``events`` and the CIF at the last time: a copy
        of :attr:`totals` (the curves are :attr:`table`, values at chosen times
        :meth:`cif_at`).
        """
        return self.totals.copy()

    def _view(self) -> View:
        return _print.cif_view(self)


def cumulative_incidence(
    df: pd.DataFrame,
    *,
    duration_col: str,
    event_col: str,
    by: str | Sequence[str] | None = None,
    causes: int | Sequence[int] | None = None,
    cause_labels: Mapping[int, str] | None = None,
    variance: CifVariance = "ij",
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
    weights_col: str | None = None,
) -> CumulativeIncidenceResult:
    """Aalen–Johansen cumulative incidence of each cause, per group, with confidence intervals.

    Parameters
    ----------
    df
        One row per subject.
    duration_col
        Time to the first event of any cause, or to censoring.
    event_col
        0 for censored, else the cause code 1, 2, ..., k (e.g. 1 = progression, 2 = death
        without progression; :func:`netsurv.endpoints.competing_events` makes it from an
        endpoint table).
    by
        Optional grouping column, or columns: their combinations are the groups, labelled as
        R's strata (``"sex=F, grade=G1"``).
    causes
        Cause code(s) to report (default: every code present).
    cause_labels
        Display labels by code (default the codes as text), used by
        :func:`netsurv.plots.cif_plot`.
    variance
        ``"ij"`` (default): the infinitesimal jackknife of R ``survfit``'s multi-state curves
        (case weights allowed); ``"delta"``: the delta-method (Aalen-type) variance of
        ``cmprsk::cuminc``, with its correction for tied events (no case weights).
    conf_type
        Transform of the pointwise interval, as R ``survfit`` applies it to a state
        probability: ``"log"`` (R's default, ``F·exp(±z·se/F)``, capped at 1), ``"log-log"``
        or ``"plain"``.
    conf_level
        Confidence level (0.95).
    weights_col
        Optional case weights (R ``survfit(..., weights = w)``).

    Returns
    -------
    CumulativeIncidenceResult
        ``table`` (the curves), ``totals`` and methods ``cif_at`` and ``risk_table``.

    Notes
    -----
    The CIFs and the all-cause Kaplan–Meier curve add up to one at every time.  Events of
    any cause at a time count before censorings at that time.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"months": [2, 3, 3, 5, 8, 9, 11, 12],
    ...                    "status": [1, 2, 0, 1, 1, 0, 2, 1]})
    >>> res = cumulative_incidence(df, duration_col="months", event_col="status",
    ...                            cause_labels={1: "progression", 2: "death"})
    >>> res.totals[["cause", "label", "events", "cif"]]
       cause        label  events   cif
    0      1  progression       4  0.65
    1      2        death       2  0.35
    """
    if conf_type not in CONF_TYPES:
        raise ConfigError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
    if not 0 < conf_level < 1:
        raise ConfigError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    if variance not in ("ij", "delta"):
        raise ConfigError(
            f"variance must be 'ij' (R survfit) or 'delta' (cmprsk::cuminc), got {variance!r}"
        )
    if variance == "delta" and weights_col is not None:
        raise ConfigError(
            "variance='delta' (cmprsk::cuminc) takes no case weights; use variance='ij' "
            "with weights_col"
        )
    prep = prepare_competing(
        df,
        duration_col=duration_col,
        event_col=event_col,
        weights_col=weights_col,
        other_cols=as_list(by),
    )
    all_causes = cause_codes(prep)
    wanted = check_causes(all_causes, causes, event_col=event_col)
    labels_by_code = {c: str(c) for c in wanted} | {
        int(c): str(v) for c, v in (cause_labels or {}).items() if int(c) in wanted
    }
    if by is None:
        codes = np.zeros(prep.time.size, dtype=np.int64)
        groups: list[object] = ["all"]
    else:
        codes, groups = group_codes(prep.frame[as_list(by)], r_labels=True)
    weighted = weights_col is not None
    tables, summary = [], []
    for gi, label in enumerate(groups):
        sel = codes == gi
        time, cause, w = prep.time[sel], all_causes[sel], prep.weights[sel]
        ut, idx = np.unique(time, return_inverse=True)
        n_event_all = np.bincount(idx, weights=w * (cause > 0), minlength=ut.size)
        n_censor = np.bincount(idx, weights=w * (cause == 0), minlength=ut.size)
        n_risk = np.cumsum(np.bincount(idx, weights=w, minlength=ut.size)[::-1])[::-1]
        surv = np.cumprod(1.0 - n_event_all / n_risk)
        s_before = np.concatenate([[1.0], surv[:-1]])
        for k in wanted:
            d_k = np.bincount(idx, weights=w * (cause == k), minlength=ut.size)
            cif = np.cumsum(s_before * d_k / n_risk)
            if variance == "ij":
                se = ij_se(idx, cause, w, k, n_risk, n_event_all, s_before, cif)
            else:
                se = delta_se(d_k, n_event_all, n_risk, surv, cif)
            with np.errstate(divide="ignore", invalid="ignore"):
                se_rel = np.where(cif > 0, se / cif, 0.0)
            lower, upper = confidence_limits(
                cif, se_rel, conf_type=conf_type, conf_level=conf_level
            )
            counts = {"n_risk": n_risk, "n_event": d_k, "n_censor": n_censor}
            if not weighted:
                counts = {key: np.rint(v).astype(np.int64) for key, v in counts.items()}
            tables.append(
                pd.DataFrame(
                    {
                        "group": [label] * ut.size,
                        "cause": k,
                        "time": ut,
                        **counts,
                        "cif": cif,
                        "std_err": se,
                        "lower": lower,
                        "upper": upper,
                    }
                )
            )
            summary.append(
                {
                    "group": label,
                    "cause": k,
                    "label": labels_by_code[k],
                    "records": int(sel.sum()),
                    "n": counts["n_risk"][0],
                    "events": counts["n_event"].sum(),
                    "cif": float(cif[-1]),
                }
            )
    return CumulativeIncidenceResult(
        table=pd.concat(tables, ignore_index=True)[TABLE_COLUMNS],
        totals=pd.DataFrame(summary),
        causes=wanted,
        cause_labels=labels_by_code,
        variance=variance,
        conf_type=conf_type,
        conf_level=float(conf_level),
        by=by if by is None or isinstance(by, str) else list(by),
        n_dropped=prep.n_dropped,
    )
