"""Published response criteria as :class:`~netsurv.criteria.Criterion` values.

Each preset cites its source; numbers are those of ``CRITERIA.md``.  Simplifications shared by
all presets (documented in the field descriptions of :class:`Criterion`): the same followed
lesions are used on every scan, progression is judged on the aggregate (WHO's per-lesion 25 %
rule is applied to the sum), qualitative inputs (non-target progression, new lesions) come from
the ``assessments`` table.
"""

from __future__ import annotations

from dataclasses import replace

from netsurv.criteria.biochemical import BIOCHEMICAL_PRESETS
from netsurv.criteria.criterion import Criterion

RECIST_1_1 = Criterion(
    name="recist1.1",
    label="RECIST 1.1",
    source="Eisenhauer EA et al. New response evaluation criteria in solid tumours: revised "
    "RECIST guideline (version 1.1). Eur J Cancer 2009;45:228-47; EORTC RECIST FAQ.",
)
"""RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-47).

Up to 5 target lesions (2 per organ) on CT/MRI, long axis (short axis for nodes), sum of
diameters.  PR: <= -30 % vs baseline; PD: >= +20 % and >= 5 mm vs nadir, new lesion or
unequivocal non-target progression; CR: non-nodal targets gone and nodes < 10 mm.  Too small to
measure = 5 mm; a missing target makes the scan NE unless PD is certain.  A lesion reappearing
after a confirmed CR is PD whatever its size (``reappearance_after_cr_pd="confirmed"``, the
default of every criterion with a CR class).
"""

RECIST_MR = replace(
    RECIST_1_1,
    name="recist_mr",
    label="RECIST 1.1 with minor response",
    source="van Vliet EI et al. Comparison of response evaluation in patients with "
    "gastroenteropancreatic and thoracic neuroendocrine tumors after treatment with "
    "[177Lu-DOTA0,Tyr3]octreotate. J Nucl Med 2013;54:1689-96.",
    minor_response_threshold=-0.13,
)
"""RECIST 1.1 with a minor-response class (van Vliet et al., J Nucl Med 2013;54:1689-96).

MR: decrease of 13 % to < 30 % of the sum of diameters vs baseline; otherwise RECIST 1.1.  In the
NET literature this is sometimes called "mRECIST"; the HCC criterion of that name is
:data:`MRECIST`.
"""

CHOI = Criterion(
    name="choi",
    label="Choi",
    source="Choi H et al. Correlation of computed tomography and positron emission tomography "
    "in patients with metastatic gastrointestinal stromal tumor treated at a single institution "
    "with imatinib mesylate. J Clin Oncol 2007;25:1753-9.",
    response_threshold=-0.10,
    progression_threshold=0.10,
    progression_min_abs=None,
    density_response_threshold=-0.15,
    composite="size_or_density",
)
"""Choi criteria (Choi et al., J Clin Oncol 2007;25:1753-9).

Sum of diameters of the RECIST targets on portal-venous CT and their mean density (HU).  PR:
size <= -10 % vs baseline OR density <= -15 %; PD: size >= +10 % vs nadir and not a density
response, or a new lesion; CR: all target lesions gone.  New intratumoral nodules are not in
the input schema (record them as ``new_lesion``).
"""

MCHOI = replace(
    CHOI,
    name="mchoi",
    label="modified Choi",
    source="Nathan PD et al. CT response assessment combining reduction in both size and "
    "arterial phase density correlates with time to progression in metastatic renal cancer "
    "patients treated with targeted therapies. Cancer Biol Ther 2010;9:15-9.",
    composite="size_and_density",
)
"""Modified Choi (Nathan et al., Cancer Biol Ther 2010;9:15-9; renal-cell carcinoma).

As :data:`CHOI` but PR needs BOTH a >= 10 % size decrease and a >= 15 % density decrease.
"""

