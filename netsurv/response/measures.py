"""Per-scan measurements of one criterion: followed lesions, aggregates, baseline and nadir.

Nothing here depends on a criterion's cut-offs, so every criterion with the same
:meth:`~netsurv.criteria.Criterion.measurement_key` shares one pass (a grid of threshold
variants measures the lesions once).  Steps, all vectorised:

1. the criterion's scans: per line the baseline scan of one of its modalities (the latest;
   lines without one are set aside) and the follow-up scans of those modalities;
2. the followed lesions, chosen on the baseline scan (``lesion_set``; RECIST selection when the
   data mark no targets);
3. per-lesion values (``measure``; too small to measure, not evaluable, rounding), spread to
   every scan of the line, and aggregated per scan with ``bincount``;
4. the baseline value and the running nadir (``groupby().cummin()`` over evaluable scans,
   shifted so that a scan is compared with earlier scans only);
5. the scans that may not be compared with the baseline (a tracer switch for SUV- and
   volume-based criteria, a modality change with ``modality_change="ne"``;
   :mod:`netsurv.response.comparable`);
6. the new lesions of every scan under the criterion's ``new_lesion_rule``, then its ``sites``
   filter (:meth:`netsurv.response.prepare.Prepared.new_lesions`), and, for a criterion that
   reads single lesions (``progression_scope``), each followed lesion's baseline and nadir
   from the same lesion rows (:mod:`netsurv.response.lesion_growth`); for a criterion with
   ``organ_thresholds``, each named organ's aggregate with its baseline and nadir
   (:mod:`netsurv.response.organ_parts`).

Steps 2 and 3 are in :mod:`netsurv.response.lesions`; the sums of patients measured by a
scan-level ``tumour_burden`` table replace those aggregates there (:mod:`netsurv.response.burden`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.criteria.criterion import Criterion
from netsurv.criteria.fields import MEASURE_NEEDS
from netsurv.response.burden import put_burden
from netsurv.response.codes import NE, NONCR, NONE, PD
from netsurv.response.comparable import not_comparable
from netsurv.response.lesion_growth import LesionSeries, empty_series, followed_series
from netsurv.response.lesion_rows import LesionRows
from netsurv.response.lesions import aggregate, empty_aggregates
from netsurv.response.organ_parts import organ_parts
from netsurv.response.prepare import Prepared, group_starts, nat_last

SCAN_COLUMNS = [
    "patient_id",
    "line_id",
    "assessment_id",
    "date",
    "modality",
    "role",
    "days_from_start",
]
ATTRITION_COLUMNS = ["table", "row_key", "stage", "reason", "criterion"]


@dataclass(frozen=True)
class Measured:
    """Per-scan measurements shared by the criteria of one measurement key.

    Every array has one entry per row of ``scans`` (one row per line × scan, sorted by
    patient, line start, baseline first, then date).
    """

    scans: pd.DataFrame
    lk: np.ndarray
    ak: np.ndarray
    is_base: np.ndarray
    days: np.ndarray
    gstart: np.ndarray
    n_lesions: np.ndarray
    n_measured: np.ndarray
    complete: np.ndarray
    value: np.ndarray
    value_meas: np.ndarray
    baseline: np.ndarray
    nadir: np.ndarray
    n_pos_nonnodal: np.ndarray
    n_big_node: np.ndarray
    density: np.ndarray
    density_base: np.ndarray
    uln: np.ndarray
    has_targets: np.ndarray
    new_any: np.ndarray
    new_count: np.ndarray
    new_sum: np.ndarray
    new_later: np.ndarray
    ntl: np.ndarray
    reader: np.ndarray
    not_comparable: np.ndarray
    growth: LesionSeries
    organs: LesionSeries
    visit_rows: np.ndarray
    visit_first: np.ndarray
    visit_scans: pd.DataFrame
    attrition: pd.DataFrame
    baselines: pd.DataFrame
    lesions: LesionRows


def measure(prep: Prepared, crit: Criterion) -> Measured:
    """Measure every scan of every line for one criterion's measurement key."""
    pos, is_base, att_scans = _scans(prep, crit)
    n = len(pos)
    lk = prep.links["lk"].to_numpy(dtype=np.int64)[pos]
    ak = prep.links["ak"].to_numpy(dtype=np.int64)[pos]
    n_lines = len(prep.line_keys)

    if crit.measure == "reader":
        agg = empty_aggregates(n)
        has_ntl_line = np.zeros(n_lines, dtype=bool)
        n_tracked_line = np.zeros(n_lines, dtype=np.int64)
        burden_reason = np.full(n_lines, "", dtype=object)
        lesion_rows = LesionRows.empty()
    else:
        scans = pd.DataFrame({"ak": ak}, copy=False)  # what aggregate reads of the scans
        agg, n_tracked_line, has_ntl_line, lesion_rows = aggregate(prep, crit, scans, lk, is_base)
        del scans
        burden_reason = put_burden(prep.burden, crit, ak, lk, is_base, agg, n_tracked_line)

    # ---- lines kept: evaluable baseline, or non-target-only disease under RECIST rules
    n_lesions = n_tracked_line[lk]
    base_rows = np.flatnonzero(is_base)
    line_of_base = lk[base_rows]
    keep_line = np.zeros(n_lines, dtype=bool)
    reason = np.full(n_lines, "", dtype=object)
    if crit.measure == "reader":
        keep_line[line_of_base] = True
    else:
        tracked = n_tracked_line[line_of_base] > 0
        complete_b = agg["complete"][base_rows]
        value_b = agg["value_meas"][base_rows]
        positive = value_b > 0
        ntl_only = (
            ~tracked
            & has_ntl_line[line_of_base]
            & (crit.lesion_set == "targets")
            & crit.nontarget_pd
        )
        ok = (tracked & complete_b & positive) | ntl_only | crit.new_lesions_only
        keep_line[line_of_base[ok]] = True
        what = "target lesion" if crit.lesion_set == "targets" else "lesion"
        needs = f" ({MEASURE_NEEDS[crit.measure]})" if crit.measure in MEASURE_NEEDS else ""
        reason[line_of_base[~tracked]] = (
            f"no measurable {what} with {crit.measure}{needs} on the baseline "
            f"{'/'.join(crit.modality)} scan"
        )
        reason[line_of_base[tracked & ~complete_b]] = (
            f"a followed lesion has no {crit.measure}{needs} on the baseline scan"
        )
        reason[line_of_base[tracked & complete_b & ~positive]] = (
            f"baseline {crit.measure} is 0: relative change undefined"
        )
        set_aside = line_of_base[burden_reason[line_of_base] != ""]
        keep_line[set_aside] = False
        reason[set_aside] = burden_reason[set_aside]
    dropped = line_of_base[~keep_line[line_of_base]]
    att_lines = _attrition(prep, dropped, reason[dropped], crit)

    rows = keep_line[lk]
    lesion_rows = lesion_rows.take(rows, np.cumsum(rows) - 1)
    pos, lk, ak, is_base = pos[rows], lk[rows], ak[rows], is_base[rows]
    scans = take_columns(prep.links, pos, SCAN_COLUMNS)
    agg = {k: v[rows] for k, v in agg.items()}
    n_lesions = n_lesions[rows]
    gstart = group_starts(lk)

    complete = agg["complete"]
    value = np.where(complete, agg["value_meas"], np.nan)
    # the "nadir" is the best earlier value: the smallest, or the largest for a measure whose
    # increase is favourable (direction="increase"): a running minimum of sign * value
    sign = 1.0 if crit.direction == "decrease" else -1.0
    evaluable = np.where(complete, sign * value, np.inf)
    running = pd.Series(evaluable).groupby(lk, sort=False).cummin().to_numpy()
    idx = np.arange(len(lk))
    prev = np.concatenate(([np.inf], running[:-1]))
    nadir = np.where(idx > gstart, prev, np.nan)
    nadir[np.isinf(nadir)] = np.nan
    nadir = sign * nadir
    baseline = value[gstart] if len(gstart) else np.empty(0)
    density = agg["density"]
    has_ntl = has_ntl_line[lk]
    ntl = prep.ntl[ak].copy()
    base_ntl = ntl[gstart] if len(gstart) else ntl
    has_ntl = has_ntl | np.isin(base_ntl, (NONCR, PD, NE))
    ntl[ntl == 0] = np.where(has_ntl, NE, NONE)[ntl == 0]

    nw = prep.new_lesions(crit.new_lesion_rule, crit.sites if crit.new_lesions == "sites" else None)
    changed, why = not_comparable(prep, crit, scans, ak, is_base, gstart)
    visit_rows, visit_scans = _first_new_scans(prep, nw.first_new, scans, ak, is_base)
    att_changed = _attrition(prep, lk[why.index.to_numpy(dtype=np.int64)], why.to_numpy(), crit)

    baselines = scans.loc[is_base, ["patient_id", "line_id", "assessment_id", "date"]].rename(
        columns={"assessment_id": "baseline_assessment_id", "date": "baseline_date"}
    )
    baselines = baselines.assign(
        n_lesions=n_lesions[is_base], baseline_value=value[is_base]
    ).reset_index(drop=True)
    return Measured(
        scans=scans,
        lk=lk,
        ak=ak,
        is_base=is_base,
        days=scans["days_from_start"].to_numpy(dtype=np.int64),
        gstart=gstart,
        n_lesions=n_lesions,
        n_measured=agg["n_measured"],
        complete=complete,
        value=value,
        value_meas=agg["value_meas"],
        baseline=baseline,
        nadir=nadir,
        n_pos_nonnodal=agg["n_pos_nonnodal"],
        n_big_node=agg["n_big_node"],
        density=density,
        density_base=agg["density_base"],
        uln=agg["uln"],
        has_targets=n_lesions > 0,
        new_any=nw.any[ak],
        new_count=nw.count[ak],
        new_sum=nw.sum[ak],
        new_later=nw.confirmed_later[ak],
        ntl=ntl,
        reader=prep.reader[ak],
        not_comparable=changed,
        growth=(
            followed_series(lesion_rows, lk, is_base, sign=sign)
            if crit.progression_scope != "sum"
            else empty_series()
        ),
        organs=(
            organ_parts(
                lesion_rows,
                prep.les["site"].to_numpy(dtype=object)[lesion_rows.row],
                crit,
                lk,
                is_base,
                sign=sign,
            )
            if crit.organ_thresholds
            else empty_series()
        ),
        visit_rows=visit_rows,
        visit_first=nw.first_new[ak[visit_rows]],
        visit_scans=visit_scans,
        attrition=pd.concat([att_scans, att_lines, att_changed], ignore_index=True),
        baselines=baselines,
        lesions=lesion_rows,
    )


