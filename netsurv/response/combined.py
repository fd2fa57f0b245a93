"""Time points of a combined criterion: component codes paired and combined.

The components are classified by the ordinary engine (:mod:`netsurv.response.timepoint`);
this module pairs their rows with the anchor's (:mod:`netsurv.response.pairing`, once per
layout), builds each time point's combining index from the component codes and reads the rules
from :func:`~netsurv.response.combining.combining_table`.  It serves both
:func:`netsurv.classify` (the long table, :func:`combined_frame`) and
:func:`netsurv.classify_matrix` (codes only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.criteria.combined import CombinedCriterion
from netsurv.response.codes import NE, PD, REASONS, RESPONSES, R, decode
from netsurv.response.combining import (
    CombiningTable,
    code_shift,
    combining_table,
    index_bits,
    pd_date_ranks,
)
from netsurv.response.measures import ATTRITION_COLUMNS, Measured, dated_positions, put
from netsurv.response.pairing import pair_scans
from netsurv.response.timepoint import Codes

#: PD day of a component without a scan at a time point (after every real one).
NO_SCAN_DAY = np.iinfo(np.int64).max // 4


@dataclass(frozen=True)
class Layout:
    """The threshold-independent part of a combined criterion: which rows pair.

    Attributes
    ----------
    members : tuple of Measured
        Each component's measurement pass, in component order.
    anchor : int
        Position of the anchor.
    pairs : tuple of numpy.ndarray
        Per component, its row paired with each anchor row (-1 none; the anchor's own rows
        for the anchor).
    unpaired : tuple of numpy.ndarray
        Per component, follow-up rows paired with no anchor row (empty for the anchor).
    missing_lines : tuple of numpy.ndarray
        Per component, lines (``lk``) the anchor evaluates and the component does not.
    rank_bits : numpy.ndarray
        Each anchor row's PD-date ranks of the components, as index bits.
    dated : tuple of numpy.ndarray
        Per component, per row: the position in ``members[j].visit_rows`` of the earlier
        scan of its visit that dates the component's PD there (a new lesion seen first on
        it), else -1 (:func:`netsurv.response.measures.dated_positions`).
    """

    members: tuple[Measured, ...]
    anchor: int
    pairs: tuple[np.ndarray, ...]
    unpaired: tuple[np.ndarray, ...]
    missing_lines: tuple[np.ndarray, ...]
    rank_bits: np.ndarray
    dated: tuple[np.ndarray, ...]

    @property
    def index_dtype(self) -> type[np.unsignedinteger]:
        """Smallest unsigned type holding an index of this many components."""
        return np.uint16 if index_bits(len(self.members)) <= 16 else np.uint32


def build_layout(crit: CombinedCriterion, members: list[Measured]) -> Layout:
    """Pair every component's rows with the anchor's rows (see :mod:`~.pairing`)."""
    a = crit.anchor_index
    anchor = members[a]
    n = len(anchor.lk)
    pairs, unpaired, missing = [], [], []
    for j, m in enumerate(members):
        if j == a:
            pairs.append(np.arange(n, dtype=np.int64))
            unpaired.append(np.empty(0, dtype=np.int64))
            missing.append(np.empty(0, dtype=np.int64))
            continue
        p = pair_scans(anchor, m, crit.window_days)
        pairs.append(p.rows)
        unpaired.append(p.unpaired)
        missing.append(p.lines_missing)
    dated = [dated_positions(m, c) for m, c in zip(members, crit.components, strict=True)]
    days = np.full((len(members), n), NO_SCAN_DAY, dtype=np.int64)
    for j, pj in enumerate(pairs):
        ok = pj >= 0
        m = members[j]
        pd_day = m.days.copy()
        has = dated[j] >= 0
        pd_day[has] = m.visit_scans["days_from_start"].to_numpy(dtype=np.int64)[dated[j][has]]
        days[j, ok] = pd_day[pj[ok]]
    ranks = pd_date_ranks(days, crit.priority())
    dtype = np.uint16 if index_bits(len(members)) <= 16 else np.uint32
    return Layout(
        members=tuple(members),
        anchor=a,
        pairs=tuple(pairs),
        unpaired=tuple(unpaired),
        missing_lines=tuple(missing),
        rank_bits=ranks.astype(dtype),
        dated=tuple(dated),
    )


def component_bits(layout: Layout, j: int, response: np.ndarray) -> np.ndarray:
    """Component ``j``'s response code at each anchor row, shifted into its index bits."""
    dtype = layout.index_dtype
    ext = np.append(response.astype(dtype), dtype(NE))  # row -1: no paired scan, NE
    return ext[layout.pairs[j]] << dtype(code_shift(j))


