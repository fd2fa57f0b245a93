"""A run with ``[privacy]`` on the demo cohort, read as a hostile reviewer would: no real
patient, line, assessment or lesion ID and no real date anywhere in the run folder, the key
nowhere, every table equal to the run without privacy up to the declared transforms (so
durations and every statistic are identical), small counts suppressed, patient-level figures
out of report.html; and the errors (no key, a collision, a mapping file inside the run folder)
stop the run before anything is written, while validation errors keep naming real rows."""

from __future__ import annotations

import base64
import json
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import valid_tables
from typer.testing import CliRunner

import netsurv as ns
from netsurv.cli import app
from netsurv.config import load_config
from netsurv.pipeline import RunResult, run
from netsurv.pipeline.privacy import KEY_ENV, Privacy

KEY = "9f2c4e6a8b0d1f3e5a7c9e1b3d5f7a9c" * 2
#: With pseudonym_length = 4, two demo patients share a pseudonym under this key.
COLLIDING_KEY = "collision-test-key-04-" + "x" * 20
K = 5
PSEUDONYM = re.compile(r"^[PLAT]-[0-9a-f]{10}$")
CONFIG = """
[run]
name = "privacy"
seed = 3
output = "out"
[data]
source = "demo"
[criteria]
presets = ["recist1.1", "choi"]
[endpoints]
names = ["PFS", "OS"]
[km]
endpoints = ["PFS", "OS"]
[landmark]
months = [6]
outcome = "OS"
status = "response"
[compare]
enabled = false
[lesions]
enabled = true
criteria = ["recist1.1", "choi"]
[figures]
include = ["km", "waterfall", "spider", "swimmer"]
formats = ["png", "pdf"]
[report]
enabled = false
"""
PRIVATE = f"""
[privacy]
pseudonymise = true
date_shift = "per_patient"
min_cell = {K}
key_file = "../secret/netsurv.key"
mapping_file = "../secret/mapping.csv"
"""


