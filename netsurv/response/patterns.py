"""Scan-level patterns of lesion and organ response, as columns of the time-point table.

:func:`add_patterns` adds to each time point of :func:`netsurv.classify` what its lesions and
organs show (:mod:`netsurv.response.lesion_response`, :mod:`netsurv.response.organs`), so
that survival analyses, endpoints and sweeps can group by them without knowing where they
came from.  The rules, each in the column's description in :func:`add_patterns`:

* a *progressing lesion* is a followed lesion of class ``progressing`` or a new lesion; a
  recorded ``assessments.new_lesion`` without a lesion row counts as one new lesion in an
  unknown organ;
* a *responding* lesion or organ is of class ``responding`` or ``disappeared``; a
  *progressing* organ is of class ``progressing`` or ``new``;
* spread statistics use the sample SD (``ddof=1``) over the evaluable followed lesions; a CV
  whose mean is 0 is NaN.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.errors import ConfigError
from netsurv.response.classify import (
    CriteriaArg,
    Timepoints,
    classify_passes,
    resolve_criteria,
)
from netsurv.response.codes import PD
from netsurv.response.cutoffs import ge
from netsurv.response.lesion_arrays import (
    BASE_ROW,
    DISAPPEARED,
    NEW_LESION,
    PROGRESSING,
    RESPONDING,
    LesionArrays,
    iter_lesion_arrays,
)
from netsurv.response.organs import organ_arrays
from netsurv.response.passes import Passes
from netsurv.response.prepare import Prepared, prepare

__all__ = ["EVENT_PATTERNS", "PATTERN_COLUMNS", "add_patterns", "pattern_events"]

PATTERN_COLUMNS = [
    "n_progressing_lesions",
    "n_progressing_organs",
    "n_responding_organs",
    "mixed_response",
    "oligoprogression",
    "lesion_pseudoprogression",
    "frac_lesions_responding",
    "sd_lesion_change",
    "cv_lesion_change",
    "cv_baseline_suv_max",
    "krenning_spread",
]

Level = Literal["organ", "lesion"]


def _sample_sd(n: np.ndarray, s: np.ndarray, ss: np.ndarray) -> np.ndarray:
    """Sample SD (ddof=1) from counts, sums and sums of squares (NaN below 2 values)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (ss - s * s / n) / (n - 1)
    return np.where(n >= 2, np.sqrt(np.maximum(var, 0.0)), np.nan)


