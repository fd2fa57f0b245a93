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
from netsurv.response.burden import Burden, burden_per_assessment
from netsurv.response.codes import NTL_CODE, PD, RESPONSES
from netsurv.response.marker_scans import marker_scans
from netsurv.response.visits import find_visits

ROLE_CODES = {"target": 0, "non_target": 1, "new": 2}


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
        Per assessment (by ``ak``): a new lesion is recorded, the number of lesion rows with
        role ``new`` and the sum of their long axes, the non-target status code (0 = not
        recorded) and the reader's response code (0 = not recorded).
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
    les
        The lesions table with ``ak`` (assessment row), ``lc`` (patient × lesion code),
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
    scan_info: pd.DataFrame
    burden: Burden
    new_flag: np.ndarray

    def new_lesions(
        self, sites: tuple[str, ...] | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per assessment: a new lesion is recorded, the number of new lesion rows and the sum
        of their long axes, counting only new lesions in ``sites`` (None: all).

        A recorded ``assessments.new_lesion`` with no new lesion row on the scan has no known
        organ and counts whatever ``sites`` (it cannot be shown to lie elsewhere).
        """
        if sites is None:
            return self.new_any, self.new_count, self.new_sum
        les = self.les
        n_ass = len(self.new_any)
        ak = les["ak"].to_numpy(dtype=np.int64)
        is_new = les["role_code"].to_numpy() == ROLE_CODES["new"]
        inside = is_new & les["site"].isin(sites).to_numpy()
        count = np.bincount(ak[inside], minlength=n_ass)
        la = np.nan_to_num(les["long_axis_mm"].to_numpy(dtype=float)[inside])
        total = np.bincount(ak[inside], weights=la, minlength=n_ass)
        unlocated = self.new_flag & (self.new_count == 0)
        return unlocated | (count > 0), count, total


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
    n_ass = len(ass)

    lk = _pair_index(links["patient_id"], links["line_id"], lines["patient_id"], lines["line_id"])
    ak = _pair_index(
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
    links = links.assign(lk=lk, ak=ak, lorder=lorder[lk])
    line_keys = (lines["patient_id"].astype(str) + " / " + lines["line_id"].astype(str)).to_numpy(
        dtype=object
    )

    les_ak = _pair_index(
        les["patient_id"], les["assessment_id"], ass["patient_id"], ass["assessment_id"]
    )
    day = ass["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    new_flag = ass["new_lesion"].fillna(False).to_numpy(dtype=bool)
    new_role = np.bincount(les_ak[(les["role"] == "new").to_numpy()], minlength=n_ass) > 0
    visits = find_visits(ass, new_flag | new_role, day)
    if visits.any:
        links = links[visits.rep[links["ak"].to_numpy()] == links["ak"].to_numpy()]
        les, les_ak = _lesions_of_visits(les, les_ak, visits.rep, day)
    pat = pd.factorize(ass["patient_id"])[0]
    lid, uniq = pd.factorize(les["lesion_id"])
    lc = pat[les_ak].astype(np.int64) * max(len(uniq), 1) + lid
    role = les["role"].map(ROLE_CODES).to_numpy(dtype=np.int8)
    les = les.assign(
        ak=les_ak, lc=lc, node=(les["site"] == "lymph_node").to_numpy(), role_code=role
    )

    is_new = role == ROLE_CODES["new"]
    new_count = np.bincount(les_ak[is_new], minlength=n_ass)
    la = les["long_axis_mm"].to_numpy(dtype=float)
    new_sum = np.bincount(les_ak[is_new], weights=np.nan_to_num(la[is_new]), minlength=n_ass)
    new_any = visits.total(new_flag) | (new_count > 0)
    ntl = ass["nontarget_status"].map(NTL_CODE).fillna(0).to_numpy(dtype=np.int8)
    ntl = visits.status(ntl, day, PD)
    resp_code = {r: i for i, r in enumerate(RESPONSES) if r}
    reader = ass["reader_response"].map(resp_code).fillna(0).to_numpy(dtype=np.int8)
    reader = visits.status(reader, day, PD)
    tracer, tracer_names = pd.factorize(ass["tracer"])
    tb = cohort.tumour_burden
    tb_ak = _pair_index(
        tb["patient_id"], tb["assessment_id"], ass["patient_id"], ass["assessment_id"]
    )
    return Prepared(
        links=links,
        line_keys=line_keys,
        new_any=new_any,
        new_count=new_count,
        new_sum=new_sum,
        ntl=ntl,
        reader=reader,
        les=les,
        tracer=np.asarray(tracer, dtype=np.int64),
        tracer_names=np.asarray(tracer_names, dtype=object),
        first_new=visits.first_new,
        scan_info=ass[["assessment_id", "date", "modality", "liver_volume_ml", "liver_suv_mean"]]
        .assign(day=day)
        .reset_index(drop=True),
        burden=burden_per_assessment(tb, ass, tb_ak),
        new_flag=visits.total(new_flag),
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


def _lesions_of_visits(
    les: pd.DataFrame, les_ak: np.ndarray, rep: np.ndarray, day: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Lesion rows moved to their visit's last scan; a lesion measured on several scans of one
    visit keeps its last reading."""
    to = rep[les_ak]
    lesion = pd.factorize(les["patient_id"].astype(str) + "\x1f" + les["lesion_id"].astype(str))[0]
    order = np.lexsort((day[les_ak], lesion, to))
    keep = np.ones(len(order), dtype=bool)
    keep[:-1] = (to[order][1:] != to[order][:-1]) | (lesion[order][1:] != lesion[order][:-1])
    rows = np.sort(order[keep])
    return les.iloc[rows].reset_index(drop=True), to[rows]


def _pair_index(a: pd.Series, b: pd.Series, ref_a: pd.Series, ref_b: pd.Series) -> np.ndarray:
    """Row of ``(ref_a, ref_b)`` holding each ``(a, b)`` pair (-1 if absent).

    Runs of equal consecutive pairs are looked up once, so sorted inputs (as a cohort's
    tables are) cost one hash lookup per distinct pair.
    """
    n = len(a)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    av = a.to_numpy(dtype=object)
    bv = b.to_numpy(dtype=object)
    change = np.empty(n, dtype=bool)
    change[0] = True
    change[1:] = (av[1:] != av[:-1]) | (bv[1:] != bv[:-1])
    starts = np.flatnonzero(change)
    ref = pd.MultiIndex.from_arrays([ref_a.to_numpy(dtype=object), ref_b.to_numpy(dtype=object)])
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