def combined_index(layout: Layout, responses: list[np.ndarray]) -> np.ndarray:
    """The combining index of every anchor row from the components' response codes."""
    idx = layout.rank_bits.copy()
    for j, r in enumerate(responses):
        idx |= component_bits(layout, j, r)
    return idx


def own_rows(layout: Layout, crit: CombinedCriterion, j: int, response: np.ndarray) -> np.ndarray:
    """Component ``j``'s unpaired rows that show PD: time points of their own under
    ``progression="any"`` (no component's PD is lost)."""
    if crit.progression != "any" or j == layout.anchor:
        return np.empty(0, dtype=np.int64)
    u = layout.unpaired[j]
    return u[response[u] == PD]


def table_of(crit: CombinedCriterion) -> CombiningTable:
    """The combining table of a combined criterion's rules."""
    return combining_table(len(crit.components), crit.anchor_index, crit.progression, crit.response)


# --------------------------------------------------------------------------- long table
def combined_frame(
    layout: Layout, crit: CombinedCriterion, codes: list[Codes], anchor_frame: pd.DataFrame
) -> pd.DataFrame:
    """The time-point rows of a combined criterion (see :func:`netsurv.criteria.combine`).

    ``anchor_frame`` is the anchor's own time-point table
    (:func:`netsurv.response.classify.timepoint_frame`): its measurement columns are kept on
    the anchor's time points.
    """
    names = [c.name for c in crit.components]
    a = layout.anchor
    table = table_of(crit)
    idx = combined_index(layout, [c.response for c in codes])
    code = table.code[idx]
    decider = table.decider[idx].astype(np.int64)
    dater = table.dater[idx].astype(np.int64)
    n = len(idx)
    rows = np.arange(n)
    pairs = np.stack(layout.pairs) if n else np.empty((len(names), 0), dtype=np.int64)

    df = anchor_frame.reset_index(drop=True).copy()
    df["criterion"] = crit.name
    date_row = pairs[dater, rows]
    reason = np.stack([np.append(c.reason, 0)[pairs[j]] for j, c in enumerate(codes)])
    reason = reason[decider, rows]
    reason = np.where(table.not_counted[idx], R["pd_not_counted"], reason)
    cols = ["assessment_id", "date", "modality", "days_from_start"]
    for j in np.unique(dater):
        m = layout.members[j]
        at = np.flatnonzero(dater == j)
        pos = layout.dated[j][date_row[at]]
        early = (code[at] == PD) & (pos >= 0)  # a new lesion seen on an earlier visit scan
        if j != a:
            put(df, at[~early], m.scans.iloc[date_row[at[~early]]], cols)
        if early.any():
            put(df, at[early], m.visit_scans.iloc[pos[early]], cols)
    new = np.zeros(n, dtype=bool)
    for j, m in enumerate(layout.members):
        pj = layout.pairs[j]
        ok = pj >= 0
        new[ok] |= m.new_any[pj[ok]] & ~m.is_base[pj[ok]]
    df["new_lesion"] = new & ~layout.members[a].is_base
    df["response"] = decode(code, RESPONSES)
    df["pd_status"] = None
    df["reason"] = decode(reason, REASONS)
    df.loc[layout.members[a].is_base, "reason"] = "baseline"
    df["decided_by"] = np.asarray(names, dtype=object)[decider]
    for j, name in enumerate(names):
        _component_columns(df, name, layout.members[j], layout.pairs[j], codes[j])
    own = [_own_frame(layout, crit, j, codes) for j in range(len(names))]
    out = pd.concat([df, *[o for o in own if len(o)]], ignore_index=True)
    for col in out.select_dtypes(include="object").columns:  # empty text is None, as elsewhere
        values = out[col].to_numpy(dtype=object)
        values[pd.isna(values)] = None
        out[col] = values
    return _sorted(out)


