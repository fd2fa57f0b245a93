"""The combining rules of a combined criterion as one lookup table.

At a combined time point each component has an overall response code (0 = baseline row, CR,
PR, MR, SD, NON-CR/NON-PD, PD, NE; a component without a paired scan is NE) and a rank of its
PD date among the components (0 = earliest; ties by priority: the anchor, then the given
order).  Three bits per code and two per rank make the *index* of the time point; every rule
of :func:`netsurv.criteria.combine` (progression, response, NE, which component decides, which
scan dates the time point) is evaluated once on every index, as the single-criterion rules are
(:mod:`netsurv.response.rules`).  Combining a grid variant is then one integer add and one
gather per time point.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from netsurv.response.codes import BASE, CR, NE, PD, PR, SD

CODE_BITS = 3
RANK_BITS = 2


@dataclass(frozen=True)
class CombiningTable:
    """Combined codes of every index (see the module notes).

    Attributes
    ----------
    code : numpy.ndarray
        ``int8`` combined overall response code.
    decider : numpy.ndarray
        ``int8`` position of the component whose response was taken (the PD scan's component
        for a PD time point).
    dater : numpy.ndarray
        ``int8`` position of the component whose scan dates the time point.
    not_counted : numpy.ndarray
        Whether the deciding component shows a PD that the progression rule does not count
        (the time point is then SD, reason ``pd_not_counted``).
    """

    code: np.ndarray
    decider: np.ndarray
    dater: np.ndarray
    not_counted: np.ndarray


def index_bits(k: int) -> int:
    """Bits of the index of a ``k``-component time point."""
    return k * (CODE_BITS + RANK_BITS)


def code_shift(j: int) -> int:
    """Bit position of component ``j``'s response code in the index."""
    return CODE_BITS * j


def rank_shift(k: int, j: int) -> int:
    """Bit position of component ``j``'s PD-date rank in the index."""
    return CODE_BITS * k + RANK_BITS * j


@functools.cache
def combining_table(k: int, anchor: int, progression: str, response: str) -> CombiningTable:
    """The combined code, deciding and dating component of every index.

    Examples
    --------
    >>> from netsurv.response.codes import PD, SD, RESPONSES
    >>> t = combining_table(2, 0, "any", "all")
    >>> i = SD | (PD << code_shift(1))   # anchor SD, second component PD
    >>> RESPONSES[t.code[i]], int(t.decider[i])
    ('PD', 1)
    """
    idx = np.arange(1 << index_bits(k), dtype=np.int64)
    code = np.stack([(idx >> code_shift(j)) & 7 for j in range(k)])
    rank = np.stack([(idx >> rank_shift(k, j)) & 3 for j in range(k)])
    priority = [anchor, *(j for j in range(k) if j != anchor)]
    prio = np.empty(k, dtype=np.int64)
    prio[priority] = np.arange(k)
    cols = np.arange(len(idx))

    evaluable = (code >= CR) & (code <= PD)
    pd_ = code == PD
    any_ev = evaluable.any(axis=0)
    if progression == "any":
        is_pd = pd_.any(axis=0)
    elif progression == "all":
        is_pd = any_ev & (pd_ | ~evaluable).all(axis=0)
    else:
        is_pd = pd_[anchor]
    if progression == "any":
        pd_dater = np.where(pd_, rank, k + 1).argmin(axis=0)
    elif progression == "all":
        pd_dater = np.where(pd_, rank, -1).argmax(axis=0)
    else:
        pd_dater = np.full(len(idx), anchor)

    # response: CR 0, PR 1, anything else evaluable 2 (MR, SD, NON-CR/NON-PD, uncounted PD)
    score = np.where(code == CR, 0, np.where(code == PR, 1, 2))
    if response == "anchor":
        resp_decider = np.full(len(idx), anchor)
    elif response == "all":  # the worst evaluable component; ties: priority order
        key = np.where(evaluable, score * k + (k - 1 - prio[:, None]), -1)
        resp_decider = key.argmax(axis=0)
    else:  # "any": the best evaluable component
        key = np.where(evaluable, score * k + prio[:, None], 3 * k)
        resp_decider = key.argmin(axis=0)
    resp_decider = np.where(any_ev | (response == "anchor"), resp_decider, anchor)
    resp_code = code[resp_decider, cols]
    not_counted = resp_code == PD
    resp_code = np.where(not_counted, SD, resp_code)
    resp_code = np.where(resp_code == BASE, NE, resp_code)

    base = code[anchor] == BASE
    out_code = np.where(base, BASE, np.where(is_pd, PD, resp_code)).astype(np.int8)
    decider = np.where(base, anchor, np.where(is_pd, pd_dater, resp_decider)).astype(np.int8)
    dater = np.where(is_pd & ~base, pd_dater, anchor).astype(np.int8)
    not_counted = not_counted & ~is_pd & ~base
    table = CombiningTable(code=out_code, decider=decider, dater=dater, not_counted=not_counted)
    for a in (table.code, table.decider, table.dater, table.not_counted):
        a.flags.writeable = False
    return table


def pd_date_ranks(pd_days: np.ndarray, priority: tuple[int, ...]) -> np.ndarray:
    """Each component's rank by PD date at every time point, as index bits.

    Parameters
    ----------
    pd_days
        ``(k, n)`` day of each component's PD scan at each time point (a large number when
        the component has no scan there).
    priority
        Component positions in tie-break order.

    Returns
    -------
    numpy.ndarray
        ``int64`` ranks shifted into place (add the codes to get the index).
    """
    k, n = pd_days.shape
    # a stable sort keeps the priority order among equal dates
    order = np.argsort(pd_days[list(priority)], axis=0, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(k)[:, None].repeat(n, axis=1), axis=0)
    out = np.zeros(n, dtype=np.int64)
    for pos, j in enumerate(priority):
        out |= ranks[pos].astype(np.int64) << rank_shift(k, j)
    return out
