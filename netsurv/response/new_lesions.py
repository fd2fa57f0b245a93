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

A criterion restricted to organs (``sites``, with ``new_lesions="sites"``) then keeps only the
counted new lesions in those organs (:meth:`NewFindings.counted`): one pipeline, the rules
first, the organ filter after.  A scan-level finding (``assessments.new_lesion``) on a scan
without any new lesion row has no known organ and still counts.  The scan of a visit that
first shows a new lesion (:mod:`netsurv.response.visits`) is found before the organ filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: RECIST 1.1 short-axis limits of a new lymph node (mm): below the first it is normal, at or
#: above the second a new lesion; in between equivocal (Schwartz et al. 2016, Q&A on nodes).
NODE_NORMAL_MM = 10.0
NODE_NEW_MM = 15.0

NEW_LESION_RULES = ("recist1.1", "as_recorded")

#: ``role_code`` of a lesion row with role ``new`` (:data:`netsurv.response.prepare.ROLE_CODES`).
ROLE_NEW = 2


#: Codes of a lesion row's new-lesion finding (:attr:`NewFindings.row_code`).
NOT_COUNTED, DEFINITE, CONFIRMED = 0, 1, 2


@dataclass(frozen=True)
class NewFindings:
    """New-lesion findings under one rule.

    Attributes
    ----------
    row_code : numpy.ndarray
        Per lesion row: :data:`DEFINITE` (a new lesion that counts at once),
        :data:`CONFIRMED` (an equivocal new lesion confirmed by a later scan) or
        :data:`NOT_COUNTED`.
    scan_definite, scan_confirmed : numpy.ndarray
        Per assessment, the scan-level findings (``assessments.new_lesion``, no lesion
        identity): a new lesion is recorded; an equivocal one is recorded and confirmed later.
    """

    row_code: np.ndarray
    scan_definite: np.ndarray
    scan_confirmed: np.ndarray

    def per_scan(
        self, les_ak: np.ndarray, *, rows: np.ndarray | None = None, scans: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per assessment: a definite new lesion counts; only a new lesion confirmed later counts.

        ``rows`` (per lesion row) and ``scans`` (per assessment) restrict the row-level and the
        scan-level findings (the ``sites`` filter, :meth:`counted`).
        """
        n = len(self.scan_definite)
        code = self.row_code if rows is None else np.where(rows, self.row_code, NOT_COUNTED)
        sd, sc = self.scan_definite, self.scan_confirmed
        if scans is not None:
            sd, sc = sd & scans, sc & scans
        definite = sd | _any_per(les_ak[code == DEFINITE], n)
        confirmed = sc | _any_per(les_ak[code == CONFIRMED], n)
        return definite, confirmed & ~definite

    def moved(self, kept: np.ndarray, total: Callable[[np.ndarray], np.ndarray]) -> NewFindings:
        """The findings after visits are merged: lesion rows ``kept``, scan-level findings
        summed over each visit by ``total`` (:meth:`netsurv.response.visits.Visits.total`)."""
        return NewFindings(
            self.row_code[kept], total(self.scan_definite), total(self.scan_confirmed)
        )

    def counted(
        self,
        les: pd.DataFrame,
        first_new: np.ndarray,
        sites: tuple[str, ...] | None = None,
    ) -> NewScans:
        """Per assessment, the new lesions that count, restricted to ``sites`` (None: all).

        Parameters
        ----------
        les
            The prepared lesion rows (``ak``, ``site``, ``role_code``, ``long_axis_mm``), the
            rows of :attr:`row_code`.
        first_new
            Per assessment, the scan of its visit first showing a new lesion.
        sites
            Only new lesion rows in these organs count.  A scan-level finding on a scan
            without any new lesion row has no known organ and counts whatever ``sites`` (it
            cannot be shown to lie elsewhere); with new lesion rows, they locate it.
        """
        ak = les["ak"].to_numpy(dtype=np.int64)
        rows: np.ndarray | None = None
        scans: np.ndarray | None = None
        counted = self.row_code != NOT_COUNTED
        if sites is not None:
            rows = les["site"].isin(sites).to_numpy()
            counted = counted & rows
            role_new = les["role_code"].to_numpy() == ROLE_NEW
            scans = ~_any_per(ak[role_new], len(self.scan_definite))
        definite, later = self.per_scan(ak, rows=rows, scans=scans)
        la = np.nan_to_num(les["long_axis_mm"].to_numpy(dtype=float)[counted])
        n = len(definite)
        return NewScans(
            any=definite | later,
            count=np.bincount(ak[counted], minlength=n),
            sum=np.bincount(ak[counted], weights=la, minlength=n),
            first_new=first_new,
            confirmed_later=later,
        )


@dataclass(frozen=True)
class NewScans:
    """Per assessment, under one new-lesion rule (and ``sites`` filter): a new lesion counts
    (``any``), the number and summed long axes of the counted new-lesion rows, the scan of
    the visit that first shows a new lesion (``first_new``), and whether the new lesion is
    only an equivocal finding confirmed by a later scan (``confirmed_later``: reason
    ``new_lesion_confirmed_later``)."""

    any: np.ndarray
    count: np.ndarray
    sum: np.ndarray
    first_new: np.ndarray
    confirmed_later: np.ndarray


def find_new_lesions(
    assessments: pd.DataFrame,
    lesions: pd.DataFrame,
    les_ak: np.ndarray,
    day: np.ndarray,
    *,
    role_new: np.ndarray,
    node: np.ndarray,
) -> dict[str, NewFindings]:
    """The new lesions that count under each rule of :data:`NEW_LESION_RULES`, per lesion row
    and per assessment (see the module notes).

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
    >>> f["recist1.1"].row_code.tolist()
    [2, 1]
    >>> definite, later = f["recist1.1"].per_scan(np.array([1, 2]))
    >>> definite.tolist(), later.tolist()
    ([False, False, True], [False, True, False])
    >>> f["as_recorded"].per_scan(np.array([1, 2]))[0].tolist()
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
        "as_recorded": NewFindings(
            np.where(role_new, DEFINITE, NOT_COUNTED).astype(np.int8),
            new_flag | eq_flag,
            np.zeros(n_ass, dtype=bool),
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

    code = np.where(sure, DEFINITE, np.where(confirmed_rows, CONFIRMED, NOT_COUNTED))
    scan_confirmed = np.zeros(n_ass, dtype=bool)
    if eq_flag.any():  # an equivocal scan-level flag: confirmed by a later unequivocal one
        definite = new_flag | _any_per(les_ak[sure], n_ass)
        patient = pd.factorize(assessments["patient_id"])[0]
        last_def = np.full(int(patient.max()) + 1, np.iinfo(np.int64).min)
        np.maximum.at(last_def, patient[definite], day[definite])
        scan_confirmed = eq_flag & (last_def[patient] > day)
    out["recist1.1"] = NewFindings(code.astype(np.int8), new_flag, scan_confirmed)
    return {r: out[r] for r in NEW_LESION_RULES}


def _any_per(index: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(index, minlength=n) > 0
