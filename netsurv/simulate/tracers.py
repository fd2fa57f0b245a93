"""The tracer of each simulated PET scan (``assessments.tracer``).

FDG-PET scans record 18F-FDG.  Each patient's SST-PET scans use one tracer drawn from
``sst_tracer_shares``; a fraction ``tracer_switch_rate`` of the patients switches once, to
another SST-PET tracer (any of :data:`SST_TRACERS`), from a random SST-PET after their first on (a site changing its tracer), so the
SUV- and volume-based criteria meet tracer switches.  Drawn after everything else of a chunk,
so the rest of the cohort does not depend on these settings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.schema.inputs import TRACERS
from netsurv.simulate.scenarios import Scenario

#: The SST-PET tracers a switch can go to.
SST_TRACERS = tuple(t for t in TRACERS if t not in ("18F-FDG", "other"))


def assign_tracers(rng: np.random.Generator, sc: Scenario, assessments: pd.DataFrame) -> np.ndarray:
    """The tracer of every scan (None for CT / MRI), in the order of ``assessments``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from netsurv.simulate import get_scenario
    >>> a = pd.DataFrame({"patient_id": ["P1"] * 3, "modality": ["CT", "SST-PET", "FDG-PET"],
    ...                   "date": pd.to_datetime(["2020-01-01"] * 3)})
    >>> assign_tracers(np.random.default_rng(0), get_scenario("ssa"), a)[[0, 2]].tolist()
    [None, '18F-FDG']
    """
    out = np.full(len(assessments), None, dtype=object)
    out[(assessments["modality"] == "FDG-PET").to_numpy()] = "18F-FDG"
    names = np.array(SST_TRACERS, dtype=object)
    share = np.array([sc.sst_tracer_shares.get(t, 0.0) for t in SST_TRACERS], dtype=float)
    patient, _ = pd.factorize(assessments["patient_id"])
    n_p = int(patient.max(initial=-1)) + 1
    base = rng.choice(len(names), size=n_p, p=share / share.sum())
    switch = rng.random(n_p) < sc.tracer_switch_rate
    other = (base + 1 + rng.integers(0, len(names) - 1, n_p)) % len(names)  # another tracer
    where = rng.random(n_p)
    sst = np.flatnonzero((assessments["modality"] == "SST-PET").to_numpy())
    if len(sst) == 0:
        return out
    order = sst[np.lexsort((assessments["date"].to_numpy()[sst], patient[sst]))]
    p = patient[order]
    rank = pd.Series(p).groupby(p).cumcount().to_numpy()
    n_sst = np.bincount(p, minlength=n_p)
    cut = 1 + np.floor(where * np.maximum(n_sst - 1, 0)).astype(np.int64)
    switched = switch[p] & (n_sst[p] >= 2) & (rank >= cut[p])
    out[order] = names[np.where(switched, other[p], base[p])]
    return out