def _component_columns(
    df: pd.DataFrame, name: str, m: Measured, pair: np.ndarray, codes: Codes
) -> None:
    """``<name>.response``, ``<name>.assessment_id`` and ``<name>.date`` of each row."""
    ok = pair >= 0
    p = np.maximum(pair, 0)
    resp = np.full(len(pair), None, dtype=object)
    aid = np.full(len(pair), None, dtype=object)
    day = np.full(len(pair), np.datetime64("NaT"), dtype="datetime64[ns]")
    if len(m.lk):
        resp[ok] = decode(codes.response[p[ok]], RESPONSES)
        aid[ok] = m.scans["assessment_id"].to_numpy(dtype=object)[p[ok]]
        day[ok] = m.scans["date"].to_numpy()[p[ok]]
    df[f"{name}.response"] = resp
    df[f"{name}.assessment_id"] = aid
    df[f"{name}.date"] = day


def _own_frame(
    layout: Layout,
    crit: CombinedCriterion,
    j: int,
    codes: list[Codes],
) -> pd.DataFrame:
    rows = own_rows(layout, crit, j, codes[j].response)
    if len(rows) == 0:
        return pd.DataFrame()
    m = layout.members[j]
    df = m.scans.iloc[rows].reset_index(drop=True)
    pos = layout.dated[j][rows]
    if (pos >= 0).any():
        cols = ["assessment_id", "date", "modality", "days_from_start"]
        put(df, np.flatnonzero(pos >= 0), m.visit_scans.iloc[pos[pos >= 0]], cols)
    df.insert(2, "criterion", crit.name)
    df["n_lesions"] = np.nan
    df["new_lesion"] = m.new_any[rows]
    df["response"] = "PD"
    df["pd_status"] = None
    df["reason"] = decode(codes[j].reason[rows], REASONS)
    df["decided_by"] = crit.components[j].name
    for i, c in enumerate(crit.components):
        pair = np.full(len(rows), -1, dtype=np.int64)
        if i == j:
            pair = rows
        _component_columns(df, c.name, layout.members[i], pair, codes[i])
    return df


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    """Rows by line (first-seen order), the baseline first, then date and scan."""
    line = pd.factorize(
        df["patient_id"].astype(str) + "\x1f" + df["line_id"].astype(str), sort=False
    )[0]
    order = np.lexsort(
        (
            df["assessment_id"].astype(str).to_numpy(),
            df["date"].to_numpy().view(np.int64),
            (df["role"] != "baseline").to_numpy(),
            line,
        )
    )
    return df.iloc[order].reset_index(drop=True)


def combined_attrition(
    layout: Layout, crit: CombinedCriterion, line_keys: np.ndarray
) -> pd.DataFrame:
    """Lines set aside (the anchor's attrition) and, per non-anchor component, lines the
    component cannot evaluate (it is NE there throughout; the line is still classified)."""
    a = layout.anchor
    parts = [layout.members[a].attrition.assign(criterion=crit.name)]
    kept = set(line_keys[layout.members[a].lk[layout.members[a].is_base]])
    for j, m in enumerate(layout.members):
        if j == a:
            continue
        name = crit.components[j].name
        att = m.attrition[m.attrition["row_key"].isin(kept)]
        if att.empty:
            continue
        throughout = att["row_key"].isin(set(line_keys[layout.missing_lines[j]])).to_numpy()
        reason = "component " + name + ": " + att["reason"].astype(str)
        reason = reason.where(
            ~throughout,
            reason + f"; {name} is NE throughout and the line is classified from the other "
            "components",
        )
        parts.append(att.assign(reason=reason, criterion=crit.name))
    return pd.concat(parts, ignore_index=True)[ATTRITION_COLUMNS]
