"""TR and RS records to imaging visits: evaluator choice, visit keys, dates, overall reads.

An *assessment* is one imaging visit of one modality: the TR rows of a subject's visit
(``VISITNUM``, else ``VISIT``, else the date) measured with one method.  The RS records of the
visit (overall response ``OVRLRESP``, non-target response ``NTRGRESP``, new-lesion progression
``NEWLPROG``) are attached to its CT/MRI assessment (or, without TR rows, form an assessment of
their own).  A visit whose TR rows measure the same lesion (and test) on different dates holds
more than one scan: it is split into one assessment per date (:func:`split_rescans`), its RS
records going to the scan of the nearest date.  Rows that cannot be used are returned as
attrition rows with the reason, values that break a rule as problems naming domain, variable and
``USUBJID / ...``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.io.dtc import Imputation, parse_dtc
from netsurv.io.sdtm_maps import SdtmMaps, map_values
from netsurv.schema.problems import Problems

ANATOMICAL = ("CT", "MRI")
#: RS worst-first order when a visit has several overall responses (admiralonco ANL01FL)
_WORST = {"PD": 0, "NON-CR/NON-PD": 1, "SD": 2, "PR": 3, "CR": 4, "NE": 5}
_ATT = ["table", "row_key", "stage", "reason"]
STAGE = "SDTM import"
#: Visit keys of a visit split by scan date end with this marker and the date (YYYY-MM-DD).
SCAN_MARK = "|scan:"


def select_evaluator(df: pd.DataFrame, domain: str, evaluator: str) -> pd.DataFrame:
    """Rows of one evaluator (``--EVAL``, optionally ``--EVALID``) or the accepted reads.

    ``evaluator`` is ``"INVESTIGATOR"``, ``"INDEPENDENT ASSESSOR/RADIOLOGIST 1"`` (EVAL/EVALID)
    or ``"accepted"`` (rows with ``--ACPTFL == "Y"``: the adjudicated independent read).  A
    domain without ``--EVAL`` is taken whole.

    Examples
    --------
    >>> rs = pd.DataFrame({"USUBJID": ["1", "1"], "RSEVAL": ["INVESTIGATOR", "INDEPENDENT ASSESSOR"],
    ...                    "RSEVALID": [None, "RADIOLOGIST 1"], "RSACPTFL": [None, "Y"]})
    >>> select_evaluator(rs, "RS", "investigator")["RSEVAL"].tolist()
    ['INVESTIGATOR']
    >>> select_evaluator(rs, "RS", "accepted")["RSEVALID"].tolist()
    ['RADIOLOGIST 1']
    """
    p = domain.upper()
    col = f"{p}EVAL"
    if col not in df.columns or df.empty:
        return df
    if evaluator.strip().lower() == "accepted":
        flag = f"{p}ACPTFL"
        if flag not in df.columns:
            raise ConfigError(f"{domain}: evaluator='accepted' needs {flag}, which is absent")
        out = df[upper(df[flag]) == "Y"]
    else:
        who, _, who_id = evaluator.partition("/")
        out = df[upper(df[col]) == who.strip().upper()]
        if who_id.strip():
            out = out[
                upper(out.get(f"{p}EVALID", pd.Series("", index=out.index)))
                == who_id.strip().upper()
            ]
    if out.empty:
        present = sorted(
            (upper(df[col]) + ("/" + upper(df[f"{p}EVALID"]) if f"{p}EVALID" in df else ""))
            .str.rstrip("/")
            .unique()
        )
        raise ConfigError(
            f"{domain}: no rows for evaluator {evaluator!r} ({col}); present: {present} "
            "(or 'accepted' for the adjudicated reads)"
        )
    idcol = f"{p}EVALID"
    if idcol in out.columns and "USUBJID" in out.columns:
        n = out.groupby("USUBJID")[idcol].nunique(dropna=True)
        if (n > 1).any():
            subj = str(n.index[n > 1][0])
            raise ConfigError(
                f"{domain}: subject {subj} has reads by several evaluators {sorted(out[idcol].dropna().unique())} "
                f"for {evaluator!r}; choose one, e.g. evaluator='{evaluator.split('/')[0]}/"
                f"{out[idcol].dropna().iloc[0]}', or 'accepted'"
            )
    return out


def upper(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.upper().fillna("")


def visit_keys(
    df: pd.DataFrame, p: str, dates: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Visit key, label and number of each row (VISITNUM, else VISIT, else the date)."""
    num = df.get("VISITNUM", pd.Series(pd.NA, index=df.index)).astype("string").str.strip()
    num = num.str.replace(r"\.0$", "", regex=True)
    label = df.get("VISIT", pd.Series(pd.NA, index=df.index)).astype("string").str.strip()
    day = dates.dt.strftime("%Y-%m-%d").astype("string")
    key = ("N:" + num).fillna("V:" + label).fillna("D:" + day)
    label = label.fillna("VISIT " + num).fillna(day)
    return key.astype(object), label.astype(object), num.astype(object)


