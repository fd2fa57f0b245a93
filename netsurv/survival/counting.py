"""(start, stop] data: split units at a status time, Mantel–Byar test, Simon–Makuch curves.

* :func:`to_start_stop` splits each unit at the time its status became known (R
  ``survival::tmerge`` with ``tdc()``);
* :func:`mantel_byar` is the log-rank test with time-varying group membership (Mantel & Byar
  1974): at each event time the groups are those at risk with and without the status;
  hypergeometric variance as :func:`netsurv.survival.logrank`.  It equals the score test of
  the time-dependent Cox model with the exact partial likelihood (R
  ``coxph(Surv(start, stop, event) ~ status, ties = "exact")$score``) and, without tied event
  times, with Breslow's or Efron's;
* :func:`simon_makuch` gives Kaplan–Meier-type curves from the same rows (Simon & Makuch 1984;
  R ``survfit(Surv(start, stop, event) ~ status)``).

Risk sets of (start, stop] rows at time t are the rows with start < t <= stop, counted for
all times at once by sorting starts and stops and searching (no loop over rows).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist

from netsurv.errors import ConfigError
from netsurv.survival._curve import CONF_TYPES, ConfType, _minmin, confidence_limits
from netsurv.survival._input import group_codes, prepare, require_columns
from netsurv.survival.km import TABLE_COLUMNS, KaplanMeierResult
from netsurv.survival.logrank import LogrankResult


def to_start_stop(
    df: pd.DataFrame,
    *,
    duration_col: str,
    event_col: str,
    status_time_col: str,
    status_col: str = "status",
) -> pd.DataFrame:
    """Split each unit at the time its status became known into (start, stop] rows.

    Parameters
    ----------
    df
        One row per unit: outcome time, 0/1 event and the time the status was first seen
        (NaN if never).
    duration_col, event_col, status_time_col
        Those columns.
    status_col
        Name of the 0/1 time-dependent status column added.

    Returns
    -------
    pandas.DataFrame
        ``df``'s columns with ``start`` and ``stop`` added (``duration_col`` is replaced by
        ``stop``): a unit whose status time ``s`` is inside its follow-up (0 < s < t) gives
        the rows (0, s] with status 0 and no event and (s, t] with status 1 and its event; a
        status seen at or after the end of follow-up (or never) leaves one row with status 0;
        a status known at the origin (s <= 0) one row with status 1.  Rows keep the order of
        the units, as R's ``tmerge``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"id": [1, 2, 3], "t": [10.0, 4, 6], "e": [1, 1, 0],
    ...                    "resp": [3.0, np.nan, 6]})
    >>> to_start_stop(df, duration_col="t", event_col="e", status_time_col="resp")
       id  start  stop  e  resp  status
    0   1    0.0   3.0  0   3.0       0
    1   1    3.0  10.0  1   3.0       1
    2   2    0.0   4.0  1   NaN       0
    3   3    0.0   6.0  0   6.0       0
    """
    require_columns(df, [duration_col, event_col, status_time_col])
    for col in ("start", "stop", status_col):
        if col in df.columns and col != duration_col:
            raise ConfigError(f"df already has a column {col!r}")
    t = df[duration_col].to_numpy(dtype=float)
    e = df[event_col].to_numpy()
    s = df[status_time_col].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        split = (s > 0) & (s < t)
        at_origin = s <= 0
    n = len(df)
    at = list(df.columns).index(duration_col)
    first = df.drop(columns=[duration_col])
    first.insert(at, "start", 0.0)
    first.insert(at + 1, "stop", np.where(split, s, t))
    first[event_col] = np.where(split, np.zeros_like(e), e)
    first[status_col] = at_origin.astype(np.int64)
    second = df.drop(columns=[duration_col]).iloc[np.flatnonzero(split)]
    second.insert(at, "start", s[split])
    second.insert(at + 1, "stop", t[split])
    second[status_col] = 1
    pos = np.concatenate([np.arange(n), np.flatnonzero(split)])
    part = np.concatenate([np.zeros(n, dtype=np.int64), np.ones(int(split.sum()), dtype=np.int64)])
    out = pd.concat([first, second], ignore_index=True)
    order = np.lexsort((part, pos))
    return out.iloc[order].reset_index(drop=True)


def _risk_counts(
    start: np.ndarray, stop: np.ndarray, at: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Number (or weight) of rows with start < t <= stop at each time t."""
    w = np.ones(start.size) if weights is None else weights
    o_stop = np.argsort(stop, kind="stable")
    o_start = np.argsort(start, kind="stable")
    c_stop = np.concatenate([[0.0], np.cumsum(w[o_stop])])
    c_start = np.concatenate([[0.0], np.cumsum(w[o_start])])
    # rows with stop >= t minus rows with start >= t
    n_stop = c_stop[-1] - c_stop[np.searchsorted(stop[o_stop], at, side="left")]
    n_start = c_start[-1] - c_start[np.searchsorted(start[o_start], at, side="left")]
    return n_stop - n_start


