"""Look up presets by name, list them, and build grids of variants."""

from __future__ import annotations

import builtins
import itertools
import numbers
from collections.abc import Iterable
from dataclasses import fields, replace
from typing import Any

import numpy as np
import pandas as pd

from netsurv.criteria.combined import (
    COMBINED_FIELDS,
    FIELD_SEPARATOR,
    AnyCriterion,
    CombinedCriterion,
)
from netsurv.criteria.criterion import Criterion
from netsurv.criteria.multimodal import COMBINED_PRESETS
from netsurv.criteria.presets import PRESETS
from netsurv.errors import ConfigError

_FIELDS = tuple(f.name for f in fields(Criterion))


def get(name: str | AnyCriterion) -> AnyCriterion:
    """A preset by name (a criterion, combined or not, is returned as is).

    Parameters
    ----------
    name
        Preset identifier, e.g. ``"recist1.1"``, ``"choi"``, ``"sstv"``, or a combined preset
        such as ``"recist1.1+sst_new_lesions"``; see :func:`list`.

    Returns
    -------
    Criterion or CombinedCriterion

    Raises
    ------
    netsurv.ConfigError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> import netsurv as ns
    >>> ns.criteria.get("choi").density_response_threshold
    -0.15
    >>> ns.criteria.get("sstv+new_lesions").anchor
    'sstv'
    """
    if isinstance(name, Criterion | CombinedCriterion):
        return name
    if name in PRESETS:
        return PRESETS[name]
    if name in COMBINED_PRESETS:
        return COMBINED_PRESETS[name]
    known = [*PRESETS, *COMBINED_PRESETS]
    raise ConfigError(f"unknown criterion {name!r}; presets: {known}")


def list() -> pd.DataFrame:
    """The presets as a table, one row per criterion (the combined presets last).

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``label``, ``modality``, ``measure``, ``direction`` (which way a
        favourable change goes; empty for combined criteria), ``lesion_set``,
        ``aggregation``, ``response`` and ``progression`` (the cut-offs in words) and
        ``source``.

    Examples
    --------
    >>> import netsurv as ns
    >>> table = ns.criteria.list()
    >>> table.set_index("name").loc["recist1.1", "progression"]
    '>= +20 % vs nadir and >= 5 abs.'
    >>> table.set_index("name").loc["recist1.1+fdg_new_lesions", "modality"]
    'CT/MRI + FDG-PET'
    """
    every: builtins.list[AnyCriterion] = [*PRESETS.values(), *COMBINED_PRESETS.values()]
    return pd.DataFrame([_row(c) for c in every])


def _row(c: AnyCriterion) -> dict[str, str]:
    """One criterion's row of :func:`list` (a combined one: its components, joined by +)."""
    if isinstance(c, CombinedCriterion):
        lesions, aggregation = " + ".join(x.name for x in c.components), ""
        modality = " + ".join("/".join(x.modality) for x in c.components)
    else:
        lesions = (
            c.lesion_set
            + (f" ({', '.join(c.sites)})" if c.sites else "")
            + (f", k={c.max_lesions}" if c.lesion_set == "largest" else "")
        )
        aggregation = c.aggregation if c.measure != "reader" else ""
        modality = "/".join(c.modality)
    return {
        "name": c.name,
        "label": c.title,
        "modality": modality,
        "measure": c.measure,
        "direction": "" if isinstance(c, CombinedCriterion) else c.direction,
        "lesion_set": lesions,
        "aggregation": aggregation,
        "response": describe_response(c),
        "progression": describe_progression(c),
        "source": c.source,
    }


