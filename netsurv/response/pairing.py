"""Pair the scans of a combined criterion's components with the anchor's time points.

Rules (documented with examples in :func:`netsurv.criteria.combine`): the anchor's rows are
the time points; a follow-up scan of another component pairs with the anchor follow-up scan
nearest in date within ``window_days`` (inclusive; a tie goes to the earlier anchor scan); of
the scans choosing one anchor scan the nearest is paired (a tie goes to the earlier scan), so a
scan pairs with at most one time point.  The component's baseline row is paired with the
anchor's baseline row of the same line.  Vectorised: one ``searchsorted`` of the component
scans among the anchor scans (sorted by line and day) and one ``lexsort`` to keep the nearest
scan per anchor scan; nothing loops over patients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from netsurv.response.measures import Measured


@dataclass(frozen=True)
class Pairing:
    """The scans of one component paired with the anchor's rows.

    Attributes
    ----------
    rows : numpy.ndarray
        For every row of the anchor's :class:`~netsurv.response.measures.Measured`, the
        component's paired row (its baseline row on a baseline row), -1 when none.
    unpaired : numpy.ndarray
        The component's follow-up rows on lines the anchor evaluates that no anchor row
        took and that are not the anchor's own scan (candidates for a time point of their
        own when the component shows PD there).
    lines_missing : numpy.ndarray
        Line indices (``lk``) the anchor evaluates but the component does not.
    """

    rows: np.ndarray
    unpaired: np.ndarray
    lines_missing: np.ndarray


def pair_scans(anchor: Measured, other: Measured, window_days: int) -> Pairing:
    """Pair ``other``'s scans with ``anchor``'s rows (see the module rules).

    Examples
    --------
    >>> import netsurv as ns
    >>> from netsurv.response.prepare import prepare
    >>> from netsurv.response.measures import measure
    >>> prep = prepare(ns.load_demo())
    >>> ct, sst = measure(prep, ns.criteria.RECIST_1_1), measure(prep, ns.criteria.SSTR_VOLUME)
    >>> p = pair_scans(ct, sst, 42)
    >>> len(p.rows) == len(ct.lk), bool((p.rows[ct.is_base] >= 0).any())
    (True, True)
    """
    n_a = len(anchor.lk)
    out = np.full(n_a, -1, dtype=np.int64)
    n_lines = int(max(anchor.lk.max(initial=-1), other.lk.max(initial=-1))) + 1
    on_anchor = np.zeros(n_lines, dtype=bool)
    on_anchor[anchor.lk] = True
    on_other = np.zeros(n_lines, dtype=bool)
    on_other[other.lk] = True
    missing = np.flatnonzero(on_anchor & ~on_other)

    # baselines: the component's baseline row of the anchor baseline's line
    a_base = np.flatnonzero(anchor.is_base)
    o_base = np.flatnonzero(other.is_base)
    base_of_line = np.full(n_lines, -1, dtype=np.int64)
    base_of_line[other.lk[o_base]] = o_base
    out[a_base] = base_of_line[anchor.lk[a_base]]

    af = np.flatnonzero(~anchor.is_base)
    of = np.flatnonzero(~other.is_base)
    of = of[on_anchor[other.lk[of]]]
    if len(af) == 0 or len(of) == 0:
        return Pairing(
            rows=out, unpaired=_not_anchor_scans(anchor, other, of), lines_missing=missing
        )
    lo_day = int(min(anchor.days[af].min(), other.days[of].min()))
    span = np.int64(max(anchor.days[af].max(), other.days[of].max()) - lo_day + 1)
    key_a = anchor.lk[af] * span + (anchor.days[af] - lo_day)
    order = np.lexsort((af, key_a))
    af, key_a = af[order], key_a[order]
    key_o = other.lk[of] * span + (other.days[of] - lo_day)

    # stage 1: each component scan chooses its nearest anchor scan on the line
    pos = np.searchsorted(key_a, key_o, side="left")
    n = len(af)
    lo, hi = pos - 1, pos
    lo_c, hi_c = np.maximum(lo, 0), np.minimum(hi, n - 1)
    line_o = other.lk[of]
    d_lo = key_o - key_a[lo_c]
    d_hi = key_a[hi_c] - key_o
    lo_ok = (lo >= 0) & (anchor.lk[af[lo_c]] == line_o) & (d_lo <= window_days)
    hi_ok = (hi < n) & (anchor.lk[af[hi_c]] == line_o) & (d_hi <= window_days)
    take_hi = hi_ok & (~lo_ok | (d_hi < d_lo))
    choice = np.where(take_hi, hi_c, np.where(lo_ok, lo_c, -1))
    dist = np.where(take_hi, d_hi, d_lo)

    # stage 2: of the scans choosing one anchor scan, the nearest (tie: the earlier scan; on
    # the same day, the anchor's own assessment when the modalities overlap)
    has = choice >= 0
    c, rows_o, dist = choice[has], of[has], dist[has]
    same_scan = other.ak[rows_o] == anchor.ak[af[c]]
    order2 = np.lexsort((rows_o, ~same_scan, other.days[rows_o], dist, c))
    c_sorted = c[order2]
    first = np.ones(len(c_sorted), dtype=bool)
    first[1:] = c_sorted[1:] != c_sorted[:-1]
    win = order2[first]
    out[af[c[win]]] = rows_o[win]
    paired = np.zeros(len(other.lk), dtype=bool)
    paired[rows_o[win]] = True
    unpaired = of[~paired[of]]
    return Pairing(
        rows=out, unpaired=_not_anchor_scans(anchor, other, unpaired), lines_missing=missing
    )


def _not_anchor_scans(anchor: Measured, other: Measured, rows: np.ndarray) -> np.ndarray:
    """``rows`` of ``other`` that are not one of the anchor's scans of the same line."""
    if len(rows) == 0:
        return rows
    mult = np.int64(max(int(anchor.ak.max(initial=0)), int(other.ak.max(initial=0))) + 1)
    a_key = anchor.lk * mult + anchor.ak
    o_key = other.lk[rows] * mult + other.ak[rows]
    return rows[~np.isin(o_key, a_key)]
