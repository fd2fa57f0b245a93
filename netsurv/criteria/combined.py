"""Combined (multi-modal) criteria: several ordinary criteria read together as one.

A :class:`CombinedCriterion` is a frozen, validated value like :class:`Criterion`: which
component criteria (e.g. RECIST 1.1 on CT and SST-PET tumour volume), which one defines the
time points (the *anchor*), how scans of the other components are paired with the anchor's
(``window_days``) and how component responses make one response (``progression``,
``response``).  The one classifier (:func:`netsurv.classify`) reads it: each component is
classified by the ordinary engine, then paired and combined by lookup (:mod:`netsurv.response.
pairing`, :mod:`netsurv.response.combining`).  The rules are in :func:`combine`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields, replace
from typing import Any, Literal, NoReturn, get_args

from netsurv.criteria.criterion import Criterion
from netsurv.errors import ConfigError

ProgressionRule = Literal["any", "all", "anchor"]
ResponseRule = Literal["all", "any", "anchor"]

#: Most components of one combined criterion (the combining table has 8**k entries per order
#: of the components' PD dates).
MAX_COMPONENTS = 4

#: Separator of a grid key naming a component's field: ``"sstv.response_threshold"``.
FIELD_SEPARATOR = "."


def _from_anchor(field: str) -> Any:
    """A read-only property taking the anchor component's ``field``."""
    return property(
        lambda self: getattr(self.anchor_criterion, field),
        doc=f"The anchor's ``{field}`` (best-response setting).",
    )


