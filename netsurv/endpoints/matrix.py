"""``endpoint_matrix``: PFS / TTP / OS of every line under many criteria at once, as arrays.

:func:`netsurv.derive_endpoints` returns a long, traceable table (one row per line × criterion ×
endpoint, with the source row of every date).  For a grid of hundreds of criterion variants on
a large cohort that table is too big and too slow; this module applies the same rules (the
earliest event wins, PD before death on the same day; otherwise the last adequate assessment,
or the origin; the censoring scheme's new-therapy and missed-assessment rules; lines without a
baseline scan censored at the origin or excluded) to a :class:`~netsurv.response.ResponseMatrix`
with whole-array operations (the kernel, scans laid out position-major and worked in
cache-sized tiles, is :mod:`netsurv.endpoints.matrix_kernel`).  The results equal the long
engine's ``days``, ``event`` and ``cnsr`` column for column (tested).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View
from netsurv.cohort import Cohort
from netsurv.criteria.combined import AnyCriterion
from netsurv.endpoints import _print
from netsurv.endpoints.arguments import NO_CUTOFF, call_origin, censoring_scheme, parse_cutoff
from netsurv.endpoints.engine import derive_from_timepoints
from netsurv.endpoints.lines import NO_BASELINE_REASON, _att, _lines_frame
from netsurv.endpoints.matrix_kernel import ScanLayout, derive_tile
from netsurv.endpoints.rules import CensoringScheme, Origin
from netsurv.endpoints.vocabulary import CENSOR_CODES, DAYS_PER_MONTH
from netsurv.errors import ConfigError
from netsurv.response.matrix import ResponseMatrix

MatrixEndpoint = Literal["PFS", "TTP", "OS"]

#: Event causes of :attr:`EndpointMatrix.cause` (code = position + 1; 0 = censored).
CAUSES = ("progression", "death")

_TILE = 1 << 16  # criteria × lines per tile: the tile's int32 arrays fit in a 1 MB L2 cache
_MIN_RANKS = 256  # lines per tile at least (bounds the numpy calls per criterion)

#: Attrition reason of a line censored at its origin, by CNSR code.
_AT_ORIGIN = {
    CENSOR_CODES["no adequate assessment after origin"]: (
        "no adequate follow-up assessment ({which}){when}: {endpoint} censored at origin"
    ),
    CENSOR_CODES["new anticancer therapy started"]: (
        "new anticancer therapy before any adequate follow-up assessment ({which}): "
        "{endpoint} censored at origin"
    ),
    CENSOR_CODES["event after missed assessments"]: (
        "event after missed assessments, none adequate before ({which}): "
        "{endpoint} censored at origin"
    ),
}


def _attrition_rows(
    lines: pd.DataFrame,
    criteria: tuple[AnyCriterion, ...],
    count: np.ndarray,
    first: np.ndarray,
    reason: str,
    **fields: str,
) -> pd.DataFrame:
    """One attrition row per line with ``count > 0``; ``{which}`` in ``reason`` becomes the
    number of criteria concerned and the first of them (``first``, an index into
    ``criteria``), the other fields are ``fields``."""
    at = np.flatnonzero(count)
    names = [c.name for c in criteria]
    n = len(criteria)
    why = [
        reason.format(
            which=names[f] if n == 1 else f"{k} of {n} criteria, e.g. {names[f]}", **fields
        )
        for k, f in zip(count[at].tolist(), first[at].tolist(), strict=True)
    ]
    return _att(lines["line_key"].iloc[at], pd.Series(why))


def _lines_at_origin(
    lines: pd.DataFrame,
    criteria: tuple[AnyCriterion, ...],
    days: np.ndarray,
    event: np.ndarray,
    cnsr: np.ndarray,
    origin_days: float,
    endpoint: str,
    when: str,
) -> list[pd.DataFrame]:
    """Attrition rows of the lines censored at their origin, one reason per CNSR code (lines
    without a baseline scan carry their own code and are listed apart)."""
    at_origin = days == origin_days
    at_origin &= ~event
    some = np.flatnonzero(at_origin.any(axis=1))  # usually few lines: work on those only
    at_origin, code = at_origin[some], cnsr[some]
    out = []
    for c, reason in _AT_ORIGIN.items():
        hit = at_origin & (code == c)
        count = np.zeros(len(lines), dtype=np.int64)
        first = np.zeros(len(lines), dtype=np.int64)
        count[some], first[some] = hit.sum(axis=1), hit.argmax(axis=1)
        out.append(
            _attrition_rows(lines, criteria, count, first, reason, endpoint=endpoint, when=when)
        )
    return out


@dataclass(frozen=True, repr=False)
class EndpointMatrix(Displayable):
    """One endpoint of every line under many criteria.

    Attributes
    ----------
    lines : pandas.DataFrame
        One row per patient × line (``patient_id``, ``line_id``, ``origin_date``), in the
        order of the arrays' rows.
    criteria : tuple of Criterion or CombinedCriterion
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
    cause : numpy.ndarray
        ``int8`` (lines × criteria): the event's cause, an index into :data:`CAUSES` plus one
        (1 = progression, 2 = death without progression; 0 = censored) — the long engine's
        ``event_cause`` (:meth:`column` names it), so that PFS can be analysed as competing
        risks (:func:`netsurv.endpoints.competing_events`).
    attrition : pandas.DataFrame
        Lines set aside before the derivation (no origin, start after the cut-off) and, for
        PFS / TTP, lines that could not contribute fully under some criteria: no baseline
        scan (excluded, censored at the origin or counted from death, as the scheme says) or
        censored at the origin (no adequate follow-up assessment; new therapy or missed
        assessments before any adequate one).  One row per line and reason, naming how
        many criteria it concerns and the first of them.  Under ``no_baseline="as_observed"``
        a line without a baseline scan that is censored at its origin appears under both
        reasons.  (:func:`netsurv.derive_endpoints` lists one row per criterion instead.)

    Examples
    --------
    >>> import netsurv as ns
    >>> cohort = ns.load_demo()
    >>> m = ns.classify_matrix(cohort, ns.criteria.grid("recist1.1", progression_threshold=[0.1, 0.2]))
    >>> ns.endpoints.endpoint_matrix(cohort, m, endpoint="PFS")
    <EndpointMatrix: PFS of 558 lines under 2 criteria>
                                            n events censored excluded
    recist1.1[progression_threshold=0.1]  558    459       99        0
    recist1.1[progression_threshold=0.2]  558    392      166        0
    23 rows set aside (see .attrition)
    """

    lines: pd.DataFrame
    criteria: tuple[AnyCriterion, ...]
    endpoint: str
    days: np.ndarray
    event: np.ndarray
    cnsr: np.ndarray
    attrition: pd.DataFrame
    cause: np.ndarray

    @property
    def months(self) -> np.ndarray:
        """``days`` / 30.4375."""
        return self.days / DAYS_PER_MONTH

    def column(self, criterion: str | int) -> pd.DataFrame:
        """One criterion's endpoint as a table (``lines`` plus days, months, event, cnsr and
        ``event_cause``, None when censored)."""
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
            event_cause=np.array([None, *CAUSES], dtype=object)[self.cause[:, j]],
        )

    def summary(self) -> pd.DataFrame:
        """One row per criterion: ``n`` lines analysed, ``events``, ``censored``, ``excluded``."""
        return _print.matrix_counts(self)

    def _view(self) -> View:
        return _print.matrix_view(self)


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
        Criteria handled per pass over the scans (memory: about 2 bytes × scans × block).
        Each pass works on tiles of ``block`` criteria × lines sized to stay in cache.

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
    >>> pfs.column(0)["event_cause"].value_counts().index.tolist()  # PFS events by cause
    ['progression', 'death']
    """
    if endpoint not in ("PFS", "TTP", "OS"):
        raise ConfigError(f"endpoint_matrix derives 'PFS', 'TTP' or 'OS', got {endpoint!r}")
    if block < 1:
        raise ConfigError(f"block must be >= 1, got {block}")
    scheme = censoring_scheme(censoring)
    extra = [e.kind for e in scheme.progression_sources()]
    if extra and endpoint != "OS":
        raise ConfigError(
            f"censoring scheme {scheme.name!r} adds progression event sources ({', '.join(extra)}"
            "), which endpoint_matrix does not read: use netsurv.derive_endpoints, or a scheme "
            "without them"
        )
    cut = parse_cutoff(cutoff_date)
    call_origin(origin)
    lines, att = _lines_frame(cohort, origin=origin, cutoff=cut)
    attrition = pd.concat(att, ignore_index=True)
    out_lines = lines[["patient_id", "line_id", "origin"]].rename(columns={"origin": "origin_date"})
    n_crit = len(matrix.criteria)
    if endpoint == "OS":
        return _overall_survival(cohort, lines, out_lines, matrix, scheme, cut, origin, attrition)

    lay = ScanLayout.build(matrix, lines, cut)
    n_lines = len(lines)
    days = np.empty((n_lines, n_crit), dtype=np.float64)
    event = np.empty((n_lines, n_crit), dtype=bool)
    cnsr = np.empty((n_lines, n_crit), dtype=np.int16)
    cause = np.empty((n_lines, n_crit), dtype=np.int8)
    # per line rank: criteria without a baseline scan, and the first of them
    no_base_count = np.zeros(n_lines, dtype=np.int64)
    no_base_first = np.full(n_lines, n_crit, dtype=np.int64)
    for lo in range(0, n_crit, block):
        hi = min(lo + block, n_crit)
        crits = matrix.criteria[lo:hi]
        censor_unresolved = np.array([c.unresolved_pd == "censor" for c in crits], dtype=bool)
        schedules = [scheme.schedule_for(c.modality) for c in crits]
        # criteria × scans, C-contiguous (the codes are stored column-major), the follow-up
        # scans in the layout's order
        columns = matrix.codes[:, lo:hi].T
        codes = np.take(columns, lay.follow_rows, axis=1)  # twice as fast as [:, rows]
        seen = lay.has_baseline(columns)  # criteria × line ranks
        lacks = ~seen
        no_base_count += lacks.sum(axis=0)
        np.minimum(
            no_base_first,
            np.where(lacks.any(axis=0), lo + lacks.argmax(axis=0), n_crit),
            out=no_base_first,
        )
        has_base = seen if scheme.no_baseline != "as_observed" else None
        # tiles of criteria × line ranks whose arrays stay in cache
        step = max(_TILE // (hi - lo), _MIN_RANKS)
        for r0 in range(0, n_lines, step):
            r1 = min(r0 + step, n_lines)
            d, e, c, k = derive_tile(
                codes,
                None if has_base is None else has_base[:, r0:r1],
                lay,
                (r0, r1),
                scheme,
                endpoint,
                censor_unresolved,
                schedules,
            )
            at = lay.follow.lines[r0:r1]
            days[at, lo:hi], event[at, lo:hi], cnsr[at, lo:hi] = d.T, e.T, c.T
            cause[at, lo:hi] = k.T
    rank = lay.follow.rank()
    attrition = pd.concat(
        [
            attrition,
            _attrition_rows(
                lines,
                matrix.criteria,
                no_base_count[rank],
                no_base_first[rank],
                NO_BASELINE_REASON[scheme.no_baseline],
                endpoint=endpoint,
            ),
            *_lines_at_origin(
                lines,
                matrix.criteria,
                days,
                event,
                cnsr,
                1.0 if scheme.add_one_day else 0.0,
                endpoint,
                " up to the cut-off" if cut != NO_CUTOFF else "",
            ),
        ],
        ignore_index=True,
    )
    return EndpointMatrix(
        lines=out_lines.reset_index(drop=True),
        criteria=matrix.criteria,
        endpoint=endpoint,
        days=days,
        event=event,
        cnsr=cnsr,
        attrition=attrition,
        cause=cause,
    )


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
        cause=wide(np.where(os_["event"].to_numpy(dtype=bool), np.int8(2), np.int8(0))),
    )
