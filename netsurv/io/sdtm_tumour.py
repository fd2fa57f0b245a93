"""Tumour domains (TU, TR, RS) to netsurv's assessments and lesions tables.

Visits and reads come from :mod:`netsurv.io.sdtm_visits`.  Lesions are identified by
``TRLNKID`` = ``TULNKID``; TU gives their role and organ (without TU, ``TRGRPID`` gives the role
and the organ is ``other``).  Measurement tests are pivoted to lesion columns through the
measures map (units converted, the lowest ``priority`` code winning), ``TUMSTATE`` gives the
non-target status and new lesions (equivocal ones are set aside).  Everything is a table
operation (merges, group-bys, a pivot).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from netsurv.io.dtc import Imputation
from netsurv.io.sdtm_maps import (
    FLAG_MEASURES,
    MEASURE_UNITS,
    SdtmMaps,
    map_sites,
    map_values,
)
from netsurv.io.sdtm_visits import (
    _ATT,
    STAGE,
    assessments,
    attrition_rows,
    report,
    require,
    rs_visits,
    select_evaluator,
    split_rescans,
    tr_rows,
)
from netsurv.schema.problems import Problems

__all__ = ["STAGE", "Tumour", "build_tumour"]

#: The lesions table built from TU / TR: keys, organ, role, every column a TR measurement
#: test can fill (numbers, then yes / no calls) and the measurement flag.
LESION_COLUMNS = [
    "patient_id",
    "assessment_id",
    "lesion_id",
    "site",
    "role",
    *MEASURE_UNITS,
    *FLAG_MEASURES,
    "measurement_flag",
]


@dataclass(frozen=True)
class Tumour:
    """Assessments and lesions built from TU / TR / RS, with what was set aside."""

    assessments: pd.DataFrame
    lesions: pd.DataFrame
    attrition: pd.DataFrame
    notes: Problems


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
    units = tr_rows(tr, maps, evaluator, tr_impute, default_modality, problems, notes, att)
    units, scans = split_rescans(units, notes)
    visits = rs_visits(rs, maps, evaluator, rs_impute, problems, notes, att, scans)
    ass = assessments(units, visits, visit_date, default_modality)
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
    if not require(tu, "TU", ("USUBJID", "TULNKID"), problems):
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


def _lesions(
    units: pd.DataFrame,
    ass: pd.DataFrame,
    meta: pd.DataFrame,
    maps: SdtmMaps,
    problems: Problems,
    att: list[pd.DataFrame],
) -> pd.DataFrame:
    if units.empty:
        return pd.DataFrame(columns=LESION_COLUMNS)
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
            attrition_rows(
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
            attrition_rows(
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
    return out.reindex(columns=LESION_COLUMNS)


def _measure_values(meas: pd.DataFrame, maps: SdtmMaps, problems: Problems) -> pd.DataFrame:
    """Wide lesion rows from measurement tests: unit conversion, priority, flags."""
    keys = ["patient_id", "assessment_id", "lesion_id"]
    if meas.empty:
        return pd.DataFrame(columns=LESION_COLUMNS)
    meas = meas.copy()
    flag_test = meas["column"].isin(FLAG_MEASURES)
    avid = map_values(meas["text"], maps.avidity, "avid")
    meas["value"] = meas["value"].where(~flag_test, avid.map({"true": 1.0, "false": 0.0}))
    want = meas["column"].map(MEASURE_UNITS).where(~flag_test, "")
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
    not_num = meas["value"].isna() & (text != "") & mflag.isna() & ~bad & ~flag_test
    report(
        problems,
        seqkey,
        meas["value"].isna() & (text != "") & mflag.isna() & flag_test,
        meas["text"],
        table="TR",
        column="TRSTRESC",
        rule="unknown_avidity",
        message="avidity call is not in the avidity map (netsurv/io/maps/avidity.csv: Y / N, "
        "AVID / NOT AVID ...) nor a known state (not evaluable)",
    )
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
    out = out.reindex(columns=LESION_COLUMNS)
    for c in FLAG_MEASURES:
        out[c] = out[c].map({1.0: True, 0.0: False}).astype("boolean")
    return out


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
