"""Load the R reference values written by ``tests/reference/make_reference.R``.

Numbers are stored with 17 significant digits; R's non-finite values are the strings ``"NA"``,
``"NaN"``, ``"Inf"`` and ``"-Inf"`` and come back as floats (NA -> NaN).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
_NONFINITE = {"NA": np.nan, "NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}


@cache
def dataset(name: str) -> pd.DataFrame:
    """A dataset written by ``make_reference_data.py``."""
    return pd.read_csv(REFERENCE / "data" / f"{name}.csv")


@cache
def _cases(kind: str) -> dict[str, dict[str, Any]]:
    with open(REFERENCE / "expected" / f"{kind}.json", encoding="utf-8") as fh:
        cases = json.load(fh)
    return {c["name"]: c for c in cases}


def case_names(kind: str) -> list[str]:
    """Names of the reference cases of one kind (``km``, ``logrank``, ``cox``)."""
    return list(_cases(kind))


def case(kind: str, name: str) -> dict[str, Any]:
    """One reference case (its ``args`` and R's results)."""
    return _cases(kind)[name]


def num(value: Any) -> np.ndarray:
    """A JSON number, list or matrix (list of rows) as a float array, R's NA as NaN."""
    if isinstance(value, list):
        return np.array([num(v) for v in value], dtype=float)
    if isinstance(value, str):
        return np.array(_NONFINITE[value])
    if value is None:
        return np.array(np.nan)
    return np.array(value, dtype=float)


def rel_dev(actual: Any, expected: Any, *, scale: float = 0.0) -> float:
    """Largest relative deviation ``|a - e| / max(|e|, scale)``; NaN positions must agree.

    Purely relative by default (an expected 0 is compared absolutely).  ``scale`` gives a
    floor for quantities that scatter around zero, such as residuals, whose deviation is only
    meaningful on the scale of the whole vector.
    """
    a = np.asarray(actual, dtype=float).ravel()
    e = np.asarray(expected, dtype=float).ravel()
    if a.shape != e.shape:
        raise AssertionError(f"shape {a.shape} != expected {e.shape}")
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    if not np.array_equal(nan_a, nan_e):
        raise AssertionError(f"NaN pattern differs:\nactual   {a}\nexpected {e}")
    inf = np.isinf(e)
    if not np.array_equal(a[inf], e[inf]):
        raise AssertionError(f"infinite values differ:\nactual   {a}\nexpected {e}")
    ok = ~nan_e & ~inf
    if not ok.any():
        return 0.0
    denom = np.maximum(np.abs(e[ok]), scale)
    denom[denom == 0] = 1.0
    return float(np.max(np.abs(a[ok] - e[ok]) / denom))


def assert_close(
    actual: Any, expected: Any, tol: float, what: str = "", *, scale: float = 0.0
) -> float:
    """Assert :func:`rel_dev` <= tol and return the deviation."""
    dev = rel_dev(actual, expected, scale=scale)
    if not dev <= tol:
        raise AssertionError(f"{what}: relative deviation {dev:.3g} > {tol:.1g}")
    return dev


def labels(values: Any) -> list[str]:
    """Group labels as text, numbers written without a trailing ``.0`` (as R prints them)."""
    out = []
    for v in values:
        if isinstance(v, float | np.floating) and float(v).is_integer():
            v = int(v)
        out.append(str(v))
    return out
