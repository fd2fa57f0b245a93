"""``netsurv run`` on every kind of data source: the shipped REDCap example (coded values decoded
with its data dictionary) and an SDTM folder built from small frames, with the reader settings
and the validation settings of ``[data]`` passed through."""

from __future__ import annotations

import importlib.util
import inspect
import json
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from typer.testing import CliRunner

import netsurv as ns
from netsurv.cli import app
from netsurv.config import Config, SdtmConfig, load_config
from netsurv.io.sdtm import SDTM_VALIDATION
from netsurv.pipeline import run
from netsurv.pipeline.stages import validation_options

ROOT = Path(__file__).resolve().parents[2]
REDCAP = ROOT / "analyses" / "redcap_example.toml"
QUICK = ["report.enabled=false", "figures.include=['waterfall']", "figures.formats=['png']"]


def _sets(*items: str) -> list[str]:
    return [x for s in (*QUICK, *items) for x in ("--set", s)]


def _sdtm_build() -> ModuleType:
    """tests/io/sdtm_build.py (the hand-worked three-subject study), imported by path."""
    if "sdtm_build" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "sdtm_build", ROOT / "tests" / "io" / "sdtm_build.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["sdtm_build"] = module
    return sys.modules["sdtm_build"]


def test_the_redcap_example_runs_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "redcap"
    res = CliRunner().invoke(app, ["run", str(REDCAP), "--quiet", "--out", str(out), *_sets()])
    assert res.exit_code == 0, res.output
    lines = pd.read_csv(out / "tables" / "lines_analysed.csv", dtype=str)
    assert len(lines) == 4 and set(lines["regimen_class"]) == {"SSA", "PRRT", "mTOR"}
    tp = pd.read_csv(out / "tables" / "timepoints.csv", dtype=str)
    assert set(tp["modality"]) == {"CT"}  # '1' decoded with the data dictionary's choices
    ep = pd.read_csv(out / "tables" / "endpoints.csv")
    pfs = ep[(ep["endpoint"] == "PFS") & (ep["criterion"] == "recist1.1")]
    assert pfs["event"].tolist() == [0, 1, 0, 1]
    man = json.loads((out / "manifest.json").read_text())
    assert man["config"]["data"]["format"] == "redcap"
    # every file the run read is hashed: config, export, mapping and data dictionary
    assert set(man["inputs"]) == {
        "redcap_example.toml",
        "redcap_example/export.csv",
        "redcap_example/mapping.toml",
        "redcap_example/data_dictionary.csv",
    }
    assert man["paths"] == "relative to the config file folder"
    assert {"config.json", "tables/endpoints.csv"} <= set(man["outputs"])


def test_redcap_validation_settings_reach_the_reader(tmp_path: Path) -> None:
    """data.baseline_window_days and data.off are used (they were ignored)."""
    runner = CliRunner()
    for name, sets in {
        "narrow": ["data.baseline_window_days=0"],
        "off": ["data.baseline_window_days=0", "data.off=no_baseline"],
    }.items():
        args = ["run", str(REDCAP), "--quiet", "--out", str(tmp_path / name), *_sets(*sets)]
        assert runner.invoke(app, args).exit_code == 0
    narrow = pd.read_csv(tmp_path / "narrow" / "tables" / "validation_warnings.csv")
    off = pd.read_csv(tmp_path / "off" / "tables" / "validation_warnings.csv")
    assert (narrow["rule"] == "no_baseline").sum() == 4
    assert "no_baseline" not in set(off["rule"]) and "unassigned_assessment" in set(off["rule"])


def _sdtm_study(tmp_path: Path, config: str, **changes: pd.DataFrame | None) -> Path:
    folder = tmp_path / "sdtm"
    folder.mkdir(parents=True)
    for name, df in _sdtm_build().domains(**changes).items():
        df.to_csv(folder / f"{name.lower()}.csv", index=False)
    p = tmp_path / "study.toml"
    p.write_text(
        '[run]\nname = "sdtm"\n[report]\nenabled = false\n[figures]\ninclude = []\n'
        "[landmark]\nenabled = false\n[compare]\nenabled = false\n"
        '[data]\nsource = "sdtm"\nformat = "sdtm"\n' + config,
        encoding="utf-8",
    )
    return p


