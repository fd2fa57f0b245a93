"""Properties on random inputs: partial-date imputation brackets the true date; random SDTM
studies import with every read kept, PFS <= OS, and ADTTE reads back to the same endpoints."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netsurv as ns
from netsurv.endpoints import ADMIRALONCO
from netsurv.io import build_adrs, build_adtte, read_adtte, read_sdtm
from netsurv.io.dtc import parse_dtc

SETTINGS = settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
READS = ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]


@SETTINGS
@given(
    st.lists(
        st.dates(pd.Timestamp("1950-01-01").date(), pd.Timestamp("2090-12-31").date()),
        min_size=1,
        max_size=20,
    )
)
def test_imputation_brackets_the_date(dates: list) -> None:
    full = pd.Series([d.isoformat() for d in dates])
    true = pd.to_datetime(full)
    for cut, flag in ((7, "D"), (4, "M")):
        part = full.str.slice(0, cut)
        first = parse_dtc(part, impute="first")
        last = parse_dtc(part, impute="last")
        assert (first.date <= true).all() and (true <= last.date).all()
        assert (first.imputed == flag).all() and (last.imputed == flag).all()
        assert parse_dtc(part, impute="none").date.isna().all()
    for how in ("first", "last", "none"):
        d = parse_dtc(full, impute=how)
        assert d.date.equals(true.astype("datetime64[ns]")) and (d.imputed == "").all()


@st.composite
def studies(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    n = draw(st.integers(1, 4))
    adsl, tr, rs = [], [], []
    for i in range(n):
        sid = f"S{i}"
        start = pd.Timestamp("2021-01-01") + pd.Timedelta(days=draw(st.integers(0, 60)))
        days = sorted(set(draw(st.lists(st.integers(20, 400), min_size=0, max_size=5))))
        death = draw(st.one_of(st.none(), st.integers(1, 500)))
        last = max([*days, 30]) + draw(st.integers(0, 100))
        if death is not None:
            last = max(last, death)
        adsl.append(
            {
                "USUBJID": sid,
                "RANDDT": start.date().isoformat(),
                "TRTSDT": start.date().isoformat(),
                "LSTALVDT": (start + pd.Timedelta(days=last)).date().isoformat(),
                "DTHDT": None
                if death is None
                else (start + pd.Timedelta(days=last)).date().isoformat(),
            }
        )
        visits = [(-3, "BASELINE")] + [(d, f"WEEK {d // 7}") for d in days]
        for k, (d, name) in enumerate(visits):
            dtc = (start + pd.Timedelta(days=d)).date().isoformat()
            size = draw(st.integers(10, 60))
            tr.append(
                {
                    "USUBJID": sid,
                    "TRLNKID": "T01",
                    "TRGRPID": "TARGET",
                    "TRTESTCD": "LDIAM",
                    "TRSTRESN": float(size),
                    "TRSTRESC": str(size),
                    "TRSTRESU": "mm",
                    "VISITNUM": k,
                    "VISIT": name,
                    "TRDTC": dtc,
                }
            )
            if d > 0:
                rs.append(
                    {
                        "USUBJID": sid,
                        "RSTESTCD": "OVRLRESP",
                        "RSSTRESC": draw(st.sampled_from(READS)),
                        "VISITNUM": k,
                        "VISIT": name,
                        "RSDTC": dtc,
                    }
                )
    out = {"ADSL": pd.DataFrame(adsl), "TR": pd.DataFrame(tr)}
    if rs:
        out["RS"] = pd.DataFrame(rs)
    return out


@SETTINGS
@given(studies())
def test_random_studies(study: dict[str, pd.DataFrame]) -> None:
    cohort = read_sdtm(study)
    rs = study.get("RS", pd.DataFrame(columns=["USUBJID", "VISIT", "RSSTRESC"]))
    got = cohort.assessments.dropna(subset=["reader_response"])
    assert sorted(
        zip(got["patient_id"], got["visit"], got["reader_response"], strict=True)
    ) == sorted(zip(rs["USUBJID"], rs["VISIT"], rs["RSSTRESC"], strict=True))
    tp = ns.classify(cohort, ["reader", "recist1.1"])
    ep = ns.derive_endpoints(
        cohort, tp, endpoints=["OS", "PFS"], censoring=ADMIRALONCO, origin="origin_date"
    )
    t = ep.table
    os_days = t[t["endpoint"] == "OS"].set_index("patient_id")["days"]
    pfs = t[t["endpoint"] == "PFS"]
    assert (pfs["days"].to_numpy() <= os_days.reindex(pfs["patient_id"]).to_numpy()).all()
    ad = build_adtte(ep, adrs=build_adrs(tp, cohort=cohort))
    assert ad.loc[ad["SRCDOM"] == "ADRS", "SRCSEQ"].notna().all()
    pd.testing.assert_frame_equal(read_adtte(ad), t, check_dtype=False)