def scan_patterns(prep: Prepared, a: LesionArrays, *, level: Level) -> dict[str, np.ndarray]:
    """Pattern columns of one criterion, one entry per row of its measurement pass's scans."""
    m, crit = a.m, a.crit
    n = len(m.lk)
    cls = a.lesion_class
    scan = a.scan

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(scan[mask], minlength=n).astype(np.int64)

    prog_mask = (cls == PROGRESSING) | (cls == NEW_LESION)
    resp_mask = (cls == RESPONDING) | (cls == DISAPPEARED)
    evaluable = (cls >= DISAPPEARED) & (cls <= PROGRESSING)
    unlocated = ~m.is_base & m.new_any & (count(cls == NEW_LESION) == 0)
    n_prog = count(prog_mask) + unlocated
    n_resp = count(resp_mask)
    n_eval = count(evaluable)

    # organs holding the progressing lesions (an unlocated new lesion: one more organ)
    cells = np.unique(scan[prog_mask] * 64 + pd.factorize(a.site)[0][prog_mask])
    n_prog_lesion_organs = np.bincount(cells // 64, minlength=n) + unlocated

    o = organ_arrays(a)
    o_prog = (o.organ_class == PROGRESSING) | (o.organ_class == NEW_LESION)
    o_resp = (o.organ_class == RESPONDING) | (o.organ_class == DISAPPEARED)
    n_prog_org = np.bincount(o.scan[o_prog], minlength=n) + unlocated
    n_resp_org = np.bincount(o.scan[o_resp], minlength=n)

    fu = ~m.is_base
    if level == "organ":
        mixed = fu & (n_resp_org >= 1) & (n_prog_org >= 1)
    else:
        mixed = fu & (n_resp >= 1) & (n_prog >= 1)

    k, mx = crit.oligoprogression
    is_pd = a.codes.response == PD
    oligo = (
        is_pd
        & (n_prog >= 1)
        & (n_prog <= k)
        & (n_prog_lesion_organs <= mx)
        & (m.ntl != PD if crit.nontarget_pd else True)
    )

    pseudo = count(_pseudoprogressing(a)) > 0

    ch = 100 * a.change_baseline
    ok = evaluable & np.isfinite(ch)
    nn = count(ok).astype(float)
    s = np.bincount(scan[ok], weights=ch[ok], minlength=n)
    ss = np.bincount(scan[ok], weights=ch[ok] ** 2, minlength=n)
    sd = _sample_sd(nn, s, ss)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / nn
        cv = np.where(mean != 0, sd / np.abs(mean), np.nan)
        frac = np.where(n_eval > 0, n_resp / n_eval, np.nan)

    return {
        "n_progressing_lesions": np.where(fu, n_prog, 0),
        "n_progressing_organs": np.where(fu, n_prog_org, 0),
        "n_responding_organs": np.where(fu, n_resp_org, 0),
        "mixed_response": mixed,
        "oligoprogression": oligo,
        "lesion_pseudoprogression": pseudo,
        "frac_lesions_responding": np.where(fu, frac, np.nan),
        "sd_lesion_change": np.where(fu, sd, np.nan),
        "cv_lesion_change": np.where(fu, cv, np.nan),
        "cv_baseline_suv_max": _baseline_cv(prep, a, "suv_max"),
        "krenning_spread": _spread(prep, a, "krenning_score"),
    }


def _pseudoprogressing(a: LesionArrays) -> np.ndarray:
    """Lesion rows that are progressing and fall back below the progression cut-off (against
    the same nadir) on a later scan of the line: lesion-level pseudoprogression.

    The line is one treatment, so "later on the line" is "without new therapy".
    """
    v = np.where(np.isnan(a.value), np.inf, a.value)
    rev = pd.Series(v[::-1]).groupby(a.group[::-1], sort=False).cummin().to_numpy()[::-1]
    # rev[i] is the min over rows i.. of the group; the later min excludes row i itself
    nxt = np.append(rev[1:], np.inf)
    last = np.append(a.group[1:] != a.group[:-1], True)
    later_min = np.where(last, np.inf, nxt)
    later_min[np.isinf(later_min)] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        back = (later_min - a.nadir) / a.nadir
    fell_back = ~np.isnan(later_min) & ~ge(back, a.progression_cut, a.crit.progression_inclusive)
    return (a.lesion_class == PROGRESSING) & fell_back


def _baseline_cv(prep: Prepared, a: LesionArrays, column: str) -> np.ndarray:
    """Per scan, the CV (SD with ddof=1 / mean) of ``column`` over the followed lesions on its
    line's baseline scan; NaN below 2 values or with a mean of 0."""
    m = a.m
    n = len(m.lk)
    base = a.lesion_class == BASE_ROW
    x = prep.les[column].to_numpy(dtype=float)[a.row]
    ok = base & np.isfinite(x)
    lk = m.lk[a.scan[ok]]
    n_lines = int(m.lk.max()) + 1 if n else 0
    cnt = np.bincount(lk, minlength=n_lines).astype(float)
    s = np.bincount(lk, weights=x[ok], minlength=n_lines)
    ss = np.bincount(lk, weights=x[ok] ** 2, minlength=n_lines)
    sd = _sample_sd(cnt, s, ss)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(s != 0, sd / np.abs(s / cnt), np.nan)
    return cv[m.lk] if n else np.empty(0)


def _spread(prep: Prepared, a: LesionArrays, column: str) -> np.ndarray:
    """Per scan, max - min of ``column`` over the followed lesions read on the scan (NaN
    without the column or without a value)."""
    n = len(a.m.lk)
    if column not in prep.les.columns:
        return np.full(n, np.nan)
    x = prep.les[column].to_numpy(dtype=float)[a.row]
    ok = (a.lesion_class != NEW_LESION) & np.isfinite(x)
    hi = np.full(n, -np.inf)
    lo = np.full(n, np.inf)
    np.maximum.at(hi, a.scan[ok], x[ok])
    np.minimum.at(lo, a.scan[ok], x[ok])
    return np.where(np.isfinite(hi), hi - lo, np.nan)


def add_patterns(
    data: Cohort | Timepoints, criteria: CriteriaArg | None = None, *, level: Level = "organ"
) -> pd.DataFrame:
    """The time-point table with per-scan lesion and organ patterns added.

    Parameters
    ----------
    data
        A validated cohort (classified here, sharing the lesion level's measurement passes:
        the faster way) or the time points of :func:`netsurv.classify` (unchanged: the table
        must be the one ``classify`` returned; its cohort is measured again).
    criteria
        A criterion, a preset name or a sequence of them (default with time points: theirs).
        Combined criteria take the patterns of their anchor component's scans.
    level
        ``"organ"`` (default) or ``"lesion"``: what ``mixed_response`` counts.

    Returns
    -------
    pandas.DataFrame
        The time-point table (:data:`netsurv.response.TIMEPOINT_COLUMNS`) plus
        :data:`PATTERN_COLUMNS`:

        * ``n_progressing_lesions``: followed lesions of class ``progressing`` (lesion change
          vs its nadir at or above the progression cut-off) plus new lesions;
        * ``n_progressing_organs`` / ``n_responding_organs``: organs of class
          ``progressing`` or ``new`` / ``responding`` or ``disappeared``
          (:func:`netsurv.organ_response`, with the criterion's ``organ_thresholds``);
        * ``mixed_response``: at least one organ responding while at least one progresses
          (``level="lesion"``: at least one lesion responding or disappeared while at least
          one progresses or is new);
        * ``oligoprogression``: a PD time point with 1 to ``k`` progressing or new lesions in
          at most ``m`` organs (``Criterion.oligoprogression``, default (3, 2)), no
          unequivocal non-target progression, every other followed lesion not progressing;
        * ``lesion_pseudoprogression``: a followed lesion progressing on this scan falls back
          below the progression cut-off, against the same nadir, on a later scan of the line
          (the same treatment: no new therapy);
        * ``frac_lesions_responding``: share of the evaluable followed lesions responding or
          disappeared; ``sd_lesion_change`` and ``cv_lesion_change``: sample SD (ddof=1) of
          the lesions' % change vs baseline and SD / abs(mean) (NaN at a mean of 0 or below two
          lesions);
        * ``cv_baseline_suv_max``: CV of ``suv_max`` of the followed lesions on the line's
          baseline scan (NaN when the criterion's scans carry no SUVmax);
        * ``krenning_spread``: max - min ``krenning_score`` of the followed lesions on the scan
          (NaN without a lesion-level ``krenning_score`` column).

        Counts and flags are 0 / False and spreads NaN on baseline rows (the baseline CV
        excepted) and for recorded reads.

    Examples
    --------
    >>> import netsurv as ns
    >>> tp = ns.add_patterns(ns.load_demo(), "recist1.1")
    >>> int(tp["oligoprogression"].sum()) > 0, bool(tp["mixed_response"].any())
    (True, True)
    """
    if level not in ("organ", "lesion"):
        raise ConfigError(f"level must be 'organ' or 'lesion', got {level!r}")
    passes = None
    if isinstance(data, Timepoints):
        tp = data
        if criteria is not None:
            raise ConfigError("give criteria with a cohort; time points carry their own")
    else:
        if not isinstance(data, Cohort):
            raise ConfigError(
                f"expected a Cohort or the Timepoints of netsurv.classify, got "
                f"{type(data).__name__}"
            )
        if criteria is None:
            raise ConfigError("give the criterion (or criteria) to read the lesions with")
        crits = resolve_criteria(criteria)
        passes = Passes(prepare(data), crits)
        tp = classify_passes(data, passes, crits)
    table = tp.table.copy()
    out = {col: _blank(col, len(table)) for col in PATTERN_COLUMNS}
    anchors = {
        c.name: (c.anchor_criterion.name if hasattr(c, "anchor_criterion") else None)
        for c in tp.criteria
    }
    for prep, a in iter_lesion_arrays(tp, None, passes=passes):
        anchor = anchors[a.criterion]
        if (anchor is not None and a.crit.name != anchor) or a.crit.measure == "reader":
            continue
        cols = scan_patterns(prep, a, level=level)
        rows = np.flatnonzero((table["criterion"] == a.criterion).to_numpy())
        if anchor is None:
            if len(rows) != len(a.m.lk):
                raise ConfigError(
                    f"time-point table of {a.criterion!r} is not the one classify returned "
                    f"({len(rows)} rows, expected {len(a.m.lk)}); pass the cohort instead"
                )
            pos = np.arange(len(rows))
        else:
            pos = _anchor_positions(table.iloc[rows], a, anchor)
        hit = pos >= 0
        for col, values in cols.items():
            out[col][rows[hit]] = values[pos[hit]]
    return table.assign(**out)


def _blank(col: str, n: int) -> np.ndarray:
    if col.startswith("n_"):
        return np.zeros(n, dtype=np.int64)
    if col in ("mixed_response", "oligoprogression", "lesion_pseudoprogression"):
        return np.zeros(n, dtype=bool)
    return np.full(n, np.nan)


def _anchor_positions(rows: pd.DataFrame, a: LesionArrays, anchor: str) -> np.ndarray:
    """Row of the anchor's scans for each combined time point (-1: none)."""
    col = f"{anchor}.assessment_id"
    if col not in rows.columns:
        return np.full(len(rows), -1, dtype=np.int64)
    scans = a.m.scans
    ref = pd.MultiIndex.from_arrays([scans["patient_id"], scans["line_id"], scans["assessment_id"]])
    want = pd.MultiIndex.from_arrays([rows["patient_id"], rows["line_id"], rows[col]])
    return np.asarray(ref.get_indexer(want), dtype=np.int64)


#: Patterns that can name an event type (boolean columns of :func:`add_patterns`).
EVENT_PATTERNS = ("mixed_response", "oligoprogression", "lesion_pseudoprogression")


def pattern_events(endpoints: pd.DataFrame, patterns: pd.DataFrame, pattern: str) -> pd.DataFrame:
    """Endpoint rows with progression events typed by a scan pattern.

    A progression event whose scan (``source_key`` ``"patient / assessment"``) shows
    ``pattern`` in ``patterns`` gets ``event_cause = pattern`` (e.g. ``"oligoprogression"``);
    other events keep theirs.  Every row gets a boolean column named ``pattern`` (True when
    the event scan shows it), to group analyses by.  With
    :func:`netsurv.endpoints.competing_events` (``causes=("oligoprogression",
    "progression", "death")``) this gives, e.g., the cumulative incidence of
    oligoprogression with other progression and death competing.

    Parameters
    ----------
    endpoints
        An endpoints table (:func:`netsurv.derive_endpoints` ``.table``).
    patterns
        The table of :func:`add_patterns` for the same criteria.
    pattern
        One of :data:`EVENT_PATTERNS`.

    Returns
    -------
    pandas.DataFrame
        ``endpoints`` with ``event_cause`` refined and the ``pattern`` column added.

    Examples
    --------
    >>> import netsurv as ns
    >>> cohort = ns.load_demo()
    >>> ep = ns.derive_endpoints(cohort, "recist1.1", endpoints=["PFS"]).table
    >>> typed = pattern_events(ep, ns.add_patterns(cohort, "recist1.1"), "oligoprogression")
    >>> sorted(typed["event_cause"].dropna().unique())
    ['death', 'oligoprogression', 'progression']
    """
    if pattern not in EVENT_PATTERNS:
        raise ConfigError(f"pattern must be one of {list(EVENT_PATTERNS)}, got {pattern!r}")
    need = {"patient_id", "line_id", "criterion", "event_cause", "source_key"}
    missing = sorted(need - set(endpoints.columns))
    if missing:
        raise ConfigError(f"endpoints table lacks column(s) {missing}; use derive_endpoints")
    if pattern not in patterns.columns:
        raise ConfigError(f"patterns table lacks column {pattern!r}; make it with add_patterns")
    shown = patterns[patterns[pattern].astype(bool)]
    keys = pd.MultiIndex.from_arrays(
        [
            shown["patient_id"],
            shown["line_id"],
            shown["criterion"],
            shown["patient_id"].astype(str) + " / " + shown["assessment_id"].astype(str),
        ]
    )
    want = pd.MultiIndex.from_arrays(
        [
            endpoints["patient_id"],
            endpoints["line_id"],
            endpoints["criterion"],
            endpoints["source_key"].astype(str),
        ]
    )
    hit = want.isin(keys) & (endpoints["event_cause"] == "progression").to_numpy()
    cause = endpoints["event_cause"].mask(hit, pattern)
    return endpoints.assign(event_cause=cause, **{pattern: hit})