def require(df: pd.DataFrame, domain: str, columns: tuple[str, ...], problems: Problems) -> bool:
    ok = True
    for c in columns:
        if c not in df.columns:
            problems.add(
                domain, c, "", "missing_column", None, f"{domain} lacks required variable {c}"
            )
            ok = False
    return ok


def report(
    problems: Problems,
    keys: pd.Series,
    mask: pd.Series,
    values: pd.Series,
    *,
    table: str,
    column: str,
    rule: str,
    message: str,
) -> None:
    """Record one problem per masked row, keyed ``USUBJID / ...`` (SDTM row keys)."""
    m = np.asarray(mask, dtype=bool)
    for k, v in zip(
        np.asarray(keys, dtype=object)[m], np.asarray(values, dtype=object)[m], strict=True
    ):
        problems.add(table, column, str(k), rule, v, message)


def attrition_rows(table: str, keys: pd.Series, reasons: pd.Series | str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table": table,
            "row_key": np.asarray(keys, dtype=object),
            "stage": STAGE,
            "reason": reasons,
        },
        columns=_ATT,
    )


def tr_rows(
    tr: pd.DataFrame | None,
    maps: SdtmMaps,
    evaluator: str,
    impute: Imputation,
    default_modality: str,
    problems: Problems,
    notes: Problems,
    att: list[pd.DataFrame],
) -> pd.DataFrame:
    cols = [
        "patient_id",
        "vkey",
        "visit",
        "visitnum",
        "modality",
        "date",
        "lesion_id",
        "group",
        "test",
        "value",
        "unit",
        "stat",
        "text",
        "seq",
    ]
    if tr is None or tr.empty:
        return pd.DataFrame(columns=cols)
    if not require(tr, "TR", ("USUBJID", "TRTESTCD", "TRLNKID", "TRDTC"), problems):
        return pd.DataFrame(columns=cols)
    tr = select_evaluator(tr, "TR", evaluator)
    d = parse_dtc(tr["TRDTC"], impute=impute)
    empty = pd.Series(pd.NA, index=tr.index, dtype=object)
    vkey, label, num = visit_keys(tr, "TR", d.date)
    method = tr.get("TRMETHOD", pd.Series(pd.NA, index=tr.index))
    modality = map_values(method, maps.methods, "modality")
    out = pd.DataFrame(
        {
            "patient_id": tr["USUBJID"].astype(str).str.strip(),
            "vkey": vkey,
            "visit": label,
            "visitnum": num,
            "modality": modality.where(method.notna(), default_modality),
            "date": d.date,
            "lesion_id": tr["TRLNKID"].astype("string").str.strip().astype(object),
            "group": tr.get("TRGRPID", pd.Series(pd.NA, index=tr.index)),
            "test": upper(tr["TRTESTCD"]),
            "value": pd.to_numeric(
                tr["TRSTRESN"] if "TRSTRESN" in tr else tr.get("TRSTRESC", empty), errors="coerce"
            ),
            "unit": tr.get("TRSTRESU", pd.Series(pd.NA, index=tr.index))
            .astype("string")
            .str.strip(),
            "stat": upper(tr.get("TRSTAT", pd.Series("", index=tr.index))),
            "text": tr.get("TRSTRESC", pd.Series(pd.NA, index=tr.index)),
            "seq": tr.get("TRSEQ", pd.Series(pd.NA, index=tr.index)).astype("string"),
        }
    )
    key = out["patient_id"] + " / " + out["visit"].astype(str)
    seqkey = out["patient_id"] + " / TRSEQ " + out["seq"].fillna("?")
    report(
        problems,
        seqkey,
        d.invalid,
        tr["TRDTC"],
        table="TR",
        column="TRDTC",
        rule="type_date",
        message="is not an ISO 8601 date",
    )
    note_imputed(notes, "TR", "TRDTC", key, d.imputed, impute)
    dropped: list[tuple[pd.Series, pd.Series | str]] = [
        (out["date"].isna() & ~d.invalid, "TRDTC empty or partial (no imputation): row not used"),
        (out["modality"].isna(), "TRMETHOD " + method.astype(str) + " is not in the methods map"),
        (
            ~out["test"].isin([*maps.measures["code"], "TUMSTATE", "SUMDIAM"]),
            "TRTESTCD "
            + out["test"]
            + " is not in the measures map (netsurv/io/maps/trtestcd.csv)",
        ),
    ]
    keep = pd.Series(True, index=out.index)
    for mask, reason in dropped:
        m = mask & keep
        if m.any():
            r = reason[m] if isinstance(reason, pd.Series) else reason
            att.append(attrition_rows("TR", key[m], r).drop_duplicates())
        keep &= ~mask
    # SUMDIAM rows and rows without a lesion link carry no lesion: netsurv computes the sums
    keep &= out["test"].ne("SUMDIAM") & out["lesion_id"].notna()
    return out[keep].reset_index(drop=True)


