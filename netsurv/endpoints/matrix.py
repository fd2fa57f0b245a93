"""``endpoint_matrix``: PFS / TTP / OS of every line under many criteria at once, as arrays.

:func:`netsurv.derive_endpoints` returns a long, traceable table (one row per line × criterion ×
endpoint, with the source row of every date).  For a grid of hundreds of criterion variants on
a large cohort that table is too big and too slow; this module applies the same rules (the
earliest event wins, PD before death on the same day; otherwise the last adequate assessment,
or the origin; the censoring scheme's new-therapy and missed-assessment rules; lines without a
baseline scan censored at the origin or excluded) to a :class:`~netsurv.response.ResponseMatrix`
with whole-array operations: one pass over the scans per block of criteria, per-line minima and
maxima by ``reduceat`` over the scans sorted by line.  The results equal the long engine's
``days``, ``event`` and ``cnsr`` column for column (tested).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.criteria.criterion import Criterion
from netsurv.endpoints.arguments import NO_CUTOFF, call_origin, censoring_scheme, parse_cutoff
from netsurv.endpoints.engine import (
    CENSOR_CODES,
    DAYS_PER_MONTH,
    _lines_frame,
    derive_from_timepoints,
)
from netsurv.endpoints.rules import CensoringScheme, Origin, ScheduleStep
from netsurv.errors import ConfigError
from netsurv.response.codes import CR, MR, NONCR, PD, PD_UNCONFIRMED, PD_UNRESOLVED, PR, SD
from netsurv.response.matrix import NOT_READ, ResponseMatrix

MatrixEndpoint = Literal["PFS", "TTP", "OS"]

_NEVER = np.iinfo(np.int64).max // 4  # a day number later than any date
_NEVER32 = np.int32(2**30)  # the same, for the per-scan arrays (int32 halves their traffic)
_IS_ADEQUATE = np.isin(np.arange(16), [CR, PR, MR, SD, NONCR, PD])  # by response code
_CNSR_LAST = CENSOR_CODES["last adequate assessment"]
_CNSR_ORIGIN = CENSOR_CODES["no adequate assessment after origin"]
_CNSR_NO_BASE = CENSOR_CODES["no baseline tumour assessment"]
_CNSR_NEW_TX = CENSOR_CODES["new anticancer therapy started"]
_CNSR_MISSED = CENSOR_CODES["event after missed assessments"]


@dataclass(frozen=True)
class EndpointMatrix:
    """One endpoint of every line under many criteria.

    Attributes
    ----------
    lines : pandas.DataFrame
        One row per patient × line (``patient_id``, ``line_id``, ``origin_date``), in the
        order of the arrays' rows.
    criteria : tuple of Criterion
        The criteria, one column of the arrays each.
    endpoint : str
        ``"PFS"``, ``"TTP"`` or ``"OS"``.
    days : numpy.ndarray
        ``float64`` (lines × criteria): date − origin (+ 1 day when the scheme says so); NaN
        where the line is excluded (no baseline scan for the criterion under a scheme with
        ``no_baseline="exclude"``).  For OS a read-only broadcast of one column.
    event : numpy.ndarray
        ``bool`` (lines × criteria): event (True) or censored.
    cnsr : numpy.ndarray
        ``int16`` (lines × criteria): CDISC censoring code (0 = event, else
        :data:`netsurv.endpoints.CENSOR_CODES`; -1 where excluded).
    attrition : pandas.DataFrame
        Lines set aside before the derivation (no origin, start after the cut-off).
    """

    lines: pd.DataFrame
    criteria: tuple[Criterion, ...]
    endpoint: str
    days: np.ndarray
    event: np.ndarray
    cnsr: np.ndarray
    attrition: pd.DataFrame

    @property
    def months(self) -> np.ndarray:
        """``days`` / 30.4375."""
        return self.days / DAYS_PER_MONTH

    def column(self, criterion: str | int) -> pd.DataFrame:
        """One criterion's endpoint as a table (``lines`` plus days, months, event, cnsr)."""
        names = [c.name for c in self.criteria]
        if isinstance(criterion, str):
            if criterion not in names:
                raise ConfigError(f"no criterion {criterion!r} in the matrix; have {names[:5]}...")
            j = names.index(criterion)
        else:
            j = criterion
        d = self.days[:, j]
        return self.lines.assign(
            criterion=names[j],
            endpoint=self.endpoint,
            days=d,
            months=d / DAYS_PER_MONTH,
            event=self.event[:, j].astype(int),
            cnsr=self.cnsr[:, j],
        )


