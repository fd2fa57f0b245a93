"""Derived NET biomarkers (issue 19): liver tumour fraction, dual-tracer linkage and grades,
ZP, Krenning score, and their baseline values per line as covariates.

The same quantities are criterion measures where a change can be a response
(``measure="liver_fraction"``, ``"zp"``, ``"zp_norm"``, ``"adc"`` with
``direction="increase"``; :class:`netsurv.criteria.Criterion`): one classifier reads them.
"""

from netsurv.measures.baseline import BASELINE_MEASURES, BaselineMeasures, baseline_measures
from netsurv.measures.dual_tracer import (
    NETPET_GRADES,
    THREE_SCALE_GRADES,
    dual_tracer_grades,
    link_lesions,
    pair_pet_scans,
)
from netsurv.measures.krenning import krenning_per_scan
from netsurv.measures.liver import (
    LIVER_FRACTION_CATEGORIES,
    liver_fraction,
    liver_fraction_category,
)
from netsurv.measures.pairing import nearest_reading
from netsurv.measures.zp import LesionZP, lesion_zp

__all__ = [
    "BASELINE_MEASURES",
    "LIVER_FRACTION_CATEGORIES",
    "NETPET_GRADES",
    "THREE_SCALE_GRADES",
    "BaselineMeasures",
    "LesionZP",
    "baseline_measures",
    "dual_tracer_grades",
    "krenning_per_scan",
    "lesion_zp",
    "link_lesions",
    "liver_fraction",
    "liver_fraction_category",
    "nearest_reading",
    "pair_pet_scans",
]
