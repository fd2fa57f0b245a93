"""Time-to-event endpoints (PFS, OS, TTP, TTF, DoR, TTNT, PFS2) with explicit censoring."""

from netsurv.endpoints.adtte import to_adtte
from netsurv.endpoints.competing import competing_events
from netsurv.endpoints.derive import ScheduleWarning, derive_endpoints
from netsurv.endpoints.engine import CENSOR_CODES, derive_from_timepoints
from netsurv.endpoints.matrix import EndpointMatrix, endpoint_matrix
from netsurv.endpoints.result import EndpointResult
from netsurv.endpoints.rules import (
    ADMIRALONCO,
    EMA_ITT,
    ENDPOINTS,
    FDA2018,
    SCHEMES,
    CensoringScheme,
    CensorSource,
    EndpointDefinition,
    EventSource,
    ScheduleStep,
)

__all__ = [
    "ADMIRALONCO",
    "CENSOR_CODES",
    "EMA_ITT",
    "ENDPOINTS",
    "FDA2018",
    "SCHEMES",
    "CensorSource",
    "CensoringScheme",
    "EndpointDefinition",
    "EndpointMatrix",
    "EndpointResult",
    "EventSource",
    "ScheduleStep",
    "ScheduleWarning",
    "competing_events",
    "derive_endpoints",
    "derive_from_timepoints",
    "endpoint_matrix",
    "to_adtte",
]
