"""Tumour domains (TU, TR, RS) to netsurv's assessments and lesions tables.

An *assessment* is one imaging visit of one modality: the TR rows of a subject's visit
(``VISITNUM``, else ``VISIT``, else the date) measured with one method.  The RS records of the
visit (overall response ``OVRLRESP``, non-target response ``NTRGRESP``, new-lesion progression
``NEWLPROG``) are attached to its CT/MRI assessment (or, without TR rows, form an assessment of
their own).  Lesions are identified by ``TRLNKID`` = ``TULNKID``; TU gives their role and organ
(without TU, ``TRGRPID`` gives the role and the organ is ``other``).

Everything is a table operation (merges, group-bys, a pivot); rows that cannot be used are
returned as attrition rows with the reason, values that break a rule as problems.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.io.dtc import Imputation, parse_dtc
from netsurv.io.sdtm_maps import MEASURE_UNITS, SdtmMaps, map_sites, map_values
from netsurv.schema.coerce import Problems

ANATOMICAL = ("CT", "MRI")
#: RS worst-first order when a visit has several overall responses (admiralonco ANL01FL)
_WORST = {"PD": 0, "NON-CR/NON-PD": 1, "SD": 2, "PR": 3, "CR": 4, "NE": 5}
_ATT = ["table", "row_key", "stage", "reason"]
STAGE = "SDTM import"


@dataclass(frozen=True)
class Tumour:
    """Assessments and lesions built from TU / TR / RS, with what was set aside."""

    assessments: pd.DataFrame
    lesions: pd.DataFrame
    attrition: pd.DataFrame
    notes: Problems


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
        out = df[_upper(df[flag]) == "Y"]
    else:
        who, _, who_id = evaluator.partition("/")
        out = df[_upper(df[col]) == who.strip().upper()]
        if who_id.strip():
            out = out[
                _upper(out.get(f"{p}EVALID", pd.Series("", index=out.index)))
                == who_id.strip().upper()
            ]
    if out.empty:
        present = sorted(
            (_upper(df[col]) + ("/" + _upper(df[f"{p}EVALID"]) if f"{p}EVALID" in df else ""))
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


def _upper(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.upper().fillna("")


def _visit(df: pd.DataFrame, p: str, dates: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Visit key, label and number of each row (VISITNUM, else VISIT, else the date)."""
    num = df.get("VISITNUM", pd.Series(pd.NA, index=df.index)).astype("string").str.strip()
    num = num.str.replace(r"\.0$", "", regex=True)
    label = df.get("VISIT", pd.Series(pd.NA, index=df.index)).astype("string").str.strip()
    day = dates.dt.strftime("%Y-%m-%d").astype("string")
    key = ("N:" + num).fillna("V:" + label).fillna("D:" + day)
    label = label.fillna("VISIT " + num).fillna(day)
    return key.astype(object), label.astype(object), num.astype(object)


def _require(df: pd.DataFrame, domain: str, columns: tuple[str, ...], problems: Problems) -> bool:
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


def _att(table: str, keys: pd.Series, reasons: pd.Series | str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table": table,
            "row_key": np.asarray(keys, dtype=object),
            "stage": STAGE,
            "reason": reasons,
        },
        columns=_ATT,
    )


