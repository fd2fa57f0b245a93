"""Text and notebook views of the response results: counts per criterion and response
category, never a patient's row (rendered by :mod:`netsurv._display`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netsurv._display import Table, View, signif
from netsurv.response.codes import BEST_ORDER, RESPONSES

if TYPE_CHECKING:
    from netsurv.response.agreement import Agreement
    from netsurv.response.classify import Timepoints
    from netsurv.response.matrix import ResponseMatrix

#: Columns of the per-criterion response counts (``Timepoints.summary()``).
COUNT_COLUMNS = ["criterion", "lines", "scans", *BEST_ORDER, "set_aside"]


def timepoint_counts(tp: Timepoints) -> pd.DataFrame:
    """Per criterion: lines evaluated, follow-up scans, scans per response, lines set aside."""
    names = [c.name for c in tp.criteria]
    t = tp.table
    follow = t[t["role"] == "follow_up"]
    by_resp = pd.crosstab(follow["criterion"], follow["response"]).reindex(
        index=names, columns=list(BEST_ORDER), fill_value=0
    )
    lines = t.drop_duplicates(["criterion", "patient_id", "line_id"])["criterion"].value_counts()
    out = pd.DataFrame({"criterion": names})
    out["lines"] = lines.reindex(names, fill_value=0).to_numpy()
    out["scans"] = follow["criterion"].value_counts().reindex(names, fill_value=0).to_numpy()
    out[list(BEST_ORDER)] = by_resp.fillna(0).astype(int).to_numpy()
    out["set_aside"] = _set_aside(tp.attrition, names)
    return out[COUNT_COLUMNS]


def matrix_counts(m: ResponseMatrix, *, chunk: int = 64) -> pd.DataFrame:
    """The counts of :func:`timepoint_counts` from a response matrix (criteria in chunks)."""
    names = [c.name for c in m.criteria]
    scans = m.scans
    follow = (scans["role"] == "follow_up").to_numpy()[:, None]
    line = scans["patient_id"].astype(str) + "\x1f" + scans["line_id"].astype(str)
    starts = np.flatnonzero(line.ne(line.shift()).to_numpy()) if len(scans) else np.empty(0, int)
    counts = {k: np.zeros(len(names), dtype=np.int64) for k in ("lines", "scans", *BEST_ORDER)}
    for lo in range(0, len(names), chunk):
        block = m.codes[:, lo : lo + chunk]
        read = block != 255
        hi = lo + block.shape[1]
        if len(starts):
            counts["lines"][lo:hi] = np.logical_or.reduceat(read, starts, axis=0).sum(axis=0)
        fu = read & follow
        counts["scans"][lo:hi] = fu.sum(axis=0)
        code = block & 15
        for cat in BEST_ORDER:
            counts[cat][lo:hi] = ((code == RESPONSES.index(cat)) & fu).sum(axis=0)
    out = pd.DataFrame({"criterion": names, **counts})
    out["set_aside"] = _set_aside(m.attrition, names)
    return out[COUNT_COLUMNS]


def _set_aside(attrition: pd.DataFrame, names: list[str]) -> np.ndarray:
    if attrition.empty or "criterion" not in attrition:
        return np.zeros(len(names), dtype=np.int64)
    return attrition["criterion"].value_counts().reindex(names, fill_value=0).to_numpy()


def _counts_table(counts: pd.DataFrame) -> Table:
    """The counts with the response categories no criterion gave left out."""
    unused = [c for c in BEST_ORDER if not counts[c].any()]
    frame = counts.drop(columns=unused).set_index("criterion")
    frame = frame.rename(columns={"set_aside": "set aside"})
    frame.index.name = None
    return Table(frame)


def timepoints_view(tp: Timepoints) -> View:
    """How many lines and scans each criterion read, and the responses it gave them."""
    t = tp.table
    k = len(tp.criteria)
    lines = t.drop_duplicates(["patient_id", "line_id"])
    head = (
        f"{k} criteri{'a' if k != 1 else 'on'}, {len(lines)} lines of "
        f"{t['patient_id'].nunique()} patients, {int((t['role'] == 'follow_up').sum())} "
        "follow-up reads"
    )
    return View(
        "Timepoints",
        head,
        [
            "time-point responses (follow-up scans) per criterion; lines set aside: .attrition",
            _counts_table(timepoint_counts(tp)),
        ],
    )


def matrix_view(m: ResponseMatrix) -> View:
    """The same counts as :func:`timepoints_view`, for a response matrix."""
    lines = m.scans.drop_duplicates(["patient_id", "line_id"])
    head = (
        f"{len(m.criteria)} criteria × {len(m.scans)} scans of {len(lines)} lines "
        f"({m.scans['patient_id'].nunique()} patients)"
    )
    return View("ResponseMatrix", head, [_counts_table(matrix_counts(m))])


def agreement_view(agr: Agreement) -> View:
    """Kappa per level and the best-response cross-table (counts only)."""
    a, b = agr.criteria
    k = agr.kappa.set_index("level")
    frame = k.rename(
        columns={
            "n_agree": "agree",
            "percent_agreement": "% agree",
            "kappa_se": "se",
            "kappa_low": "lower",
            "kappa_high": "upper",
        }
    )
    frame.index.name = None
    kappas = ", ".join(f"{lvl} {signif(float(v), 3)}" for lvl, v in k["kappa"].items())
    bor = agr.bor_table.copy()
    bor.index.name = None
    bor.columns.name = None
    return View(
        "Agreement",
        f"{a} vs {b}: kappa {kappas}",
        [
            Table(frame, digits=3),
            Table(bor, caption=f"Best overall response: {a} (rows) × {b} (columns)"),
            f"{len(agr.discordant)} lines discordant in BOR or progression (see .discordant)",
        ],
    )