def test_an_sdtm_folder_with_reader_settings(tmp_path: Path) -> None:
    (tmp_path / "responses.csv").write_text("value,response\nCHECK,NE\nPR,PR\nPD,PD\n")
    cfg = load_config(
        _sdtm_study(
            tmp_path,
            '[data.sdtm]\nmaps = { responses = "responses.csv" }\n'
            'response_date_imputation = "first"\n',
        )
    )
    res = run(cfg, out=tmp_path / "out")
    tp = pd.read_csv(res.tables["timepoints"][0], dtype=str)
    tp = tp.set_index(["patient_id", "assessment_id"])
    assert tp.loc[("S1", "WEEK 8"), "date"] == "2021-03-01"  # RSDTC 2021-03, first day
    att = pd.read_csv(res.tables["attrition"][0])
    assert not att["reason"].str.contains("CHECK").any()  # decoded by the study's own map
    assert "S3" in set(att["row_key"])  # the screen failure, set aside by the reader
    man = json.loads(res.manifest.read_text())
    assert set(man["inputs"]) == {
        "study.toml",
        "responses.csv",
        *(f"sdtm/{d}.csv" for d in ("adsl", "tu", "tr", "rs")),
    }

    default = run(load_config(_sdtm_study(tmp_path / "d", "")), out=tmp_path / "d" / "out")
    tp = pd.read_csv(default.tables["timepoints"][0], dtype=str)
    tp = tp.set_index(["patient_id", "assessment_id"])
    assert tp.loc[("S1", "WEEK 8"), "date"] == "2021-03-31"  # RSDTC 2021-03, last day
    att = pd.read_csv(default.tables["attrition"][0])
    assert att["reason"].str.contains("'CHECK'").any()


def test_an_sdtm_folder_read_for_another_evaluator(tmp_path: Path) -> None:
    b = _sdtm_build()
    study = _sdtm_study(
        tmp_path,
        '[data.sdtm]\nevaluator = "INDEPENDENT ASSESSOR/RADIOLOGIST 1"\n',
        RS=None,
        TR=b.TR[b.TR["USUBJID"] == "S1"],
    )
    res = run(load_config(study), out=tmp_path / "out")
    tp = pd.read_csv(res.tables["timepoints"][0])
    base = tp[(tp["criterion"] == "recist1.1") & (tp["role"] == "baseline")]
    assert base["value"].tolist() == [42.0]  # the radiologist's liver read (2 mm larger)


def test_sdtm_settings_default_to_the_reader_defaults() -> None:
    defaults = inspect.signature(ns.io.read_sdtm).parameters
    for name, value in SdtmConfig().model_dump().items():
        if name == "maps":
            assert defaults[name].default is None and value == {}
        else:
            expected = defaults[name].default
            assert (tuple(value) if isinstance(value, list) else value) == expected, name


def test_validation_settings_on_top_of_the_reader_defaults() -> None:
    cfg = Config.model_validate(
        {"data": {"warn": "after_death", "off": "too_many_targets", "baseline_window_days": 30}}
    )
    opts = validation_options(cfg, defaults=SDTM_VALIDATION)
    assert opts.baseline_window_days == 30
    assert opts.severity_of("baseline_target_size") == "warning"  # the SDTM reader's default
    assert opts.severity_of("too_many_targets") == "off"
    assert opts.severity_of("after_death") == "warning"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": "redcap", "source": "x.csv"}, "needs data.mapping"),
        ({"data_dictionary": "dd.csv", "source": "x"}, "are for data.format = 'redcap'"),
        ({"sdtm": {"evaluator": "BICR"}, "source": "x"}, "is for data.format = 'sdtm'"),
        ({"format": "sdtm"}, "needs a path as data.source"),
        ({"source": "simulate", "off": ["no_baseline"]}, "do not apply to a simulated"),
        ({"warn": ["no_such_rule"]}, "unknown validation rule"),
        ({"sdtm": {"maps": {"colours": "c.csv"}}, "format": "sdtm", "source": "x"}, "SDTM map"),
    ],
)
def test_data_settings_that_do_not_fit_the_format(data: dict[str, object], message: str) -> None:
    with pytest.raises(ns.ConfigError, match=message):
        from netsurv.config import _validate

        _validate({"data": data}, source="t.toml")


def test_a_criterion_the_data_cannot_classify_is_left_out_with_a_note(tmp_path: Path) -> None:
    """The REDCap example has no baseline volumes: volumetric RECIST classifies no line."""
    cfg = load_config(
        REDCAP,
        [*QUICK, "criteria.presets=['recist1.1', 'volumetric_recist']", "figures.include=[]"],
    )
    res = run(cfg, out=tmp_path / "out")
    assert any("'volumetric_recist' classifies no analysed line" in n for n in res.notes)
    bor = pd.read_csv(res.tables["best_change"][0])
    assert set(bor["criterion"]) == {"recist1.1"}
    att = pd.read_csv(res.tables["attrition"][0])
    assert att["reason"].str.contains("no volume on the baseline scan").any()
