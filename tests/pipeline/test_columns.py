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
from netsurv.pipeline.columns import config_columns

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