@dataclass(frozen=True)
class CombinedCriterion:
    """Several criteria, each on its own modality or measure, read as one criterion.

    Build one with :func:`combine` (the rules, with examples, are documented there).

    Parameters
    ----------
    name
        Identifier (the ``criterion`` column of every output).
    components
        The component criteria, at least two, each an ordinary
        :class:`~netsurv.criteria.Criterion` with its own name.
    progression
        ``"any"``, ``"all"`` or ``"anchor"``: which component PDs make the time point PD.
    response
        ``"all"``, ``"any"`` or ``"anchor"``: how the components' responses combine.
    window_days
        Largest ``|Δdays|`` between an anchor scan and a paired scan (inclusive).
    anchor
        Name of the component whose scans define the time points (None: the first).
    label
        Human-readable title (defaults to ``name``).
    source
        Citation of the published combination, or how it was derived.

    Examples
    --------
    >>> import netsurv as ns
    >>> c = ns.criteria.combine("recist1.1", "sstv", name="ct_sst")
    >>> c.anchor, c.window_days, c.modality
    ('recist1.1', 42, ('CT', 'MRI'))
    """

    name: str
    components: tuple[Criterion, ...]
    progression: ProgressionRule = "any"
    response: ResponseRule = "all"
    window_days: int = 42
    anchor: str | None = None
    label: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        _Checks(self).run()

    # ---------------------------------------------------------------- structure
    @property
    def title(self) -> str:
        """``label`` if given, else ``name``."""
        return self.label or self.name

    @property
    def anchor_index(self) -> int:
        """Position of the anchor among the components."""
        return [c.name for c in self.components].index(str(self.anchor))

    @property
    def anchor_criterion(self) -> Criterion:
        """The anchor component."""
        return self.components[self.anchor_index]

    def component(self, name: str) -> Criterion:
        """The component called ``name``."""
        for c in self.components:
            if c.name == name:
                return c
        raise ConfigError(
            f"combined criterion {self.name!r} has no component {name!r}; "
            f"components: {[c.name for c in self.components]}"
        )

    def priority(self) -> tuple[int, ...]:
        """Component positions in tie-break order: the anchor first, then the given order."""
        a = self.anchor_index
        return (a, *(i for i in range(len(self.components)) if i != a))

    # ---------------------------------------------------------------- as a criterion
    @property
    def modality(self) -> tuple[str, ...]:
        """The anchor's modalities: the time points follow the anchor's scan schedule (the
        endpoint engine's ``modality_schedules`` look them up).  All modalities read are in
        :attr:`modalities`."""
        return self.anchor_criterion.modality

    @property
    def modalities(self) -> tuple[str, ...]:
        """Every modality a component reads, the anchor's first."""
        out: list[str] = []
        for i in self.priority():
            out.extend(m for m in self.components[i].modality if m not in out)
        return tuple(out)

    @property
    def measure(self) -> str:
        """``"combined"`` (the measures are the components')."""
        return "combined"

    @property
    def defines_progression(self) -> bool:
        """Whether progression can be called: by any component (``"any"``, ``"all"``) or by
        the anchor (``"anchor"``)."""
        if self.progression == "anchor":
            return self.anchor_criterion.defines_progression
        return any(c.defines_progression for c in self.components)

    # best-response settings are the anchor's (the time points are its)
    confirm_response = _from_anchor("confirm_response")
    confirm_min_days = _from_anchor("confirm_min_days")
    confirm_max_ne = _from_anchor("confirm_max_ne")
    confirm_max_sd = _from_anchor("confirm_max_sd")
    sd_min_days = _from_anchor("sd_min_days")
    cr_then_pr = _from_anchor("cr_then_pr")

    @property
    def confirm_pd(self) -> bool:
        """False: the combined time points hold confirmed progression only (a component that
        confirms progression contributes its confirmed PDs)."""
        return False

    @property
    def unresolved_pd(self) -> str:
        """``"event"`` (each confirming component applied its own ``unresolved_pd``)."""
        return "event"

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dictionary (components by name)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["components"] = tuple(c.name for c in self.components)
        return out

    def describe(self) -> str:
        """The combination rules in one line (for tables and legends).

        Examples
        --------
        >>> import netsurv as ns
        >>> ns.criteria.combine("recist1.1", "sstv", name="x").describe()
        'recist1.1 (anchor) + sstv; PD by any component, response: all evaluable respond; paired within 42 days'
        """
        names = [c.name + (" (anchor)" if c.name == self.anchor else "") for c in self.components]
        pd_text = {
            "any": "PD by any component",
            "all": "PD when every evaluable component shows PD",
            "anchor": "PD by the anchor only",
        }[self.progression]
        resp_text = {
            "all": "all evaluable respond",
            "any": "any component responds",
            "anchor": "the anchor's",
        }[self.response]
        return (
            f"{' + '.join(names)}; {pd_text}, response: {resp_text}; "
            f"paired within {self.window_days} days"
        )

    def with_field(self, key: str, value: Any) -> CombinedCriterion:
        """A copy with one field changed: a combined field (``"window_days"``) or a
        component's (``"sstv.response_threshold"``: component name, ``.``, field name).

        Examples
        --------
        >>> import netsurv as ns
        >>> c = ns.criteria.combine("recist1.1", "sstv", name="x")
        >>> c.with_field("sstv.response_threshold", -0.2).component("sstv").response_threshold
        -0.2
        """
        if FIELD_SEPARATOR in key:
            comp, _, field = key.rpartition(FIELD_SEPARATOR)
            target = self.component(comp)
            if field == "name" or field not in CRITERION_FIELDS:
                raise ConfigError(
                    f"combined criterion {self.name!r}: unknown component field {key!r}; "
                    f"vary '<component>.<field>' with a field of Criterion, e.g. "
                    f"'{comp}.response_threshold'"
                )
            new = tuple(replace(c, **{field: value}) if c is target else c for c in self.components)
            return replace(self, components=new)
        if key not in COMBINED_FIELDS or key in ("name", "components"):
            raise ConfigError(
                f"combined criterion {self.name!r}: unknown field {key!r}; vary one of "
                f"{[f for f in COMBINED_FIELDS if f not in ('name', 'components')]} or a "
                f"component's field as '<component>.<field>', e.g. "
                f"'{self.components[-1].name}.response_threshold'"
            )
        return replace(self, **{key: value})

    def field_value(self, key: str) -> Any:
        """The value of a field or a component's field (``"sstv.response_threshold"``)."""
        if FIELD_SEPARATOR in key:
            comp, _, field = key.rpartition(FIELD_SEPARATOR)
            return getattr(self.component(comp), field)
        return getattr(self, key)


#: The pairing, combining and dating rules in words (the methods text of a report).
RULES_TEXT = (
    "Each component criterion was applied to its own scans as on its own (baseline, nadir, "
    "lesions and cut-offs). The anchor component's follow-up scans defined the time points; a "
    "follow-up scan of another component was paired with the nearest anchor scan within the "
    "window (|days| <= window, ties to the earlier anchor scan; of several scans choosing one "
    "anchor scan the nearest, ties to the earlier scan), and a component without a paired scan "
    "was not evaluable (NE) at that time point. Responses ranked CR > PR > SD > PD, with minor "
    "response and non-CR/non-PD counted as SD; progression was decided by the progression rule "
    "alone (any: PD of any evaluable component, including a new lesion on its scan, and a "
    "component's PD scan paired with no anchor scan formed a time point of its own; all: PD of "
    "every evaluable component; anchor: the anchor's PD only), and otherwise the response rule "
    "took the lowest (all), highest (any) or the anchor's (anchor) response of the evaluable "
    "components, ties going to the anchor; a time point was NE only when no component was "
    "evaluable and none showed PD. Progression was dated as in the FDA 2018 guidance: at the "
    "scan showing it (a new lesion at the scan that first showed it, growth at the scan that "
    "measured it; under 'all', the latest of the components' PD scans); other time points at "
    "the anchor scan. A line without a baseline scan of a non-anchor component was classified "
    "from the other components (listed in the attrition table)."
)

