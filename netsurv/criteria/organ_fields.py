"""The organ-level fields of a :class:`~netsurv.criteria.Criterion` and their checks.

``organ_thresholds`` (per-organ response / progression cut-offs for the organ-level classes),
``new_lesions`` (whether a ``sites`` filter also applies to new lesions) and
``oligoprogression`` (the ``(k, m)`` bound of the oligoprogression pattern).  Each failure
raises a :class:`~netsurv.ConfigError` naming the field.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, NoReturn, get_args

import numpy as np

from netsurv.criteria.fields import MAX_INCREASE
from netsurv.errors import ConfigError
from netsurv.schema.inputs import LESION_SITES

if TYPE_CHECKING:
    from netsurv.criteria.criterion import Criterion

NewLesions = Literal["sites", "anywhere"]

#: Default ``(k, m)`` of the oligoprogression pattern: at most 3 progressing or new lesions in
#: at most 2 organs.  No consensus fixes these numbers for NETs, and none fixes a number of
#: organs.  The ESTRO-ASTRO consensus defines oligometastatic disease "as 1-5 metastatic
#: lesions" while finding no data that support a maximum number of metastases or organs
#: (Lievens et al., Radiother Oncol 2020;148:157-166); the ESTRO / EORTC classification names
#: oligoprogression as a state of its own without a number (Guckenberger et al., Lancet Oncol
#: 2020;21:e18-e28).  k = 3 is the lower end of that range and the original entry criterion of
#: the HALT trial of local treatment of oligoprogression (≤ 3 sites; ISRCTN53398136 /
#: NCT03256981, widened to ≤ 5 in October 2021); m = 2 is this package's choice (progression
#: in one or two organs), set it per study.
OLIGOPROGRESSION_DEFAULT = (3, 2)


def _fail(c: Criterion, field: str, message: str) -> NoReturn:
    raise ConfigError(f"criterion {c.name!r}: {field} {message}")


def _set(c: Criterion, field: str, value: Any) -> None:
    object.__setattr__(c, field, value)


def _fraction(c: Criterion, site: str, what: str, x: Any, *, increase: bool) -> float | None:
    if x is None:
        return None
    if isinstance(x, bool | np.bool_) or not isinstance(x, numbers.Real):
        _fail(c, "organ_thresholds", f"[{site!r}] {what} must be a number or None, got {x!r}")
    v = float(x)
    ok = (0 < v <= MAX_INCREASE) if increase else (-1 <= v < 0)
    if not math.isfinite(v) or not ok:
        rule = (
            f"an increase given as a fraction, 0 < x <= {MAX_INCREASE:g}"
            if increase
            else "a decrease given as a fraction, -1 <= x < 0"
        )
        _fail(c, "organ_thresholds", f"[{site!r}] {what} must be {rule}, got {x!r}")
    return v


def _organ_thresholds(c: Criterion) -> None:
    value = c.organ_thresholds
    if value is None:
        return
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, list | tuple) and all(
        isinstance(t, list | tuple) and len(t) == 3 for t in value
    ):
        items = [(t[0], (t[1], t[2])) for t in value]
    else:
        _fail(
            c,
            "organ_thresholds",
            "must map organs to (response, progression) cut-offs, e.g. "
            f'{{"liver": (-0.3, 0.2)}}, got {value!r}',
        )
    if not items:
        _fail(c, "organ_thresholds", "is empty; use None for no organ-specific cut-offs")
    unknown = [k for k, _ in items if k not in LESION_SITES]
    if unknown:
        _fail(
            c,
            "organ_thresholds",
            f"names unknown site(s) {unknown}; lesions.site values are {list(LESION_SITES)}",
        )
    out = []
    for site, cut in items:
        if not isinstance(cut, list | tuple | np.ndarray) or len(cut) != 2:
            _fail(
                c,
                "organ_thresholds",
                f"[{site!r}] must be a pair (response, progression), e.g. (-0.3, 0.2), got {cut!r}",
            )
        r = _fraction(c, site, "response cut-off", cut[0], increase=False)
        p = _fraction(c, site, "progression cut-off", cut[1], increase=True)
        out.append((str(site), r, p))
    _set(c, "organ_thresholds", tuple(sorted(out)))


def _oligoprogression(c: Criterion) -> None:
    value = c.oligoprogression
    if isinstance(value, np.ndarray):
        value = tuple(value.tolist())
    if not isinstance(value, list | tuple) or len(value) != 2:
        _fail(c, "oligoprogression", f"must be a pair (k lesions, m organs), got {value!r}")
    out = []
    for what, x in zip(("k (lesions)", "m (organs)"), value, strict=True):
        whole = not isinstance(x, bool | np.bool_) and isinstance(x, numbers.Real)
        if whole and not isinstance(x, numbers.Integral):
            whole = math.isfinite(float(x)) and float(x).is_integer()
        if not whole or int(x) < 1:
            _fail(c, "oligoprogression", f"{what} must be a whole number >= 1, got {x!r}")
        out.append(int(x))
    _set(c, "oligoprogression", (out[0], out[1]))


def validate_organ_fields(c: Criterion) -> None:
    """Check (and normalise) ``organ_thresholds``, ``new_lesions`` and ``oligoprogression``.

    ``organ_thresholds`` becomes a sorted tuple of ``(site, response, progression)``.

    Examples
    --------
    >>> import dataclasses, netsurv as ns
    >>> c = dataclasses.replace(ns.criteria.RECIST_1_1, name="x",
    ...                         organ_thresholds={"liver": (-0.3, 0.1)})
    >>> c.organ_thresholds
    (('liver', -0.3, 0.1),)
    >>> dataclasses.replace(c, organ_thresholds={"brain": (-0.3, 0.2)})
    Traceback (most recent call last):
    ...
    netsurv.errors.ConfigError: criterion 'x': organ_thresholds names unknown site(s) ['brain']; lesions.site values are ['liver', 'lymph_node', 'bone', 'lung', 'peritoneum', 'pancreas', 'bowel', 'other']
    """
    if c.new_lesions not in get_args(NewLesions):
        _fail(
            c, "new_lesions", f"must be one of {list(get_args(NewLesions))}, got {c.new_lesions!r}"
        )
    _organ_thresholds(c)
    _oligoprogression(c)


def organ_cutoffs(c: Criterion, site: str) -> tuple[float | None, float | None]:
    """The ``(response, progression)`` cut-offs of ``site``: its ``organ_thresholds`` entry,
    else the criterion's own."""
    for s, r, p in c.organ_thresholds or ():
        if s == site:
            return r, p
    return c.response_threshold, c.progression_threshold
