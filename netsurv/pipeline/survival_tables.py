"""The Kaplan–Meier and Cox stages of a run: fits and tables from the analysed lines.

Nothing here writes files; :mod:`netsurv.pipeline.stage_runner` runs these stages with the
others and hands their tables to the writer.
"""

from __future__ import annotations

import pandas as pd

import netsurv as ns
from netsurv.config import Config
from netsurv.errors import ConfigError
from netsurv.pipeline.stages import LINE_KEY, Analysed, first_lines, on_lines
from netsurv.plots.km import km_times
from netsurv.survival.formula import formula_variables


def km_tables(
    res: Analysed, cfg: Config
) -> tuple[dict[tuple[str, str], ns.survival.KaplanMeierResult], pd.DataFrame, pd.DataFrame]:
    """Kaplan–Meier per endpoint and criterion: fits, medians and at-risk tables."""
    ep = res.endpoints.table
    if cfg.km.lines == "first":
        ep = on_lines(ep, first_lines(res.lines))
    fits: dict[tuple[str, str], ns.survival.KaplanMeierResult] = {}
    medians, risk = [], []
    times = cfg.km.risk_times_months
    for endpoint in cfg.km.endpoints:
        rows = ep[ep["endpoint"] == endpoint]
        if rows.empty:
            raise ConfigError(f"km.endpoints: {endpoint!r} is not among endpoints.names")
        per_criterion = rows["criterion"].notna().any()
        df = rows.assign(group=rows["criterion"] if per_criterion else endpoint)
        fit = ns.survival.kaplan_meier(
            df, duration_col="months", event_col="event", by="group", conf_type=cfg.km.conf_type
        )
        fits[(endpoint, "criterion" if per_criterion else "all")] = fit
        medians.append(fit.medians.assign(endpoint=endpoint))
        # the columns of the figure's at-risk table (the times, continued to the curves' end)
        risk.append(fit.risk_table(km_times(fit, times)).assign(endpoint=endpoint))
    med = pd.concat(medians, ignore_index=True)
    return fits, _first(med, "endpoint"), _first(pd.concat(risk, ignore_index=True), "endpoint")


def _first(df: pd.DataFrame, col: str) -> pd.DataFrame:
    return df[[col, *[c for c in df.columns if c != col]]]


def cox_table(res: Analysed, cfg: Config) -> pd.DataFrame:
    """Cox model of ``cox.outcome`` on baseline covariates: ``cox.covariates`` (categories as
    indicator columns) or ``cox.formula``; Firth-penalised with ``cox.penalty = "firth"``.
    Lines missing a covariate are left out (``n_missing_covariates`` counts them)."""
    c = cfg.cox
    ep = res.endpoints.table
    rows = ep[ep["endpoint"] == c.outcome]
    if rows.empty:
        raise ConfigError(f"cox.outcome {c.outcome!r} is not among endpoints.names")
    if rows["criterion"].notna().any():
        rows = rows[rows["criterion"] == res.reference]
    frame = res.baseline
    if c.formula is not None:
        try:
            used = formula_variables(c.formula, frame.columns)
        except ConfigError as exc:
            raise ConfigError(f"cox.formula: {exc}") from None
    else:
        used = list(c.covariates)
    missing = [col for col in (*used, *c.strata) if col not in frame.columns]
    if missing:
        raise ConfigError(
            f"cox: no patient or line column(s) {missing}; have {sorted(frame.columns)}"
        )
    df = rows.merge(frame[[*LINE_KEY, *used, *c.strata]], on=LINE_KEY)
    # a line without a covariate (e.g. no baseline dual-tracer grade) is left out and counted,
    # never coded as the reference category
    complete = df[[*used, *c.strata]].notna().all(axis=1)
    n_missing = int((~complete).sum())
    df = df[complete].reset_index(drop=True)
    try:
        if c.formula is not None:
            fit = ns.survival.cox(
                df,
                formula=c.formula,
                duration_col="months",
                event_col="event",
                strata=c.strata or None,
                ties=c.ties,
                penalty=c.penalty,
            )
        else:
            x = pd.get_dummies(df[c.covariates], drop_first=True, dtype=float)
            data = pd.concat([df[["months", "event", *c.strata]], x], axis=1)
            fit = ns.survival.cox(
                data,
                covariates=list(x.columns),
                duration_col="months",
                event_col="event",
                strata=c.strata or None,
                ties=c.ties,
                penalty=c.penalty,
            )
    except ConfigError as exc:
        raise ConfigError(f"[cox] {exc}") from None
    coefs = fit.coefficients.reset_index(names="covariate")
    return coefs.assign(
        outcome=c.outcome,
        n=fit.n,
        n_missing_covariates=n_missing,
        events=fit.events,
        concordance=fit.concordance,
        penalty=c.penalty,
        conf_int=fit.conf_int,
    )
