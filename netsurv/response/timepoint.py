"""Time-point response of one criterion from its per-scan measurements: array rules only.

Each scan's rule conditions are packed into a ``uint16`` state (:mod:`netsurv.response.rules`),
and target response, overall response and reason are read from the rule table with one gather.
The state is an OR of masks, each computed by a handful of numpy operations on whole columns
and cached (:class:`_Memo`) by the criterion fields it depends on: the cut-off independent
conditions (baseline row, missing lesion, CR rule, new lesion, non-target status), progression
with the reappearance after a CR (``reappearance_after_cr_pd``, by default after a confirmed
overall CR), and response with minor response.  A grid of cut-off variants thus computes each
mask once per distinct value of its fields and each variant in a few passes.  ``sticky_pr``
and iRECIST confirmation of PD are running quantities within a line, computed per criterion
with segmented accumulations (``prior_any``, ``last_before``), never a loop over patients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from netsurv.criteria.criterion import Criterion
from netsurv.response.codes import CR, NONE, PD, PR, R
from netsurv.response.cutoffs import ge, le, rel
from netsurv.response.irecist import confirm_pd
from netsurv.response.lesion_growth import lesion_progression
from netsurv.response.measures import Measured
from netsurv.response.organ_parts import part_cutoffs
from netsurv.response.prepare import next_at_or_after, prior_any
from netsurv.response.rules import (
    CR_MET,
    DENSITY_ONLY,
    INCOMPLETE,
    IS_BASE,
    MINOR,
    NEW_PD,
    NO_TARGETS,
    NOT_COMPARABLE,
    PD_CERTAIN,
    PD_FULL,
    REAPPEARED,
    RESPONSE,
    STICKY,
    RuleTable,
    flag,
    ntl_bits,
    reader_table,
    rule_table,
)


@dataclass(frozen=True)
class Codes:
    """Per-scan codes of one criterion (see :mod:`netsurv.response.codes`).

    Attributes
    ----------
    state : numpy.ndarray
        ``uint16`` rule state of each scan (:mod:`netsurv.response.rules`; for a recorded
        read, the reader's response code + 9 × baseline row).
    table : RuleTable
        The codes of every state.
    response : numpy.ndarray
        ``int8`` overall response code of each scan.
    pd_status : numpy.ndarray
        ``int8`` iRECIST PD status code of each scan (0 unless the criterion confirms PD).
    """

    state: np.ndarray
    table: RuleTable
    response: np.ndarray
    pd_status: np.ndarray
    new_later: np.ndarray | None = None

    @property
    def target(self) -> np.ndarray:
        """``int8`` target response code of each scan."""
        return self.table.target[self.state]

    @property
    def reason(self) -> np.ndarray:
        """``int8`` reason code of each scan (``new_lesion_confirmed_later`` for a new-lesion
        PD whose equivocal new lesion a later scan confirmed)."""
        reason = self.table.reason[self.state]
        if self.new_later is None or not self.new_later.any():
            return reason
        later = self.new_later & (reason == R["new_lesion"])
        return np.where(later, np.int8(R["new_lesion_confirmed_later"]), reason).astype(np.int8)


class _Memo:
    """Caches masks shared by criteria whose relevant fields agree (grids).

    One memo serves the criteria of one :class:`~netsurv.response.measures.Measured`.
    """

    def __init__(self) -> None:
        self.store: dict[tuple[Any, ...], Any] = {}

    def get(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        if key not in self.store:
            self.store[key] = make()
        return self.store[key]


def classify_codes(m: Measured, crit: Criterion, memo: _Memo | None = None) -> Codes:
    """Target, overall response, reason and PD status codes of every scan."""
    memo = memo or _Memo()
    if crit.measure == "reader":
        table = reader_table()
        state = m.reader.astype(np.uint16) + np.uint16(NONE + 1) * m.is_base.astype(np.uint16)
    else:
        table = rule_table()
        state = _state(m, crit, memo)
        if crit.sticky_pr:
            state = state | flag(_sticky(m, table.target[state]), STICKY)
    response = table.response[state]
    if crit.confirm_pd and crit.measure != "reader":
        pd_status = confirm_pd(m, crit, response)
    else:
        pd_status = np.zeros(len(response), dtype=np.int8)
    new_later = None if crit.measure == "reader" else m.new_later
    return Codes(
        state=state, table=table, response=response, pd_status=pd_status, new_later=new_later
    )


# --------------------------------------------------------------------------- rule state
def _state(m: Measured, crit: Criterion, memo: _Memo) -> np.ndarray:
    """The rule state of every scan: cached masks by the fields they depend on, ORed."""
    dkey = (crit.density_response_threshold, crit.response_inclusive, crit.composite)
    skey = (crit.cr_rule, crit.new_lesion_pd, crit.nontarget_pd)
    pkey = (
        crit.progression_reference,
        crit.progression_threshold,
        crit.progression_inclusive,
        crit.progression_min_abs,
        crit.progression_abs_sufficient,
        crit.progression_scope,
        crit.progression_min_uln,
        crit.organ_thresholds,
        crit.missing,
        crit.aggregation,
        crit.measure,
        crit.direction,
        *dkey,
    )
    rkey = (
        crit.direction,
        crit.response_threshold,
        crit.response_reference,
        crit.response_inclusive,
        crit.response_min_abs,
        *dkey,
    )

    def density() -> np.ndarray:
        return memo.get(("dens", *dkey), lambda: _density_response(m, crit))

    def progression() -> tuple[np.ndarray, np.ndarray]:
        return memo.get(("pd", *pkey), lambda: _progression(m, crit, density()))

    def with_progression() -> np.ndarray:
        static = memo.get(("static", *skey), lambda: _Static.of(m, crit))
        full, certain = progression()
        reap = _reappeared(m, crit, static, certain)
        return (
            static.state | flag(certain, PD_CERTAIN) | flag(full, PD_FULL) | flag(reap, REAPPEARED)
        )

    def with_response() -> np.ndarray:
        resp, dens_only = _response(m, crit, density())
        mr = np.zeros(len(resp), dtype=bool)
        if crit.minor_response_threshold is not None:
            ref = m.baseline if crit.response_reference == "baseline" else m.nadir
            s = _sign(crit)
            change = s * rel(m.value, ref)
            mr = m.complete & le(change, s * crit.minor_response_threshold, True) & ~resp
        return flag(resp, RESPONSE) | flag(dens_only, DENSITY_ONLY) | flag(mr, MINOR)

    reap_key = (crit.reappearance_after_cr_pd, crit.confirm_min_days, crit.confirm_max_ne)
    left = memo.get(("progression", *skey, *pkey, *reap_key), with_progression)
    right = memo.get(("response", *rkey, crit.minor_response_threshold), with_response)
    return left | right


@dataclass(frozen=True)
class _Static:
    """Cut-off independent masks of one criterion's rules (CR rule, new lesion, non-target)."""

    state: np.ndarray
    cr: np.ndarray
    present: np.ndarray
    blocked: np.ndarray
    ntl_gone: np.ndarray

    @classmethod
    def of(cls, m: Measured, crit: Criterion) -> _Static:
        n = len(m.value)
        if crit.cr_rule == "recist":
            cr = m.complete & (m.n_pos_nonnodal == 0) & (m.n_big_node == 0)
            present = (m.n_pos_nonnodal > 0) | (m.n_big_node > 0)
        elif crit.cr_rule == "zero":
            cr = m.complete & (m.value == 0)
            present = m.value_meas > 0
        else:
            cr = np.zeros(n, dtype=bool)
            present = np.zeros(n, dtype=bool)
        fu = ~m.is_base
        new = fu & m.new_any & crit.new_lesion_pd
        ntl = m.ntl if crit.nontarget_pd else np.full(n, NONE, dtype=np.int8)
        state = (
            flag(m.is_base, IS_BASE)
            | flag(~m.has_targets, NO_TARGETS)
            | flag(~m.complete, INCOMPLETE)
            | flag(cr, CR_MET)
            | flag(new, NEW_PD)
            | ntl_bits(ntl)
            | flag(m.not_comparable, NOT_COMPARABLE)
        )
        blocked = new | (crit.nontarget_pd & (m.ntl == PD))
        ntl_gone = np.isin(m.ntl, (CR, NONE)) | (not crit.nontarget_pd)
        return cls(state=state, cr=cr, present=present, blocked=blocked, ntl_gone=ntl_gone)


def _sticky(m: Measured, tl: np.ndarray) -> np.ndarray:
    """``sticky_pr``: an earlier target PR or CR on the line and no earlier target PD."""
    return prior_any((tl == PR) | (tl == CR), m.gstart) & ~prior_any(tl == PD, m.gstart)


# --------------------------------------------------------------------------- target lesions
def _density_response(m: Measured, crit: Criterion) -> np.ndarray:
    if crit.density_response_threshold is None:
        return np.zeros(len(m.value), dtype=bool)
    base = np.where(m.density_base > 0, m.density_base, np.nan)
    return le(rel(m.density, base), crit.density_response_threshold, crit.response_inclusive)


def _sign(crit: Criterion) -> float:
    """+1 when a decrease is favourable (the default), -1 for ``direction="increase"``: every
    cut-off rule compares ``sign * change`` with ``sign * cut-off``, so one set of rules serves
    both directions."""
    return 1.0 if crit.direction == "decrease" else -1.0


def _progression(m: Measured, crit: Criterion, dens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PD on complete scans, and PD certain on incomplete scans from the measured lesions."""
    s = _sign(crit)

    def grows(
        x: np.ndarray,
        ref: np.ndarray,
        threshold: float | np.ndarray | None,
        uln: np.ndarray,
        dens: np.ndarray,
    ) -> np.ndarray:
        out = np.zeros(len(x), dtype=bool)
        chg = s * (x - ref)
        if threshold is not None:
            cond = ge(s * rel(x, ref), s * np.asarray(threshold), crit.progression_inclusive)
            if crit.progression_min_abs is not None:
                cond &= ge(chg, crit.progression_min_abs, crit.progression_inclusive)
            out |= cond
        if crit.progression_abs_sufficient is not None:
            out |= ge(chg, crit.progression_abs_sufficient)
        if crit.progression_min_uln is not None:  # a marker rise must also exceed k x ULN
            with np.errstate(invalid="ignore"):
                out &= ge(x / uln, crit.progression_min_uln)
        if crit.composite != "size":
            out &= ~dens
        return out

    ref = m.nadir if crit.progression_reference == "nadir" else m.baseline
    n = len(m.value)
    by_organ = bool(crit.organ_thresholds) and crit.progression_scope != "any_lesion"
    whole = crit.progression_scope != "any_lesion" and not by_organ
    thr = crit.progression_threshold
    full = m.complete & grows(m.value, ref, thr, m.uln, dens) if whole else np.zeros(n, bool)
    certain = np.zeros(n, dtype=bool)
    if (
        whole
        and crit.missing == "ne_unless_pd"
        and crit.aggregation in ("sum", "max")
        and crit.measure != "density"
        and crit.direction == "decrease"  # a partial sum that grew has grown; one that fell not
    ):
        certain = ~m.complete & (m.n_measured > 0) & grows(m.value_meas, ref, thr, m.uln, dens)
    found = []
    if crit.progression_scope != "sum" and thr is not None:
        one = lesion_progression(
            m.growth,
            n,
            threshold=thr,
            inclusive=crit.progression_inclusive,
            min_abs=crit.progression_min_abs,
            reference=crit.progression_reference,
            sign=s,
        )
        found.append(one & ~dens if crit.composite != "size" else one)
    if by_organ:  # organ_thresholds: each named organ, and the other organs, on its own
        o = m.organs
        ref_o = o.nadir if crit.progression_reference == "nadir" else o.baseline
        grew = grows(o.value, ref_o, part_cutoffs(crit, o.entry), m.uln[o.scan], dens[o.scan])
        found.append(np.bincount(o.scan[grew], minlength=n) > 0)
    for one in found:
        full |= m.complete & one
        if crit.missing == "ne_unless_pd":  # one lesion's (organ's) growth is certain anyway
            certain |= ~m.complete & one
    return full, certain


def _response(m: Measured, crit: Criterion, dens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PR (size, composite) and whether it rests on density alone."""
    n = len(m.value)
    if crit.response_threshold is None:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    ref = m.baseline if crit.response_reference == "baseline" else m.nadir
    s = _sign(crit)
    size = le(s * rel(m.value, ref), s * crit.response_threshold, crit.response_inclusive)
    if crit.response_min_abs is not None:
        size &= ge(s * (ref - m.value), crit.response_min_abs)
    if crit.composite == "size_or_density":
        resp = size | dens
    elif crit.composite == "size_and_density":
        resp = size & dens
    else:
        resp = size
    resp &= m.complete
    return resp, resp & ~size


def _reappeared(m: Measured, crit: Criterion, static: _Static, certain: np.ndarray) -> np.ndarray:
    """A lesion present after an overall CR (confirmed, by default): PD by reappearance.

    After an overall CR (RECIST 1.1: "if the tumour had reached a CR status and the lesion
    reappeared" -- not a CR of the targets alone while non-target disease persists, where the
    reappearing lesion is added back to the sum).
    """
    if crit.reappearance_after_cr_pd is False or crit.cr_rule == "none":
        return np.zeros(len(certain), dtype=bool)
    overall_cr = static.cr & ~m.is_base & static.ntl_gone & ~static.blocked
    if crit.reappearance_after_cr_pd == "confirmed":
        ne = ~m.complete & ~certain & ~static.blocked
        overall_cr = _cr_confirmed_at(m, crit, overall_cr, ne)
    return prior_any(overall_cr, m.gstart) & static.present


def _cr_confirmed_at(m: Measured, crit: Criterion, cr: np.ndarray, ne: np.ndarray) -> np.ndarray:
    """Scans that confirm an earlier complete response (``cr``: overall CR scans).

    A CR is confirmed by the first CR at least ``confirm_min_days`` later on the same line,
    when only CR or NE scans (at most ``confirm_max_ne`` NE) lie between -- the rule
    :func:`netsurv.best_response` applies to the overall response.  Vectorised: one
    ``searchsorted`` finds each CR's first possible confirming day, a "next CR" array the
    confirming scan, prefix sums the scans between.
    """
    n = len(cr)
    out = np.zeros(n, dtype=bool)
    cand = np.flatnonzero(cr)
    if len(cand) == 0:
        return out
    day = m.days - m.days.min()
    span = np.int64(day.max()) + crit.confirm_min_days + 1
    key = m.gstart.astype(np.int64) * span + day
    k0 = np.searchsorted(key, key[cand] + crit.confirm_min_days, side="left")
    j = next_at_or_after(cr)[np.minimum(k0, n)]
    jc = np.minimum(j, n - 1)
    ok = (j < n) & (m.gstart[jc] == m.gstart[cand])
    other = np.cumsum(~(cr | ne))
    n_ne = np.cumsum(ne)
    ok &= other[jc] == other[cand]
    ok &= n_ne[jc] - n_ne[cand] <= crit.confirm_max_ne
    out[jc[ok]] = True
    return out
