"""Conformance of netsurv's SDTM import and derivations with admiralonco, on pharmaverse data.

pharmaversesdtm ships the SDTM of a synthetic oncology study (``tu/tr/rs_onco_recist``, with
``adsl``) and pharmaverseadam ships the ADaM that admiralonco's templates derived from it
(``adrs_onco``, ``adtte_onco``, ``adtr_onco``).  This script reads the SDTM with
``netsurv.io.read_sdtm``, derives responses and endpoints twice - from the recorded reads
(RS, criterion ``reader``) and from the TR measurements (``recist1.1``) - and compares, subject
by subject: OS and PFS (AVAL, event/censored, ADT) and duration of response with ADTTE, BOR and
confirmed BOR (AVALC, ADT) with ADRS, the sum of diameters (AVAL, BASE, PCHG, NADIR) with ADTR.

It runs netsurv twice: with netsurv's defaults (FDA 2018 censoring, time from treatment start)
and with admiralonco's conventions (``netsurv.endpoints.ADMIRALONCO``: no new-therapy or
missed-visit rule, a death without a baseline scan is still a PFS event; time from RANDDT).
Every disagreement is printed with its explanation.  The table gives, next to the rows compared,
the informative ones (``with_data``: a value other than missing / ``MISSING`` on either side) and
the agreement among them: most ADSL subjects have no tumour data, BOR ``MISSING`` on both sides.

At scale (``tr_onco`` / ``rs_onco``: no TU domain and no ADaM) it compares the RECIST 1.1
responses netsurv computes from TR with the investigator's recorded reads (scan, BOR, PD) and puts
every scan disagreement in a category (:data:`SCAN_CATEGORIES`), with the recorded components
(RS ``OVRLRESP`` / ``TRGRESP`` / ``NTRGRESP`` / ``NEWLPROG``, TR ``SUMDIAM``) next to netsurv's sum,
change from baseline and nadir, and components; a second import that prefers ``DIAMETER`` to
``LDIAM`` (a mapping override) shows which disagreements come from the lesion sums.

The data are not in the repository.  The script looks for ``pharmaverse/`` under the folder
named by the environment variable ``NETSURV_REFERENCE_DATA``, else under
``../shared/reference-data`` next to the repository, and says so when it is absent.

Usage::

    python scripts/conformance_pharmaverse.py            # prints the report
    python scripts/conformance_pharmaverse.py --out DIR  # also writes netsurv's ADaM and the comparisons
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

import netsurv as ns
from netsurv.criteria import READER, RECIST_1_1
from netsurv.endpoints import ADMIRALONCO, FDA2018, CensoringScheme
from netsurv.io import (
    SdtmMaps,
    build_adrs,
    build_adtr,
    build_adtte,
    load_maps,
    read_sdtm,
    write_adam,
)

REPO = Path(__file__).resolve().parents[1]
CRITERIA = ("reader", "recist1.1")


def find_data() -> Path | None:
    """The pharmaverse folder, or None."""
    folder = data_root() / "pharmaverse"
    return folder if (folder / "adsl.csv.gz").is_file() else None


def data_root() -> Path:
    """$NETSURV_REFERENCE_DATA when set (an override), else ../shared/reference-data."""
    env = os.environ.get("NETSURV_REFERENCE_DATA")
    return Path(env) if env else REPO.parent / "shared" / "reference-data"


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv.gz", dtype=str, keep_default_na=False, na_values=[""])


# ----------------------------------------------------------------------------- netsurv side
def run_netsurv(folder: Path, *, scheme: CensoringScheme, origin: str) -> dict[str, pd.DataFrame]:
    sdtm = {
        "ADSL": read(folder, "adsl"),
        "TU": read(folder, "tu_onco_recist"),
        "TR": read(folder, "tr_onco_recist"),
        "RS": read(folder, "rs_onco_recist"),
    }
    cohort = read_sdtm(sdtm, evaluator="INVESTIGATOR")
    tp = ns.classify(cohort, [READER, RECIST_1_1])
    adrs = build_adrs(tp, cohort=cohort)
    ep = ns.derive_endpoints(
        cohort,
        tp,
        endpoints=["OS", "PFS", "DoR"],
        censoring=scheme,
        origin=origin,  # type: ignore[arg-type]
    )
    return {
        "cohort_attrition": cohort.attrition,
        "adrs": adrs,
        "adtte": build_adtte(ep, adrs=adrs),
        "adtr": build_adtr(tp, cohort=cohort),
        "tp": tp.table,
        "assessments": cohort.assessments,
    }


# ----------------------------------------------------------------------------- comparisons
def _date(s: pd.Series) -> pd.Series:
    return pd.to_datetime(s, errors="coerce").dt.strftime("%Y-%m-%d").fillna("")


def compare_tte(
    ours: pd.DataFrame, theirs: pd.DataFrame, param: str, crit: str | None
) -> pd.DataFrame:
    """One row per subject in either table: AVAL, event, ADT on both sides and ``agree``."""
    their_code = "RSD" if param == "DoR" else param
    t = theirs[theirs["PARAMCD"] == their_code]
    o = ours[
        (ours["PARAMCD"] == param.upper())
        & (ours["CRITERION"].isna() if crit is None else ours["CRITERION"] == crit)
    ]
    a = pd.DataFrame(
        {
            "USUBJID": t["USUBJID"],
            "aval_admiral": pd.to_numeric(t["AVAL"]),
            "event_admiral": (pd.to_numeric(t["CNSR"]) == 0).astype(int),
            "adt_admiral": _date(t["ADT"]),
            "desc_admiral": t["EVNTDESC"],
        }
    )
    b = pd.DataFrame(
        {
            "USUBJID": o["USUBJID"],
            "aval_netsurv": pd.to_numeric(o["AVAL"]),
            "event_netsurv": (pd.to_numeric(o["CNSR"]) == 0).astype(int),
            "adt_netsurv": _date(o["ADT"]),
            "desc_netsurv": o["EVNTDESC"].fillna(o["CNSDTDSC"]),
        }
    )
    m = a.merge(b, on="USUBJID", how="outer")
    m["agree"] = (
        (m["aval_admiral"] == m["aval_netsurv"])
        & (m["event_admiral"] == m["event_netsurv"])
        & (m["adt_admiral"] == m["adt_netsurv"])
    )
    return m


def compare_bor(ours: pd.DataFrame, theirs: pd.DataFrame, param: str, crit: str) -> pd.DataFrame:
    t = theirs[theirs["PARAMCD"] == param]
    o = ours[(ours["PARAMCD"] == param) & (ours["CRITERION"] == crit)]
    a = pd.DataFrame(
        {"USUBJID": t["USUBJID"], "avalc_admiral": t["AVALC"], "adt_admiral": _date(t["ADT"])}
    )
    b = pd.DataFrame(
        {"USUBJID": o["USUBJID"], "avalc_netsurv": o["AVALC"], "adt_netsurv": _date(o["ADT"])}
    )
    m = a.merge(b, on="USUBJID", how="outer")
    m["agree"] = (m["avalc_admiral"] == m["avalc_netsurv"]) & (m["adt_admiral"] == m["adt_netsurv"])
    return m


def compare_sdiam(ours: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    t = theirs[(theirs["PARAMCD"] == "SDIAM") & (theirs["ANL01FL"] == "Y")]
    o = ours[
        (ours["PARAMCD"] == "SDIAM") & (ours["CRITERION"] == "recist1.1") & (ours["ANL01FL"] == "Y")
    ]
    cols = ["AVAL", "BASE", "PCHG", "NADIR"]
    a = t[["USUBJID", "AVISIT", *cols]].copy()
    a[cols] = a[cols].apply(pd.to_numeric)
    a["AVISIT"] = a["AVISIT"].replace({"BASELINE": "SCREENING"})  # ADTR names the baseline visit
    b = o[["USUBJID", "AVISIT", *cols]]
    m = a.merge(b, on=["USUBJID", "AVISIT"], how="outer", suffixes=("_admiral", "_netsurv"))
    ok = pd.Series(True, index=m.index)
    for c in cols:
        x, y = m[f"{c}_admiral"], m[f"{c}_netsurv"]
        ok &= (np.isclose(x, y, atol=1e-9) | (x.isna() & y.isna())).fillna(False)
    m["agree"] = ok
    return m


# ----------------------------------------------------------------------------- explanations
def explain(kind: str, row: pd.Series, attrition: pd.DataFrame) -> str:
    """Why netsurv and admiralonco differ for one subject (rule difference, data quirk, ...)."""
    sid = row["USUBJID"]
    set_aside = attrition[attrition["row_key"].astype(str).str.startswith(sid)]
    if kind in ("PFS", "OS", "DoR") and pd.isna(row.get("aval_netsurv")):
        reason = set_aside["reason"].iloc[0] if len(set_aside) else "not derived"
        return f"netsurv set the subject aside: {reason}"
    if kind in ("BOR", "CBOR") and pd.isna(row.get("avalc_netsurv")):
        reason = set_aside["reason"].iloc[0] if len(set_aside) else "not derived"
        return f"admiralonco lists every ADSL subject (MISSING); netsurv set it aside: {reason}"
    if (
        kind == "PFS"
        and row.get("desc_admiral") == "Death"
        and row.get("desc_netsurv") == "no baseline tumour assessment"
    ):
        return (
            "rule difference: FDA 2018 censors a subject without baseline tumour assessment at "
            "the origin; admiralonco counts the death (netsurv: CensoringScheme(no_baseline="
            "'as_observed'), the ADMIRALONCO scheme)"
        )
    if (
        kind == "PFS"
        and row.get("adt_netsurv") != row.get("adt_admiral")
        and row.get("event_admiral") == 0
    ):
        return (
            "rule difference: admiralonco censors at its LSTA, the last overall response of any "
            "value (NE, after PD); netsurv at the last adequate assessment up to the first PD"
        )
    if kind in ("PFS", "OS", "DoR") and row.get("aval_admiral") != row.get("aval_netsurv"):
        return "time origin: netsurv's default is the treatment start; admiralonco uses RANDDT"
    if kind == "SDIAM":
        return "ADTR row without a netsurv counterpart (visit not assessed for every target lesion)"
    return "unexplained"


def with_data(m: pd.DataFrame, a_col: str, b_col: str) -> pd.Series:
    """Informative rows: a value other than missing / ``MISSING`` on at least one side.

    ADRS lists every ADSL subject, with BOR ``MISSING`` when it has no tumour assessment;
    netsurv's ADRS does the same, so two ``MISSING`` agree without telling anything.
    """

    def has(s: pd.Series) -> pd.Series:
        return s.notna() & (s.astype(str).str.upper() != "MISSING")

    return has(m[a_col]) | has(m[b_col])


def _pct(k: int, n: int) -> str:
    return f"{100 * k / n:.1f} %" if n else "-"


def report(
    name: str, res: dict[str, pd.DataFrame], ref: dict[str, pd.DataFrame]
) -> tuple[pd.DataFrame, list[str]]:
    rows, notes = [], []
    att = res["cohort_attrition"]
    tumour = set(res["assessments"]["patient_id"])
    checks: list[tuple[str, str | None, pd.DataFrame]] = [
        ("OS", None, compare_tte(res["adtte"], ref["adtte"], "OS", None))
    ]
    for crit in CRITERIA:
        checks.append(("PFS", crit, compare_tte(res["adtte"], ref["adtte"], "PFS", crit)))
        checks.append(("DoR", crit, compare_tte(res["adtte"], ref["adtte"], "DoR", crit)))
        checks.append(("BOR", crit, compare_bor(res["adrs"], ref["adrs"], "BOR", crit)))
        checks.append(("CBOR", crit, compare_bor(res["adrs"], ref["adrs"], "CBOR", crit)))
    checks.append(("SDIAM", "recist1.1", compare_sdiam(res["adtr"], ref["adtr"])))
    for kind, crit, m in checks:
        a_col = next(c for c in m.columns if c.endswith("_admiral"))
        b_col = next(c for c in m.columns if c.endswith("_netsurv"))
        only_a = m[a_col].notna() & m[b_col].isna()
        if kind != "SDIAM":  # subjects netsurv set aside at import: counted, explained once
            only_a &= m["USUBJID"].isin(att.loc[att["stage"] == "SDTM import", "row_key"])
        both = m[~only_a]
        n = len(both)
        agree = int(both["agree"].sum())
        informative = both[with_data(both, a_col, b_col)]
        n_wd = len(informative)
        agree_wd = int(informative["agree"].sum())
        rows.append(
            {
                "run": name,
                "parameter": kind,
                "criterion": crit or "-",
                "unit": "visit" if kind == "SDIAM" else "subject",
                "compared": n,
                "agree": agree,
                "rate": _pct(agree, n),
                "with_data": n_wd,
                "subjects": informative["USUBJID"].nunique(),
                "agree_wd": agree_wd,
                "rate_wd": _pct(agree_wd, n_wd),
                "tumour_subj": int(both.loc[both["USUBJID"].isin(tumour), "USUBJID"].nunique()),
                "set_aside": int(only_a.sum()),
            }
        )
        for _, r in both[~both["agree"]].iterrows():
            shown = {
                k: v
                for k, v in r.items()
                if k != "agree" and not (isinstance(v, float) and np.isnan(v))
            }
            notes.append(
                f"  [{name}] {kind} {crit or ''} {shown}\n      -> {explain(kind, r, att)}"
            )
    return pd.DataFrame(rows), notes


#: Categories of the at-scale scan disagreements (computed RECIST 1.1 vs the recorded read), in
#: the order they are tested, with the one-line explanation printed for each.
SCAN_CATEGORIES: dict[str, str] = {
    "unusable recorded read": (
        "recorded OVRLRESP is not a RECIST response ('CHECK', set aside at import): netsurv's "
        "reader criterion makes it NE; the computed response equals the recorded TRGRESP"
    ),
    "target lesion not measured": (
        "one target lesion NOT DONE (TRSTAT): RECIST 1.1 s1.5 makes the target response NE "
        "(PD only when certain); the recorded read used the sum of the measured lesions"
    ),
    "sums differ (no TU: nodes)": (
        "SUMDIAM adds DIAMETER, the short axis for lesions the study reads as nodes at that visit; "
        "without TU netsurv cannot tell nodes and sums LDIAM: the target category flips"
    ),
    "growth after a target CR": (
        "target sum > 0 after a target CR (nadir 0, +>= 5 mm): PD by RECIST 1.1 s1.4; the "
        "recorded TRGRESP judges growth against baseline only (synthetic-study quirk)"
    ),
    "growth over nadir, not baseline": (
        "sum >= +20 % and >= +5 mm over the nadir: PD by RECIST 1.1 s1.4; the recorded TRGRESP "
        "judges growth against baseline only (synthetic-study quirk)"
    ),
    "unexplained": "not explained by the rules above: look at it",
}


def _diameter_first_maps() -> SdtmMaps:
    """The shipped mapping tables with TRTESTCD DIAMETER preferred to LDIAM for the long axis."""
    measures = load_maps().measures.copy()
    pick = {"DIAMETER": 1, "LDIAM": 2}
    measures["priority"] = measures["code"].map(pick).fillna(measures["priority"])
    return load_maps({"measures": measures})


def recorded_reads(tr: pd.DataFrame, rs: pd.DataFrame) -> pd.DataFrame:
    """The investigator's reads, one row per visit: RS components, SUMDIAM and its baseline."""
    rs = rs[rs["RSEVAL"] == "INVESTIGATOR"]
    key = ["USUBJID", "VISITNUM", "RSDTC"]
    wide = rs.groupby([*key, "RSTESTCD"])["RSSTRESC"].first().unstack().reset_index()
    seq = rs.loc[rs["RSTESTCD"] == "OVRLRESP", [*key, "RSSEQ"]]
    wide = wide.merge(seq, on=key, how="left")
    tr = tr[tr["TREVAL"] == "INVESTIGATOR"]
    sd = tr.loc[tr["TRTESTCD"] == "SUMDIAM", ["USUBJID", "VISITNUM", "TRDTC", "TRSTRESN"]].copy()
    sd["SUMDIAM"] = pd.to_numeric(sd.pop("TRSTRESN"))
    sd["_vn"] = pd.to_numeric(sd["VISITNUM"])
    first = sd.sort_values(["USUBJID", "_vn", "TRDTC"]).drop_duplicates("USUBJID")
    sd = sd.merge(first[["USUBJID", "SUMDIAM"]].rename(columns={"SUMDIAM": "SUMDIAM_BASE"}))
    nd = tr[
        (tr["TRGRPID"] == "TARGET") & (tr["TRSTAT"] == "NOT DONE") & (tr["TRTESTCD"] == "LDIAM")
    ]
    nd = nd.groupby(["USUBJID", "VISITNUM", "TRDTC"]).size().rename("TL_NOT_DONE").reset_index()
    sd = sd.merge(nd, on=["USUBJID", "VISITNUM", "TRDTC"], how="left")
    out = wide.merge(
        sd.drop(columns="_vn").rename(columns={"TRDTC": "RSDTC"}),
        on=["USUBJID", "VISITNUM", "RSDTC"],
        how="left",
    )
    out["TL_NOT_DONE"] = out["TL_NOT_DONE"].fillna(0).astype(int)
    chg = 100 * (out["SUMDIAM"] - out["SUMDIAM_BASE"]) / out["SUMDIAM_BASE"]
    rule = pd.Series(None, index=out.index, dtype=object)
    for cond, label in ((out["SUMDIAM"].notna(), "SD"), (chg <= -30, "PR"), (chg >= 20, "PD")):
        rule[cond] = label
    rule[out["SUMDIAM"] == 0] = "CR"
    out["TRGRESP_BASELINE_RULE"] = rule
    return out