CRITERION_FIELDS = tuple(f.name for f in fields(Criterion))
COMBINED_FIELDS = tuple(f.name for f in fields(CombinedCriterion))

#: Any criterion netsurv classifies: an ordinary one or a combined one.
AnyCriterion = Criterion | CombinedCriterion


def field_value(crit: AnyCriterion, key: str) -> Any:
    """A criterion's field, or a combined criterion's component field (``"sstv.<field>"``).

    Examples
    --------
    >>> import netsurv as ns
    >>> field_value(ns.criteria.combine("recist1.1", "sstv", name="x"), "sstv.response_threshold")
    -0.4
    """
    if isinstance(crit, CombinedCriterion):
        return crit.field_value(key)
    return getattr(crit, key)


def combine(
    *components: Criterion | str,
    name: str,
    progression: ProgressionRule = "any",
    response: ResponseRule = "all",
    window_days: int = 42,
    anchor: str | None = None,
    label: str = "",
    source: str = "",
) -> CombinedCriterion:
    """Read several criteria together as one combined (multi-modal) criterion.

    Each component is an ordinary criterion, classified on its own scans exactly as alone
    (its own baseline, nadir, lesions and cut-offs).  Its follow-up time points are then paired
    with the anchor's, and the component responses of each paired time point combine into one.

    **Time points and pairing.**  The anchor (default: the first component) defines the time
    points: the line's baseline is the anchor's baseline, and each anchor follow-up scan is a
    time point.  A follow-up scan of another component is paired with the anchor follow-up scan
    nearest in date when ``|Δdays| <= window_days`` (two-sided, inclusive; a tie goes to the
    earlier anchor scan); when several scans of one component choose the same anchor scan, the
    nearest is paired (a tie goes to the earlier scan) and the others stay unpaired, so a scan
    pairs with at most one time point and a time point with at most one scan per component.  A
    component without a paired scan is NE at that time point.  Example (window 42): CT on days
    84 and 168, SST-PET on days 100 and 150: day 100 pairs with 84 (16 < 68 days), day 150 with
    168; with SST-PET on days 80 and 90 only day 80 pairs with 84 (4 < 6 days).

    **Combining.**  Response ranks CR > PR > SD > PD; MR and NON-CR/NON-PD count as SD.

    * ``progression="any"``: PD when any evaluable component shows PD (growth, a new lesion on
      its scan, or non-target progression).  A component's PD scan that pairs with no anchor
      scan becomes a time point of its own (the other components NE there), so no component's
      PD is lost or delayed: the combined PD is never later than any component's.
    * ``progression="all"``: PD when every evaluable component shows PD at the time point.
    * ``progression="anchor"``: only the anchor's PD counts; the other components can only
      change the response.
    * ``response="all"``: the lowest-ranked response among the evaluable components (every
      evaluable component must respond for a PR); ``"any"``: the highest; ``"anchor"``: the
      anchor's (NE when the anchor is NE).  PD is decided only by ``progression``: a component
      PD that does not make the time point PD counts as SD here (reason ``pd_not_counted``).
      Ties go to the anchor, then to the components in the given order; the deciding
      component's response is reported as is (e.g. MR, NON-CR/NON-PD).
    * The time point is NE only when no component is evaluable and no component shows PD.

    **Dates** (FDA 2018 guidance, when a time point spans several scan dates): a PD time point
    is dated at its PD scan: under ``"any"`` the earliest PD scan of the time point (a new
    lesion is dated at the scan that shows it, growth at the scan that measures it), under
    ``"all"`` the latest, under ``"anchor"`` the anchor's; any other time point is dated at the
    anchor scan.  The ``assessment_id``, ``date`` and ``modality`` of a time point are those of
    the scan that dates it; each component's response, paired scan and date are in columns
    ``<component>.response``, ``<component>.assessment_id``, ``<component>.date``, and
    ``decided_by`` names the component whose response was taken.

    **Lines.**  A line without an anchor baseline is set aside as for the anchor alone.  A
    line that a non-anchor component cannot evaluate (no baseline scan of its modality, no
    measurable lesion, ...) keeps that component NE throughout and is classified from the
    others; the attrition table lists it (``component <name>: <reason>``).

    The best-response settings (``sd_min_days``, confirmation) are the anchor's.

    Parameters
    ----------
    *components
        Two to :data:`MAX_COMPONENTS` criteria or preset names, with distinct names, not two
        on the same modality and measure.  A component that confirms progression
        (``confirm_pd``: iRECIST, a confirmed biochemical criterion) contributes PD only when
        confirmed (:func:`netsurv.response.irecist.confirmed_only`): "imaging PD or confirmed
        biochemical PD" is ``combine("recist1.1", "cga_confirmed", progression="any")``.
    name
        The combined criterion's name.
    progression
        ``"any"`` (default), ``"all"`` or ``"anchor"``.
    response
        ``"all"`` (default), ``"any"`` or ``"anchor"``.
    window_days
        Pairing window in days (> 0; default 42).
    anchor
        Name of the anchor component (default: the first).
    label, source
        Title and citation.

    Returns
    -------
    CombinedCriterion

    Raises
    ------
    netsurv.ConfigError
        For one component, duplicated components, two components on the same modality and
        measure, ``window_days <= 0``, an unknown anchor or rule; the message names the field.

    Examples
    --------
    >>> import netsurv as ns
    >>> both = ns.criteria.combine("recist1.1", "sstv", name="recist+sstv", response="any")
    >>> [c.name for c in both.components], both.progression, both.response
    (['recist1.1', 'sstv'], 'any', 'any')
    >>> ns.criteria.combine("recist1.1", name="alone")
    Traceback (most recent call last):
    ...
    netsurv.errors.ConfigError: combined criterion 'alone': components needs at least two criteria, got 1 (['recist1.1']); use a single criterion directly
    """
    resolved: list[Criterion] = []
    for i, c in enumerate(components):
        if isinstance(c, str):
            from netsurv.criteria.registry import get

            r = get(c)
        else:
            r = c
        if isinstance(r, CombinedCriterion):
            raise ConfigError(
                f"combined criterion {name!r}: components[{i}] {r.name!r} is itself combined; "
                "list its components instead"
            )
        resolved.append(r)
    return CombinedCriterion(
        name=name,
        components=tuple(resolved),
        progression=progression,
        response=response,
        window_days=window_days,
        anchor=anchor,
        label=label,
        source=source,
    )


