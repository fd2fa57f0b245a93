"""Organ-specific growth and lesion-level pseudoprogression (issue 17).

NET metastases in liver, nodes, bone and peritoneum grow and respond on different timelines,
and after PRRT single lesions can swell transiently while the others shrink.  Two scenario
parameters model this; both are off by default, so the scenarios and the demo are unchanged
unless set (``--set organ_tgr_offset=...`` or a scenario override):

* ``organ_tgr_offset`` (``{"bone": -1.0, "liver": 1.5}``): TGR (%/month) added to the intrinsic
  growth rate of every lesion of that organ, on and off treatment; the truth table records each
  organ's intrinsic rate per line (``tgr_<organ>`` = ``tgr_baseline`` + offset);
* ``lesion_pseudoprogression_rate`` (per lesion of a PRRT line) with
  ``lesion_pseudoprogression_amplitude``: a lesion's own transient swelling (the same bump as
  the patient-level pseudoprogression, at the line's swelling peak), independent of the other
  lesions; the truth table counts such lesions per line (``lesion_pseudoprogression``) and
  gives the largest amplitude (``lesion_swelling_pct``).

No random number is drawn while a parameter is off, so a seed gives the same cohort as before.
"""

from __future__ import annotations

import numpy as np

from netsurv.schema.inputs import LESION_SITES as SITES
from netsurv.simulate.scenarios import Scenario


def organ_offsets(sc: Scenario, site: np.ndarray) -> np.ndarray | float:
    """TGR (%/month) added to each lesion for its organ (``site``: codes into
    :data:`netsurv.schema.inputs.LESION_SITES`, the simulator's site codes).

    Examples
    --------
    >>> import numpy as np
    >>> from netsurv.simulate import get_scenario
    >>> sc = get_scenario("ssa", organ_tgr_offset={"bone": -1.0, "liver": 2.0})
    >>> organ_offsets(sc, np.array([[0, 2, 1]])).tolist()
    [[2.0, -1.0, 0.0]]
    """
    if not sc.organ_tgr_offset:
        return 0.0
    table = np.array([sc.organ_tgr_offset.get(s, 0.0) for s in SITES])
    return table[site]


def lesion_swelling(
    rng: np.random.Generator, sc: Scenario, prrt: np.ndarray, exists: np.ndarray
) -> np.ndarray:
    """Per lesion of a line's patients (``exists``: ``(n, L)``), the amplitude of its own
    transient swelling (0 = none): PRRT lines only, each lesion with probability
    ``lesion_pseudoprogression_rate``."""
    if sc.lesion_pseudoprogression_rate == 0.0 or not prrt.any():
        return np.zeros(exists.shape)
    a, b = sc.lesion_pseudoprogression_amplitude
    hit = prrt[:, None] & exists & (rng.random(exists.shape) < sc.lesion_pseudoprogression_rate)
    return np.where(hit, rng.uniform(a, b, exists.shape), 0.0)


def organ_tgr_columns(sc: Scenario, tgr_baseline: np.ndarray) -> dict[str, np.ndarray]:
    """Truth columns ``tgr_<organ>``: each organ's intrinsic growth rate (%/month)."""
    return {f"tgr_{s}": np.round(tgr_baseline + sc.organ_tgr_offset.get(s, 0.0), 3) for s in SITES}