def _categorise(r: pd.Series) -> str:
    if r["rec"] == "NE" and r["OVRLRESP"] not in ("NE", "NOT EVALUABLE"):
        return "unusable recorded read"
    if r["reason"] == "missing_lesion":
        return "target lesion not measured"
    if r["target_response"] != r["target_response_diam"]:
        return "sums differ (no TU: nodes)"
    if r["target_response"] == "PD" and r["TRGRESP"] != "PD":
        if r["nadir_value"] == 0:
            return "growth after a target CR"
        return "growth over nadir, not baseline"
    return "unexplained"


def _f(x: object, fmt: str = "{}") -> str:
    return "-" if x is None or pd.isna(x) else fmt.format(x)  # type: ignore[call-overload]


def scan_disagreements(
    cohort: ns.Cohort, tp: pd.DataFrame, tp_diam: pd.DataFrame, reads: pd.DataFrame
) -> pd.DataFrame:
    """One row per scan where the computed RECIST 1.1 response differs from the recorded read."""
    key = ["patient_id", "assessment_id"]
    rec = tp.loc[tp["criterion"] == "reader", [*key, "response"]].rename(
        columns={"response": "rec"}
    )
    comp = tp[tp["criterion"] == "recist1.1"]
    m = rec.merge(comp, on=key)
    m = m[m["rec"].notna() & m["response"].notna() & (m["rec"] != m["response"])]
    diam = tp_diam.loc[tp_diam["criterion"] == "recist1.1", [*key, "target_response", "value"]]
    m = m.merge(diam, on=key, how="left", suffixes=("", "_diam"))
    ass = cohort.assessments[[*key, "rsseq"]].astype({"rsseq": "string"})
    m = m.merge(ass, on=key, how="left")
    m = m.merge(
        reads.astype({"RSSEQ": "string"}),
        left_on=["patient_id", "rsseq"],
        right_on=["USUBJID", "RSSEQ"],
        how="left",
    )
    m["category"] = m.apply(_categorise, axis=1)
    order = list(SCAN_CATEGORIES)
    m["_o"] = m["category"].map(order.index)
    return m.sort_values(["_o", "patient_id", "date"]).drop(columns="_o").reset_index(drop=True)


