"""Text and notebook views of derived endpoints: lines, events and censorings per endpoint and
criterion, never a patient's row (rendered by :mod:`netsurv._display`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netsurv._display import Table, View

if TYPE_CHECKING:
    from netsurv.endpoints.matrix import EndpointMatrix
    from netsurv.endpoints.result import EndpointResult

#: Columns of ``EndpointResult.summary()``.
ENDPOINT_COUNTS = ["endpoint", "criterion", "n", "events", "censored"]
#: Columns of ``EndpointMatrix.summary()``.
MATRIX_COUNTS = ["criterion", "n", "events", "censored", "excluded"]


def endpoint_counts(res: EndpointResult) -> pd.DataFrame:
    """One row per endpoint × criterion (criterion empty for OS, TTF, TTNT)."""
    t = res.table
    if t.empty:
        return pd.DataFrame(columns=ENDPOINT_COUNTS)
    g = t.assign(criterion=t["criterion"].fillna("")).groupby(
        ["endpoint", "criterion"], sort=False
    )["event"]
    out = g.agg(n="size", events="sum").reset_index()
    out["censored"] = out["n"] - out["events"]
    return out[ENDPOINT_COUNTS]


def endpoints_view(res: EndpointResult) -> View:
    """Which endpoints, under which censoring scheme, and the counts per endpoint."""
    t = res.table
    names = ", ".join(dict.fromkeys(t["endpoint"])) if len(t) else "no endpoint"
    lines = t.drop_duplicates(["patient_id", "line_id"]) if len(t) else t
    head = (
        f"{names} of {len(lines)} lines of {t['patient_id'].nunique() if len(t) else 0} "
        f"patients, censoring scheme {res.scheme.name}"
    )
    frame = endpoint_counts(res).set_index(["endpoint", "criterion"])
    frame.index.names = [None, None]
    return View(
        "EndpointResult",
        head,
        [
            Table(frame),
            f"{len(res.attrition)} rows set aside or censored at the origin (see .attrition); "
            "ADaM ADTTE: .adtte()",
        ],
    )


def matrix_counts(m: EndpointMatrix) -> pd.DataFrame:
    """Per criterion: lines analysed, events, censorings and lines excluded."""
    kept = ~np.isnan(m.days)
    events = (m.event & kept).sum(axis=0)
    n = kept.sum(axis=0)
    return pd.DataFrame(
        {
            "criterion": [c.name for c in m.criteria],
            "n": n,
            "events": events,
            "censored": n - events,
            "excluded": (~kept).sum(axis=0),
        }
    )[MATRIX_COUNTS]


def matrix_view(m: EndpointMatrix) -> View:
    """The endpoint's counts under each criterion."""
    head = f"{m.endpoint} of {len(m.lines)} lines under {len(m.criteria)} criteria"
    frame = matrix_counts(m).set_index("criterion")
    frame.index.name = None
    return View(
        "EndpointMatrix",
        head,
        [Table(frame), f"{len(m.attrition)} rows set aside (see .attrition)"],
    )
