"""The :class:`Criterion` value: a response criterion described by data, not code.

One vectorised engine (:func:`netsurv.classify`) reads every criterion; a new threshold,
measurement or lesion set is a new value (``dataclasses.replace`` or the constructor), never
new code.  Rules and sources are in ``CRITERIA.md`` (RECIST 1.1 and the criteria of section 2).
The fields' vocabularies and checks are in :mod:`netsurv.criteria.fields`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from netsurv.criteria.fields import (
    DIAMETER_MEASURES,
    Aggregation,
    Composite,
    CRRule,
    CRThenPR,
    Direction,
    LesionSet,
    Measure,
    MissingRule,
    ModalityChange,
    NewLesionRule,
    ProgressionScope,
    Reappearance,
    Reference,
    UnresolvedPD,
    validate,
)
from netsurv.criteria.organ_fields import (
    OLIGOPROGRESSION_DEFAULT,
    NewLesions,
    validate_organ_fields,
)

__all__ = ["DIAMETER_MEASURES", "Criterion"]


@dataclass(frozen=True)
class Criterion:
    """A response criterion: what is measured, on which lesions, and the cut-offs.

    Build one from a preset with ``dataclasses.replace(netsurv.criteria.RECIST_1_1, ...)``
    (give it a new ``name``), with :func:`netsurv.criteria.grid`, or with the constructor.
    Invalid values and combinations raise :class:`netsurv.ConfigError` naming the field.
    Fractions are changes relative to the reference: ``-0.30`` is a 30 % decrease (a
    percentage such as ``-30`` or ``20`` is rejected, and the message suggests the fraction).
    Numpy numbers (e.g. from ``np.array([21, 28])`` in a grid) are stored as the equivalent
    Python ``int`` / ``float``.

    Parameters
    ----------
    name
        Identifier, unique among the criteria of one analysis (the ``criterion`` column of
        every output), e.g. ``"recist1.1"``.
    label
        Human-readable title for tables and figures (defaults to ``name``).
    source
        Citation of the published definition.
    modality
        Modalities whose scans the criterion reads, e.g. ``("CT", "MRI")`` for diameters and
        density, ``("SST-PET",)`` for somatostatin-receptor tumour volume, ``("FDG-PET",)`` for
        PERCIST.  A line needs a baseline scan of one of them (else it is set aside with a
        reason in the attrition table); when two qualify, the later one is the baseline.
    measure
        Per-lesion measurement: ``"diameter"`` (long axis, short axis for lymph nodes: RECIST
        1.1), ``"long_axis"`` (long axis of every lesion, nodes included: RECIST 1.0),
        ``"viable_diameter"`` (``viable_long_axis_mm``, nodes by short axis: mRECIST),
        ``"bidimensional"`` (long × short axis product, mm²: WHO / SWOG), ``"volume"`` (mL),
        ``"density"`` (HU), ``"suv_max"``, ``"suv_mean"``, ``"sul_peak"`` (PERCIST), ``"tla"``
        (total lesion activity, volume × SUVmean), ``"marker"`` (a circulating tumour
        marker's value: ``modality`` names the marker, e.g. ``("CgA",)``, each measurement
        of the ``markers`` table is a time point, :mod:`netsurv.response.marker_scans`),
        ``"adc"`` (``lesions.adc``, DW-MRI apparent diffusion coefficient; use with ``direction="increase"``), ``"liver_fraction"``
        (each liver lesion's ``volume_ml`` / its scan's ``assessments.liver_volume_ml``;
        summed over the followed liver lesions this is the liver tumour fraction: needs
        ``sites=("liver",)`` and ``aggregation="sum"``), ``"zp"`` (CT ``density_hu`` × SST-PET
        ``suv_mean`` of the same lesion, the CT within ``pair_window_days`` of the SST-PET
        scan; Zwirtz et al. 2022), ``"zp_norm"`` (ZP / the SST-PET scan's
        ``assessments.liver_suv_mean``) or ``"reader"`` (take the recorded
        ``assessments.reader_response`` instead of computing a response; the fields a
        recorded read does not use, :data:`READER_IGNORES` -- lesion set, cut-offs, rules,
        ``confirm_pd`` ... -- must keep their defaults (or None), else the criterion is
        rejected rather than silently ignoring them; ``modality``, ``follow_up_scans`` and
        the best-response settings apply).
    lesion_set
        Lesions followed from the line's baseline scan: ``"targets"`` (lesions with role
        ``target`` on the baseline scan; when the scan marks none, the largest measurable ones
        are chosen as RECIST 1.1 does: non-nodal long axis >= 10 mm, nodal short axis
        >= 15 mm, at most ``max_lesions`` (default 5) and ``max_per_organ`` (default 2) per
        organ, all lymph nodes one organ), ``"all"`` (every non-new lesion measured on the
        baseline scan) or ``"largest"`` (the ``max_lesions`` largest at baseline, at most
        ``max_per_organ`` per organ).  Baseline lesions not followed are the non-target
        disease.
    sites
        Restrict the followed lesions to these organs (e.g. ``("liver",)``); None = all.
    max_lesions
        Number of lesions for ``"largest"`` (required there); cap for the RECIST selection of
        ``"targets"`` (default 5).
    max_per_organ
        Per-organ cap of ``"largest"`` and of the RECIST selection (default 2 there).
    aggregation
        How lesion values make one value per scan: ``"sum"`` (RECIST sum of diameters),
        ``"max"`` (hottest lesion, PERCIST; it may be a different lesion on each scan) or
        ``"mean"``.
    direction
        Which way a favourable change goes: ``"decrease"`` (default: shrinkage, falling
        uptake) or ``"increase"`` (ADC: a rise in diffusion after cell kill).  With
        ``"increase"`` every rule is mirrored: ``response_threshold`` (and
        ``minor_response_threshold``) is an increase (``0.25`` = +25 %) reached at or above
        it, ``progression_threshold`` a decrease (``-0.20``) reached at or below it, the
        "nadir" is the largest earlier value, absolute minimums are changes in the
        favourable / unfavourable direction; ``cr_rule`` must be ``"none"``, ``composite``
        ``"size"`` and ``confirm_pd`` False.
    pair_window_days
        ``"zp"`` / ``"zp_norm"``: most days between the SST-PET scan and the CT whose density
        of the same ``lesion_id`` is paired with it (the nearest CT; a lesion without one has
        no ZP and is listed in the attrition table).  Default 30.
    response_threshold
        Change at or below which (``<=``; ``<`` if ``response_inclusive`` is False) the
        target response is PR, e.g. ``-0.30``.  None = no response class.  Must lie in
        [-1, 0) (a fraction, not a percentage).
    response_reference
        Reference of the response change: ``"baseline"`` (RECIST) or ``"nadir"``.
    response_inclusive
        Whether a change exactly at ``response_threshold`` is a response (RECIST: -30.0 % is
        PR).
    response_min_abs
        Absolute decrease also required for a response, in the measure's unit (PERCIST:
        0.8 SUL).  None = none.
    minor_response_threshold
        Change at or below which a non-PR scan is a minor response (MR), e.g. ``-0.13``
        (van Vliet 2013) or ``-0.25`` (modified SWOG).  Must lie between
        ``response_threshold`` and 0.  None = no MR class.
    progression_threshold
        Increase at or above which (``>=``; ``>`` if ``progression_inclusive`` is False) the
        target response is PD, e.g. ``0.20``.  None = no progression by measurement.  Must lie
        in (0, :data:`MAX_INCREASE`] = (0, 2] (a fraction: ``20`` is rejected as a percentage
        typed by mistake).
    progression_reference
        Reference of the progression change: ``"nadir"`` (RECIST: smallest value on study,
        baseline included, over evaluable scans) or ``"baseline"``.
    progression_inclusive
        Whether a change exactly at ``progression_threshold`` is progression (RECIST yes,
        PERCIST and EORTC no: "> 30 %").
    progression_min_abs
        Absolute increase also required for progression (RECIST: 5 mm; PERCIST 0.8 SUL).
        Compared with ``>=`` (``>`` when ``progression_inclusive`` is False).  None = none.
    progression_abs_sufficient
        Absolute increase that alone is progression (SWOG: 10 cm² = 1000 mm² of the sum of
        products, "whichever is smaller").  None = none.
    progression_scope
        What must grow past ``progression_threshold``
        (:mod:`netsurv.response.lesion_growth`): ``"sum"`` (default; the aggregate, RECIST),
        ``"any_lesion"`` (any one followed lesion against its own nadir or baseline, WHO's
        "25 % or more increase in the size of one or more measurable lesions";
        ``progression_min_abs`` then applies to the lesion's own increase) or
        ``"sum_or_any_lesion"``.
    progression_min_uln
        Biochemical criteria (``measure="marker"``): progression also needs the value at or
        above this multiple of the upper limit of normal recorded with it (``1.0``: above the
        ULN, so a rise within the normal range is not progression).  A measurement without
        ``uln`` is then NE (reason ``missing_lesion``: the rule cannot be checked).  None =
        no floor.
    density_response_threshold
        Relative density change at or below which the density component responds (Choi:
        ``-0.15``; in [-1, 0)); required when ``composite`` is not ``"size"``.  Density is
        the mean of the followed lesions' ``density_hu``.
    composite
        ``"size"`` (measure only), ``"size_or_density"`` (Choi: PR if size or density
        responds; PD needs size growth and no density response) or ``"size_and_density"``
        (modified Choi: PR needs both).
    new_lesion_pd
        Whether an unequivocal new lesion (``assessments.new_lesion`` or a lesion with role
        ``new``) makes the scan PD.
    new_lesion_rule
        Which recorded new lesions count (:mod:`netsurv.response.new_lesions`):
        ``"recist1.1"`` (default) reads a new lymph node by its short axis (< 10 mm normal,
        never new; >= 15 mm new; 10 to < 15 mm equivocal) and calls progression on an
        equivocal new lesion (``assessments.new_lesion = "equivocal"``, ``measurement_flag =
        "equivocal"``, a 10-15 mm node) only when a later scan confirms it, then at the first
        sighting (reason ``new_lesion_confirmed_later``; RECIST 1.1 section 4.3.2, Schwartz et
        al. 2016); ``"as_recorded"`` counts every recorded new lesion, equivocal ones included,
        at once.
    nontarget_pd
        Whether unequivocal non-target progression (``assessments.nontarget_status == "PD"``)
        makes the scan PD.  When False the non-target status is reported but ignored.
    cr_rule
        Complete response of the followed lesions: ``"recist"`` (every non-nodal lesion 0 mm
        and every nodal lesion's short axis < ``node_cr_mm``, so the sum can be > 0 at CR),
        ``"zero"`` (the scan's value is 0) or ``"none"`` (no CR class).  ``"recist"`` needs a
        diameter measure.
    node_cr_mm
        Short axis below which a lymph node counts as normal for CR (10 mm).
    missing
        A followed lesion not measured on a scan: ``"ne_unless_pd"`` (RECIST: NE unless the
        measured lesions alone already meet progression, for ``sum`` and ``max``) or ``"ne"``.
    too_small_mm
        Value of a lesion flagged ``too_small`` without a number (RECIST: 5 mm; a given number
        is used as is).  Diameter measures only; None = such a lesion counts as not measured.
    rounding_mm
        Round each lesion measurement to this step before aggregating (some CRFs use 0.1 mm).
        None = no rounding (default: compare exactly).
    sticky_pr
        EORTC FAQ convention: once PR is reached, later scans stay PR while PD is not met even
        if the decrease falls below the cut-off.  Default False (strict recomputation).
    reappearance_after_cr_pd
        Whether a followed lesion reappearing after a complete response (non-nodal > 0 mm or
        node >= ``node_cr_mm``; for ``cr_rule="zero"`` a value > 0) is PD whatever its size
        (RECIST 1.1 appendix and EORTC RECIST FAQ; CRITERIA.md 1.4 CONFIG
        ``reappearance_after_cr_is_pd``).  The complete response is the overall one: followed
        lesions in CR, non-target disease gone or absent (when ``nontarget_pd``), no new
        lesion; after a CR of the followed lesions alone (overall PR) the reappearing lesion
        is added back to the sum, as RECIST says.  ``"confirmed"`` (default): after a
        confirmed CR -- CR on two scans at least ``confirm_min_days`` apart with only CR or NE
        scans between (at most ``confirm_max_ne`` NE), the second one before the
        reappearance; ``True``: after any CR, confirmed or not; ``False``: never.  Otherwise
        the sum rule decides (after a nadir of 0, an increase >= ``progression_min_abs``).
    confirm_response
        Default of :func:`netsurv.best_response`'s ``confirm``: CR/PR must be repeated.
    confirm_min_days
        Days between a response and its confirmation (28).
    confirm_max_ne
        Most NE scans allowed between a response and its confirmation (admiralonco: 1).
    confirm_max_sd
        Most SD scans allowed between a PR (or MR) and its confirmation (default 0;
        admiralonco's ``accept_sd = TRUE`` accepts one: 1).
    confirm_pd
        iRECIST-style confirmation of progression: the first PD is unconfirmed (iUPD); it is
        confirmed (iCPD) at a later scan within ``confirm_pd_window`` days that shows further
        growth (sum up by >= ``confirm_pd_min_abs`` since the iUPD, cumulative), non-target
        progression not present at the iUPD, or more / larger new lesions.  A later scan that
        is not PD ends the unconfirmed PD (pseudoprogression) and the bar resets.
    confirm_pd_window
        ``(min_days, max_days)`` after the iUPD within which a scan can confirm it (iRECIST:
        4-8 weeks, ``(28, 56)``); ``max_days`` None = no upper limit.  With an upper limit,
        a lower progression cut-off may start the iUPD earlier and so move the window past
        the growth that would confirm it: the first confirmed PD is then not monotone in
        ``progression_threshold`` (it is with ``max_days`` None).
    confirm_pd_min_abs
        Further growth of the sum that confirms progression (iRECIST: 5 mm).  None: any later
        PD scan within the window confirms, without further growth (the biochemical presets:
        a second progressive measurement).  Only None keeps the first confirmed PD monotone in
        ``progression_threshold``: with a growth requirement a lower cut-off can open the
        unconfirmed block at a higher value that later PD scans never exceed.
    unresolved_pd
        An unconfirmed PD that no later evaluable scan of the line confirms or resolves
        (``pd_status`` ``"unresolved"``: treatment stopped or changed, or follow-up ended):
        ``"event"`` (default) counts it as progression at its date for PFS / TTP; ``"censor"``
        treats it as an adequate assessment without progression (CRITERIA.md 2.6 CONFIG).
    sd_min_days
        Default minimum days from line start for SD (and NON-CR/NON-PD) to count in the best
        overall response (42).
    cr_then_pr
        Default handling of a CR followed by a PR in the best overall response:
        ``"data_issue"`` (admiralonco: no special handling, usually SD), ``"pd"`` (the PR is
        progression) or ``"pr"`` (re-label the CR as PR).
    follow_up_scans
        Evaluate only the first this-many follow-up scans of each line (the early SST-TV
        change reads the scan after PRRT cycle 1: 1).  None = all.
    modality_change
        A follow-up scan of another modality than the line's baseline scan (e.g. MRI after a
        baseline CT): ``"allowed"`` (default; RECIST 1.1 allows CT and MRI to be compared when
        the same technique is kept) or ``"ne"`` (the criterion is NE on the line from the first
        such scan on, listed in the attrition table).  Independently, an SUV- or volume-based
        criterion (measures in :data:`~netsurv.criteria.fields.TRACER_MEASURES`) compares a
        follow-up scan only with a baseline scan of the same ``assessments.tracer`` (the
        tracers are clinically equivalent but their quantitative values are not): it is NE on
        the line from a tracer switch on, with an attrition row (a missing tracer is no switch;
        the new-lesion components, which compare no values, are exempt).
    organ_thresholds
        Per-organ ``(response, progression)`` cut-offs of the organ-level classes
        (:func:`netsurv.organ_response`; the patterns ``mixed_response`` and
        ``n_progressing_organs`` of :func:`netsurv.add_patterns`), e.g.
        ``{"liver": (-0.3, 0.2), "bone": (None, 0.3)}`` (None: no such class for that organ);
        organs not named take ``response_threshold`` / ``progression_threshold``.  Stored as
        a sorted tuple of ``(site, response, progression)``.  The time-point response judges
        progression by size organ by organ then: each named organ's aggregate against its own
        progression cut-off and nadir, the other organs' lesions together against
        ``progression_threshold`` (:mod:`netsurv.response.organ_parts`); response stays on the
        whole aggregate.  Restrict a criterion to organs with ``sites``.  An unknown site is
        refused, naming the field.
    new_lesions
        With ``sites`` set: ``"sites"`` (default) counts only new lesions in those organs (a
        new bone lesion is not progression of a liver-only criterion; a recorded
        ``assessments.new_lesion`` without a lesion row, whose organ is unknown, still
        counts) or ``"anywhere"`` (every new lesion, as before this option).  Without
        ``sites`` it changes nothing.
    oligoprogression
        ``(k, m)``: a PD time point is oligoprogression when at most ``k`` lesions, in at most
        ``m`` organs, are progressing or new and every other followed lesion is not
        (:func:`netsurv.add_patterns`).  Default ``(3, 2)``; see
        :data:`netsurv.criteria.organ_fields.OLIGOPROGRESSION_DEFAULT` for the source.

    Examples
    --------
    >>> import dataclasses
    >>> import netsurv as ns
    >>> c = dataclasses.replace(ns.criteria.RECIST_1_1, name="recist_pd10",
    ...                         progression_threshold=0.10)
    >>> c.progression_threshold, c.progression_min_abs
    (0.1, 5.0)
    >>> ns.criteria.Criterion(name="bad", progression_threshold=20)
    Traceback (most recent call last):
    ...
    netsurv.errors.ConfigError: criterion 'bad': progression_threshold must be an increase given as a fraction, 0 < x <= 2 (0.20 = +20 %), got 20; did you mean 0.20 (20 %)?
    """

    name: str
    label: str = ""
    source: str = ""
    modality: tuple[str, ...] = ("CT", "MRI")
    measure: Measure = "diameter"
    lesion_set: LesionSet = "targets"
    sites: tuple[str, ...] | None = None
    max_lesions: int | None = None
    max_per_organ: int | None = None
    aggregation: Aggregation = "sum"
    direction: Direction = "decrease"
    pair_window_days: int = 30
    response_threshold: float | None = -0.30
    response_reference: Reference = "baseline"
    response_inclusive: bool = True
    response_min_abs: float | None = None
    minor_response_threshold: float | None = None
    progression_threshold: float | None = 0.20
    progression_reference: Reference = "nadir"
    progression_inclusive: bool = True
    progression_min_abs: float | None = 5.0
    progression_abs_sufficient: float | None = None
    progression_scope: ProgressionScope = "sum"
    progression_min_uln: float | None = None
    density_response_threshold: float | None = None
    composite: Composite = "size"
    new_lesion_pd: bool = True
    new_lesion_rule: NewLesionRule = "recist1.1"
    nontarget_pd: bool = True
    cr_rule: CRRule = "recist"
    node_cr_mm: float = 10.0
    missing: MissingRule = "ne_unless_pd"
    too_small_mm: float | None = 5.0
    rounding_mm: float | None = None
    sticky_pr: bool = False
    reappearance_after_cr_pd: Reappearance = "confirmed"
    confirm_response: bool = False
    confirm_min_days: int = 28
    confirm_max_ne: int = 1
    confirm_max_sd: int = 0
    confirm_pd: bool = False
    confirm_pd_window: tuple[int, int | None] = (28, 56)
    confirm_pd_min_abs: float | None = 5.0
    unresolved_pd: UnresolvedPD = "event"
    sd_min_days: int = 42
    cr_then_pr: CRThenPR = "data_issue"
    follow_up_scans: int | None = None
    modality_change: ModalityChange = "allowed"
    organ_thresholds: Any = None
    new_lesions: NewLesions = "sites"
    oligoprogression: tuple[int, int] = OLIGOPROGRESSION_DEFAULT

    def __post_init__(self) -> None:
        validate(self)
        validate_organ_fields(self)

    @property
    def title(self) -> str:
        """``label`` if given, else ``name``."""
        return self.label or self.name

    def measurement_key(self, *, density: bool | None = None) -> tuple[Any, ...]:
        """The fields that determine per-scan measurements (not cut-offs).

        Criteria with the same key share one measurement pass in :func:`netsurv.classify`,
        so a grid of cut-off variants measures the lesions once.  ``density=True``: the key of
        a composite twin's pass (Choi's for RECIST 1.1; it pairs CT densities besides).
        """
        density = self.composite != "size" if density is None else density
        return (
            self.modality,
            self.measure,
            self.lesion_set,
            self.sites,
            self.max_lesions,
            self.max_per_organ,
            self.aggregation,
            self.too_small_mm if self.measure in DIAMETER_MEASURES else None,
            self.rounding_mm,
            self.node_cr_mm,
            density,
            self.follow_up_scans,
            self.nontarget_pd,  # decides whether non-target-only lines are kept
            self.new_lesions_only,  # keeps every line with a baseline scan
            self.modality_change,
            self.new_lesion_rule,
            self.progression_scope != "sum",  # keeps every lesion's references
            self.progression_min_uln is not None,  # a value without ULN is then missing
            self.new_lesions if self.sites is not None else None,
            self.direction,
            self.pair_window_days if self.measure in ("zp", "zp_norm") else None,
            tuple(site for site, _, _ in self.organ_thresholds or ()),  # organs read apart
        )

    @property
    def new_lesions_only(self) -> bool:
        """Whether the criterion only calls progression on a new lesion (no cut-off, no CR
        class, non-target progression ignored): the component of a combined criterion that
        adds "a new lesion on this modality is PD" (e.g. ``sst_new_lesions``).  It reads every
        line with a baseline scan of its modality, measurable lesions or not; a follow-up scan
        is PD with a new lesion, else SD (NE when a followed lesion was not measured or, with
        no lesion followed, when non-target disease is not recorded)."""
        return (
            self.new_lesion_pd
            and not self.nontarget_pd
            and self.measure != "reader"
            and self.response_threshold is None
            and self.progression_threshold is None
            and self.progression_abs_sufficient is None
            and self.cr_rule == "none"
        )

    @property
    def defines_progression(self) -> bool:
        """Whether the criterion can call progression (else it is an early-response
        classification, like the early SST-TV change, and has no PFS / TTP / DoR)."""
        return (
            self.measure == "reader"
            or self.progression_threshold is not None
            or self.progression_abs_sufficient is not None
            or self.new_lesion_pd
            or self.nontarget_pd
        )

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dictionary (for tables and manifests)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}