def mantel_byar(
    df: pd.DataFrame,
    *,
    status_col: str,
    start_col: str = "start",
    stop_col: str = "stop",
    event_col: str = "event",
) -> LogrankResult:
    """Mantel–Byar test: log-rank with group membership that changes over time.

    Parameters
    ----------
    df
        (start, stop] rows, e.g. from :func:`to_start_stop`.
    status_col
        0/1 time-dependent status (the two groups).
    start_col, stop_col, event_col
        Interval and 0/1 event at its end.

    Returns
    -------
    LogrankResult
        ``test`` is ``"Mantel-Byar"``; ``table`` has one row per status (``N`` = rows of
        that status, ``observed``, ``expected``), ``chi2 = (O₁ − E₁)² / V`` on 1 df with
        ``E₁ = Σ d·n₁/n`` and ``V = Σ d (n − d)/(n − 1) · n₁/n · (1 − n₁/n)`` over event
        times, the risk sets being the rows with start < t <= stop.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"start": [0, 0, 3, 0, 0, 2], "stop": [2.0, 3, 9, 5, 2, 7],
    ...                      "event": [1, 0, 1, 1, 0, 0], "resp": [0, 0, 1, 0, 0, 1]})
    >>> round(mantel_byar(rows, status_col="resp").chi2, 12)  # (1 - 5/3)² / (2/9)
    2.0
    """
    prep = prepare(
        df, duration_col=stop_col, event_col=event_col, start_col=start_col, other_cols=[status_col]
    )
    x = prep.frame[status_col].to_numpy(dtype=float)
    if not np.isin(x, (0, 1)).all():
        raise ConfigError(f"status column {status_col!r} must be 0/1")
    start = prep.start if prep.start is not None else np.zeros(prep.time.size)
    stop, ev = prep.time, prep.event
    times, inv = np.unique(stop[ev], return_inverse=True)
    d = np.bincount(inv, minlength=times.size).astype(float)
    d1 = np.bincount(inv, weights=x[ev], minlength=times.size)
    n = _risk_counts(start, stop, times)
    n1 = _risk_counts(start, stop, times, weights=x)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = n1 / n
        factor = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    e1 = float(np.sum(d * frac))
    v = float(np.sum(factor * frac * (1 - frac)))
    o1 = float(d1.sum())
    o0, e0 = float(d.sum()) - o1, float(d.sum()) - e1
    chi2 = (o1 - e1) ** 2 / v if v > 0 else float("nan")
    obs, exp_ = np.array([o0, o1]), np.array([e0, e1])
    with np.errstate(invalid="ignore", divide="ignore"):
        table = pd.DataFrame(
            {
                "group": [0, 1],
                "N": [int((x == 0).sum()), int((x == 1).sum())],
                "observed": obs,
                "expected": exp_,
                "oe2_e": (obs - exp_) ** 2 / exp_,
                "oe2_v": (obs - exp_) ** 2 / v,
                "score": np.nan,
            }
        )
    return LogrankResult(
        chi2=float(chi2),
        df=1,
        p_value=float(chi2_dist.sf(chi2, 1)),
        table=table,
        variance=pd.DataFrame([[v, -v], [-v, v]], index=[0, 1], columns=[0, 1]),
        test="Mantel-Byar",
        n_dropped=prep.n_dropped,
    )


