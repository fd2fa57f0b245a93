"""``classify_matrix``: compact response codes of many criteria (threshold grids, sweeps).

:func:`netsurv.classify` returns a long table, one row per scan and criterion: for 400 variants
of a 100,000-patient cohort that is half a billion rows.  ``classify_matrix`` runs the same
engine (:mod:`netsurv.response.measures` once per measurement key, then
:func:`~netsurv.response.timepoint.classify_codes` per criterion) but keeps one byte per scan
and criterion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View
from netsurv.cohort import Cohort
from netsurv.criteria.combined import CombinedCriterion
from netsurv.errors import ConfigError
from netsurv.response import _print
from netsurv.response.classify import AnyCriterion, CriteriaArg, resolve_criteria
from netsurv.response.codes import PD, PD_STATUSES, PD_UNCONFIRMED, RESPONSES, decode
from netsurv.response.combined import (
    Layout,
    component_bits,
    own_rows,
    table_of,
)
from netsurv.response.measures import SCAN_COLUMNS, Measured, dated_positions
from netsurv.response.passes import Passes
from netsurv.response.prepare import prepare

#: Code of a scan a criterion does not read (other modality, or its line was set aside).
NOT_READ = 255


@dataclass(frozen=True, repr=False)
class ResponseMatrix(Displayable):
    """Response codes of many criteria on the same scans.

    Attributes
    ----------
    scans : pandas.DataFrame
        One row per patient × line × scan read by any of the criteria (columns
        ``patient_id``, ``line_id``, ``assessment_id``, ``date``, ``modality``, ``role``,
        ``days_from_start``), sorted by patient, line start, baseline first, date.
    criteria : tuple of Criterion or CombinedCriterion
        The criteria, one column of ``codes`` each.  A combined criterion's code of a time
        point is on the row of the scan that dates it (see :func:`netsurv.criteria.combine`).
    codes : numpy.ndarray
        ``uint8`` array (scans × criteria, column-major): the response code
        (index into :data:`netsurv.response.codes.RESPONSES`; 0 = baseline row) plus 16 × the
        PD status (index into :data:`~netsurv.response.codes.PD_STATUSES`); 255 where the
        criterion does not read the scan.
    attrition : pandas.DataFrame
        Lines each criterion set aside, as in :attr:`netsurv.response.Timepoints.attrition`.

    Examples
    --------
    >>> import netsurv as ns
    >>> ns.classify_matrix(ns.load_demo(),
    ...                    ns.criteria.grid("recist1.1", progression_threshold=[0.1, 0.2, 0.3]))
    <ResponseMatrix: 3 criteria × 3778 scans of 558 lines (200 patients)>
                                         lines scans   PR    SD   PD   NE set aside
    recist1.1[progression_threshold=0.1]   558  3220  417  1896  734  173         0
    recist1.1[progression_threshold=0.2]   558  3220  433  2263  349  175         0
    recist1.1[progression_threshold=0.3]   558  3220  440  2406  199  175         0
    """

    scans: pd.DataFrame
    criteria: tuple[AnyCriterion, ...]
    codes: np.ndarray
    attrition: pd.DataFrame

    def _column(self, criterion: str | int) -> int:
        if isinstance(criterion, int):
            return criterion
        for j, c in enumerate(self.criteria):
            if c.name == criterion:
                return j
        raise ConfigError(f"no criterion {criterion!r} in the matrix")

    def response(self, criterion: str | int) -> pd.Series:
        """Time-point responses of one criterion (None on baseline and unread scans)."""
        col = self.codes[:, self._column(criterion)]
        code = np.where(col == NOT_READ, 0, col & 15)
        return pd.Series(decode(code, RESPONSES), index=self.scans.index, name="response")

    def pd_status(self, criterion: str | int) -> pd.Series:
        """iRECIST PD status of one criterion's scans (None where not applicable)."""
        col = self.codes[:, self._column(criterion)]
        code = np.where(col == NOT_READ, 0, col >> 4)
        return pd.Series(decode(code, PD_STATUSES), index=self.scans.index, name="pd_status")

    def first(self, response: str = "PD", *, include_unconfirmed: bool = False) -> pd.DataFrame:
        """Date of each line's first scan with ``response``, one column per criterion.

        Parameters
        ----------
        response
            A time-point category, e.g. ``"PD"``, ``"PR"``.
        include_unconfirmed
            For criteria that confirm PD, also count unconfirmed iUPD scans.

        Returns
        -------
        pandas.DataFrame
            Index (``patient_id``, ``line_id``) of every line in :attr:`scans`, one column
            of dates (NaT = never) per criterion.
        """
        if response not in RESPONSES[1:]:
            raise ConfigError(f"response must be one of {list(RESPONSES[1:])}, got {response!r}")
        target = RESPONSES.index(response)
        n = len(self.scans)
        line = self.scans["patient_id"].astype(str) + "\x1f" + self.scans["line_id"].astype(str)
        starts = np.flatnonzero(line.ne(line.shift()).to_numpy()) if n else np.empty(0, int)
        dates = self.scans["date"].to_numpy()
        out = np.full((len(starts), len(self.criteria)), np.datetime64("NaT"), "datetime64[ns]")
        chunk = 64
        for lo in range(0, len(self.criteria), chunk):
            block = self.codes[:, lo : lo + chunk]
            hit = (block & 15) == target
            hit &= block != NOT_READ
            if target == PD and not include_unconfirmed:
                hit &= (block >> 4) != PD_UNCONFIRMED
            idx = np.where(hit, np.arange(n)[:, None], n)
            first = np.minimum.reduceat(idx, starts, axis=0) if n else idx[:0]
            ok = first < n
            vals = out[:, lo : lo + chunk]
            vals[ok] = dates[first[ok]]
        index = pd.MultiIndex.from_frame(self.scans.iloc[starts][["patient_id", "line_id"]])
        return pd.DataFrame(out, index=index, columns=[c.name for c in self.criteria])

    def summary(self) -> pd.DataFrame:
        """Per criterion: ``lines`` read, follow-up ``scans``, the scans of each time-point
        response (``CR`` ... ``NE``) and the lines ``set_aside`` (as
        :meth:`Timepoints.summary`).
        """
        return _print.matrix_counts(self)

    def _view(self) -> View:
        return _print.matrix_view(self)


