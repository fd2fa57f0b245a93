"""Text and notebook views of the survival models and tests, laid out as R's print methods
(``print.coxph`` / ``summary.coxph``, ``print.survfit``, ``print.survdiff``, ``cox.zph``,
``cmprsk::cuminc``, ``survRM2::rmst2``), rendered by :mod:`netsurv._display`.  The views of the
analyses of a criterion's status (landmark, time-dependent, comparison, continuous marker) are
in :mod:`netsurv.survival._print_analyses`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from netsurv._display import Block, Table, View, pvalue, signif

if TYPE_CHECKING:
    from netsurv.survival._coxresult import CoxResult
    from netsurv.survival.competing import CumulativeIncidenceResult
    from netsurv.survival.finegray import FineGrayResult
    from netsurv.survival.gray import GrayTestResult
    from netsurv.survival.horizon import HorizonResult
    from netsurv.survival.km import KaplanMeierResult
    from netsurv.survival.logrank import LogrankResult
    from netsurv.survival.zph import CoxZphResult

#: R's labels of the global tests (``summary.coxph``), in print order.
TEST_LABELS = {
    "likelihood_ratio": "Likelihood ratio test",
    "wald": "Wald test",
    "score": "Score (logrank) test",
    "robust_score": "Robust score test",
}


def ci_names(level: float) -> tuple[str, str]:
    """R's ``lower .95`` / ``upper .95`` column names."""
    pct = f"{100 * level:.4g}".replace(".", "")
    return f"lower .{pct}", f"upper .{pct}"


def dropped(n: int) -> list[str]:
    return [f"({n} observations deleted due to missingness)"] if n else []


def coefficient_table(coefficients: pd.DataFrame, *, robust: bool, level: float = 0.95) -> Table:
    """The coefficient block of ``print.coxph`` with the hazard-ratio CI of ``summary``."""
    lo, hi = ci_names(level)
    names = {"coef": "coef", "exp_coef": "exp(coef)", "se": "se(coef)"}
    if robust:
        names["robust_se"] = "robust se"
    names |= {"z": "z", "p": "p", "lower": lo, "upper": hi}
    frame = coefficients[list(names)].rename(columns=names)
    frame.index.name = None
    return Table(frame)


def global_tests(
    tests: pd.DataFrame, *, which: tuple[str, ...], penalised: bool = False
) -> list[str]:
    """``Likelihood ratio test= 14.12  on 2 df,   p=0.000857`` lines (``summary.coxph``)."""
    out = []
    statistic = tests["statistic"].astype(float)
    for key in which:
        if key not in tests.index or not np.isfinite(statistic[key]):
            continue
        label = TEST_LABELS[key]
        if penalised and key == "likelihood_ratio":
            label = "Penalised LR test"
        row = tests.loc[key]
        out.append(
            f"{label:<21}= {row['statistic']:.2f}  on {int(row['df'])} df,   "
            f"p={pvalue(float(row['p_value']))}"
        )
    return out


def cox_view(fit: CoxResult) -> View:
    """``n= 228, number of events= 165``, the coefficients, concordance and the three tests."""
    details = [f"ties= {fit.ties}"]
    if fit.formula is not None:
        details.insert(0, f"formula: {fit.formula}")
    if fit.strata:
        details.append(f"strata: {', '.join(fit.strata)}")
    if fit.robust:
        details.append("robust variance")
    if fit.penalty == "firth":
        details.append(f"Firth penalised likelihood ({fit.conf_int} CI and p)")
    blocks: list[Block] = ["; ".join(details), *dropped(fit.n_dropped)]
    blocks.append(coefficient_table(fit.coefficients, robust=fit.robust))
    if np.isfinite(fit.concordance):
        blocks.append(f"Concordance= {fit.concordance:.3f}  (se = {fit.concordance_se:.3f})")
    blocks += global_tests(
        fit.tests,
        which=("likelihood_ratio", "wald", "score", "robust_score"),
        penalised=fit.penalty == "firth",
    )
    if not fit.converged:
        blocks.append("Warning: the estimate diverges (see CoxConvergenceWarning)")
    return View("CoxResult", f"n= {fit.n}, number of events= {fit.events}", blocks)


def km_view(km: KaplanMeierResult) -> View:
    """``print.survfit``: n, events, median and its CI per curve."""
    lo, hi = f"{km.conf_level:g}LCL", f"{km.conf_level:g}UCL"
    m = km.medians.set_index("group")
    frame = m[["n", "events", "median", "lower", "upper"]].rename(
        columns={"lower": lo, "upper": hi}
    )
    frame.index.name = None
    k = len(frame)
    by = km.by if isinstance(km.by, str) or km.by is None else ", ".join(km.by)
    head = f"{k} curve{'s' if k != 1 else ''}" + (f" by {by}" if by else "")
    head += f", n= {signif(m['n'].sum(), 6)}, events= {signif(m['events'].sum(), 6)}"
    notes = [f"{km.conf_level:.0%} CI: {km.conf_type}" + ("; robust variance" if km.robust else "")]
    return View("KaplanMeierResult", head, [*notes, *dropped(km.n_dropped), Table(frame)])


