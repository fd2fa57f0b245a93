"""Cause-specific Cox regression: the ordinary Cox model of one cause, the other causes censored.

It describes the cause's hazard among subjects still free of every event, not its cumulative
incidence (for that, :func:`netsurv.survival.fine_gray`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from netsurv.errors import ConfigError
from netsurv.survival._causes import cause_codes, check_causes, prepare_competing
from netsurv.survival.cox import CoxResult, Ties, cox


def cause_specific_cox(
    df: pd.DataFrame,
    *,
    covariates: Sequence[str],
    duration_col: str,
    event_col: str,
    cause: int = 1,
    strata: str | Sequence[str] | None = None,
    ties: Ties = "efron",
    weights_col: str | None = None,
    robust: bool | None = None,
    conf_level: float = 0.95,
) -> CoxResult:
    """Cox model of the cause-specific hazard of one cause, the other causes censored.

    Parameters
    ----------
    df
        One row per subject.
    covariates
        Numeric covariate columns.
    duration_col
        Time to the first event of any cause, or to censoring.
    event_col
        0 for censored, else the cause code 1..k.
    cause
        The cause modelled (default 1).
    strata, ties, weights_col, robust, conf_level
        As for :func:`netsurv.survival.cox`.

    Returns
    -------
    CoxResult
        The fit of R ``coxph(Surv(time, status == cause) ~ covariates)``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [2, 3, 3, 5, 8, 9, 11, 12, 14, 15],
    ...                    "status": [1, 2, 0, 1, 1, 0, 2, 1, 0, 1],
    ...                    "x": [1, 0, 1, 1, 0, 0, 1, 0, 1, 0]})
    >>> fit = cause_specific_cox(df, covariates=["x"], duration_col="t", event_col="status")
    >>> fit.events
    5
    """
    cov = [covariates] if isinstance(covariates, str) else list(covariates)
    strata_cols = [strata] if isinstance(strata, str) else list(strata or [])
    # the columns are checked here, so that a mistake names only the user's columns
    prep = prepare_competing(
        df, duration_col=duration_col, event_col=event_col, other_cols=[*cov, *strata_cols]
    )
    (cause,) = check_causes(cause_codes(prep), cause, event_col=event_col, argument="cause")
    column = "_cause_event"
    if column in df.columns:
        raise ConfigError(f"column {column!r} is reserved by cause_specific_cox; rename it")
    event = (df[event_col] == cause).astype(float).where(df[event_col].notna())
    return cox(
        df.assign(**{column: event}),
        covariates=covariates,
        duration_col=duration_col,
        event_col=column,
        strata=strata,
        ties=ties,
        weights_col=weights_col,
        robust=robust,
        conf_level=conf_level,
    )