def split_rescans(units: pd.DataFrame, notes: Problems) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the visits that hold several scans: one assessment per TR date.

    A visit (one visit key and modality of a subject) in which the same lesion and test are
    recorded on two or more dates holds more than one scan (e.g. two unscheduled scans filed
    under one ``VISITNUM``).  Its TR rows get the visit key ``<key>|scan:<date>``; other visits
    keep theirs (lesions of one scan measured on different days stay one assessment).  Each split
    visit is noted as a warning (rule ``visit_split_by_date``).

    Returns
    -------
    units, scans
        The TR rows with the new keys, and one row per scan of a split visit (``patient_id``,
        ``vkey`` the visit's key, ``scan_date``, ``scan_vkey``) for :func:`rs_visits`.

    Examples
    --------
    >>> d = pd.to_datetime(["2013-06-22", "2013-09-22", "2013-06-22"])
    >>> u = pd.DataFrame({"patient_id": "S1", "vkey": "N:9.2", "modality": "CT",
    ...                   "lesion_id": ["T01", "T01", "T02"], "test": "LDIAM", "date": d,
    ...                   "visit": "UNSCHEDULED 9.2"})
    >>> units, scans = split_rescans(u, Problems())
    >>> units["vkey"].tolist()
    ['N:9.2|scan:2013-06-22', 'N:9.2|scan:2013-09-22', 'N:9.2|scan:2013-06-22']
    """
    scan_cols = ["patient_id", "vkey", "scan_date", "scan_vkey"]
    if units.empty:
        return units, pd.DataFrame(columns=scan_cols)
    visit = ["patient_id", "vkey", "modality"]
    n_dates = units.groupby([*visit, "lesion_id", "test"], sort=False, dropna=False)[
        "date"
    ].transform("nunique")
    split_visits = units.loc[n_dates > 1, visit].drop_duplicates()
    if split_visits.empty:
        return units, pd.DataFrame(columns=scan_cols)
    hit = pd.MultiIndex.from_frame(units[visit]).isin(pd.MultiIndex.from_frame(split_visits))
    units = units.copy()
    day = units["date"].dt.strftime("%Y-%m-%d")
    units.loc[hit, "vkey"] = units.loc[hit, "vkey"] + SCAN_MARK + day[hit]
    scans = (
        units.loc[hit, ["patient_id", "vkey", "date", "visit"]]
        .assign(vkey=lambda f: f["vkey"].str.split(SCAN_MARK, regex=False).str[0])
        .assign(scan_vkey=units.loc[hit, "vkey"])
        .drop_duplicates(["patient_id", "scan_vkey"])
        .rename(columns={"date": "scan_date"})
        .sort_values(["patient_id", "vkey", "scan_date"], kind="stable")
    )
    for (pid, label), g in scans.groupby(["patient_id", "visit"], sort=False):
        notes.add(
            "TR",
            "VISITNUM",
            f"{pid} / {label}",
            "visit_split_by_date",
            None,
            "the visit holds repeated measurements of the same lesion on "
            + ", ".join(g["scan_date"].dt.strftime("%Y-%m-%d"))
            + ": read as one scan per date",
            severity="warning",
        )
    return units, scans[scan_cols].reset_index(drop=True)


def _rescan_keys(frame: pd.DataFrame, scans: pd.DataFrame | None) -> pd.Series:
    """Visit keys of RS rows, those of a split visit going to the scan of the nearest date."""
    if scans is None or scans.empty or frame.empty:
        return frame["vkey"]
    rows = frame[["patient_id", "vkey", "date"]].reset_index(drop=True)
    m = rows.assign(_pos=np.arange(len(rows))).merge(scans, on=["patient_id", "vkey"])
    if m.empty:
        return frame["vkey"]
    m["_gap"] = (m["date"] - m["scan_date"]).abs()
    best = m.sort_values(["_gap", "scan_date"], kind="stable").drop_duplicates("_pos")
    out = frame["vkey"].to_numpy(dtype=object, copy=True)
    out[best["_pos"].to_numpy()] = best["scan_vkey"].to_numpy()
    return pd.Series(out, index=frame.index)


def note_imputed(
    notes: Problems, table: str, column: str, key: pd.Series, imputed: pd.Series, impute: str
) -> None:
    flag = imputed != ""
    if not flag.any():
        return
    frame = pd.DataFrame({"_k": key[flag], "_v": imputed[flag]}).drop_duplicates("_k")
    for k in frame["_k"]:
        notes.add(
            table,
            column,
            str(k),
            "partial_date_imputed",
            None,
            f"partial date imputed to the {impute} possible day (admiral date_imputation)",
            severity="warning",
        )


def rs_visits(
    rs: pd.DataFrame | None,
    maps: SdtmMaps,
    evaluator: str,
    impute: Imputation,
    problems: Problems,
    notes: Problems,
    att: list[pd.DataFrame],
    scans: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per visit of the RS reads (``scans``: the split visits of :func:`split_rescans`)."""
    cols = [
        "patient_id",
        "vkey",
        "visit",
        "visitnum",
        "rs_date",
        "reader_response",
        "nontarget_status",
        "new_lesion",
        "rsseq",
    ]
    if rs is None or rs.empty:
        return pd.DataFrame(columns=cols)
    if not require(rs, "RS", ("USUBJID", "RSTESTCD", "RSSTRESC", "RSDTC"), problems):
        return pd.DataFrame(columns=cols)
    rs = select_evaluator(rs, "RS", evaluator)
    test = upper(rs["RSTESTCD"])
    rs = rs[test.isin(["OVRLRESP", "NTRGRESP", "NEWLPROG"])]
    test = test[rs.index]
    d = parse_dtc(rs["RSDTC"], impute=impute)
    vkey, label, num = visit_keys(rs, "RS", d.date)
    pid = rs["USUBJID"].astype(str).str.strip()
    key = pid + " / " + label.astype(str)
    note_imputed(notes, "RS", "RSDTC", key, d.imputed, impute)
    report(
        problems,
        key,
        d.invalid,
        rs["RSDTC"],
        table="RS",
        column="RSDTC",
        rule="type_date",
        message="is not an ISO 8601 date",
    )
    resp = map_values(rs["RSSTRESC"], maps.responses, "response")
    text = upper(rs["RSSTRESC"])
    newl = text.isin(["UNEQUIVOCAL", "Y", "YES"]).where(text != "", np.nan)
    frame = pd.DataFrame(
        {
            "patient_id": pid,
            "vkey": vkey,
            "visit": label,
            "visitnum": num,
            "date": d.date,
            "test": test,
            "resp": resp,
            "newl": newl,
            "seq": rs.get("RSSEQ", pd.Series(pd.NA, index=rs.index))
            .astype("string")
            .astype(object),
        }
    )
    bad = (test != "NEWLPROG") & resp.isna() & (text != "")
    if bad.any():
        reason = (
            "RSSTRESC '" + text[bad] + "' (" + test[bad] + ") is not in the responses map: not used"
        )
        att.append(attrition_rows("RS", key[bad], reason))
    frame = frame[frame["date"].notna()]
    frame = frame.assign(vkey=_rescan_keys(frame, scans))
    ovr = frame[frame["test"] == "OVRLRESP"].assign(_w=lambda f: f["resp"].map(_WORST).fillna(9))
    ovr = ovr.sort_values(["_w"], kind="stable").drop_duplicates(["patient_id", "vkey"])
    ntl = frame[frame["test"] == "NTRGRESP"].dropna(subset=["resp"])
    ntl = ntl[ntl["resp"].isin(["CR", "NON-CR/NON-PD", "PD", "NE"])].drop_duplicates(
        ["patient_id", "vkey"]
    )
    nl = (
        frame[frame["test"] == "NEWLPROG"]
        .dropna(subset=["newl"])
        .groupby(["patient_id", "vkey"])["newl"]
        .max()
    )
    base = frame.sort_values("date").drop_duplicates(["patient_id", "vkey"])[
        ["patient_id", "vkey", "visit", "visitnum", "date"]
    ]
    out = base.merge(
        ovr[["patient_id", "vkey", "resp", "date", "seq"]].rename(
            columns={"resp": "reader_response", "date": "ovr_date", "seq": "rsseq"}
        ),
        on=["patient_id", "vkey"],
        how="left",
    )
    out = out.merge(
        ntl[["patient_id", "vkey", "resp"]].rename(columns={"resp": "nontarget_status"}),
        on=["patient_id", "vkey"],
        how="left",
    )
    out = out.merge(nl.rename("new_lesion").reset_index(), on=["patient_id", "vkey"], how="left")
    out["rs_date"] = out.pop("ovr_date").fillna(out.pop("date"))
    return out[cols]


def assessments(
    units: pd.DataFrame, visits: pd.DataFrame, visit_date: str, default_modality: str
) -> pd.DataFrame:
    tr_units = (
        units.groupby(["patient_id", "vkey", "modality"], sort=False)
        .agg(visit=("visit", "first"), visitnum=("visitnum", "first"), tr_date=("date", "min"))
        .reset_index()
    )
    # RS results go to the visit's CT/MRI assessment (the first), else to the only one
    tr_units["_anat"] = (~tr_units["modality"].isin(ANATOMICAL)).astype(int)
    tr_units = tr_units.sort_values(["patient_id", "vkey", "_anat", "modality"], kind="stable")
    tr_units["_first"] = ~tr_units.duplicated(["patient_id", "vkey"])
    rs = visits.assign(_first=True)
    ass = tr_units.merge(
        rs.drop(columns=["visit", "visitnum"]), on=["patient_id", "vkey", "_first"], how="outer"
    )
    only_rs = ass["modality"].isna()
    if only_rs.any():
        lab = visits.set_index(["patient_id", "vkey"])[["visit", "visitnum"]]
        idx = pd.MultiIndex.from_frame(ass.loc[only_rs, ["patient_id", "vkey"]])
        ass.loc[only_rs, "visit"] = lab["visit"].reindex(idx).to_numpy()
        ass.loc[only_rs, "visitnum"] = lab["visitnum"].reindex(idx).to_numpy()
        ass.loc[only_rs, "modality"] = default_modality
    use_rs = ass["rs_date"].notna() & (visit_date == "response" or ass["tr_date"].isna())
    ass["date"] = pd.to_datetime(ass["rs_date"].where(use_rs, ass["tr_date"]))
    aid = ass["visit"].astype(str)
    scan_day = ass["vkey"].astype(str).str.split(SCAN_MARK, regex=False).str[1]
    aid = aid.where(scan_day.isna(), aid + " (" + scan_day + ")")
    dup = aid.groupby(ass["patient_id"]).transform(lambda s: s.duplicated(keep=False))
    aid = aid.where(~dup, aid + " / " + ass["modality"].astype(str))
    dup = (ass["patient_id"] + "\0" + aid).duplicated(keep=False)
    aid = aid.where(~dup, aid + " (" + ass["vkey"].astype(str) + ")")
    ass["assessment_id"] = aid
    return ass.reset_index(drop=True)
