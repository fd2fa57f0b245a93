"""Scoring one predictor of an outcome for :func:`netsurv.survival.compare_criteria`.

:class:`Evaluator` fits the Cox model of a predictor (a criterion's 0/1 status, or the spline
columns of a continuous marker) plus the adjustment covariates on some rows — the analysis
frame or a bootstrap resample of it — and computes every metric of the comparison table.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.survival._coxfit import CoxConvergenceWarning
from netsurv.survival._metrics import censoring_distribution, ibs, td_auc
from netsurv.survival._risksets import RiskSets
from netsurv.survival._uno import uno_pairs, uno_score
from netsurv.survival.anova import lr_test
from netsurv.survival.cox import CoxResult, Penalty, Ties, cox

#: Metrics where a smaller value is better.
LOWER_IS_BETTER = ("aic", "ibs")


@dataclass(frozen=True)
class Evaluator:
    """Fits the Cox model of one predictor on some rows and computes every metric.

    ``predictors`` are the model's columns besides the covariates: ``[status]`` for a
    criterion (its hazard ratio is reported), or a marker's spline columns (``status`` None:
    no single hazard ratio; ``p_value`` is their joint likelihood-ratio test).
    """

    predictors: list[str]
    status: str | None
    labels: tuple[str, str]
    covariates: list[str]
    horizons: np.ndarray
    auc_cols: list[str]
    tau: float
    grid: np.ndarray
    method: str
    ties: Ties
    cluster: bool
    conf_level: float
    penalty: Penalty = "none"

    def __call__(
        self, f: pd.DataFrame, *, record_errors: bool = False, memo: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Every metric on rows ``f``; ``memo`` keeps what depends on the :meth:`rows`
        columns only (counts, the risk sets, the censoring distribution, Uno's pairs) for the
        next evaluator of the same rows (a bootstrap replicate's other criteria)."""
        memo = {} if memo is None else memo
        if "n" not in memo:
            memo["n"] = int(f["_unit"].nunique())
            memo["events"] = int(f["event"].sum())
        out: dict[str, Any] = {
            "n": memo["n"],
            "events": memo["events"],
            "n_status": pd.NA,
            "note": "",
        }
        nan = dict.fromkeys(["hr", "lower", "upper", "p_value", "lr_chi2", "aic"], np.nan)
        out |= nan | {"harrell_c": np.nan, "uno_c": np.nan, "ibs": np.nan}
        out |= dict.fromkeys(self.auc_cols, np.nan)
        if self.status is not None:
            x = f[self.status].to_numpy()
            out["n_status"] = int(f.loc[x == 1, "_unit"].nunique())
        if self.constant(f):
            out["note"] = (
                "the marker is constant"
                if self.status is None
                else f"all units in one group ({self.labels[int(x.max())]})"
            )
            return out
        try:
            fit = self.fit(f, record_errors=record_errors, risk_sets=memo.get("risk_sets"))
        except ConfigError as err:
            out["note"] = f"Cox model not fitted: {err}"
            return out
        memo.setdefault("risk_sets", fit.design.risk_sets)
        if self.status is not None:
            c = fit.coefficients.loc[self.status]
            out |= {"hr": c["exp_coef"], "lower": c["lower"], "upper": c["upper"]}
            out["p_value"] = c["p"]
        elif record_errors:
            out["p_value"] = _joint_p(fit, self.predictors)
        out |= {"lr_chi2": fit.tests.loc["likelihood_ratio", "statistic"], "aic": fit.aic}
        out["harrell_c"] = fit.concordance
        if not fit.converged:
            out["note"] = "Cox estimate diverges (no events in one group); try penalty='firth'"
        if self.method == "landmark":
            cols = [*self.predictors, *self.covariates]
            lp = f[cols].to_numpy(dtype=float) @ fit.coefficients["coef"].to_numpy()
            t, e = f["time"].to_numpy(), f["event"].to_numpy()
            if "censoring" not in memo:
                memo["censoring"] = censoring_distribution(t, e)
            cens = memo["censoring"]
            if "uno" not in memo:
                memo["uno"] = uno_pairs(t, e, tau=self.tau, censoring=cens)
            out["uno_c"] = uno_score(memo["uno"], lp)
            auc = td_auc(t, e, lp, self.horizons, censoring=cens)
            out |= dict(zip(self.auc_cols, auc, strict=True))
            out["ibs"] = ibs(t, e, lp, self.grid, censoring=cens)
        return out

    def constant(self, f: pd.DataFrame) -> bool:
        """Whether the predictor takes one value on ``f`` (then no model, every metric NaN;
        so on every resample of ``f`` too)."""
        if self.status is not None:
            x = f[self.status].to_numpy()
            return bool(x.min() == x.max())
        return bool(f[self.predictors[0]].nunique() < 2)

    def columns(self) -> list[str]:
        """The columns of a frame this evaluator reads (a bootstrap replicate copies only
        these)."""
        cols = ["time", "event", *(["start"] if self.method == "time_dependent" else [])]
        return [*cols, *self.predictors, *self.covariates, "patient_id", "_patient", "_unit"]

    def rows(self) -> list[str]:
        """The columns describing the rows (outcome, identifiers): what a ``memo`` keeps
        depends on these only."""
        return [c for c in self.columns() if c not in (*self.predictors, *self.covariates)]

    def fit(
        self, f: pd.DataFrame, *, record_errors: bool = False, risk_sets: RiskSets | None = None
    ) -> CoxResult:
        """The Cox model on rows ``f`` (warnings kept when ``record_errors``; ``risk_sets``:
        those of the same rows, when already built)."""
        with warnings.catch_warnings():
            if not record_errors:
                warnings.simplefilter("ignore", CoxConvergenceWarning)
            return cox(
                f,
                covariates=[*self.predictors, *self.covariates],
                duration_col="time",
                event_col="event",
                start_col="start" if self.method == "time_dependent" else None,
                ties=self.ties,
                cluster_col="patient_id" if self.cluster else None,
                conf_level=self.conf_level,
                penalty=self.penalty,
                concordance="estimate",  # the comparison reads C, never its standard error
                risk_sets=risk_sets,
                # replicates and spline models use only the estimate: no profile CIs there
                conf_int=(
                    None
                    if self.penalty == "none" or (record_errors and self.status is not None)
                    else "wald"
                ),
            )


def _joint_p(fit: CoxResult, columns: list[str]) -> float:
    """Likelihood-ratio p of all ``columns`` at 0 (the model's own test without covariates)."""
    if len(columns) == fit.coefficients.shape[0]:
        test = fit.tests.loc["likelihood_ratio"]
    else:
        test = lr_test(fit, columns)
    return float(np.asarray(test["p_value"], dtype=float))


def rank_metric(values: pd.Series, *, lower_better: bool) -> pd.Series:
    """Rank 1 = best (ties share the smaller rank; missing values stay missing)."""
    v = -values if not lower_better else values
    return v.rank(method="min", na_option="keep").astype("Int64")
