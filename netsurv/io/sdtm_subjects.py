"""Subject-level SDTM / ADaM (ADSL, DM, EX, DS, CM) to netsurv's patients and lines tables.

See :mod:`netsurv.io.sdtm` for which variable fills which column.  Dates are ISO 8601 text
(partial ones imputed to the first day) or SAS numeric dates (days since 1960-01-01, as ADSL
read from ``.xpt`` holds them).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from netsurv.cohort import ATTRITION_COLUMNS
from netsurv.io.dtc import parse_dtc
from netsurv.io.sdtm_maps import SdtmMaps, map_values
from netsurv.io.sdtm_visits import STAGE
from netsurv.schema.problems import Problems

COVARIATES = ("AGE", "RACE", "ETHNIC", "COUNTRY", "SITEID", "ARM", "ARMCD", "ACTARM", "ACTARMCD")
_SAS_EPOCH = pd.Timestamp("1960-01-01")


def _date(df: pd.DataFrame | None, col: str, index: pd.Index) -> pd.Series:
    """A subject-level date column (ISO text, or SAS numeric days since 1960), partial -> first."""
    if df is None or col not in df.columns:
        return pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    s = df[col].reindex(index)
    if pd.api.types.is_numeric_dtype(s):
        return (_SAS_EPOCH + pd.to_timedelta(s, unit="D")).astype("datetime64[ns]")
    return parse_dtc(s, impute="first").date


def _by_subject(df: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame | None:
    if df is None or "USUBJID" not in df.columns:
        return None
    return _indexed(df, index)


def _indexed(df: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    d = df.assign(USUBJID=df["USUBJID"].astype(str).str.strip())
    return d.drop_duplicates("USUBJID").set_index("USUBJID").reindex(index)


def subjects(
    domains: dict[str, pd.DataFrame],
    maps: SdtmMaps,
    assessments: pd.DataFrame,
    problems: Problems,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    base = domains["ADSL"] if "ADSL" in domains else domains["DM"]  # one is there (caller)
    if "USUBJID" not in base.columns:
        problems.add(
            "ADSL" if "ADSL" in domains else "DM",
            "USUBJID",
            "",
            "missing_column",
            None,
            "subject-level data lack USUBJID",
        )
        empty = pd.DataFrame(columns=["patient_id"])
        return empty, empty, pd.DataFrame(columns=ATTRITION_COLUMNS)
    ids = pd.Index(base["USUBJID"].astype(str).str.strip().drop_duplicates(), name="USUBJID")
    adsl = _by_subject(domains.get("ADSL"), ids)
    dm = _by_subject(domains.get("DM"), ids)
    subj = _indexed(base, ids)

    def first_of(*cands: tuple[pd.DataFrame | None, str]) -> pd.Series:
        out = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
        for df, col in cands:
            out = out.fillna(_date(df, col, ids))
        return out

    ex = domains.get("EX")
    ex_start, ex_end, ex_trt, ex_n = _exposure(ex, ids)
    ds = domains.get("DS")
    ds_death, ds_rand, ds_reason = _disposition(ds, ids, maps)
    death = first_of((adsl, "DTHDT"), (dm, "DTHDTC")).fillna(ds_death)
    origin = first_of((adsl, "RANDDT")).fillna(ds_rand)
    start = first_of((adsl, "TRTSDT"), (dm, "RFXSTDTC")).fillna(ex_start).fillna(origin)
    end = first_of((adsl, "TRTEDT"), (dm, "RFXENDTC")).fillna(ex_end)
    alive = first_of((adsl, "LSTALVDT"))
    observed = [_date(dm, c, ids) for c in ("RFSTDTC", "RFENDTC", "RFXENDTC", "RFPENDTC")]
    observed += [start, end, ex_end, death, _latest(domains.get("DS"), "DSSTDTC", ids)]
    observed.append(assessments.groupby("patient_id")["date"].max().reindex(ids))
    fallback = pd.concat([pd.to_datetime(o) for o in observed], axis=1).max(axis=1)
    alive = alive.fillna(fallback.where(death.isna() | (fallback <= death), death))

    regimen = pd.Series(pd.NA, index=ids, dtype=object)
    for df, col in ((adsl, "TRT01A"), (adsl, "ACTARM"), (dm, "ACTARM"), (adsl, "ARM"), (dm, "ARM")):
        if df is not None and col in df.columns:
            regimen = regimen.fillna(df[col].astype("string").str.strip().replace("", pd.NA))
    regimen = regimen.fillna(ex_trt).fillna("study treatment")

    sex_src = subj if "SEX" in subj.columns else dm
    sex = (
        sex_src["SEX"].astype("string").str.strip().str.upper().where(lambda s: s.isin(["F", "M"]))
        if sex_src is not None and "SEX" in sex_src.columns
        else pd.Series(pd.NA, index=ids)
    )
    birth_src = dm if dm is not None and "BRTHDTC" in dm.columns else subj
    birth = (
        parse_dtc(birth_src["BRTHDTC"], impute="none").date
        if "BRTHDTC" in birth_src.columns
        else pd.Series(pd.NaT, index=ids)
    )
    patients = pd.DataFrame(
        {
            "patient_id": ids,
            "last_alive_date": alive,
            "death_date": death,
            "sex": sex,
            "birth_date": birth,
        },
        index=ids,
    )
    for col in COVARIATES:
        src = subj if col in subj.columns else dm
        if src is not None and col in src.columns:
            patients[col.lower()] = src[col].to_numpy()
    no_alive = patients["last_alive_date"].isna()
    has_line = start.notna() & ~no_alive
    lines = pd.DataFrame(
        {
            "patient_id": ids,
            "line_id": "L1",
            "regimen": regimen,
            "start_date": start,
            "end_date": end,
            "end_reason": ds_reason.where(end.notna()),
            "origin_date": origin,
            "n_cycles": ex_n,
        },
        index=ids,
    )[has_line]
    att = pd.concat(
        [
            _subject_att(
                ids[no_alive], "no last-alive date (LSTALVDT) and no dated record: subject not used"
            ),
            _subject_att(
                ids[start.isna() & ~no_alive],
                "no treatment start nor randomisation date (TRTSDT, RFXSTDTC, EXSTDTC, RANDDT): "
                "no treatment line",
            ),
        ],
        ignore_index=True,
    )
    return (
        patients[~no_alive].reset_index(drop=True),
        lines.reset_index(drop=True),
        att,
    )


def _subject_att(ids: pd.Index, reason: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table": "DM/ADSL",
            "row_key": np.asarray(ids, dtype=object),
            "stage": STAGE,
            "reason": reason,
        },
        columns=ATTRITION_COLUMNS,
    )


def _latest(df: pd.DataFrame | None, col: str, ids: pd.Index) -> pd.Series:
    if df is None or col not in df.columns or "USUBJID" not in df.columns:
        return pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    d = parse_dtc(df[col], impute="first").date
    return d.groupby(df["USUBJID"].astype(str).str.strip()).max().reindex(ids)


def _exposure(
    ex: pd.DataFrame | None, ids: pd.Index
) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    nat = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    none = pd.Series(pd.NA, index=ids, dtype=object)
    if ex is None or "USUBJID" not in ex.columns or "EXSTDTC" not in ex.columns:
        return nat, nat, none, pd.Series(pd.NA, index=ids, dtype="Int64")
    subj = ex["USUBJID"].astype(str).str.strip()
    st = parse_dtc(ex["EXSTDTC"], impute="first").date
    en = parse_dtc(ex.get("EXENDTC", ex["EXSTDTC"]), impute="last").date.fillna(st)
    trt = ex.get("EXTRT", pd.Series(pd.NA, index=ex.index)).astype("string").str.strip()
    names = trt.groupby(subj).agg(lambda s: " + ".join(sorted(s.dropna().unique())))
    names = names.replace("", pd.NA)
    n = subj.value_counts().reindex(ids).astype("Int64")
    return (
        st.groupby(subj).min().reindex(ids),
        en.groupby(subj).max().reindex(ids),
        names.reindex(ids),
        n,
    )


def _disposition(
    ds: pd.DataFrame | None, ids: pd.Index, maps: SdtmMaps
) -> tuple[pd.Series, pd.Series, pd.Series]:
    nat = pd.Series(pd.NaT, index=ids, dtype="datetime64[ns]")
    none = pd.Series(pd.NA, index=ids, dtype=object)
    if ds is None or "USUBJID" not in ds.columns or "DSDECOD" not in ds.columns:
        return nat, nat, none
    subj = ds["USUBJID"].astype(str).str.strip()
    decod = ds["DSDECOD"].astype("string").str.strip().str.upper()
    date = parse_dtc(ds.get("DSSTDTC", pd.Series(pd.NA, index=ds.index)), impute="first").date
    death = date[decod == "DEATH"].groupby(subj[decod == "DEATH"]).min().reindex(ids)
    rand = date[decod == "RANDOMIZED"].groupby(subj[decod == "RANDOMIZED"]).min().reindex(ids)
    epoch = ds.get("EPOCH", pd.Series("", index=ds.index)).astype("string").str.upper().fillna("")
    scat = ds.get("DSSCAT", pd.Series("", index=ds.index)).astype("string").str.upper().fillna("")
    cat = (
        ds.get("DSCAT", pd.Series("DISPOSITION EVENT", index=ds.index)).astype("string").str.upper()
    )
    treat = (cat == "DISPOSITION EVENT") & ((epoch == "TREATMENT") | scat.str.contains("TREATMENT"))
    reason = map_values(decod[treat], maps.dispositions, "end_reason")
    reason = reason.groupby(subj[treat]).first().reindex(ids)
    return death, rand, reason.astype(object)


def new_therapy_lines(
    cm: pd.DataFrame | None,
    patients: pd.DataFrame,
    lines: pd.DataFrame,
    categories: Sequence[str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if cm is None or cm.empty or "CMSTDTC" not in cm.columns or "USUBJID" not in cm.columns:
        return patients, lines
    text = pd.Series("", index=cm.index)
    for col in ("CMCAT", "CMSCAT"):
        if col in cm.columns:
            text = text + " " + cm[col].astype("string").str.upper().fillna("")
    wanted = pd.Series(False, index=cm.index)
    for c in categories:
        wanted |= text.str.contains(c.upper(), regex=False)
    sub = cm[wanted]
    new = pd.DataFrame(
        {
            "patient_id": sub["USUBJID"].astype(str).str.strip(),
            "regimen": sub.get("CMTRT", pd.Series("anticancer therapy", index=sub.index)).astype(
                str
            ),
            "start_date": parse_dtc(sub["CMSTDTC"], impute="first").date,
            "end_date": parse_dtc(
                sub.get("CMENDTC", pd.Series(pd.NA, index=sub.index)), impute="last"
            ).date,
        }
    )
    first = lines.set_index("patient_id")["start_date"]
    new = new[new["start_date"] > new["patient_id"].map(first)]
    new = new.drop_duplicates(["patient_id", "start_date", "regimen"]).sort_values(
        ["patient_id", "start_date", "regimen"], kind="stable"
    )
    new["line_id"] = "L" + (new.groupby("patient_id").cumcount() + 2).astype(str)
    return patients, pd.concat([lines, new], ignore_index=True)
