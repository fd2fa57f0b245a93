"""Liver tumour fraction: the summed volume of a scan's liver lesions over the liver's volume.

The consensus on NET response criteria asks new criteria to report the liver metastatic
fraction (agreed unanimously) and to categorise it as < 10 %, 10-25 %, 25-50 %, > 50 % (cut-offs
are study-specific; PROMID reported OS by hepatic load <= 10 % vs > 10 %).  netsurv puts a
fraction on a category boundary in the lower band except at 10 %: ``< 0.10``, ``0.10-0.25``
(both ends included), ``(0.25, 0.50]``, ``> 0.50``.

As a criterion measure the same quantity is ``measure="liver_fraction"``: each followed liver
lesion contributes ``volume_ml / liver_volume_ml`` of its scan, summed
(:class:`netsurv.criteria.Criterion`), so its change can be a response.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort

LIVER_FRACTION_CATEGORIES = ("<10%", "10-25%", "25-50%", ">50%")
SCAN_COLUMNS = [
    "patient_id",
    "assessment_id",
    "date",
    "modality",
    "n_liver_lesions",
    "liver_lesion_volume_ml",
    "liver_volume_ml",
    "liver_fraction",
    "liver_fraction_category",
    "reason",
]


def liver_fraction_category(fraction: pd.Series | np.ndarray) -> pd.Categorical:
    """The consensus category of each liver tumour fraction (a fraction, not a percentage).

    Examples
    --------
    >>> list(liver_fraction_category(np.array([0.0, 0.0999, 0.10, 0.25, 0.2501, 0.5, 0.51,
    ...                                         np.nan])))
    ['<10%', '<10%', '10-25%', '10-25%', '25-50%', '25-50%', '>50%', nan]
    """
    x = np.asarray(fraction, dtype=float)
    code = np.select([x < 0.10, x <= 0.25, x <= 0.50, x > 0.50], [0, 1, 2, 3], default=-1)
    return pd.Categorical.from_codes(
        code.tolist(), categories=pd.Index(LIVER_FRACTION_CATEGORIES), ordered=True
    )


def liver_fraction(cohort: Cohort) -> pd.DataFrame:
    """Liver tumour fraction of every scan that records a liver volume or liver lesions.

    Sum of ``volume_ml`` of the scan's liver lesions (every role, new lesions included: it is
    the tumour in the liver on that day) over the scan's ``assessments.liver_volume_ml``.  A
    liver lesion without a volume (unless flagged ``too_small``: 0 mL), or a scan without a
    liver volume, leaves the fraction missing and says why in ``reason``.  Validation
    guarantees the fraction is at most 1 (rule ``liver_volume_below_lesions``).

    Returns
    -------
    pandas.DataFrame
        :data:`SCAN_COLUMNS`.

    Examples
    --------
    Hand-worked: liver lesions of 30 mL and 90 mL in a 1,500 mL liver: 120 / 1500 = 0.08,
    category < 10 %.

    >>> import netsurv as ns
    >>> c = ns.Cohort.from_frames(
    ...     patients=pd.DataFrame({"patient_id": ["P1"], "last_alive_date": ["2021-01-01"]}),
    ...     lines=pd.DataFrame({"patient_id": ["P1"], "line_id": ["L"], "regimen": ["Lu"],
    ...                         "start_date": ["2020-02-01"]}),
    ...     assessments=pd.DataFrame({"patient_id": ["P1"], "assessment_id": ["A"],
    ...                               "date": ["2020-01-20"], "modality": ["CT"],
    ...                               "liver_volume_ml": [1500.0]}),
    ...     lesions=pd.DataFrame({"patient_id": ["P1"] * 3, "assessment_id": ["A"] * 3,
    ...                           "lesion_id": ["L1", "L2", "N1"],
    ...                           "site": ["liver", "liver", "lymph_node"],
    ...                           "role": ["target"] * 3, "long_axis_mm": [40.0, 60.0, 20.0],
    ...                           "short_axis_mm": [30.0, 50.0, 16.0],
    ...                           "volume_ml": [30.0, 90.0, 5.0]}))
    >>> liver_fraction(c)[["liver_lesion_volume_ml", "liver_fraction",
    ...                    "liver_fraction_category"]]
       liver_lesion_volume_ml  liver_fraction liver_fraction_category
    0                   120.0            0.08                    <10%
    """
    ass = cohort.assessments
    les = cohort.lesions
    key = ["patient_id", "assessment_id"]
    liver = les.loc[
        (les["site"] == "liver").to_numpy(), [*key, "lesion_id", "volume_ml", "measurement_flag"]
    ]
    per = (
        liver.assign(
            _missing=liver["volume_ml"].isna().to_numpy()
            & liver["measurement_flag"].ne("too_small").to_numpy(),
            _vol=liver["volume_ml"].fillna(0.0),
        )
        .groupby(key, sort=False)
        .agg(
            n_liver_lesions=("lesion_id", "size"),
            liver_lesion_volume_ml=("_vol", "sum"),
            n_missing=("_missing", "sum"),
        )
        .reset_index()
    )
    scans = ass[[*key, "date", "modality", "liver_volume_ml"]]
    out = scans.merge(per, on=key, how="left")
    out = out[out["liver_volume_ml"].notna() | out["n_liver_lesions"].notna()]
    n = out["n_liver_lesions"].fillna(0).astype(np.int64)
    missing = out["n_missing"].fillna(0).astype(np.int64)
    lesion_vol = out["liver_lesion_volume_ml"].fillna(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = lesion_vol / out["liver_volume_ml"]
    no_volume = out["liver_volume_ml"].isna()
    reason = np.where(
        no_volume,
        "no liver_volume_ml on this scan",
        np.where(
            missing > 0,
            missing.astype(str) + " liver lesion(s) without volume_ml",
            "",
        ),
    )
    frac = frac.where((reason == "") & (out["liver_volume_ml"] > 0))
    out = out.assign(
        n_liver_lesions=n,
        liver_lesion_volume_ml=lesion_vol.where(missing == 0),
        liver_fraction=frac,
        liver_fraction_category=liver_fraction_category(frac),
        reason=reason,
    )
    return out.sort_values(["patient_id", "date", "assessment_id"], kind="stable")[
        SCAN_COLUMNS
    ].reset_index(drop=True)
