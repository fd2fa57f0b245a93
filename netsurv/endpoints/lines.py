"""Which lines and line × criterion keys enter an endpoint derivation, and the attrition rows
for those that cannot contribute fully (no origin, after the cut-off, no baseline scan, no
adequate follow-up)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.endpoints.rules import CensoringScheme, EndpointDefinition, Origin
from netsurv.endpoints.vocabulary import ADEQUATE, KEY, RESPONSE, TIMEPOINT_COLUMNS
from netsurv.errors import ConfigError
from netsurv.response.prepare import key_date_order, pair_index


def _lines_frame(
    cohort: Cohort, *, origin: Origin, cutoff: pd.Timestamp
) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    ln = cohort.lines.sort_values(["patient_id", "start_date", "line_id"], kind="stable")
    cols = ["start_date", "end_date", "end_reason", "origin_date", "progression_date"]
    ln = ln[["patient_id", "line_id", *[c for c in cols if c in ln.columns]]]
    grp = ln.groupby("patient_id", sort=False)
    ln = ln.assign(next_start=grp["start_date"].shift(-1), next_line_id=grp["line_id"].shift(-1))
    pts = cohort.patients[["patient_id", "death_date", "last_alive_date"]]
    ln = ln.merge(pts, on="patient_id", how="left")
    ln["line_key"] = ln["patient_id"] + " / " + ln["line_id"]
    if origin == "line_start":
        ln["origin"], ln["origin_column"] = ln["start_date"], "start_date"
    elif origin == "origin_date":
        ln["origin"], ln["origin_column"] = ln["origin_date"], "origin_date"
    elif origin == "baseline_scan":
        base = (
            cohort.assessment_lines.query("role == 'baseline'")
            .groupby(["patient_id", "line_id"])["date"]
            .min()
            .rename("origin")
            .reset_index()
        )
        ln = ln.merge(base, on=["patient_id", "line_id"], how="left")
        ln["origin_column"] = "baseline scan date"
    else:
        raise ConfigError(
            f"origin must be 'line_start', 'origin_date' or 'baseline_scan', got {origin!r}"
        )
    attrition = []
    no_origin = ln["origin"].isna()
    late = ln["origin"] > cutoff
    for mask, reason in (
        (no_origin, f"no {origin} to measure time from"),
        (late, "line starts after the data cut-off"),
    ):
        attrition.append(_att(ln.loc[mask, "line_key"], reason))
    return ln[~no_origin & ~late].reset_index(drop=True), attrition


def _att(keys: pd.Series, reason: str | pd.Series) -> pd.DataFrame:
    why = reason.to_numpy() if isinstance(reason, pd.Series) else reason
    return pd.DataFrame(
        {"table": "lines", "row_key": keys.to_numpy(), "stage": "endpoints", "reason": why},
        columns=["table", "row_key", "stage", "reason"],
    )


def _prepare_timepoints(
    tp: pd.DataFrame, lines: pd.DataFrame, cut: pd.Timestamp, codes: KeyCodes
) -> pd.DataFrame:
    """The scans after each line's start and origin, up to the cut-off, sorted by key and
    date, with the columns the engine reads: :data:`KEY`, ``date``, ``response``,
    ``adequate``, ``source_key`` and ``_code`` (the key's :class:`KeyCodes` code; it is
    copied for every endpoint: no other column).

    Within a key the scans are in date order, then by ``assessment_id`` (the order every
    reader relies on); the keys follow their codes (one integer sort instead of a sort on the
    text columns)."""
    # each time point's line (its position in ``lines``; -1: a line not analysed); a run of
    # rows of one line (the time points are by criterion, patient, line) is looked up once
    line = pair_index(tp["patient_id"], tp["line_id"], lines["patient_id"], lines["line_id"])
    known = line >= 0
    date = tp["date"].to_numpy()
    kept = np.zeros(len(tp), dtype=bool)
    at = line[known]
    kept[known] = (
        (date[known] > lines["start_date"].to_numpy()[at])
        & (date[known] >= lines["origin"].to_numpy()[at])
        & (date[known] <= cut.to_datetime64())
    )
    rows = np.flatnonzero(kept)
    code = codes.of(line[rows], tp["criterion"].iloc[rows])
    assessment = tp["assessment_id"].to_numpy()[rows]
    order = key_date_order(code, date[rows], assessment)
    rows, code, assessment = rows[order], code[order], assessment[order]
    out = {c: tp[c].to_numpy()[rows] for c in TIMEPOINT_COLUMNS if c != "assessment_id"}
    out["adequate"] = pd.Series(out["response"]).isin(ADEQUATE).to_numpy()
    out["source_key"] = out["patient_id"] + " / " + assessment
    out["_code"] = code
    return pd.DataFrame(out, copy=False)


@dataclass(frozen=True)
class KeyCodes:
    """Integer codes of the keys (patient, line, criterion) of one derivation: the line's
    position in the lines frame times the number of criteria, plus the criterion's position
    (the derived criteria first, then the others of the time points); -1 for a key without a
    criterion (OS, TTF) or with one not listed.

    Examples
    --------
    >>> codes = KeyCodes(n_lines=3, criteria=("recist1.1", "choi"))
    >>> codes.of(np.array([0, 2, 1]), pd.Series(["choi", "recist1.1", None])).tolist()
    [1, 4, -1]
    """

    n_lines: int
    criteria: tuple[str, ...]

    @property
    def size(self) -> int:
        """The number of codes."""
        return self.n_lines * len(self.criteria)

    def of(self, line: np.ndarray, criterion: pd.Series) -> np.ndarray:
        """The codes of keys given by line position and criterion name."""
        c = pd.Index(self.criteria, dtype=object).get_indexer(pd.Index(criterion, dtype=object))
        return np.where(c >= 0, line.astype(np.int64) * len(self.criteria) + c, -1)

    def flags(self, codes: np.ndarray) -> np.ndarray:
        """A flag per code, set for ``codes``, and a last slot, never set, that code -1
        reads."""
        out = np.zeros(self.size + 1, dtype=bool)
        out[codes] = True
        out[-1] = False
        return out

    def scans_of(self, keys: pd.DataFrame, tp: pd.DataFrame) -> pd.DataFrame:
        """The scans of ``tp`` (:func:`_prepare_timepoints`) on the keys of ``keys`` (each at
        most once) from the key's origin on, in ``tp``'s order, with their key's ``_k``: the
        columns :data:`TPK_COLUMNS` (an inner join on the key, by code)."""
        kc = self.of(keys["_line"].to_numpy(), keys["criterion"])
        known = kc >= 0
        k_of = np.full(self.size + 1, -1, dtype=np.int64)  # the last slot: code -1
        k_of[kc[known]] = keys["_k"].to_numpy()[known]
        k = k_of[tp["_code"].to_numpy()]
        date = tp["date"].to_numpy()
        on = k >= 0
        on[on] = date[on] >= keys["origin"].to_numpy()[k[on]]
        return pd.DataFrame(
            {
                "_k": k[on],
                "date": date[on],
                "response": tp["response"].to_numpy()[on],
                "adequate": tp["adequate"].to_numpy()[on],
                "source_key": tp["source_key"].to_numpy()[on],
            },
            columns=list(TPK_COLUMNS),
        )


#: The columns of the scans of an endpoint's keys that its candidates and rules read.
TPK_COLUMNS = ("_k", "date", "response", "adequate", "source_key")


def _baseline_keys(
    cohort: Cohort, baselines: pd.DataFrame | None, criteria: list[str]
) -> pd.DataFrame:
    if baselines is not None:
        return baselines[KEY].drop_duplicates()
    base = cohort.assessment_lines.query("role == 'baseline'")[["patient_id", "line_id"]]
    base = base.drop_duplicates()
    return base.merge(pd.DataFrame({"criterion": criteria}), how="cross")


def _keys(lines: pd.DataFrame, criteria: Sequence[str | None]) -> pd.DataFrame:
    keys = lines.assign(_line=np.arange(len(lines))).merge(
        pd.DataFrame({"criterion": np.array(list(criteria), dtype=object)}), how="cross"
    )
    keys["origin_source"] = "lines"
    keys["origin_key"] = keys["line_key"]
    # the assessment schedule counts from the line's origin, whatever the endpoint's origin
    keys["schedule_origin"] = keys["origin"]
    return keys


#: Attrition reason of a line without a baseline scan, by ``CensoringScheme.no_baseline``
#: (``which``: the criterion, or how many criteria).
NO_BASELINE_REASON = {
    "exclude": "no baseline tumour assessment ({which}): excluded from {endpoint}",
    "censor_at_origin": "no baseline tumour assessment ({which}): {endpoint} censored at origin",
    "as_observed": "no baseline tumour assessment ({which}): {endpoint} from death, else origin",
}


def _apply_baseline(
    keys: pd.DataFrame, based: np.ndarray, codes: KeyCodes, scheme: CensoringScheme, endpoint: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The keys an endpoint derives for by the scheme's ``no_baseline`` rule (``based``: per
    key code, whether the line has a baseline scan for the criterion,
    :meth:`KeyCodes.flags`), and the attrition rows of those without one."""
    ok = based[codes.of(keys["_line"].to_numpy(), keys["criterion"])]
    lacking = keys.loc[~ok]
    if scheme.no_baseline == "exclude":
        keys = keys.loc[ok]
    elif scheme.no_baseline == "censor_at_origin":
        keys = keys.assign(no_baseline=~ok)
    reason = NO_BASELINE_REASON[scheme.no_baseline]
    why = [reason.format(which=c, endpoint=endpoint) for c in lacking["criterion"]]
    return keys.reset_index(drop=True), _att(lacking["line_key"], pd.Series(why))


