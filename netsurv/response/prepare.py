"""Integer-coded views of a cohort that every criterion's measurement pass shares.

Done once per :func:`netsurv.classify` call: scan-to-line links with integer line and
assessment indices, per-assessment new-lesion and non-target information, and lesion rows
indexed by assessment and by (patient, lesion).  Everything after this is array arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.lesion_parents import root_lesion_ids
from netsurv.response.burden import Burden, burden_per_assessment
from netsurv.response.codes import NTL_CODE, PD, RESPONSES
from netsurv.response.marker_scans import marker_scans
from netsurv.response.new_lesions import (
    NEW_LESION_RULES,
    ROLE_NEW,
    NewFindings,
    NewScans,
    find_new_lesions,
)
from netsurv.response.visits import Visits, find_visits
from netsurv.schema.key_rows import run_starts

ROLE_CODES = {"target": 0, "non_target": 1, "new": ROLE_NEW}


@dataclass(frozen=True)
class Prepared:
    """Shared, integer-coded inputs of the measurement passes.

    Attributes
    ----------
    links
        ``cohort.assessment_lines`` with ``lk`` (row of ``cohort.lines``), ``ak`` (row of
        ``cohort.assessments``) and ``lorder`` (rank of the line by patient, start, id).
    line_keys
        ``"patient / line"`` text of every line, by ``lk`` (for attrition rows).
    new_any, new_count, new_sum, ntl, reader
        Per assessment (by ``ak``): a new lesion counts under the default new-lesion rule
        (``"recist1.1"``, all sites), the number of counted new lesion rows and the sum of
        their long axes, the non-target status code (0 = not recorded) and the reader's
        response code (0 = not recorded).
    tracer, tracer_names
        Per assessment, the tracer's code (-1 = not recorded) and the names of the codes.
    first_new, scan_info
        Per assessment: the scan of its visit that first shows a new lesion
        (:mod:`netsurv.response.visits`; itself without a visit), and its ``assessment_id``,
        ``date``, ``modality``, ``liver_volume_ml``, ``liver_suv_mean`` and ``day`` (day
        number of the date) (rows by ``ak``).

    Scans of one visit (``assessments.visit_id``) are read as one, at the visit's last scan:
    the other scans' links are dropped, their lesions and per-assessment facts moved to it.
    Marker measurements (``cohort.markers``) are scans too, after the imaging scans
    (:mod:`netsurv.response.marker_scans`).
    new_found, new_by_rule
        Per ``Criterion.new_lesion_rule`` (:mod:`netsurv.response.new_lesions`): the
        new-lesion findings per lesion row and scan, and the new lesions they count per scan
        over all sites (:meth:`new_lesions` restricts them to a criterion's sites).
    les
        The lesions table with ``ak`` (assessment row), ``lc`` (patient × lesion code),
        ``rlc`` (the code of the lesion the row is measured with: its root
        ``parent_lesion_id``, else ``lc``; :mod:`netsurv.response.fragments`),
        ``node`` and ``role_code`` columns added.
    burden
        Scan-level sums of the patients measured by ``tumour_burden``, by ``ak``
        (:mod:`netsurv.response.burden`).
    """

    links: pd.DataFrame
    line_keys: np.ndarray
    new_any: np.ndarray
    new_count: np.ndarray
    new_sum: np.ndarray
    ntl: np.ndarray
    reader: np.ndarray
    les: pd.DataFrame
    tracer: np.ndarray
    tracer_names: np.ndarray
    first_new: np.ndarray
    new_found: dict[str, NewFindings]
    new_by_rule: dict[str, NewScans]
    scan_info: pd.DataFrame
    burden: Burden

    def new_lesions(self, rule: str, sites: tuple[str, ...] | None) -> NewScans:
        """Per assessment, the new lesions that count under the new-lesion ``rule``, only
        those in ``sites`` (None: all): one pipeline, the rules first
        (:func:`~netsurv.response.new_lesions.find_new_lesions`), then the organ filter
        (:meth:`~netsurv.response.new_lesions.NewFindings.counted`).

        A recorded ``assessments.new_lesion`` with no new lesion row on the scan has no known
        organ and counts whatever ``sites`` (it cannot be shown to lie elsewhere).
        """
        if sites is None:
            return self.new_by_rule[rule]
        return self.new_found[rule].counted(self.les, self.new_by_rule[rule].first_new, sites)


def prepare(cohort: Cohort) -> Prepared:
    """Integer-code a cohort for the measurement passes."""
    ass = cohort.assessments
    lines = cohort.lines
    links = cohort.assessment_lines
    les = cohort.lesions
    if len(cohort.markers):
        m_ass, m_links, m_les = marker_scans(
            cohort.markers, lines, baseline_window_days=cohort.options.baseline_window_days
        )
        ass = _stack(ass, m_ass)
        links = _stack(links, m_links)
        les = _stack(les, m_les)

    lk = pair_index(links["patient_id"], links["line_id"], lines["patient_id"], lines["line_id"])
    ak = pair_index(
        links["patient_id"], links["assessment_id"], ass["patient_id"], ass["assessment_id"]
    )
    order = np.lexsort(
        (
            pd.factorize(lines["line_id"], sort=True)[0],
            lines["start_date"].to_numpy().view(np.int64),
            pd.factorize(lines["patient_id"], sort=True)[0],
        )
    )
    lorder = np.empty(len(lines), dtype=np.int64)
    lorder[order] = np.arange(len(lines))
    links = _with_columns(links, {"lk": lk, "ak": ak, "lorder": lorder[lk]})
    line_keys = (lines["patient_id"].astype(str) + " / " + lines["line_id"].astype(str)).to_numpy(
        dtype=object
    )

    les_ak = pair_index(
        les["patient_id"], les["assessment_id"], ass["patient_id"], ass["assessment_id"]
    )
    day = ass["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    role = les["role"].map(ROLE_CODES).to_numpy(dtype=np.int8)
    node = (les["site"] == "lymph_node").to_numpy()
    found = find_new_lesions(ass, les, les_ak, day, role_new=role == ROLE_NEW, node=node)
    default = NEW_LESION_RULES[0]

    def visits_of(f: NewFindings) -> Visits:
        definite, later = f.per_scan(les_ak)
        return find_visits(ass, definite | later, day)

    visits = visits_of(found[default])  # the visits' first new scans under each rule
    first_new = {r: (visits if r == default else visits_of(f)).first_new for r, f in found.items()}
    if visits.any:
        links = links[visits.rep[links["ak"].to_numpy()] == links["ak"].to_numpy()]
        kept = _lesions_of_visits(les, les_ak, visits.rep, day)
        les, les_ak = les.iloc[kept].reset_index(drop=True), visits.rep[les_ak[kept]]
        role, node = role[kept], node[kept]
        found = {r: f.moved(kept, visits.total) for r, f in found.items()}
    pat = pd.factorize(ass["patient_id"])[0]
    if "parent_lesion_id" in les.columns and les["parent_lesion_id"].notna().any():
        root = root_lesion_ids(les).to_numpy(dtype=object)
        ids, uniq = pd.factorize(np.concatenate([les["lesion_id"].to_numpy(dtype=object), root]))
        lid, rid, n_ids = ids[: len(les)], ids[len(les) :], len(uniq)
    else:  # every row is a lesion of its own
        lid, names = pd.factorize(les["lesion_id"])
        rid, n_ids = lid, len(names)
    base = pat[les_ak].astype(np.int64) * max(n_ids, 1)
    codes = {"ak": les_ak, "lc": base + lid, "rlc": base + rid, "node": node, "role_code": role}
    les = _with_columns(les, codes)

    new_scans = {r: f.counted(les, first_new[r]) for r, f in found.items()}
    nw = new_scans[default]
    ntl = ass["nontarget_status"].map(NTL_CODE).fillna(0).to_numpy(dtype=np.int8)
    ntl = visits.status(ntl, day, PD)
    resp_code = {r: i for i, r in enumerate(RESPONSES) if r} | {"ND": RESPONSES.index("NE")}
    reader = ass["reader_response"].map(resp_code).fillna(0).to_numpy(dtype=np.int8)
    reader = visits.status(reader, day, PD)
    tracer, tracer_names = pd.factorize(ass["tracer"])
    tb = cohort.tumour_burden
    tb_ak = pair_index(
        tb["patient_id"], tb["assessment_id"], ass["patient_id"], ass["assessment_id"]
    )
    return Prepared(
        links=links,
        line_keys=line_keys,
        new_any=nw.any,
        new_count=nw.count,
        new_sum=nw.sum,
        ntl=ntl,
        reader=reader,
        les=les,
        tracer=np.asarray(tracer, dtype=np.int64),
        tracer_names=np.asarray(tracer_names, dtype=object),
        first_new=nw.first_new,
        new_found=found,
        new_by_rule=new_scans,
        scan_info=ass[["assessment_id", "date", "modality", "liver_volume_ml", "liver_suv_mean"]]
        .assign(day=day)
        .reset_index(drop=True),
        burden=burden_per_assessment(tb, ass, tb_ak, visits.rep),
    )


def _stack(frame: pd.DataFrame, more: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the rows of ``more`` below (columns ``more`` lacks are empty)."""
    add = {
        str(c): pd.Series(index=more.index, dtype=frame[c].dtype) for c in frame if c not in more
    }
    more = more.assign(**add)
    own = {
        str(c): pd.Series(index=frame.index, dtype=more[c].dtype) for c in more if c not in frame
    }
    frame = frame.assign(**own)
    return pd.concat([frame, more[frame.columns]], ignore_index=True)


def _with_columns(frame: pd.DataFrame, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """``frame`` with ``columns`` added (or replaced), sharing its column arrays.

    ``frame.assign`` copies every column (the lesions table: 6.2 M rows at 100,000 patients,
    about 1 GB per copy); nothing here writes into the result, so the columns are shared.
    """
    added = {c: pd.Series(v, index=frame.index) for c, v in columns.items()}
    kept = {c: added.pop(c) if c in added else frame[c] for c in frame.columns}
    return pd.DataFrame(kept | added, copy=False)


def _lesions_of_visits(
    les: pd.DataFrame, les_ak: np.ndarray, rep: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """The lesion rows kept when moved to their visit's last scan: a lesion measured on several
    scans of one visit keeps its last reading."""
    to = rep[les_ak]
    lesion = pd.factorize(les["patient_id"].astype(str) + "\x1f" + les["lesion_id"].astype(str))[0]
    order = np.lexsort((day[les_ak], lesion, to))
    keep = np.ones(len(order), dtype=bool)
    keep[:-1] = (to[order][1:] != to[order][:-1]) | (lesion[order][1:] != lesion[order][:-1])
    return np.sort(order[keep])


def pair_index(a: pd.Series, b: pd.Series, ref_a: pd.Series, ref_b: pd.Series) -> np.ndarray:
    """Row of ``(ref_a, ref_b)`` holding each ``(a, b)`` pair (-1 if absent).

    Runs of equal consecutive pairs are looked up once
    (:func:`netsurv.schema.key_rows.run_starts`), so sorted inputs (as a cohort's tables are)
    cost one hash lookup per distinct pair.
    """
    n = len(a)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    av = a.to_numpy(dtype=object)
    bv = b.to_numpy(dtype=object)
    ref = pd.MultiIndex.from_arrays([ref_a.to_numpy(dtype=object), ref_b.to_numpy(dtype=object)])
    runs = run_starts([av, bv])
    if runs is None:  # short runs: every row looked up
        return ref.get_indexer(pd.MultiIndex.from_arrays([av, bv])).astype(np.int64)
    change, starts = runs
    pos = ref.get_indexer(pd.MultiIndex.from_arrays([av[starts], bv[starts]]))
    return pos[np.cumsum(change) - 1].astype(np.int64)


def group_starts(group: np.ndarray) -> np.ndarray:
    """For rows sorted by ``group``: the index of the first row of each row's group."""
    n = len(group)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    first = np.empty(n, dtype=bool)
    first[0] = True
    first[1:] = group[1:] != group[:-1]
    return np.maximum.accumulate(np.where(first, np.arange(n), 0))


def prior_any(flag: np.ndarray, gstart: np.ndarray) -> np.ndarray:
    """Whether ``flag`` is True on an earlier row of the same group (rows sorted by group)."""
    n = len(flag)
    if n == 0:
        return np.zeros(0, dtype=bool)
    last = np.maximum.accumulate(np.where(flag, np.arange(n), -1))
    prev = np.concatenate(([-1], last[:-1]))
    return prev >= gstart


def last_before(flag: np.ndarray, gstart: np.ndarray) -> np.ndarray:
    """Index of the last earlier row of the same group where ``flag`` holds (-1 if none)."""
    n = len(flag)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    last = np.maximum.accumulate(np.where(flag, np.arange(n), -1))
    prev = np.concatenate(([-1], last[:-1]))
    return np.where(prev >= gstart, prev, -1)


def next_at_or_after(flag: np.ndarray) -> np.ndarray:
    """For each index k, the smallest index >= k where ``flag`` holds (``len(flag)`` if none);
    one extra entry at the end (``len(flag)``) so that ``len(flag)`` is a valid lookup."""
    n = len(flag)
    idx = np.where(flag, np.arange(n), n)
    return np.append(np.minimum.accumulate(idx[::-1])[::-1], n).astype(np.int64)


def nat_last(date: np.ndarray) -> np.ndarray:
    """``datetime64`` values as integer nanoseconds for sorting, a missing date (NaT) after
    every known one.

    Examples
    --------
    >>> nat_last(np.array(["1970-01-01", "NaT"], dtype="datetime64[ns]")).tolist()
    [0, 9223372036854775807]
    """
    when = date.astype("datetime64[ns]").view(np.int64).copy()
    when[np.isnat(date)] = np.iinfo(np.int64).max
    return when


def key_date_order(key: np.ndarray, date: np.ndarray, ident: np.ndarray) -> np.ndarray:
    """The stable order of rows by integer ``key``, then ``date`` (``datetime64``; NaT last),
    then ``ident`` (object; compared only within the runs of equal key and date, missing
    last): what ``sort_values([key, date, ident], kind="stable")`` gives, with one integer
    sort instead of hashing every text value.

    Examples
    --------
    >>> day = np.array(["2020-01-02", "2020-01-01", "2020-01-01", "NaT"], dtype="datetime64[ns]")
    >>> key_date_order(np.array([0, 0, 0, 0]), day, np.array(["a", "c", "b", "d"], dtype=object))
    array([2, 1, 0, 3])
    """
    when = nat_last(date)
    order = np.lexsort((when, key))
    k, d = key[order], when[order]
    tie = np.flatnonzero((k[1:] == k[:-1]) & (d[1:] == d[:-1]))
    if len(tie):
        slots = np.union1d(tie, tie + 1)  # the positions of the tied runs, in order
        rows = order[slots]
        runs = pd.DataFrame({"k": k[slots], "d": d[slots], "i": ident[rows], "r": rows})
        order[slots] = runs.sort_values(["k", "d", "i"], kind="stable")["r"].to_numpy()
    return order
