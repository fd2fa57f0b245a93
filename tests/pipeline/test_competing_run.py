"""``[competing]`` in a run: the config section checked when it is read, the tables equal to
the library's functions on the same rows, the tables and figures written, mistakes named."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import netsurv as ns
from netsurv.config import Config, load_config
from netsurv.endpoints import competing_events
from netsurv.pipeline import run, stages
from netsurv.pipeline.competing import competing_tables
from netsurv.pipeline.methods import methods_paragraph
from netsurv.survival import cumulative_incidence, fine_gray, gray_test
from netsurv.tables import baseline_frame

BASE = {
    "run": {"name": "cr"},
    "criteria": {"presets": ["recist1.1", "choi"]},
    "endpoints": {"names": ["PFS", "OS"]},
    "landmark": {"enabled": False},
    "compare": {"enabled": False},
    "report": {"enabled": False},
    "figures": {"include": ["cif"], "formats": ["png"], "style": "none", "dpi": 50},
}
ON = {"enabled": True, "by": "grade", "covariates": ["grade"], "times_months": [6, 24]}


def config(**competing: object) -> Config:
    return Config.model_validate(BASE | {"competing": ON | competing})


@pytest.fixture(scope="module")
def analysed() -> stages.Analysed:
    cfg = config()
    return stages.analyse(cfg, stages.load_cohort(cfg))


def _rows(res: stages.Analysed, criterion: str) -> pd.DataFrame:
    ep = stages.on_lines(res.endpoints.table, stages.first_lines(res.lines))
    cr = competing_events(ep, endpoint="PFS")
    frame = baseline_frame(res.cohort, res.lines)[[*stages.LINE_KEY, "grade"]]
    return cr[cr["criterion"] == criterion].merge(frame, on=stages.LINE_KEY, how="left")


@pytest.mark.parametrize("method", ["finegray", "crr"])
def test_tables_are_the_library_functions_on_the_same_rows(
    analysed: stages.Analysed, method: str
) -> None:
    cfg = config(method=method)
    got = competing_tables(analysed, cfg)
    assert got is not None and got.gray is not None and got.fine_gray is not None
    for crit in ("recist1.1", "choi"):
        rows = _rows(analysed, crit)
        cif = cumulative_incidence(
            rows, duration_col="months", event_col="status", by="grade"
        ).cif_at([6.0, 24.0])
        mine = got.cif[got.cif["criterion"] == crit]
        assert np.allclose(mine["cif"], cif["cif"], rtol=0, atol=0)
        assert mine["cause_label"].drop_duplicates().tolist() == ["progression", "death"]
        gray = gray_test(rows, by="grade", duration_col="months", event_col="status")
        g = got.gray[got.gray["criterion"] == crit]
        assert np.allclose(g["statistic"], gray.table["statistic"], rtol=0, atol=0)
        x = pd.get_dummies(rows[["grade"]], drop_first=True, dtype=float)
        fg = fine_gray(
            pd.concat([rows[["months", "status"]], x], axis=1),
            covariates=list(x.columns),
            duration_col="months",
            event_col="status",
            method=method,  # type: ignore[arg-type]
        )
        f = got.fine_gray[got.fine_gray["criterion"] == crit]
        assert f["covariate"].tolist() == ["grade_G2", "grade_G3"]
        assert np.allclose(f["robust_se"], fg.coefficients["robust_se"], rtol=0, atol=0)
        assert (f["method"] == method).all() and (f["cause"] == "progression").all()
    assert set(got.curves) == {"PFS_recist1.1", "PFS_choi"}


def test_without_by_one_curve_set_by_criterion_and_no_gray(analysed: stages.Analysed) -> None:
    got = competing_tables(analysed, config(by=None, covariates=[]))
    assert got is not None and got.gray is None and got.fine_gray is None
    assert list(got.curves) == ["PFS"] and got.curves["PFS"].groups == ["choi", "recist1.1"]
    assert (got.cif["group"] == "all").all()
    # the by-criterion curves are each criterion's own curve
    both = got.curves["PFS"].cif_at([24.0]).set_index(["group", "cause"])["cif"]
    own = got.cif[got.cif["time"] == 24.0].set_index(["criterion", "cause"])["cif"]
    assert np.allclose(both.sort_index(), own.sort_index(), rtol=1e-14)


def test_a_run_writes_the_tables_and_the_figure(tmp_path: Path) -> None:
    res = run(config(), out=tmp_path / "cr")
    assert {"cif", "cif_summary", "gray", "fine_gray"} <= set(res.tables)
    assert {"cif_PFS_recist1.1", "cif_PFS_choi"} <= set(res.figures)
    text = methods_paragraph(config(), {"netsurv": "0"})
    assert "PFS events were split by cause, progression with death as competing" in text
    assert "Gray's test" in text and "Fine–Gray regression (as R finegray + coxph" in text


def test_unknown_columns_are_named_with_the_key(analysed: stages.Analysed) -> None:
    with pytest.raises(ns.ConfigError, match=r"competing.by: no patient or line column.*'stage'"):
        competing_tables(analysed, config(by="stage"))
    with pytest.raises(ns.ConfigError, match=r"competing.covariates: .*\['age'\].*age_years"):
        competing_tables(analysed, config(covariates=["age", "grade"]))


def test_causes_missing_from_the_list_are_named(analysed: stages.Analysed) -> None:
    with pytest.raises(ns.ConfigError, match=r"\[competing\].*cause not in causes.*'death'"):
        competing_tables(analysed, config(causes=["progression", "other"]))


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "a.toml"
    p.write_text('[endpoints]\nnames = ["PFS", "OS", "TTP"]\n' + text, encoding="utf-8")
    return p


def test_the_section_is_read_with_its_defaults(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[competing]\nenabled = true\nby = "grade"\n'))
    c = cfg.competing
    assert (c.endpoint, c.causes, c.model_cause, c.method) == (
        "PFS",
        ["progression", "death"],
        "progression",
        "finegray",
    )
    assert not Config().competing.enabled


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('endpoint = "TTP"', "competing.endpoint = 'TTP' censors deaths.*use 'PFS'"),
        ('causes = ["progression"]', "two or more distinct event causes"),
        ('causes = ["death", "death"]', "two or more distinct event causes"),
        ('cause = "relapse"', "competing.cause 'relapse' is not among competing.causes"),
        ("rho = -1", "competing.rho"),
        ("times_months = [0, 12]", "competing.times_months must be finite values > 0"),
        ('method = "cmprsk"', "competing.method"),
        ('endpoint = "DoR"', r"competing.endpoint: \['DoR'\] not among endpoints.names"),
    ],
)
def test_mistakes_are_named_when_the_config_is_read(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ns.ConfigError, match=message):
        load_config(write(tmp_path, f"[competing]\nenabled = true\n{text}\n"))


def test_degenerate_groups_give_named_notes_not_numpy_warnings() -> None:
    """Under SST-PET volumetry the demo's grade-3 lines are all censored on day 1 (no
    SST-PET scan after baseline), before any event: Gray's test leaves G3 out, the Fine–Gray
    indicator of G3 is NA (R: coxph's NA, crr stops), each said in a warning naming it; no
    numpy RuntimeWarning ("invalid value encountered in sqrt") reaches the run notes."""
    cfg = Config.model_validate(
        BASE | {"criteria": {"presets": ["recist1.1", "sstv"]}, "competing": ON}
    )
    res = stages.analyse(cfg, stages.load_cohort(cfg))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = competing_tables(res, cfg)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    said = [str(w.message) for w in caught]
    assert any(s.startswith("under sstv: Gray's test") and "['G3'] have no" in s for s in said)
    assert any(s.startswith("under sstv: Cox model: covariate(s) ['grade_G3']") for s in said)
    assert got is not None and got.gray is not None and got.fine_gray is not None
    sstv_rows = _rows(res, "sstv")
    assert (sstv_rows.loc[sstv_rows["grade"] == "G3", "status"] == 0).all()
    g = got.gray[got.gray["criterion"] == "sstv"]
    assert np.isfinite(g["statistic"]).all() and (g["df"] == 1).all()
    f = got.fine_gray[got.fine_gray["criterion"] == "sstv"].set_index("covariate")
    assert f.loc["grade_G3", ["coef", "se", "robust_se", "p"]].isna().all()
    assert np.isfinite(f.loc["grade_G2", ["coef", "se", "robust_se", "p"]].astype(float)).all()
    # a CIF still at 0 has no log-scale limits (R's NA); one above 0 always has them
    cif = got.cif
    assert cif.loc[cif["cif"] > 0, ["lower", "upper"]].notna().all().all()
    assert cif.loc[cif["cif"] == 0, ["lower", "upper"]].isna().all().all()
