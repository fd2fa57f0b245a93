"""``lesions.parent_lesion_id``: lesions that split or coalesce (RECIST 1.1 section 4.3).

RECIST 1.1 (Eisenhauer et al. 2009, section 4.3, "Lesions that split or coalesce on
treatment"): "when non-nodal lesions 'fragment', the longest diameters of the fragmented
portions should be added together to calculate the target lesion sum.  Similarly, as lesions
coalesce, a plane between them may be maintained that would aid in obtaining maximal diameter
measurements of each individual lesion.  If the lesions have truly coalesced such that they are
no longer separable, the vector of the longest diameter in this instance should be the maximal
longest diameter for the 'coalesced lesion'."

In the data, a lesion row whose ``parent_lesion_id`` names another lesion of the same patient
is measured with that lesion: a *fragment* (a new ``lesion_id`` after a split) adds its
reading to its parent's, a *coalesced* lesion (a followed lesion merged into another) records
0 mm on its own row with the merged lesion's parent, which carries the coalesced lesion's
diameter.  Chains resolve to their root (a fragment of a fragment is measured with the
original lesion); a fragment is never a new lesion.

This module checks the links (validation rule ``parent_lesion``) and resolves each row's root
lesion; :mod:`netsurv.response.fragments` merges the readings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.schema.problems import Problems, row_keys

RULE = "parent_lesion"


def check_parent_lesions(les: pd.DataFrame, problems: Problems) -> None:
    """Report every bad ``parent_lesion_id`` (rule ``parent_lesion``), all at once.

    A parent must be a lesion of the same patient (a ``lesion_id`` of one of its rows), not
    the lesion itself, the same on every row of the lesion, and the links must not form a
    cycle.

    Examples
    --------
    >>> import pandas as pd
    >>> les = pd.DataFrame({"patient_id": ["P1", "P1", "P2"], "assessment_id": ["A1"] * 3,
    ...     "lesion_id": ["L1", "L2", "L9"], "parent_lesion_id": ["L2", "L1", "L1"]})
    >>> p = Problems()
    >>> check_parent_lesions(les, p)
    >>> for r in p.rows:
    ...     print(r["row_key"], "|", r["message"])
    P2 / A1 / L9 | parent_lesion_id 'L1' is no lesion of patient P2 (it is a lesion of another patient)
    P1 / A1 / L1 | parent_lesion_id 'L2' forms a cycle (L1 -> L2 -> ... -> L1)
    P1 / A1 / L2 | parent_lesion_id 'L1' forms a cycle (L2 -> L1 -> ... -> L2)
    """
    if "parent_lesion_id" not in les.columns:
        return
    has = les["parent_lesion_id"].notna().to_numpy()
    if not has.any():
        return
    sub = les[has]
    pid = sub["patient_id"].astype(str)
    own = pid + "\x1f" + sub["lesion_id"].astype(str)
    parent = pid + "\x1f" + sub["parent_lesion_id"].astype(str)
    known = pd.Index(les["patient_id"].astype(str) + "\x1f" + les["lesion_id"].astype(str))
    elsewhere = pd.Index(les["lesion_id"].astype(str))

    def report(mask: np.ndarray, message: pd.Series) -> None:
        rows = sub[mask]
        for key, value, text in zip(
            row_keys(rows, "lesions"), rows["parent_lesion_id"], message[mask], strict=True
        ):
            problems.add("lesions", "parent_lesion_id", key, RULE, value, text)

    itself = (sub["parent_lesion_id"].astype(str) == sub["lesion_id"].astype(str)).to_numpy()
    unknown = ~itself & ~parent.isin(known).to_numpy()
    other = unknown & sub["parent_lesion_id"].astype(str).isin(elsewhere).to_numpy()
    quoted = "parent_lesion_id '" + sub["parent_lesion_id"].astype(str) + "'"
    report(itself, quoted + " is the lesion itself")
    report(
        unknown,
        quoted
        + " is no lesion of patient "
        + pid
        + np.where(other, " (it is a lesion of another patient)", ""),
    )
    n_parents = parent.groupby(own.to_numpy()).nunique()
    ambiguous = (own.map(n_parents) > 1).to_numpy() & ~itself & ~unknown
    report(ambiguous, quoted + " differs between the lesion's rows (one parent per lesion)")
    ok = ~(itself | unknown | ambiguous)
    cyc = _in_cycle(own.to_numpy()[ok], parent.to_numpy()[ok])
    mask = np.zeros(len(sub), dtype=bool)
    mask[np.flatnonzero(ok)[cyc]] = True
    lesion = sub["lesion_id"].astype(str)
    arrow = " -> " + sub["parent_lesion_id"].astype(str) + " -> ... -> "
    report(mask, quoted + " forms a cycle (" + lesion + arrow + lesion + ")")


def _in_cycle(child: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Whether each link ``child -> parent`` lies on (or leads into) a cycle, by pointer
    doubling: after ``2**k`` steps every chain has reached its root unless it cycles."""
    names, codes = np.unique(np.concatenate([child, parent]), return_inverse=True)
    n = len(names)
    ptr = np.arange(n)
    ptr[codes[: len(child)]] = codes[len(child) :]
    is_root = ptr == np.arange(n)
    for _ in range(max(1, int(np.ceil(np.log2(n + 1))) + 1)):
        ptr = ptr[ptr]
    return ~is_root[ptr[codes[: len(child)]]]


def root_lesion_ids(les: pd.DataFrame) -> pd.Series:
    """The lesion each row is measured as: its root parent's ``lesion_id`` (itself without a
    parent).  Assumes links checked by :func:`check_parent_lesions`.

    Examples
    --------
    >>> import pandas as pd
    >>> les = pd.DataFrame({"patient_id": ["P"] * 3, "lesion_id": ["A", "A1", "A1a"],
    ...                     "parent_lesion_id": [None, "A", "A1"]})
    >>> root_lesion_ids(les).tolist()
    ['A', 'A', 'A']
    """
    lesion = les["lesion_id"].astype(str)
    if "parent_lesion_id" not in les.columns or les["parent_lesion_id"].isna().all():
        return lesion
    pid = les["patient_id"].astype(str) + "\x1f"
    own = (pid + lesion).to_numpy(dtype=object)
    has = les["parent_lesion_id"].notna().to_numpy()
    parent = (pid[has] + les["parent_lesion_id"][has].astype(str)).to_numpy(dtype=object)
    names, codes = np.unique(np.concatenate([own[has], parent]), return_inverse=True)
    n_has = int(has.sum())
    ptr = np.arange(len(names))
    ptr[codes[:n_has]] = codes[n_has:]
    for _ in range(max(1, int(np.ceil(np.log2(len(names) + 1))) + 1)):
        ptr = ptr[ptr]
    root = pd.Series(names[ptr[codes[:n_has]]], dtype=object).str.split("\x1f", n=1).str[1]
    out = lesion.copy()
    out[has] = root.to_numpy(dtype=object)
    return out