def endpoint_matrix(
    cohort: Cohort,
    matrix: ResponseMatrix,
    *,
    endpoint: MatrixEndpoint = "PFS",
    censoring: str | CensoringScheme = "fda2018",
    cutoff_date: str | dt.date | None = None,
    origin: Origin = "line_start",
    block: int = 32,
) -> EndpointMatrix:
    """PFS, TTP or OS of every line under every criterion of a response matrix.

    Parameters
    ----------
    cohort
        The cohort the matrix was classified from.
    matrix
        Output of :func:`netsurv.classify_matrix`.
    endpoint
        ``"PFS"`` (progression or death), ``"TTP"`` (progression) or ``"OS"``.
    censoring
        ``"fda2018"`` (default), ``"ema_itt"`` or a :class:`~netsurv.endpoints.CensoringScheme`.
    cutoff_date
        Data cut-off date.
    origin
        ``"line_start"`` (default), ``"origin_date"`` or ``"baseline_scan"``.
    block
        Criteria handled per pass over the scans (memory: about 40 bytes × scans × block).
        Each pass works on a criteria × scans array and reduces along its rows.

    Returns
    -------
    EndpointMatrix

    Examples
    --------
    >>> import netsurv as ns
    >>> from netsurv.endpoints.matrix import endpoint_matrix
    >>> cohort = ns.load_demo()
    >>> grid = ns.criteria.grid("recist1.1", progression_threshold=[0.1, 0.2, 0.3])
    >>> pfs = endpoint_matrix(cohort, ns.classify_matrix(cohort, grid))
    >>> pfs.days.shape == (len(pfs.lines), 3)
    True
    >>> bool((pfs.event.sum(axis=0)[:-1] >= pfs.event.sum(axis=0)[1:]).all())
    True
    """
    if endpoint not in ("PFS", "TTP", "OS"):
        raise ConfigError(f"endpoint_matrix derives 'PFS', 'TTP' or 'OS', got {endpoint!r}")
    if block < 1:
        raise ConfigError(f"block must be >= 1, got {block}")
    scheme = censoring_scheme(censoring)
    cut = parse_cutoff(cutoff_date)
    call_origin(origin)
    lines, att = _lines_frame(cohort, origin=origin, cutoff=cut)
    attrition = pd.concat(att, ignore_index=True)
    out_lines = lines[["patient_id", "line_id", "origin"]].rename(columns={"origin": "origin_date"})
    n_crit = len(matrix.criteria)
    if endpoint == "OS":
        return _overall_survival(cohort, lines, out_lines, matrix, scheme, cut, origin, attrition)

    day = _Days(lines, cut)
    rows = _scan_rows(matrix, lines, day)
    n_lines = len(lines)
    days = np.empty((n_lines, n_crit), dtype=np.float64)
    event = np.empty((n_lines, n_crit), dtype=bool)
    cnsr = np.empty((n_lines, n_crit), dtype=np.int16)
    for lo in range(0, n_crit, block):
        hi = min(lo + block, n_crit)
        censor_unresolved = np.array(
            [c.unresolved_pd == "censor" for c in matrix.criteria[lo:hi]], dtype=bool
        )
        # criteria × scans, C-contiguous (the codes are stored column-major): the per-line
        # reductions run along the last axis, several times faster than down columns
        codes = np.ascontiguousarray(matrix.codes[:, lo:hi].T[:, rows.index])
        schedules = [scheme.schedule_for(c.modality) for c in matrix.criteria[lo:hi]]
        d, e, c = _derive_block(
            codes, rows, day, scheme, endpoint, censor_unresolved[:, None], schedules
        )
        days[:, lo:hi], event[:, lo:hi], cnsr[:, lo:hi] = d.T, e.T, c.T
    return EndpointMatrix(
        lines=out_lines.reset_index(drop=True),
        criteria=matrix.criteria,
        endpoint=endpoint,
        days=days,
        event=event,
        cnsr=cnsr,
        attrition=attrition,
    )


class _Days:
    """Per-line day numbers (days since 1970) of the dates the rules use."""

    def __init__(self, lines: pd.DataFrame, cut: pd.Timestamp) -> None:
        def num(col: str) -> np.ndarray:
            v = lines[col].to_numpy(dtype="datetime64[D]").astype(np.int64)
            return np.where(lines[col].isna().to_numpy(), _NEVER, v)

        self.origin = num("origin")
        self.start = num("start_date")
        self.next_start = num("next_start")
        self.death = num("death_date")
        self.cut = min(int(np.datetime64(cut, "D").astype(np.int64)), _NEVER)


