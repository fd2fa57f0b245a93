"""The result of deriving endpoints: the endpoint table, its attrition and the censoring
scheme used (:func:`netsurv.derive_endpoints`, the engine
:func:`netsurv.endpoints.engine.derive_from_timepoints`)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from netsurv._display import Displayable, View
from netsurv.endpoints import _print
from netsurv.endpoints.rules import CensoringScheme

__all__ = ["EndpointResult"]


@dataclass(frozen=True, repr=False)
class EndpointResult(Displayable):
    """Derived endpoints.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per patient × line × criterion × endpoint (criterion empty for endpoints
        that do not depend on it: OS, TTF, TTNT) with origin and event/censoring dates,
        ``days`` (date − origin, + 1 by default), ``months`` (days / 30.4375), ``event``
        (1/0), ``cnsr`` (0 = event, else the reason code of :data:`CENSOR_CODES`),
        ``event_cause`` (for an event, the kind of the event source that gave it:
        ``"progression"``, ``"death"``, ``"discontinuation"``, ``"next_line"`` or
        ``"next_line_progression"``; empty for a censoring — the cause of a competing-risks
        analysis, :func:`netsurv.endpoints.competing_events`), ``event_or_censor_reason``
        and the source of the date (table, column, row key).
    attrition : pandas.DataFrame
        Lines that could not contribute fully, with the reason (``table``, ``row_key``,
        ``stage``, ``reason``): no origin, start after the cut-off, no baseline tumour
        assessment, and, for PFS / TTP, no (evaluable) follow-up scan (censored at the
        origin), per criterion and endpoint.
    scheme : CensoringScheme
        The censoring rules used.

    Examples
    --------
    >>> import netsurv as ns
    >>> cohort = ns.load_demo()
    >>> tp = ns.classify(cohort, ["recist1.1", "choi"])
    >>> ns.derive_endpoints(cohort, tp, endpoints=["PFS", "OS", "DoR"])
    <EndpointResult: OS, PFS, DoR of 558 lines of 200 patients, censoring scheme fda2018>
                     n events censored
    OS             558    313      245
    PFS choi       558    452      106
        recist1.1  558    392      166
    DoR choi       296    227       69
        recist1.1   72     42       30
    38 rows set aside or censored at the origin (see .attrition); ADaM ADTTE: .adtte()
    """

    table: pd.DataFrame
    attrition: pd.DataFrame
    scheme: CensoringScheme

    def adtte(self) -> pd.DataFrame:
        """The table in CDISC ADaM ADTTE shape (see :func:`netsurv.endpoints.to_adtte`)."""
        from netsurv.endpoints.adtte import to_adtte

        return to_adtte(self.table)

    def summary(self) -> pd.DataFrame:
        """One row per endpoint × criterion: ``n`` lines, ``events``, ``censored`` (criterion
        empty for endpoints that do not depend on one).
        """
        return _print.endpoint_counts(self)

    def _view(self) -> View:
        return _print.endpoints_view(self)
