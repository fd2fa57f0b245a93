"""Groupings of a threshold sweep: who responded (or progressed) by a landmark, or from when.

One :class:`SweepData` holds, for every analysed line, the outcome (OS, or PFS under one fixed
criterion) and the day of the first response (or progression) under every variant, computed
once from :func:`netsurv.classify_matrix`.  An :class:`Analysis` turns it into the arrays the
batched engine reads:

* **landmark** at L months: the lines still at risk at L (outcome time > L), the clock reset
  at L, group 1 = responded on or before L;
* **time-dependent**: every line from its origin, in group 1 from the day after its first
  response (as (start, stop] rows split at the response; a response on the day of the event
  does not count);
* **naive** (``naive=True`` only): group 1 = ever responded during follow-up, which carries
  guarantee-time bias.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.criteria.combined import AnyCriterion
from netsurv.endpoints.matrix import endpoint_matrix
from netsurv.endpoints.rules import CensoringScheme
from netsurv.endpoints.vocabulary import DAYS_PER_MONTH
from netsurv.errors import ConfigError
from netsurv.response.matrix import ResponseMatrix, classify_matrix
from netsurv.sweep.counts import Counts, Outcome, count_fixed, count_switch, sort_outcome

Covariate = Literal["response", "progression"]
Kind = Literal["landmark", "time_dependent", "naive", "groups"]
ATTRITION_COLUMNS = ["table", "row_key", "stage", "reason"]


@dataclass(frozen=True)
class SweepData:
    """Outcome and first-response days of the analysed lines under every variant.

    Attributes
    ----------
    units : pandas.DataFrame
        One row per analysed line: ``patient_id``, ``line_id``, ``origin_date``, ``days``
        (outcome time from the origin), ``event`` (bool).
    criteria : tuple of Criterion or CombinedCriterion
        The variants, one column of ``switch_days`` each.
    switch_days : numpy.ndarray
        (units × variants) day (date − origin + 1, as the endpoint days) of the first
        response (PR or CR) or progression; NaN = never.
    attrition : pandas.DataFrame
        Lines set aside, with the reason.
    matrix : ResponseMatrix
        The classification the days come from.
    """

    units: pd.DataFrame
    criteria: tuple[AnyCriterion, ...]
    switch_days: np.ndarray
    attrition: pd.DataFrame
    matrix: ResponseMatrix


def sweep_data(
    cohort: Cohort,
    matrix: ResponseMatrix,
    *,
    outcome: str = "OS",
    outcome_criterion: AnyCriterion | None = None,
    covariate: Covariate = "response",
    line: Literal["first", "all"] = "first",
    lines: pd.DataFrame | None = None,
    censoring: str | CensoringScheme = "fda2018",
) -> SweepData:
    """Collect the outcome and the first-response days of every analysed line.

    Parameters
    ----------
    cohort
        The cohort ``matrix`` was classified from.
    matrix
        :func:`netsurv.classify_matrix` of the variants.
    outcome
        ``"OS"`` or ``"PFS"`` (then under ``outcome_criterion``).
    outcome_criterion
        The fixed criterion defining progression for a PFS outcome.
    covariate
        ``"response"`` (first PR or CR) or ``"progression"`` (first PD).
    line
        ``"first"``: each patient's earliest analysable line; ``"all"``: every line.
    lines
        Restrict the analysis to these ``patient_id``, ``line_id`` (None = all lines).
    censoring
        Censoring scheme of a PFS outcome.

    Returns
    -------
    SweepData

    Examples
    --------
    >>> import netsurv as ns
    >>> cohort = ns.load_demo()
    >>> mat = ns.classify_matrix(cohort, ns.criteria.grid("recist1.1", response_threshold=[-0.3]))
    >>> d = sweep_data(cohort, mat)
    >>> d.switch_days.shape == (len(d.units), 1), d.units["patient_id"].is_unique
    (True, True)
    """
    if outcome not in ("OS", "PFS"):
        raise ConfigError(f"sweep: outcome must be 'OS' or 'PFS', got {outcome!r}")
    if covariate not in ("response", "progression"):
        raise ConfigError(
            f"sweep: covariate must be 'response' or 'progression', got {covariate!r}"
        )
    if line not in ("first", "all"):
        raise ConfigError(f"sweep: line must be 'first' or 'all', got {line!r}")
    if outcome == "OS":
        em = endpoint_matrix(cohort, matrix, endpoint="OS")
    else:
        if outcome_criterion is None:
            raise ConfigError(
                "sweep: a PFS outcome needs outcome_criterion (a criterion or preset)"
            )
        em = endpoint_matrix(
            cohort,
            classify_matrix(cohort, outcome_criterion),
            endpoint="PFS",
            censoring=censoring,
        )
    selected = lines
    lines = em.lines[["patient_id", "line_id", "origin_date"]].copy()
    lines["days"] = em.days[:, 0]
    lines["event"] = em.event[:, 0].astype(bool)
    attrition = [em.attrition.reindex(columns=ATTRITION_COLUMNS)]
    if selected is not None:
        keep = pd.MultiIndex.from_frame(lines[["patient_id", "line_id"]]).isin(
            pd.MultiIndex.from_frame(selected[["patient_id", "line_id"]])
        )
        out = lines[~keep]
        attrition.append(
            pd.DataFrame(
                {
                    "table": "lines",
                    "row_key": out["patient_id"].astype(str) + " / " + out["line_id"].astype(str),
                    "stage": "sweep",
                    "reason": "not among the selected lines",
                }
            )
        )
        lines = lines[keep]

    if covariate == "response":
        pr = matrix.first("PR")
        cr = matrix.first("CR")
        first = pd.DataFrame(
            np.fmin(pr.to_numpy("datetime64[ns]"), cr.to_numpy("datetime64[ns]")),
            index=pr.index,
            columns=pr.columns,
        )
    else:
        first = matrix.first("PD")
    read = pd.MultiIndex.from_frame(lines[["patient_id", "line_id"]]).isin(first.index)
    # a line some variant sets aside cannot be compared across variants: leave it out
    row_key = lines["patient_id"].astype(str) + " / " + lines["line_id"].astype(str)
    aside = matrix.attrition.drop_duplicates("row_key")
    set_aside = row_key.isin(aside["row_key"]).to_numpy()
    if set_aside.any():
        why = aside.set_index("row_key")
        attrition.append(
            pd.DataFrame(
                {
                    "table": "lines",
                    "row_key": row_key[set_aside],
                    "stage": "sweep",
                    "reason": [
                        f"set aside by variant {why.loc[k, 'criterion']}: {why.loc[k, 'reason']}"
                        for k in row_key[set_aside]
                    ],
                }
            )
        )
        read &= ~set_aside
    evaluable = np.isfinite(lines["days"].to_numpy(float))
    drop = lines[~(read & evaluable) & ~set_aside]
    if len(drop):
        attrition.append(
            pd.DataFrame(
                {
                    "table": "lines",
                    "row_key": drop["patient_id"].astype(str) + " / " + drop["line_id"].astype(str),
                    "stage": "sweep",
                    "reason": np.where(
                        read[~(read & evaluable) & ~set_aside],
                        f"no {outcome} time for this line",
                        "no scan of this line is read by the criteria",
                    ),
                }
            )
        )
    lines = lines[read & evaluable]
    if line == "first" and len(lines):
        lines = lines.sort_values(["patient_id", "origin_date", "line_id"], kind="stable")
        later = lines.duplicated("patient_id", keep="first")
        if later.any():
            skipped = lines[later]
            attrition.append(
                pd.DataFrame(
                    {
                        "table": "lines",
                        "row_key": skipped["patient_id"].astype(str)
                        + " / "
                        + skipped["line_id"].astype(str),
                        "stage": "sweep",
                        "reason": "not the patient's first analysable line (line='first')",
                    }
                )
            )
        lines = lines[~later]
    lines = lines.reset_index(drop=True)
    key = pd.MultiIndex.from_frame(lines[["patient_id", "line_id"]])
    dates = first.reindex(key).to_numpy("datetime64[ns]")
    origin = lines["origin_date"].to_numpy("datetime64[ns]")
    days = (dates - origin[:, None]) / np.timedelta64(1, "D") + 1.0
    return SweepData(
        units=lines,
        criteria=matrix.criteria,
        switch_days=np.asarray(days, dtype=float),
        attrition=pd.concat(attrition, ignore_index=True),
        matrix=matrix,
    )


@dataclass(frozen=True)
class Analysis:
    """One analysis of a sweep, ready for the batched engine (rows in sorted outcome order).

    Attributes
    ----------
    kind : str
        ``"landmark"``, ``"time_dependent"``, ``"naive"`` or ``"groups"`` (plain arrays,
        :func:`netsurv.sweep.sweep_groups`).
    landmark : float
        Landmark in months (NaN unless ``kind == "landmark"``).
    units : numpy.ndarray
        Rows of :attr:`SweepData.units` analysed, in sorted outcome order.
    outcome : Outcome
        Outcome (days from the origin, or from the landmark) sorted once.
    groups : numpy.ndarray or None
        (V, n) bool group 1 membership (fixed groupings).
    switch : numpy.ndarray or None
        (V, n) event-time index from which a row is in group 1 (time-dependent).
    """

    kind: Kind
    landmark: float
    units: np.ndarray
    outcome: Outcome
    groups: np.ndarray | None
    switch: np.ndarray | None

    @property
    def label(self) -> str:
        """``"landmark 6 mo"``, ``"time-dependent"`` or ``"naive"``."""
        if self.kind == "landmark":
            return f"landmark {self.landmark:g} mo"
        return {"time_dependent": "time-dependent", "naive": "naive"}.get(self.kind, "groups")

    @property
    def n(self) -> int:
        """Number of analysed rows."""
        return self.outcome.n

    def counts(
        self, *, weights: np.ndarray | None = None, perm: np.ndarray | None = None
    ) -> Counts:
        """Risk-set counts for replicates given as case weights and / or permutations."""
        if self.groups is not None:
            return count_fixed(self.outcome, self.groups, weights=weights, perm=perm)
        if self.switch is None:  # pragma: no cover - built with one of the two
            raise ConfigError("analysis has neither groups nor switch times")
        return count_switch(self.outcome, self.switch, weights=weights, perm=perm)


def landmark_analysis(data: SweepData, months: float) -> Analysis:
    """Lines at risk at ``months``, grouped by response on or before it, clock reset there.

    Examples
    --------
    >>> import netsurv as ns
    >>> cohort = ns.load_demo()
    >>> mat = ns.classify_matrix(cohort, ns.criteria.grid("recist1.1", response_threshold=[-0.3]))
    >>> d = sweep_data(cohort, mat)
    >>> a = landmark_analysis(d, 6)
    >>> a.label, a.n == int((d.units["days"] > 6 * 30.4375).sum())
    ('landmark 6 mo', True)
    """
    if not np.isfinite(months) or months <= 0:
        raise ConfigError(f"sweep: landmark_months must be positive numbers, got {months!r}")
    cut = months * DAYS_PER_MONTH
    days = data.units["days"].to_numpy(float)
    keep = np.flatnonzero(days > cut)
    o = sort_outcome(days[keep] - cut, data.units["event"].to_numpy(bool)[keep])
    rows = keep[o.order]
    sw = data.switch_days[rows].T
    return Analysis(
        kind="landmark",
        landmark=float(months),
        units=rows,
        outcome=o,
        groups=np.ascontiguousarray(sw <= cut),
        switch=None,
    )


def time_dependent_analysis(data: SweepData) -> Analysis:
    """Every line from its origin; group 1 from the day after the first response.

    Examples
    --------
    >>> import netsurv as ns
    >>> cohort = ns.load_demo()
    >>> mat = ns.classify_matrix(cohort, ns.criteria.grid("recist1.1", response_threshold=[-0.3]))
    >>> d = sweep_data(cohort, mat)
    >>> a = time_dependent_analysis(d)
    >>> a.label, a.switch.shape == (1, len(d.units))
    ('time-dependent', True)
    """
    days = data.units["days"].to_numpy(float)
    o = sort_outcome(days, data.units["event"].to_numpy(bool))
    sw = data.switch_days[o.order].T
    return Analysis(
        kind="time_dependent",
        landmark=float("nan"),
        units=o.order,
        outcome=o,
        groups=None,
        switch=np.ascontiguousarray(o.switch_index(sw)),
    )


def naive_analysis(data: SweepData) -> Analysis:
    """Every line from its origin; group 1 = responded at any time during follow-up.

    Biased by guarantee time; :func:`netsurv.sweep.sweep` runs it only with ``naive=True``.

    Examples
    --------
    >>> import netsurv as ns
    >>> cohort = ns.load_demo()
    >>> mat = ns.classify_matrix(cohort, ns.criteria.grid("recist1.1", response_threshold=[-0.3]))
    >>> d = sweep_data(cohort, mat)
    >>> bool(naive_analysis(d).groups.sum() == (d.switch_days <= d.units[["days"]].to_numpy()).sum())
    True
    """
    days = data.units["days"].to_numpy(float)
    o = sort_outcome(days, data.units["event"].to_numpy(bool))
    sw = data.switch_days[o.order].T
    return Analysis(
        kind="naive",
        landmark=float("nan"),
        units=o.order,
        outcome=o,
        groups=np.ascontiguousarray(sw <= o.time[None, :]),
        switch=None,
    )
