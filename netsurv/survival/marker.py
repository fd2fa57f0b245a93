"""A continuous marker next to its cut-offs: % change at a landmark as a restricted cubic spline.

A response criterion dichotomises a continuous change (e.g. SST-PET tumour volume −30 % from
baseline) at a cut-off, which throws information away; a cut-off study should show the
continuous change next to its cut-offs.  :func:`netsurv.survival.compare_criteria` with
``continuous=`` adds, on the same landmark set, a Cox model of the criterion's % change from
baseline as known at the landmark, as a restricted cubic spline (:mod:`netsurv.survival.spline`,
R ``coxph(Surv(time, event) ~ rms::rcs(change, k))``), scored by the same metrics (C-index,
AIC, ...) as each dichotomised criterion; this module finds the change, fits the spline, and
reads the log hazard-ratio curve with the cut-offs marked on it
(:func:`netsurv.plots.log_hr_plot` draws it).

The change as known at the landmark L is the % change from baseline of the criterion's
measurement (``pct_change_baseline`` of its follow-up time points) on the scans dated on or
before L on the outcome's clock: the smallest (``change="best"``, the continuous counterpart
of "responded by L") or that of the last scan (``change="last"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View
from netsurv.criteria.combined import AnyCriterion, CombinedCriterion
from netsurv.criteria.criterion import Criterion
from netsurv.criteria.registry import get
from netsurv.endpoints.vocabulary import DAYS_PER_MONTH
from netsurv.errors import ConfigError
from netsurv.survival import _print_analyses
from netsurv.survival._scoring import Evaluator
from netsurv.survival._status import KEY, Inputs, criterion_names, offset_days, outcome_rows
from netsurv.survival.anova import lr_test
from netsurv.survival.cox import CoxResult
from netsurv.survival.spline import log_hr_curve, rcs_basis, rcs_knots

Change = Literal["best", "last"]
#: Points of the log hazard-ratio curve between the smallest and largest observed change.
CURVE_POINTS = 201
#: Criterion fields that define the measurement a % change is taken of.
MEASUREMENT_FIELDS = (
    "modality",
    "measure",
    "lesion_set",
    "sites",
    "max_lesions",
    "max_per_organ",
    "aggregation",
)


@dataclass(frozen=True, repr=False)
class ContinuousMarker(Displayable):
    """The % change of a criterion's measurement at a landmark as a spline predictor.

    Attributes
    ----------
    label : str
        Its row in the comparison table (``"sstv % change (rcs, 4 knots)"``).
    criterion : str
        The criterion whose measurement's % change from baseline is the marker.
    change : str
        ``"best"`` (smallest change by the landmark) or ``"last"`` (last scan by it).
    at_months : float
        The landmark.
    knots : tuple of float
        The spline's knots (Harrell's defaults on the analysed values, :func:`rcs_knots`).
    columns : list of str
        The spline's columns in ``fit`` (``pct_change``, ``pct_change'``, …: R ``rms``'s
        names; the first is the change itself).
    fit : CoxResult
        The Cox model of the spline (and the adjustment covariates) on the landmark set.
    reference_change : float
        The change with log hazard ratio 0 on ``curve``: 0 % (no change) when inside the
        observed range, else the median.
    curve : pandas.DataFrame
        ``x`` (% change), ``log_hr``, ``se``, ``lower``, ``upper`` (pointwise Wald CI of the
        log hazard ratio), ``hr``, on a grid over the observed range.
    cutoffs : pandas.DataFrame
        One row per compared criterion: ``criterion``, ``cutoff_pct`` (its response
        threshold on this % change scale; NaN when it measures something else, or its
        threshold is not relative to baseline, see ``note``), the curve's ``log_hr``,
        ``lower``, ``upper`` there, and ``note`` (also when the cut-off lies outside the
        observed changes, where the curve is a linear extrapolation).
    nonlinearity : pandas.Series
        Likelihood-ratio test of the non-linear columns (``statistic``, ``df``, ``p_value``):
        does the curve bend?
    data : pandas.DataFrame
        The analysed rows: ``patient_id``, ``line_id``, ``time`` (months since the landmark),
        ``event``, ``pct_change`` and ``change_time`` (months from the origin to the scan).

    Examples
    --------
    >>> import netsurv as ns
    >>> cmp = ns.survival.compare_criteria(ns.load_demo(), criteria=["recist1.1", "sstv"],
    ...                                    at_months=12, horizons=[24], n_boot=0,
    ...                                    continuous="sstv")
    >>> cmp.continuous
    <ContinuousMarker: sstv % change (rcs, 4 knots) at the 12-month landmark>
    n= 120, number of events= 59
    change: best by the landmark; knots at -62.4, -22.8, -4.71, 50 %; HR against a change of 0 %
    non-linearity: LR chisq= 0.738  on 2 df, p= 0.692
    <BLANKLINE>
    Hazard ratio at each criterion's cut-off
              cut-off %      HR lower .95 upper .95
    recist1.1        NA      NA        NA        NA
    sstv            -40  0.9693    0.5087     1.847
    <BLANKLINE>
    recist1.1: measures something else than sstv
    """

    label: str
    criterion: str
    change: str
    at_months: float
    knots: tuple[float, ...]
    columns: list[str]
    fit: CoxResult
    reference_change: float
    curve: pd.DataFrame
    cutoffs: pd.DataFrame
    nonlinearity: pd.Series
    data: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Per compared criterion: ``criterion``, ``cutoff_pct`` (its cut-off on this % change
        scale), ``hr`` with ``lower`` / ``upper`` (the curve's hazard ratio there against
        :attr:`reference_change`, pointwise 95 % CI) and ``note``; the whole curve is
        :attr:`curve`.
        """
        return _print_analyses.marker_frame(self)

    def _view(self) -> View:
        return _print_analyses.marker_view(self)


