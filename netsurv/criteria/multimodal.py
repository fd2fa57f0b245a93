"""Multi-modal presets: the combinations of modalities the literature uses.

Both source reviews end on the same point: NET response is judged by combining morphological
(CT/MRI) and functional (SST-PET, sometimes FDG-PET) imaging.  The presets below are
:class:`~netsurv.criteria.CombinedCriterion` values (rules in
:func:`netsurv.criteria.combine`) built from ordinary presets, among them three that only add
"a new lesion on this modality is PD" (``ct_new_lesions``, ``sst_new_lesions``,
``fdg_new_lesions``: no cut-off, no CR class, ``Criterion.new_lesions_only``).  Where a paper's
rule is ambiguous the choice made here is written in the preset's docstring and marked
**netsurv's reading**.
"""

from __future__ import annotations

from netsurv.criteria.combined import CombinedCriterion, combine
from netsurv.criteria.presets import (
    CHOI,
    CT_NEW_LESIONS,
    DI_FRANCO,
    FDG_NEW_LESIONS,
    RECIST_1_1,
    SST_NEW_LESIONS,
    SSTR_VOLUME,
)

SSTV_NEW_LESIONS = combine(
    SSTR_VOLUME,
    CT_NEW_LESIONS,
    name="sstv+new_lesions",
    label="SST-TV with new lesions on SST-PET or CT",
    source="Chaban et al., EANM 2024 abstract OP-610 (SST-TV -40 % / +20 %, prognostic when new "
    f"lesions count as progression), as reported in {DI_FRANCO}.",
    progression="any",
    response="anchor",
)
"""SST-PET tumour volume with new lesions on SST-PET or CT/MRI as progression.

Time points are the SST-PET scans (anchor ``sstv``: response <= -40 % vs baseline, PD >= +20 %
vs nadir or a new SST-PET lesion); a new lesion on a CT/MRI within 42 days of an SST-PET, or on
a CT/MRI paired with none, is PD too.  The response is SST-TV's alone.  **netsurv's reading**:
the abstract (as reported) does not say how CT and SST-PET scans were matched nor whether CT
new lesions counted; both, the 42-day window and response from SST-TV alone are choices.
"""

RECIST_SST_NEW_LESIONS = combine(
    RECIST_1_1,
    SST_NEW_LESIONS,
    name="recist1.1+sst_new_lesions",
    label="RECIST 1.1 with new SST-avid lesions",
    source="RECIST 1.1 (Eisenhauer 2009) on contrast CT read with SST-PET/CT, as most expert "
    f"consensus supports; {DI_FRANCO}.",
    progression="any",
    response="anchor",
)
"""RECIST 1.1 on CT/MRI with a new SST-avid lesion on SST-PET as progression.

The time points and the response are RECIST 1.1's; an SST-PET within 42 days showing a new
lesion (or an SST-PET paired with no CT showing one) is PD.  **netsurv's reading**: the
consensus statements recommend reading both but give no combined rule; "a new SST-avid lesion
is PD without CT confirmation" is the choice made here.
"""

CHOI_SSTV = combine(
    CHOI,
    SSTR_VOLUME,
    name="choi+sstv",
    label="Choi on CT with SST-TV for response",
    source="Choi H et al. J Clin Oncol 2007;25:1753-9 (CT size and density) with the SST-PET "
    f"tumour volume of Chaban et al. (EANM 2024) for response, as discussed in {DI_FRANCO}.",
    progression="anchor",
    response="any",
)
"""Choi on CT (time points, progression) with the SST-PET tumour volume for response.

PD is Choi's alone (size +10 % without density response, or a new lesion); the response is PR
when Choi or SST-TV responds (<= -10 % size or <= -15 % density; <= -40 % SST-TV).
**netsurv's reading**: no paper defines this combination; it is the morphological + functional
reading the review calls for, with the functional volume widening the response only.
"""

RECIST_FDG_NEW_LESIONS = combine(
    RECIST_1_1,
    FDG_NEW_LESIONS,
    name="recist1.1+fdg_new_lesions",
    label="RECIST 1.1 with new FDG-avid lesions",
    source="RECIST 1.1 (Eisenhauer 2009) with PERCIST-style progression by a new FDG-avid "
    "lesion (Wahl RL et al. J Nucl Med 2009;50 Suppl 1:122S-50S); dual-tracer NET studies call "
    f"progression on a new FDG-avid lesion ({DI_FRANCO}).",
    progression="any",
    response="anchor",
)
"""RECIST 1.1 with a new FDG-avid lesion on FDG-PET as progression (PERCIST-style).

**netsurv's reading**: RECIST 1.1 counts a new FDG-PET lesion as PD when the baseline FDG-PET
was negative at that site, and without a baseline FDG-PET only when CT confirms it; here a line
needs a baseline FDG-PET (else the FDG component is NE throughout and the line is read by
RECIST 1.1 alone) and every new FDG-avid lesion after it is PD, unconfirmed.
"""

#: Every combined preset by name.
COMBINED_PRESETS: dict[str, CombinedCriterion] = {
    c.name: c for c in (SSTV_NEW_LESIONS, RECIST_SST_NEW_LESIONS, CHOI_SSTV, RECIST_FDG_NEW_LESIONS)
}
