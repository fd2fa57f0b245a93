"""Integer codes of the response categories, reasons and PD status used inside the engine."""

from __future__ import annotations

import numpy as np

#: Overall / target response categories; code 0 is the baseline row (no response).
RESPONSES = ("", "CR", "PR", "MR", "SD", "NON-CR/NON-PD", "PD", "NE", "NONE")
BASE, CR, PR, MR, SD, NONCR, PD, NE, NONE = range(9)
#: Order of "best" for best overall response (lower = better).
BEST_ORDER = ("CR", "PR", "MR", "SD", "NON-CR/NON-PD", "PD", "NE")

#: Non-target status codes (NONE = no non-target disease and nothing recorded).
NTL_STATUSES = ("CR", "NON-CR/NON-PD", "PD", "NE")
NTL_CODE = {"CR": CR, "NON-CR/NON-PD": NONCR, "PD": PD, "NE": NE}

#: iRECIST progression status of a PD scan: ``unconfirmed`` (an iUPD a later evaluable non-PD
#: scan resolved: pseudoprogression), ``confirmed`` (the iUPD of a confirmed block), ``iCPD``
#: (the confirming scan and later PD scans of the block), ``unresolved`` (an iUPD neither
#: confirmed nor resolved: no later evaluable scan on the line; iRECIST's iUPD category, and a
#: progression event for PFS).
PD_STATUSES = ("", "unconfirmed", "confirmed", "iCPD", "unresolved")
PD_NA, PD_UNCONFIRMED, PD_CONFIRMED, PD_ICPD, PD_UNRESOLVED = range(5)

#: Why a scan got its response (the ``reason`` column).
REASONS = (
    "baseline",
    "sum_pd",
    "sum_pd_despite_missing",
    "reappearance_after_cr",
    "new_lesion",
    "nontarget_pd",
    "cr",
    "cr_nontarget_not_cr",
    "size_pr",
    "density_pr",
    "sticky_pr",
    "minor_response",
    "stable",
    "missing_lesion",
    "nontarget_only_cr",
    "nontarget_only_non_cr",
    "nontarget_only_ne",
    "reader",
    "reader_missing",
    "pd_not_counted",
    "not_comparable",
    "new_lesion_confirmed_later",
)
R = {name: i for i, name in enumerate(REASONS)}

#: Reason codes explained (documented in :func:`netsurv.classify`).
REASON_TEXT = {
    "baseline": "the line's baseline scan (no response)",
    "sum_pd": "the aggregate grew past the progression cut-off",
    "sum_pd_despite_missing": "a lesion is missing but the measured ones already meet progression",
    "reappearance_after_cr": "a lesion reappeared after a complete response",
    "new_lesion": "a new lesion",
    "nontarget_pd": "unequivocal non-target progression",
    "cr": "every followed lesion gone (nodes < 10 mm)",
    "cr_nontarget_not_cr": "followed lesions in CR but non-target disease persists or was not assessed",
    "size_pr": "the aggregate fell past the response cut-off",
    "density_pr": "density response without size response (Choi)",
    "sticky_pr": "PR kept after an earlier PR while PD is not met (sticky_pr)",
    "minor_response": "decrease between the minor-response and response cut-offs",
    "stable": "neither response nor progression",
    "missing_lesion": "a followed lesion was not measured",
    "nontarget_only_cr": "non-target-only disease: non-target CR",
    "nontarget_only_non_cr": "non-target-only disease: non-target disease persists",
    "nontarget_only_ne": "non-target-only disease: non-target status not assessed",
    "reader": "the recorded reader response",
    "reader_missing": "no reader response recorded for this scan",
    "pd_not_counted": "combined criterion: the deciding component shows progression, which the "
    "progression rule does not count (SD)",
    "not_comparable": "on or after a tracer switch (SUV / volume criteria) or a modality change "
    "(modality_change='ne'): not compared with the baseline, NE",
    "new_lesion_confirmed_later": "an equivocal new lesion first seen on this scan, confirmed by "
    "a later scan: progression dated here (RECIST 1.1 section 4.3.2)",
}


def decode(codes: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """Object array of labels (None where the label is empty)."""
    table = np.array([lab if lab else None for lab in labels], dtype=object)
    return table[codes]
