"""The followed lesions of a criterion and their per-scan aggregates.

Steps 2 and 3 of a measurement pass (:mod:`netsurv.response.measures`): the followed lesions,
chosen on the baseline scan (``lesion_set``; RECIST selection when the data mark no targets);
per-lesion values (``measure``; too small to measure, not evaluable, rounding), spread to every
scan of the line and aggregated per scan with ``bincount``; the paired CT density of composite
(Choi) criteria.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.criteria.criterion import DIAMETER_MEASURES, Criterion
from netsurv.criteria.fields import PAIRED_MEASURES
from netsurv.measures.pairing import nearest_reading
from netsurv.response.fragments import merge_fragments
from netsurv.response.lesion_rows import FOLLOWED, NEW, UNUSED, LesionRows, aggregate_values
from netsurv.response.new_lesions import NOT_COUNTED
from netsurv.response.prepare import Prepared

RECIST_MAX_LESIONS = 5
RECIST_MAX_PER_ORGAN = 2


#: The lesion column a single-column measure reads.
SINGLE_COLUMN_MEASURES = {
    "volume": "volume_ml",
    "density": "density_hu",
    "suv_max": "suv_max",
    "suv_mean": "suv_mean",
    "sul_peak": "sul_peak",
    "adc": "adc",
}

#: The prepared lesion columns every measurement pass reads (:func:`aggregate`,
#: :func:`lesion_values`, :func:`~netsurv.response.fragments.merge_fragments`), and those each
#: other measure adds (:func:`lesion_values`, :func:`with_scan_values`).
PASS_COLUMNS = (
    "ak", "lc", "rlc", "node", "role_code", "site", "measurement_flag",
    "long_axis_mm", "short_axis_mm", "density_hu",
)  # fmt: skip
MEASURE_COLUMNS = {
    "viable_diameter": ("viable_long_axis_mm",),
    "tla": ("volume_ml", "suv_mean"),
    "marker": ("marker_value", "marker_uln"),
    "liver_fraction": ("volume_ml",),
    "zp": ("suv_mean", "patient_id", "lesion_id", "assessment_id"),
    "zp_norm": ("suv_mean", "patient_id", "lesion_id", "assessment_id"),
} | {m: (c,) for m, c in SINGLE_COLUMN_MEASURES.items()}


def _pass_rows(les: pd.DataFrame, rows: np.ndarray, crit: Criterion) -> pd.DataFrame:
    """The lesion rows ``rows`` of the prepared lesions table with only the columns a pass of
    ``crit`` reads (:data:`PASS_COLUMNS`, :data:`MEASURE_COLUMNS`): a copy of all of them
    would be the largest transient of the pass (6.2 M rows at 100,000 patients)."""
    wanted = {*PASS_COLUMNS, *MEASURE_COLUMNS.get(crit.measure, ())}
    return les.iloc[rows, [i for i, c in enumerate(les.columns) if c in wanted]]


def empty_aggregates(n: int) -> dict[str, np.ndarray]:
    """Aggregates of ``n`` scans without lesion values (a recorded read)."""
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
        "uln": nan.copy(),
    }


def lesion_column(les: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric lesion column as floats (all NaN when absent: the marker columns of a
    cohort without markers)."""
    if name not in les:
        return np.full(len(les), np.nan)
    return les[name].to_numpy(dtype=float)


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
        x = lesion_column(les, name)
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
    elif m == "marker":
        v = col("marker_value", diameter=False)
        if crit.progression_min_uln is not None:  # the ULN floor cannot be checked without it
            v = np.where(np.isnan(col("marker_uln", diameter=False)), np.nan, v)
    elif m == "liver_fraction":
        with np.errstate(invalid="ignore", divide="ignore"):
            v = col("volume_ml", diameter=False) / les["_liver_volume_ml"].to_numpy(dtype=float)
        v = np.where(np.isfinite(v), v, np.nan)
    elif m in ("zp", "zp_norm"):
        v = les["_paired_density_hu"].to_numpy(dtype=float) * col("suv_mean", diameter=False)
        if m == "zp_norm":
            with np.errstate(invalid="ignore", divide="ignore"):
                v = v / les["_liver_suv_mean"].to_numpy(dtype=float)
            v = np.where(np.isfinite(v), v, np.nan)
    else:
        v = col(SINGLE_COLUMN_MEASURES[m], diameter=False)
    if crit.rounding_mm is not None:
        v = np.round(v / crit.rounding_mm) * crit.rounding_mm
    v = np.where(not_eval, np.nan, v)
    return v, sa