MRECIST = replace(
    RECIST_1_1,
    name="mrecist_hcc",
    label="mRECIST (HCC)",
    source="Lencioni R, Llovet JM. Modified RECIST (mRECIST) assessment for hepatocellular "
    "carcinoma. Semin Liver Dis 2010;30:52-60.",
    measure="viable_diameter",
    progression_min_abs=None,
)
"""mRECIST for hepatocellular carcinoma (Lencioni & Llovet, Semin Liver Dis 2010;30:52-60).

Long axis of the viable (arterially enhancing) part of each target (``viable_long_axis_mm``;
nodes by short axis).  PR <= -30 % vs baseline; PD >= +20 % vs nadir without the 5 mm rule; CR:
no viable tumour in any target.  Identifier ``mrecist_hcc`` (not the NET "minor response"
variant, :data:`RECIST_MR`).
"""

PERCIST_1_0 = Criterion(
    name="percist1.0",
    label="PERCIST 1.0",
    source="Wahl RL et al. From RECIST to PERCIST: evolving considerations for PET response "
    "criteria in solid tumors. J Nucl Med 2009;50 Suppl 1:122S-50S; O JH et al. Practical "
    "PERCIST. Radiology 2016;280:576-84.",
    modality=("FDG-PET",),
    measure="sul_peak",
    lesion_set="all",
    aggregation="max",
    response_threshold=-0.30,
    response_min_abs=0.8,
    progression_threshold=0.30,
    progression_reference="baseline",
    progression_inclusive=False,
    progression_min_abs=0.8,
    nontarget_pd=False,
    cr_rule="zero",
    too_small_mm=None,
)
"""PERCIST 1.0 (Wahl et al., J Nucl Med 2009;50:122S-50S; O et al., Radiology 2016).

FDG-PET, SULpeak of the hottest lesion on each scan (it may be a different lesion).  PMR:
decrease >= 30 % AND >= 0.8 SUL vs baseline; PMD: increase > 30 % AND > 0.8 SUL vs baseline or
a new FDG-avid lesion; CMR: every lesion's uptake recorded as 0 (the liver / blood-pool
reference is not part of the input schema).  Scan comparability checks are not applied.
"""

EORTC_PET_1999 = Criterion(
    name="eortc_pet1999",
    label="EORTC PET 1999",
    source="Young H et al. Measurement of clinical and subclinical tumour response using "
    "[18F]-fluorodeoxyglucose and positron emission tomography: review and 1999 EORTC "
    "recommendations. Eur J Cancer 1999;35:1773-82.",
    modality=("FDG-PET",),
    measure="suv_max",
    lesion_set="all",
    response_threshold=-0.25,
    response_inclusive=False,
    progression_threshold=0.25,
    progression_reference="baseline",
    progression_inclusive=False,
    progression_min_abs=None,
    nontarget_pd=False,
    cr_rule="zero",
    too_small_mm=None,
)
"""EORTC PET criteria 1999 (Young et al., Eur J Cancer 1999;35:1773-82).

Sum of SUVmax of the lesions seen at baseline.  PMR: decrease > 25 % (the 15-25 % after one
cycle is ``replace(EORTC_PET_1999, response_threshold=-0.15)``); PMD: increase > 25 % vs
baseline or a new lesion; CMR: uptake gone (recorded as 0).
"""

WHO = Criterion(
    name="who",
    label="WHO",
    source="Miller AB et al. Reporting results of cancer treatment. Cancer 1981;47:207-14.",
    measure="bidimensional",
    response_threshold=-0.50,
    progression_threshold=0.25,
    progression_min_abs=None,
)
"""WHO criteria (Miller et al., Cancer 1981;47:207-14).

Sum of the products of perpendicular diameters (long × short axis, mm²) of the target lesions.
PR: <= -50 % vs baseline; PD: >= +25 % vs nadir (WHO applies it per lesion; netsurv to the sum)
or a new lesion.
"""

SWOG = Criterion(
    name="swog",
    label="SWOG",
    source="Green S, Weiss GR. Southwest Oncology Group standard response criteria, endpoint "
    "definitions and toxicity criteria. Invest New Drugs 1992;10:239-53.",
    measure="bidimensional",
    response_threshold=-0.50,
    progression_threshold=0.50,
    progression_min_abs=None,
    progression_abs_sufficient=1000.0,
)
"""SWOG criteria (Green & Weiss, Invest New Drugs 1992;10:239-53).

Sum of products of perpendicular diameters.  PR: <= -50 % vs baseline; PD: increase >= 50 % OR
>= 10 cm² (1000 mm²) over the smallest sum, whichever is smaller, or a new lesion.
"""

