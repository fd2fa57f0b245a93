"""Krenning score of the lesions on a somatostatin-receptor scan, and its heterogeneity.

The Krenning score grades a lesion's SST uptake against normal organs (0 none, 1 very low,
2 = normal liver, 3 > liver, 4 > spleen or kidney; Krenning et al. 1994, applied to PET by
Hope et al. 2018).  A scan's highest score is the usual PRRT eligibility read (NETTER-1:
uptake at least that of normal liver); its lowest score and the range between them describe
heterogeneous receptor expression, which studies relate to TTP and OS.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort

KRENNING_COLUMNS = [
    "patient_id",
    "assessment_id",
    "date",
    "n_scored",
    "krenning_max",
    "krenning_min",
    "krenning_range",
    "krenning_below_liver",
]


def krenning_per_scan(cohort: Cohort) -> pd.DataFrame:
    """Highest, lowest and range of the Krenning scores of each SST-PET / SPECT scan.

    Only lesions present before treatment (roles target and non_target) are scored;
    ``krenning_below_liver`` counts the scored lesions with a score below 2 (uptake below
    normal liver: not reached by PRRT at the NETTER-1 bar).

    Examples
    --------
    Hand-worked: scores 4, 3 and 1 on one scan: max 4, min 1, range 3, one lesion below liver.

    >>> import netsurv as ns
    >>> c = ns.Cohort.from_frames(
    ...     patients=pd.DataFrame({"patient_id": ["P1"], "last_alive_date": ["2021-01-01"]}),
    ...     lines=pd.DataFrame({"patient_id": ["P1"], "line_id": ["L"], "regimen": ["Lu"],
    ...                         "start_date": ["2020-02-01"]}),
    ...     assessments=pd.DataFrame({"patient_id": ["P1"], "assessment_id": ["S"],
    ...                               "date": ["2020-01-20"], "modality": ["SST-PET"]}),
    ...     lesions=pd.DataFrame({"patient_id": ["P1"] * 3, "assessment_id": ["S"] * 3,
    ...                           "lesion_id": ["L1", "L2", "L3"], "site": ["liver"] * 3,
    ...                           "role": ["target", "target", "non_target"],
    ...                           "krenning_score": [4, 3, 1]}))
    >>> [int(x) for x in krenning_per_scan(c).iloc[0, 3:]]
    [3, 4, 1, 3, 1]
    """
    ass = cohort.assessments
    les = cohort.lesions
    key = ["patient_id", "assessment_id"]
    scans = ass.loc[ass["modality"].isin(["SST-PET", "SPECT"]), [*key, "date"]]
    scored = les[les["krenning_score"].notna() & les["role"].isin(["target", "non_target"])]
    k = scored["krenning_score"].astype(np.int64)
    agg = (
        scored.assign(_k=k.to_numpy(), _low=(k < 2).to_numpy())
        .groupby(key, sort=False)
        .agg(
            n_scored=("_k", "size"),
            krenning_max=("_k", "max"),
            krenning_min=("_k", "min"),
            krenning_below_liver=("_low", "sum"),
        )
        .reset_index()
    )
    out = scans.merge(agg, on=key, how="inner")
    out = out.assign(
        krenning_range=out["krenning_max"] - out["krenning_min"],
        krenning_below_liver=out["krenning_below_liver"].astype(np.int64),
    )
    out = out.sort_values(["patient_id", "date", "assessment_id"], kind="stable")
    return out[KRENNING_COLUMNS].reset_index(drop=True)