def with_scan_values(prep: Prepared, sub: pd.DataFrame, crit: Criterion) -> pd.DataFrame:
    """``sub`` with the scan-level or paired values its measure needs: the scan's liver volume
    (``liver_fraction``), the paired CT density of the same lesion (``zp``; the nearest CT
    within ``pair_window_days``, :mod:`netsurv.measures.pairing`) and the scan's normal-liver
    SUVmean (``zp_norm``)."""
    ak = sub["ak"].to_numpy(dtype=np.int64)
    info = prep.scan_info
    if crit.measure == "liver_fraction":
        return sub.assign(_liver_volume_ml=info["liver_volume_ml"].to_numpy(dtype=float)[ak])
    if crit.measure not in PAIRED_MEASURES:
        return sub
    les = prep.les
    day = info["day"].to_numpy(dtype=np.int64)
    ct = les[(info["modality"].to_numpy(dtype=object)[les["ak"].to_numpy()] == "CT")]
    left = pd.DataFrame(
        {
            "patient_id": sub["patient_id"].to_numpy(),
            "lesion_id": sub["lesion_id"].to_numpy(),
            "assessment_id": sub["assessment_id"].to_numpy(),
            "day": day[ak],
        }
    )
    right = pd.DataFrame(
        {
            "patient_id": ct["patient_id"].to_numpy(),
            "lesion_id": ct["lesion_id"].to_numpy(),
            "assessment_id": ct["assessment_id"].to_numpy(),
            "day": day[ct["ak"].to_numpy(dtype=np.int64)],
            "density_hu": ct["density_hu"].where(ct["measurement_flag"].ne("not_evaluable")),
        }
    )
    paired = nearest_reading(left, right, value="density_hu", window_days=crit.pair_window_days)
    return sub.assign(
        _paired_density_hu=paired["density_hu"].to_numpy(dtype=float),
        _liver_suv_mean=info["liver_suv_mean"].to_numpy(dtype=float)[ak],
    )


