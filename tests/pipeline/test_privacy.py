"""The privacy transforms as values: pseudonyms, date offsets, the key, small-cell suppression,
each checked on hand-worked tables (the whole run is checked in tests/hostile)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import netsurv as ns
from netsurv.config import Config, PrivacyConfig, load_config
from netsurv.errors import ConfigError
from netsurv.pipeline.privacy import (
    KEY_ENV,
    Privacy,
    check_paths,
    is_patient_level,
    read_key,
    write_mapping,
)
from netsurv.pipeline.privacy.small_cells import (
    complementary,
    suppress_at_risk,
    suppress_bor_summary,
    suppress_counts,
    suppress_paired_rates,
    suppress_table_one,
)
from netsurv.survival import kaplan_meier

KEY = "0123456789abcdef" * 4
OTHER_KEY = "fedcba9876543210" * 4
PSEUDONYM = re.compile(r"^[PLAT]-[0-9a-f]{10}$")


def _cohort(tables: dict[str, pd.DataFrame]) -> ns.Cohort:
    return ns.Cohort.from_frames(**tables)


# ---------------------------------------------------------------------- pseudonyms and offsets
def test_same_key_same_pseudonyms_and_offsets_other_key_others() -> None:
    ids = [f"P{i:04d}" for i in range(500)]
    a = Privacy(key=KEY, pseudonymise=True, date_shift="per_patient")
    b = Privacy(key=KEY, pseudonymise=True, date_shift="per_patient")
    c = Privacy(key=OTHER_KEY, pseudonymise=True, date_shift="per_patient")
    assert a.pseudonyms("patient", ids) == b.pseudonyms("patient", ids)
    assert a.offsets(ids) == b.offsets(ids)
    assert not set(a.pseudonyms("patient", ids)) & set(c.pseudonyms("patient", ids))
    assert np.mean(np.array(a.offsets(ids)) == np.array(c.offsets(ids))) < 0.02
    made = a.pseudonyms("patient", ids)
    assert all(PSEUDONYM.match(p) for p in made) and len(set(made)) == len(ids)
    # a kind is its own pseudonym space: line "P0001" is not patient "P0001"
    assert a.pseudonyms("line", ["P0001"])[0] != made[1].replace("P-", "L-")
    # HMAC-SHA256 of the kind and value, truncated (the documented construction)
    import hashlib
    import hmac

    digest = hmac.new(KEY.encode(), b"netsurv\x1fpatient\x1fP0007", hashlib.sha256).hexdigest()
    assert made[7] == "P-" + digest[:10]


def test_offsets_are_whole_days_in_range_never_zero() -> None:
    ids = [f"P{i:05d}" for i in range(4000)]
    off = np.array(Privacy(key=KEY, date_shift="per_patient", date_shift_max_days=30).offsets(ids))
    assert off.min() == -30 and off.max() == 30 and not (off == 0).any()
    counts = np.bincount(off + 30, minlength=61)
    assert counts[30] == 0 and counts.min(initial=10**6, where=np.arange(61) != 30) > 40


def test_collision_is_an_error_naming_both_ids() -> None:
    short = Privacy(key=KEY, pseudonymise=True, pseudonym_length=4)
    ids = [f"P{i:05d}" for i in range(2000)]  # 16 bits: about 30 pairs collide
    with pytest.raises(ConfigError, match=r"patient IDs 'P\d{5}' and 'P\d{5}' share the pseudo"):
        short.pseudonyms("patient", ids)


def test_collision_across_tables_is_caught_by_the_cohort(tables: dict[str, pd.DataFrame]) -> None:
    # a value first met in a later table cannot take a pseudonym of the cohort
    cohort = _cohort(tables)
    short = Privacy(key=KEY, pseudonymise=True, pseudonym_length=4).for_cohort(cohort)
    ids = [f"Q{i:05d}" for i in range(3000)]
    taken = set(short.known["patient"].values())
    clash = next(i for i in ids if short._pseudonyms("patient", [i], {})[0] in taken)
    with pytest.raises(ConfigError, match="share the pseudonym"):
        short.pseudonyms("patient", [clash])


# ---------------------------------------------------------------------- tables
def test_table_pseudonymises_ids_keys_and_shifts_each_patients_dates(
    tables: dict[str, pd.DataFrame],
) -> None:
    cohort = _cohort(tables)
    priv = Privacy(key=KEY, pseudonymise=True, date_shift="per_patient").for_cohort(cohort)
    tp = ns.classify(cohort, "recist1.1")
    ep = ns.derive_endpoints(cohort, tp, endpoints=["PFS", "OS"]).table
    out = priv.table("endpoints", ep)
    real = dict(zip(priv.known["patient"].values(), priv.known["patient"], strict=True))
    ids = cohort.patients["patient_id"]
    offset = dict(zip(ids, priv.offsets(ids), strict=True))
    back = out.assign(patient_id=out["patient_id"].map(real))
    assert back["patient_id"].notna().all() and set(out["line_id"]) <= {
        priv.known["line"][x] for x in ("L1", "L2")
    }
    merged = back.merge(ep, on=["patient_id", "criterion", "endpoint", "days"], suffixes=("", "_r"))
    assert len(merged) == len(ep)
    shift = (merged["date"] - merged["date_r"]).dt.days
    assert (shift == merged["patient_id"].map(offset)).all() and (shift != 0).all()
    assert ((merged["origin_date"] - merged["origin_date_r"]).dt.days == shift).all()
    assert (merged["months"] == merged["months_r"]).all()  # durations unchanged
    # row keys part by part; rows ordered by pseudonym, not by the real IDs
    src = out.loc[out["source_table"] == "assessments", "source_key"]
    assert src.str.fullmatch(r"P-[0-9a-f]{10} / A-[0-9a-f]{10}").all()
    assert list(out["patient_id"]) == sorted(out["patient_id"])


def test_row_keys_of_every_layout() -> None:
    priv = Privacy(key=KEY, pseudonymise=True)
    att = pd.DataFrame(
        {
            "table": ["lines", "lesions", "criteria", "patients", "TR", "lines", "patients"],
            "row_key": [
                "P1 / L2",
                "P1 / A3 / T1",
                "sstv",
                "line 7",
                "P1 / WEEK 12",
                "P1 / L2 / extra",
                None,
            ],
            "stage": "x",
            "reason": "y",
        }
    )
    out = priv.table("attrition", att).set_index("table")["row_key"]
    p1, l2, a3, t1 = (
        priv.pseudonyms(k, [v])[0]
        for k, v in [("patient", "P1"), ("line", "L2"), ("assessment", "A3"), ("lesion", "T1")]
    )
    assert out["lesions"] == f"{p1} / {a3} / {t1}"
    assert out["criteria"] == "sstv"
    assert set(out["patients"].dropna()) == {"line 7"} and out["patients"].isna().sum() == 1
    # an unknown layout keeps nothing real: the patient, then the rest as one K- pseudonym
    assert re.fullmatch(rf"{p1} / K-[0-9a-f]{{10}}", out["TR"])
    assert set(out["lines"]) == {
        f"{p1} / {l2}",
        f"{p1} / {priv.pseudonyms('key', ['L2 / extra'])[0]}",
    }


def test_lesion_level_row_keys_name_the_line_and_the_scan() -> None:
    """lesion_response's attrition names a lesion over a line (patient / line / lesion) or
    on one scan (patient / line / assessment / lesion): each part gets the pseudonym of its
    kind, the same as in the ID columns (a line is never hashed as an assessment)."""
    priv = Privacy(key=KEY, pseudonymise=True)
    att = pd.DataFrame(
        {
            "table": "lesion_response",
            "row_key": ["P1 / L2 / T1", "P1 / L2 / A3 / T1"],
            "stage": "lesion_response",
            "reason": "y",
        }
    )
    out = priv.table("lesion_attrition", att)["row_key"]
    p1, l2, a3, t1 = (
        priv.pseudonyms(k, [v])[0]
        for k, v in [("patient", "P1"), ("line", "L2"), ("assessment", "A3"), ("lesion", "T1")]
    )
    assert sorted(out) == sorted([f"{p1} / {l2} / {t1}", f"{p1} / {l2} / {a3} / {t1}"])


def test_lesion_ids_that_embed_the_patient_id_leave_nothing_of_it() -> None:
    """Lesion (and line, assessment) IDs built from the patient ID ("P0001-L01") are
    pseudonymised whole, in ID columns and row keys, with dates moved by the patient."""
    priv = Privacy(key=KEY, pseudonymise=True, date_shift="per_patient")
    lesions = pd.DataFrame(
        {
            "patient_id": ["P0001", "P0001", "P0002"],
            "line_id": ["P0001-L1", "P0001-L1", "P0002-L1"],
            "assessment_id": ["P0001-A1", "P0001-A2", "P0002-A1"],
            "date": pd.to_datetime(["2020-01-05", "2020-03-05", "2021-02-01"]),
            "lesion_id": ["P0001-L01", "P0001-L01", "P0002-L01"],
            "site": "liver",
            "value": [20.0, 15.0, 30.0],
        }
    )
    out = priv.table("lesion_response", lesions)
    att = priv.table(
        "lesion_attrition",
        pd.DataFrame(
            {
                "table": "lesion_response",
                "row_key": [
                    "P0001 / P0001-L1 / P0001-L01",
                    "P0002 / P0002-L1 / P0002-A1 / P0002-L01",
                ],
                "stage": "lesion_response",
                "reason": "y",
            }
        ),
    )
    text = out.to_csv(index=False) + att.to_csv(index=False)
    assert "P0001" not in text and "P0002" not in text and "L01" not in text
    for col in ("patient_id", "line_id", "assessment_id", "lesion_id"):
        assert out[col].str.fullmatch(PSEUDONYM.pattern).all(), col
    # one lesion keeps one pseudonym across its scans; dates moved by the patient's offset
    assert out.groupby("patient_id")["lesion_id"].nunique().tolist() == [1, 1]
    offset = dict(zip(["P0001", "P0002"], priv.offsets(["P0001", "P0002"]), strict=True))
    real = {priv.pseudonyms("patient", [p])[0]: p for p in offset}
    back = out.assign(patient_id=out["patient_id"].map(real)).sort_values(["patient_id", "date"])
    want = lesions.sort_values(["patient_id", "date"])
    shift = (back["date"].to_numpy() - want["date"].to_numpy()) / np.timedelta64(1, "D")
    assert shift.tolist() == [offset[p] for p in want["patient_id"]]


def test_validation_warnings_values_by_column_and_free_text(
    tables: dict[str, pd.DataFrame],
) -> None:
    tables["patients"].loc[0, "last_alive_date"] = "2020-08-01"  # P001 scanned after it
    tables["patients"].loc[1, "ki67_pct"] = "45"  # P002: G2 with Ki-67 45 %
    cohort = _cohort(tables)
    assert len(cohort.warnings) == 2
    priv = Privacy(key=KEY, pseudonymise=True, date_shift="per_patient").for_cohort(cohort)
    extra = pd.DataFrame(
        [
            {
                "table": "lines",
                "column": "line_id",
                "row_key": "P003 / L1",
                "value": "L1",
                "message": "P003 line L1 started 2020-03-02",
            },
            {
                "table": "lines",
                "column": "end_date",
                "row_key": "P003 / L1",
                "value": "03/2020",
                "message": "odd date",
            },
        ]
    )
    warn = pd.concat([cohort.warnings, extra.assign(severity="warning", rule="r")])
    out = priv.table("validation_warnings", warn).set_index("column")
    p1, p3 = priv.pseudonyms("patient", ["P001", "P003"])
    o1, o3 = priv.offsets(["P001", "P003"])
    assert out.loc["date", "row_key"].startswith(p1 + " / A-")
    shifted = (pd.Timestamp("2020-09-23") + pd.Timedelta(days=o1)).date().isoformat()
    assert out.loc["date", "value"] == shifted
    assert out.loc["line_id", "value"] == priv.pseudonyms("line", ["L1"])[0]
    moved = (pd.Timestamp("2020-03-02") + pd.Timedelta(days=o3)).date().isoformat()
    assert out.loc["line_id", "message"] == f"{p3} line L1 started {moved}"
    assert out.loc["end_date", "value"] == "[date withheld]"  # not an ISO date: not shifted
    assert out.loc["grade", "value"] == "G2"
    text = out.to_csv()
    for real in ("P001", "P002", "P003", "2020-09-23", "2020-03-02", "03/2020"):
        assert real not in text


def test_dates_without_a_patient_are_an_error_and_notes_withhold_dates() -> None:
    priv = Privacy(key=KEY, date_shift="per_patient")
    with pytest.raises(ConfigError, match=r"table 'x' has date column\(s\) \['d'\] but no patient"):
        priv.table("x", pd.DataFrame({"d": pd.to_datetime(["2020-01-01"])}))
    with pytest.raises(ConfigError, match="1 date"):
        priv.table("y", pd.DataFrame({"patient_id": [None], "d": pd.to_datetime(["2020-01-01"])}))
    assert priv.text("cut-off 2023-06-30.") == "cut-off [date withheld]."


def test_privacy_without_key_options_needs_no_key_and_changes_no_id() -> None:
    priv = Privacy.from_config(PrivacyConfig(min_cell=5), environ={})
    assert priv is not None and priv.key is None
    df = pd.DataFrame({"patient_id": ["P1"], "date": pd.to_datetime(["2020-01-01"])})
    pd.testing.assert_frame_equal(priv.table("endpoints", df), df)
    assert Privacy.from_config(PrivacyConfig(), environ={}) is None
    assert is_patient_level(df) and not is_patient_level(df.drop(columns="patient_id"))


# ---------------------------------------------------------------------- the key
def test_key_from_env_or_file_never_shown(tmp_path: Path) -> None:
    section = PrivacyConfig(pseudonymise=True, key_file=Path("secret.key"))
    (tmp_path / "secret.key").write_text(KEY + "\n", encoding="utf-8")
    assert read_key(section, base_dir=tmp_path, environ={}) == KEY
    assert read_key(section, base_dir=tmp_path, environ={KEY_ENV: KEY}) == KEY
    with pytest.raises(ConfigError, match="hold different keys") as err:
        read_key(section, base_dir=tmp_path, environ={KEY_ENV: OTHER_KEY})
    assert KEY not in str(err.value) and OTHER_KEY not in str(err.value)
    env_only = PrivacyConfig(pseudonymise=True)
    priv = Privacy.from_config(env_only, environ={KEY_ENV: KEY})
    assert priv is not None and priv.key == KEY and KEY not in repr(priv)
    for bad, message in [
        ({}, "need a secret key: make one with  python -c"),
        ({KEY_ENV: "short"}, "the key has 5 characters; use at least 32"),
    ]:
        with pytest.raises(ConfigError, match=message):
            Privacy.from_config(env_only, environ=bad)
    home = PrivacyConfig(pseudonymise=True, key_file=Path("~/secret.key"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(tmp_path))
        assert read_key(home, base_dir=Path("/elsewhere"), environ={}) == KEY
    missing = PrivacyConfig(date_shift="per_patient", key_file=Path("nope.key"))
    with pytest.raises(ConfigError, match=r"privacy.key_file: .*nope.key does not exist"):
        Privacy.from_config(missing, base_dir=tmp_path, environ={})


def test_paths_inside_the_run_folder_or_over_another_file_are_refused(tmp_path: Path) -> None:
    run = tmp_path / "out"
    for key in ("key_file", "mapping_file"):
        section = PrivacyConfig(pseudonymise=True, **{key: Path("out/sub/x.csv")})
        with pytest.raises(ConfigError, match=f"privacy.{key}: .* is inside the run folder"):
            check_paths(section, base_dir=tmp_path, run_folder=run)
    key_in_data = PrivacyConfig(pseudonymise=True, key_file=Path("data/netsurv.key"))
    with pytest.raises(ConfigError, match=r"privacy\.key_file: .* is inside the data folder"):
        check_paths(key_in_data, base_dir=tmp_path, run_folder=run, data=tmp_path / "data")
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    section = PrivacyConfig(pseudonymise=True, mapping_file=Path("notes.csv"))
    with pytest.raises(ConfigError, match="exists and is not a netsurv mapping"):
        check_paths(section, base_dir=tmp_path, run_folder=run)
    # a previous mapping may be replaced
    m = pd.DataFrame({"kind": ["patient"], "real": ["P1"], "pseudonym": ["P-0"]})
    write_mapping(m, tmp_path / "map.csv")
    section = PrivacyConfig(pseudonymise=True, mapping_file=Path("map.csv"))
    check_paths(section, base_dir=tmp_path, run_folder=run)
    assert (tmp_path / "map.csv").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_config_section_rejects_unknown_keys_and_a_mapping_without_pseudonyms(
    tmp_path: Path,
) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[privacy]\npseudonymize = true\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key 'privacy\.pseudonymize'"):
        load_config(p)
    p.write_text('[privacy]\nmapping_file = "m.csv"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"privacy\.pseudonymise is false"):
        load_config(p)
    cfg = Config.model_validate({"privacy": {"pseudonymise": True, "id_columns": "mrn"}})
    assert cfg.privacy.id_columns == ["mrn"] and cfg.report.patient_level is True


def test_mapping_lists_every_id_with_patient_offsets(tables: dict[str, pd.DataFrame]) -> None:
    cohort = _cohort(tables)
    priv = Privacy(key=KEY, pseudonymise=True, date_shift="per_patient").for_cohort(cohort)
    m = priv.mapping()
    assert list(m.columns) == ["kind", "real", "pseudonym", "date_shift_days"]
    assert set(m.loc[m["kind"] == "patient", "real"]) == {"P001", "P002", "P003"}
    assert set(m.loc[m["kind"] == "lesion", "real"]) == {"T1", "T2", "X1"}
    pts = m[m["kind"] == "patient"]
    assert list(pts["date_shift_days"]) == priv.offsets(pts["real"])
    assert m.loc[m["kind"] != "patient", "date_shift_days"].isna().all()
    with pytest.raises(ConfigError, match="for_cohort"):
        Privacy(key=KEY, pseudonymise=True).mapping()


def test_id_columns_listed_in_the_config_are_pseudonymised() -> None:
    priv = Privacy(key=KEY, pseudonymise=True, id_columns=("mrn",))
    out = priv.table("x", pd.DataFrame({"mrn": ["123456", "123456", None], "v": [1, 2, 3]}))
    assert out["mrn"].iloc[0] == out["mrn"].iloc[1] and out["mrn"].iloc[0].startswith("X-")
    assert out["mrn"].iloc[2] is None


# ---------------------------------------------------------------------- small cells
def test_table_one_primary_complementary_and_percentages() -> None:
    t1 = pd.DataFrame(
        {
            "variable": ["n", "age_years", "age_years", "grade", "grade", "grade", "sex", "sex"],
            "level": ["", "median [IQR]", "missing", "G1", "G2", "missing", "F", "M"],
            "Overall": [
                "30",
                "60 [50, 70]",
                "1",
                "12 (41.4 %)",
                "17 (58.6 %)",
                "1",
                "15 (50.0 %)",
                "15 (50.0 %)",
            ],
            "A": [
                "27",
                "61 [50, 70]",
                "0",
                "10 (37.0 %)",
                "17 (63.0 %)",
                "0",
                "14 (51.9 %)",
                "13 (48.1 %)",
            ],
            "B": [
                "3",
                "55 [52, 58]",
                "1",
                "2 (100.0 %)",
                "0 (0.0 %)",
                "1",
                "1 (33.3 %)",
                "2 (66.7 %)",
            ],
        }
    )
    out = suppress_table_one(t1, 5)
    # worked by hand: primary cells are the counts 1-4 and the median of B's 2 known ages;
    # complementary ones keep every row (groups -> Overall) and every variable's column
    # (levels + missing -> n) from holding exactly one hidden count
    expected = {
        "Overall": [
            "30",
            "60 [50, 70]",
            "<5",
            "suppressed",
            "17",
            "<5",
            "15 (50.0 %)",
            "15 (50.0 %)",
        ],
        "A": [
            "suppressed",
            "61 [50, 70]",
            "0",
            "suppressed",
            "17",
            "0",
            "suppressed",
            "suppressed",
        ],
        "B": ["<5", "suppressed", "<5", "<5", "0", "<5", "<5", "<5"],
    }
    assert {c: out[c].tolist() for c in expected} == expected
    counts = out[out["level"] != "median [IQR]"].set_index(["variable", "level"])
    hidden = counts.isin(["<5", "suppressed"])
    assert (hidden.sum(axis=1) != 1).all()
    for var in ("grade", "sex"):
        block = hidden.loc[[("n", ""), *[k for k in hidden.index if k[0] == var]]]
        assert (block.sum() != 1).all(), var


def test_complementary_picks_the_smallest_part_and_keeps_totals() -> None:
    c = np.array([[20.0, 3.0, 9.0, 8.0]])
    hidden = complementary(c, (c >= 1) & (c < 5), [[(0, 0), (0, 1), (0, 2), (0, 3)]])
    assert hidden.tolist() == [[False, False, False, True]]


def test_bor_summary_and_counts_at_k_are_shown() -> None:
    bor = pd.DataFrame(
        {
            "criterion": ["a", "b"],
            "CR": [5, 0],
            "PR": [20, 4],
            "SD": [30, 41],
            "PD": [45, 55],
            "n": [100, 100],
            "orr_pct": [25.0, 4.0],
            "dcr_pct": [55.0, 45.0],
        }
    )
    out = suppress_bor_summary(bor, 5)
    assert out.loc[0, ["CR", "PR", "orr_pct"]].tolist() == [5, "20", 25.0]  # 5 >= k: shown
    assert out.loc[1, "PR"] == "<5" and out.loc[1, "SD"] == "suppressed"
    assert out.loc[1, "CR"] == 0 and np.isnan(out.loc[1, "orr_pct"])


def test_at_risk_from_the_first_small_number_on() -> None:
    risk = pd.DataFrame(
        {
            "endpoint": "OS",
            "group": ["a"] * 4 + ["b"] * 2,
            "time": [0, 12, 24, 36, 0, 12],
            "n_risk": [40, 9, 4, 0, 6, 5],
            "n_events": [0, 25, 29, 33, 0, 1],
            "n_censored": [0, 6, 7, 7, 0, 0],
        }
    )
    out = suppress_at_risk(risk, 5)
    assert out["n_risk"].tolist() == ["40", "9", "<5", "0", "6", "5"]
    assert out["n_events"].tolist() == ["0", "25", "suppressed", "suppressed", "0", "1"]


def test_generic_counts_and_km_medians_of_small_groups() -> None:
    med = pd.DataFrame(
        {
            "group": ["a", "b"],
            "records": [50, 2],
            "n": [50, 2],
            "events": [30, 1],
            "median": [12.0, 3.0],
            "lower": [9.0, 1.0],
            "upper": [15.0, np.nan],
        }
    )
    out = suppress_counts(med, 5)
    assert (
        out.loc[1, ["n", "events", "median", "upper"]].tolist() == ["<5", "<5"] + ["suppressed"] * 2
    )
    assert out.loc[0, ["median", "upper"]].tolist() == ["12.0", "15.0"]  # text, as in the CSV
    agr = pd.DataFrame({"level": ["bor"], "n": [40], "n_agree": [3], "percent_agreement": [7.5]})
    out = suppress_counts(agr, 5)
    assert out.loc[0, "n_agree"] == "<5" and np.isnan(out.loc[0, "percent_agreement"])
    assert suppress_counts(pd.DataFrame({"x": [1]}), 5).equals(pd.DataFrame({"x": [1]}))


def test_km_figure_at_risk_numbers_and_legend_are_suppressed() -> None:
    from netsurv.plots import at_risk_axes, km_plot

    df = pd.DataFrame(
        {
            "months": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2, 4],
            "event": [1] * 12,
            "arm": ["a"] * 10 + ["b"] * 2,
        }
    )
    fig = Figure()
    ax = km_plot(
        kaplan_meier(df, duration_col="months", event_col="event", by="arm"),
        ax=fig.add_subplot(),
        times=[0, 4, 8],
    )
    Privacy(min_cell=5).figure(fig)
    assert [t.get_text() for t in at_risk_axes(ax).texts] == ["10", "7", "<5", "<5", "<5", "0"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a (n = 10)", "b (n <5)"]


def test_follow_up_rates_and_paired_rates_of_few_are_suppressed() -> None:
    t1 = pd.DataFrame(
        {
            "variable": ["n", "follow-up"],
            "level": ["", "median (95% CI), reverse KM"],
            "Overall": ["30", "40.1 (35.0–52.2)"],
            "A": ["27", "41.0 (36.0–55.0)"],
            "B": ["3", "22.5 (12.0–NR)"],
        }
    )
    out = suppress_table_one(t1, 5)
    assert out.loc[1, ["Overall", "A", "B"]].tolist() == [
        "40.1 (35.0–52.2)",
        "41.0 (36.0–55.0)",
        "suppressed",
    ]
    rates = pd.DataFrame(
        {
            "criterion": ["a", "b"],
            "rate": "ORR",
            "n": [50, 50],
            "count": [3, 20],
            "estimate": [0.06, 0.4],
            "lower": [0.01, 0.26],
            "upper": [0.17, 0.55],
        }
    )
    out = suppress_counts(rates, 5)
    assert (
        out.loc[0, ["count", "estimate", "lower", "upper"]].tolist() == ["<5"] + ["suppressed"] * 3
    )
    assert out.loc[1, ["count", "estimate"]].tolist() == ["20", "0.4"]
    # one type per column: the table's Parquet file can be written, and its CSV is as before
    assert pd.read_parquet(io.BytesIO(out.to_parquet())).equals(out)
    assert out.iloc[[1]].to_csv(index=False) == rates.iloc[[1]].to_csv(index=False)
    pairs = pd.DataFrame(
        {
            "n": [50, 50],
            "both": [10, 20],
            "only_criterion": [2, 10],
            "only_reference": [8, 5],
            "neither": [30, 15],
            "p_exact": [0.1, 0.3],
        }
    )
    out = suppress_paired_rates(pairs, 5)
    assert out["only_reference"].tolist() == ["suppressed", "5"]
    assert out["p_exact"].tolist() == ["suppressed", "0.3"]
