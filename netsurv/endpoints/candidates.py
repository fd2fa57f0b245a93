"""Candidate event and censoring dates of every line × criterion key, one table per source,
each row naming the table, column and row key that gave the date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.endpoints.rules import EventSource
from netsurv.endpoints.vocabulary import CANDIDATE_COLUMNS, KEY
from netsurv.errors import ConfigError


def _event_candidates(
    source: EventSource,
    priority: int,
    keys: pd.DataFrame,
    tpk: pd.DataFrame,
    tp: pd.DataFrame,
    crit: pd.Series,
    failure_reasons: tuple[str, ...],
) -> pd.DataFrame:
    k = keys["_k"]
    kind, desc = source.kind, source.description
    if kind == "progression":
        pd_rows = tpk[tpk["response"] == "PD"].drop_duplicates("_k")
        c = crit.to_numpy()[pd_rows["_k"].to_numpy()]
        return _cand(
            pd_rows["_k"],
            pd_rows["date"],
            _each(desc, "criterion", c),
            "assessments",
            "date",
            pd_rows["source_key"],
            priority,
        )
    if kind == "death":
        return _cand(
            k, keys["death_date"], desc, "patients", "death_date", keys["patient_id"], priority
        )
    if kind in ("discontinuation", "clinical_progression"):
        # a line's end for a failure reason (TTF), or for clinical progression (PFS, when the
        # censoring scheme counts it)
        ended = failure_reasons if kind == "discontinuation" else ("clinical_progression",)
        ok = keys["end_reason"].isin(ended) & keys["end_date"].notna()
        reasons = _each(desc, "reason", keys.loc[ok, "end_reason"].to_numpy())
        return _cand(
            k[ok],
            keys.loc[ok, "end_date"],
            reasons,
            "lines",
            "end_date",
            keys.loc[ok, "line_key"],
            priority,
        )
    if kind == "biochemical_progression":
        rows = tp[(tp["criterion"] == source.criterion) & (tp["response"] == "PD")]
        rows = rows.drop_duplicates(["patient_id", "line_id"])
        on = keys[["_k", "patient_id", "line_id"]].merge(
            rows[["patient_id", "line_id", "date", "source_key"]], on=["patient_id", "line_id"]
        )
        on = on[on["date"] >= keys["origin"].to_numpy()[on["_k"].to_numpy()]]
        return _cand(
            on["_k"],
            on["date"],
            desc.format(criterion=source.criterion),
            "assessments",
            "date",
            on["source_key"],
            priority,
        )
    if kind == "external_progression":  # a progression recorded outside the scans (ADSL)
        if "progression_date" not in keys.columns:
            return _cand(k[:0], keys["origin"][:0], desc, "lines", "progression_date", "", priority)
        ok = keys["progression_date"].notna()
        return _cand(
            k[ok],
            keys.loc[ok, "progression_date"],
            desc,
            "lines",
            "progression_date",
            keys.loc[ok, "line_key"],
            priority,
        )
    if kind == "next_line":
        nxt = keys["patient_id"] + " / " + keys["next_line_id"].fillna("")
        return _cand(k, keys["next_start"], desc, "lines", "start_date", nxt, priority)
    if kind == "next_line_progression":
        nx = _on_next_line(keys, tp, first_pd=True)
        c = crit.to_numpy()[nx["_k"].to_numpy()]
        return _cand(
            nx["_k"],
            nx["date"],
            _each(desc, "criterion", c),
            "assessments",
            "date",
            nx["source_key"],
            priority,
        )
    raise ConfigError(f"unknown event source kind {kind!r}")


def _on_next_line(keys: pd.DataFrame, tp: pd.DataFrame, *, first_pd: bool) -> pd.DataFrame:
    """First PD (or last adequate assessment) of each key's next line, same criterion."""
    rows = tp[tp["response"] == "PD"] if first_pd else tp[tp["adequate"]]
    rows = rows.drop_duplicates(KEY, keep="first" if first_pd else "last")
    nxt = keys[["_k", "patient_id", "next_line_id", "criterion"]].dropna(subset=["next_line_id"])
    return nxt.merge(
        rows[[*KEY, "date", "source_key"]],
        left_on=["patient_id", "next_line_id", "criterion"],
        right_on=KEY,
    )


def _censor_candidates(
    kind: str,
    desc: str,
    keys: pd.DataFrame,
    tpk: pd.DataFrame,
    tp: pd.DataFrame,
    cut: pd.Timestamp,
    obs_end: pd.Series,
) -> pd.DataFrame:
    k = keys["_k"]
    if kind == "last_adequate_assessment":
        ad = tpk[tpk["adequate"]].drop_duplicates("_k", keep="last")
        return _cand(ad["_k"], ad["date"], desc, "assessments", "date", ad["source_key"], 0)
    if kind == "origin":
        return _cand(
            k,
            keys["origin"],
            desc,
            keys["origin_source"],
            keys["origin_column"],
            keys["origin_key"],
            1,
        )
    if kind == "last_alive":
        alive = keys["last_alive_date"]
        capped = alive > obs_end
        date = alive.where(~capped, obs_end)
        completed = capped & (obs_end < cut)
        reason = np.where(
            completed, "treatment completed as planned", np.where(capped, "data cut-off", desc)
        )
        table = np.where(completed, "lines", np.where(capped, "(cut-off)", "patients"))
        column = (
            pd.Series("last_alive_date", index=keys.index, dtype=object)
            .mask(capped, None)
            .mask(completed, "end_date")
        )
        key = np.where(completed, keys["line_key"], keys["patient_id"])
        return _cand(k, date, reason, table, column, key, 0)
    if kind == "next_line_last_adequate":
        nx = _on_next_line(keys, tp, first_pd=False)
        return _cand(nx["_k"], nx["date"], desc, "assessments", "date", nx["source_key"], 0)
    raise ConfigError(f"unknown censoring source kind {kind!r}")


def _cand(
    k: pd.Series,
    date: pd.Series,
    reason: object,
    table: object,
    column: object,
    key: object,
    priority: int,
) -> pd.DataFrame:
    n = len(k)
    return pd.DataFrame(
        {
            "_k": np.asarray(k),
            "date": np.asarray(date, dtype="datetime64[ns]"),
            "reason": _col(reason, n),
            "source_table": _col(table, n),
            "source_column": _col(column, n),
            "source_key": _col(key, n),
            "priority": priority,
        },
        columns=CANDIDATE_COLUMNS,
    )


def _each(template: str, field: str, values: np.ndarray) -> np.ndarray:
    """``template`` filled in with each of ``values`` as ``field``: formatted once per distinct
    value (a few criteria or reasons for millions of rows), each row pointing at its text."""
    codes, uniques = pd.factorize(values)
    texts = np.empty(len(uniques) + 1, dtype=object)
    texts[:-1] = [template.format(**{field: v}) for v in uniques]
    out = texts[codes]
    missing = codes < 0  # None, NaN: formatted as they are
    out[missing] = [template.format(**{field: v}) for v in values[missing]]
    return out


def _col(v: object, n: int) -> np.ndarray:
    if isinstance(v, (pd.Series, np.ndarray, list)):
        return np.asarray(v, dtype=object)
    out = np.empty(n, dtype=object)
    out[:] = v  # the one object in every row (np.full would make a str per row)
    return out