MSWOG = replace(
    SWOG,
    name="mswog",
    label="modified SWOG",
    source="van Vliet EI et al. J Nucl Med 2013;54:1689-96 (modified SWOG of the Rotterdam "
    "PRRT series).",
    minor_response_threshold=-0.25,
    progression_threshold=0.25,
    progression_abs_sufficient=None,
)
"""Modified SWOG (Rotterdam PRRT series; van Vliet et al., J Nucl Med 2013;54:1689-96).

Sum of products: PR <= -50 %, MR -25 % to > -50 %, SD < 25 % change, PD >= +25 % vs nadir or a
new lesion.
"""

IRECIST = replace(
    RECIST_1_1,
    name="irecist",
    label="iRECIST",
    source="Seymour L et al. iRECIST: guidelines for response criteria for use in trials "
    "testing immunotherapeutics. Lancet Oncol 2017;18:e143-52.",
    confirm_pd=True,
    confirm_pd_window=(28, 56),
    confirm_pd_min_abs=5.0,
)
"""iRECIST (Seymour et al., Lancet Oncol 2017;18:e143-52).

RECIST 1.1 time-point rules; the first PD is unconfirmed (iUPD, ``pd_status`` "unconfirmed")
and is confirmed (iCPD) by a scan 4-8 weeks later with further growth (sum +5 mm since the
iUPD, cumulative), new non-target progression or more new lesions.  A later SD/PR/CR marks
pseudoprogression and resets the bar.  With 12-weekly NET schedules widen the window:
``replace(IRECIST, confirm_pd_window=(28, None))``.
"""

VOLUMETRIC_RECIST = Criterion(
    name="volumetric_recist",
    label="volumetric RECIST",
    source="Volumetric equivalents of the RECIST 1.1 cut-offs for a sphere (-30 % diameter = "
    "-65.7 % volume, +20 % = +72.8 %), as used by published volumetric RECIST (CRITERIA.md "
    "section 2.7).",
    measure="volume",
    response_threshold=-0.65,
    progression_threshold=0.73,
    progression_min_abs=None,
    cr_rule="zero",
    too_small_mm=None,
)
"""Volumetric RECIST (-65 % / +73 %; CRITERIA.md section 2.7).

Sum of the target lesions' volumes (mL) on CT/MRI.  PR: <= -65 % vs baseline; PD: >= +73 % vs
nadir (no absolute minimum) or a new lesion / non-target progression; CR: volume 0.
"""

SSTR_VOLUME = Criterion(
    name="sstv",
    label="SST-PET tumour volume",
    source="Chaban et al., EANM 2024 abstract OP-610 (as reported in Di Franco et al., Semin "
    "Nucl Med 2025;55:754-65).",
    modality=("SST-PET",),
    measure="volume",
    lesion_set="all",
    response_threshold=-0.40,
    progression_threshold=0.20,
    progression_min_abs=None,
    nontarget_pd=False,
    cr_rule="zero",
    too_small_mm=None,
)
"""SSTR-expressing tumour volume on SST-PET (Chaban, EANM 2024; reported in Di Franco 2025).

Sum of the volumes of all lesions seen on the baseline SST-PET.  Response: <= -40 % vs
baseline; progression: >= +20 % vs nadir (reference unspecified in the source) or a new lesion.
"""

