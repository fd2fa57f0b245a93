"""Biochemical response and progression: circulating tumour markers read as criteria.

A biochemical criterion is an ordinary :class:`~netsurv.criteria.Criterion` with
``measure="marker"`` and ``modality`` naming one marker: every measurement of the ``markers``
table is a time point (:mod:`netsurv.response.marker_scans`), compared with the line's
baseline measurement (response) and with the running nadir (progression) by the one engine,
so it is classified, swept, combined with imaging (:func:`netsurv.criteria.combine`),
compared (:func:`netsurv.agreement`) and turned into endpoints like any other.

Cut-offs and their sources
--------------------------
There is no consensus definition of biochemical response or progression in NET; the presets
below are **proposals** built from the following, and every number is a field to vary:

* **response: a decrease of at least 50 % from the baseline value** -- the definition of
  biochemical response to somatostatin analogues in carcinoid syndrome (urinary 5-HIAA:
  Kvols LK et al., N Engl J Med 1986;315:663-6), applied here to every marker;
* **progression: an increase of at least 25 % over the nadir, to a value above the upper
  limit of normal** -- **netsurv's proposal** (issue 19): 25 % mirrors the WHO increase cut-off
  for progression, the nadir reference mirrors RECIST, and the ULN floor keeps a rise within
  the normal range (assay noise, PPIs raising CgA) from counting;
* **confirmation** (the ``*_confirmed`` presets) -- **netsurv's proposal**: the first
  progressive value is confirmed by a later measurement at least 28 days on that still meets
  the progression rule, with no non-progressive measurement between (iRECIST's mechanics
  without its further-growth condition, ``confirm_pd_min_abs=None``, which keeps the first
  confirmed progression monotone in the cut-off); a rise that a later non-progressive
  measurement ends is not progression (pseudoprogression), and an unconfirmed rise
  at the end of follow-up is censored (``unresolved_pd="censor"``), since confirmation is the
  point.  The consensus asks for biochemical correlation when pseudoprogression is suspected
  (Di Franco et al., Semin Nucl Med 2025;55:754-65), which this makes explicit.

Examples
--------
>>> import netsurv as ns
>>> ns.criteria.get("cga").modality, ns.criteria.get("cga").progression_min_uln
(('CgA',), 1.0)
>>> ns.criteria.describe_progression(ns.criteria.get("cga_confirmed"))
'>= +25 % vs nadir and >= 1 x ULN, confirmed >= 28 d later'
"""

from __future__ import annotations

from dataclasses import replace

from netsurv.criteria.criterion import Criterion

_SOURCE = (
    "netsurv proposal (issue 19): response <= -50 % vs baseline (biochemical response to "
    "SSA, Kvols LK et al. N Engl J Med 1986;315:663-6), progression >= +25 % vs nadir and "
    "above the ULN; no consensus definition exists"
)


def _marker(marker: str, name: str, label: str) -> Criterion:
    return Criterion(
        name=name,
        label=label,
        source=_SOURCE,
        modality=(marker,),
        measure="marker",
        lesion_set="all",
        response_threshold=-0.50,
        response_reference="baseline",
        progression_threshold=0.25,
        progression_reference="nadir",
        progression_min_abs=None,
        progression_min_uln=1.0,
        new_lesion_pd=False,
        nontarget_pd=False,
        cr_rule="none",
        too_small_mm=None,
        missing="ne",
    )


def _confirmed(c: Criterion) -> Criterion:
    return replace(
        c,
        name=c.name + "_confirmed",
        label=c.label + ", confirmed",
        source=c.source + "; confirmation by a later measurement >= 28 days on: netsurv proposal",
        confirm_pd=True,
        confirm_pd_window=(28, None),
        confirm_pd_min_abs=None,
        unresolved_pd="censor",
    )


CGA_BIOCHEMICAL = _marker("CgA", "cga", "CgA biochemical")
"""Chromogranin A: response <= -50 % vs baseline, progression >= +25 % vs nadir and >= ULN."""

HIAA_BIOCHEMICAL = _marker("5-HIAA", "5hiaa", "5-HIAA biochemical")
"""5-HIAA (urine or plasma): the same cut-offs as :data:`CGA_BIOCHEMICAL`."""

NSE_BIOCHEMICAL = _marker("NSE", "nse", "NSE biochemical")
"""Neuron-specific enolase: the same cut-offs as :data:`CGA_BIOCHEMICAL`."""

CGA_CONFIRMED = _confirmed(CGA_BIOCHEMICAL)
""":data:`CGA_BIOCHEMICAL` with progression confirmed by a later measurement (>= 28 days)."""

HIAA_CONFIRMED = _confirmed(HIAA_BIOCHEMICAL)
""":data:`HIAA_BIOCHEMICAL` with progression confirmed by a later measurement."""

NSE_CONFIRMED = _confirmed(NSE_BIOCHEMICAL)
""":data:`NSE_BIOCHEMICAL` with progression confirmed by a later measurement."""

#: The biochemical presets by name.
BIOCHEMICAL_PRESETS: dict[str, Criterion] = {
    c.name: c
    for c in (
        CGA_BIOCHEMICAL,
        CGA_CONFIRMED,
        HIAA_BIOCHEMICAL,
        HIAA_CONFIRMED,
        NSE_BIOCHEMICAL,
        NSE_CONFIRMED,
    )
}
