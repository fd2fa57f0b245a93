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
   shifted so that a scan is compared with earlier scans only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.criteria.criterion import DIAMETER_MEASURES, Criterion
from netsurv.response.codes import NE, NONCR, NONE, PD
from netsurv.response.prepare import Prepared, group_starts

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
RECIST_MAX_LESIONS = 5
RECIST_MAX_PER_ORGAN = 2


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
    has_targets: np.ndarray
    new_any: np.ndarray
    new_count: np.ndarray
    new_sum: np.ndarray
    ntl: np.ndarray
    reader: np.ndarray
    attrition: pd.DataFrame
    baselines: pd.DataFrame


def measure(prep: Prepared, crit: Criterion) -> Measured:
    """Measure every scan of every line for one criterion's measurement key."""
    scans, att_scans = _scans(prep, crit)
    n = len(scans)
    lk = scans["lk"].to_numpy(dtype=np.int64)
    ak = scans["ak"].to_numpy(dtype=np.int64)
    is_base = (scans["role"] == "baseline").to_numpy()
    n_lines = len(prep.line_keys)

    if crit.measure == "reader":
        agg = _empty_aggregates(n)
        has_ntl_line = np.zeros(n_lines, dtype=bool)
        n_tracked_line = np.zeros(n_lines, dtype=np.int64)
    else:
        agg, n_tracked_line, has_ntl_line = _aggregate(prep, crit, scans, lk, is_base)

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
        reason[line_of_base[~tracked]] = (
            f"no measurable {what} with {crit.measure} on the baseline "
            f"{'/'.join(crit.modality)} scan"
        )
        reason[line_of_base[tracked & ~complete_b]] = (
            f"a followed lesion has no {crit.measure} on the baseline scan"
        )
        reason[line_of_base[tracked & complete_b & ~positive]] = (
            f"baseline {crit.measure} is 0: relative change undefined"
        )
    dropped = line_of_base[~keep_line[line_of_base]]
    att_lines = _attrition(prep, dropped, reason[dropped], crit)

    rows = keep_line[lk]
    scans = scans[rows].reset_index(drop=True)
    lk, ak, is_base = lk[rows], ak[rows], is_base[rows]
    agg = {k: v[rows] for k, v in agg.items()}
    n_lesions = n_lesions[rows]
    gstart = group_starts(lk)

    complete = agg["complete"]
    value = np.where(complete, agg["value_meas"], np.nan)
    evaluable = np.where(complete, value, np.inf)
    running = pd.Series(evaluable).groupby(lk, sort=False).cummin().to_numpy()
    idx = np.arange(len(lk))
    prev = np.concatenate(([np.inf], running[:-1]))
    nadir = np.where(idx > gstart, prev, np.nan)
    nadir[np.isinf(nadir)] = np.nan
    baseline = value[gstart] if len(gstart) else np.empty(0)
    density = agg["density"]
    has_ntl = has_ntl_line[lk]
    ntl = prep.ntl[ak].copy()
    base_ntl = ntl[gstart] if len(gstart) else ntl
    has_ntl = has_ntl | np.isin(base_ntl, (NONCR, PD, NE))
    ntl[ntl == 0] = np.where(has_ntl, NE, NONE)[ntl == 0]

    baselines = scans.loc[is_base, ["patient_id", "line_id", "assessment_id", "date"]].rename(
        columns={"assessment_id": "baseline_assessment_id", "date": "baseline_date"}
    )
    baselines = baselines.assign(
        n_lesions=n_lesions[is_base], baseline_value=value[is_base]
    ).reset_index(drop=True)
    return Measured(
        scans=scans[SCAN_COLUMNS],
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
        has_targets=n_lesions > 0,
        new_any=prep.new_any[ak],
        new_count=prep.new_count[ak],
        new_sum=prep.new_sum[ak],
        ntl=ntl,
        reader=prep.reader[ak],
        attrition=pd.concat([att_scans, att_lines], ignore_index=True),
        baselines=baselines,
    )


