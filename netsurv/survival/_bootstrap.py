"""Paired bootstrap of several criteria: one resample of patients per replicate, every
criterion evaluated on it; percentile intervals of each metric and of paired differences."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from netsurv.sweep.backends import BLOCK, Backend, run_tasks

#: Scores one resampled frame: called as ``scorer(frame, memo=memo)``, where ``memo`` is a dict
#: shared by the scorers of the frames resampled with the same rows in one replicate (what
#: depends on those rows only is computed once per replicate).
Scorer = Callable[..., dict[str, Any]]


def paired_bootstrap(
    frames: dict[str, pd.DataFrame],
    ev: Scorer | Mapping[str, Scorer],
    *,
    names: list[str],
    n_boot: int,
    seed: int,
    metrics: list[str],
    backend: Backend = None,
    n_jobs: int | None = None,
    constant: Collection[str] = (),
    rows: Sequence[str] = (),
) -> pd.DataFrame:
    """Paired bootstrap: one resample of patients per replicate, every criterion on it.

    ``ev`` scores one frame (or, a mapping, each name's frame with its own function); the
    names in ``constant`` (a predictor with one value on the whole frame, so on every
    resample) are not resampled: their metrics are NaN in every replicate.  Frames equal on
    the columns ``rows`` (those describing the rows: outcome, identifiers) are resampled once
    per replicate: those columns are copied once and their scorers share one ``memo``.  The
    resamples are drawn here, in replicate order, from one generator seeded with ``seed``;
    blocks of :data:`~netsurv.sweep.backends.BLOCK` replicates are then scored on
    ``backend`` (:func:`netsurv.sweep.backends.run_tasks`: None in this process, joblib
    processes or Dask), so every backend gives the same table.
    """
    cols = ["replicate", "criterion", *metrics]
    if n_boot == 0:
        return pd.DataFrame(columns=cols)
    n_pat = int(max(f["_patient"].max() for f in frames.values())) + 1
    layout = _layouts(frames, [n for n in names if n not in constant], list(rows))
    ranges = {}
    for name in set(layout.values()):
        p = frames[name]["_patient"].to_numpy()
        first = np.searchsorted(p, np.arange(n_pat), side="left")
        count = np.searchsorted(p, np.arange(n_pat), side="right") - first
        ranges[name] = (first, count)
    rng = np.random.default_rng(seed)
    # patient positions < n_pat: kept as int32 (half the memory; the same draws)
    draws = [rng.integers(0, n_pat, n_pat).astype(np.int32) for _ in range(n_boot)]
    shared = _Shared(frames, ev, names, layout, list(rows), ranges, n_pat, metrics)
    tasks = [(lo, draws[lo : lo + BLOCK]) for lo in range(0, n_boot, BLOCK)]
    blocks = run_tasks(_score_block, shared, tasks, backend=backend, n_jobs=n_jobs)
    return pd.DataFrame([row for block in blocks for row in block], columns=cols)


def _layouts(frames: dict[str, pd.DataFrame], names: list[str], rows: list[str]) -> dict[str, str]:
    """For each name, the first name whose frame has the same values in the columns ``rows``
    (every frame its own without ``rows``)."""
    layout: dict[str, str] = {}
    leads: list[str] = []
    for name in names:
        f = frames[name]
        for lead in leads:
            g = frames[lead]
            if (
                rows
                and len(f) == len(g)
                and all(
                    c in f and c in g and np.array_equal(f[c].to_numpy(), g[c].to_numpy())
                    for c in rows
                )
            ):
                layout[name] = lead
                break
        else:
            layout[name] = name
            leads.append(name)
    return layout


@dataclass(frozen=True)
class _Shared:
    """What every block of replicates reads (sent once per task to worker processes)."""

    frames: dict[str, pd.DataFrame]
    ev: Scorer | Mapping[str, Scorer]
    names: list[str]
    layout: dict[str, str]  # resampled names -> the first name with the same rows
    rows: list[str]
    ranges: dict[str, tuple[np.ndarray, np.ndarray]]  # per layout
    n_pat: int
    metrics: list[str]


#: Columns a resample renumbers: resampled copies of a patient are distinct patients.
_RENUMBERED = ("patient_id", "_patient", "_unit")


def _score_block(shared: _Shared, start: int, draws: list[np.ndarray]) -> list[list[Any]]:
    """Rows (replicate, criterion, metrics...) of the replicates ``start, start + 1, ...``."""
    n_pat, rows = shared.n_pat, []
    for b, draw in enumerate(draws, start=start):
        # per layout: the resampled row positions, its row columns and the scorers' memo
        taken: dict[str, tuple[np.ndarray, dict[str, np.ndarray], dict[str, Any]]] = {}
        for name in shared.names:
            lead = shared.layout.get(name)
            if lead is None:  # constant on every resample
                rows.append([b, name, *[np.nan] * len(shared.metrics)])
                continue
            if lead not in taken:
                first, count = shared.ranges[lead]
                idx = expand_ranges(first[draw], count[draw])
                copy = np.repeat(np.arange(n_pat), count[draw])
                g = shared.frames[lead]
                common = {c: g[c].to_numpy()[idx] for c in shared.rows if c not in _RENUMBERED}
                common |= {"patient_id": copy, "_patient": copy}
                common["_unit"] = g["_unit"].to_numpy()[idx] * n_pat + copy
                taken[lead] = (idx, common, {})
            idx, common, memo = taken[lead]
            fr = shared.frames[name]
            f = pd.DataFrame(
                {c: common[c] if c in common else fr[c].to_numpy()[idx] for c in fr.columns}
            )
            ev = shared.ev
            m = ev[name](f, memo=memo) if isinstance(ev, Mapping) else ev(f, memo=memo)
            rows.append([b, name, *(m[k] for k in shared.metrics)])
    return rows


def expand_ranges(first: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Row positions of the ranges [first, first + count), concatenated (vectorised)."""
    total = int(count.sum())
    offsets = np.repeat(np.cumsum(count) - count, count)
    return np.repeat(first, count) + np.arange(total) - offsets


def intervals(
    table: pd.DataFrame, reps: pd.DataFrame, metrics: list[str], names: list[str], alpha: float
) -> pd.DataFrame:
    rows = []
    for name in names:
        r = reps[reps["criterion"] == name]
        est = table.set_index("criterion").loc[name]
        for m in metrics:
            v = r[m].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            lo, hi = np.quantile(v, [alpha, 1 - alpha]) if v.size else (np.nan, np.nan)
            rows.append(
                {
                    "criterion": name,
                    "metric": m,
                    "estimate": float(est[m]),
                    "lower": float(lo),
                    "upper": float(hi),
                    "n_valid": int(v.size),
                }
            )
    return pd.DataFrame(
        rows, columns=["criterion", "metric", "estimate", "lower", "upper", "n_valid"]
    )


def differences(
    table: pd.DataFrame,
    reps: pd.DataFrame,
    metrics: list[str],
    names: list[str],
    ref: str,
    alpha: float,
) -> pd.DataFrame:
    cols = ["criterion", "reference", "metric", "difference", "se", "lower", "upper", "n_valid"]
    est = {m: table.set_index("criterion")[m].astype(float) for m in metrics}
    wide = {n: reps[reps["criterion"] == n].set_index("replicate") for n in names}
    rows = []
    for name in names:
        if name == ref:
            continue
        for m in metrics:
            d = (wide[name][m] - wide[ref][m]).to_numpy(dtype=float)
            d = d[np.isfinite(d)]
            lo, hi = np.quantile(d, [alpha, 1 - alpha]) if d.size else (np.nan, np.nan)
            rows.append(
                {
                    "criterion": name,
                    "reference": ref,
                    "metric": m,
                    "difference": float(est[m][name] - est[m][ref]),
                    "se": float(np.std(d, ddof=1)) if d.size > 1 else np.nan,
                    "lower": float(lo),
                    "upper": float(hi),
                    "n_valid": int(d.size),
                }
            )
    return pd.DataFrame(rows, columns=cols)