def _based(has_base: pd.DataFrame, lines: pd.DataFrame, codes: KeyCodes) -> np.ndarray:
    """Per key code, whether the key is among ``has_base`` (:func:`_baseline_keys`)."""
    at = has_base.merge(
        lines[["patient_id", "line_id"]].assign(_line=np.arange(len(lines))),
        on=["patient_id", "line_id"],
    )
    return codes.flags(codes.of(at["_line"].to_numpy(), at["criterion"]))


@dataclass(frozen=True)
class SeenLines:
    """Per key code (:meth:`KeyCodes.flags`), whether the key has a follow-up scan, an
    adequate one, a baseline: made once for every endpoint's :func:`_no_follow_up`."""

    scanned: np.ndarray
    adequate: np.ndarray
    based: np.ndarray


def _seen_lines(tp: pd.DataFrame, based: np.ndarray, codes: KeyCodes) -> SeenLines:
    code = tp["_code"].to_numpy()
    return SeenLines(
        scanned=codes.flags(code),
        adequate=codes.flags(code[tp["adequate"].to_numpy()]),
        based=based,
    )


def _no_follow_up(
    d: EndpointDefinition,
    part: pd.DataFrame,
    key_codes: np.ndarray,
    seen: Callable[[], SeenLines],
    cutoff: bool,
) -> pd.DataFrame:
    """Lines (with a baseline) censored at the origin for want of an adequate follow-up
    assessment: no follow-up scan at all, or none evaluable (``key_codes``: the codes of
    ``part``'s rows; ``seen``: the keys, made on first use)."""
    if not any(e.kind == "progression" for e in d.events):
        return _att(pd.Series([], dtype=object), "")
    lines = seen()
    scanned = lines.scanned[key_codes]
    adequate = lines.adequate[key_codes]
    based = lines.based[key_codes]
    sel = (part["event"] == 0).to_numpy() & ~adequate & based
    rows = part[sel]
    why = pd.Series(
        np.where(scanned[sel], "no evaluable follow-up scan (", "no follow-up scan ("),
        index=rows.index,
    )
    when = " up to the cut-off" if cutoff else ""
    return _att(
        rows["patient_id"] + " / " + rows["line_id"],
        why + rows["criterion"] + f"){when}: {d.name} censored at origin",
    )