def describe_response(c: AnyCriterion) -> str:
    """The response rule of a criterion in words (for tables and legends).

    Examples
    --------
    >>> import netsurv as ns
    >>> describe_response(ns.criteria.combine("recist1.1", "sstv", name="x"))
    'all evaluable components respond (the lowest response); recist1.1: <= -30 % vs baseline; sstv: <= -40 % vs baseline'
    """
    if isinstance(c, CombinedCriterion):
        rule = {
            "all": "all evaluable components respond (the lowest response)",
            "any": "any component responds (the highest response)",
            "anchor": f"the anchor's ({c.anchor})",
        }[c.response]
        parts = [f"{x.name}: {describe_response(x)}" for x in c.components]
        return "; ".join([rule, *(p for p in parts if not p.endswith(": "))])
    if c.measure == "reader":
        return "recorded read"
    if c.response_threshold is None:
        return ""
    up = c.direction == "increase"
    op = (">=" if up else "<=") if c.response_inclusive else (">" if up else "<")
    text = f"{op} {_pct(c.response_threshold)} vs {_reference(c, c.response_reference)}"
    if c.response_min_abs is not None:
        text += f" and >= {c.response_min_abs:g} abs."
    if c.composite == "size_or_density":
        text += f" or density {op} {_pct(c.density_response_threshold)}"
    elif c.composite == "size_and_density":
        text += f" and density {op} {_pct(c.density_response_threshold)}"
    if c.minor_response_threshold is not None:
        text += f"; MR {op} {_pct(c.minor_response_threshold)}"
    return text


def describe_progression(c: AnyCriterion) -> str:
    """The progression rule of a criterion in words.

    Examples
    --------
    >>> import netsurv as ns
    >>> describe_progression(ns.criteria.combine("recist1.1", "sstv", name="x"))
    'PD of any component (paired within 42 days); recist1.1: >= +20 % vs nadir and >= 5 abs., new lesion; sstv: >= +20 % vs nadir, new lesion'
    """
    if isinstance(c, CombinedCriterion):
        rule = {
            "any": "PD of any component",
            "all": "PD of every evaluable component",
            "anchor": f"PD of the anchor ({c.anchor})",
        }[c.progression]
        parts = []
        for x in c.components:
            extra = "new lesion" * (x.new_lesion_pd and not x.new_lesions_only)
            text = ", ".join(t for t in (describe_progression(x), extra) if t)
            parts.append(f"{x.name}: {text or 'none'}")
        return "; ".join([f"{rule} (paired within {c.window_days} days)", *parts])
    if c.measure == "reader":
        return "recorded read"
    if c.new_lesions_only:
        return "new lesion"
    parts = []
    if c.progression_threshold is not None:
        up = c.direction == "increase"
        op = ("<=" if up else ">=") if c.progression_inclusive else ("<" if up else ">")
        text = f"{op} {_pct(c.progression_threshold)} vs {_reference(c, c.progression_reference)}"
        if c.progression_min_abs is not None:
            text += f" and {op} {c.progression_min_abs:g} abs."
        if c.progression_min_uln is not None:
            text += f" and >= {c.progression_min_uln:g} x ULN"
        if c.confirm_pd:
            lo, hi = c.confirm_pd_window
            text += f", confirmed >= {lo} d later" + (f" (<= {hi} d)" if hi is not None else "")
        parts.append(text)
    if c.progression_abs_sufficient is not None:
        parts.append(f">= {c.progression_abs_sufficient:g} abs.")
    return " or ".join(parts)


def _reference(c: Criterion, reference: str) -> str:
    """``baseline`` / ``nadir``; the "nadir" of a measure whose increase is favourable is its
    peak (the largest earlier value)."""
    return "peak" if reference == "nadir" and c.direction == "increase" else reference


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x * 100:+g} %"


