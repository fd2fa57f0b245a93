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

from netsurv.cohort import Cohort
from netsurv.criteria.criterion import Criterion
from netsurv.errors import ConfigError
from netsurv.response.classify import CriteriaArg, _measure_groups, resolve_criteria
from netsurv.response.codes import PD, PD_STATUSES, PD_UNCONFIRMED, RESPONSES, decode
from netsurv.response.measures import ATTRITION_COLUMNS, SCAN_COLUMNS, Measured
from netsurv.response.prepare import prepare
from netsurv.response.timepoint import _Memo, classify_codes

#: Code of a scan a criterion does not read (other modality, or its line was set aside).
NOT_READ = 255


@dataclass(frozen=True)
class ResponseMatrix:
    """Response codes of many criteria on the same scans.

    Attributes
    ----------
    scans : pandas.DataFrame
        One row per patient × line × scan read by any of the criteria (columns
        ``patient_id``, ``line_id``, ``assessment_id``, ``date``, ``modality``, ``role``,
        ``days_from_start``), sorted by patient, line start, baseline first, date.
    criteria : tuple of Criterion
        The criteria, one column of ``codes`` each.
    codes : numpy.ndarray
        ``uint8`` array (scans × criteria, column-major): the response code
        (index into :data:`netsurv.response.codes.RESPONSES`; 0 = baseline row) plus 16 × the
        PD status (index into :data:`~netsurv.response.codes.PD_STATUSES`); 255 where the
        criterion does not read the scan.
    attrition : pandas.DataFrame
        Lines each criterion set aside, as in :attr:`netsurv.response.Timepoints.attrition`.
    """

    scans: pd.DataFrame
    criteria: tuple[Criterion, ...]
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
    groups = _measure_groups(prep, crits)
    n_ass = len(prep.new_any)
    line_order = np.zeros(len(prep.line_keys), dtype=np.int64)
    line_order[prep.links["lk"].to_numpy()] = prep.links["lorder"].to_numpy()

    keys = [m.lk * n_ass + m.ak for m, _ in groups]
    all_keys = np.concatenate(keys) if keys else np.empty(0, dtype=np.int64)
    uniq, first_at = np.unique(all_keys, return_index=True)
    frames = pd.concat([m.scans for m, _ in groups], ignore_index=True) if groups else None
    base = pd.concat([pd.Series(m.is_base) for m, _ in groups], ignore_index=True)
    lk = uniq // max(n_ass, 1)
    if frames is None:
        scans = pd.DataFrame(columns=SCAN_COLUMNS)
        order = np.empty(0, dtype=np.int64)
    else:
        scans = frames.iloc[first_at].reset_index(drop=True)
        is_fu = ~base.to_numpy()[first_at]
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

    codes = np.full((len(uniq), len(crits)), NOT_READ, dtype=np.uint8, order="F")
    col = {c.name: j for j, c in enumerate(crits)}
    for (m, group), k in zip(groups, keys, strict=True):
        rows = position[np.searchsorted(uniq, k)]
        # a single measurement group usually covers every row in order: write whole columns
        every = len(rows) == len(uniq) and bool(np.array_equal(rows, np.arange(len(rows))))
        at = slice(None) if every else rows
        memo = _Memo()
        for crit in group:
            c = classify_codes(m, crit, memo)
            code: np.ndarray = c.response.view(np.uint8)
            if crit.confirm_pd:
                code = code | (c.pd_status.view(np.uint8) << 4)
            codes[at, col[crit.name]] = code
    attrition = _attrition(groups, crits)
    return ResponseMatrix(scans=scans, criteria=crits, codes=codes, attrition=attrition)


def _attrition(
    groups: list[tuple[Measured, list[Criterion]]], crits: tuple[Criterion, ...]
) -> pd.DataFrame:
    """Lines each criterion set aside: its measurement group's attrition, in criterion order."""
    if not groups:
        return pd.DataFrame(columns=ATTRITION_COLUMNS)
    group_of = {c.name: g for g, (_, group) in enumerate(groups) for c in group}
    frames = [m.attrition for m, _ in groups]
    bounds = np.cumsum([0] + [len(f) for f in frames])
    which = [group_of[c.name] for c in crits]
    rows = np.concatenate([np.arange(bounds[g], bounds[g + 1]) for g in which])
    out = pd.concat(frames, ignore_index=True).iloc[rows].reset_index(drop=True)
    names = np.array([c.name for c in crits], dtype=object)
    out["criterion"] = np.repeat(names, np.diff(bounds)[which])
    return out