def marker_name(
    continuous: bool | AnyCriterion | str,
    reference: str,
    *,
    method: str,
    status: str,
    knots: int,
    change: str,
) -> str | None:
    """Name of the criterion whose % change is the continuous marker (None: no marker);
    ``True`` means the reference criterion.  Checks the settings the marker needs."""
    if continuous is False or continuous is None:
        return None
    if isinstance(continuous, CombinedCriterion):
        raise ConfigError(
            f"continuous: {continuous.name!r} is a combined criterion, which has no single % "
            "change; name one of its components"
        )
    if continuous is True:
        name = reference
    elif isinstance(continuous, Criterion | str):
        name = criterion_names(continuous)[0]
    else:
        raise ConfigError(
            f"continuous must be True, False or a criterion, got {type(continuous).__name__}"
        )
    if method != "landmark":
        raise ConfigError("continuous needs method='landmark' (the % change as known then)")
    if status != "response":
        raise ConfigError(
            "continuous needs status='response': the % change from baseline is what a "
            "response cut-off dichotomises (progression is judged from the nadir)"
        )
    if isinstance(knots, bool) or not isinstance(knots, int) or knots < 3:
        raise ConfigError(f"knots must be an integer >= 3, got {knots!r}")
    if change not in ("best", "last"):
        raise ConfigError(f"change must be 'best' or 'last', got {change!r}")
    return name


def definitions(
    criteria: Sequence[AnyCriterion | str],
    continuous: bool | AnyCriterion | str,
    names: list[str],
    marker: str,
    inputs: Inputs,
) -> dict[str, Criterion | None]:
    """The compared criteria and the marker's as objects where known (given as objects, in
    the classified time points, or presets; None otherwise, and for a combined criterion,
    which has no single cut-off), for their cut-offs."""
    known = {c.name: c for c in (*criteria, continuous) if isinstance(c, Criterion)}
    if inputs.source is not None:
        source = {c.name: c for c in inputs.source.criteria if isinstance(c, Criterion)}
        known = source | known
    out: dict[str, Criterion | None] = {}
    for name in dict.fromkeys([*names, marker]):
        crit = known.get(name)
        if crit is None:
            try:
                found = get(name)
            except ConfigError:
                found = None
            crit = found if isinstance(found, Criterion) else None
        out[name] = crit
    return out