def new_lesion_dated(m: Measured, crit: Criterion) -> np.ndarray:
    """Positions in ``m.visit_rows`` of the rows whose PD ``crit`` dates at an earlier scan of
    their visit: a new lesion seen first there (FDA 2018; :mod:`netsurv.response.visits`).

    Such a row is PD whatever the cut-offs (new lesions mean PD), so the date is fixed per
    criterion; a recorded read keeps its own date.
    """
    if crit.measure == "reader" or not crit.new_lesion_pd or len(m.visit_rows) == 0:
        return np.empty(0, dtype=np.int64)
    r = m.visit_rows
    return np.flatnonzero(m.new_any[r] & ~m.not_comparable[r])


def put(df: pd.DataFrame, rows: np.ndarray, src: pd.DataFrame, cols: list[str]) -> None:
    """Set ``cols`` of the rows at positions ``rows`` of ``df`` from ``src``, column by column
    (keeping each column's type)."""
    for c in cols:
        df.loc[rows, c] = src[c].to_numpy()


def dated_positions(m: Measured, crit: Criterion) -> np.ndarray:
    """Per row, its position in ``m.visit_rows`` when ``crit`` dates the row's PD at an
    earlier scan of its visit (:func:`new_lesion_dated`), else -1."""
    out = np.full(len(m.lk), -1, dtype=np.int64)
    k = new_lesion_dated(m, crit)
    out[m.visit_rows[k]] = k
    return out


