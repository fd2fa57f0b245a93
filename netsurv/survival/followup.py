"""Median follow-up by the reverse Kaplan–Meier method (Schemper and Smith 1996).

The follow-up of a cohort is the time its patients would have been observed had none died:
the Kaplan–Meier curve of the censoring times, with deaths treated as censored ("reverse" KM,
R ``survfit(Surv(time, 1 - status) ~ group)``).  Its median, unlike the median observed time,
is not shortened by early deaths.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.survival._curve import ConfType
from netsurv.survival._input import prepare
from netsurv.survival.km import kaplan_meier

#: Columns of :func:`median_follow_up`.
FOLLOW_UP_COLUMNS = ["group", "n", "median", "lower", "upper"]
_REVERSED = "__netsurv_reverse_km_event"


def median_follow_up(
    df: pd.DataFrame,
    *,
    duration_col: str,
    event_col: str,
    by: str | None = None,
    conf_type: ConfType = "log",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Median follow-up with its confidence interval, by the reverse Kaplan–Meier method.

    Parameters
    ----------
    df
        One row per patient, usually the overall-survival endpoint (time to death or last
        contact).
    duration_col, event_col
        Follow-up time and 0/1 event (death) indicator; the events are the censorings of the
        reverse curve.
    by
        Optional grouping column.
    conf_type, conf_level
        Confidence interval of the median, as :func:`netsurv.survival.kaplan_meier` (R
        ``survfit``'s ``conf.type``).

    Returns
    -------
    pandas.DataFrame
        :data:`FOLLOW_UP_COLUMNS`: ``group`` (``"all"`` without ``by``), ``n``, ``median``,
        ``lower``, ``upper`` — R's ``print(survfit(Surv(time, 1 - status) ~ by))``.  NaN where
        the reverse curve does not reach 0.5 (more than half still followed at the end).

    Examples
    --------
    >>> import pandas as pd
    >>> os_rows = pd.DataFrame({"months": [3, 8, 12, 15, 20, 24, 30, 36],
    ...                         "event": [1, 0, 1, 0, 0, 1, 0, 0]})
    >>> median_follow_up(os_rows, duration_col="months", event_col="event")
      group  n  median  lower  upper
    0   all  8    30.0   15.0    NaN
    """
    prep = prepare(
        df,
        duration_col=duration_col,
        event_col=event_col,
        other_cols=[by] if by is not None else [],
    )
    km = kaplan_meier(
        prep.frame.assign(**{_REVERSED: (~prep.event).astype(np.int64)}),
        duration_col=duration_col,
        event_col=_REVERSED,
        by=by,
        conf_type=conf_type,
        conf_level=conf_level,
    )
    return km.medians[FOLLOW_UP_COLUMNS].reset_index(drop=True)