# --------------------------------------------------------------------------- scans
def _scans(prep: Prepared, crit: Criterion) -> tuple[pd.DataFrame, pd.DataFrame]:
    links = prep.links
    links = links[links["modality"].isin(crit.modality)]
    rank = links["modality"].map({m: i for i, m in enumerate(crit.modality)})
    links = links.assign(_rank=-rank.to_numpy(dtype=np.int64))
    base = links[links["role"] == "baseline"].sort_values(
        ["lk", "date", "_rank", "ak"], kind="stable"
    )
    base = base.drop_duplicates("lk", keep="last")
    fu = links[(links["role"] == "follow_up") & links["lk"].isin(base["lk"])]
    att = []
    has_base = np.zeros(len(prep.line_keys), dtype=bool)
    has_base[base["lk"].to_numpy()] = True
    no_base = np.flatnonzero(~has_base)
    att.append(
        _attrition(
            prep,
            no_base,
            np.full(
                len(no_base), f"no baseline {'/'.join(crit.modality)} scan for this line", object
            ),
            crit,
        )
    )
    if crit.follow_up_scans is not None and len(fu):
        fu = fu.sort_values(["lk", "date", "_rank", "ak"], kind="stable")
        nth = fu.groupby("lk", sort=False).cumcount().to_numpy()
        extra = fu[nth >= crit.follow_up_scans]
        fu = fu[nth < crit.follow_up_scans]
        if len(extra):
            n_extra = extra.groupby("lk", sort=True).size()
            lks = n_extra.index.to_numpy()
            reasons = np.array(
                [
                    f"{k} later follow-up scan(s) not evaluated: the criterion reads the first "
                    f"{crit.follow_up_scans}"
                    for k in n_extra.to_numpy()
                ],
                dtype=object,
            )
            att.append(_attrition(prep, lks, reasons, crit))
    scans = pd.concat([base, fu], ignore_index=True)
    is_fu = (scans["role"] != "baseline").to_numpy()
    order = np.lexsort(
        (
            scans["ak"].to_numpy(),
            scans["_rank"].to_numpy() * -1,
            scans["date"].to_numpy().view(np.int64),
            is_fu,
            scans["lorder"].to_numpy(),
        )
    )
    scans = scans.iloc[order].reset_index(drop=True)
    return scans, pd.concat(att, ignore_index=True)


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


# --------------------------------------------------------------------------- lesions
def _empty_aggregates(n: int) -> dict[str, np.ndarray]:
    nan = np.full(n, np.nan)
    zero = np.zeros(n, dtype=np.int64)
    return {
        "n_measured": zero,
        "complete": np.zeros(n, dtype=bool),
        "value_meas": nan,
        "n_pos_nonnodal": zero,
        "n_big_node": zero,
        "density": nan.copy(),
        "density_base": nan.copy(),
    }


def lesion_values(les: pd.DataFrame, crit: Criterion) -> tuple[np.ndarray, np.ndarray]:
    """Per-lesion value of the criterion's measure, and the nodal short axis for CR.

    ``too_small`` without a number takes ``too_small_mm`` (diameter measures), a given number
    is used as is; ``not_evaluable`` is missing whatever the number.
    """
    flag = les["measurement_flag"].to_numpy(dtype=object)
    node = les["node"].to_numpy(dtype=bool)
    small = flag == "too_small"
    not_eval = flag == "not_evaluable"

    def col(name: str, *, diameter: bool) -> np.ndarray:
        x = les[name].to_numpy(dtype=float)
        if diameter and crit.too_small_mm is not None:
            x = np.where(small & np.isnan(x), crit.too_small_mm, x)
        return x

    la = col("long_axis_mm", diameter=True)
    sa = col("short_axis_mm", diameter=True)
    m = crit.measure
    if m == "diameter":
        v = np.where(node, sa, la)
    elif m == "long_axis":
        v = la
    elif m == "viable_diameter":
        v = np.where(node, sa, col("viable_long_axis_mm", diameter=True))
    elif m == "bidimensional":
        v = la * sa
    elif m == "tla":
        v = col("volume_ml", diameter=False) * col("suv_mean", diameter=False)
    else:
        v = col(
            {
                "volume": "volume_ml",
                "density": "density_hu",
                "suv_max": "suv_max",
                "suv_mean": "suv_mean",
                "sul_peak": "sul_peak",
            }[m],
            diameter=False,
        )
    if crit.rounding_mm is not None:
        v = np.round(v / crit.rounding_mm) * crit.rounding_mm
    v = np.where(not_eval, np.nan, v)
    return v, sa


