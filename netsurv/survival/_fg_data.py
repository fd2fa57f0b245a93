"""Fine–Gray data: competing-risks subjects expanded into weighted (start, stop] rows.

A subject with a competing event at ``T_i`` stays in the risk sets of the modelled cause after
``T_i``, down-weighted by ``G(t−) / G(T_i−)``, G the Kaplan–Meier curve of the censoring
times.  As R ``survival::finegray``, the weight is constant between censoring times, so each
such subject gets one row per stretch of constant weight that holds an event of the cause;
everything is vectorised over subjects (sorted times, ``searchsorted`` and ``repeat``).  The
rows are fitted by :func:`netsurv.survival.fine_gray`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from netsurv.survival._causes import cause_codes, check_causes, prepare_competing
from netsurv.survival._fg_variance import censoring_before
from netsurv.survival._input import Prepared, as_list, group_codes

#: Columns added by :func:`finegray_data` (R ``finegray``'s names, ``fg`` prefix).
FG_COLUMNS = ["fgstart", "fgstop", "fgstatus", "fgwt", "fgid"]


def finegray_data(
    df: pd.DataFrame,
    *,
    duration_col: str,
    event_col: str,
    cause: int,
    censoring_groups: str | Sequence[str] | None = None,
    weights_col: str | None = None,
) -> pd.DataFrame:
    """Expand competing-risks data into Fine–Gray weighted rows (R ``survival::finegray``).

    Parameters
    ----------
    df
        One row per subject.
    duration_col
        Time to the first event of any cause, or to censoring.
    event_col
        0 for censored, else the cause code 1..k.
    cause
        The cause modelled; the other codes are competing events.
    censoring_groups
        Column(s) within whose values the censoring distribution is estimated separately
        (R ``finegray``'s ``strata()``, ``cmprsk::crr``'s ``cengroup``).  Past a group's last
        follow-up time its censoring curve is unknown and taken as 0, so its competing-event
        subjects leave the risk sets there (as ``crr``).
    weights_col
        Optional case weights, multiplied into ``fgwt`` (the censoring curve itself is
        unweighted, as in R).

    Returns
    -------
    pandas.DataFrame
        The rows of ``df`` used (all columns), repeated as needed, with ``fgstart``,
        ``fgstop``, ``fgstatus`` (1 for an event of ``cause``), ``fgwt`` (the weight) and
        ``fgid`` (the position of the subject's row in ``df``, for clustering); the index is
        a default one.  Rows with a
        missing time, code, weight or censoring group are dropped.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [1.0, 2, 3, 4, 5], "status": [2, 0, 1, 0, 1]})
    >>> finegray_data(df, duration_col="t", event_col="status", cause=1)[FG_COLUMNS]
       fgstart  fgstop  fgstatus   fgwt  fgid
    0      0.0     1.0         0  1.000     0
    1      1.0     3.0         0  0.750     0
    2      3.0     5.0         0  0.375     0
    3      0.0     2.0         0  1.000     1
    4      0.0     3.0         1  1.000     2
    5      0.0     4.0         0  1.000     3
    6      0.0     5.0         1  1.000     4
    """
    groups = as_list(censoring_groups)
    df = df.reset_index(drop=True) if isinstance(df, pd.DataFrame) else df
    prep = prepare_competing(
        df,
        duration_col=duration_col,
        event_col=event_col,
        weights_col=weights_col,
        other_cols=groups,
    )
    return expand(df, prep, cause=cause, groups=groups, event_col=event_col)


def expand(
    df: pd.DataFrame,
    prep: Prepared,
    *,
    cause: int,
    groups: list[str],
    event_col: str,
    failures_at_risk: bool = False,
) -> pd.DataFrame:
    """The Fine–Gray rows of the subjects ``prep`` kept (see :func:`finegray_data`); ``df``
    has a default (0..n−1) index, so the kept rows' labels are their positions."""
    codes = cause_codes(prep)
    (cause,) = check_causes(codes, cause, event_col=event_col, argument="cause")
    time = prep.time
    n = time.size
    positions = prep.frame.index.to_numpy(dtype=np.int64)
    g_codes = group_codes(prep.frame[groups])[0] if groups else np.zeros(n, dtype=np.int64)
    zero = 0.0 if time.min() > 0 else 2 * float(time.min()) - 1
    ev = np.unique(time[codes == cause])  # event times of the cause, all groups
    extra_row, extra_start, extra_stop, extra_wt = [], [], [], []
    for g in range(int(g_codes.max()) + 1):
        rows = np.flatnonzero(g_codes == g)
        t, c = time[rows], codes[rows]
        ct, g_after = censoring_before(t, c, failures_at_risk=failures_at_risk)  # the group's own
        seg = np.searchsorted(ct, ev, side="left")  # censorings strictly before each event time
        # past the group's last follow-up its censoring curve is unknown: G = 0 there (crr)
        beyond = ev > t.max()
        key = seg + (ct.size + 1) * beyond
        # stretches of event times with the same weight G(t−): (s_lo, s_hi]
        first = np.concatenate([[True], key[1:] != key[:-1]])
        s_seg = seg[first]
        s_hi = ev[np.concatenate([np.flatnonzero(first)[1:] - 1, [ev.size - 1]])]
        s_lo = np.concatenate([[-np.inf], s_hi[:-1]])
        s_g = np.where(beyond[first], 0.0, g_after[s_seg])
        comp = np.flatnonzero((c != 0) & (c != cause))
        t_c = t[comp]
        # one row per competing subject × stretch holding an event time after its own
        after = np.searchsorted(s_hi, t_c, side="right")
        n_add = s_seg.size - after
        who = np.repeat(np.arange(comp.size), n_add)
        which = after[who] + np.arange(who.size) - np.repeat(np.cumsum(n_add) - n_add, n_add)
        base = np.searchsorted(ct, t_c, side="left")  # censorings strictly before T_i
        extra_row.append(rows[comp[who]])
        extra_start.append(np.maximum(t_c[who], s_lo[which]))
        extra_stop.append(s_hi[which])
        extra_wt.append(s_g[which] / g_after[base[who]])
    add_row = np.concatenate(extra_row) if extra_row else np.zeros(0, dtype=np.int64)
    row = np.concatenate([np.arange(n), add_row])
    start = np.concatenate([np.full(n, zero), *extra_start])
    stop = np.concatenate([time, *extra_stop])
    wt = np.concatenate([np.ones(n), *extra_wt])
    keep = wt > 0
    row, start, stop, wt = row[keep], start[keep], stop[keep], wt[keep]
    order = np.lexsort((start, row))
    row, start, stop, wt = row[order], start[order], stop[order], wt[order]
    out = df.iloc[positions[row]].reset_index(drop=True)
    return out.assign(
        fgstart=start,
        fgstop=stop,
        fgstatus=((codes[row] == cause) & (start == zero)).astype(np.int64),
        fgwt=wt * prep.weights[row],
        fgid=positions[row],
    )
