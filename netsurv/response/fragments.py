"""Readings of split and coalesced lesions merged into one value per lesion and scan.

RECIST 1.1 section 4.3 (:mod:`netsurv.lesion_parents`): "when non-nodal lesions 'fragment', the
longest diameters of the fragmented portions should be added together to calculate the target
lesion sum"; coalesced lesions are measured as one.  A lesion row with a ``parent_lesion_id``
therefore adds its reading to its root lesion on the same scan, and stands itself at 0 (a
followed lesion that coalesced into another is present in the sum, as 0 mm, not missing).

How readings combine: diameters, products, volumes and total lesion activity add up; an
intensity (density, SUVmax, SUVmean, SULpeak) is the largest of the parts; a short axis (the
nodal CR rule) is the largest.  A part without a reading (``not_evaluable``) leaves the merged
lesion unmeasured.  The long axis (a lesion present) adds up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.criteria.criterion import Criterion

#: Measures whose parts add up; the others take the largest part.
ADDITIVE_MEASURES = (
    "diameter",
    "long_axis",
    "viable_diameter",
    "bidimensional",
    "volume",
    "tla",
)

#: Columns of the merged rows that :func:`netsurv.response.lesions.aggregate` reads besides the
#: value and short axis.
_KEEP = ["ak", "lc", "node", "role_code", "site"]


def merge_fragments(
    sub: pd.DataFrame, v: np.ndarray, sa: np.ndarray, crit: Criterion
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One row per (assessment, lesion) with fragments and coalesced parts merged.

    Parameters
    ----------
    sub
        Lesion rows (``ak``, ``lc``, ``rlc`` the root lesion's code, ``node``, ``role_code``,
        ``site``, ``long_axis_mm``, ``density_hu``).
    v, sa
        Per row, the criterion's value and the short axis.
    crit
        The criterion (its measure decides how parts combine).

    Returns
    -------
    rows, src, v, sa, la, density
        The merged rows (columns ``ak``, ``lc``, ``node``, ``role_code``, ``site``), the
        position in ``sub`` of the row each was made from (a merged lesion: its first part)
        and their value, short axis, long axis and density.  Without a ``parent_lesion_id``
        the input, unchanged.

    Examples
    --------
    Lesion T1 split into F1 (12 mm) and F2 (8 mm): T1 is read as 20 mm.

    >>> import numpy as np, pandas as pd
    >>> from netsurv.criteria import RECIST_1_1
    >>> sub = pd.DataFrame({"ak": [3, 3], "lc": [7, 8], "rlc": [5, 5], "node": [False] * 2,
    ...     "role_code": [2, 2], "site": ["liver"] * 2, "long_axis_mm": [12.0, 8.0],
    ...     "density_hu": [np.nan] * 2})
    >>> rows, src, v, sa, la, dens = merge_fragments(sub, np.array([12.0, 8.0]),
    ...                                              np.full(2, np.nan), RECIST_1_1)
    >>> rows["lc"].tolist(), src.tolist(), v.tolist()
    ([5, 7, 8], [0, 0, 1], [20.0, 0.0, 0.0])
    """
    la = sub["long_axis_mm"].to_numpy(dtype=float)
    dens = sub["density_hu"].to_numpy(dtype=float)
    lc = sub["lc"].to_numpy(dtype=np.int64)
    rlc = sub["rlc"].to_numpy(dtype=np.int64) if "rlc" in sub.columns else lc
    part = rlc != lc
    if not part.any():
        return sub, np.arange(len(sub)), v, sa, la, dens
    # the parts' own rows stand at 0; each part adds a row for its root lesion
    whole = sub[part].assign(lc=rlc[part])
    rows = pd.concat([sub[~part], whole, sub[part]], ignore_index=True)
    pos = np.concatenate([np.flatnonzero(~part), np.flatnonzero(part), np.flatnonzero(part)])
    zero = np.zeros(int(part.sum()))
    vals = {
        "v": np.concatenate([v[~part], v[part], zero]),
        "sa": np.concatenate([sa[~part], sa[part], zero]),
        "la": np.concatenate([la[~part], la[part], zero]),
        "dens": np.concatenate([dens[~part], dens[part], np.full(len(zero), np.nan)]),
    }
    ak = rows["ak"].to_numpy(dtype=np.int64)
    key = pd.factorize(pd.MultiIndex.from_arrays([ak, rows["lc"].to_numpy(dtype=np.int64)]))[0]
    first = np.unique(key, return_index=True)[1]
    n = len(first)
    add = crit.measure in ADDITIVE_MEASURES
    out = {
        "v": _combine(key, vals["v"], n, add=add),
        "sa": _combine(key, vals["sa"], n, add=False),
        "la": _combine(key, vals["la"], n, add=True),
        "dens": _combine(key, vals["dens"], n, add=False),
    }
    merged = rows.iloc[first][_KEEP].reset_index(drop=True)
    return merged, pos[first], out["v"], out["sa"], out["la"], out["dens"]


def _combine(key: np.ndarray, x: np.ndarray, n: int, *, add: bool) -> np.ndarray:
    """Per key: the sum (``add``) or the largest of ``x``; NaN when any part is NaN."""
    missing = np.bincount(key, weights=np.isnan(x), minlength=n) > 0
    filled = np.nan_to_num(x, nan=0.0)
    if add:
        out = np.bincount(key, weights=filled, minlength=n)
    else:
        out = np.full(n, -np.inf)
        np.maximum.at(out, key, filled)
    return np.where(missing, np.nan, out)
