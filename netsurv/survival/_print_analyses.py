"""Text and notebook views of the analyses of a criterion's status as a predictor of an outcome
(landmark, time-dependent Cox, the comparison of criteria and its continuous marker, Oakes'
concordance), rendered by :mod:`netsurv._display` from the building blocks of
:mod:`netsurv.survival._print`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netsurv._display import Block, Table, View, pvalue, signif
from netsurv.survival._print import ci_names, coefficient_table, global_tests

if TYPE_CHECKING:
    from netsurv.survival.compare import CriteriaComparison
    from netsurv.survival.correlation import PairCounts
    from netsurv.survival.landmark import LandmarkResult
    from netsurv.survival.marker import ContinuousMarker
    from netsurv.survival.timedep import TimeDependentResult


def outcome_label(outcome: object, outcome_criterion: object) -> str:
    """``PFS`` or, when the outcome is judged by another criterion, ``PFS (by recist1.1)``."""
    return f"{outcome} (by {outcome_criterion})" if outcome_criterion else str(outcome)


def landmark_view(res: LandmarkResult) -> View:
    """One row per landmark: units, events, the status group, Cox HR and the log-rank p."""
    lo, hi = ci_names(0.95)
    t = res.table.set_index("landmark")
    frame = t[["n", "events", "n_status", "hr", "lower", "upper", "p_value", "logrank_p"]]
    frame = frame.rename(
        columns={
            "n_status": res.status_column + "s",
            "hr": "HR",
            "lower": lo,
            "upper": hi,
            "p_value": "p",
            "logrank_p": "logrank p",
        }
    )
    frame.index = [f"{x:g} mo" for x in frame.index]
    marks = ", ".join(f"{x:g}" for x in t.index)
    head = (
        f"{res.criterion} {res.status} at {marks} months, "
        f"outcome {outcome_label(res.outcome, res.outcome_criterion)}"
    )
    blocks: list[Block] = [
        f"confirmed: {res.confirm}; penalty: {res.penalty}"
        + (f"; follow-up kept {res.horizon_months:g} months" if res.horizon_months else ""),
        Table(frame),
    ]
    blocks += [f"{x:g} mo: {n}" for x, n in zip(t.index, t["note"], strict=True) if n]
    if res.stacked is not None:
        row = res.stacked.coefficients.iloc[0]
        blocks.append(
            f"super-landmark (stratified by landmark, robust): HR= {signif(row['exp_coef'], 3)} "
            f"({signif(row['lower'], 3)}–{signif(row['upper'], 3)}), p= {pvalue(row['p'])}"
        )
    blocks.append(f"{len(res.attrition)} rows set aside (see .attrition)")
    return View("LandmarkResult", head, blocks)


def timedep_view(res: TimeDependentResult) -> View:
    """The Cox model of the time-dependent status and the Mantel–Byar test."""
    fit, mb = res.cox, res.mantel_byar
    head = (
        f"{res.criterion} {res.status} (time-dependent) -> "
        f"{outcome_label(res.outcome, res.outcome_criterion)}, "
        f"n= {len(res.units)}, number of events= {fit.events}"
    )
    blocks: list[Block] = [
        f"confirmed: {res.confirm}; {len(res.data)} (start, stop] rows",
        coefficient_table(fit.coefficients, robust=fit.robust),
        *global_tests(fit.tests, which=("likelihood_ratio", "wald", "score")),
        f"Mantel–Byar: Chisq= {signif(mb.chi2, 3)}  on {mb.df} df, p= {pvalue(mb.p_value)}",
        f"{len(res.attrition)} rows set aside (see .attrition)",
    ]
    return View("TimeDependentResult", head, blocks)


def comparison_view(res: CriteriaComparison) -> View:
    """One row per criterion: units, events, HR and its CI, the ranking metrics."""
    s = res.settings
    lo, hi = ci_names(float(s.get("conf_level", 0.95)))
    cols = {
        "n": "n",
        "events": "events",
        "n_status": "n_status",
        "hr": "HR",
        "lower": lo,
        "upper": hi,
        "p_value": "p",
        "harrell_c": "Harrell C",
        "uno_c": "Uno C",
        "ibs": "IBS",
        "rank": "rank",
    }
    frame = res.table.set_index("criterion")[list(cols)].rename(columns=cols)
    frame.index.name = None
    when = (
        f"landmark {s.get('at_months')} months"
        if s.get("method") == "landmark"
        else str(s.get("method", "")).replace("_", "-")
    )
    outcome = outcome_label(s.get("outcome"), s.get("outcome_criterion"))
    head = f"{len(frame)} criteria as predictors of {outcome} ({when})"
    blocks: list[Block] = [
        f"status: {s.get('status')}; ranked by {s.get('rank_by')}; "
        f"bootstrap replicates: {s.get('n_boot')}",
        Table(frame),
    ]
    notes = res.table.set_index("criterion")["note"]
    blocks += [f"{c}: {n}" for c, n in notes.items() if isinstance(n, str) and n]
    if res.continuous is not None:
        nl = res.continuous.nonlinearity
        blocks.append(
            f"continuous marker {res.continuous.label}: non-linearity p= "
            f"{pvalue(float(nl['p_value']))}; curve and cut-offs: .continuous"
        )
    blocks.append(f"{len(res.attrition)} rows set aside (see .attrition)")
    return View("CriteriaComparison", head, blocks)


def marker_frame(res: ContinuousMarker) -> pd.DataFrame:
    """Per compared criterion: its cut-off on the % change scale and the hazard ratio there
    against the reference change (with the pointwise CI), and the note."""
    c = res.cutoffs
    return pd.DataFrame(
        {
            "criterion": c["criterion"],
            "cutoff_pct": c["cutoff_pct"],
            "hr": np.exp(c["log_hr"].to_numpy(dtype=float)),
            "lower": np.exp(c["lower"].to_numpy(dtype=float)),
            "upper": np.exp(c["upper"].to_numpy(dtype=float)),
            "note": c["note"],
        }
    )


def marker_view(res: ContinuousMarker) -> View:
    """The spline's set, the non-linearity test and the hazard ratio at each cut-off."""
    fit, nl = res.fit, res.nonlinearity
    head = f"{res.label} at the {res.at_months:g}-month landmark"
    lo, hi = ci_names(0.95)
    frame = marker_frame(res).set_index("criterion")
    frame = frame.rename(columns={"cutoff_pct": "cut-off %", "hr": "HR", "lower": lo, "upper": hi})
    frame.index.name = None
    notes = [f"{c}: {n}" for c, n in frame["note"].items() if isinstance(n, str) and n]
    blocks: list[Block] = [
        f"n= {fit.n}, number of events= {fit.events}",
        f"change: {res.change} by the landmark; knots at "
        + ", ".join(signif(k, 3) for k in res.knots)
        + f" %; HR against a change of {signif(res.reference_change, 3)} %",
        f"non-linearity: LR chisq= {signif(float(nl['statistic']), 3)}  on "
        f"{int(nl['df'])} df, p= {pvalue(float(nl['p_value']))}",
    ]
    caption = "Hazard ratio at each criterion's cut-off"
    spline = coefficient_table(fit.coefficients, robust=fit.robust)
    html = [
        *blocks,
        Table(frame, caption=caption),
        Table(spline.frame, caption="The spline's Cox model (.fit)"),
    ]
    blocks += [Table(frame.drop(columns="note"), caption=caption), *notes]
    return View("ContinuousMarker", head, blocks, html_blocks=html)


def pairs_frame(res: PairCounts) -> pd.DataFrame:
    """``concordant``, ``discordant``, ``tau``: one row per set of weights."""
    c = np.atleast_1d(np.asarray(res.concordant, dtype=float))
    d = np.atleast_1d(np.asarray(res.discordant, dtype=float))
    return pd.DataFrame({"concordant": c, "discordant": d, "tau": np.atleast_1d(res.tau)})


def pairs_view(res: PairCounts) -> View:
    """Oakes' concordance: the counts and tau (per replicate when weighted by replicates)."""
    frame = pairs_frame(res)
    if len(frame) == 1:
        r = frame.iloc[0]
        head = (
            f"Oakes' tau= {signif(r['tau'], 4)} (concordant= {signif(r['concordant'], 6)}, "
            f"discordant= {signif(r['discordant'], 6)})"
        )
        return View("PairCounts", head)
    head = f"{len(frame)} replicates, mean tau= {signif(float(np.nanmean(frame['tau'])), 4)}"
    return View("PairCounts", head, [Table(frame, max_rows=5)])