def grid(base: AnyCriterion | str, **axes: Iterable[Any]) -> builtins.list[AnyCriterion]:
    """Variants of a criterion over a grid of field values.

    Every combination of the given values (the product of the axes, first axis slowest) is made
    with :func:`dataclasses.replace`, so each variant is validated; each gets a distinct name
    ``base[field=value,...]``.  For a combined criterion
    (:func:`netsurv.criteria.combine`) an axis is a combined field (``window_days``,
    ``progression``, ...) or a component's field, spelled ``"<component>.<field>"``, e.g.
    ``"sstv.response_threshold"`` (pass such keys with ``**{...}``); the components keep their
    names.

    Parameters
    ----------
    base
        The criterion (or preset name) the variants start from.
    **axes
        Field name -> values, e.g. ``progression_threshold=[0.1, 0.2]``.

    Returns
    -------
    list of Criterion or CombinedCriterion

    Raises
    ------
    netsurv.ConfigError
        For an unknown field, an empty axis, or a value the criterion rejects.

    Examples
    --------
    >>> import netsurv as ns
    >>> variants = ns.criteria.grid(ns.criteria.RECIST_1_1,
    ...                             progression_threshold=[0.1, 0.2],
    ...                             response_threshold=[-0.1, -0.3])
    >>> [v.name for v in variants][:2]
    ['recist1.1[progression_threshold=0.1,response_threshold=-0.1]', 'recist1.1[progression_threshold=0.1,response_threshold=-0.3]']
    >>> len(variants)
    4
    >>> both = ns.criteria.combine("recist1.1", "sstv", name="ct+sst")
    >>> [v.name for v in ns.criteria.grid(both, **{"sstv.response_threshold": [-0.2, -0.4]})]
    ['ct+sst[sstv.response_threshold=-0.2]', 'ct+sst[sstv.response_threshold=-0.4]']
    """
    crit = get(base)
    unknown = [k for k in axes if not _varies(crit, k)]
    if unknown:
        if isinstance(crit, CombinedCriterion):
            fixed = ("name", "components")
            raise ConfigError(
                f"grid: unknown or fixed field(s) {unknown} of combined criterion "
                f"{crit.name!r}; vary any of {[f for f in COMBINED_FIELDS if f not in fixed]} "
                f"or a component's field as '<component>.<field>' with a component of "
                f"{[c.name for c in crit.components]}, e.g. "
                f"'{crit.components[-1].name}.response_threshold'"
            )
        raise ConfigError(
            f"grid: unknown or fixed field(s) {unknown}; vary any of "
            f"{[f for f in _FIELDS if f != 'name']}"
        )
    values = {k: builtins.list(v) for k, v in axes.items()}
    empty = [k for k, v in values.items() if not v]
    if empty:
        raise ConfigError(f"grid: axis {empty[0]!r} has no values")
    out: builtins.list[AnyCriterion] = []
    names = builtins.list(values)
    for combo in itertools.product(*(values[k] for k in names)):
        changes = dict(zip(names, combo, strict=True))
        label = ",".join(f"{k}={_fmt(v)}" for k, v in changes.items())
        name = f"{crit.name}[{label}]"
        if isinstance(crit, CombinedCriterion):
            variant = crit
            for k, v in changes.items():
                variant = variant.with_field(k, v)
            out.append(replace(variant, name=name, label=""))
        else:
            out.append(replace(crit, name=name, label="", **changes))
    seen = [c.name for c in out]
    if len(set(seen)) != len(seen):
        raise ConfigError("grid: an axis repeats a value; variant names would clash")
    return out


def _varies(crit: AnyCriterion, key: str) -> bool:
    """Whether a grid may vary ``key`` of ``crit``."""
    if not isinstance(crit, CombinedCriterion):
        return key in _FIELDS and key != "name"
    if FIELD_SEPARATOR in key:
        comp, _, field = key.rpartition(FIELD_SEPARATOR)
        names = [c.name for c in crit.components]
        return comp in names and field in _FIELDS and field != "name"
    return key in COMBINED_FIELDS and key not in ("name", "components")


def _fmt(v: Any) -> str:
    if isinstance(v, np.ndarray):
        v = tuple(v.tolist())
    if isinstance(v, tuple):
        return "(" + ",".join(_fmt(x) for x in v) + ")"
    if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
        return str(v)
    if isinstance(v, numbers.Integral):
        return str(int(v))
    return f"{float(str(v)) if isinstance(v, np.floating) else float(v):g}"
