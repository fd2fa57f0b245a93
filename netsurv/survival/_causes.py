"""Rows of a competing-risks analysis: the event column holds 0 (censored) or a cause code.

Shared by :mod:`~netsurv.survival.competing`, :mod:`~netsurv.survival.gray` and
:mod:`~netsurv.survival.finegray`; every user mistake is a :class:`~netsurv.errors.ConfigError`
naming the column or argument.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.survival._input import Prepared, prepare


def prepare_competing(
    df: pd.DataFrame,
    *,
    duration_col: str,
    event_col: str,
    weights_col: str | None = None,
    other_cols: Sequence[str] = (),
) -> Prepared:
    """Rows of a competing-risks analysis: ``event_col`` is 0 (censored) or a cause code 1..k.

    Raises :class:`ConfigError` naming the column and the offending rows for codes that are
    negative or not whole numbers, and when no row has an event.
    """
    prep = prepare(
        df,
        duration_col=duration_col,
        event_col=event_col,
        weights_col=weights_col,
        other_cols=other_cols,
        causes=True,
    )
    if not prep.event.any():
        raise ConfigError(f"event column {event_col!r} has no event (cause code >= 1) to analyse")
    return prep


def cause_codes(prep: Prepared) -> np.ndarray:
    """The cause codes of rows prepared by :func:`prepare_competing` (0 = censored)."""
    if prep.cause is None:
        return prep.event.astype(np.int64)
    return prep.cause


def check_causes(
    codes: np.ndarray,
    causes: int | Sequence[int] | None,
    *,
    event_col: str,
    argument: str = "causes",
) -> list[int]:
    """The requested cause codes (default: every code >= 1 present), each present in the data."""
    present = sorted(int(c) for c in np.unique(codes[codes > 0]))
    if causes is None:
        return present
    wanted = [causes] if isinstance(causes, int | np.integer) else list(causes)
    missing = [c for c in wanted if c not in present]
    if missing or not wanted:
        raise ConfigError(
            f"{argument}={causes!r}: not cause code(s) of event column {event_col!r}, whose "
            f"events have codes {present}; pass one of them"
        )
    return [int(c) for c in wanted]
