"""Which follow-up scans a criterion may compare with its line's baseline scan.

* An SUV- or volume-based criterion (:data:`~netsurv.criteria.fields.TRACER_MEASURES`) compares
  a follow-up scan only with a baseline scan of the same ``assessments.tracer``: the SST-PET
  tracers (68Ga-DOTATATE, -DOTATOC, -DOTANOC, 64Cu-DOTATATE) are clinically equivalent, but
  their quantitative values must not be compared.  A missing tracer is no switch; the
  new-lesion components (``new_lesions_only``) compare no values and are exempt.
* A criterion with ``modality_change="ne"`` compares a follow-up scan only with a baseline of
  the same modality (RECIST 1.1 allows CT and MRI to be compared: the default ``"allowed"``).

From the first scan that differs on, the criterion is NE on the line (even if a later scan
returns to the baseline's tracer); each such line gets an attrition row naming the scans.
Vectorised over the rows of a measurement pass (sorted by line).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.criteria.criterion import Criterion
from netsurv.criteria.fields import TRACER_MEASURES
from netsurv.response.prepare import Prepared, prior_any


def not_comparable(
    prep: Prepared,
    crit: Criterion,
    scans: pd.DataFrame,
    ak: np.ndarray,
    is_base: np.ndarray,
    gstart: np.ndarray,
) -> tuple[np.ndarray, pd.Series]:
    """Rows the criterion may not compare with the baseline, and why (per changed line).

    Parameters
    ----------
    prep
        The integer-coded cohort (tracer per assessment).
    crit
        The criterion.
    scans
        The measurement pass's rows (``assessment_id``, ``date``, ``modality``).
    ak, is_base, gstart
        Assessment row, baseline flag and first row of the line, per row.

    Returns
    -------
    mask : numpy.ndarray
        True on every row from the first changed follow-up scan of its line on.
    reasons : pandas.Series
        Indexed by the first changed row of each line: the attrition reason.
    """
    n = len(ak)
    tracer_changed = np.zeros(n, dtype=bool)
    modality_changed = np.zeros(n, dtype=bool)
    if n == 0:
        return tracer_changed, pd.Series(dtype=object)
    if crit.measure in TRACER_MEASURES and not crit.new_lesions_only:
        tracer = prep.tracer[ak]
        base = tracer[gstart]
        tracer_changed = ~is_base & (tracer >= 0) & (base >= 0) & (tracer != base)
    if crit.modality_change == "ne":
        modality = pd.factorize(scans["modality"])[0]
        modality_changed = ~is_base & (modality != modality[gstart])
    changed = tracer_changed | modality_changed
    before = prior_any(changed, gstart)
    first = np.flatnonzero(changed & ~before)
    if len(first) == 0:
        return changed, pd.Series(dtype=object)
    b = gstart[first]
    aid = scans["assessment_id"].to_numpy(dtype=object)
    when = scans["date"].dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    mod = scans["modality"].to_numpy(dtype=object)
    tail = "; NE on this line from that scan on"
    what = "unit (assay)" if crit.measure == "marker" else "tracer"
    across = "units" if crit.measure == "marker" else "tracers"
    by_tracer = tracer_changed[first]
    names = np.append(prep.tracer_names, "").astype(object)
    tr = names[np.where(prep.tracer[ak] >= 0, prep.tracer[ak], -1)]
    text = np.where(
        by_tracer,
        what
        + " changed from "
        + tr[b]
        + " (baseline "
        + aid[b]
        + ") to "
        + tr[first]
        + " on "
        + aid[first]
        + " ("
        + when[first]
        + f"): {crit.measure} is not compared across {across}"
        + tail,
        "modality changed from "
        + mod[b]
        + " (baseline "
        + aid[b]
        + ") to "
        + mod[first]
        + " on "
        + aid[first]
        + " ("
        + when[first]
        + "), modality_change='ne'"
        + tail,
    )
    return changed | before, pd.Series(text, index=first, dtype=object)