def _scan_line(r: pd.Series) -> str:
    new = {True: "yes", False: "no"}.get(bool(r["new_lesion"]), "-")
    return (
        f"  {r['patient_id']} {r['assessment_id']}: recorded {r['OVRLRESP']} (T {r['TRGRESP']}, "
        f"NT {_f(r.get('NTRGRESP'))}, new {_f(r.get('NEWLPROG'))}; SUMDIAM "
        f"{_f(r['SUMDIAM'], '{:g}')}, base {_f(r['SUMDIAM_BASE'], '{:g}')}, "
        f"{r['TL_NOT_DONE']} TL not done) | netsurv {r['response']} (T {r['target_response']}, "
        f"NT {r['nontarget_response']}, new {new}; sum {_f(r['value'], '{:.1f}')}, base "
        f"{_f(r['baseline_value'], '{:.1f}')}, nadir {_f(r['nadir_value'], '{:.1f}')}, "
        f"{_f(r['pct_change_baseline'], '{:+.1f}')} % vs base, "
        f"{_f(r['pct_change_nadir'], '{:+.1f}')} % / {_f(r['abs_change_nadir'], '{:+.1f}')} mm "
        f"vs nadir; T with DIAMETER {r['target_response_diam']})"
    )


def import_at_scale(folder: Path, out: Path | None = None) -> None:
    """The large SDTM (tr_onco / rs_onco; no TU, no ADaM): import and computed vs recorded."""
    tr, rs = read(folder, "tr_onco"), read(folder, "rs_onco")
    sdtm = {"ADSL": read(folder, "adsl"), "TR": tr, "RS": rs}
    t0 = time.perf_counter()
    cohort = read_sdtm(sdtm)
    t_import = time.perf_counter() - t0
    tp = ns.classify(cohort, [READER, RECIST_1_1])
    agr = ns.agreement(tp, criterion_a="reader", criterion_b="recist1.1")
    split = cohort.warnings[cohort.warnings["rule"] == "visit_split_by_date"]
    print(
        f"\nSDTM import at scale (tr_onco {len(tr)} rows, rs_onco; no TU domain: lesion sites "
        f"'other', nodes not recognised): {cohort.n_patients} subjects, "
        f"{len(cohort.assessments)} assessments, {len(cohort.lesions)} lesion rows in "
        f"{t_import:.1f} s"
    )
    for _, w in split.iterrows():
        print(f"  note: {w['row_key']}: {w['message']}")
    print("  computed RECIST 1.1 vs recorded investigator read (scan: time-point response):")
    summary = agr.kappa.copy()
    bt = agr.bor_table
    both_missing = (
        int(bt.to_numpy()[list(bt.index).index("MISSING"), list(bt.columns).index("MISSING")])
        if "MISSING" in bt.index
        else 0
    )
    wd = summary["n"] - np.where(summary["level"] == "scan", 0, both_missing)
    summary.insert(3, "with_data", wd)
    summary.insert(
        4,
        "rate_wd",
        [
            _pct(int(k - (n - w)), int(w))
            for k, n, w in zip(summary["n_agree"], summary["n"], wd, strict=True)
        ],
    )
    print(summary.round(3).to_string(index=False))
    print(
        f"  ('with_data': bor and pd leave out the {both_missing} subjects without a post-baseline"
        " assessment, BOR 'MISSING' on both sides; scans are all informative.)"
    )

    # ---------------------------------------------------------- the scan disagreements
    reads = recorded_reads(tr, rs)
    cohort_d = read_sdtm(sdtm, maps=_diameter_first_maps())
    tp_d = ns.classify(cohort_d, [READER, RECIST_1_1])
    disc = scan_disagreements(cohort, tp.table, tp_d.table, reads)
    counts = disc["category"].value_counts()
    table = pd.DataFrame(
        {
            "category": list(SCAN_CATEGORIES),
            "scans": [int(counts.get(c, 0)) for c in SCAN_CATEGORIES],
            "explanation": list(SCAN_CATEGORIES.values()),
        }
    )
    table = table[(table["scans"] > 0) | (table["category"] == "unexplained")]
    print(f"\n  The {len(disc)} scan disagreements, by cause:")
    width = int(table["category"].str.len().max())
    print(f"  {'category':<{width}}  scans  explanation")
    for c, k, e in table.itertuples(index=False):
        print(f"  {c:<{width}}  {k:>5}  {e}")
    print(f"  {'total':<{width}}  {int(table['scans'].sum()):>5}")

    # evidence for the categories
    ok = reads["TRGRESP"].isin(["CR", "PR", "SD", "PD"]) & reads["SUMDIAM"].notna()
    r = reads[ok]
    n_base = int((r["TRGRESP"] == r["TRGRESP_BASELINE_RULE"]).sum())
    d = tp_d.table
    dd = d[(d["criterion"] == "recist1.1") & (d["role"] == "follow_up")]
    dd = dd.merge(
        cohort_d.assessments[["patient_id", "assessment_id", "rsseq"]].astype({"rsseq": "string"}),
        on=["patient_id", "assessment_id"],
    ).merge(
        r.astype({"RSSEQ": "string"}),
        left_on=["patient_id", "rsseq"],
        right_on=["USUBJID", "RSSEQ"],
    )
    complete = dd["TL_NOT_DONE"] == 0
    dd_full = dd[complete]
    n_recist = int((dd_full["target_response"] == dd_full["TRGRESP"]).sum())
    same_sum = int((complete & np.isclose(dd["value"], dd["SUMDIAM"])).sum())
    agr_d = ns.agreement(tp_d, criterion_a="reader", criterion_b="recist1.1").kappa
    agr_d = agr_d.set_index("level")
    print(
        "\n  Evidence:"
        f"\n  - recorded TRGRESP = the baseline-only rule on SUMDIAM (PD >= +20 % vs baseline,"
        f" PR <= -30 %, CR = 0) at {n_base} / {len(r)} visits; = RECIST 1.1 (growth vs nadir) on"
        f" the same sums at {n_recist} / {len(dd_full)} visits with every target measured"
        f"\n  - with DIAMETER preferred to LDIAM (maps override) netsurv's sum equals SUMDIAM at"
        f" {same_sum} / {int(complete.sum())} visits with every target measured; scan"
        f" agreement {agr_d.loc['scan', 'n_agree']} / {agr_d.loc['scan', 'n']},"
        f" BOR {agr_d.loc['bor', 'n_agree']} / {agr_d.loc['bor', 'n']}"
        f"\n  - tr_onco has DIAMETER = LPERP (not LDIAM) for some lesion-visits, and a lesion's"
        f" 'node' status changes from visit to visit: no TU can tell netsurv which lesions are nodes"
    )
    print(f"\n  Each scan disagreement ({len(disc)}):")
    for cat, g in disc.groupby("category", sort=False):
        print(f"  [{cat}]")
        for _, row in g.iterrows():
            print("  " + _scan_line(row))
    dsub = agr.discordant.copy()
    cats = disc.groupby("patient_id")["category"].agg(lambda c: "; ".join(sorted(set(c))))
    dsub["scan causes"] = dsub["patient_id"].map(cats).fillna("-")
    print(f"\n  Subjects whose BOR or PD status differs ({len(dsub)}), with their scans' causes:")
    print(
        dsub[["patient_id", "bor_a", "bor_b", "pd_a", "pd_b", "n_scans_discordant", "scan causes"]]
        .rename(
            columns={
                "bor_a": "bor_read",
                "bor_b": "bor_computed",
                "pd_a": "pd_read",
                "pd_b": "pd_computed",
            }
        )
        .to_string(index=False)
    )
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        disc.to_csv(out / "scan_disagreements_at_scale.csv", index=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="write netsurv's ADaM and the comparisons here")
    args = parser.parse_args(argv)
    folder = find_data()
    if folder is None:
        print(
            f"pharmaverse reference data not found in {data_root() / 'pharmaverse'} (set "
            "NETSURV_REFERENCE_DATA to the folder holding pharmaverse/; default "
            "../shared/reference-data next to the repository).  Nothing compared."
        )
        return 2
    ref = {
        "adtte": read(folder, "adtte_onco"),
        "adrs": read(folder, "adrs_onco"),
        "adtr": read(folder, "adtr_onco"),
    }
    print(f"pharmaverse data: {folder}")
    runs = {
        "netsurv defaults (fda2018, origin = treatment start)": run_netsurv(
            folder, scheme=FDA2018, origin="line_start"
        ),
        "admiralonco conventions (ADMIRALONCO, origin = RANDDT)": run_netsurv(
            folder, scheme=ADMIRALONCO, origin="origin_date"
        ),
    }
    tables, notes = [], []
    for i, (name, res) in enumerate(runs.items(), start=1):
        t, n = report(f"run {i}", res, ref)
        print(f"run {i}: {name}")
        tables.append(t)
        notes += n
        if args.out:
            write_adam(
                args.out / f"run{i}", datasets={k: res[k] for k in ("adtte", "adrs", "adtr")}
            )
    summary = pd.concat(tables, ignore_index=True)
    print(
        "\nAgreement, subject by subject (AVAL, event and ADT for time-to-event; AVALC and ADT for"
        "\nresponses; AVAL, BASE, PCHG and NADIR of the ANL01FL records for the sum of diameters)."
        "\n'compared': rows compared (subjects; for SDIAM visits).  'with_data': the informative"
        "\nones - a value other than missing / 'MISSING' on at least one side (BOR and CBOR: most"
        "\nADSL subjects have no tumour data and are 'MISSING' on both sides); 'subjects': how many"
        "\nsubjects they belong to; 'agree_wd' / 'rate_wd': agreement among them; 'tumour_subj':"
        "\ncompared subjects with any TR / RS record (OS and PFS of the others rest on ADSL alone)."
        "\n'set_aside': subjects admiralonco lists that netsurv's import set aside with a reason:"
        "\nthe 52 screen failures of ADSL (no RANDDT, TRTSDT nor LSTALVDT), which ADRS lists with"
        "\nBOR 'MISSING' and ADTTE leaves out.\n"
    )
    print(summary.to_string(index=False))
    print(f"\nDisagreements ({len(notes)}), each with its explanation:")
    print("\n".join(notes) if notes else "  none")
    import_at_scale(folder, args.out)
    if args.out:
        summary.to_csv(args.out / "agreement.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
