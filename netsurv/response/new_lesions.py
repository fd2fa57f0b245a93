"""Which recorded new lesions count as new lesions, and from which scan (RECIST 1.1).

A new lesion means progression, but RECIST 1.1 (Eisenhauer et al. 2009, section 4.3.2) and the
RECIST working group's answers (Schwartz et al., Eur J Cancer 2016, "RECIST 1.1 – Update and
clarification") qualify what a new lesion is.  With ``new_lesion_rule="recist1.1"`` (the
default of every criterion):

* **new lymph nodes** (site ``lymph_node``, role ``new``) are read by their short axis: below
  10 mm a node is normal and never a new lesion; 15 mm or more it is a new lesion at once;
  10 to < 15 mm it is *equivocal* ("pathological but not measurable") and becomes a new lesion
  when a later scan shows the same ``lesion_id`` at 15 mm or more.  A new node without a short
  axis counts as recorded;
* **equivocal new lesions** (``assessments.new_lesion = "equivocal"``, stored as
  ``new_lesion_equivocal``, or a role ``new`` lesion row with ``measurement_flag =
  "equivocal"``): "If a new lesion is equivocal ... continued therapy and follow-up
  evaluation will clarify if it represents truly new disease.  If repeat scans confirm there
  is definitely a new lesion, then progression should be declared using the date of the
  initial scan" (RECIST 1.1, section 4.3.2).  A lesion row is confirmed by a later scan
  showing the same ``lesion_id`` unequivocally; an equivocal scan-level flag (no lesion
  identity) by any later scan of the patient with an unequivocal new lesion.  The confirming
  scan may belong to a later line (the progression is still dated at the first sighting).
  Each scan of the run before the confirmation is then a new-lesion scan (reason
  ``new_lesion_confirmed_later``, so PFS and the best response use the first sighting's
  date); an unconfirmed equivocal finding is no new lesion.

``new_lesion_rule="as_recorded"`` counts every recorded new lesion, equivocal ones included, at
the scan that records it (no size reading, no confirmation).

Fragments (a lesion row with ``parent_lesion_id``) are measured with their parent and are
never new lesions (:mod:`netsurv.response.fragments`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: RECIST 1.1 short-axis limits of a new lymph node (mm): below the first it is normal, at or
#: above the second a new lesion; in between equivocal (Schwartz et al. 2016, Q&A on nodes).
NODE_NORMAL_MM = 10.0
NODE_NEW_MM = 15.0

NEW_LESION_RULES = ("recist1.1", "as_recorded")


@dataclass(frozen=True)
class NewLesions:
    """New-lesion findings under one rule, before visits are merged.

    Attributes
    ----------
    definite : numpy.ndarray
        Per assessment: an unequivocal new lesion is recorded.
    confirmed_later : numpy.ndarray
        Per assessment: an equivocal finding that a later scan confirmed.
    counted_rows : numpy.ndarray
        Per lesion row: the row is a new lesion that counts (definite, or equivocal and
        confirmed later).
    """

    definite: np.ndarray
    confirmed_later: np.ndarray
    counted_rows: np.ndarray

    @property
    def any(self) -> np.ndarray:
        """Per assessment: a new lesion counts on this scan."""
        return self.definite | self.confirmed_later


def find_new_lesions(
    assessments: pd.DataFrame,
    lesions: pd.DataFrame,
    les_ak: np.ndarray,
    day: np.ndarray,
    *,
    role_new: np.ndarray,
    node: np.ndarray,
) -> dict[str, NewLesions]:
    """The new lesions that count under each rule of :data:`NEW_LESION_RULES`, per assessment
    and per lesion row (see the module notes).

    Parameters
    ----------
    assessments
        ``cohort.assessments`` (``patient_id``, ``new_lesion``, ``new_lesion_equivocal``).
    lesions
        ``cohort.lesions`` (``patient_id``, ``lesion_id``, ``short_axis_mm``,
        ``measurement_flag``; ``parent_lesion_id`` when present).
    les_ak
        Row of ``assessments`` of each lesion row.
    day
        Date of each assessment as an integer day.
    role_new, node
        Per lesion row: its role is ``new``; its site is ``lymph_node``.

    Examples
    --------
    A new node of 12 mm short axis on day 90 (equivocal), 17 mm on day 180: the day-90 scan
    is a new-lesion scan, confirmed later.

    >>> import numpy as np, pandas as pd
    >>> a = pd.DataFrame({"patient_id": ["P"] * 3, "new_lesion": pd.array([None] * 3,
    ...                   dtype="boolean")})
    >>> les = pd.DataFrame({"patient_id": ["P", "P"], "lesion_id": ["N1", "N1"],
    ...     "short_axis_mm": [12.0, 17.0], "measurement_flag": [None, None]})
    >>> f = find_new_lesions(a, les, np.array([1, 2]), np.array([0, 90, 180]),
    ...                      role_new=np.array([True, True]), node=np.array([True, True]))
    >>> f["recist1.1"].definite.tolist(), f["recist1.1"].confirmed_later.tolist()
    ([False, False, True], [False, True, False])
    >>> f["as_recorded"].definite.tolist()
    [False, True, True]
    """
    n_ass = len(assessments)
    if "parent_lesion_id" in lesions.columns:
        role_new = role_new & lesions["parent_lesion_id"].isna().to_numpy()
    sa = lesions["short_axis_mm"].to_numpy(dtype=float)
    new_flag = assessments["new_lesion"].fillna(False).to_numpy(dtype=bool)
    eq_col = assessments.get("new_lesion_equivocal")
    eq_flag = np.zeros(n_ass, dtype=bool) if eq_col is None else eq_col.fillna(False).to_numpy(bool)
    out = {
        "as_recorded": NewLesions(
            new_flag | eq_flag | _any_per(les_ak[role_new], n_ass),
            np.zeros(n_ass, dtype=bool),
            role_new,
        )
    }
    flagged = np.zeros(len(lesions), dtype=bool)
    if role_new.any():
        flag = lesions["measurement_flag"].to_numpy(dtype=object)[role_new]
        flagged[role_new] = flag == "equivocal"
    normal = role_new & node & (sa < NODE_NORMAL_MM)
    small_node = node & (sa >= NODE_NORMAL_MM) & (sa < NODE_NEW_MM)
    equivocal = role_new & ~normal & (flagged | small_node)
    sure = role_new & ~normal & ~equivocal

    # an equivocal row is confirmed by a later unequivocal row of the same lesion
    confirmed_rows = np.zeros(len(lesions), dtype=bool)
    if equivocal.any():  # only rows with role new take part: key them alone
        rows = np.flatnonzero(role_new)
        sub = lesions.iloc[rows]
        lesion = pd.factorize(
            sub["patient_id"].astype(str) + "\x1f" + sub["lesion_id"].astype(str)
        )[0]
        row_day = day[les_ak[rows]]
        last_sure = np.full(int(lesion.max()) + 1, np.iinfo(np.int64).min)
        np.maximum.at(last_sure, lesion[sure[rows]], row_day[sure[rows]])
        confirmed_rows[rows] = equivocal[rows] & (last_sure[lesion] > row_day)

    definite = new_flag | _any_per(les_ak[sure], n_ass)
    confirmed = _any_per(les_ak[confirmed_rows], n_ass)
    if eq_flag.any():  # an equivocal scan-level flag: confirmed by a later unequivocal one
        patient = pd.factorize(assessments["patient_id"])[0]
        last_def = np.full(int(patient.max()) + 1, np.iinfo(np.int64).min)
        np.maximum.at(last_def, patient[definite], day[definite])
        confirmed |= eq_flag & (last_def[patient] > day)
    out["recist1.1"] = NewLesions(definite, confirmed & ~definite, sure | confirmed_rows)
    return {r: out[r] for r in NEW_LESION_RULES}


def _any_per(index: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(index, minlength=n) > 0
