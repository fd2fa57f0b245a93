"""Config section ``[competing]``: an endpoint's events split by cause, analysed as competing
risks (cumulative incidence, Gray's test, Fine–Gray regression)."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from netsurv.config._base import _as_list, _Section


class CompetingConfig(_Section):
    """Competing risks of ``endpoint``, whose events are split by ``causes`` (values of the
    endpoints' ``event_cause``; the first is status 1).

    The default, PFS split into ``["progression", "death"]``, is time to progression with death
    as a competing event (TTP censors deaths, so it cannot be used here).  Per criterion (for
    an endpoint that depends on one): Aalen–Johansen cumulative incidence of every cause with
    ``conf_type`` limits, read at ``times_months`` (and drawn: figure ``cif``); with ``by`` (a
    patient or line column, e.g. ``"grade"``) per group, with Gray's test between the groups
    (weight power ``rho``); with ``covariates`` (patient or line columns; a category becomes
    indicator columns) a Fine–Gray model of ``cause`` (default: the first cause), fitted as R
    ``finegray`` + ``coxph`` or, with ``method = "crr"``, as ``cmprsk::crr`` with its
    standard error.  ``lines``: each patient's first analysed line or every line.
    """

    enabled: bool = False
    endpoint: str = "PFS"
    causes: list[str] = ["progression", "death"]
    by: str | None = None
    rho: float = Field(0.0, ge=0)
    covariates: list[str] = []
    cause: str | None = None
    method: Literal["finegray", "crr"] = "finegray"
    conf_type: Literal["log", "log-log", "plain"] = "log"
    times_months: list[float] = [12.0, 24.0, 36.0]
    lines: Literal["first", "all"] = "first"

    _lists = field_validator("causes", "covariates", "times_months", mode="before")(_as_list)

    @model_validator(mode="after")
    def _causes_and_times(self) -> CompetingConfig:
        problems = []
        if self.endpoint == "TTP":
            problems.append(
                "competing.endpoint = 'TTP' censors deaths, so nothing competes; use 'PFS' with "
                "competing.causes = ['progression', 'death'] (time to progression, death "
                "competing)"
            )
        if len(self.causes) < 2 or len(set(self.causes)) != len(self.causes):
            problems.append(
                f"competing.causes must name two or more distinct event causes, got "
                f"{self.causes}; e.g. ['progression', 'death']"
            )
        if self.cause is not None and self.cause not in self.causes:
            problems.append(
                f"competing.cause {self.cause!r} is not among competing.causes {self.causes}"
            )
        times = self.times_months
        if not times or not all(math.isfinite(t) and t > 0 for t in times):
            problems.append(f"competing.times_months must be finite values > 0, got {times}")
        if problems:
            raise ValueError("\n  ".join(problems))
        return self

    @property
    def model_cause(self) -> str:
        """The cause the Fine–Gray model describes (``cause``, or the first of ``causes``)."""
        return self.cause if self.cause is not None else self.causes[0]
