"""Kernel of :func:`~netsurv.endpoints.matrix.endpoint_matrix`: PFS / TTP of many criteria.

Per line and criterion the rules need three dates from the scans: the first progression, the
last adequate assessment, and the last adequate assessment before the event.  A segmented
reduction (``reduceat`` over each line's rows) calls numpy's inner loop once per line and
criterion, on a handful of scans each.  Here the rows are laid out position-major instead
("jagged diagonal" storage, :class:`Jagged`): the lines are ranked by their number of rows,
most first, and position ``p`` holds the ``p``-th row (by date) of every line with more than
``p`` rows, in rank order, so it covers exactly the ranks ``0 .. count[p] - 1``.  A per-line
reduction becomes a short loop over positions of whole-slice elementwise updates, and the
per-line arrays line up with the slices without any gather.  :func:`derive_tile` works on a
tile of criteria × ranks small enough for its arrays to stay in cache, with int32 day
numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.endpoints.rules import CensoringScheme, ScheduleStep
from netsurv.endpoints.vocabulary import CENSOR_CODES
from netsurv.response.codes import CR, MR, NONCR, PD, PD_UNCONFIRMED, PD_UNRESOLVED, PR, SD
from netsurv.response.matrix import NOT_READ, ResponseMatrix

NEVER = np.int32(2**30)  # a day number later than any date (int32: half the traffic of int64)
_PD_UNCONFIRMED = PD + 16 * PD_UNCONFIRMED  # codes of the PD scans that are no event
_PD_UNRESOLVED = PD + 16 * PD_UNRESOLVED  # (the latter for criteria censoring it)
# adequate responses are the codes 1 .. PD, tested as (code - 1) < PD in uint8
assert tuple(range(1, PD + 1)) == (CR, PR, MR, SD, NONCR, PD)
_CNSR_LAST = CENSOR_CODES["last adequate assessment"]
_CNSR_ORIGIN = CENSOR_CODES["no adequate assessment after origin"]
_CNSR_NO_BASE = CENSOR_CODES["no baseline tumour assessment"]
_CNSR_NEW_TX = CENSOR_CODES["new anticancer therapy started"]
_CNSR_MISSED = CENSOR_CODES["event after missed assessments"]


def _day_numbers(values: pd.Series) -> np.ndarray:
    """Days since 1970 as int32, :data:`NEVER` for missing dates."""
    v = values.to_numpy(dtype="datetime64[D]").astype(np.int64)
    return np.where(values.isna().to_numpy(), NEVER, np.minimum(v, NEVER)).astype(np.int32)


@dataclass(frozen=True)
class Jagged:
    """Rows grouped by line, laid out position-major.

    Attributes
    ----------
    rows : numpy.ndarray
        Index of the input rows, in layout order.
    offset : numpy.ndarray
        Start of each position in ``rows`` (one more entry than positions): position ``p``
        is ``rows[offset[p]:offset[p + 1]]``, the ``p``-th row of the lines of rank
        ``0 .. offset[p + 1] - offset[p] - 1``.
    lines : numpy.ndarray
        The line of each rank (every line; those without rows rank last).

    Examples
    --------
    >>> lay = Jagged.build(np.array([0, 0, 0, 2, 2, 3]), n_lines=4)
    >>> lay.lines.tolist()  # line 0 has three rows, line 2 two, line 3 one, line 1 none
    [0, 2, 3, 1]
    >>> lay.rows.tolist(), lay.offset.tolist()  # positions 0, 1, 2: rows 0 3 5 | 1 4 | 2
    ([0, 3, 5, 1, 4, 2], [0, 3, 5, 6])
    >>> lay.slices(1, 3)  # ranks 1 and 2 (lines 2 and 3): 2 rows at position 0, 1 at 1
    [(1, 2), (4, 1)]
    """

    rows: np.ndarray
    offset: np.ndarray
    lines: np.ndarray

    @classmethod
    def build(cls, line: np.ndarray, n_lines: int) -> Jagged:
        """Layout of rows whose lines are ``line`` (rows grouped by line, ascending, in the
        order wanted within each line)."""
        count = np.bincount(line, minlength=n_lines)
        lines = np.argsort(-count, kind="stable")
        rank = np.empty(n_lines, dtype=np.intp)
        rank[lines] = np.arange(n_lines)
        pos = np.arange(len(line)) - (np.cumsum(count) - count)[line]
        rows = np.lexsort((rank[line], pos))
        offset = np.concatenate([[0], np.cumsum(np.bincount(pos))]).astype(np.intp)
        return cls(rows=rows, offset=offset, lines=lines)

    def rank(self) -> np.ndarray:
        """The rank of each line."""
        out = np.empty(len(self.lines), dtype=np.intp)
        out[self.lines] = np.arange(len(self.lines))
        return out

    def slices(self, r0: int, r1: int) -> list[tuple[int, int]]:
        """(start in ``rows``, length) of the rows of ranks ``r0 .. r1 - 1`` at each position
        that has any."""
        out = []
        for p in range(len(self.offset) - 1):
            n = min(int(self.offset[p + 1] - self.offset[p]), r1) - r0
            if n <= 0:
                break  # counts only fall with the position
            out.append((int(self.offset[p]) + r0, n))
        return out


@dataclass(frozen=True)
class ScanLayout:
    """The scans of the matrix that the rules read, laid out for :func:`derive_tile`.

    Per-line arrays are in the rank order of the follow-up layout.
    """

    follow: Jagged  # follow-up assessments inside the line's window, by date within a line
    follow_rows: np.ndarray  # their matrix rows, in layout order
    follow_day: np.ndarray  # their dates (int32 day numbers)
    late: np.ndarray | None  # after the next line's start (only when any is)
    base: Jagged  # baseline scans
    base_rows: np.ndarray  # their matrix rows, in layout order
    base_rank: np.ndarray  # rank in ``base`` of the line of each follow-up rank
    origin: np.ndarray
    death: np.ndarray
    next_start: np.ndarray
    cut: int

    @classmethod
    def build(cls, matrix: ResponseMatrix, lines: pd.DataFrame, cut: pd.Timestamp) -> ScanLayout:
        """Select, sort and lay out the scans of ``lines`` (the engine's lines frame)."""
        n_lines = len(lines)
        origin, start = _day_numbers(lines["origin"]), _day_numbers(lines["start_date"])
        next_start = _day_numbers(lines["next_start"])
        cut_day = min(int(np.datetime64(cut, "D").astype(np.int64)), int(NEVER))
        scans = matrix.scans
        key = pd.MultiIndex.from_frame(lines[["patient_id", "line_id"]])
        li = key.get_indexer(pd.MultiIndex.from_frame(scans[["patient_id", "line_id"]]))
        keep = np.flatnonzero(li >= 0)
        li = li[keep]
        d = scans["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)[keep]
        order = np.lexsort((d, li))
        keep, li, d = keep[order], li[order], d[order]
        role = scans["role"].to_numpy()[keep]
        # a follow-up assessment of its line: after the start, not before the origin, not
        # after the cut-off (so a first progression or last assessment is always in range)
        fu = (role == "follow_up") & (d > start[li]) & (d >= origin[li]) & (d <= cut_day)
        follow = Jagged.build(li[fu], n_lines)
        follow_day = d[fu][follow.rows].astype(np.int32)
        late = follow_day > next_start[li[fu][follow.rows]]
        bl = role == "baseline"
        base = Jagged.build(li[bl], n_lines)
        return cls(
            follow=follow,
            follow_rows=keep[fu][follow.rows],
            follow_day=follow_day,
            late=late if late.any() else None,
            base=base,
            base_rows=keep[bl][base.rows],
            base_rank=base.rank()[follow.lines],
            origin=origin[follow.lines],
            death=_day_numbers(lines["death_date"])[follow.lines],
            next_start=next_start[follow.lines],
            cut=cut_day,
        )

    def has_baseline(self, columns: np.ndarray) -> np.ndarray:
        """Whether each criterion (row of ``columns``, criteria × matrix rows) read a
        baseline scan of each line: criteria × lines in rank order."""
        seen = np.zeros((columns.shape[0], len(self.base.lines)), dtype=bool)
        codes = np.take(columns, self.base_rows, axis=1)
        for at, n in self.base.slices(0, len(self.base.lines)):
            seen[:, :n] |= codes[:, at : at + n] != NOT_READ
        return seen[:, self.base_rank]


def derive_tile(
    codes: np.ndarray,
    has_base: np.ndarray | None,
    lay: ScanLayout,
    ranks: tuple[int, int],
    scheme: CensoringScheme,
    endpoint: str,
    censor_unresolved: np.ndarray,
    schedules: list[tuple[ScheduleStep, ...]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Days, event, CNSR and the event's cause (criteria × lines; cause 1 = progression, 2 =
    death, 0 = censored) of the line ranks ``ranks`` (start, stop).

    ``codes`` holds the follow-up codes of a block of criteria (criteria × follow-up rows in
    layout order); ``has_base`` (criteria × these ranks) is None under a scheme with no rule
    for lines without a baseline scan.
    """
    r0, r1 = ranks
    k, n = codes.shape[0], r1 - r0
    slices = lay.follow.slices(r0, r1)
    origin = lay.origin[r0:r1]
    first_pd = _first_progression(codes, lay.follow_day, slices, (k, n), censor_unresolved)

    event_day = first_pd  # a follow-up scan is never before the origin nor after the cut-off
    death_first = None
    if endpoint == "PFS":
        death = lay.death[r0:r1]
        death_day = np.where((death <= lay.cut) & (death >= origin), death, NEVER)
        # the earliest event wins; on the same day progression comes first (same date anyway)
        death_first = death_day < event_day
        np.minimum(event_day, death_day, out=event_day)
    event = event_day < NEVER

    rules = scheme.censor_at_new_therapy or scheme.missed_assessments
    late = lay.late if rules and scheme.censor_at_new_therapy else None
    last_ad, laa, laa_tx = _last_adequate(
        codes, lay.follow_day, late, slices, (k, n), event_day if rules else None
    )
    # censoring date: the last adequate assessment, or the origin when there is none
    censor_day = np.maximum(last_ad, origin)
    cnsr = np.where(last_ad >= origin, np.int16(_CNSR_LAST), np.int16(_CNSR_ORIGIN))

    if laa is not None:
        change = np.zeros_like(event)
        if scheme.censor_at_new_therapy:
            # an event after the next line's start, or a last adequate assessment after it
            # (scans assigned to this line by line_id): back to the last adequate assessment
            # on or before that start
            new_tx = np.where(event, event_day, last_ad) > lay.next_start[r0:r1]
            np.copyto(laa, laa_tx if laa_tx is not None else last_ad, where=new_tx)
            change |= new_tx
            np.copyto(cnsr, np.int16(_CNSR_NEW_TX), where=new_tx)
        ref = np.maximum(laa, origin)
        if scheme.missed_assessments:
            allowed = _allowed_gaps(scheme, schedules, ref - origin)
            missed = (event_day - ref > allowed) & event & ~change
            change |= missed
            np.copyto(cnsr, np.int16(_CNSR_MISSED), where=missed)
        np.copyto(censor_day, ref, where=change)
        event &= ~change

    date = np.where(event, event_day, censor_day)
    np.copyto(cnsr, np.int16(0), where=event)
    if has_base is not None:
        no_base = ~has_base
        np.copyto(date, origin[None, :], where=no_base)
        event &= has_base
        np.copyto(cnsr, np.int16(_CNSR_NO_BASE), where=no_base)
    np.maximum(date, origin, out=date)
    date -= origin
    days = date.astype(np.float64)
    if scheme.add_one_day:
        days += 1.0
    if has_base is not None and scheme.no_baseline == "exclude":
        np.copyto(days, np.nan, where=no_base)
        np.copyto(cnsr, np.int16(-1), where=no_base)
    # the event's cause: 1 progression, 2 death without progression (0: censored)
    cause = event.astype(np.int8)
    if death_first is not None:
        cause += np.logical_and(death_first, event, out=death_first)
    return days, event, cnsr, cause


def _first_progression(
    codes: np.ndarray,
    day: np.ndarray,
    slices: list[tuple[int, int]],
    shape: tuple[int, int],
    censor_unresolved: np.ndarray,
) -> np.ndarray:
    """Date of the first progression event (NEVER if none), criteria × ranks.

    Computed as NEVER − the maximum of (NEVER − date) × progression over the positions: a
    masked maximum by multiplication, branch-free and several times faster than a masked
    copy (``np.copyto(..., where=)``).
    """
    acc, tmp = np.zeros(shape, dtype=np.int32), np.empty(shape, dtype=np.int32)
    buf, hit = np.empty(shape, dtype=np.uint8), np.empty(shape, dtype=bool)
    cu = np.flatnonzero(censor_unresolved)
    for at, n in slices:
        c, h = codes[:, at : at + n], hit[:, :n]
        # a PD response (low 4 bits) that is not an unconfirmed iUPD, nor an unresolved
        # one for the criteria censoring those
        np.equal(np.bitwise_and(c, 15, out=buf[:, :n]), PD, out=h)
        h &= np.not_equal(c, _PD_UNCONFIRMED, out=buf[:, :n].view(bool))
        if len(cu):
            h[cu] &= c[cu] != _PD_UNRESOLVED
        _masked_max(acc[:, :n], h, NEVER - day[at : at + n], tmp[:, :n])
    return np.subtract(NEVER, acc, out=acc)


def _last_adequate(
    codes: np.ndarray,
    day: np.ndarray,
    late: np.ndarray | None,
    slices: list[tuple[int, int]],
    shape: tuple[int, int],
    event_day: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Dates (-NEVER if none), criteria × ranks, of the last adequate assessment; with
    ``event_day``, also of the last one before the event, and when some scans are ``late``
    (after the next line's start) of the last one not late.

    Maxima of (date + NEVER) × adequate, minus NEVER (see :func:`_first_progression`).
    """
    last, tmp = np.zeros(shape, dtype=np.int32), np.empty(shape, dtype=np.int32)
    before = last.copy() if event_day is not None else None
    on_time = last.copy() if event_day is not None and late is not None else None
    buf, ok = np.empty(shape, dtype=np.uint8), np.empty(shape, dtype=bool)
    sel = np.empty(shape, dtype=bool)
    for at, n in slices:
        c, b, a, d = codes[:, at : at + n], buf[:, :n], ok[:, :n], day[at : at + n]
        shifted, t = d + NEVER, tmp[:, :n]
        # adequate: response code 1 (CR) .. 6 (PD); 0 (baseline) - 1 wraps to 255
        np.bitwise_and(c, 15, out=b)
        np.subtract(b, 1, out=b)
        np.less(b, PD, out=a)
        _masked_max(last[:, :n], a, shifted, t)
        if before is not None and event_day is not None:
            s = np.less(d, event_day[:, :n], out=sel[:, :n])
            s &= a
            _masked_max(before[:, :n], s, shifted, t)
        if on_time is not None and late is not None:
            s = np.logical_and(a, ~late[at : at + n], out=sel[:, :n])
            _masked_max(on_time[:, :n], s, shifted, t)
    np.subtract(last, NEVER, out=last)
    for x in (before, on_time):
        if x is not None:
            np.subtract(x, NEVER, out=x)
    return last, before, on_time


def _masked_max(acc: np.ndarray, mask: np.ndarray, value: np.ndarray, tmp: np.ndarray) -> None:
    """``acc = max(acc, mask × value)`` in place (``value`` >= 0, broadcast along rows)."""
    np.multiply(mask, value, out=tmp)
    np.maximum(acc, tmp, out=acc)


def _allowed_gaps(
    scheme: CensoringScheme, schedules: list[tuple[ScheduleStep, ...]], since: np.ndarray
) -> np.ndarray:
    """Allowed gaps (criteria × lines) after assessments ``since`` days in, each criterion
    (row) with its own schedule; rows sharing a schedule are looked up together."""
    distinct = list(dict.fromkeys(schedules))
    if len(distinct) == 1:  # the usual case: a grid of one criterion family
        return _gaps(scheme, distinct[0], since)
    out = np.empty(since.shape, dtype=np.int32)
    for schedule in distinct:
        own = np.array([s == schedule for s in schedules])
        out[own] = _gaps(scheme, schedule, since[own])
    return out


def _gaps(
    scheme: CensoringScheme, schedule: tuple[ScheduleStep, ...], since: np.ndarray
) -> np.ndarray:
    """:meth:`CensoringScheme.gap_days` in int32: the schedule's steps start at day 0 and
    increase, so the step in force is the last one started on or before ``since``."""
    n_missed = scheme.missed_assessments or 0
    out = np.full(since.shape, schedule[0].interval_days * n_missed + scheme.window_days, np.int32)
    for step in schedule[1:]:
        np.copyto(
            out,
            np.int32(step.interval_days * n_missed + scheme.window_days),
            where=since >= step.from_day,
        )
    return out