def logrank_view(res: LogrankResult) -> View:
    """``print.survdiff``: N, observed, expected and the chi-square per group."""
    names = {
        "N": "N",
        "observed": "Observed",
        "expected": "Expected",
        "oe2_e": "(O-E)^2/E",
        "oe2_v": "(O-E)^2/V",
    }
    frame = res.table.set_index("group")
    if frame["score"].notna().any():
        names["score"] = "score"
    frame = frame[list(names)].rename(columns=names)
    frame.index.name = None
    chisq = (
        f"Chisq= {signif(res.chi2, 3)}  on {res.df} degrees of freedom, p= {pvalue(res.p_value)}"
    )
    head = f"{res.test}, {len(frame)} groups, n= {signif(frame['N'].sum(), 6)}"
    return View("LogrankResult", head, [*dropped(res.n_dropped), Table(frame, digits=3), chisq])


def zph_view(res: CoxZphResult) -> View:
    """``print.cox.zph``: chi-square, df and p per term and globally."""
    frame = res.table.copy()
    frame.index.name = None
    glob = res.table.loc["GLOBAL"] if "GLOBAL" in res.table.index else None
    head = "test of proportional hazards"
    if glob is not None:
        head += f", global p= {pvalue(float(glob['p']))}"
    return View("CoxZphResult", head, [f"time transform: {res.transform}", Table(frame, digits=3)])


def cif_view(res: CumulativeIncidenceResult) -> View:
    """Per group and cause: n, events and the cumulative incidence at the last time."""
    frame = res.totals.set_index(["group", "label"])[["n", "events", "cif"]].rename(
        columns={"cif": "cif (last time)"}
    )
    frame.index.names = [None, None]
    k = len(res.groups)
    head = f"{k} group{'s' if k != 1 else ''}" + (f" by {res.by}" if res.by else "")
    head += f" × {len(res.causes)} causes (Aalen–Johansen)"
    notes = [
        f"variance: {res.variance}; {res.conf_level:.0%} CI: {res.conf_type}",
        *dropped(res.n_dropped),
    ]
    return View("CumulativeIncidenceResult", head, [*notes, Table(frame)])


def gray_view(res: GrayTestResult) -> View:
    """``cmprsk::cuminc``'s ``Tests``: statistic, p-value and df per cause."""
    frame = res.table.set_index("cause")[["statistic", "p_value", "df"]].rename(
        columns={"statistic": "stat", "p_value": "pv"}
    )
    frame.index = [f"cause {c}" for c in frame.index]
    head = f"Gray's test across {len(res.groups)} groups, rho= {res.rho:g}"
    notes = [f"strata: {', '.join(res.strata)}"] if res.strata else []
    return View("GrayTestResult", head, [*notes, *dropped(res.n_dropped), Table(frame)])


def finegray_view(fit: FineGrayResult) -> View:
    """The subdistribution-hazard coefficients (robust SE) and the valid (robust) tests."""
    head = f"cause {fit.cause}, n= {fit.n}, number of events= {fit.events}"
    blocks: list[Block] = [
        f"Fine–Gray model on {fit.n_rows} expanded rows; ties= {fit.ties}",
        *dropped(fit.n_dropped),
        coefficient_table(fit.coefficients, robust=True),
        *global_tests(fit.tests, which=("wald", "robust_score")),
    ]
    return View("FineGrayResult", head, blocks)


def horizon_view(res: HorizonResult) -> View:
    """``survRM2::rmst2``'s two tables: the estimate per group and the between-group contrasts."""
    lo, hi = ci_names(res.conf_level)
    what = "RMST" if res.measure == "rmst" else "Survival"
    g = res.groups.set_index("group")
    groups = g[["estimate", "se", "lower", "upper"]].rename(
        columns={"estimate": "Est.", "lower": lo, "upper": hi}
    )
    groups.index = [f"{what} ({x})" for x in groups.index]
    c = res.contrasts
    ops = {"difference": "-", "ratio": "/", "rmtl_ratio": "/", "cumhaz_ratio": "/"}
    label = {"rmtl_ratio": "RMTL", "cumhaz_ratio": "Cum. hazard"}
    contrasts = c[["estimate", "lower", "upper", "p_value"]].rename(
        columns={"estimate": "Est.", "lower": lo, "upper": hi, "p_value": "p"}
    )
    contrasts.index = [
        f"{label.get(k, what)} ({a}){ops.get(k, ' vs ')}({b})"
        for a, b, k in zip(c["group"], c["reference"], c["contrast"], strict=True)
    ]
    head = (
        f"restricted mean survival time up to tau= {res.time:g}"
        if res.measure == "rmst"
        else f"survival at the milestone t= {res.time:g}"
    )
    head += f", reference {res.reference}"
    return View(
        "HorizonResult", head, [Table(groups), Table(contrasts, caption="Between-group contrasts")]
    )
