"""Visits: scans of one modality taken on different days read as one time point.

``assessments.visit_id`` groups a patient's scans of one modality (e.g. CT of the chest on day
1 and of the abdomen on day 3).  A visit is read at its last scan, the *representative*: its
lesions are measured together (a lesion measured on several of its scans counts once, at the
last), a new lesion recorded on any of its scans is the visit's, the non-target status is PD
when any scan records PD and otherwise the last one recorded, and likewise the recorded read.
Progression is dated as in the FDA 2018 guidance: from a new lesion at the first scan of the
visit that shows it (:attr:`Visits.first_new`), from growth at the visit's last scan.
Without ``visit_id`` every scan is its own visit and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Visits:
    """The visit of every assessment.

    Attributes
    ----------
    rep : numpy.ndarray
        Per assessment (row of ``cohort.assessments``), its visit's representative row (the
        visit's last scan; itself for a scan without ``visit_id``).
    first_new : numpy.ndarray
        Per representative, the earliest scan of its visit that records a new lesion (itself
        when none is earlier); per other assessment, itself.
    any : bool
        Whether any visit has more than one scan.
    """

    rep: np.ndarray
    first_new: np.ndarray
    any: bool

    def total(self, values: np.ndarray) -> np.ndarray:
        """Per representative, the sum of ``values`` over its visit (others: unchanged)."""
        if not self.any:
            return values
        out = np.bincount(self.rep, weights=values, minlength=len(values))
        return out.astype(values.dtype) if values.dtype != bool else out > 0

    def status(self, codes: np.ndarray, day: np.ndarray, pd_code: int) -> np.ndarray:
        """Per representative: ``pd_code`` if any scan of the visit has it, else the last
        recorded (non-zero) code of the visit."""
        if not self.any:
            return codes
        n = len(codes)
        order = np.lexsort((np.arange(n), day, self.rep))
        recorded = order[codes[order] != 0]
        last_of = np.full(n, -1, dtype=np.int64)
        last_of[self.rep[recorded]] = recorded  # later rows overwrite earlier ones
        has = last_of >= 0
        out = codes.copy()
        out[has] = codes[last_of[has]]
        any_pd = np.bincount(self.rep, weights=codes == pd_code, minlength=n) > 0
        out[any_pd] = pd_code
        return out


def find_visits(assessments: pd.DataFrame, new_any: np.ndarray, day: np.ndarray) -> Visits:
    """Group the assessments into visits (see the module notes).

    Parameters
    ----------
    assessments
        ``cohort.assessments`` (``patient_id``, ``modality``, ``visit_id``).
    new_any
        Per assessment, whether it records a new lesion.
    day
        Per assessment, its date as an integer day.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> a = pd.DataFrame({"patient_id": ["P"] * 3, "modality": ["CT"] * 3,
    ...                   "visit_id": ["V1", "V1", None]})
    >>> v = find_visits(a, np.array([True, False, False]), np.array([10, 12, 90]))
    >>> v.rep.tolist(), v.first_new.tolist()
    ([1, 1, 2], [0, 0, 2])
    """
    n = len(assessments)
    rep = np.arange(n, dtype=np.int64)
    first_new = rep.copy()
    vid = assessments["visit_id"]
    rows = np.flatnonzero(vid.notna().to_numpy())
    if len(rows) == 0:
        return Visits(rep=rep, first_new=first_new, any=False)
    key = (
        assessments["patient_id"].astype(str)
        + "\x1f"
        + assessments["modality"].astype(str)
        + "\x1f"
        + vid.astype(str)
    ).to_numpy(dtype=object)[rows]
    g = pd.factorize(key)[0]
    order = np.lexsort((rows, day[rows], g))
    gs, rs = g[order], rows[order]
    last = np.append(gs[1:] != gs[:-1], True)
    rep_of = np.empty(int(g.max()) + 1, dtype=np.int64)
    rep_of[gs[last]] = rs[last]
    rep[rs] = rep_of[gs]
    new = new_any[rs]
    cg, cr = gs[new], rs[new]
    first = np.append(True, cg[1:] != cg[:-1]) if len(cg) else np.zeros(0, dtype=bool)
    first_new[rep_of[cg[first]]] = cr[first]
    return Visits(rep=rep, first_new=first_new, any=bool((rep != np.arange(n)).any()))
