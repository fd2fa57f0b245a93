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
Every disagreement is printed with its explanation.

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
from netsurv.io import build_adrs, build_adtr, build_adtte, read_sdtm, write_adam

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
        "_cohort": cohort,  # type: ignore[dict-item]
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


def report(
    name: str, res: dict[str, pd.DataFrame], ref: dict[str, pd.DataFrame]
) -> tuple[pd.DataFrame, list[str]]:
    rows, notes = [], []
    att = res["cohort_attrition"]
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
        rows.append(
            {
                "run": name,
                "parameter": kind,
                "criterion": crit or "-",
                "compared": n,
                "agree": agree,
                "rate": f"{100 * agree / n:.1f} %" if n else "-",
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


def import_at_scale(folder: Path) -> None:
    """The large SDTM (tr_onco / rs_onco; no TU, no ADaM): import and computed vs recorded."""
    t0 = time.perf_counter()
    cohort = read_sdtm(
        {"ADSL": read(folder, "adsl"), "TR": read(folder, "tr_onco"), "RS": read(folder, "rs_onco")}
    )
    t_import = time.perf_counter() - t0
    tp = ns.classify(cohort, [READER, RECIST_1_1])
    agr = ns.agreement(tp, criterion_a="reader", criterion_b="recist1.1")
    print(
        f"\nSDTM import at scale (tr_onco {len(read(folder, 'tr_onco'))} rows, rs_onco; no TU "
        f"domain: lesion sites 'other', nodes not recognised): {cohort.n_patients} subjects, "
        f"{len(cohort.assessments)} assessments, {len(cohort.lesions)} lesion rows in "
        f"{t_import:.1f} s"
    )
    print("  computed RECIST 1.1 vs recorded investigator read (scan: time-point response):")
    print(agr.summary.to_string(index=False))


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
        "\n'set_aside': subjects admiralonco lists that netsurv's import set aside with a reason:"
        "\nthe 52 screen failures of ADSL (no RANDDT, TRTSDT nor LSTALVDT), which ADRS lists with"
        "\nBOR 'MISSING' and ADTTE leaves out.\n"
    )
    print(summary.to_string(index=False))
    print(f"\nDisagreements ({len(notes)}), each with its explanation:")
    print("\n".join(notes) if notes else "  none")
    import_at_scale(folder)
    if args.out:
        summary.to_csv(args.out / "agreement.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