def change_at_landmark(
    inputs: Inputs,
    units: pd.DataFrame,
    *,
    criterion: str,
    outcome: str,
    outcome_criterion: str,
    at: float,
    change: Change,
) -> pd.DataFrame:
    """% change from baseline under ``criterion`` as known ``at`` months, per unit.

    Scans are put on the clock of the units' outcome (``outcome`` under
    ``outcome_criterion``), as the status times are.  Returns ``patient_id``, ``line_id``,
    ``pct_change`` and ``change_time`` for the units with a measured (finite) change by then.
    """
    rows = outcome_rows(inputs.endpoints, outcome, outcome_criterion)
    clock = units[KEY].merge(rows[[*KEY, "origin_date", "date", "days"]], on=KEY, how="left")
    clock = clock.assign(offset=offset_days(clock))[[*KEY, "origin_date", "offset"]]
    tp = inputs.timepoints
    tp = tp[(tp["criterion"] == criterion) & tp["pct_change_baseline"].notna()]
    if "role" in tp.columns:
        tp = tp[tp["role"] == "follow_up"]
    scans = tp[[*KEY, "date", "assessment_id", "pct_change_baseline"]].merge(clock, on=KEY)
    days = (scans["date"] - scans["origin_date"]).dt.days + scans["offset"]
    scans = scans.assign(change_time=days / DAYS_PER_MONTH)
    value = scans["pct_change_baseline"].to_numpy(dtype=float)
    scans = scans[(scans["change_time"] <= at) & np.isfinite(value)]
    if change == "best":
        order = [*KEY, "pct_change_baseline", "date", "assessment_id"]
    else:
        order = [*KEY, "date", "assessment_id"]
    scans = scans.sort_values(order, kind="stable")
    pick = scans.drop_duplicates(KEY, keep="first" if change == "best" else "last")
    out = pick[[*KEY, "pct_change_baseline", "change_time"]]
    return out.rename(columns={"pct_change_baseline": "pct_change"}).reset_index(drop=True)


def score_marker(
    frame: pd.DataFrame,
    values: pd.DataFrame,
    *,
    marker: str,
    knots: int,
    change: str,
    at_months: float,
    evaluator: dict[str, Any],
    definitions: dict[str, Criterion | None],
) -> tuple[ContinuousMarker, Evaluator, pd.DataFrame]:
    """The marker's spline model on its landmark set ``frame`` (with the ``values`` of
    :func:`change_at_landmark`): the result, its :class:`Evaluator` and the rows it scores."""
    f = frame.merge(values, on=KEY, how="left")
    f, cols, placed = spline_columns(f, knots)
    ev = Evaluator(predictors=cols, status=None, **evaluator)
    result = marker_result(
        ev.fit(f, record_errors=True),
        f,
        label=f"{marker} % change (rcs, {len(placed)} knots)",
        criterion=marker,
        change=change,
        at_months=at_months,
        knots=placed,
        columns=cols,
        criteria=definitions,
        conf_level=float(evaluator["conf_level"]),
    )
    return result, ev, f


def spline_columns(frame: pd.DataFrame, knots: int) -> tuple[pd.DataFrame, list[str], np.ndarray]:
    """``frame`` with the spline columns of its ``pct_change`` (knots placed on it)."""
    x = frame["pct_change"].to_numpy(dtype=float)
    placed = rcs_knots(x, knots)
    basis = rcs_basis(x, placed)
    names = ["pct_change" + "'" * j for j in range(basis.shape[1])]
    extra = pd.DataFrame(basis[:, 1:], columns=names[1:], index=frame.index)
    return pd.concat([frame, extra], axis=1), names, placed


