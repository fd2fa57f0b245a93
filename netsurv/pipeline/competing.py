"""The competing-risks stage of a run (``[competing]``): cumulative incidence per criterion,
Gray's test between groups, Fine–Gray regression — tables and fitted curves, no files."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from netsurv.config import Config
from netsurv.endpoints.competing import competing_events
from netsurv.errors import ConfigError
from netsurv.pipeline.stages import LINE_KEY, Analysed, first_lines, on_lines
from netsurv.survival import CumulativeIncidenceResult, cumulative_incidence, fine_gray, gray_test

#: Columns of the ``fine_gray`` table taken from the fit's coefficients.
_COEF = ["covariate", "coef", "exp_coef", "se", "robust_se", "z", "p", "lower", "upper"]


@dataclass(frozen=True)
class CompetingTables:
    """Competing-risks results of a run.

    Attributes
    ----------
    curves : dict
        Name -> cumulative incidence curves for the figures: one fit by criterion (name: the
        endpoint) without ``competing.by``, else one fit by group per criterion (name:
        ``<endpoint>_<criterion>``).
    cif : pandas.DataFrame
        Cumulative incidence of every cause at ``competing.times_months`` per criterion and
        group, with its standard error and limits (empty where the incidence is 0 on the log
        or log-log scale: no event of the cause yet, as R's ``NA``).
    cif_summary : pandas.DataFrame
        Records, subjects and events of each cause per criterion and group, and the cumulative
        incidence at the group's last time.
    gray : pandas.DataFrame or None
        Gray's test between the ``by`` groups per criterion and cause (None without ``by``);
        a group with no line at risk at an event time is left out of the test and its degrees
        of freedom, with a run note.
    fine_gray : pandas.DataFrame or None
        The Fine–Gray model per criterion (None without covariates); a covariate the model
        cannot estimate (no variation among the lines at risk at the events) has empty
        values, with a run note, as R ``coxph``'s ``NA``.
    """

    curves: dict[str, CumulativeIncidenceResult]
    cif: pd.DataFrame
    cif_summary: pd.DataFrame
    gray: pd.DataFrame | None
    fine_gray: pd.DataFrame | None


def competing_tables(res: Analysed, cfg: Config) -> CompetingTables | None:
    """The ``[competing]`` analyses of the analysed lines (None, with a warning, when no
    criterion has an event to analyse); user mistakes raise :class:`ConfigError` naming the
    ``competing.*`` key."""
    c = cfg.competing
    ep = res.endpoints.table
    if c.lines == "first":
        ep = on_lines(ep, first_lines(res.lines))
    try:
        cr = competing_events(ep, endpoint=c.endpoint, causes=c.causes)
    except ConfigError as exc:
        raise ConfigError(f"[competing] {exc}") from None
    cr = _with_columns(cr, res, cfg)
    labels = dict(enumerate(c.causes, start=1))
    per_criterion = bool(cr["criterion"].notna().any())
    keys: list[str | None] = [*res.classified] if per_criterion else [None]
    cif, summary, gray, fg = [], [], [], []
    curves: dict[str, CumulativeIncidenceResult] = {}
    for crit in keys:
        rows = cr if crit is None else cr[cr["criterion"] == crit]
        if not (rows["status"] > 0).any():
            warnings.warn(f"competing risks: no {c.endpoint} event under {crit}", stacklevel=2)
            continue
        tag = {"criterion": crit if crit is not None else ""}
        fit = cumulative_incidence(
            rows,
            duration_col="months",
            event_col="status",
            by=c.by,
            cause_labels=labels,
            conf_type=c.conf_type,
        )
        if c.by is not None:
            curves[f"{c.endpoint}_{crit}" if crit is not None else c.endpoint] = fit
        at = fit.cif_at(c.times_months).drop(columns="n_risk")
        cif.append(at.assign(cause_label=at["cause"].map(labels), **tag))
        summary.append(fit.totals.assign(**tag))
        with _naming(crit):
            if c.by is not None:
                gray.append(_gray(rows, cfg, crit).assign(**tag))
            if c.covariates:
                fg.append(_fine_gray(rows, cfg, crit))
    if not cif:
        return None
    if c.by is None:
        curves[c.endpoint] = cumulative_incidence(
            cr if per_criterion else cr.assign(criterion=c.endpoint),
            duration_col="months",
            event_col="status",
            by="criterion",
            cause_labels=labels,
            conf_type=c.conf_type,
        )
    gray_t = pd.concat(gray, ignore_index=True) if gray else None
    fg_t = pd.concat([f for f in fg if f is not None], ignore_index=True) if fg else None
    return CompetingTables(
        curves=curves,
        cif=_front(pd.concat(cif, ignore_index=True), c.endpoint),
        cif_summary=_front(pd.concat(summary, ignore_index=True), c.endpoint),
        gray=None if gray_t is None else _front(gray_t, c.endpoint),
        fine_gray=None if fg_t is None or fg_t.empty else _front(fg_t, c.endpoint),
    )


@contextmanager
def _naming(crit: str | None) -> Iterator[None]:
    """Warnings of the statistics (a group left out of Gray's test, a covariate Fine–Gray
    cannot estimate) re-issued with the criterion they arose under."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        text = str(w.message)
        named = crit is None or f"under {crit}" in text  # the stage's own warnings say it
        warnings.warn(text if named else f"under {crit}: {text}", w.category, stacklevel=3)


def _with_columns(cr: pd.DataFrame, res: Analysed, cfg: Config) -> pd.DataFrame:
    """The competing-risks rows with the ``by`` and covariate columns of their line."""
    c = cfg.competing
    wanted = {"competing.by": [c.by] if c.by else [], "competing.covariates": c.covariates}
    used = list(dict.fromkeys(col for cols in wanted.values() for col in cols))
    if not used:
        return cr
    frame = res.baseline
    problems = [
        f"{key}: no patient or line column(s) {missing}"
        for key, cols in wanted.items()
        if (missing := [col for col in cols if col not in frame.columns])
    ]
    if problems:
        raise ConfigError("\n".join(problems) + f"; the columns are {sorted(frame.columns)}")
    return cr.merge(frame[[*LINE_KEY, *used]], on=LINE_KEY, how="left")


def _gray(rows: pd.DataFrame, cfg: Config, crit: str | None) -> pd.DataFrame:
    """Gray's test between the ``by`` groups (an empty frame, with a warning, for one group)."""
    c = cfg.competing
    by = str(c.by)
    if rows[by].nunique(dropna=True) < 2:
        warnings.warn(
            f"competing risks: Gray's test skipped under {crit}: competing.by {by!r} has one "
            "group among the analysed lines",
            stacklevel=3,
        )
        return pd.DataFrame()
    test = gray_test(rows, by=by, duration_col="months", event_col="status", rho=c.rho)
    t = test.table
    return t.assign(cause_label=t["cause"].map(dict(enumerate(c.causes, 1))), by=by, rho=c.rho)


def _fine_gray(rows: pd.DataFrame, cfg: Config, crit: str | None) -> pd.DataFrame | None:
    """The Fine–Gray model of ``competing.cause`` on the covariates (categories as indicator
    columns); None, with a warning, when that cause has no event under the criterion."""
    c = cfg.competing
    code = c.causes.index(c.model_cause) + 1
    if not (rows["status"] == code).any():
        warnings.warn(
            f"competing risks: Fine–Gray skipped under {crit}: no {c.model_cause} event",
            stacklevel=3,
        )
        return None
    x = pd.get_dummies(rows[c.covariates], drop_first=True, dtype=float)
    data = pd.concat([rows[["months", "status"]], x], axis=1)
    try:
        fit = fine_gray(
            data,
            covariates=list(x.columns),
            duration_col="months",
            event_col="status",
            cause=code,
            method=c.method,
        )
    except ConfigError as exc:
        raise ConfigError(f"[competing] {exc}") from None
    coefs = fit.coefficients.reset_index(names="covariate")[_COEF]
    return coefs.assign(
        criterion=crit if crit is not None else "",
        cause=c.model_cause,
        method=fit.method,
        n=fit.n,
        events=fit.events,
    )


def _front(df: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    """``endpoint`` and ``criterion`` as the first columns."""
    out = df.assign(endpoint=endpoint)
    return out[
        ["endpoint", "criterion", *[c for c in out.columns if c not in ("endpoint", "criterion")]]
    ]
