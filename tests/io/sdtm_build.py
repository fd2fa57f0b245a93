"""Small SDTM-shaped frames for the tests: a hand-worked three-subject study.

Subject S1 (investigator and two independent radiologists read it): a liver target and a
lymph-node target (short axis by LPERP), a non-target lesion; RECIST responses by hand:

=========  ==========  =====================  ====  =====================================
visit      date        liver LD / node SA     sum   response (computed = recorded RS)
=========  ==========  =====================  ====  =====================================
SCREENING  2021-01-04  40 / 20 (LD 26)        60    baseline
WEEK 8     2021-03     30 / 12                42    PR (-30 %); TR date partial
WEEK 16    2021-05-03  25 / 8                 33    PR (node < 10 but liver > 0)
WEEK 24    2021-06-28  34 / 11                45    SD (+36 % vs nadir 33 but 12 mm: PD!)
=========  ==========  =====================  ====  =====================================

(45 - 33 = 12 mm >= 5 and +36.4 % >= 20 %: week 24 is PD by the sum.)

Subject S2: one liver target in cm (TRSTRESU "cm"), an equivocal new lesion at week 8 (not
counted) that is unequivocal at week 16 (PD).  Subject S3: screen failure (no dates at all).
"""

from __future__ import annotations

import pandas as pd

ADSL = pd.DataFrame(
    {
        "USUBJID": ["S1", "S2", "S3"],
        "RANDDT": ["2021-01-08", "2021-02-01", None],
        "TRTSDT": ["2021-01-10", "2021-02-03", None],
        "TRTEDT": ["2021-07-01", "2021-05-20", None],
        "LSTALVDT": ["2021-12-01", "2021-09-30", None],
        "DTHDT": [None, "2021-09-30", None],
        "SEX": ["F", "M", "F"],
        "AGE": ["61", "70", "55"],
        "TRT01A": ["177Lu-DOTATATE", "177Lu-DOTATATE", None],
        "ARM": ["PRRT", "PRRT", "Screen Failure"],
    }
)

TU = pd.DataFrame(
    {
        "USUBJID": ["S1", "S1", "S1", "S1", "S2", "S2"],
        "TULNKID": ["T01", "T02", "NT01", "T01", "T01", "NEW01"],
        "TUSTRESC": ["TARGET", "TARGET", "NON-TARGET", "TARGET", "TARGET", "NEW"],
        "TULOC": ["LIVER", "LYMPH NODE", "BONE", "LIVER", "LIVER", "LUNG"],
        "TUEVAL": ["INVESTIGATOR"] * 3 + ["INDEPENDENT ASSESSOR"] + ["INVESTIGATOR"] * 2,
        "TUEVALID": [None, None, None, "RADIOLOGIST 1", None, None],
    }
)


def _tr_rows() -> list[dict[str, object]]:
    visits = [
        (1, "SCREENING", "2021-01-04"),
        (2, "WEEK 8", "2021-03"),
        (3, "WEEK 16", "2021-05-03"),
        (4, "WEEK 24", "2021-06-28"),
    ]
    s1 = {  # visit -> (liver LD, node LD, node SA, non-target state)
        1: (40, 26, 20, "PRESENT"),
        2: (30, 18, 12, "PRESENT"),
        3: (25, 12, 8, "PRESENT"),
        4: (34, 14, 11, "PRESENT"),
    }
    rows: list[dict[str, object]] = []

    def add(
        subj: str,
        vnum: int,
        visit: str,
        dtc: str,
        link: str,
        grp: str,
        test: str,
        res: object,
        unit: str | None = "mm",
        evaluator: str = "INVESTIGATOR",
        evalid: str | None = None,
    ) -> None:
        rows.append(
            {
                "USUBJID": subj,
                "TRLNKID": link,
                "TRGRPID": grp,
                "TRTESTCD": test,
                "TRSTRESC": None if res is None else str(res),
                "TRSTRESN": res if isinstance(res, int | float) else None,
                "TRSTRESU": unit if isinstance(res, int | float) else None,
                "TRMETHOD": "CT SCAN",
                "TREVAL": evaluator,
                "TREVALID": evalid,
                "VISITNUM": vnum,
                "VISIT": visit,
                "TRDTC": dtc,
            }
        )

    for vnum, visit, dtc in visits:
        liver, node_ld, node_sa, state = s1[vnum]
        add("S1", vnum, visit, dtc, "T01", "TARGET", "LDIAM", liver)
        add("S1", vnum, visit, dtc, "T02", "TARGET", "LDIAM", node_ld)
        add("S1", vnum, visit, dtc, "T02", "TARGET", "LPERP", node_sa)
        add("S1", vnum, visit, dtc, "NT01", "NON-TARGET", "TUMSTATE", state, None)
        # the independent radiologist measures the liver lesion 2 mm larger
        add(
            "S1",
            vnum,
            visit,
            dtc,
            "T01",
            "TARGET",
            "LDIAM",
            liver + 2,
            evaluator="INDEPENDENT ASSESSOR",
            evalid="RADIOLOGIST 1",
        )
    s2 = [
        (1, "SCREENING", "2021-01-28", 5.0, None),
        (2, "WEEK 8", "2021-03-30", 4.8, "EQUIVOCAL"),
        (3, "WEEK 16", "2021-05-25", 4.6, "UNEQUIVOCAL"),
    ]
    for vnum, visit, dtc, cm, new in s2:
        add("S2", vnum, visit, dtc, "T01", "TARGET", "LDIAM", cm, "cm")
        add("S2", vnum, visit, dtc, "T01", "TARGET", "SUMDIAM", cm * 10)
        if new:
            add("S2", vnum, visit, dtc, "NEW01", "NEW", "TUMSTATE", new, None)
    return rows


TR = pd.DataFrame(_tr_rows())
TR["TRSEQ"] = range(1, len(TR) + 1)

RS = pd.DataFrame(
    {
        "USUBJID": ["S1"] * 4 + ["S2"] * 2,
        "RSTESTCD": ["OVRLRESP", "OVRLRESP", "OVRLRESP", "NTRGRESP", "OVRLRESP", "OVRLRESP"],
        "RSSTRESC": ["PR", "PR", "PD", "NON-CR/NON-PD", "CHECK", "PD"],
        "RSEVAL": ["INVESTIGATOR"] * 6,
        "VISITNUM": [2, 3, 4, 4, 2, 3],
        "VISIT": ["WEEK 8", "WEEK 16", "WEEK 24", "WEEK 24", "WEEK 8", "WEEK 16"],
        "RSDTC": ["2021-03", "2021-05-03", "2021-06-28", "2021-06-28", "2021-03-30", "2021-05-25"],
        "RSSEQ": [1, 2, 3, 4, 1, 2],
    }
)


def domains(**changes: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The study's domains, with some replaced (or removed with None)."""
    out = {"ADSL": ADSL, "TU": TU, "TR": TR, "RS": RS}
    for k, v in changes.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return {k: v.copy() for k, v in out.items()}
