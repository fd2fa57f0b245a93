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
from netsurv.response.prepare import key_date_order


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
    right = lines[["patient_id", "line_id", "origin", "start_date"]].assign(
        _line=np.arange(len(lines))
    )
    tp = tp[list(TIMEPOINT_COLUMNS)].merge(right, on=["patient_id", "line_id"])
    kept = (tp["date"] > tp["start_date"]) & (tp["date"] >= tp["origin"]) & (tp["date"] <= cut)
    tp = tp.loc[kept, [*TIMEPOINT_COLUMNS, "_line"]]
    code = codes.of(tp["_line"].to_numpy(), tp["criterion"])
    tp = tp.assign(
        adequate=tp["response"].isin(ADEQUATE),
        source_key=tp["patient_id"] + " / " + tp["assessment_id"],
        _code=code,
    )
    order = key_date_order(code, tp["date"].to_numpy(), tp["assessment_id"].to_numpy())
    return tp.iloc[order].drop(columns=["assessment_id", "_line"])


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
    keys: pd.DataFrame, has_base: pd.DataFrame, scheme: CensoringScheme, endpoint: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    k = pd.MultiIndex.from_frame(keys[KEY])
    ok = k.isin(pd.MultiIndex.from_frame(has_base[KEY]))
    lacking = keys.loc[~ok]
    if scheme.no_baseline == "exclude":
        keys = keys.loc[ok]
    elif scheme.no_baseline == "censor_at_origin":
        keys = keys.assign(no_baseline=~ok)
    reason = NO_BASELINE_REASON[scheme.no_baseline]
    why = [reason.format(which=c, endpoint=endpoint) for c in lacking["criterion"]]
    return keys.reset_index(drop=True), _att(lacking["line_key"], pd.Series(why))


@dataclass(frozen=True)
class SeenLines:
    """The keys (patient, line, criterion) with a follow-up scan, with an adequate one and
    with a baseline: made once for every endpoint's :func:`_no_follow_up`."""

    scanned: pd.MultiIndex
    adequate: pd.MultiIndex
    based: pd.MultiIndex


def _seen_lines(tp: pd.DataFrame, has_base: pd.DataFrame) -> SeenLines:
    return SeenLines(
        scanned=pd.MultiIndex.from_frame(tp[KEY]),
        adequate=pd.MultiIndex.from_frame(tp.loc[tp["adequate"], KEY]),
        based=pd.MultiIndex.from_frame(has_base[KEY]),
    )


def _no_follow_up(
    d: EndpointDefinition,
    part: pd.DataFrame,
    seen: Callable[[], SeenLines],
    cutoff: bool,
) -> pd.DataFrame:
    """Lines (with a baseline) censored at the origin for want of an adequate follow-up
    assessment: no follow-up scan at all, or none evaluable (``seen``: the keys, made on first
    use)."""
    if not any(e.kind == "progression" for e in d.events):
        return _att(pd.Series([], dtype=object), "")
    k = pd.MultiIndex.from_frame(part[KEY])
    lines = seen()
    scanned = k.isin(lines.scanned)
    adequate = k.isin(lines.adequate)
    based = k.isin(lines.based)
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


# --------------------------------------------------------------------------- the engine