def build_tumour(
    tu: pd.DataFrame | None,
    tr: pd.DataFrame | None,
    rs: pd.DataFrame | None,
    *,
    maps: SdtmMaps,
    evaluator: str,
    visit_date: str,
    tr_impute: Imputation,
    rs_impute: Imputation,
    default_modality: str,
    problems: Problems,
) -> Tumour:
    """Assessments and lesions of every subject from TU / TR / RS (see the module notes)."""
    notes = Problems()
    att: list[pd.DataFrame] = []
    meta = _lesion_meta(tu, maps, evaluator, problems)
    units = _tr_rows(tr, maps, evaluator, tr_impute, default_modality, problems, notes, att)
    visits = _rs_visits(rs, maps, evaluator, rs_impute, problems, notes, att)
    ass = _assessments(units, visits, visit_date, default_modality)
    lesions = _lesions(units, ass, meta, maps, problems, att)
    ntl = _nontarget_from_tr(units, ass, maps)
    ass = ass.merge(ntl, on=["patient_id", "assessment_id"], how="left")
    from_tr = ass.pop("_ntl_tr")
    ass["nontarget_status"] = ass["nontarget_status"].where(
        ass["nontarget_status"].notna(), from_tr
    )
    new_tr = lesions.loc[
        lesions["role"] == "new", ["patient_id", "assessment_id"]
    ].drop_duplicates()
    has_new = pd.MultiIndex.from_frame(ass[["patient_id", "assessment_id"]]).isin(
        pd.MultiIndex.from_frame(new_tr)
    )
    ass["new_lesion"] = ass["new_lesion"].astype("boolean") | pd.Series(
        has_new, index=ass.index, dtype="boolean"
    )
    cols = [
        "patient_id",
        "assessment_id",
        "date",
        "modality",
        "nontarget_status",
        "new_lesion",
        "reader_response",
        "visit",
        "visitnum",
        "rsseq",
    ]
    attrition = pd.concat(att, ignore_index=True) if att else pd.DataFrame(columns=_ATT)
    return Tumour(ass[cols], lesions, attrition, notes)


def _lesion_meta(
    tu: pd.DataFrame | None, maps: SdtmMaps, evaluator: str, problems: Problems
) -> pd.DataFrame:
    cols = ["patient_id", "lesion_id", "tu_role", "site"]
    if tu is None or tu.empty:
        return pd.DataFrame(columns=cols)
    if not _require(tu, "TU", ("USUBJID", "TULNKID"), problems):
        return pd.DataFrame(columns=cols)
    tu = select_evaluator(tu, "TU", evaluator)
    role_text = tu.get("TUSTRESC", tu.get("TUORRES", pd.Series(pd.NA, index=tu.index)))
    out = pd.DataFrame(
        {
            "patient_id": tu["USUBJID"].astype(str).str.strip(),
            "lesion_id": tu["TULNKID"].astype("string").str.strip(),
            "tu_role": map_values(role_text, maps.roles, "role"),
            "site": map_sites(tu.get("TULOC", pd.Series(pd.NA, index=tu.index)), maps.sites),
        }
    )
    out = out[out["lesion_id"].notna()]
    return out.drop_duplicates(["patient_id", "lesion_id"], keep="first")[cols]