def aggregate(
    prep: Prepared, crit: Criterion, scans: pd.DataFrame, s_lk: np.ndarray, is_base: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, LesionRows]:
    """Per-scan aggregates of the followed lesions, the number of followed lesions per line,
    whether a line has baseline lesions that are not followed (non-target disease), and the
    lesion rows read (followed lesions, the new lesions the criterion counts on follow-up
    scans, the rest): the one per-lesion table of the pass, which the lesion level
    (:mod:`netsurv.response.lesion_arrays`) and the one-lesion progression rule
    (:mod:`netsurv.response.lesion_growth`) both read."""
    les = prep.les
    n_s = len(scans)
    n_ass = len(prep.new_any)
    n_lines = len(prep.line_keys)
    s_ak = scans["ak"].to_numpy(dtype=np.int64)
    les_ak = les["ak"].to_numpy(dtype=np.int64)

    in_scan = np.zeros(n_ass, dtype=bool)
    in_scan[s_ak] = True
    li = np.flatnonzero(in_scan[les_ak])
    raw = with_scan_values(prep, _pass_rows(les, li, crit), crit)
    v, sa = lesion_values(raw, crit)
    sub, src, v, sa, la_raw, dens = merge_fragments(raw, v, sa, crit)
    if not np.array_equal(src, np.arange(len(src))):  # fragments merged: rows re-made
        li = li[src]
    node = sub["node"].to_numpy(dtype=bool)
    lc = sub["lc"].to_numpy(dtype=np.int64)
    role = sub["role_code"].to_numpy()
    site = sub["site"]  # objects only for the rows read: an object array is 8 bytes a row
    sub_ak = sub["ak"].to_numpy(dtype=np.int64)
    uln_rows = lesion_column(raw, "marker_uln")[src] if crit.measure == "marker" else None
    del raw, sub, src  # the pass's copy of the lesion rows: only the arrays above are read below

    e_l, e_s = _spread(s_ak, sub_ak, n_ass)
    e_lk = s_lk[e_s]

    # followed lesions, chosen on the baseline scan
    b = np.flatnonzero(is_base[e_s] & (role[e_l] != 2))
    cand = pd.DataFrame(
        {
            "lk": e_lk[b],
            "lc": lc[e_l[b]],
            "value": v[e_l[b]],
            "site": site.take(e_l[b]).to_numpy(dtype=object),
            "node": node[e_l[b]],
            "target": role[e_l[b]] == 0,
            "la": la_raw[e_l[b]],
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
    del cand, tracked, ckey, untracked

    e_lk *= mult
    e_lk += lc[e_l]
    keep = tkey.get_indexer(e_lk) >= 0
    del e_lk
    # the new lesions the criterion counts: its new-lesion rule, then its sites filter
    counted = prep.new_found[crit.new_lesion_rule].row_code[li] != NOT_COUNTED
    new = counted[e_l] & ~is_base[e_s]
    if crit.sites is not None and crit.new_lesions == "sites":
        new &= np.isin(site.take(e_l).to_numpy(dtype=object), crit.sites)
    kind = np.full(len(e_l), UNUSED, dtype=np.int8)
    kind[new] = NEW
    kind[keep] = FOLLOWED
    del new
    lesion_rows = LesionRows(
        scan=e_s.astype(np.int64),
        row=li[e_l].astype(np.int64, copy=False),
        lc=lc[e_l],
        value=v[e_l],
        short_axis=sa[e_l],
        kind=kind,
    )
    del li
    e_s, e_l = e_s[keep], e_l[keep]
    ve = v[e_l]
    meas = ~np.isnan(ve)
    es_m, ve_m, el_m = e_s[meas], ve[meas], e_l[meas]
    n_measured = np.bincount(es_m, minlength=n_s)
    agg = aggregate_values(es_m, ve_m, n_s, crit.aggregation)
    value_meas = np.where(n_measured > 0, agg, np.nan)
    n_lesions = n_tracked_line[s_lk]
    complete = (n_lesions > 0) & (n_measured == n_lesions)

    if crit.measure == "bidimensional":
        # a lesion is present when its long axis is > 0; without a long axis (too small to
        # measure, valued at too_small_mm) its substituted value decides
        pos = np.where(np.isnan(la_raw), v > 0, la_raw > 0)
    else:
        pos = v > 0
    n_pos_nonnodal = np.bincount(es_m, weights=(~node & pos)[el_m], minlength=n_s)
    big = node & ~(sa < crit.node_cr_mm)
    n_big_node = np.bincount(es_m, weights=big[el_m], minlength=n_s)

    density, density_base = _paired_density(dens, crit, e_s, e_l, (s_lk, lc, mult), is_base, n_s)
    uln = np.full(n_s, np.nan)
    if uln_rows is not None:
        u = uln_rows[el_m]
        uln = np.where(n_measured > 0, np.bincount(es_m, weights=u, minlength=n_s), np.nan)
    out = {
        "n_measured": n_measured.astype(np.int64),
        "complete": complete,
        "value_meas": value_meas,
        "n_pos_nonnodal": n_pos_nonnodal.astype(np.int64),
        "n_big_node": n_big_node.astype(np.int64),
        "density": density,
        "density_base": density_base,
        "uln": uln,
    }
    return out, n_tracked_line, has_ntl_line, lesion_rows


def _paired_density(
    dens: np.ndarray,
    crit: Criterion,
    e_s: np.ndarray,
    e_l: np.ndarray,
    keys: tuple[np.ndarray, np.ndarray, int],
    is_base: np.ndarray,
    n_s: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean CT density of each scan and of the same lesions on the baseline scan.

    Only followed lesions with a density reading on both the scan and the line's baseline scan
    enter either mean, so a lesion whose reading is missing (too small, not contrast-enhanced,
    gone) cannot masquerade as a density change.  A scan with no such pair has no density.
    ``keys``: the line of each scan, the code of each lesion row and their multiplier, which
    make a (line, lesion) key per entry.
    """
    nan = np.full(n_s, np.nan)
    if crit.composite == "size":
        return nan, nan.copy()
    d = dens[e_l]
    on_base = is_base[e_s] & ~np.isnan(d)
    if not on_base.any():
        return nan, nan.copy()
    s_lk, lc, mult = keys
    e_key = s_lk[e_s] * mult + lc[e_l]
    base_index = pd.Index(e_key[on_base])
    pos = base_index.get_indexer(e_key)
    d_base = np.where(pos >= 0, d[on_base][np.maximum(pos, 0)], np.nan)
    paired = ~np.isnan(d) & ~np.isnan(d_base)
    n = np.bincount(e_s[paired], minlength=n_s)
    now = np.bincount(e_s[paired], weights=d[paired], minlength=n_s)
    then = np.bincount(e_s[paired], weights=d_base[paired], minlength=n_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, now / n, np.nan), np.where(n > 0, then / n, np.nan)


def _spread(s_ak: np.ndarray, sub_ak: np.ndarray, n_ass: int) -> tuple[np.ndarray, np.ndarray]:
    """Each lesion row spread to every (line, scan) row of its assessment: the lesion row and
    the scan row of each entry, grouped by lesion row, scans in their order.  32-bit indices
    when they fit (the entries are the pass's largest arrays: ~6 M at 100,000 patients).

    Examples
    --------
    >>> e_l, e_s = _spread(np.array([5, 7, 5]), np.array([7, 5, 6]), 8)
    >>> e_l.tolist(), e_s.tolist()
    ([0, 1, 1], [1, 0, 2])
    """
    cnt = np.bincount(s_ak, minlength=n_ass)
    rep = cnt[sub_ak]
    n = int(rep.sum())
    index = np.int32 if max(n, len(s_ak), len(sub_ak)) < np.iinfo(np.int32).max else np.int64
    rep = rep.astype(index)
    first = np.concatenate(([0], np.cumsum(cnt)))[sub_ak].astype(index)
    del cnt
    e_l = np.repeat(np.arange(len(sub_ak), dtype=index), rep)
    within: np.ndarray = np.arange(n, dtype=index)
    within -= np.repeat(np.cumsum(rep, dtype=index) - rep, rep)
    within += np.repeat(first, rep)
    del rep, first
    order = np.argsort(s_ak, kind="stable").astype(index)
    return e_l, order[within]


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