def _response_origin(
    keys: pd.DataFrame, tp: pd.DataFrame, first_response: pd.DataFrame | None
) -> pd.DataFrame:
    if first_response is None:
        resp = tp[tp["response"].isin(RESPONSE)].drop_duplicates(KEY)
        first = resp[[*KEY, "date", "source_key"]].rename(columns={"date": "first_response"})
    else:
        first = (
            first_response[[*KEY, "first_response_date"]]
            .dropna()
            .rename(columns={"first_response_date": "first_response"})
        )
        first["source_key"] = first["patient_id"] + " / " + first["line_id"]
    keys = keys.merge(first, on=KEY, how="inner")
    keys["origin"] = keys["first_response"]
    keys["origin_column"] = "date"
    keys["origin_source"] = "assessments" if first_response is None else "responses"
    keys["origin_key"] = keys["source_key"]
    return keys.drop(columns=["first_response", "source_key"])


def _output_order(
    lines: pd.DataFrame,
    criteria: list[str],
    ranks: list[tuple[np.ndarray, int, pd.Series]],
) -> np.ndarray:
    """The rows of the endpoints' parts (``ranks``: per part, its rows' line positions, the
    endpoint's rank among the names, its rows' criteria) by patient, line id, endpoint and
    criterion (none first), stable: ``sort_values(..., kind="stable", na_position="first")``
    on integer ranks (the lines by patient and line id, the sorted names)."""
    by = np.lexsort(
        (
            pd.factorize(lines["line_id"], sort=True)[0],
            pd.factorize(lines["patient_id"], sort=True)[0],
        )
    )
    line_rank = np.empty(len(lines), dtype=np.int64)
    line_rank[by] = np.arange(len(lines))
    known = pd.Index(criteria, dtype=object)
    line = np.concatenate([line_rank[r[0]] for r in ranks])
    endpoint = np.concatenate([np.full(len(r[0]), r[1]) for r in ranks])
    crit = np.concatenate([known.get_indexer(pd.Index(r[2], dtype=object)) for r in ranks])
    return np.lexsort((crit, endpoint, line))


# --------------------------------------------------------------------------- the engine
