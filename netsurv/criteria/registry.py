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

from netsurv.criteria.criterion import Criterion
from netsurv.criteria.presets import PRESETS
from netsurv.errors import ConfigError

_FIELDS = tuple(f.name for f in fields(Criterion))


def get(name: str | Criterion) -> Criterion:
    """A preset by name (a :class:`Criterion` is returned as is).

    Parameters
    ----------
    name
        Preset identifier, e.g. ``"recist1.1"``, ``"choi"``, ``"sstv"``; see :func:`list`.

    Returns
    -------
    Criterion

    Raises
    ------
    netsurv.ConfigError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> import netsurv as ns
    >>> ns.criteria.get("choi").density_response_threshold
    -0.15
    """
    if isinstance(name, Criterion):
        return name
    if name not in PRESETS:
        raise ConfigError(f"unknown criterion {name!r}; presets: {builtins.list(PRESETS)}")
    return PRESETS[name]


def list() -> pd.DataFrame:
    """The presets as a table, one row per criterion.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``label``, ``modality``, ``measure``, ``lesion_set``,
        ``aggregation``, ``response`` and ``progression`` (the cut-offs in words) and
        ``source``.

    Examples
    --------
    >>> import netsurv as ns
    >>> table = ns.criteria.list()
    >>> table.set_index("name").loc["recist1.1", "progression"]
    '>= +20 % vs nadir and >= 5 abs.'
    """
    rows = [
        {
            "name": c.name,
            "label": c.title,
            "modality": "/".join(c.modality),
            "measure": c.measure,
            "lesion_set": c.lesion_set
            + (f" ({', '.join(c.sites)})" if c.sites else "")
            + (f", k={c.max_lesions}" if c.lesion_set == "largest" else ""),
            "aggregation": c.aggregation if c.measure != "reader" else "",
            "response": describe_response(c),
            "progression": describe_progression(c),
            "source": c.source,
        }
        for c in PRESETS.values()
    ]
    return pd.DataFrame(rows)


def describe_response(c: Criterion) -> str:
    """The response rule of a criterion in words (for tables and legends)."""
    if c.measure == "reader":
        return "recorded read"
    if c.response_threshold is None:
        return ""
    op = "<=" if c.response_inclusive else "<"
    text = f"{op} {_pct(c.response_threshold)} vs {c.response_reference}"
    if c.response_min_abs is not None:
        text += f" and >= {c.response_min_abs:g} abs."
    if c.composite == "size_or_density":
        text += f" or density {op} {_pct(c.density_response_threshold)}"
    elif c.composite == "size_and_density":
        text += f" and density {op} {_pct(c.density_response_threshold)}"
    if c.minor_response_threshold is not None:
        text += f"; MR {op} {_pct(c.minor_response_threshold)}"
    return text


def describe_progression(c: Criterion) -> str:
    """The progression rule of a criterion in words."""
    if c.measure == "reader":
        return "recorded read"
    parts = []
    if c.progression_threshold is not None:
        op = ">=" if c.progression_inclusive else ">"
        text = f"{op} {_pct(c.progression_threshold)} vs {c.progression_reference}"
        if c.progression_min_abs is not None:
            text += f" and {op} {c.progression_min_abs:g} abs."
        parts.append(text)
    if c.progression_abs_sufficient is not None:
        parts.append(f">= {c.progression_abs_sufficient:g} abs.")
    return " or ".join(parts)


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x * 100:+g} %"


def grid(base: Criterion | str, **axes: Iterable[Any]) -> builtins.list[Criterion]:
    """Variants of a criterion over a grid of field values.

    Every combination of the given values (the product of the axes, first axis slowest) is made
    with :func:`dataclasses.replace`, so each variant is validated; each gets a distinct name
    ``base[field=value,...]``.

    Parameters
    ----------
    base
        The criterion (or preset name) the variants start from.
    **axes
        Field name -> values, e.g. ``progression_threshold=[0.1, 0.2]``.

    Returns
    -------
    list of Criterion

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
    """
    crit = get(base)
    unknown = [k for k in axes if k not in _FIELDS or k == "name"]
    if unknown:
        raise ConfigError(
            f"grid: unknown or fixed field(s) {unknown}; vary any of "
            f"{[f for f in _FIELDS if f != 'name']}"
        )
    values = {k: builtins.list(v) for k, v in axes.items()}
    empty = [k for k, v in values.items() if not v]
    if empty:
        raise ConfigError(f"grid: axis {empty[0]!r} has no values")
    out = []
    names = builtins.list(values)
    for combo in itertools.product(*(values[k] for k in names)):
        changes = dict(zip(names, combo, strict=True))
        label = ",".join(f"{k}={_fmt(v)}" for k, v in changes.items())
        out.append(replace(crit, name=f"{crit.name}[{label}]", label="", **changes))
    seen = [c.name for c in out]
    if len(set(seen)) != len(seen):
        raise ConfigError("grid: an axis repeats a value; variant names would clash")
    return out


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
