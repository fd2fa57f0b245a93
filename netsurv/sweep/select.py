"""Selection of the best of many groupings with honest inference, on prepared analyses.

:func:`run_selection` is the part of :func:`netsurv.sweep.sweep` after the groupings are
built: fit every grouping on the original data, run the permutation and bootstrap blocks on the
chosen backend, and assemble the table, the apparent best, Harrell's optimism, selection
frequencies and bootstrap intervals.  :func:`sweep_groups` runs it on plain arrays (any set of
binary groupings of one outcome, e.g. cut-offs of a continuous marker).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2 as chi2_dist
from scipy.stats import norm

from netsurv.errors import ConfigError
from netsurv.sweep.backends import Backend, block_seeds, check_backend, run_tasks
from netsurv.sweep.batch import REASONS, BatchStats, fit_counts
from netsurv.sweep.counts import sort_outcome
from netsurv.sweep.groups import Analysis
from netsurv.sweep.inference import (
    METRICS,
    Optimism,
    optimism,
    percentile_interval,
    permutation_pvalues,
    search_maximum,
    selection_frequency,
    winners,
)
from netsurv.sweep.replicates import Shared, bootstrap_block, permutation_block
from netsurv.sweep.result import SweepResult
from netsurv.sweep.terms import Ties, loglik_rows, terms

#: Table column of each selection metric.
COLUMN = {"logrank": "logrank_chi2", "lr": "lr_chi2", "score": "score_chi2", "c_index": "c_index"}

#: Why ``best["p_search"]`` is NaN (``best["p_search_reason"]``; empty when it is defined).
NO_PERMUTATIONS = "no permutations were run (n_perm=0): the search has no p-value"
NO_WINNER = "the selection metric is undefined for every eligible variant"


def check_min_group(min_group: float) -> float:
    """``min_group`` as a fraction in [0, 0.5), else a :class:`~netsurv.ConfigError`."""
    ok = isinstance(min_group, int | float | np.integer | np.floating) and not isinstance(
        min_group, bool
    )
    if not ok or not 0 <= float(min_group) < 0.5:
        raise ConfigError(
            "sweep: min_group is the smallest group a selected variant may have, as a fraction "
            f"of the analysed units in [0, 0.5) (e.g. 0.1), got {min_group!r}"
        )
    return float(min_group)


def eligible_variants(table: pd.DataFrame, min_group: float) -> np.ndarray:
    """Rows whose smaller group holds at least ``min_group`` of the analysis's units.

    Tiny groups give unstable, heavy-tailed statistics (two early deaths in a group of two
    make a large log-rank chi-square), so a search that may pick them is dominated by
    chance; like ``maxstat``'s ``minprop`` (Lausen & Schumacher 1992), such variants are
    reported but neither selected nor counted in the permutation maximum.
    """
    smaller = np.minimum(table["n_group1"].to_numpy(float), table["n_group0"].to_numpy(float))
    need = min_group * table["n"].to_numpy(float)
    return (smaller >= need) & (smaller > 0)


@dataclass(frozen=True)
class Selection:
    """What :func:`run_selection` returns (the parts of a :class:`SweepResult`)."""

    table: pd.DataFrame
    best: pd.Series
    optimism: Optimism
    null_max: np.ndarray
    boot: dict[str, np.ndarray]


def run_selection(
    analyses: Sequence[Analysis],
    variants: pd.DataFrame,
    *,
    n_units: int,
    cluster: np.ndarray | None = None,
    metric: str,
    ties: Ties,
    n_boot: int,
    n_perm: int,
    seed: int,
    level: float,
    backend: Backend,
    n_jobs: int | None,
    progress: bool,
    min_group: float = 0.1,
    penalty: str = "none",
) -> Selection:
    """Fit, permute, resample and select over analyses × variants.

    Parameters
    ----------
    analyses
        The analyses (one per landmark, or one); each has one grouping per row of
        ``variants``.
    variants
        One row per variant (its name and grid values), repeated for every analysis in the
        table.
    n_units
        Number of units (lines) the analyses' ``units`` index.
    cluster
        Resampling cluster (patient code 0..m-1) of each unit; None: units are resampled.
    metric, ties, n_boot, n_perm, seed, level, backend, n_jobs, progress, min_group, penalty
        As in :func:`netsurv.sweep.sweep`.

    Returns
    -------
    Selection
    """
    if metric not in METRICS:
        raise ConfigError(f"sweep: metric must be one of {list(METRICS)}, got {metric!r}")
    for name, val in (("n_boot", n_boot), ("n_perm", n_perm)):
        if not isinstance(val, int | np.integer) or isinstance(val, bool) or val < 0:
            raise ConfigError(f"sweep: {name} must be a non-negative integer, got {val!r}")
    if not 0 < level < 1:
        raise ConfigError(f"sweep: level must lie in (0, 1), got {level!r}")
    check_backend(backend, n_jobs)
    min_group = check_min_group(min_group)
    analyses = list(analyses)
    originals = [fit_counts(a.counts(), ties=ties, penalty=penalty) for a in analyses]
    table = _table(analyses, originals, variants, level, penalty == "firth")
    v = len(variants)
    eligible = eligible_variants(table, min_group)
    shared = Shared(
        analyses=tuple(analyses),
        n_units=n_units,
        metric=metric,
        ties=ties,
        start=tuple(o.beta[0] for o in originals),
        cluster=cluster,
        eligible=tuple(eligible[j * v : (j + 1) * v] for j in range(len(analyses))),
        penalty=penalty,
    )
    ss_boot, ss_perm = np.random.SeedSequence(seed).spawn(2)

    null_max = np.empty((0, len(analyses)))
    if n_perm:
        res = run_tasks(
            permutation_block,
            shared,
            block_seeds(ss_perm, n_perm),
            backend=backend,
            n_jobs=n_jobs,
            progress=progress,
            description="permutations",
        )
        null_max = np.concatenate(res, axis=0)
    boot: dict[str, np.ndarray] = {}
    if n_boot:
        res = run_tasks(
            bootstrap_block,
            shared,
            block_seeds(ss_boot, n_boot),
            backend=backend,
            n_jobs=n_jobs,
            progress=progress,
            description="bootstrap",
        )
        boot = {k: np.concatenate([r[k] for r in res], axis=0) for k in res[0]}

    table["eligible"] = eligible
    stat = np.where(eligible, table[COLUMN[metric]].to_numpy(float), np.nan)
    p_adj = np.full(len(table), np.nan)
    p_within = np.full(len(table), np.nan)
    if n_perm:
        # one maximum over the whole search (every analysis × variant), see inference.py
        p_adj = permutation_pvalues(stat, search_maximum(null_max))
        for j in range(len(analyses)):
            sl = slice(j * v, (j + 1) * v)
            p_within[sl] = permutation_pvalues(stat[sl], null_max[:, j])
    table["p_adjusted"] = p_adj
    table["p_adjusted_analysis"] = p_within

    best_row = int(winners(stat[None, :])[0])
    opt = _optimism(
        boot, analyses, originals, table, metric, best_row, ties, eligible, penalty == "firth"
    )
    _bootstrap_columns(table, boot, metric, level, eligible)
    best = _best(table, best_row, metric, opt)
    return Selection(table=table, best=best, optimism=opt, null_max=null_max, boot=boot)


def _table(
    analyses: list[Analysis],
    originals: list[BatchStats],
    variants: pd.DataFrame,
    level: float,
    firth: bool = False,
) -> pd.DataFrame:
    z = float(norm.ppf(0.5 + level / 2))
    frames = []
    for a, s in zip(analyses, originals, strict=True):
        beta, se = s.beta[0], s.se[0]
        reasons = [REASONS[i] for i in s.reason[0]]
        if firth:  # the ordinary maximum's situation, and what is shown instead
            reasons = [
                f"{r}; Firth-penalised estimate (Wald CI)" if r and ok else r
                for r, ok in zip(reasons, s.converged[0], strict=True)
            ]
        with np.errstate(over="ignore", invalid="ignore"):
            stats = pd.DataFrame(
                {
                    "analysis": a.label,
                    "landmark_months": a.landmark,
                    "n": a.n,
                    "n_group1": s.n1[0].astype(np.int64),
                    "n_group0": s.n0[0].astype(np.int64),
                    "events_group1": s.events1[0].astype(np.int64),
                    "events_group0": s.events0[0].astype(np.int64),
                    "hr": np.exp(beta),
                    "hr_lower": np.exp(beta - z * se),
                    "hr_upper": np.exp(beta + z * se),
                    "beta": beta,
                    "se": se,
                    "p_wald": 2 * norm.sf(np.abs(beta / se)),
                    "lr_chi2": s.lr[0],
                    "p_lr": chi2_dist.sf(s.lr[0], 1),
                    "logrank_chi2": s.logrank[0],
                    "p_logrank": chi2_dist.sf(s.logrank[0], 1),
                    "score_chi2": s.score[0],
                    "p_score": chi2_dist.sf(s.score[0], 1),
                    "c_index": s.c_index[0],
                    "aic": s.aic[0],
                    "converged": s.converged[0],
                    "reason": reasons,
                }
            )
        name_cols = [c for c in variants.columns if c != "median_pfs_months"]
        frame = pd.concat([variants[name_cols].reset_index(drop=True), stats], axis=1)
        if "median_pfs_months" in variants:
            frame.insert(
                list(frame.columns).index("events_group0") + 1,
                "median_pfs_months",
                variants["median_pfs_months"].to_numpy(),
            )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _optimism(
    boot: dict[str, np.ndarray],
    analyses: list[Analysis],
    originals: list[BatchStats],
    table: pd.DataFrame,
    metric: str,
    best_row: int,
    ties: Ties,
    eligible: np.ndarray,
    firth: bool = False,
) -> Optimism:
    apparent = {
        m: float(table[COLUMN[m]].iloc[best_row]) if best_row >= 0 else np.nan for m in METRICS
    }
    if not boot:
        empty = pd.DataFrame(
            {"apparent": apparent, "optimism": np.nan, "corrected": np.nan, "n_used": 0}
        )
        empty.index.name = "metric"
        return Optimism(table=empty, resamples=pd.DataFrame())
    v = originals[0].beta.shape[1]
    vals = {m: boot[m] for m in METRICS}
    win = winners(np.where(eligible, vals[metric], np.nan))
    b = win.size
    rows = np.arange(b)
    ok = win >= 0
    a_idx = np.where(ok, win // v, 0)
    v_idx = np.where(ok, win % v, 0)
    beta_b = np.where(ok, boot["beta"][rows, np.maximum(win, 0)], np.nan)
    test: dict[str, np.ndarray] = {}
    for m in ("logrank", "score"):
        orig = table[COLUMN[m]].to_numpy(float)
        test[m] = np.where(ok, orig[np.maximum(win, 0)], np.nan)
    # C of the resample's fitted predictor (its sign) on the original data
    c_orig = table["c_index"].to_numpy(float)
    beta_orig = table["beta"].to_numpy(float)
    c_b = c_orig[np.maximum(win, 0)]
    flip = np.sign(beta_b) * np.sign(beta_orig[np.maximum(win, 0)]) < 0
    test["c_index"] = np.where(ok, np.where(flip, 1.0 - c_b, c_b), np.nan)
    # LR of the resample's fitted coefficient on the original data
    lr_test = np.full(b, np.nan)
    for j, (a, s) in enumerate(zip(analyses, originals, strict=True)):
        sel = np.flatnonzero(ok & (a_idx == j))
        if sel.size:
            t = terms(a.counts(), ties=ties, firth=firth)
            ll = loglik_rows(t, v_idx[sel], beta_b[sel])
            lr_test[sel] = 2.0 * (ll - s.loglik0[0, v_idx[sel]])
    test["lr"] = np.where(np.isfinite(lr_test), lr_test, np.nan)
    return optimism(win, vals, test, apparent)


def _bootstrap_columns(
    table: pd.DataFrame,
    boot: dict[str, np.ndarray],
    metric: str,
    level: float,
    eligible: np.ndarray,
) -> None:
    n = len(table)
    if not boot:
        for col in (
            "selection_frequency",
            "hr_boot_lower",
            "hr_boot_upper",
            "c_index_boot_lower",
            "c_index_boot_upper",
            "metric_boot_lower",
            "metric_boot_upper",
        ):
            table[col] = np.nan
        return
    win = winners(np.where(eligible, boot[metric], np.nan))
    table["selection_frequency"] = selection_frequency(win, n)
    with np.errstate(over="ignore"):
        lo, hi = percentile_interval(np.exp(boot["beta"]), level=level)
    table["hr_boot_lower"], table["hr_boot_upper"] = lo, hi
    lo, hi = percentile_interval(boot["c_index"], level=level)
    table["c_index_boot_lower"], table["c_index_boot_upper"] = lo, hi
    lo, hi = percentile_interval(boot[metric], level=level)
    table["metric_boot_lower"], table["metric_boot_upper"] = lo, hi


def _best(table: pd.DataFrame, best_row: int, metric: str, opt: Optimism) -> pd.Series:
    if best_row < 0:
        return pd.Series(
            {
                "metric": metric,
                "value": np.nan,
                "p_search": np.nan,
                "p_search_reason": NO_WINNER,
                "corrected": np.nan,
            }
        )
    row = table.iloc[best_row].copy()
    row["metric"] = metric
    row["value"] = row[COLUMN[metric]]
    # p_adjusted is the maximum over the whole search (every analysis); NaN without permutations
    p = float(row["p_adjusted"])
    row["p_search"] = p
    row["p_search_reason"] = "" if np.isfinite(p) else NO_PERMUTATIONS
    row["corrected"] = opt.table.loc[metric, "corrected"]
    row["row"] = best_row
    return row


def sweep_groups(
    time: np.ndarray,
    event: np.ndarray,
    groups: np.ndarray,
    *,
    names: Sequence[str] | None = None,
    metric: str = "logrank",
    n_boot: int = 200,
    n_perm: int = 1000,
    seed: int = 0,
    ties: Ties = "efron",
    level: float = 0.95,
    backend: Backend = None,
    n_jobs: int | None = None,
    progress: bool = False,
    min_group: float = 0.1,
) -> SweepResult:
    """Select the best of many binary groupings of one outcome, with honest inference.

    The same engine as :func:`netsurv.sweep.sweep`, on arrays: e.g. the cut-offs of a
    continuous marker (a maximally selected log-rank statistic with its permutation p-value).

    Parameters
    ----------
    time, event
        The outcome, one value per unit.
    groups
        (V, n) bool: group 1 membership of each unit under each grouping.
    names
        Names of the groupings (default ``g0``, ``g1``, ...).
    metric, n_boot, n_perm, seed, ties, level, backend, n_jobs, progress, min_group
        As in :func:`netsurv.sweep.sweep`.

    Returns
    -------
    SweepResult
        ``table`` has a ``criterion`` column with the names; ``attrition`` is empty.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> marker = rng.normal(size=200)
    >>> time = rng.exponential(np.exp(-0.5 * marker))
    >>> cuts = np.quantile(marker, [0.25, 0.5, 0.75])
    >>> res = sweep_groups(time, np.ones(200, bool), marker[None, :] > cuts[:, None],
    ...                    names=["q25", "q50", "q75"], n_boot=0, n_perm=200, seed=1)
    >>> res.best["criterion"], bool(res.best["p_search"] < 0.05)
    ('q75', True)
    """
    g = np.asarray(groups)
    if g.ndim != 2 or g.shape[1] != np.asarray(time).size:
        raise ConfigError(
            f"sweep_groups: groups must be (groupings, units) = (V, {np.asarray(time).size}), "
            f"got {g.shape}"
        )
    if names is None:
        names = [f"g{j}" for j in range(g.shape[0])]
    if len(names) != g.shape[0] or len(set(names)) != len(names):
        raise ConfigError("sweep_groups: names must be unique, one per grouping")
    o = sort_outcome(time, event)
    analysis = Analysis(
        kind="groups",
        landmark=float("nan"),
        units=o.order,
        outcome=o,
        groups=np.ascontiguousarray(g.astype(bool)[:, o.order]),
        switch=None,
    )
    sel = run_selection(
        [analysis],
        pd.DataFrame({"criterion": list(names)}),
        n_units=o.n,
        metric=metric,
        ties=ties,
        n_boot=n_boot,
        n_perm=n_perm,
        seed=seed,
        level=level,
        backend=backend,
        n_jobs=n_jobs,
        progress=progress,
        min_group=min_group,
    )
    return SweepResult(
        table=sel.table,
        best=sel.best,
        optimism=sel.optimism,
        null_max=sel.null_max,
        boot=sel.boot,
        attrition=pd.DataFrame(columns=["table", "row_key", "stage", "reason"]),
        settings={
            "metric": metric,
            "n_boot": n_boot,
            "n_perm": n_perm,
            "seed": seed,
            "ties": ties,
            "level": level,
            "min_group": min_group,
        },
    )