def _config(folder: Path, extra: str = "", sets: tuple[str, ...] = ()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "study.toml"
    p.write_text(CONFIG + extra, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunResult]:
    root = tmp_path_factory.mktemp("privacy")
    (root / "secret").mkdir()
    (root / "secret" / "netsurv.key").write_text(KEY + "\n", encoding="utf-8")
    plain = run(load_config(_config(root / "plain")))
    private = run(
        load_config(
            _config(root / "private", PRIVATE),
            ["report.enabled=true", "report.patient_level=false"],
        )
    )
    return {"plain": plain, "private": private}


# ---------------------------------------------------------------------- what a file shows
def _pdf_text(path: Path) -> str:
    """The text a PDF draws (each TJ / Tj string of every content stream)."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", path.read_bytes(), re.S):
        try:
            s = zlib.decompress(m.group(1))
        except zlib.error:
            continue
        for arr in re.findall(rb"\[((?:[^\]\\]|\\.)*)\]\s*TJ", s) + re.findall(
            rb"(\((?:[^)\\]|\\.)*\))\s*Tj", s
        ):
            pieces = re.findall(rb"\(((?:[^)\\]|\\.)*)\)", arr)
            out.append(b"".join(pieces).replace(b"\x00", b"").decode("latin-1"))
    return "\n".join(out)


def _png_text(path: Path) -> str:
    """The text chunks of a PNG (tEXt, iTXt, zTXt)."""
    data, out, i = path.read_bytes(), [], 8
    while i < len(data):
        n = int.from_bytes(data[i : i + 4], "big")
        kind, body = data[i + 4 : i + 8], data[i + 8 : i + 8 + n]
        if kind in (b"tEXt", b"iTXt"):
            out.append(body.decode("latin-1"))
        elif kind == b"zTXt":
            out.append(zlib.decompress(body.split(b"\x00", 1)[1][1:]).decode("latin-1"))
        i += 12 + n
    return "\n".join(out)


def _shown_text(path: Path) -> str:
    """Everything a reader of the file can see as text (images embedded in HTML or notebooks
    are left out: their pixels are checked through the figure files)."""
    suffix = path.suffix
    if suffix == ".pdf":
        return _pdf_text(path)
    if suffix == ".png":
        return _png_text(path)
    if suffix == ".parquet":
        return pd.read_parquet(path).to_csv(index=False)
    text = path.read_text(encoding="utf-8")
    return re.sub(r"(data:image/[a-z+]+;base64,|\"image/png\": \")[A-Za-z0-9+/=\\n]+", "", text)


def _files(res: RunResult) -> list[Path]:
    return sorted(p for p in res.folder.rglob("*") if p.is_file())


# ---------------------------------------------------------------------- nothing real leaks
def test_no_real_id_no_real_date_and_no_key_in_any_file(runs: dict[str, RunResult]) -> None:
    res = runs["private"]
    demo = ns.load_demo()
    files = _files(res)
    assert {p.suffix for p in files} >= {
        ".csv",
        ".parquet",
        ".json",
        ".html",
        ".ipynb",
        ".png",
        ".pdf",
    }
    real_ids = set(demo.patients["patient_id"]) | set(demo.assessments["assessment_id"])
    real_ids |= set(demo.lesions["lesion_id"]) | set(demo.lines["line_id"])
    real_dates = set()
    for df in (demo.patients, demo.lines, demo.assessments):
        for col in df.select_dtypes("datetime").columns:
            real_dates |= set(df[col].dropna().dt.strftime("%Y-%m-%d"))
    tables_text = ""
    for p in files:
        raw = p.read_bytes()
        assert KEY.encode() not in raw and base64.b64encode(KEY.encode()) not in raw, p.name
        text = _shown_text(p)
        tokens = set(re.findall(r"[\w.\-]+", text))
        assert not tokens & real_ids, (p.name, sorted(tokens & real_ids)[:5])
        if p.parent.name == "tables":
            tables_text += text
        else:  # no date of the cohort outside the tables (there, dates are checked row by row)
            assert not set(re.findall(r"\d{4}-\d{2}-\d{2}", text)) & real_dates, p.name
    # the swimmer plot's 40 lanes are labelled by pseudonyms (its PDF text; a pseudonym may be
    # drawn with a ligature glyph, so only the prefix is counted)
    swimmer = _pdf_text(res.folder / "figures" / "swimmer_recist1.1.pdf")
    assert swimmer.count("P-") == 40
    # every ID column holds pseudonyms only
    for name, (csv, _) in res.tables.items():
        df = pd.read_csv(csv, dtype=str, keep_default_na=False)
        for col in set(df.columns) & {
            "patient_id",
            "line_id",
            "assessment_id",
            "lesion_id",
            "USUBJID",
            "LINEID",
        }:
            assert df[col].str.fullmatch(PSEUDONYM.pattern).all(), (name, col)
    assert "Traceback" not in tables_text


def test_tables_equal_the_plain_run_up_to_the_declared_transforms(
    runs: dict[str, RunResult],
) -> None:
    """Map pseudonyms back (mapping file), shift dates back (its offsets), accept "<k" only
    for a count below k and "suppressed" / blank percentages only beside one: what is left
    must be the plain run's table, row for row.  So every duration, count and statistic is
    unchanged, and every date moved by its patient's offset, never 0."""
    plain, private = runs["plain"], runs["private"]
    mapping = pd.read_csv(private.folder.parents[1] / "secret" / "mapping.csv", dtype=str)
    real_of = dict(zip(mapping["pseudonym"], mapping["real"], strict=True))
    pts = mapping[mapping["kind"] == "patient"]
    offset = dict(zip(pts["real"], pts["date_shift_days"].astype(int), strict=True))
    assert 0 not in offset.values() and max(map(abs, offset.values())) <= 180
    assert len(set(offset.values())) > 100  # one offset per patient, not one for all
    assert set(plain.tables) <= set(private.tables)
    suppressed = 0
    for name, (csv, _) in plain.tables.items():
        want = pd.read_csv(csv, dtype=str, keep_default_na=False)
        got = pd.read_csv(private.tables[name][0], dtype=str, keep_default_na=False)
        assert list(got.columns) == list(want.columns) and len(got) == len(want), name
        got = got.map(lambda v: " / ".join(real_of.get(x, x) for x in v.split(" / ")))
        patient = next((got[c] for c in ("patient_id", "USUBJID") if c in got), None)
        if patient is None and "row_key" in got:
            patient = got["row_key"].str.split(" / ").str[0]
        for col in got.columns:
            dated = want[col].str.fullmatch(r"\d{4}-\d{2}-\d{2}")
            if not dated.any():
                continue
            # a date of the private run is its real date plus the patient's offset (never 0)
            assert patient is not None, (name, col)
            moved = got[col].str.fullmatch(r"\d{4}-\d{2}-\d{2}")
            back = pd.to_datetime(got.loc[moved, col]) - pd.to_timedelta(
                patient[moved].map(offset), unit="D"
            )
            got.loc[moved, col] = back.dt.strftime("%Y-%m-%d")
        order = list(want.columns)
        got = got.sort_values(order, ignore_index=True)
        want = want.sort_values(order, ignore_index=True)
        small = got == f"<{K}"
        for col in got.columns[small.any()]:
            counts = want.loc[small[col], col].str.extract(r"^(\d+)")[0].astype(float)
            assert counts.between(1, K - 1).all(), (name, col)
        hidden = small | (got == "suppressed")
        suppressed += int(hidden.to_numpy().sum())
        blanked = (got == "") & (want != "") & hidden.any(axis=1).to_numpy()[:, None]
        pct = [c for c in got.columns if c.endswith("_pct") or c.startswith("percent")]
        assert not blanked.drop(columns=pct).to_numpy().any(), name
        # Table 1 drops the percentages beside a hidden count
        same = got.where(~hidden & ~blanked, want)
        if name == "table1":
            same = same.map(lambda v: v.split(" (")[0])
            want = want.map(lambda v: v.split(" (")[0])
        pd.testing.assert_frame_equal(same, want, obj=name)
    assert suppressed > 0


def test_small_counts_are_suppressed_and_counts_at_k_shown(runs: dict[str, RunResult]) -> None:
    plain, private = runs["plain"], runs["private"]
    for name in ("table1", "bor_summary", "km_at_risk", "attrition_summary"):
        want = pd.read_csv(plain.tables[name][0], dtype=str, keep_default_na=False)
        got = pd.read_csv(private.tables[name][0], dtype=str, keep_default_na=False)
        count = want.apply(lambda s: s.str.extract(r"^(\d+)(?: \(|$)")[0].astype(float))
        if name == "table1":
            count[want["level"] == "median [IQR]"] = np.nan
            count[["variable", "level"]] = np.nan
        if name == "km_at_risk":  # the number at risk (cumulative events are checked above)
            count[["time", "n_events", "n_censored"]] = np.nan
        below = (count >= 1) & (count < K)
        assert below.to_numpy().any(), name  # the demo has small cells in each
        assert (got[below] == f"<{K}").sum().sum() == below.to_numpy().sum(), name
        shown = (count >= K) & (got != "suppressed")
        assert shown.to_numpy().sum() > 0, name
        assert (
            got[shown].apply(lambda s: s.str.extract(r"^(\d+)")[0]).astype(float) == count[shown]
        ).sum().sum() == shown.to_numpy().sum(), name
    # the KM figures show the suppressed at-risk numbers too
    text = _pdf_text(private.folder / "figures" / "km_PFS.pdf")
    assert f"<{K}" in text


def test_report_without_patient_level_figures_and_rows(runs: dict[str, RunResult]) -> None:
    res = runs["private"]
    assert res.report is not None
    html = res.report.read_text(encoding="utf-8")
    shown = _shown_text(res.report)
    for name in ("swimmer", "spider", "waterfall"):
        assert name not in shown and (res.folder / "figures" / f"{name}_recist1.1.png").exists()
    assert html.count("<img") == len(list((res.folder / "figures").glob("km*.png")))
    assert "report.patient_level = false" in shown
    assert "Attrition (rows set aside, by reason)" in shown and f"&lt;{K}" in shown
    assert "P-" not in shown  # no patient-level row, not even pseudonymised
    man = json.loads(res.manifest.read_text())
    assert "secret/mapping.csv" not in " ".join(man["outputs"])
    # the config records where the key is, never the key (checked in every file above)
    assert man["config"]["privacy"]["key_file"] == "../secret/netsurv.key"


def test_same_key_same_outputs_by_env_or_file_other_key_others(
    runs: dict[str, RunResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    cfg = load_config(
        _config(
            tmp_path,
            f"[privacy]\npseudonymise = true\ndate_shift = 'per_patient'\nmin_cell = {K}\n",
        ),
        ["figures.include=[]", "landmark.enabled=false", "km.enabled=false"],
    )
    again = run(cfg)
    first = runs["private"]
    for name in ("endpoints", "timepoints", "best_response", "table1", "attrition"):
        assert again.tables[name][0].read_bytes() == first.tables[name][0].read_bytes(), name
    other = Privacy(key=KEY[::-1], pseudonymise=True, date_shift="per_patient")
    mapping = pd.read_csv(first.folder.parents[1] / "secret" / "mapping.csv", dtype=str)
    theirs = other.for_cohort(ns.load_demo()).mapping()
    assert not set(theirs["pseudonym"]) & set(mapping["pseudonym"])
    pts = theirs["kind"] == "patient"
    mine = mapping.loc[mapping["kind"] == "patient", "date_shift_days"].astype(int).to_numpy()
    assert (theirs.loc[pts, "date_shift_days"].to_numpy() != mine).mean() > 0.95


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("extra", "env", "message"),
    [
        ("[privacy]\npseudonymise = true\n", {}, "need a secret key: make one with"),
        (
            "[privacy]\npseudonymise = true\nmapping_file = 'out/map.csv'\n",
            {KEY_ENV: KEY},
            "privacy.mapping_file: ",
        ),
        (
            "[privacy]\npseudonymise = true\npseudonym_length = 4\n",
            {KEY_ENV: COLLIDING_KEY},
            "patient IDs 'P0134' and 'P0156' share the pseudonym",
        ),
    ],
    ids=["no-key", "mapping-in-run-folder", "collision"],
)
def test_privacy_errors_stop_the_run_before_anything_is_written(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extra: str,
    env: dict[str, str],
    message: str,
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    cfg = _config(tmp_path, extra)
    res = CliRunner().invoke(app, ["run", str(cfg), "--quiet"])
    assert res.exit_code == 2 and message in res.output, res.output
    assert "Traceback" not in res.output and KEY not in res.output
    assert not (tmp_path / "out").exists()
    if "mapping" in message:
        assert "is inside the run folder" in res.output


def test_validation_errors_name_real_rows_and_warnings_are_pseudonymised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    data = tmp_path / "data"
    data.mkdir()
    tables = valid_tables()
    tables["patients"].loc[0, "last_alive_date"] = "2020-08-01"  # warning: P001 / A04 after it
    for name, df in tables.items():
        df.to_csv(data / f"{name}.csv", index=False)
    cfg = _config(tmp_path, "[privacy]\npseudonymise = true\ndate_shift = 'per_patient'\n")
    text = cfg.read_text().replace('source = "demo"', 'source = "data"')
    cfg.write_text(text.replace('["km", "waterfall", "spider", "swimmer"]', "[]"))
    res = CliRunner().invoke(app, ["run", str(cfg), "--quiet", "--set", "landmark.enabled=false"])
    assert res.exit_code == 0, res.output
    warn = pd.read_csv(tmp_path / "out" / "tables" / "validation_warnings.csv", dtype=str)
    assert warn["row_key"].str.fullmatch(r"P-[0-9a-f]{10} / A-[0-9a-f]{10}").all()
    assert "P001" not in warn.to_csv() and "2020-09-23" not in warn.to_csv()
    # an error: the terminal names the real row
    tables["lesions"].loc[0, "long_axis_mm"] = "-4"
    tables["lesions"].to_csv(data / "lesions.csv", index=False)
    res = CliRunner().invoke(app, ["run", str(cfg), "--quiet", "--out", str(tmp_path / "bad")])
    assert res.exit_code == 2 and "P001 / A01 / T1" in res.output, res.output
    assert not (tmp_path / "bad").exists()