EARLY_SSTV = Criterion(
    name="early_sstv",
    label="early SST-TV change",
    source="Mileva M et al. (LUMEN). J Nucl Med 2024;65:236 (as reported in Di Franco et al., "
    "Semin Nucl Med 2025;55:754-65).",
    modality=("SST-PET",),
    measure="volume",
    lesion_set="all",
    response_threshold=-0.10,
    progression_threshold=None,
    progression_min_abs=None,
    new_lesion_pd=False,
    nontarget_pd=False,
    cr_rule="none",
    too_small_mm=None,
    follow_up_scans=1,
)
"""Early SST-TV change after one PRRT cycle (LUMEN, Mileva et al., J Nucl Med 2024;65:236).

Binary early response on the first follow-up SST-PET of the line: "PR" (responder) when the
total SST-PET volume fell by >= 10 % vs baseline, else "SD" (non-responder); "NE" when a lesion
was not measured.  No CR or PD classes; later scans are not evaluated.
"""

LIVER3 = Criterion(
    name="liver3",
    label="3 hepatic lesions, -10 %",
    source="de Mestier L et al. J Neuroendocrinol 2023;35:e13311 (as reported in Di Franco et "
    "al., Semin Nucl Med 2025;55:754-65).",
    lesion_set="largest",
    sites=("liver",),
    max_lesions=3,
    response_threshold=-0.10,
)
"""Three hepatic lesions, >= 10 % decrease (de Mestier et al., J Neuroendocrinol 2023).

Sum of the long axes of the 3 largest liver lesions at baseline (targets or not).  Response:
<= -10 % vs baseline; progression as RECIST 1.1 (+20 % and 5 mm vs nadir, new lesion,
non-target progression).
"""

RECIST_10 = replace(
    RECIST_1_1,
    name="recist_10",
    label="RECIST, -10 % response",
    source="Lamarca A et al. Br J Cancer 2018;118:181-8 (pooled sunitinib pNET trials: a "
    ">= 10 % reduction of the sum of diameters predicted progression-free survival).",
    response_threshold=-0.10,
)
"""RECIST with a 10 % response cut-off (Lamarca et al., Br J Cancer 2018;118:181-8).

Response: sum of diameters <= -10 % vs baseline; everything else as RECIST 1.1 (CRITERIA.md
section 2.8).  :data:`RECIST_10_10` lowers the progression cut-off too.
"""

RECIST_10_10 = replace(
    RECIST_10,
    name="recist_10_10",
    label="RECIST, 10 % cut-offs",
    source="Lower size cut-offs proposed for slowly growing NETs (Di Franco et al., Semin Nucl "
    "Med 2025;55:754-65); response as Lamarca A et al. Br J Cancer 2018;118:181-8.",
    progression_threshold=0.10,
)
"""RECIST with 10 % cut-offs for both response and progression.

Response: sum of diameters <= -10 % vs baseline; progression: >= +10 % vs nadir and still
>= 5 mm (the RECIST absolute minimum, kept so that measurement noise on small sums is not
called progression); new lesions and non-target progression as RECIST 1.1.
"""

READER = Criterion(
    name="reader",
    label="recorded read",
    source="The per-visit response recorded in assessments.reader_response (clinical read, "
    "SDTM RS).",
    measure="reader",
    response_threshold=None,
    progression_threshold=None,
    progression_min_abs=None,
    too_small_mm=None,
)
"""The recorded read: ``assessments.reader_response`` taken as the time-point response.

Reads of CT/MRI scans; a follow-up scan without a recorded read is NE.  Use it to compare
computed and recorded responses (:func:`netsurv.agreement`) and to drive endpoints from the
recorded reads.
"""

#: What the new-lesion components share: no cut-off, no CR class, non-target status ignored.
_NEW_ONLY = Criterion(
    name="new_lesions",
    lesion_set="all",
    response_threshold=None,
    progression_threshold=None,
    progression_min_abs=None,
    cr_rule="none",
    nontarget_pd=False,
    new_lesion_pd=True,
    reappearance_after_cr_pd=False,
    too_small_mm=None,
)

DI_FRANCO = (
    "Di Franco M, Lamberti G, Campana D, Ambrosini V. Semin Nucl Med 2025;55:754-65 (review)"
)