def marker_result(
    fit: CoxResult,
    frame: pd.DataFrame,
    *,
    label: str,
    criterion: str,
    change: str,
    at_months: float,
    knots: np.ndarray,
    columns: list[str],
    criteria: dict[str, Criterion | None],
    conf_level: float,
) -> ContinuousMarker:
    """The spline's curve, its value at each criterion's cut-off, and its non-linearity test."""
    x = frame["pct_change"].to_numpy(dtype=float)
    lo, hi = float(x.min()), float(x.max())
    ref = 0.0 if lo <= 0.0 <= hi else float(np.median(x))
    coef = fit.coefficients.loc[columns, "coef"].to_numpy()
    var = fit.variance.loc[columns, columns].to_numpy()
    cut = cutoff_table(criteria, criterion)
    at = np.union1d(np.linspace(lo, hi, CURVE_POINTS), cut["cutoff_pct"].dropna().to_numpy())
    curve = log_hr_curve(coef, var, knots=knots, at=at, reference=ref, conf_level=conf_level)
    marks = cut["cutoff_pct"].to_numpy(dtype=float)
    on = np.isfinite(marks)
    at_cut = log_hr_curve(
        coef, var, knots=knots, at=marks[on], reference=ref, conf_level=conf_level
    )
    for col in ("log_hr", "lower", "upper"):
        cut[col] = np.nan
        cut.loc[on, col] = at_cut[col].to_numpy()
    outside = on & ((marks < lo) | (marks > hi))
    cut.loc[outside, "note"] = "outside the observed changes: the curve is extrapolated there"
    cut = cut[["criterion", "cutoff_pct", "log_hr", "lower", "upper", "note"]]
    nonlinear = lr_test(fit, columns[1:])
    data = frame[[*KEY, "time", "event", "pct_change", "change_time"]].reset_index(drop=True)
    return ContinuousMarker(
        label=label,
        criterion=criterion,
        change=change,
        at_months=float(at_months),
        knots=tuple(float(k) for k in knots),
        columns=list(columns),
        fit=fit,
        reference_change=ref,
        curve=curve,
        cutoffs=cut,
        nonlinearity=nonlinear,
        data=data,
    )


def cutoff_table(criteria: dict[str, Criterion | None], marker: str) -> pd.DataFrame:
    """Each criterion's response cut-off on the marker's % change scale (NaN with a note
    when it is on another scale or the criterion's definition is not known)."""
    base = criteria.get(marker)
    rows = []
    for name, crit in criteria.items():
        note = ""
        value = np.nan
        if crit is None or base is None:
            note = "criterion definition not known"
        elif not same_measurement(crit, base):
            note = f"measures something else than {marker}"
        elif crit.response_threshold is None:
            note = "no response threshold"
        elif crit.response_reference != "baseline":
            note = f"response measured from the {crit.response_reference}, not from baseline"
        else:
            value = 100 * crit.response_threshold
        rows.append({"criterion": name, "cutoff_pct": value, "note": note})
    return pd.DataFrame(rows, columns=["criterion", "cutoff_pct", "note"])


def same_measurement(a: Criterion, b: Criterion) -> bool:
    """Whether two criteria take their % change of the same measurement (the fields in
    :data:`MEASUREMENT_FIELDS`).

    Examples
    --------
    >>> from dataclasses import replace
    >>> from netsurv.criteria import RECIST_1_1, get
    >>> same_measurement(RECIST_1_1, replace(RECIST_1_1, name="r20", response_threshold=-0.2))
    True
    >>> same_measurement(RECIST_1_1, get("sstv"))
    False
    """
    return all(getattr(a, f) == getattr(b, f) for f in MEASUREMENT_FIELDS)
