"""The fields of a :class:`~netsurv.criteria.Criterion`: their vocabularies and their checks.

Every check of a criterion's fields lives here (:func:`validate`, called when a criterion is
made); :mod:`netsurv.criteria.criterion` holds the value itself.  Each failure raises a
:class:`~netsurv.ConfigError` naming the field.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import fields
from typing import TYPE_CHECKING, Any, Literal, NoReturn, get_args

import numpy as np

from netsurv.errors import ConfigError
from netsurv.schema.inputs import LESION_SITES, MARKERS, MODALITIES

if TYPE_CHECKING:
    from netsurv.criteria.criterion import Criterion

Measure = Literal[
    "diameter",
    "long_axis",
    "viable_diameter",
    "bidimensional",
    "volume",
    "density",
    "suv_max",
    "suv_mean",
    "sul_peak",
    "tla",
    "marker",
    "adc",
    "liver_fraction",
    "zp",
    "zp_norm",
    "reader",
]
Direction = Literal["decrease", "increase"]
LesionSet = Literal["targets", "all", "largest"]
Aggregation = Literal["sum", "max", "mean"]
Reference = Literal["baseline", "nadir"]
Composite = Literal["size", "size_or_density", "size_and_density"]
CRRule = Literal["recist", "zero", "none"]
MissingRule = Literal["ne_unless_pd", "ne"]
CRThenPR = Literal["data_issue", "pd", "pr"]
UnresolvedPD = Literal["event", "censor"]
ModalityChange = Literal["allowed", "ne"]
NewLesionRule = Literal["recist1.1", "as_recorded"]
ProgressionScope = Literal["sum", "any_lesion", "sum_or_any_lesion"]
Reappearance = bool | Literal["confirmed"]

#: Measures read in millimetres (diameters): the "too small to measure" default, rounding and
#: the RECIST complete-response rule (non-nodal 0 mm, nodes < 10 mm) apply to them.
DIAMETER_MEASURES = ("diameter", "long_axis", "viable_diameter", "bidimensional")

#: SUV- and volume-based measures: a follow-up scan is compared only with a baseline scan of
#: the same tracer (``assessments.tracer``).
TRACER_MEASURES = ("volume", "suv_max", "suv_mean", "sul_peak", "tla", "marker", "zp", "zp_norm")

#: Measures read from the SST-PET scan paired with a CT density of the same lesion (ZP).
PAIRED_MEASURES = ("zp", "zp_norm")

#: What a derived measure needs on a lesion row (named in attrition reasons).
MEASURE_NEEDS = {
    "liver_fraction": "liver lesion volume_ml and the scan's assessments.liver_volume_ml",
    "zp": "SST-PET suv_mean and a CT density_hu of the same lesion within pair_window_days",
    "zp_norm": "SST-PET suv_mean, the scan's liver_suv_mean and a CT density_hu of the same "
    "lesion within pair_window_days",
}


#: Largest relative increase accepted as a progression cut-off (+200 %: a tripling, beyond any
#: published criterion; volumetric RECIST uses +73 %).  A larger value is almost certainly a
#: percentage typed where a fraction is expected (``20`` for ``0.20``).
MAX_INCREASE = 2.0

#: Fields that a recorded read (``measure="reader"``) does not use: the recorded response is
#: taken as is.  Each must keep its default (or None, "no such rule").
READER_IGNORES = (
    "lesion_set",
    "sites",
    "max_lesions",
    "max_per_organ",
    "aggregation",
    "response_threshold",
    "response_reference",
    "response_inclusive",
    "response_min_abs",
    "minor_response_threshold",
    "progression_threshold",
    "progression_reference",
    "progression_inclusive",
    "progression_min_abs",
    "progression_abs_sufficient",
    "progression_scope",
    "progression_min_uln",
    "density_response_threshold",
    "composite",
    "new_lesion_pd",
    "new_lesion_rule",
    "nontarget_pd",
    "cr_rule",
    "node_cr_mm",
    "missing",
    "too_small_mm",
    "rounding_mm",
    "sticky_pr",
    "reappearance_after_cr_pd",
    "confirm_pd",
    "confirm_pd_window",
    "confirm_pd_min_abs",
    "unresolved_pd",
    "modality_change",
    "organ_thresholds",
    "new_lesions",
    "direction",
    "pair_window_days",
)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def _fmt_fraction(x: float) -> str:
    return f"{x:.2f}" if round(x, 2) == x else f"{x:g}"


class _Validator:
    """Checks of one criterion; each failure names the field.

    Numbers are normalised on the way: numpy integers and floats (e.g. the values of a
    ``np.array`` handed to :func:`netsurv.criteria.grid`) become the equivalent Python ``int``
    / ``float``, numpy booleans become ``bool``.
    """

    def __init__(self, c: Criterion) -> None:
        self.c = c

    def fail(self, field: str, message: str) -> NoReturn:
        raise ConfigError(f"criterion {self.c.name!r}: {field} {message}")

    def set(self, field: str, value: Any) -> None:
        object.__setattr__(self.c, field, value)

    def choice(self, field: str, allowed: tuple[str, ...]) -> None:
        value = getattr(self.c, field)
        if value not in allowed:
            self.fail(field, f"must be one of {list(allowed)}, got {value!r}")

    def number(
        self, field: str, *, none: bool = True, lo: float | None = None, hi: float | None = None
    ) -> None:
        value = getattr(self.c, field)
        if value is None:
            if not none:
                self.fail(field, "is required")
            return
        if _is_bool(value) or not isinstance(value, numbers.Real):
            self.fail(field, f"must be a number, got {value!r}")
        # a float32 (or float16) is read as the decimal it prints as: np.float32(0.1) -> 0.1
        x = float(str(value)) if isinstance(value, np.floating) else float(value)
        if not math.isfinite(x):
            self.fail(field, f"must be a finite number, got {value!r}")
        if lo is not None and x < lo:
            self.fail(field, f"must be >= {lo}, got {value!r}")
        if hi is not None and x > hi:
            self.fail(field, f"must be <= {hi}, got {value!r}")
        self.set(field, x)

    def integer(self, field: str, *, lo: int, none: bool = True) -> None:
        value = getattr(self.c, field)
        if value is None and none:
            return
        self.set(field, self.whole(field, value, lo=lo))

    def whole(self, field: str, value: Any, *, lo: int, what: str = "") -> int:
        """``value`` as a Python int (numpy integers and integral floats accepted)."""
        ok = not _is_bool(value) and isinstance(value, numbers.Real)
        if ok and not isinstance(value, numbers.Integral):
            ok = math.isfinite(float(value)) and float(value).is_integer()
        if not ok:
            self.fail(field, f"{what}must be a whole number, got {value!r}")
        if int(value) < lo:
            self.fail(field, f"{what}must be >= {lo}, got {value!r}")
        return int(value)

    def flag(self, field: str) -> None:
        value = getattr(self.c, field)
        if not _is_bool(value):
            self.fail(field, f"must be True or False, got {value!r}")
        self.set(field, bool(value))

    def tuple_of(self, field: str, allowed: tuple[str, ...], *, none: bool) -> None:
        value = getattr(self.c, field)
        if value is None and none:
            return
        if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
            self.fail(field, f"must be a non-empty tuple of {list(allowed)}, got {value!r}")
        bad = [v for v in value if v not in allowed]
        if bad:
            self.fail(field, f"has unknown value(s) {bad}; allowed: {list(allowed)}")
        self.set(field, tuple(dict.fromkeys(value)))

    def fraction(self, field: str, *, increase: bool) -> None:
        """A relative change: a decrease in [-1, 0) or an increase in (0, MAX_INCREASE].

        Out of range, the message suggests the fraction the user probably meant: the value
        with the other sign, or the value / 100 (a percentage typed as a fraction).
        """
        value = getattr(self.c, field)
        if value is None:
            return

        def fits(x: float) -> bool:
            return 0 < x <= MAX_INCREASE if increase else -1 <= x < 0

        if fits(value):
            return
        if increase:
            rule = (
                f"must be an increase given as a fraction, 0 < x <= {MAX_INCREASE:g} (0.20 = +20 %)"
            )
        else:
            rule = "must be a decrease given as a fraction, -1 <= x < 0 (-0.30 = -30 %)"
        guess = next((g for g in (-value, value / 100, -value / 100) if fits(g)), None)
        hint = ""
        if guess is not None:
            hint = f"; did you mean {_fmt_fraction(guess)}"
            if abs(value) > 1:
                hint += f" ({abs(value):g} %)"
            hint += "?"
        self.fail(field, f"{rule}, got {value:g}{hint}")

    def run(self) -> None:
        c = self.c
        if not isinstance(c.name, str) or not c.name.strip():
            raise ConfigError(f"criterion name must be a non-empty string, got {c.name!r}")
        for f in ("label", "source"):
            if not isinstance(getattr(c, f), str):
                self.fail(f, "must be a string")
        self.tuple_of("modality", (*MODALITIES, *MARKERS), none=False)
        self.tuple_of("sites", LESION_SITES, none=True)
        for f, lit in (
            ("measure", Measure),
            ("lesion_set", LesionSet),
            ("aggregation", Aggregation),
            ("response_reference", Reference),
            ("progression_reference", Reference),
            ("composite", Composite),
            ("cr_rule", CRRule),
            ("missing", MissingRule),
            ("cr_then_pr", CRThenPR),
            ("unresolved_pd", UnresolvedPD),
            ("modality_change", ModalityChange),
            ("new_lesion_rule", NewLesionRule),
            ("progression_scope", ProgressionScope),
            ("direction", Direction),
        ):
            self.choice(f, get_args(lit))
        for f in (
            "response_inclusive",
            "progression_inclusive",
            "new_lesion_pd",
            "nontarget_pd",
            "sticky_pr",
            "confirm_response",
            "confirm_pd",
        ):
            self.flag(f)
        self.integer("max_lesions", lo=1)
        self.integer("max_per_organ", lo=1)
        self.integer("confirm_min_days", lo=1, none=False)
        self.integer("confirm_max_ne", lo=0, none=False)
        self.integer("confirm_max_sd", lo=0, none=False)
        self.integer("sd_min_days", lo=0, none=False)
        self.integer("follow_up_scans", lo=1)
        self.integer("pair_window_days", lo=0, none=False)
        for f in (
            "response_threshold",
            "minor_response_threshold",
            "density_response_threshold",
            "progression_threshold",
        ):
            self.number(f)
        up = c.direction == "increase" and c.measure != "reader"
        for f in ("response_threshold", "minor_response_threshold"):
            self.fraction(f, increase=up)
        self.fraction("density_response_threshold", increase=False)
        self.fraction("progression_threshold", increase=not up)
        if c.progression_scope != "sum" and c.progression_threshold is None:
            self.fail(
                "progression_scope",
                f"{c.progression_scope!r} needs a progression_threshold (the growth of one "
                "lesion that means progression, e.g. 0.25 for WHO)",
            )
        mr = c.minor_response_threshold
        if mr is not None:
            if c.response_threshold is None:
                self.fail("minor_response_threshold", "needs a response_threshold")
            elif not (0 < mr < c.response_threshold if up else c.response_threshold < mr < 0):
                self.fail(
                    "minor_response_threshold",
                    f"must lie between response_threshold ({c.response_threshold}) and 0, got {mr}",
                )
        for f in (
            "response_min_abs",
            "progression_min_abs",
            "progression_abs_sufficient",
            "too_small_mm",
            "progression_min_uln",
        ):
            self.number(f, lo=0.0)
        self.number("node_cr_mm", none=False, lo=0.0)
        self.number("confirm_pd_min_abs", lo=0.0)
        self.number("rounding_mm", lo=0.0)
        if c.rounding_mm == 0:
            self.fail("rounding_mm", "must be > 0 or None")
        d = c.density_response_threshold
        if c.composite == "size":
            if d is not None:
                self.fail(
                    "density_response_threshold",
                    "is set but composite is 'size'; use composite='size_or_density' (Choi) "
                    "or 'size_and_density' (modified Choi)",
                )
        else:
            if d is None:
                self.fail(
                    "density_response_threshold",
                    f"is required (a decrease, e.g. -0.15) when composite is {c.composite!r}",
                )
            if c.response_threshold is None:
                self.fail("composite", f"{c.composite!r} needs a response_threshold")
            if c.measure == "density":
                self.fail("composite", "needs a size measure, not 'density'")
        if c.lesion_set == "largest" and c.max_lesions is None:
            self.fail("max_lesions", "is required when lesion_set is 'largest'")
        if c.cr_rule == "recist" and c.measure not in (*DIAMETER_MEASURES, "reader"):
            self.fail(
                "cr_rule",
                f"'recist' (non-nodal 0 mm, nodes < {c.node_cr_mm:g} mm) needs a diameter "
                f"measure; use cr_rule='zero' or 'none' with measure {c.measure!r}",
            )
        reap = c.reappearance_after_cr_pd
        if _is_bool(reap):
            self.set("reappearance_after_cr_pd", bool(reap))
        elif reap != "confirmed":
            self.fail(
                "reappearance_after_cr_pd", f"must be True, False or 'confirmed', got {reap!r}"
            )
        if c.reappearance_after_cr_pd is True and c.cr_rule == "none":
            self.fail("reappearance_after_cr_pd", "needs a CR class (cr_rule is 'none')")
        self._window()
        self._marker()
        self._direction()
        self._derived_measure()
        if c.measure == "reader":
            self._reader()
        elif (
            c.response_threshold is None
            and c.progression_threshold is None
            and c.progression_abs_sufficient is None
            and c.cr_rule == "none"
            and not c.new_lesion_pd
            and not c.nontarget_pd
        ):
            self.fail(
                "response_threshold",
                "and progression_threshold are both None, cr_rule is 'none' and neither new "
                "lesions nor non-target progression mean PD: the criterion classifies nothing",
            )

    def _window(self) -> None:
        w = self.c.confirm_pd_window
        if isinstance(w, np.ndarray):
            w = tuple(w.tolist())
        if not isinstance(w, list | tuple) or len(w) != 2:
            self.fail("confirm_pd_window", f"must be (min_days, max_days or None), got {w!r}")
        lo = self.whole("confirm_pd_window", w[0], lo=0, what="min_days ")
        hi = w[1]
        if hi is not None:
            hi = self.whole("confirm_pd_window", hi, lo=0, what="max_days ")
            if hi < lo:
                self.fail(
                    "confirm_pd_window",
                    f"max_days must be None or >= min_days ({lo}), got {w[1]!r}",
                )
        self.set("confirm_pd_window", (lo, hi))

    def _marker(self) -> None:
        """A biochemical criterion reads one marker series; imaging criteria read scans."""
        c = self.c
        markers = [m for m in c.modality if m in MARKERS]
        if c.measure == "marker":
            if len(c.modality) != 1 or not markers:
                self.fail(
                    "modality",
                    f"of measure='marker' must be one marker, e.g. ('CgA',) (one of "
                    f"{', '.join(MARKERS)}); combine several with netsurv.criteria.combine, "
                    f"got {c.modality!r}",
                )
            for f in ("new_lesion_pd", "nontarget_pd"):
                if getattr(c, f):
                    self.fail(f, "must be False for measure='marker' (a marker has no lesions)")
            if c.lesion_set != "all" or c.sites is not None:
                self.fail("lesion_set", "must be 'all' (and sites None) for measure='marker'")
        elif markers:
            self.fail(
                "modality",
                f"{markers} are markers: read them with measure='marker', got measure "
                f"{c.measure!r}",
            )
        elif c.progression_min_uln is not None and c.measure != "reader":
            self.fail("progression_min_uln", "needs measure='marker' (a marker's ULN)")

    def _direction(self) -> None:
        """``direction="increase"`` (ADC: a rise is response) mirrors the cut-offs; the rules
        that only make sense for a shrinking measure are refused by name."""
        c = self.c
        if c.direction == "decrease" or c.measure == "reader":
            return  # a recorded read refuses the field with the other ignored ones
        if c.composite != "size":
            self.fail("composite", "must be 'size' when direction is 'increase'")
        if c.cr_rule != "none":
            self.fail(
                "cr_rule",
                f"must be 'none' when direction is 'increase' (no complete response of a "
                f"measure that rises with response), got {c.cr_rule!r}",
            )
        if c.confirm_pd:
            self.fail(
                "confirm_pd",
                "(iRECIST confirmation by further growth) needs direction 'decrease'",
            )

    def _derived_measure(self) -> None:
        """Measures derived from more than one column need their lesion set to match."""
        c = self.c
        if c.measure == "liver_fraction":
            if c.sites != ("liver",):
                self.fail(
                    "sites",
                    "must be ('liver',) for measure 'liver_fraction' (liver lesion volumes / "
                    f"liver volume), got {c.sites!r}",
                )
            if c.aggregation != "sum":
                self.fail(
                    "aggregation",
                    "must be 'sum' for measure 'liver_fraction' (the fraction is the sum of "
                    f"the lesions' shares of the liver), got {c.aggregation!r}",
                )
        if c.measure in PAIRED_MEASURES and "SST-PET" not in c.modality:
            self.fail(
                "modality",
                f"must include 'SST-PET' for measure {c.measure!r} (CT density x SST-PET "
                f"SUVmean, read on the SST-PET scan), got {c.modality!r}",
            )

    def _reader(self) -> None:
        """A recorded read is taken as is: reject options it would silently ignore."""
        defaults = {f.name: f.default for f in fields(self.c)}
        set_ = [f for f in READER_IGNORES if getattr(self.c, f) not in (defaults[f], None)]
        if not set_:
            return
        what = ", ".join(f"{f}={getattr(self.c, f)!r}" for f in set_)
        extra = ""
        if "confirm_pd" in set_:
            extra = (
                " (iRECIST confirmation needs measurements: a recorded read is taken as "
                "recorded, so record the confirmed read, or compute the response instead)"
            )
        self.fail(
            ", ".join(set_),
            f"{'is' if len(set_) == 1 else 'are'} ignored by measure='reader', which takes the "
            f"recorded assessments.reader_response as the time-point response; got {what}{extra}. "
            f"Leave {'it at its default' if len(set_) == 1 else 'them at their defaults'}, or "
            "choose a computed measure",
        )


def validate(c: Criterion) -> None:
    """Check (and normalise) every field of ``c``; raise ConfigError naming the first bad one."""
    _Validator(c).run()