CT_NEW_LESIONS = replace(
    _NEW_ONLY,
    name="ct_new_lesions",
    label="new lesion on CT/MRI",
    source="RECIST 1.1 new-lesion rule (Eisenhauer EA et al. Eur J Cancer 2009;45:228-47).",
    modality=("CT", "MRI"),
    measure="diameter",
)
"""A new lesion on CT/MRI is PD (RECIST 1.1's unequivocal new lesion); nothing else.

A component of combined criteria: every line with a baseline CT/MRI is read, measurable
lesions or not.
"""

SST_NEW_LESIONS = replace(
    _NEW_ONLY,
    name="sst_new_lesions",
    label="new SST-avid lesion",
    source=f"New somatostatin-receptor-avid lesion on SST-PET as progression; {DI_FRANCO}.",
    modality=("SST-PET",),
    measure="volume",
)
"""A new SST-avid lesion on SST-PET is PD; nothing else (a component of combined criteria)."""

FDG_NEW_LESIONS = replace(
    _NEW_ONLY,
    name="fdg_new_lesions",
    label="new FDG-avid lesion",
    source="PERCIST 1.0 progression by a new FDG-avid lesion (Wahl RL et al. J Nucl Med 2009;50 "
    "Suppl 1:122S-50S); RECIST 1.1 FDG-PET new-lesion rule (Eisenhauer 2009).",
    modality=("FDG-PET",),
    measure="sul_peak",
    aggregation="max",
)
"""A new FDG-avid lesion on FDG-PET is PD; nothing else (a component of combined criteria)."""

ADC_INCREASE = Criterion(
    name="adc",
    label="ADC increase (DW-MRI)",
    source="Proposal (issue 19; the NET response reviews propose DW-MRI ADC as a functional "
    "response marker, Di Franco et al., Semin Nucl Med 2025;55:754-65): mean lesion ADC, a "
    "rise of >= 25 % vs baseline read as response; the cut-off is not validated in NET: "
    "sweep it.",
    modality=("MRI",),
    measure="adc",
    lesion_set="all",
    aggregation="mean",
    direction="increase",
    response_threshold=0.25,
    progression_threshold=None,
    progression_min_abs=None,
    new_lesion_pd=False,
    nontarget_pd=False,
    cr_rule="none",
    too_small_mm=None,
)
"""Mean ADC of the lesions measured at baseline on DW-MRI; response is a rise of >= 25 %.

``direction="increase"``: the cut-offs are mirrored (:class:`Criterion`).  A proposal: no
progression class and no published NET cut-off.
"""

LIVER_FRACTION = Criterion(
    name="liver_fraction",
    label="liver tumour fraction",
    source="Liver metastatic fraction (consensus: reported by new NET criteria; Di Franco et "
    "al., Semin Nucl Med 2025;55:754-65) = sum of liver lesion volumes / liver volume; "
    "cut-offs of volumetric RECIST (-65 % / +73 %) applied to the fraction: a proposal.",
    measure="liver_fraction",
    lesion_set="all",
    sites=("liver",),
    response_threshold=-0.65,
    progression_threshold=0.73,
    progression_min_abs=None,
    cr_rule="zero",
    too_small_mm=None,
)
"""Liver tumour fraction on CT/MRI: the followed liver lesions' volumes over the liver volume.

Response <= -65 %, progression >= +73 % vs nadir (the volumetric RECIST cut-offs, a proposal),
new lesions and non-target progression as RECIST 1.1.
"""


#: Every preset by name, in the order of the issue's list.
PRESETS: dict[str, Criterion] = {
    c.name: c
    for c in (
        RECIST_1_1,
        RECIST_MR,
        CHOI,
        MCHOI,
        MRECIST,
        PERCIST_1_0,
        EORTC_PET_1999,
        WHO,
        SWOG,
        MSWOG,
        IRECIST,
        VOLUMETRIC_RECIST,
        SSTR_VOLUME,
        EARLY_SSTV,
        LIVER3,
        RECIST_10,
        RECIST_10_10,
        READER,
        CT_NEW_LESIONS,
        SST_NEW_LESIONS,
        FDG_NEW_LESIONS,
        ADC_INCREASE,
        LIVER_FRACTION,
    )
} | BIOCHEMICAL_PRESETS