def classify_matrix(cohort: Cohort, criteria: CriteriaArg) -> ResponseMatrix:
    """Time-point response codes of many criteria, one byte per scan and criterion.

    The same engine as :func:`netsurv.classify`; criteria sharing a measurement key (e.g. a
    grid of cut-offs) share one measurement pass, and masks that depend on a subset of the
    fields (the progression rule, the response rule) are computed once per distinct subset; a
    variant of a response × progression grid then costs one OR of two cached ``uint16``
    rule-state masks and one lookup in the rule table (:mod:`netsurv.response.rules`).

    Parameters
    ----------
    cohort
        A validated cohort.
    criteria
        Criteria, preset names, or a sequence of them (e.g. from
        :func:`netsurv.criteria.grid`).

    Returns
    -------
    ResponseMatrix

    Examples
    --------
    >>> import netsurv as ns
    >>> grid = ns.criteria.grid("recist1.1", progression_threshold=[0.05, 0.2])
    >>> mat = ns.classify_matrix(ns.load_demo(), grid)
    >>> mat.codes.shape
    (3778, 2)
    >>> mat.first("PD").notna().sum().tolist()  # lines with a PD: +5 % vs +20 % cut-off
    [438, 330]
    """
    crits = resolve_criteria(criteria)
    prep = prepare(cohort)
    passes = Passes(prep, crits)
    groups = passes.measured_in_order()
    n_ass = len(prep.new_any)
    line_order = np.zeros(len(prep.line_keys), dtype=np.int64)
    line_order[prep.links["lk"].to_numpy()] = prep.links["lorder"].to_numpy()

    # rows: every (line, scan) of every measurement pass, and the earlier scans of visits that
    # date a PD by a new lesion (netsurv.response.visits)
    keys = [m.lk * n_ass + m.ak for m, _ in groups]
    keys += [m.lk[m.visit_rows] * n_ass + m.visit_first for m, _ in groups]
    all_keys = np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)
    uniq, first_at = np.unique(all_keys, return_index=True)
    parts = [m.scans for m, _ in groups] + [m.visit_scans for m, _ in groups]
    frames = pd.concat(parts, ignore_index=True) if groups else None
    base = np.concatenate(
        [m.is_base for m, _ in groups] + [np.zeros(len(m.visit_rows), bool) for m, _ in groups]
    )
    lk = uniq // max(n_ass, 1)
    if frames is None:
        scans = pd.DataFrame(columns=SCAN_COLUMNS)
        order = np.empty(0, dtype=np.int64)
    else:
        scans = frames.iloc[first_at].reset_index(drop=True)
        is_fu = ~base[first_at]
        order = np.lexsort(
            (
                uniq % max(n_ass, 1),
                scans["date"].to_numpy().view(np.int64),
                is_fu,
                line_order[lk],
            )
        )
        scans = scans.iloc[order].reset_index(drop=True)
    position = np.empty(len(uniq), dtype=np.int64)
    position[order] = np.arange(len(uniq))
    # the matrix row of every row of every measurement pass, and of its visit's earlier scans
    n_g = len(groups)
    where = [position[np.searchsorted(uniq, k)] for k in keys]
    rows = _Rows(
        {id(m): where[g] for g, (m, _) in enumerate(groups)},
        {id(m): where[n_g + g] for g, (m, _) in enumerate(groups)},
    )

    codes = np.full((len(uniq), len(crits)), NOT_READ, dtype=np.uint8, order="F")
    combiner = _Combiner(passes, rows)
    for j, crit in enumerate(crits):
        if isinstance(crit, CombinedCriterion):
            combiner.write(codes[:, j], crit)
            continue
        m = passes.measured(crit)
        at = rows.dating(m, dated_positions(m, crit))
        # a single measurement group usually covers every row in order: write whole columns
        every = len(at) == len(uniq) and bool(np.array_equal(at, np.arange(len(at))))
        c = passes.codes(crit)
        code: np.ndarray = c.response.view(np.uint8)
        if crit.confirm_pd:
            code = code | (c.pd_status.view(np.uint8) << 4)
        codes[slice(None) if every else at, j] = code
    attrition = _attrition(passes, crits)
    return ResponseMatrix(scans=scans, criteria=crits, codes=codes, attrition=attrition)