class _Checks:
    """Validation of a combined criterion; each failure names the field and the fix."""

    def __init__(self, c: CombinedCriterion) -> None:
        self.c = c

    def fail(self, field: str, message: str) -> NoReturn:
        raise ConfigError(f"combined criterion {self.c.name!r}: {field} {message}")

    def run(self) -> None:
        c = self.c
        if not isinstance(c.name, str) or not c.name.strip():
            raise ConfigError(f"combined criterion name must be a non-empty string, got {c.name!r}")
        for f in ("label", "source"):
            if not isinstance(getattr(c, f), str):
                self.fail(f, "must be a string")
        comps = c.components
        if isinstance(comps, list):
            comps = tuple(comps)
            object.__setattr__(c, "components", comps)
        if not isinstance(comps, tuple):
            self.fail("components", f"must be a tuple of criteria, got {comps!r}")
        bad = [i for i, x in enumerate(comps) if not isinstance(x, Criterion)]
        if bad:
            self.fail(
                "components",
                f"must be Criterion values (use netsurv.criteria.combine to pass preset "
                f"names); item(s) {bad} are not: {[comps[i] for i in bad]!r}",
            )
        names = [x.name for x in comps]
        if len(comps) < 2:
            self.fail(
                "components",
                f"needs at least two criteria, got {len(comps)} ({names}); use a single "
                "criterion directly",
            )
        if len(comps) > MAX_COMPONENTS:
            self.fail("components", f"takes at most {MAX_COMPONENTS} criteria, got {len(comps)}")
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            self.fail(
                "components",
                f"repeats {dup}: each component once, with its own name (a variant of a "
                "preset needs a new name, e.g. dataclasses.replace(c, name=...))",
            )
        for i, a in enumerate(comps):
            for b in comps[i + 1 :]:
                shared = [m for m in a.modality if m in b.modality]
                if shared and a.measure == b.measure:
                    self.fail(
                        "components",
                        f"{a.name!r} and {b.name!r} both read {a.measure} on "
                        f"{'/'.join(shared)}: components must differ in modality or measure "
                        "(to pool modalities into one sum, give one criterion "
                        f"modality={tuple(dict.fromkeys((*a.modality, *b.modality)))})",
                    )
        for f, lit in (("progression", ProgressionRule), ("response", ResponseRule)):
            if getattr(c, f) not in get_args(lit):
                self.fail(f, f"must be one of {list(get_args(lit))}, got {getattr(c, f)!r}")
        w = c.window_days
        whole = (
            not isinstance(w, bool)
            and isinstance(w, numbers.Real)
            and math.isfinite(float(w))
            and float(w).is_integer()
        )
        if not whole or int(w) <= 0:
            self.fail(
                "window_days",
                f"must be a whole number of days > 0, got {w!r} (scans pair with an anchor "
                "scan when |Δdays| <= window_days; e.g. 42)",
            )
        object.__setattr__(c, "window_days", int(w))
        if c.anchor is None:
            object.__setattr__(c, "anchor", names[0])
        elif c.anchor not in names:
            self.fail("anchor", f"must name a component, one of {names}; got {c.anchor!r}")
