"""Checks of the user-facing arguments of the endpoint functions: each bad value raises
:class:`netsurv.ConfigError` naming the argument, what it got and what it accepts."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.endpoints.rules import ENDPOINTS, SCHEMES, CensoringScheme, EndpointDefinition
from netsurv.errors import ConfigError

#: Origins a derivation can measure time from (``first_response`` is DoR's own).
CALL_ORIGINS = ("line_start", "origin_date", "baseline_scan")
#: ``cutoff_date`` when none is given: later than any date.
NO_CUTOFF = pd.Timestamp.max.normalize()
_ISO_DATE = re.compile(r"^\d{4}-?\d{2}-?\d{2}")


def censoring_scheme(censoring: object) -> CensoringScheme:
    """The scheme named ``censoring`` (or ``censoring`` itself).

    Examples
    --------
    >>> censoring_scheme("ema_itt").censor_at_new_therapy
    False
    """
    if isinstance(censoring, CensoringScheme):
        return censoring
    if not isinstance(censoring, str) or censoring not in SCHEMES:
        hint = _did_you_mean(censoring, SCHEMES)
        raise ConfigError(
            f"unknown censoring scheme {censoring!r}{hint}; use one of {sorted(SCHEMES)} "
            "or a CensoringScheme"
        )
    return SCHEMES[censoring]


def endpoint_definitions(
    endpoints: str | EndpointDefinition | Sequence[str | EndpointDefinition],
) -> list[EndpointDefinition]:
    """The definitions of ``endpoints`` (names or definitions; a single one is accepted).

    Examples
    --------
    >>> [d.name for d in endpoint_definitions("PFS")]
    ['PFS']
    """
    items = [endpoints] if isinstance(endpoints, (str, EndpointDefinition)) else endpoints
    if not isinstance(items, Sequence) or len(items) == 0:
        raise ConfigError(
            f"endpoints must name at least one endpoint of {sorted(ENDPOINTS)}, got {endpoints!r}"
        )
    defs = []
    for e in items:
        if isinstance(e, EndpointDefinition):
            defs.append(e)
        elif isinstance(e, str) and e in ENDPOINTS:
            defs.append(ENDPOINTS[e])
        else:
            raise ConfigError(
                f"unknown endpoint {e!r}{_did_you_mean(e, ENDPOINTS)}; use one of "
                f"{sorted(ENDPOINTS)} or an EndpointDefinition"
            )
    names = [d.name for d in defs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigError(f"endpoints: {twice} given more than once; each endpoint once")
    return defs


def parse_cutoff(cutoff_date: object) -> pd.Timestamp:
    """The data cut-off as a date (``NO_CUTOFF`` for None).

    Examples
    --------
    >>> parse_cutoff("2021-06-30")
    Timestamp('2021-06-30 00:00:00')
    """
    if cutoff_date is None:
        return NO_CUTOFF
    bad = ConfigError(
        f"cutoff_date {cutoff_date!r} is not a date; give 'YYYY-MM-DD' (ISO 8601), a "
        "datetime.date or a pandas Timestamp (or None for no cut-off)"
    )
    if isinstance(cutoff_date, str):
        # ISO 8601 only: '01/02/2020' is 1 February to some and 2 January to others
        if not _ISO_DATE.match(cutoff_date):
            raise bad
        try:
            cut = pd.to_datetime(cutoff_date, format="ISO8601")
        except ValueError as err:
            raise bad from err
    elif isinstance(cutoff_date, (dt.date, np.datetime64)):  # a Timestamp is a date
        cut = pd.Timestamp(cutoff_date)
    else:
        raise bad
    if pd.isna(cut):
        raise bad
    if cut.tzinfo is not None:
        raise ConfigError(
            f"cutoff_date {cutoff_date!r} has a time zone; the cohort's dates have none"
        )
    return cut.normalize()


def check_cohort(cohort: object) -> Cohort:
    """``cohort`` if it is a validated :class:`~netsurv.Cohort`."""
    if not isinstance(cohort, Cohort):
        raise ConfigError(
            f"cohort must be a netsurv Cohort (from netsurv.read_cohort or "
            f"Cohort.from_frames), got {type(cohort).__name__}"
        )
    return cohort


def call_origin(origin: object) -> str:
    """``origin`` if it is one a derivation can measure time from."""
    if origin not in CALL_ORIGINS:
        raise ConfigError(
            f"origin must be 'line_start', 'origin_date' or 'baseline_scan', got {origin!r}"
        )
    return str(origin)


def _did_you_mean(value: object, choices: Iterable[str]) -> str:
    if not isinstance(value, str):
        return ""
    same = [c for c in choices if c.casefold() == value.casefold()]
    return f" (did you mean {same[0]!r}?)" if same else ""