def _first_new_scans(
    prep: Prepared, first_new: np.ndarray, scans: pd.DataFrame, ak: np.ndarray, is_base: np.ndarray
) -> tuple[np.ndarray, pd.DataFrame]:
    """Follow-up rows whose visit shows a new lesion on an earlier scan, and those scans
    (:data:`SCAN_COLUMNS`, ``days_from_start`` on the line's clock)."""
    first = first_new[ak]
    rows = np.flatnonzero((first != ak) & ~is_base)
    info = prep.scan_info.iloc[first[rows]].reset_index(drop=True)
    out = scans.iloc[rows][SCAN_COLUMNS].reset_index(drop=True)
    shift = (out["date"] - info["date"]).dt.days.to_numpy(dtype=np.int64)
    out = out.assign(
        assessment_id=info["assessment_id"].to_numpy(),
        date=info["date"].to_numpy(),
        days_from_start=out["days_from_start"].to_numpy(dtype=np.int64) - shift,
    )
    return rows, out


# --------------------------------------------------------------------------- scans
def take_columns(frame: pd.DataFrame, pos: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """The rows at positions ``pos`` of ``columns`` of ``frame``, taken column by column
    (a fresh ``RangeIndex``; no copy of the other columns, no block consolidation)."""
    return pd.DataFrame({c: frame[c].array.take(pos) for c in columns}, copy=False)


def _scans(prep: Prepared, crit: Criterion) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """The criterion's scans: positions in ``prep.links`` (sorted by line order, baseline
    first, then date, modality rank and assessment), whether each is the baseline, and the
    attrition of the lines without a baseline scan (and of follow-up scans past
    ``follow_up_scans``).

    Per line the baseline is the latest baseline scan of one of the criterion's modalities
    (the earlier-listed modality on the same date, then the later assessment row); integer
    sorts stand for ``sort_values(["lk", "date", "_rank", "ak"], kind="stable")`` with
    ``_rank`` minus the modality's position in ``crit.modality``.
    """
    links = prep.links
    n_lines = len(prep.line_keys)
    mod = links["modality"].to_numpy(dtype=object)
    rank = np.full(len(mod), -1, dtype=np.int64)
    for i, m in enumerate(crit.modality):
        rank[mod == m] = i
    role = links["role"].to_numpy(dtype=object)
    lk_all = links["lk"].to_numpy(dtype=np.int64)
    ak_all = links["ak"].to_numpy(dtype=np.int64)
    when = nat_last(links["date"].to_numpy())
    base = np.flatnonzero((rank >= 0) & (role == "baseline"))
    base = base[np.lexsort((ak_all[base], -rank[base], when[base], lk_all[base]))]
    last = np.ones(len(base), dtype=bool)  # the last row of each line: drop_duplicates(keep="last")
    last[:-1] = lk_all[base][1:] != lk_all[base][:-1]
    base = base[last]
    based = np.zeros(n_lines + 1, dtype=bool)  # slot n_lines: a missing line (-1)
    based[lk_all[base]] = True
    fu = np.flatnonzero((rank >= 0) & (role == "follow_up") & based[lk_all])
    has_base = based[:n_lines]
    no_base = np.flatnonzero(~has_base)
    scan = "measurement" if crit.measure == "marker" else "scan"
    reason = f"no baseline {'/'.join(crit.modality)} {scan} for this line"
    att = [_attrition(prep, no_base, np.full(len(no_base), reason, object), crit)]
    if crit.follow_up_scans is not None and len(fu):
        fu = fu[np.lexsort((ak_all[fu], -rank[fu], when[fu], lk_all[fu]))]
        nth = pd.Series(lk_all[fu]).groupby(lk_all[fu], sort=False).cumcount().to_numpy()
        extra = fu[nth >= crit.follow_up_scans]
        fu = fu[nth < crit.follow_up_scans]
        if len(extra):
            lks, n_extra = np.unique(lk_all[extra], return_counts=True)
            reasons = np.array(
                [
                    f"{k} later follow-up scan(s) not evaluated: the criterion reads the first "
                    f"{crit.follow_up_scans}"
                    for k in n_extra
                ],
                dtype=object,
            )
            att.append(_attrition(prep, lks, reasons, crit))
    pos = np.concatenate([base, fu])
    is_fu = role[pos] != "baseline"
    order = np.lexsort(
        (
            ak_all[pos],
            rank[pos],
            links["date"].to_numpy()[pos].view(np.int64),
            is_fu,
            links["lorder"].to_numpy()[pos],
        )
    )
    pos = pos[order]
    return pos, ~is_fu[order], pd.concat(att, ignore_index=True)


def _attrition(
    prep: Prepared, lks: np.ndarray, reasons: np.ndarray, crit: Criterion
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table": "lines",
            "row_key": prep.line_keys[np.asarray(lks, dtype=np.int64)],
            "stage": "classify",
            "reason": np.asarray(reasons, dtype=object),
            "criterion": crit.name,
        },
        columns=ATTRITION_COLUMNS,
    )
