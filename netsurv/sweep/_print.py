"""Text and notebook views of sweep results: the honest selection first, then the variants
(rendered by :mod:`netsurv._display`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netsurv._display import Block, Table, View, pvalue, signif

if TYPE_CHECKING:
    from netsurv.sweep.batch import BatchStats
    from netsurv.sweep.inference import Optimism
    from netsurv.sweep.result import SweepResult
    from netsurv.sweep.study import StudyResult

#: Columns of ``SweepResult.summary()`` before the grid axes' values are inserted.
SWEEP_COLUMNS = [
    "criterion",
    "analysis",
    "n",
    "n_group1",
    "events_group1",
    "events_group0",
    "hr",
    "hr_lower",
    "hr_upper",
    "p_wald",
    "metric_value",
    "p_adjusted",
    "selection_frequency",
    "c_index",
]
#: Columns of ``BatchStats.summary()``.
BATCH_COLUMNS = [
    "replicate",
    "variant",
    "beta",
    "se",
    "lr",
    "score",
    "logrank",
    "c_index",
    "n1",
    "n0",
    "events1",
    "events0",
    "converged",
    "reason",
]


def sweep_summary(res: SweepResult) -> pd.DataFrame:
    """One row per analysis × variant: the grid values, groups, HR, the metric and honest p."""
    from netsurv.sweep.select import COLUMN

    t = res.table
    metric = str(res.settings.get("metric", res.best.get("metric", "logrank")))
    out = (
        t.assign(metric_value=t[COLUMN[metric]])
        if metric in COLUMN
        else t.assign(metric_value=np.nan)
    )
    axes = [c for c in t.columns if c not in set(SWEEP_COLUMNS) | set(_NOT_AXES)]
    cols = [SWEEP_COLUMNS[0], *axes, *SWEEP_COLUMNS[1:]]
    return out.reindex(columns=cols).reset_index(drop=True)


#: Columns of ``SweepResult.table`` that are not grid axes.
_NOT_AXES = (
    "landmark_months",
    "n_group0",
    "median_pfs_months",
    "beta",
    "se",
    "lr_chi2",
    "p_lr",
    "logrank_chi2",
    "p_logrank",
    "score_chi2",
    "p_score",
    "aic",
    "converged",
    "reason",
    "eligible",
    "p_adjusted_analysis",
    "hr_boot_lower",
    "hr_boot_upper",
    "c_index_boot_lower",
    "c_index_boot_upper",
    "metric_boot_lower",
    "metric_boot_upper",
)


def sweep_view(res: SweepResult) -> View:
    """The selected variant with its search p-value and corrected metric, then the variants."""
    s, b = res.settings, res.best
    metric = str(b.get("metric", s.get("metric", "")))
    n_var = res.table["criterion"].nunique()
    n_an = res.table["analysis"].nunique()
    head = (
        f"{n_var} variants × {n_an} analys{'es' if n_an != 1 else 'is'} of "
        f"{s.get('outcome', 'the outcome')}, metric {metric}"
    )
    best = [
        f"best: {b.get('criterion')} ({b.get('analysis')}): {metric}= "
        f"{signif(float(b.get('value', np.nan)), 4)}",
        f"p_search= {pvalue(float(b.get('p_search', np.nan)))} ({s.get('n_perm', 0)} "
        f"permutations), optimism-corrected {metric}= "
        f"{signif(float(b.get('corrected', np.nan)), 4)} ({s.get('n_boot', 0)} bootstrap "
        "resamples)",
    ]
    frame = sweep_summary(res)
    axes = list(frame.columns[1 : list(frame.columns).index("analysis")])
    # a variant is shown by its grid values (its name repeats the base criterion's)
    cols = [*(axes or ["criterion"]), "analysis", "n", "n_group1", "hr", "hr_lower", "hr_upper"]
    if n_an == 1:  # the analysis is in the headline
        head += f" ({frame['analysis'].iloc[0]})"
        cols.remove("analysis")
    shown = frame[[*cols, "metric_value", "p_adjusted", "selection_frequency"]]
    shown = shown.rename(
        columns={
            "n_group1": "group 1",
            "hr": "HR",
            "hr_lower": "lower",
            "hr_upper": "upper",
            "metric_value": metric,
            "selection_frequency": "selected",
        }
    )
    blocks: list[Block] = [*best]
    if isinstance(b.get("p_search_reason"), str) and b.get("p_search_reason"):
        blocks.append(str(b["p_search_reason"]))
    blocks += [Table(shown, index=False), f"{len(res.attrition)} rows set aside (see .attrition)"]
    return View("SweepResult", head, blocks)


def study_view(res: StudyResult) -> View:
    """Per scenario: cohorts, recovery and rejection rates, mean optimism."""
    frame = res.scenarios.set_index("scenario")
    frame.index.name = None
    s = res.settings
    head = (
        f"{len(frame)} scenario{'s' if len(frame) != 1 else ''} × "
        f"{len(s.get('seeds', [])) or res.runs['seed'].nunique()} cohorts"
    )
    truth = "; ".join(f"{k}: {v}" for k, v in res.truth.items())
    return View("StudyResult", head, [f"true best: {truth}", Table(frame)])


def optimism_view(res: Optimism) -> View:
    """Apparent, optimism and corrected value per metric."""
    frame = res.table.copy()
    frame.index.name = None
    head = f"Harrell's optimism over {len(res.resamples)} bootstrap resamples"
    return View("Optimism", head, [Table(frame)])


def batch_summary(res: BatchStats) -> pd.DataFrame:
    """One row per replicate × variant (replicate-major)."""
    from netsurv.sweep.batch import REASONS

    r, v = res.beta.shape
    data = {
        "replicate": np.repeat(np.arange(r), v),
        "variant": np.tile(np.arange(v), r),
    }
    for col in BATCH_COLUMNS[2:-1]:
        data[col] = np.asarray(getattr(res, col)).reshape(-1)
    data["reason"] = np.asarray(REASONS, dtype=object)[np.asarray(res.reason).reshape(-1)]
    return pd.DataFrame(data)[BATCH_COLUMNS]


def batch_view(res: BatchStats) -> View:
    """How many fits converged, and the first replicate's statistics."""
    r, v = res.beta.shape
    head = (
        f"{r} replicate{'s' if r != 1 else ''} × {v} groupings, "
        f"{int(np.sum(res.converged))} of {r * v} Cox fits converged"
    )
    first = batch_summary(res)
    first = first[first["replicate"] == 0]
    cols = ["variant", "beta", "se", "lr", "logrank", "c_index", "n1", "n0", "events1", "events0"]
    table = Table(first[[*cols, "reason"]], caption="replicate 0", index=False, max_rows=8)
    return View("BatchStats", head, [table])