class _Rows:
    """Matrix rows of the rows of each measurement pass (``main``) and of the earlier scans of
    their visits (``early``, aligned with ``Measured.visit_rows``)."""

    def __init__(self, main: dict[int, np.ndarray], early: dict[int, np.ndarray]) -> None:
        self.main = main
        self.early = early

    def of(self, m: Measured) -> np.ndarray:
        """The matrix row of every row of ``m``."""
        return self.main[id(m)]

    def dating(self, m: Measured, dated: np.ndarray) -> np.ndarray:
        """The matrix row that dates each row of ``m`` when it is PD: the visit's earlier scan
        where ``dated`` (:func:`~netsurv.response.measures.dated_positions`) says so."""
        out = self.main[id(m)]
        has = dated >= 0
        if has.any():
            out = out.copy()
            out[has] = self.early[id(m)][dated[has]]
        return out


class _Combiner:
    """Writes combined criteria's codes, caching each component's index bits.

    A variant of a grid over component fields costs one OR of cached index bits per
    component, one gather in the combining table and one scatter into its column; the rare
    time points dated by another component's scan (an earlier PD) and the PD scans that pair
    with no anchor scan are moved afterwards.
    """

    def __init__(self, passes: Passes, rows: _Rows) -> None:
        self.passes = passes
        self.rows = rows
        self.bits: dict[tuple[object, ...], np.ndarray] = {}
        self.at_anchor: dict[tuple[object, ...], np.ndarray] = {}

    def _bits(self, layout: Layout, j: int, crit: CombinedCriterion) -> np.ndarray:
        comp = crit.components[j]
        key = (id(layout), j, comp)
        if key not in self.bits:
            resp = self.passes.component_codes(comp).response
            self.bits[key] = component_bits(layout, j, resp)
        return self.bits[key]

    def write(self, col: np.ndarray, crit: CombinedCriterion) -> None:
        layout = self.passes.layout(crit)
        table = table_of(crit)
        tkey = (len(crit.components), crit.anchor_index, crit.progression, crit.response)
        if tkey not in self.at_anchor:
            self.at_anchor[tkey] = np.where(
                table.dater == layout.anchor, table.code.view(np.uint8), NOT_READ
            ).astype(np.uint8)
        idx = layout.rank_bits.copy()
        for j in range(len(crit.components)):
            idx |= self._bits(layout, j, crit)
        value = self.at_anchor[tkey][idx]
        a = layout.anchor
        anchor_rows = self.rows.of(layout.members[a])
        col[anchor_rows] = value
        dating = [self.rows.dating(m, d) for m, d in zip(layout.members, layout.dated, strict=True)]
        moved = np.flatnonzero(value == NOT_READ)  # dated by another component's PD scan
        if len(moved):
            dater = table.dater[idx[moved]]
            for j in np.unique(dater):
                at = moved[dater == j]
                col[dating[j][layout.pairs[j][at]]] = table.code[idx[at]].view(np.uint8)
        early = np.flatnonzero((layout.dated[a] >= 0) & (value == PD))  # anchor's visit scan
        col[anchor_rows[early]] = NOT_READ
        col[dating[a][early]] = PD
        for j, comp in enumerate(crit.components):
            own = own_rows(layout, crit, j, self.passes.component_codes(comp).response)
            col[dating[j][own]] = PD


def _attrition(passes: Passes, crits: tuple[AnyCriterion, ...]) -> pd.DataFrame:
    """Lines each criterion set aside, in criterion order: its measurement pass's attrition
    (shared by the variants of a grid, copied once), or a combined criterion's (its anchor's
    and, per component, the lines the component cannot evaluate)."""
    if not crits:
        return pd.DataFrame(columns=["table", "row_key", "stage", "reason", "criterion"])
    frames: list[pd.DataFrame] = []
    seen: dict[int, int] = {}
    which = []
    for crit in crits:
        if isinstance(crit, CombinedCriterion):
            f = passes.combined_attrition(crit)
        else:
            f = passes.measured(crit).attrition
        if id(f) not in seen:
            seen[id(f)] = len(frames)
            frames.append(f)
        which.append(seen[id(f)])
    bounds = np.cumsum([0] + [len(f) for f in frames])
    rows = np.concatenate([np.arange(bounds[g], bounds[g + 1]) for g in which])
    out = pd.concat(frames, ignore_index=True).iloc[rows].reset_index(drop=True)
    names = np.array([c.name for c in crits], dtype=object)
    out["criterion"] = np.repeat(names, np.diff(bounds)[which])
    return out