def _aggregate(
    prep: Prepared, crit: Criterion, scans: pd.DataFrame, s_lk: np.ndarray, is_base: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    les = prep.les
    n_s = len(scans)
    n_ass = len(prep.new_any)
    n_lines = len(prep.line_keys)
    s_ak = scans["ak"].to_numpy(dtype=np.int64)
    les_ak = les["ak"].to_numpy(dtype=np.int64)

    in_scan = np.zeros(n_ass, dtype=bool)
    in_scan[s_ak] = True
    li = np.flatnonzero(in_scan[les_ak])
    sub = les.iloc[li]
    v, sa = lesion_values(sub, crit)
    node = sub["node"].to_numpy(dtype=bool)
    lc = sub["lc"].to_numpy(dtype=np.int64)
    role = sub["role_code"].to_numpy()
    site = sub["site"].to_numpy(dtype=object)

    # spread each lesion row to every (line, scan) row of its assessment
    order = np.argsort(s_ak, kind="stable")
    cnt = np.bincount(s_ak, minlength=n_ass)
    off = np.concatenate(([0], np.cumsum(cnt)))
    sub_ak = les_ak[li]
    rep = cnt[sub_ak]
    e_l = np.repeat(np.arange(len(li)), rep)
    within = np.arange(int(rep.sum())) - np.repeat(np.cumsum(rep) - rep, rep)
    e_s = order[np.repeat(off[sub_ak], rep) + within]
    e_lk = s_lk[e_s]

    # followed lesions, chosen on the baseline scan
    b = np.flatnonzero(is_base[e_s] & (role[e_l] != 2))
    cand = pd.DataFrame(
        {
            "lk": e_lk[b],
            "lc": lc[e_l[b]],
            "value": v[e_l[b]],
            "site": site[e_l[b]],
            "node": node[e_l[b]],
            "target": role[e_l[b]] == 0,
            "la": sub["long_axis_mm"].to_numpy(dtype=float)[e_l[b]],
            "sa": sa[e_l[b]],
        }
    )
    tracked = _select(cand, crit)
    n_tracked_line = np.bincount(tracked["lk"].to_numpy(), minlength=n_lines)
    mult = int(lc.max()) + 1 if len(lc) else 1
    tkey = pd.Index(tracked["lk"].to_numpy() * mult + tracked["lc"].to_numpy())
    ckey = cand["lk"].to_numpy() * mult + cand["lc"].to_numpy()
    untracked = tkey.get_indexer(ckey) < 0
    has_ntl_line = np.bincount(cand["lk"].to_numpy()[untracked], minlength=n_lines) > 0

    keep = tkey.get_indexer(e_lk * mult + lc[e_l]) >= 0
    e_s, e_l = e_s[keep], e_l[keep]
    ve = v[e_l]
    meas = ~np.isnan(ve)
    es_m, ve_m, el_m = e_s[meas], ve[meas], e_l[meas]
    n_measured = np.bincount(es_m, minlength=n_s)
    if crit.aggregation == "max":
        agg = np.full(n_s, -np.inf)
        np.maximum.at(agg, es_m, ve_m)
    else:
        agg = np.bincount(es_m, weights=ve_m, minlength=n_s)
        if crit.aggregation == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                agg = agg / n_measured
    value_meas = np.where(n_measured > 0, agg, np.nan)
    n_lesions = n_tracked_line[s_lk]
    complete = (n_lesions > 0) & (n_measured == n_lesions)

    if crit.measure == "bidimensional":
        # a lesion is present when its long axis is > 0; without a long axis (too small to
        # measure, valued at too_small_mm) its substituted value decides
        la_raw = sub["long_axis_mm"].to_numpy(dtype=float)
        pos = np.where(np.isnan(la_raw), v > 0, la_raw > 0)
    else:
        pos = v > 0
    n_pos_nonnodal = np.bincount(es_m, weights=(~node & pos)[el_m], minlength=n_s)
    big = node & ~(sa < crit.node_cr_mm)
    n_big_node = np.bincount(es_m, weights=big[el_m], minlength=n_s)

    density, density_base = _paired_density(
        sub, crit, e_s, e_l, s_lk[e_s] * mult + lc[e_l], is_base, n_s
    )
    out = {
        "n_measured": n_measured.astype(np.int64),
        "complete": complete,
        "value_meas": value_meas,
        "n_pos_nonnodal": n_pos_nonnodal.astype(np.int64),
        "n_big_node": n_big_node.astype(np.int64),
        "density": density,
        "density_base": density_base,
    }
    return out, n_tracked_line, has_ntl_line


def _paired_density(
    sub: pd.DataFrame,
    crit: Criterion,
    e_s: np.ndarray,
    e_l: np.ndarray,
    e_key: np.ndarray,
    is_base: np.ndarray,
    n_s: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean CT density of each scan and of the same lesions on the baseline scan.

    Only followed lesions with a density reading on both the scan and the line's baseline scan
    enter either mean, so a lesion whose reading is missing (too small, not contrast-enhanced,
    gone) cannot masquerade as a density change.  A scan with no such pair has no density.
    """
    nan = np.full(n_s, np.nan)
    if crit.composite == "size":
        return nan, nan.copy()
    d = sub["density_hu"].to_numpy(dtype=float)[e_l]
    on_base = is_base[e_s] & ~np.isnan(d)
    if not on_base.any():
        return nan, nan.copy()
    base_index = pd.Index(e_key[on_base])
    pos = base_index.get_indexer(e_key)
    d_base = np.where(pos >= 0, d[on_base][np.maximum(pos, 0)], np.nan)
    paired = ~np.isnan(d) & ~np.isnan(d_base)
    n = np.bincount(e_s[paired], minlength=n_s)
    now = np.bincount(e_s[paired], weights=d[paired], minlength=n_s)
    then = np.bincount(e_s[paired], weights=d_base[paired], minlength=n_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, now / n, np.nan), np.where(n > 0, then / n, np.nan)


def _select(cand: pd.DataFrame, crit: Criterion) -> pd.DataFrame:
    """The followed lesions of each line (``lk``, ``lc``) from its baseline lesions."""
    if crit.sites is not None:
        cand = cand[cand["site"].isin(crit.sites)]
    if crit.lesion_set == "all":
        return cand.loc[cand["value"].notna(), ["lk", "lc"]]
    if crit.lesion_set == "targets":
        marked = cand[cand["target"]]
        unmarked = cand[~cand["lk"].isin(marked["lk"])]
        chosen = _largest(
            unmarked,
            crit,
            k=crit.max_lesions or RECIST_MAX_LESIONS,
            per_organ=crit.max_per_organ or RECIST_MAX_PER_ORGAN,
            recist=True,
        )
        return pd.concat([marked[["lk", "lc"]], chosen], ignore_index=True)
    return _largest(
        cand[cand["value"].notna()],
        crit,
        k=int(crit.max_lesions or 0),
        per_organ=crit.max_per_organ,
        recist=False,
    )


def _largest(
    cand: pd.DataFrame, crit: Criterion, *, k: int, per_organ: int | None, recist: bool
) -> pd.DataFrame:
    """The ``k`` largest lesions per line, at most ``per_organ`` per organ.

    With ``recist`` (automatic target selection) only measurable lesions qualify: for diameter
    measures non-nodal long axis >= 10 mm and nodal short axis >= 15 mm (RECIST 1.1), else a
    positive value; lesions are ranked by that size.
    """
    if cand.empty:
        return cand[["lk", "lc"]]
    if crit.measure in DIAMETER_MEASURES:
        size = np.where(cand["node"], cand["sa"], cand["la"])
        measurable = np.where(cand["node"], size >= 15.0, size >= 10.0)
    else:
        size = cand["value"].to_numpy(dtype=float)
        measurable = size > 0
    if not recist:
        size = cand["value"].to_numpy(dtype=float)
        measurable = ~np.isnan(size)
    c = cand.assign(_size=size)[measurable & cand["value"].notna().to_numpy()]
    c = c.sort_values(["lk", "_size", "lc"], ascending=[True, False, True], kind="stable")
    if per_organ is not None:
        c = c[c.groupby(["lk", "site"], sort=False).cumcount().to_numpy() < per_organ]
    c = c[c.groupby("lk", sort=False).cumcount().to_numpy() < k]
    return c[["lk", "lc"]]
