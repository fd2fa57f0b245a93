"""``classify``: time-point responses of a cohort under one or many criteria."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View
from netsurv.cohort import Cohort
from netsurv.criteria.combined import AnyCriterion, CombinedCriterion
from netsurv.criteria.criterion import Criterion
from netsurv.criteria.registry import get
from netsurv.errors import ConfigError
from netsurv.response import _print
from netsurv.response.codes import (
    NONE,
    PD_STATUSES,
    REASONS,
    RESPONSES,
    decode,
)
from netsurv.response.combined import combined_attrition, combined_frame
from netsurv.response.cutoffs import rel
from netsurv.response.measures import ATTRITION_COLUMNS, Measured, new_lesion_dated
from netsurv.response.passes import Passes
from netsurv.response.prepare import prepare
from netsurv.response.timepoint import Codes

CriteriaArg = AnyCriterion | str | Sequence[AnyCriterion | str]

TIMEPOINT_COLUMNS = [
    "patient_id",
    "line_id",
    "criterion",
    "assessment_id",
    "date",
    "modality",
    "role",
    "days_from_start",
    "n_lesions",
    "n_measured",
    "value",
    "baseline_value",
    "nadir_value",
    "pct_change_baseline",
    "pct_change_nadir",
    "abs_change_nadir",
    "density",
    "pct_change_density",
    "target_response",
    "nontarget_response",
    "new_lesion",
    "response",
    "pd_status",
    "reason",
]
BASELINE_COLUMNS = [
    "patient_id",
    "line_id",
    "criterion",
    "baseline_assessment_id",
    "baseline_date",
    "n_lesions",
    "baseline_value",
]


@dataclass(frozen=True, repr=False)
class Timepoints(Displayable):
    """Time-point responses and what was set aside.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per patient × line × scan × criterion (the baseline scan first, with
        ``response`` empty); columns in :data:`TIMEPOINT_COLUMNS`, described in
        :func:`classify`.  Pass it to :func:`netsurv.best_response`,
        :func:`netsurv.endpoints.derive_from_timepoints` or the plots.
    attrition : pandas.DataFrame
        Lines a criterion could not evaluate, with ``table``, ``row_key`` (``"patient /
        line"``), ``stage`` (``"classify"``), ``reason`` and ``criterion``.
    baselines : pandas.DataFrame
        One row per line × criterion evaluated: baseline scan, its date, the number of followed
        lesions and the baseline value (the ``baselines`` argument of the endpoint engine).
    criteria : tuple of Criterion or CombinedCriterion
        The criteria, in the order given.
    cohort : Cohort or None
        The cohort classified (for the lesion-level tables of
        :func:`netsurv.lesion_response`); None when made from tables alone.

    Examples
    --------
    >>> import netsurv as ns
    >>> ns.classify(ns.load_demo(), ["recist1.1", "choi", "sstv"])
    <Timepoints: 3 criteria, 558 lines of 200 patients, 7541 follow-up reads>
    time-point responses (follow-up scans) per criterion; lines set aside: .attrition
              lines scans CR    PR    SD   PD   NE set aside
    recist1.1   558  3220  0   433  2263  349  175         0
    choi        558  3220  0  1396   868  783  173         0
    sstv        557  1101  2   313   410  250  126         1
    """

    table: pd.DataFrame
    attrition: pd.DataFrame
    baselines: pd.DataFrame
    criteria: tuple[AnyCriterion, ...]
    cohort: Cohort | None = field(default=None, repr=False, compare=False)
    #: :func:`netsurv.best_response`'s work on this table, kept per option set (agreement,
    #: landmark and comparison read the same best responses); the table is read-only once made
    best_cache: dict[tuple[Any, ...], pd.DataFrame] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def criterion(self, name: str) -> AnyCriterion:
        """The criterion called ``name``."""
        for c in self.criteria:
            if c.name == name:
                return c
        raise ConfigError(f"no criterion {name!r}; have {[c.name for c in self.criteria]}")

    def summary(self) -> pd.DataFrame:
        """Per criterion: ``lines`` read, follow-up ``scans``, the scans of each time-point
        response (``CR`` ... ``NE``) and the lines ``set_aside`` (listed in :attr:`attrition`).
        """
        return _print.timepoint_counts(self)

    def _view(self) -> View:
        return _print.timepoints_view(self)


def resolve_criteria(criteria: CriteriaArg) -> tuple[AnyCriterion, ...]:
    """Criteria from a criterion, a preset name, or a sequence of them; names must be unique."""
    items = (
        [criteria] if isinstance(criteria, Criterion | CombinedCriterion | str) else list(criteria)
    )
    if not items:
        raise ConfigError("no criteria given")
    out = tuple(get(c) for c in items)
    names = [c.name for c in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(
            f"criterion names must be unique, repeated: {dup} (give variants their own name, "
            "e.g. with netsurv.criteria.grid)"
        )
    return out


def classify(cohort: Cohort, criteria: CriteriaArg) -> Timepoints:
    """Time-point response of every follow-up scan under one or more criteria.

    One vectorised engine serves every criterion: per-lesion values, per-scan aggregates,
    running nadir and cut-offs are whole-column operations, and criteria that measure the same
    way (e.g. a grid of cut-offs) share one measurement pass.  For many variants on a large
    cohort, :func:`classify_matrix` keeps only the response codes.

    Parameters
    ----------
    cohort
        A validated cohort.
    criteria
        A :class:`~netsurv.criteria.Criterion`, a
        :class:`~netsurv.criteria.CombinedCriterion`, a preset name (``"recist1.1"``) or a
        sequence of them (names must be unique).

    Returns
    -------
    Timepoints
        ``.table`` has one row per patient × line × scan × criterion with columns:

        * ``patient_id``, ``line_id``, ``criterion``, ``assessment_id``, ``date``,
          ``modality``, ``role`` (``baseline`` / ``follow_up``), ``days_from_start``;
        * ``n_lesions`` followed, ``n_measured`` on this scan;
        * ``value`` (the aggregate; empty when a followed lesion is missing),
          ``baseline_value``, ``nadir_value`` (smallest value of the earlier evaluable scans,
          baseline included; the largest with ``direction="increase"``),
          ``pct_change_baseline``, ``pct_change_nadir`` (+inf after a nadir of 0), ``abs_change_nadir``; ``density`` and ``pct_change_density`` for
          composite (Choi) criteria;
        * ``target_response`` (CR, PR, MR, SD, PD, NE; ``NONE`` for non-target-only
          disease), ``nontarget_response`` (the recorded status; NE when non-target disease
          exists but was not assessed, empty when there is none), ``new_lesion``;
        * ``response``: overall time-point response (CR, PR, MR, SD, NON-CR/NON-PD, PD, NE;
          empty on the baseline row);
        * ``pd_status``: for criteria with ``confirm_pd`` (iRECIST), on PD scans:
          ``"unconfirmed"`` (iUPD never confirmed and resolved by a later evaluable non-PD
          scan: pseudoprogression), ``"unresolved"`` (iUPD neither confirmed nor resolved:
          no later evaluable scan on the line; it is the iUPD category of the BOR and a
          progression event for PFS),
          ``"confirmed"`` (iUPD confirmed later) or ``"iCPD"`` (the confirming scan and later
          PD scans of the block);
        * ``reason``: why, one of :data:`netsurv.response.codes.REASONS`, e.g. ``sum_pd``,
          ``sum_pd_despite_missing``, ``new_lesion``, ``nontarget_pd``, ``cr``,
          ``cr_nontarget_not_cr``, ``size_pr``, ``density_pr``, ``minor_response``,
          ``stable``, ``missing_lesion``.

        ``.attrition`` lists every line a criterion set aside (no baseline scan of its
        modality, no measurable lesion, a followed lesion unmeasured at baseline, ...).

        A combined criterion (:func:`netsurv.criteria.combine`) has one row per combined
        time point: ``assessment_id``, ``date`` and ``modality`` of the scan that dates it,
        the anchor's measurement columns (empty on a time point of a component's own),
        ``new_lesion`` when any paired scan shows one, ``reason`` of the deciding component
        (or ``pd_not_counted``), and extra columns ``decided_by`` (the component whose
        response was taken) and, per component, ``<name>.response``,
        ``<name>.assessment_id``, ``<name>.date`` (its paired scan).  Its attrition also
        lists, per component, the lines the component cannot evaluate.

    Examples
    --------
    >>> import netsurv as ns
    >>> tp = ns.classify(ns.load_demo(), ["recist1.1", "sstv"])
    >>> q = "patient_id == 'P0035' and criterion == 'recist1.1' and response == 'PR'"
    >>> row = tp.table.query(q).iloc[0]
    >>> float(round(row["pct_change_baseline"], 1)), row["response"], row["reason"]
    (-35.6, 'PR', 'size_pr')
    >>> print(tp.attrition.loc[0, "row_key"], "|", tp.attrition.loc[0, "reason"])
    P0166 / L4 | baseline volume is 0: relative change undefined
    """
    crits = resolve_criteria(criteria)
    return classify_passes(cohort, Passes(prepare(cohort), crits), crits, release=True)


def classify_passes(
    cohort: Cohort, passes: Passes, crits: tuple[AnyCriterion, ...], *, release: bool = False
) -> Timepoints:
    """:func:`classify` on measurement passes made beforehand (shared with the lesion level,
    :func:`netsurv.add_patterns`, so that nothing is measured twice); with ``release`` each
    pass is forgotten once the last criterion that reads it is classified
    (:meth:`Passes.release_after`; for passes nothing else reads)."""
    prep = passes.prep
    n = len(crits)
    tables: list[pd.DataFrame] = [pd.DataFrame()] * n
    atts: list[pd.DataFrame] = [pd.DataFrame()] * n
    bases: list[pd.DataFrame] = [pd.DataFrame()] * n
    order = _pass_order(crits, passes.pass_key)
    for done, i in enumerate(order):
        crit = crits[i]
        if isinstance(crit, CombinedCriterion):
            layout = passes.layout(crit)
            codes = [passes.component_codes(c) for c in crit.components]
            anchor = crit.anchor_criterion
            m = passes.measured(anchor)
            frame = timepoint_frame(m, anchor, codes[crit.anchor_index])
            tables[i] = combined_frame(layout, crit, codes, frame)
            atts[i] = combined_attrition(layout, crit, prep.line_keys)
        else:
            m = passes.measured(crit)
            tables[i] = timepoint_frame(m, crit, passes.codes(crit))
            atts[i] = m.attrition.assign(criterion=crit.name)
        bases[i] = m.baselines.assign(criterion=crit.name)
        if release:
            del m
            passes.release_after(tuple(crits[j] for j in order), done)
    if release:
        del passes, prep  # the caller holds them no more: freed before the parts are joined

    return Timepoints(
        table=stack(tables, TIMEPOINT_COLUMNS),
        attrition=stack(atts, ATTRITION_COLUMNS),
        baselines=stack(bases, BASELINE_COLUMNS),
        criteria=crits,
        cohort=cohort,
    )


def _pass_order(
    crits: tuple[AnyCriterion, ...], pass_key: Callable[[Criterion], tuple[Any, ...]]
) -> list[int]:
    """The order to classify ``crits`` in: by the first use of their measurement passes
    (``pass_key``: the key of the pass a criterion reads), so that the criteria of one pass
    are classified one after the other and each pass is released before the next is made
    (the passes are made in the same order as in the order given; the parts are put back in
    the order given).

    Examples
    --------
    >>> from netsurv.criteria import CHOI, RECIST_1_1, RECIST_10
    >>> _pass_order((RECIST_1_1, CHOI, RECIST_10), lambda c: c.measurement_key())
    [0, 2, 1]
    """
    first: dict[tuple[Any, ...], int] = {}
    for c in crits:
        for p in c.components if isinstance(c, CombinedCriterion) else (c,):
            first.setdefault(pass_key(p), len(first))

    def rank(c: AnyCriterion) -> int:
        parts = c.components if isinstance(c, CombinedCriterion) else (c,)
        return min(first[pass_key(p)] for p in parts)

    return sorted(range(len(crits)), key=lambda i: rank(crits[i]))


def stack(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """The rows of ``frames`` one after the other, ``columns`` first (then the others); the
    list is emptied.

    Frames with the same columns and numpy dtypes (the criteria of a run) are joined column by
    column, each part's column freed once copied: the parts and the result are never both
    whole in memory, and ``pd.concat``'s check of each object block for all-missing values
    (the empty ``pd_status`` of every criterion without confirmation: ~3 M calls at 100,000
    patients) is not made.  Other frames go through ``pd.concat``.

    Examples
    --------
    >>> parts = [pd.DataFrame({"b": [1], "a": ["x"]}), pd.DataFrame({"b": [2], "a": ["y"]})]
    >>> stack(parts, ["a"]).to_dict("list"), parts
    ({'a': ['x', 'y'], 'b': [1, 2]}, [])
    """
    if not frames:
        return pd.DataFrame()
    names = list(frames[0].columns)
    dtypes = list(frames[0].dtypes)
    wanted = columns + [c for c in names if c not in columns]
    same = all(list(f.columns) == names and list(f.dtypes) == dtypes for f in frames)
    if not same or not all(isinstance(d, np.dtype) for d in dtypes) or set(wanted) != set(names):
        out = pd.concat(frames, ignore_index=True)
        frames.clear()  # the per-criterion parts are copied: free them before reordering
        wanted = columns + [c for c in out.columns if c not in columns]
        return out if list(out.columns) == wanted else out.reindex(columns=wanted)
    data = {}
    for c in wanted:
        data[c] = np.concatenate([f[c].to_numpy() for f in frames])
        for f in frames:
            del f[c]
    frames.clear()
    return pd.DataFrame(data, copy=False)


def timepoint_frame(m: Measured, crit: Criterion, codes: Codes) -> pd.DataFrame:
    """The long time-point table of one criterion (a column per array: the scans' columns are
    those of ``m.scans``, not copies, except those a new lesion's dating changes)."""
    cols = {c: m.scans[c].to_numpy() for c in m.scans.columns}
    k = new_lesion_dated(m, crit)
    if len(k):  # PD by a new lesion first seen on an earlier scan of the visit: that scan
        for c in ("assessment_id", "date", "days_from_start"):
            cols[c] = cols[c].copy()
            cols[c][m.visit_rows[k]] = m.visit_scans[c].to_numpy()[k]
    n = len(m.scans)
    df = dict(list(cols.items())[:2])
    df["criterion"] = np.empty(n, dtype=object)
    df["criterion"][:] = crit.name  # one str object (np.full would make one per row)
    df.update(list(cols.items())[2:])
    is_reader = crit.measure == "reader"
    value = np.full(n, np.nan) if is_reader else m.value
    baseline = np.full(n, np.nan) if is_reader else m.baseline
    nadir = np.full(n, np.nan) if is_reader else m.nadir
    with np.errstate(invalid="ignore", divide="ignore"):
        df["n_lesions"] = m.n_lesions
        df["n_measured"] = m.n_measured
        df["value"] = value
        df["baseline_value"] = baseline
        df["nadir_value"] = nadir
        df["pct_change_baseline"] = 100 * rel(value, baseline)
        df["pct_change_nadir"] = 100 * rel(value, nadir)
        df["abs_change_nadir"] = value - nadir
        df["density"] = m.density
        df["pct_change_density"] = 100 * rel(m.density, m.density_base)
    fu = ~m.is_base
    ntl_labels = ("", "CR", "", "", "", "NON-CR/NON-PD", "PD", "NE", "")
    ntl = np.where(fu, m.ntl, NONE)
    df["target_response"] = decode(codes.target, RESPONSES)
    df["nontarget_response"] = decode(ntl, ntl_labels)
    df["new_lesion"] = fu & m.new_any
    df["response"] = decode(codes.response, RESPONSES)
    df["pd_status"] = decode(codes.pd_status, PD_STATUSES)
    df["reason"] = decode(codes.reason, REASONS)
    return pd.DataFrame(df, copy=False)
