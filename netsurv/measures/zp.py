"""ZP: CT density × SST-PET SUVmean per lesion, and its normalised form (Zwirtz et al. 2022).

Zwirtz et al. (Charité; PRRT cohort, 34 patients) multiplied a lesion's mean CT attenuation (HU)
by its SUVmean on somatostatin-receptor PET; a low baseline ZP predicted the lesion's
progression after three PRRT cycles (AUC 0.753).  The normalised ZP divides the SUVmean by the
normal-liver SUVmean of the same PET scan (``assessments.liver_suv_mean``).  The study read
both from one PET/CT; with separate scans netsurv pairs each SST-PET lesion reading with the
same ``lesion_id`` on the nearest CT at most ``window_days`` away
(:mod:`netsurv.measures.pairing`).  Readings without such a CT have no ZP and are listed in
the attrition table with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View, rows_view
from netsurv.cohort import ATTRITION_COLUMNS, Cohort
from netsurv.measures.pairing import nearest_reading

ZP_COLUMNS = [
    "patient_id",
    "assessment_id",
    "lesion_id",
    "date",
    "site",
    "suv_mean",
    "ct_assessment_id",
    "ct_date",
    "density_hu",
    "liver_suv_mean",
    "zp",
    "zp_norm",
]


@dataclass(frozen=True, repr=False)
class LesionZP(Displayable):
    """ZP of every SST-PET lesion reading that has one, and the readings set aside.

    Attributes
    ----------
    table : pandas.DataFrame
        :data:`ZP_COLUMNS`; ``zp_norm`` is missing when the scan has no ``liver_suv_mean``.
    attrition : pandas.DataFrame
        ``table``, ``row_key``, ``stage`` (``"zp"``), ``reason`` of the SST-PET lesion
        readings with an SUVmean but no ZP.
    """

    table: pd.DataFrame
    attrition: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Number, median and range of ZP and normalised ZP."""
        rows = []
        for col in ("zp", "zp_norm"):
            v = self.table[col].dropna()
            rows.append(
                {"measure": col, "n": len(v), "median": v.median(), "min": v.min(), "max": v.max()}
            )
        return pd.DataFrame(rows)

    def _view(self) -> View:
        n, aside = len(self.table), len(self.attrition)
        return rows_view("LesionZP", "SST-PET lesion readings with a ZP", self.summary(), n, aside)


def lesion_zp(cohort: Cohort, *, window_days: int = 30) -> LesionZP:
    """ZP and normalised ZP of each SST-PET lesion reading.

    Examples
    --------
    Hand-worked: SUVmean 12 on the SST-PET scan of 2020-01-20, 80 HU on the CT of 2020-01-10
    (10 days apart): ZP = 80 × 12 = 960; normal liver SUVmean 6: ZPnorm = 960 / 6 = 160.
    Lesion L2 has no CT density within 30 days: set aside.

    >>> import netsurv as ns
    >>> c = ns.Cohort.from_frames(
    ...     patients=pd.DataFrame({"patient_id": ["P1"], "last_alive_date": ["2021-01-01"]}),
    ...     lines=pd.DataFrame({"patient_id": ["P1"], "line_id": ["L"], "regimen": ["Lu"],
    ...                         "start_date": ["2020-02-01"]}),
    ...     assessments=pd.DataFrame({"patient_id": ["P1", "P1"], "assessment_id": ["C", "S"],
    ...                               "date": ["2020-01-10", "2020-01-20"],
    ...                               "modality": ["CT", "SST-PET"],
    ...                               "liver_suv_mean": [None, 6.0]}),
    ...     lesions=pd.DataFrame({"patient_id": ["P1"] * 3, "assessment_id": ["C", "S", "S"],
    ...                           "lesion_id": ["L1", "L1", "L2"], "site": ["liver"] * 3,
    ...                           "role": ["target", "target", "non_target"],
    ...                           "long_axis_mm": [30.0, None, None],
    ...                           "density_hu": [80.0, None, None],
    ...                           "suv_mean": [None, 12.0, 9.0]}))
    >>> res = lesion_zp(c)
    >>> res.table[["lesion_id", "ct_assessment_id", "zp", "zp_norm"]]
      lesion_id ct_assessment_id     zp  zp_norm
    0        L1                C  960.0    160.0
    >>> res.attrition["reason"].item()
    'no CT density_hu of this lesion within 30 days of the SST-PET scan: no ZP'
    """
    ass = cohort.assessments
    les = cohort.lesions
    key = ["patient_id", "assessment_id"]
    day = ass["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    scans = ass[[*key, "date", "modality", "liver_suv_mean"]].assign(day=day)
    rows = les.merge(scans, on=key, how="inner")
    usable = rows["measurement_flag"].ne("not_evaluable")
    pet = rows[(rows["modality"] == "SST-PET") & rows["suv_mean"].notna() & usable]
    ct = rows[(rows["modality"] == "CT") & usable]
    paired = nearest_reading(
        pet[["patient_id", "lesion_id", "assessment_id", "day"]],
        ct[["patient_id", "lesion_id", "assessment_id", "day", "density_hu"]],
        value="density_hu",
        window_days=window_days,
    )
    zp = paired["density_hu"] * pet["suv_mean"]
    with np.errstate(invalid="ignore", divide="ignore"):
        zp_norm = (zp / pet["liver_suv_mean"]).where(pet["liver_suv_mean"] > 0)
    ct_date = pd.to_datetime(paired["paired_day"].to_numpy(), unit="D").where(
        paired["paired_day"].notna()
    )
    table = pet.assign(
        ct_assessment_id=paired["paired_assessment_id"],
        ct_date=ct_date,
        density_hu=paired["density_hu"],
        zp=zp,
        zp_norm=zp_norm,
    )
    lost = table["zp"].isna()
    gone = table[lost]
    attrition = pd.DataFrame(
        {
            "table": "lesions",
            "row_key": (
                gone["patient_id"] + " / " + gone["assessment_id"] + " / " + gone["lesion_id"]
            ).to_numpy(dtype=object),
            "stage": "zp",
            "reason": f"no CT density_hu of this lesion within {window_days} days of the "
            "SST-PET scan: no ZP",
        },
        columns=ATTRITION_COLUMNS,
    )
    table = table[~lost].sort_values(["patient_id", "date", "lesion_id"], kind="stable")
    return LesionZP(table=table[ZP_COLUMNS].reset_index(drop=True), attrition=attrition)