def _tr_rows(
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
    if not _require(tr, "TR", ("USUBJID", "TRTESTCD", "TRLNKID", "TRDTC"), problems):
        return pd.DataFrame(columns=cols)
    tr = select_evaluator(tr, "TR", evaluator)
    d = parse_dtc(tr["TRDTC"], impute=impute)
    empty = pd.Series(pd.NA, index=tr.index, dtype=object)
    vkey, label, num = _visit(tr, "TR", d.date)
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
            "test": _upper(tr["TRTESTCD"]),
            "value": pd.to_numeric(
                tr["TRSTRESN"] if "TRSTRESN" in tr else tr.get("TRSTRESC", empty), errors="coerce"
            ),
            "unit": tr.get("TRSTRESU", pd.Series(pd.NA, index=tr.index))
            .astype("string")
            .str.strip(),
            "stat": _upper(tr.get("TRSTAT", pd.Series("", index=tr.index))),
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
    _note_imputed(notes, "TR", "TRDTC", key, d.imputed, impute)
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
            att.append(_att("TR", key[m], r).drop_duplicates())
        keep &= ~mask
    # SUMDIAM rows and rows without a lesion link carry no lesion: netsurv computes the sums
    keep &= out["test"].ne("SUMDIAM") & out["lesion_id"].notna()
    return out[keep].reset_index(drop=True)


def _note_imputed(
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


def _rs_visits(
    rs: pd.DataFrame | None,
    maps: SdtmMaps,
    evaluator: str,
    impute: Imputation,
    problems: Problems,
    notes: Problems,
    att: list[pd.DataFrame],
) -> pd.DataFrame:
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
    if not _require(rs, "RS", ("USUBJID", "RSTESTCD", "RSSTRESC", "RSDTC"), problems):
        return pd.DataFrame(columns=cols)
    rs = select_evaluator(rs, "RS", evaluator)
    test = _upper(rs["RSTESTCD"])
    rs = rs[test.isin(["OVRLRESP", "NTRGRESP", "NEWLPROG"])]
    test = test[rs.index]
    d = parse_dtc(rs["RSDTC"], impute=impute)
    vkey, label, num = _visit(rs, "RS", d.date)
    pid = rs["USUBJID"].astype(str).str.strip()
    key = pid + " / " + label.astype(str)
    _note_imputed(notes, "RS", "RSDTC", key, d.imputed, impute)
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
    text = _upper(rs["RSSTRESC"])
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
        att.append(_att("RS", key[bad], reason))
    frame = frame[frame["date"].notna()]
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


def _assessments(
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
    dup = aid.groupby(ass["patient_id"]).transform(lambda s: s.duplicated(keep=False))
    aid = aid.where(~dup, aid + " / " + ass["modality"].astype(str))
    dup = (ass["patient_id"] + "\0" + aid).duplicated(keep=False)
    aid = aid.where(~dup, aid + " (" + ass["vkey"].astype(str) + ")")
    ass["assessment_id"] = aid
    return ass.reset_index(drop=True)


def _lesions(
    units: pd.DataFrame,
    ass: pd.DataFrame,
    meta: pd.DataFrame,
    maps: SdtmMaps,
    problems: Problems,
    att: list[pd.DataFrame],
) -> pd.DataFrame:
    cols = [
        "patient_id",
        "assessment_id",
        "lesion_id",
        "site",
        "role",
        *MEASURE_UNITS,
        "measurement_flag",
    ]
    if units.empty:
        return pd.DataFrame(columns=cols)
    rows = units.merge(
        ass[["patient_id", "vkey", "modality", "assessment_id"]],
        on=["patient_id", "vkey", "modality"],
    )
    rows = rows.merge(meta, on=["patient_id", "lesion_id"], how="left")
    rows["role"] = rows.pop("tu_role").fillna(map_values(rows["group"], maps.roles, "role"))
    rows["site"] = rows["site"].fillna("other")
    key = rows["patient_id"] + " / " + rows["assessment_id"] + " / " + rows["lesion_id"].astype(str)
    no_role = rows["role"].isna()
    if no_role.any():
        att.append(
            _att(
                "TR",
                key[no_role],
                "lesion role unknown (no TU record, TRGRPID not in the roles map)",
            ).drop_duplicates()
        )
    rows = rows[~no_role]
    key = key[~no_role]
    state = map_values(rows["text"], maps.tumour_states, "state")
    flag = pd.Series(pd.NA, index=rows.index, dtype=object)
    flag[rows["stat"].eq("NOT DONE") | state.eq("not_evaluable")] = "not_evaluable"
    flag[state.eq("too_small")] = "too_small"

    meas = rows[rows["test"] != "TUMSTATE"].merge(
        maps.measures.rename(columns={"code": "test"}), on="test"
    )
    meas = _measure_values(meas, maps, problems)
    # TUMSTATE: non-target presence, new lesions (equivocal ones are not counted)
    ts = rows[rows["test"] == "TUMSTATE"].assign(state=state, flag=flag)
    equivocal = (ts["role"] == "new") & (ts["state"] == "equivocal")
    if equivocal.any():
        att.append(
            _att(
                "TR",
                key[equivocal.reindex(key.index, fill_value=False)],
                "equivocal new lesion: not counted as progression until unequivocal",
            )
        )
    ts = ts[~equivocal & ~((ts["role"] == "new") & (ts["state"] == "absent"))]
    ts_rows = ts[["patient_id", "assessment_id", "lesion_id", "site", "role", "flag"]].rename(
        columns={"flag": "measurement_flag"}
    )
    out = pd.concat([meas, ts_rows], ignore_index=True)
    out = out.groupby(
        ["patient_id", "assessment_id", "lesion_id"], sort=False, as_index=False
    ).first()
    return out.reindex(columns=cols)


def _measure_values(meas: pd.DataFrame, maps: SdtmMaps, problems: Problems) -> pd.DataFrame:
    """Wide lesion rows from measurement tests: unit conversion, priority, flags."""
    keys = ["patient_id", "assessment_id", "lesion_id"]
    cols = [*keys, "site", "role", *MEASURE_UNITS, "measurement_flag"]
    if meas.empty:
        return pd.DataFrame(columns=cols)
    meas = meas.copy()
    want = meas["column"].map(MEASURE_UNITS)
    units = maps.units.set_index("unit")
    unit = meas["unit"].fillna("")
    known = unit.isin(units.index) | (unit == "")
    factor = unit.map(units["factor"]).where(unit != "", 1.0)
    target = unit.map(units["netsurv_unit"]).where(unit != "", want)
    bad = meas["value"].notna() & (~known | (target != want))
    seqkey = meas["patient_id"] + " / TRSEQ " + meas["seq"].fillna("?")
    report(
        problems,
        seqkey,
        bad,
        meas["unit"],
        table="TR",
        column="TRSTRESU",
        rule="unknown_unit",
        message="unit is not in the units map or does not fit the "
        "measurement (netsurv/io/maps/units.csv)",
    )
    meas["value"] = meas["value"] * factor.astype(float)
    text = meas["text"].astype("string").str.strip().fillna("")
    state = map_values(meas["text"], maps.tumour_states, "state")
    mflag = pd.Series(pd.NA, index=meas.index, dtype=object)
    mflag[meas["stat"].eq("NOT DONE") | state.eq("not_evaluable")] = "not_evaluable"
    mflag[state.eq("too_small")] = "too_small"
    not_num = meas["value"].isna() & (text != "") & mflag.isna() & ~bad
    report(
        problems,
        seqkey,
        not_num,
        meas["text"],
        table="TR",
        column="TRSTRESC",
        rule="type_number",
        message="measurement is not a number nor a known state (too small, not evaluable)",
    )
    meas["flag"] = mflag
    meas = meas.sort_values([*keys, "column", "priority"], kind="stable")
    has = meas[meas["value"].notna()].drop_duplicates([*keys, "column"])
    wide = has.pivot_table(index=keys, columns="column", values="value", aggfunc="first")
    info = meas.groupby(keys, sort=False).agg(
        site=("site", "first"), role=("role", "first"), measurement_flag=("flag", "first")
    )
    out = info.join(wide, how="left").reset_index()
    measured = out.reindex(columns=["long_axis_mm", "short_axis_mm"]).notna().any(axis=1)
    out["measurement_flag"] = out["measurement_flag"].where(~measured)
    return out.reindex(columns=cols)


def _nontarget_from_tr(units: pd.DataFrame, ass: pd.DataFrame, maps: SdtmMaps) -> pd.DataFrame:
    """Non-target status per assessment from TUMSTATE of the non-target lesions."""
    out_cols = ["patient_id", "assessment_id", "_ntl_tr"]
    nt = units[
        (units["test"] == "TUMSTATE")
        & (map_values(units["group"], maps.roles, "role") == "non_target")
    ]
    if nt.empty:
        return pd.DataFrame(columns=out_cols)
    nt = nt.merge(
        ass[["patient_id", "vkey", "modality", "assessment_id"]],
        on=["patient_id", "vkey", "modality"],
    )
    state = map_values(nt["text"], maps.tumour_states, "state")
    state = state.where(~nt["stat"].eq("NOT DONE"), "not_evaluable").fillna("not_evaluable")
    g = pd.DataFrame(
        {
            "patient_id": nt["patient_id"],
            "assessment_id": nt["assessment_id"],
            "pd": state.eq("progression"),
            "ne": state.eq("not_evaluable"),
            "absent": state.eq("absent"),
        }
    )
    agg = g.groupby(["patient_id", "assessment_id"], sort=False).agg(
        pd=("pd", "any"), ne=("ne", "any"), absent=("absent", "all")
    )
    status = np.select([agg["pd"], agg["ne"], agg["absent"]], ["PD", "NE", "CR"], "NON-CR/NON-PD")
    return agg.assign(_ntl_tr=status).reset_index()[out_cols]
