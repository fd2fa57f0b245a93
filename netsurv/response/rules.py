"""The time-point rules as one lookup table over per-scan condition bits.

Every input of the target-response and overall-response rules is a yes/no condition of the
scan (baseline row, a followed lesion missing, CR rule met, PD on the sum, ...) or the
non-target status, a category of five.  The rules are therefore a function of a 16-bit *state*:
:func:`rule_table` evaluates them once on every state, and a criterion
(:func:`netsurv.response.timepoint.classify_codes`) packs each scan's conditions into a
``uint16`` state and reads target response, overall response and reason with one gather each.
For a grid of cut-off variants the state is an OR of masks cached by the criterion fields each
depends on, so a variant costs a few passes over the scans whatever the rules.

Target response (RECIST 1.1 section 1.4 order): NE when a followed lesion is missing unless
progression is certain, then CR, PD, PR, MR, SD; ``sticky_pr`` keeps an earlier PR.  Overall
response follows the RECIST overall-response table (targets with non-targets and new lesions;
non-target-only disease).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from netsurv.response.codes import BASE, CR, MR, NE, NONCR, NONE, PD, PR, SD, R

# Bits of a scan's state.  Cut-off independent (one mask per criterion's static rules):
IS_BASE = 0  #: the line's baseline scan
NO_TARGETS = 1  #: non-target-only disease (no followed lesion)
INCOMPLETE = 2  #: a followed lesion was not measured
CR_MET = 3  #: the criterion's CR rule holds
NEW_PD = 4  #: a follow-up scan with a new lesion, and new lesions mean PD
NTL = 5  #: three bits: the non-target status, as an index into :data:`NTL_LEVELS`
# Cut-off dependent:
PD_CERTAIN = 8  #: incomplete scan whose measured lesions already meet progression
PD_FULL = 9  #: complete scan meeting progression
REAPPEARED = 10  #: a lesion is present after an (confirmed) overall CR
RESPONSE = 11  #: complete scan meeting the response rule
DENSITY_ONLY = 12  #: the response rests on density alone (Choi)
MINOR = 13  #: complete scan meeting the minor-response cut-off
STICKY = 14  #: an earlier target PR / CR and no earlier target PD (``sticky_pr``)
NOT_COMPARABLE = 15  #: on or after a tracer switch (SUV / volume) or a modality change
N_BITS = 16

#: Non-target status of each category index; index 0 also stands for "not recorded" (no
#: rule tells NE and an unrecorded status apart).
NTL_LEVELS = (NE, CR, NONCR, PD, NONE)
_NTL_INDEX = np.zeros(max(NTL_LEVELS) + 1, dtype=np.uint16)
_NTL_INDEX[list(NTL_LEVELS)] = np.arange(len(NTL_LEVELS), dtype=np.uint16)


@dataclass(frozen=True)
class RuleTable:
    """Codes of every state: ``target[state]``, ``response[state]``, ``reason[state]``."""

    target: np.ndarray
    response: np.ndarray
    reason: np.ndarray


def flag(mask: np.ndarray, bit: int) -> np.ndarray:
    """A boolean mask as the ``uint16`` state bit ``bit``."""
    return mask.astype(np.uint16) << np.uint16(bit)


def ntl_bits(ntl: np.ndarray) -> np.ndarray:
    """Non-target status codes as the :data:`NTL` bits of the state."""
    return _NTL_INDEX[ntl] << np.uint16(NTL)


@functools.cache
def rule_table() -> RuleTable:
    """The target response, overall response and reason of every state."""
    state = np.arange(1 << N_BITS, dtype=np.uint32)

    def bit(b: int) -> np.ndarray:
        return ((state >> b) & 1).astype(bool)

    is_base, incomplete, reap = bit(IS_BASE), bit(INCOMPLETE), bit(REAPPEARED)
    resp, changed = bit(RESPONSE), bit(NOT_COMPARABLE) & ~bit(IS_BASE)
    conds = [
        is_base,
        changed,
        bit(NO_TARGETS),
        bit(PD_CERTAIN),
        reap & incomplete,
        incomplete,
        bit(CR_MET),
        reap,
        bit(PD_FULL),
        resp & bit(DENSITY_ONLY),
        resp,
        bit(MINOR),
    ]
    tl = np.select(conds, [BASE, NE, NONE, PD, PD, NE, CR, PD, PD, PR, PR, MR], SD).astype(np.int8)
    tl_reason = np.select(
        conds,
        [
            R["baseline"],
            R["not_comparable"],
            R["stable"],
            R["sum_pd_despite_missing"],
            R["reappearance_after_cr"],
            R["missing_lesion"],
            R["cr"],
            R["reappearance_after_cr"],
            R["sum_pd"],
            R["density_pr"],
            R["size_pr"],
            R["minor_response"],
        ],
        R["stable"],
    ).astype(np.int8)
    stick = bit(STICKY) & ((tl == SD) | (tl == MR))
    tl = np.where(stick, PR, tl).astype(np.int8)
    tl_reason = np.where(stick, R["sticky_pr"], tl_reason).astype(np.int8)

    levels = np.array(NTL_LEVELS + (NE,) * (8 - len(NTL_LEVELS)), dtype=np.int8)
    ntl = levels[(state >> NTL) & 7]
    targets = ~bit(NO_TARGETS)
    conds = [
        is_base,
        changed,
        tl == PD,
        bit(NEW_PD),
        ~is_base & (ntl == PD),
        targets & (tl == CR) & ~np.isin(ntl, (CR, NONE)),
        targets,
        ntl == CR,
        ntl == NONCR,
    ]
    response = np.select(conds, [BASE, NE, PD, PD, PD, PR, tl, CR, NONCR], NE).astype(np.int8)
    reason = np.select(
        conds,
        [
            R["baseline"],
            R["not_comparable"],
            tl_reason,
            R["new_lesion"],
            R["nontarget_pd"],
            R["cr_nontarget_not_cr"],
            tl_reason,
            R["nontarget_only_cr"],
            R["nontarget_only_non_cr"],
        ],
        R["nontarget_only_ne"],
    ).astype(np.int8)
    for a in (tl, response, reason):
        a.flags.writeable = False
    return RuleTable(target=tl, response=response, reason=reason)


@functools.cache
def reader_table() -> RuleTable:
    """Codes of a recorded read: state = reader response code + 9 × baseline row."""
    code = np.tile(np.arange(NONE + 1, dtype=np.int8), 2)
    base = np.repeat([False, True], NONE + 1)
    recorded = code > 0
    response = np.where(base, BASE, np.where(recorded, code, NE)).astype(np.int8)
    reason = np.where(
        base, R["baseline"], np.where(recorded, R["reader"], R["reader_missing"])
    ).astype(np.int8)
    target = np.zeros(len(code), dtype=np.int8)
    for a in (target, response, reason):
        a.flags.writeable = False
    return RuleTable(target=target, response=response, reason=reason)
