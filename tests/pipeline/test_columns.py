"""A run reads from its cohort's tables only the undeclared columns its config uses: a Parquet
cohort's unused wide column is not read, its outputs are those of reading every column, a
formula's covariate is read, and a missing covariate stops the run with the error of a whole
read."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import netsurv as ns
from netsurv.config import Config
from netsurv.datasets import demo_folder
from netsurv.errors import ConfigError
from netsurv.pipeline import run, stages, survival_tables
from netsurv.pipeline.columns import config_columns, unread_lesion_columns

WIDE = "unused_wide"


@pytest.fixture(scope="module")
def parquet_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo cohort as Parquet files, each table with an unused wide text column, and the
    patients with an undeclared ``score``."""
    folder = tmp_path_factory.mktemp("parquet_demo")
    for csv in Path(demo_folder()).glob("*.csv"):
        df = pd.read_csv(csv, dtype=str, keep_default_na=False).replace("", None)
        df[WIDE] = [f"{'x' * 60}{i}" for i in range(len(df))]
        if csv.stem == "patients":
            df["score"] = np.linspace(0.0, 1.0, len(df))
        df.to_parquet(folder / f"{csv.stem}.parquet", index=False)
    return folder


def _config(source: Path, **sections: object) -> Config:
    base = {
        "data": {"source": str(source)},
        "report": {"enabled": False},
        "figures": {"include": ["waterfall"], "formats": ["png"]},
        "landmark": {"enabled": False},
        "compare": {"enabled": False},
        "criteria": {"presets": ["recist1.1", "choi"]},
    }
    return Config.model_validate(base | sections)


def test_only_the_columns_the_config_uses_are_read(parquet_demo: Path) -> None:
    cfg = _config(parquet_demo, cox={"enabled": True, "formula": "np.log1p(score) + C(grade)"})
    assert config_columns(cfg).required == ("grade", "score")
    cohort = stages.load_cohort(cfg)
    for table in (cohort.patients, cohort.lines, cohort.assessments, cohort.lesions):
        assert WIDE not in table.columns
    # the formula's covariate, and Table 1's ecog (read when present)
    assert {"score", "ecog"} <= set(cohort.patients.columns)
    assert cohort.patients["score"].to_numpy() == pytest.approx(np.linspace(0.0, 1.0, 200))


def test_the_outputs_are_those_of_reading_every_column(
    parquet_demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = _config(
        parquet_demo,
        cox={"enabled": True, "covariates": ["grade", "ecog"]},
        competing={"enabled": True, "by": "grade", "covariates": ["score"]},
    )
    run(cfg, out=tmp_path / "selected")
    read_cohort = ns.read_cohort

    def whole(*args: object, extra_columns: object = None, **kwargs: object) -> object:
        return read_cohort(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ns, "read_cohort", whole)
    run(cfg, out=tmp_path / "whole")

    def tables(folder: Path) -> dict[str, str]:
        outputs = json.loads((folder / "manifest.json").read_text())["outputs"]
        return {k: v for k, v in outputs.items() if k.startswith("tables/")}

    selected, every = tables(tmp_path / "selected"), tables(tmp_path / "whole")
    assert "tables/fine_gray.csv" in selected and "tables/cox.csv" in selected
    assert selected == every


def test_a_missing_covariate_stops_the_run_with_the_error_of_a_whole_read(
    parquet_demo: Path,
) -> None:
    cfg = _config(parquet_demo, cox={"enabled": True, "covariates": ["grade", "no_such"]})
    cohort = stages.load_cohort(cfg)
    assert WIDE in cohort.patients.columns  # read again whole
    res = stages.analyse(cfg, cohort)
    with pytest.raises(ConfigError, match=r"no patient or line column\(s\) \['no_such'\]") as err:
        survival_tables.cox_table(res, cfg)
    assert WIDE in str(err.value)  # the columns the data have, as when read whole


SWEEP = {"enabled": True, "landmark_months": 6, "grid": {"progression_threshold": [0.1, 0.2]}}


def test_the_sweep_keeps_the_readings_of_its_measures_and_lets_go_of_the_others() -> None:
    tla = Config.model_validate({"sweep": {**SWEEP, "base": "sstv"}})
    unread = unread_lesion_columns(tla, [])
    assert "volume_ml" not in unread  # SSTV's measure, read again by the sweep's passes
    assert {"suv_max", "sul_peak", "adc", "krenning_score"} <= set(unread)
    assert not {"long_axis_mm", "short_axis_mm", "density_hu", "lesion_id"} & set(unread)


def test_nothing_is_let_go_with_the_lesion_level_on() -> None:
    lesions = Config.model_validate({"lesions": {"enabled": True}, "sweep": SWEEP})
    assert unread_lesion_columns(lesions, []) == []


def test_the_slim_result_keeps_table_one_and_shares_the_other_columns() -> None:
    cfg = Config.model_validate({"data": {"source": "demo"}})
    res = stages.analyse(cfg, stages.load_cohort(cfg))
    slim = stages.without_lesion_columns(res, unread_lesion_columns(cfg, res.criteria))
    assert "suv_max" not in slim.cohort.lesions and "suv_max" in res.cohort.lesions
    assert slim.baseline is res.baseline and slim.classified == res.classified
    kept = slim.cohort.lesions["long_axis_mm"].to_numpy()
    assert np.shares_memory(kept, res.cohort.lesions["long_axis_mm"].to_numpy())
