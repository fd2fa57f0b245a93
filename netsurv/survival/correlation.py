"""PFS–OS correlation per criterion: Kendall's τ with censoring (Oakes' concordance).

Kendall's τ of two censored times cannot use every pair: whether patient i progressed (or
died) before patient j is known only when the earlier of the two times is an observed event.
Oakes (1982, Biometrics 38:451) restricts the count to pairs *orderable* in both endpoints:

* the pair is orderable in X (say PFS) when the smaller X is an event: X_i < X_j with
  δ_i = 1, or X_i = X_j with δ_i = 1 and δ_j = 0 (a censoring at the event time counts as
  later, as in R's survival conventions); two events at the same time are a tie, not orderable;
* it is concordant when the orders in X and Y (OS) agree, discordant when they differ;
* τ = (C − D) / (C + D) over the pairs orderable (and untied) in both endpoints.

Without censoring and ties this is Kendall's τ.  With censoring it is a descriptive estimate
that is unbiased when censoring is independent of both times and the same for all patients;
pairs with early events carry more weight than under full follow-up (Oakes 1982; for an
inverse-probability-weighted alternative see Lakhal, Rivest & Abdous 2008).  The percentile
bootstrap CI resamples patients (``n_boot`` replicates, seeded); a patient drawn twice forms
a tied pair with itself, which is not orderable, so resampling agrees with the pair rule.

The pairs are counted without visiting them (O(n log n)).  Write i ≺ j ("i is known to come
first") when i's time is an event and i's (time, censored) key is below j's.  With ranks r of
the X keys and s of the Y keys, concordant pairs are the pairs with r_i < r_j and s_i < s_j
where i is an event in both endpoints; discordant ones have r_i < r_j, s_j < s_i, i an event in
X and j an event in Y.  Both are weighted dominance counts, computed by merge-sort counting
(:func:`netsurv.survival._concordance.dominance_totals`) over the units sorted by r (ties in r
ordered so that they never count), for the point estimate and all bootstrap replicates at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from netsurv._display import Displayable, View
from netsurv.cohort import Cohort
from netsurv.criteria.combined import AnyCriterion
from netsurv.endpoints.derive import derive_endpoints
from netsurv.endpoints.result import EndpointResult
from netsurv.errors import ConfigError
from netsurv.survival import _print_analyses
from netsurv.survival._concordance import dominance_totals
from netsurv.survival._status import ENDPOINT_REQUIRED, check_lines, criterion_names
from netsurv.sweep.backends import Backend, run_tasks

#: Bootstrap replicates per task on a parallel backend (each task re-sorts the units, so
#: smaller blocks cost more in all).
BOOT_BLOCK = 25

COLUMNS = [
    "criterion",
    "n",
    "n_pairs",
    "concordant",
    "discordant",
    "tau",
    "lower",
    "upper",
    "tau_naive",
]


@dataclass(frozen=True, repr=False)
class PairCounts(Displayable):
    """Weighted counts of concordant and discordant orderable pairs, and Oakes' τ.

    Examples
    --------
    >>> import numpy as np
    >>> import netsurv as ns
    >>> t = np.array([1.0, 2, 3, 4])
    >>> ns.survival.oakes_pairs(t, np.array([1, 1, 0, 1]), t + 1, np.array([1, 1, 1, 1]))
    <PairCounts: Oakes' tau= 1 (concordant= 5, discordant= 0)>
    """

    concordant: np.ndarray
    discordant: np.ndarray

    @property
    def tau(self) -> np.ndarray:
        """(C − D) / (C + D); NaN without orderable pairs."""
        total = self.concordant + self.discordant
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, (self.concordant - self.discordant) / total, np.nan)

    def summary(self) -> pd.DataFrame:
        """``concordant``, ``discordant`` and ``tau``, one row per set of weights."""
        return _print_analyses.pairs_frame(self)

    def _view(self) -> View:
        return _print_analyses.pairs_view(self)


def oakes_pairs(
    x: np.ndarray,
    x_event: np.ndarray,
    y: np.ndarray,
    y_event: np.ndarray,
    *,
    weights: np.ndarray | None = None,
) -> PairCounts:
    """Concordant and discordant pairs orderable in both censored times (Oakes 1982).

    Parameters
    ----------
    x, x_event
        First time (e.g. PFS) and its 0/1 event indicator.
    y, y_event
        Second time (e.g. OS) and its event indicator.
    weights
        Optional non-negative unit weights, one row per unit, or a (replicates × units)
        matrix of bootstrap counts; a pair counts ``w_i · w_j``.

    Returns
    -------
    PairCounts
        Counts (one value, or one per row of ``weights``) and ``tau``.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([1.0, 2, 3, 4])
    >>> pc = oakes_pairs(t, np.array([1, 1, 0, 1]), t + 1, np.array([1, 1, 1, 1]))
    >>> float(pc.concordant), float(pc.discordant), float(pc.tau)
    (5.0, 0.0, 1.0)
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ex = np.asarray(x_event).astype(bool)
    ey = np.asarray(y_event).astype(bool)
    n = x.size
    if not (y.size == ex.size == ey.size == n):
        raise ConfigError("x, x_event, y and y_event must have the same length")
    w = np.ones((1, n)) if weights is None else np.atleast_2d(np.asarray(weights, dtype=float))
    if w.shape[1] != n or (w < 0).any():
        raise ConfigError(f"weights must be non-negative with {n} columns, got shape {w.shape}")
    # concordant: i first in both (an event in both, smaller keys); discordant: i first in
    # X (an event there), j first in Y (an event there)
    conc, disc = dominance_totals(
        _key_rank(x, ex),
        _key_rank(y, ey),
        w,
        [(ex & ey, np.ones(n), "greater"), (ex, ey, "less")],
    )
    if weights is None or np.asarray(weights).ndim == 1:
        return PairCounts(concordant=conc[0], discordant=disc[0])
    return PairCounts(concordant=conc, discordant=disc)