def simon_makuch(
    df: pd.DataFrame,
    *,
    by: str,
    start_col: str = "start",
    stop_col: str = "stop",
    event_col: str = "event",
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
) -> KaplanMeierResult:
    """Simon–Makuch survival curves for groups defined by a time-dependent covariate.

    The product-limit estimate within each group with risk sets of (start, stop] rows: a unit
    enters the "status" curve when its status becomes known and leaves the other one then (a
    censoring there).  Greenwood variance and CIs as :func:`kaplan_meier` (R
    ``survfit(Surv(start, stop, event) ~ group)``).

    Parameters
    ----------
    df
        (start, stop] rows, e.g. from :func:`to_start_stop`.
    by
        Group column (e.g. the status column, or a label column).
    start_col, stop_col, event_col
        Interval and event.
    conf_type, conf_level
        As :func:`kaplan_meier`.

    Returns
    -------
    KaplanMeierResult
        ``table`` has a row at every stop time of a group (as R's ``survfit``) and, with no
        event or censoring, at every entry time, so that ``n_risk`` read at any time (e.g. by
        ``risk_table``) is the number with start < t <= stop.  ``medians.records`` and ``n``
        count the rows of each group.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"start": [0, 0, 3, 0, 0, 2], "stop": [2.0, 3, 9, 5, 2, 7],
    ...                      "event": [1, 0, 1, 1, 0, 0], "resp": [0, 0, 1, 0, 0, 1]})
    >>> sm = simon_makuch(rows, by="resp")
    >>> sm.table.query("group == 1")[["time", "n_risk", "n_event", "surv"]]
       time  n_risk  n_event  surv
    3   2.0       0        0   1.0
    4   3.0       1        0   1.0
    5   7.0       2        0   1.0
    6   9.0       1        1   0.0
    """
    if conf_type not in CONF_TYPES:
        raise ConfigError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
    if not 0 < conf_level < 1:
        raise ConfigError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    prep = prepare(
        df, duration_col=stop_col, event_col=event_col, start_col=start_col, other_cols=[by]
    )
    codes, labels = group_codes(prep.frame[by])
    start = prep.start if prep.start is not None else np.zeros(prep.time.size)
    tables, medians = [], []
    for k, label in enumerate(labels):
        sel = codes == k
        st, sp, ev = start[sel], prep.time[sel], prep.event[sel]
        entries = st[st > 0]
        ut = np.unique(np.concatenate([sp, entries]))
        pos = np.searchsorted(ut, sp)
        n_event = np.bincount(pos, weights=ev, minlength=ut.size)
        n_censor = np.bincount(pos, weights=~ev, minlength=ut.size)
        n_risk = _risk_counts(st, sp, ut)
        with np.errstate(invalid="ignore", divide="ignore"):
            haz = np.where(n_event > 0, n_event / n_risk, 0.0)
            surv = np.cumprod(1.0 - haz)
            term = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
            se_log = np.sqrt(np.cumsum(term))
            std_err = surv * se_log
        lower, upper = confidence_limits(surv, se_log, conf_type=conf_type, conf_level=conf_level)
        tables.append(
            pd.DataFrame(
                {
                    "group": [label] * ut.size,
                    "time": ut,
                    "n_risk": np.rint(n_risk).astype(np.int64),
                    "n_event": np.rint(n_event).astype(np.int64),
                    "n_censor": np.rint(n_censor).astype(np.int64),
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
                "n": int(sel.sum()),
                "events": int(ev.sum()),
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
        by=by,
        n_dropped=prep.n_dropped,
    )