@dataclass(frozen=True)
class _Rows:
    """Scan rows of the matrix that matter, sorted by line, with their line segments."""

    index: np.ndarray  # rows of the matrix
    line: np.ndarray  # line (row of ``lines``) of each scan row
    day: np.ndarray  # scan date as a day number
    follow_up: np.ndarray  # counts as a follow-up assessment of its line
    baseline: np.ndarray
    seg_start: np.ndarray  # first row of each line segment
    seg_line: np.ndarray  # line of each segment


def _scan_rows(matrix: ResponseMatrix, lines: pd.DataFrame, day: _Days) -> _Rows:
    scans = matrix.scans
    key = pd.MultiIndex.from_frame(lines[["patient_id", "line_id"]])
    li = key.get_indexer(pd.MultiIndex.from_frame(scans[["patient_id", "line_id"]]))
    keep = np.flatnonzero(li >= 0)
    li = li[keep]
    d = scans["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)[keep]
    order = np.lexsort((d, li))
    keep, li, d = keep[order], li[order], d[order]
    role = scans["role"].to_numpy()[keep]
    follow = (role == "follow_up") & (d > day.start[li]) & (d >= day.origin[li]) & (d <= day.cut)
    seg_start = np.flatnonzero(np.r_[True, li[1:] != li[:-1]]) if len(li) else np.empty(0, int)
    return _Rows(
        index=keep,
        line=li,
        day=d,
        follow_up=follow,
        baseline=role == "baseline",
        seg_start=seg_start,
        seg_line=li[seg_start],
    )


def _per_line(
    values: np.ndarray, rows: _Rows, n_lines: int, fill: int | np.integer, ufunc: np.ufunc
) -> np.ndarray:
    """``ufunc``-reduction of ``values`` (k × scan rows) over each line's rows: k × lines,
    ``fill`` for lines without rows."""
    out = np.full((values.shape[0], n_lines), fill, dtype=values.dtype)
    if len(rows.seg_start):
        out[:, rows.seg_line] = ufunc.reduceat(values, rows.seg_start, axis=1)
    return out


def _widen(day32: np.ndarray) -> np.ndarray:
    """int32 day numbers with the int32 sentinels turned into the int64 ones."""
    out = day32.astype(np.int64)
    out[day32 == _NEVER32] = _NEVER
    out[day32 == -_NEVER32] = -_NEVER
    return out


def _derive_block(
    codes: np.ndarray,
    rows: _Rows,
    day: _Days,
    scheme: CensoringScheme,
    endpoint: str,
    censor_unresolved: np.ndarray,
    schedules: list[tuple[ScheduleStep, ...]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_lines = len(day.origin)
    read = codes != NOT_READ
    resp = codes & 15
    valid = read & rows.follow_up[None, :] & (resp != 0)
    status = codes >> 4
    not_event = (status == PD_UNCONFIRMED) | ((status == PD_UNRESOLVED) & censor_unresolved)
    progression = valid & (resp == PD) & ~not_event
    adequate = valid & _IS_ADEQUATE[resp]
    rday = rows.day.astype(np.int32)[None, :]

    has_base = _per_line(read & rows.baseline[None, :], rows, n_lines, False, np.logical_or)
    first_pd = _widen(
        _per_line(np.where(progression, rday, _NEVER32), rows, n_lines, _NEVER32, np.minimum)
    )
    last_ad = _widen(
        _per_line(np.where(adequate, rday, -_NEVER32), rows, n_lines, -_NEVER32, np.maximum)
    )

    origin, cut = day.origin[None, :], day.cut
    pd_ok = (first_pd <= cut) & (first_pd >= origin)
    event_day = np.where(pd_ok, first_pd, _NEVER)
    if endpoint == "PFS":
        death = day.death[None, :]
        death_ok = (death <= cut) & (death >= origin)
        # the earliest event wins; on the same day progression comes first (same date anyway)
        event_day = np.where(death_ok & (death < event_day), death, event_day)
    event = event_day < _NEVER

    # censoring date: the last adequate assessment, or the origin when there is none
    censor_day = np.maximum(last_ad, origin)
    cnsr = np.where(last_ad >= origin, _CNSR_LAST, _CNSR_ORIGIN).astype(np.int16)

    if scheme.censor_at_new_therapy or scheme.missed_assessments:
        ev32 = np.minimum(event_day, _NEVER32).astype(np.int32)
        before = adequate & (rday < ev32[:, rows.line])
        laa = _widen(
            _per_line(np.where(before, rday, -_NEVER32), rows, n_lines, -_NEVER32, np.maximum)
        )
        change = np.zeros_like(event)
        if scheme.censor_at_new_therapy:
            # an event after the next line's start, or a last adequate assessment after it
            # (scans assigned to this line by line_id): back to the last adequate assessment
            # on or before that start
            next_start = day.next_start[None, :]
            new_tx = np.where(event, event_day, last_ad) > next_start
            late = rows.day > day.next_start[rows.line]  # usually none: scans linked by date
            if late.any():
                on_time = np.where(adequate & ~late[None, :], rday, -_NEVER32)
                laa_tx = _widen(_per_line(on_time, rows, n_lines, -_NEVER32, np.maximum))
            else:
                laa_tx = last_ad
            laa = np.where(new_tx, laa_tx, laa)
            change |= new_tx
            cnsr = np.where(new_tx, _CNSR_NEW_TX, cnsr).astype(np.int16)
        ref = np.where(laa >= origin, laa, origin)
        if scheme.missed_assessments:
            allowed = _allowed_gaps(scheme, schedules, ref - origin)
            missed = event & ~change & (event_day - ref > allowed)
            change |= missed
            cnsr = np.where(missed, _CNSR_MISSED, cnsr).astype(np.int16)
        censor_day = np.where(change, ref, censor_day)
        event &= ~change

    date = np.where(event, event_day, censor_day)
    cnsr = np.where(event, 0, cnsr).astype(np.int16)
    no_base = ~has_base if scheme.no_baseline != "as_observed" else np.zeros_like(has_base)
    date = np.where(no_base, origin, date)
    event &= ~no_base
    cnsr = np.where(no_base, _CNSR_NO_BASE, cnsr).astype(np.int16)
    days = (np.maximum(date, origin) - origin + int(scheme.add_one_day)).astype(np.float64)
    if scheme.no_baseline == "exclude":
        days[no_base] = np.nan
        cnsr[no_base] = -1
    return days, event, cnsr


def _allowed_gaps(
    scheme: CensoringScheme, schedules: list[tuple[ScheduleStep, ...]], since: np.ndarray
) -> np.ndarray:
    """Allowed gaps (criteria × lines) after assessments ``since`` days in, each criterion
    (row) with its own schedule; rows sharing a schedule are looked up together."""
    distinct = list(dict.fromkeys(schedules))
    if len(distinct) == 1:  # the usual case: a grid of one criterion family
        return scheme.gap_days(since, distinct[0])
    out = np.empty(since.shape, dtype=np.int64)
    for schedule in distinct:
        own = np.array([s == schedule for s in schedules])
        out[own] = scheme.gap_days(since[own], schedule)
    return out


def _overall_survival(
    cohort: Cohort,
    lines: pd.DataFrame,
    out_lines: pd.DataFrame,
    matrix: ResponseMatrix,
    scheme: CensoringScheme,
    cut: pd.Timestamp,
    origin: Origin,
    attrition: pd.DataFrame,
) -> EndpointMatrix:
    """OS does not depend on the criterion: derive it once, broadcast it (no copy)."""
    empty = pd.DataFrame(
        {
            "patient_id": pd.Series(dtype=object),
            "line_id": pd.Series(dtype=object),
            "criterion": pd.Series(dtype=object),
            "assessment_id": pd.Series(dtype=object),
            "date": pd.Series(dtype="datetime64[ns]"),
            "response": pd.Series(dtype=object),
        }
    )
    res = derive_from_timepoints(
        cohort,
        empty,
        endpoints=["OS"],
        censoring=scheme,
        cutoff_date=None if cut == NO_CUTOFF else cut,
        origin=origin,
        criteria=[],
    )
    os_ = res.table.set_index(["patient_id", "line_id"]).reindex(
        pd.MultiIndex.from_frame(lines[["patient_id", "line_id"]])
    )
    shape = (len(lines), len(matrix.criteria))

    def wide(v: np.ndarray) -> np.ndarray:
        return np.broadcast_to(v[:, None], shape)

    return EndpointMatrix(
        lines=out_lines.reset_index(drop=True),
        criteria=matrix.criteria,
        endpoint="OS",
        days=wide(os_["days"].to_numpy(dtype=np.float64)),
        event=wide(os_["event"].to_numpy(dtype=bool)),
        cnsr=wide(os_["cnsr"].to_numpy(dtype=np.int16)),
        attrition=attrition,
    )