@dataclass(frozen=True)
class _Times:
    """The two censored times of one criterion's units."""

    x: np.ndarray
    ex: np.ndarray
    y: np.ndarray
    ey: np.ndarray


def _boot_taus(_: None, times: _Times, draws: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Oakes' τ of each bootstrap replicate of a block (rows of patient ``draws``; ``codes``:
    each unit's patient)."""
    weights = draws[:, codes].astype(float)  # the float weights the pair sums read, made once
    return oakes_pairs(times.x, times.ex, times.y, times.ey, weights=weights).tau


def _key_rank(t: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Dense ranks of the (time, censored) keys: an event sorts before a censoring at its time."""
    order = np.lexsort((~event, t))
    new = np.ones(t.size, dtype=bool)
    new[1:] = (t[order][1:] != t[order][:-1]) | (event[order][1:] != event[order][:-1])
    rank = np.empty(t.size, dtype=np.int64)
    rank[order] = np.cumsum(new) - 1
    return rank


def pfs_os_correlation(
    data: Cohort | EndpointResult | pd.DataFrame,
    *,
    criteria: AnyCriterion | str | Sequence[AnyCriterion | str] | None = None,
    pfs: str = "PFS",
    os: str = "OS",
    lines: str = "first",
    n_boot: int = 1000,
    seed: int = 0,
    conf_level: float = 0.95,
    backend: Backend = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Kendall's τ between PFS (by each criterion) and OS, with censoring (Oakes' τ).

    Parameters
    ----------
    data
        A :class:`~netsurv.Cohort` (``criteria`` are classified and ``pfs`` / ``os`` derived
        with :func:`netsurv.derive_endpoints`' defaults), or endpoints already derived (an
        :class:`~netsurv.endpoints.EndpointResult` or its ``.table``).
    criteria
        Criteria to report (default with endpoint tables: every criterion with ``pfs`` rows).
    pfs, os
        Endpoint names of the two times (e.g. ``"TTP"`` instead of PFS).
    lines
        ``"first"`` line of each patient (default) or ``"all"`` lines.
    n_boot
        Bootstrap replicates for the percentile CI (0: no CI).
    seed
        Seed of the resampling.
    conf_level
        Level of the CI.
    backend, n_jobs
        Where blocks of bootstrap replicates are counted, as the threshold sweep's
        (:func:`netsurv.sweep.backends.run_tasks`: None in this process, ``"processes"``,
        ``"dask"``, ...).  The resamples are drawn here first, and each replicate's counts are
        sums of integer weights, so every backend (and every cut of the replicates into
        blocks) gives the same numbers.  In this process all replicates of a criterion are
        counted at once; on a backend in blocks of :data:`BOOT_BLOCK`.

    Returns
    -------
    pandas.DataFrame
        One row per criterion: ``criterion``, ``n`` (units with both endpoints), ``n_pairs``
        (pairs orderable and untied in both), ``concordant``, ``discordant``, ``tau`` (Oakes),
        ``lower`` / ``upper`` (bootstrap), ``tau_naive`` (Kendall's τ-b of the observed
        times, ignoring censoring; for contrast only).

    Examples
    --------
    >>> import netsurv as ns
    >>> ns.survival.pfs_os_correlation(ns.load_demo(), criteria=["recist1.1", "choi"],
    ...                                n_boot=0)[["criterion", "n", "n_pairs", "tau"]]
       criterion    n  n_pairs       tau
    0  recist1.1  200    10743  0.259797
    1       choi  200    12211  0.222504
    """
    check_lines(lines)
    if n_boot < 0:
        raise ConfigError(f"n_boot must be >= 0, got {n_boot!r}")
    if not 0 < conf_level < 1:
        raise ConfigError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    if isinstance(data, Cohort):
        if criteria is None:
            raise ConfigError("with a Cohort, give the criteria to derive PFS with")
        table = derive_endpoints(data, criteria, endpoints=[pfs, os]).table
    elif isinstance(data, EndpointResult):
        table = data.table
    elif isinstance(data, pd.DataFrame):
        table = data
    else:
        raise ConfigError(
            f"data must be a Cohort, an EndpointResult or its .table, got {type(data).__name__}"
        )
    missing = [c for c in ENDPOINT_REQUIRED if c not in table.columns]
    if missing:
        raise ConfigError(f"endpoints table lacks column(s) {missing}")
    p_rows = table[table["endpoint"] == pfs]
    o_rows = table[table["endpoint"] == os]
    if p_rows.empty or o_rows.empty:
        raise ConfigError(
            f"endpoints table needs {pfs!r} and {os!r} rows; it has "
            f"{sorted(pd.unique(table['endpoint']))}"
        )
    names = (
        sorted(pd.unique(p_rows["criterion"].dropna()))
        if criteria is None
        else criterion_names(criteria)
    )
    key = ["patient_id", "line_id"]
    o = o_rows[[*key, "months", "event"]].drop_duplicates(key)
    rng = np.random.default_rng(seed)
    alpha = (1 - conf_level) / 2
    rows: list[dict[str, object]] = []
    tasks: list[tuple[int, _Times, np.ndarray, np.ndarray]] = []
    for name in names:
        pc = p_rows[p_rows["criterion"] == name]
        if pc.empty:
            raise ConfigError(f"endpoints table has no {pfs!r} rows for criterion {name!r}")
        both = pc[[*key, "origin_date", "months", "event"]].merge(o, on=key, suffixes=("_x", "_y"))
        if lines == "first":
            both = both.sort_values(["patient_id", "origin_date", "line_id"], kind="stable")
            both = both.drop_duplicates("patient_id")
        times = _Times(
            both["months_x"].to_numpy(float),
            both["event_x"].to_numpy() == 1,
            both["months_y"].to_numpy(float),
            both["event_y"].to_numpy() == 1,
        )
        n = len(both)
        point = oakes_pairs(times.x, times.ex, times.y, times.ey)
        if n_boot and n > 1:
            # resample patients: all lines of a drawn patient come along
            codes, uniq = pd.factorize(both["patient_id"])
            draws = rng.multinomial(len(uniq), np.full(len(uniq), 1 / len(uniq)), size=n_boot)
            draws = draws.astype(np.int32)  # counts <= patients: half the memory until sent
            size = n_boot if backend is None else BOOT_BLOCK
            for lo in range(0, n_boot, size):
                tasks.append((len(rows), times, draws[lo : lo + size], codes))
        naive = kendalltau(times.x, times.y).statistic if n > 1 else np.nan
        rows.append(
            {
                "criterion": name,
                "n": n,
                "n_pairs": round(float(point.concordant + point.discordant)),
                "concordant": float(point.concordant),
                "discordant": float(point.discordant),
                "tau": float(point.tau),
                "lower": np.nan,
                "upper": np.nan,
                "tau_naive": float(naive),
            }
        )
    blocks = run_tasks(_boot_taus, None, [t[1:] for t in tasks], backend=backend, n_jobs=n_jobs)
    for i, row in enumerate(rows):
        boot = np.concatenate([b for t, b in zip(tasks, blocks, strict=True) if t[0] == i] or [[]])
        boot = boot[np.isfinite(boot)]
        if boot.size:
            row["lower"], row["upper"] = (float(q) for q in np.quantile(boot, [alpha, 1 - alpha]))
    return pd.DataFrame(rows, columns=COLUMNS)
