"""Response criteria as data: the :class:`Criterion` value, combined (multi-modal) criteria,
published presets, and grids.

Examples
--------
>>> import netsurv as ns
>>> ns.criteria.RECIST_1_1.response_threshold
-0.3
>>> ns.criteria.get("sstv").modality
('SST-PET',)
"""

from netsurv.criteria.biochemical import (
    BIOCHEMICAL_PRESETS,
    CGA_BIOCHEMICAL,
    CGA_CONFIRMED,
    HIAA_BIOCHEMICAL,
    HIAA_CONFIRMED,
    NSE_BIOCHEMICAL,
    NSE_CONFIRMED,
)
from netsurv.criteria.combined import AnyCriterion, CombinedCriterion, combine
from netsurv.criteria.criterion import DIAMETER_MEASURES, Criterion
from netsurv.criteria.multimodal import (
    CHOI_SSTV,
    COMBINED_PRESETS,
    RECIST_FDG_NEW_LESIONS,
    RECIST_SST_NEW_LESIONS,
    SSTV_NEW_LESIONS,
)
from netsurv.criteria.presets import (
    ADC_INCREASE,
    CHOI,
    CT_NEW_LESIONS,
    EARLY_SSTV,
    EORTC_PET_1999,
    FDG_NEW_LESIONS,
    IRECIST,
    LIVER3,
    LIVER_FRACTION,
    MCHOI,
    MRECIST,
    MSWOG,
    PERCIST_1_0,
    PRESETS,
    READER,
    RECIST_1_1,
    RECIST_10,
    RECIST_10_10,
    RECIST_MR,
    SST_NEW_LESIONS,
    SSTR_VOLUME,
    SWOG,
    VOLUMETRIC_RECIST,
    WHO,
)
from netsurv.criteria.registry import describe_progression, describe_response, get, grid, list

__all__ = [
    "ADC_INCREASE",
    "BIOCHEMICAL_PRESETS",
    "CGA_BIOCHEMICAL",
    "CGA_CONFIRMED",
    "CHOI",
    "CHOI_SSTV",
    "COMBINED_PRESETS",
    "CT_NEW_LESIONS",
    "DIAMETER_MEASURES",
    "EARLY_SSTV",
    "EORTC_PET_1999",
    "FDG_NEW_LESIONS",
    "HIAA_BIOCHEMICAL",
    "HIAA_CONFIRMED",
    "IRECIST",
    "LIVER3",
    "LIVER_FRACTION",
    "MCHOI",
    "MRECIST",
    "MSWOG",
    "NSE_BIOCHEMICAL",
    "NSE_CONFIRMED",
    "PERCIST_1_0",
    "PRESETS",
    "READER",
    "RECIST_1_1",
    "RECIST_10",
    "RECIST_10_10",
    "RECIST_FDG_NEW_LESIONS",
    "RECIST_MR",
    "RECIST_SST_NEW_LESIONS",
    "SSTR_VOLUME",
    "SSTV_NEW_LESIONS",
    "SST_NEW_LESIONS",
    "SWOG",
    "VOLUMETRIC_RECIST",
    "WHO",
    "AnyCriterion",
    "CombinedCriterion",
    "Criterion",
    "combine",
    "describe_progression",
    "describe_response",
    "get",
    "grid",
    "list",
]
