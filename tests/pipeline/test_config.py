"""Config files: defaults, unknown keys named by path, --set overrides, criteria from config."""

from __future__ import annotations

from pathlib import Path

import pytest

import netsurv as ns
from netsurv.config import Config, CriteriaConfig, apply_overrides, build_criteria, load_config


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "a.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_and_relative_paths(tmp_path: Path) -> None:
    cfg = load_config(
        write(tmp_path, '[run]\nname = "x"\noutput = "out"\n[data]\nsource = "data"\n')
    )
    assert cfg.output_dir() == tmp_path / "out"
    assert cfg.resolve(cfg.data.source) == tmp_path / "data"
    assert cfg.endpoints.censoring == "fda2018" and cfg.run.seed == 1
    assert Config().output_dir() == Path("outputs/analysis")


def test_unknown_keys_are_named_with_their_path(tmp_path: Path) -> None:
    p = write(tmp_path, "[cohort]\nregimen_clas = ['PRRT']\n[landmark]\nmonth = [3]\n")
    with pytest.raises(ns.ConfigError) as err:
        load_config(p)
    msg = str(err.value)
    assert "unknown key 'cohort.regimen_clas'" in msg and "regimen_class" in msg
    assert "unknown key 'landmark.month'" in msg  # all problems at once


def test_bad_values_and_files(tmp_path: Path) -> None:
    with pytest.raises(ns.ConfigError, match=r"landmark\.months: landmark months must be > 0"):
        load_config(write(tmp_path, "[landmark]\nmonths = [0, 6]\n"))
    with pytest.raises(ns.ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ns.ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "[run\n"))
    with pytest.raises(ns.ConfigError, match="ki67_min"):
        load_config(write(tmp_path, "[cohort]\nki67_min = 20\nki67_max = 3\n"))


def test_set_overrides_scalars_lists_and_text(tmp_path: Path) -> None:
    p = write(tmp_path, '[cohort]\nregimen_class = ["SSA"]\n')
    cfg = load_config(p, ["cohort.regimen_class=PRRT", "landmark.months=[3, 6]", "run.seed=9"])
    assert cfg.cohort.regimen_class == ["PRRT"]
    assert cfg.landmark.months == [3.0, 6.0] and cfg.run.seed == 9
    again = apply_overrides(cfg, ["endpoints.censoring=ema_itt"])
    assert again.endpoints.censoring == "ema_itt" and again.cohort.regimen_class == ["PRRT"]
    with pytest.raises(ns.ConfigError, match=r"section\.key=value"):
        load_config(p, ["cohort.grade"])
    with pytest.raises(ns.ConfigError, match=r"unknown key .cohort\.nope."):
        load_config(p, ["cohort.nope=1"])


def test_criteria_presets_variants_and_grids() -> None:
    cfg = Config.model_validate(
        {
            "criteria": {
                "presets": ["recist1.1", "choi"],
                "variants": [
                    {"base": "recist1.1", "name": "recist_pd10", "progression_threshold": 0.1}
                ],
                "grids": [{"base": "sstv", "axes": {"progression_threshold": [0.1, 0.2]}}],
                "reference": "recist1.1",
            }
        }
    )
    crits = build_criteria(cfg.criteria)
    assert [c.name for c in crits][:3] == ["recist1.1", "choi", "recist_pd10"]
    assert crits[2].progression_threshold == 0.1 and len(crits) == 5
    bad = CriteriaConfig.model_validate(
        {"variants": [{"base": "recist1.1", "name": "v", "progresion": 0.1}]}
    )
    with pytest.raises(ns.ConfigError, match=r"criteria.variants\[0\]: unknown criterion field"):
        build_criteria(bad)
    bad = CriteriaConfig.model_validate(
        {"variants": [{"base": "recist1.1", "name": "v", "progression_threshold": -1}]}
    )
    with pytest.raises(ns.ConfigError, match=r"criteria.variants\[0\]: .*progression_threshold"):
        build_criteria(bad)
    with pytest.raises(ns.ConfigError, match="reference"):
        build_criteria(CriteriaConfig(reference="choi"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[criteria]\npresets = ['recist1.1', 'recist2']\n", r"criteria\.presets\[1\]: unknown"),
        (
            "[[criteria.variants]]\nbase = 'recist1.1'\nname = 'v'\nprogresion = 0.1\n",
            r"criteria\.variants\[0\]: unknown criterion field\(s\) \['progresion'\]",
        ),
        (
            "[[criteria.grids]]\nbase = 'sstv'\naxes = { progression_threshold = [-0.1] }\n",
            r"criteria\.grids\[0\]: .*progression_threshold",
        ),
        ("[criteria]\nreference = 'choi'\n", "criteria.reference 'choi' is not among"),
        ("[criteria]\npresets = []\n", "criteria: none given"),
        (
            "[sweep]\nenabled = true\ngrid = { progression_threshold = [0.1, 'x'] }\n",
            r"sweep\.grid: .*progression_threshold",
        ),
        (
            "[sweep]\ngrid = { progresion_threshold = [0.1] }\n",
            r"sweep\.grid: unknown .*progresion",
        ),
        ("[sweep]\nbase = 'recist'\ngrid = { progression_threshold = [0.1] }\n", "sweep.base"),
        (
            "[sweep]\nenabled = true\nlandmark_months = false\n",
            "sweep.enabled needs sweep.grid",
        ),
        ("[km]\nendpoints = ['TTP']\n", r"km\.endpoints: \['TTP'\] not among endpoints\.names"),
        ("[cox]\nenabled = true\ncovariates = ['grade']\noutcome = 'TTP'\n", "cox.outcome"),
        (
            "[compare]\noutcome = 'PFS'\n[endpoints]\nnames = ['OS']\n[km]\nendpoints = 'OS'\n",
            "compare.outcome",
        ),
    ],
)
def test_criteria_grids_and_references_are_checked_when_the_config_is_read(
    tmp_path: Path, text: str, message: str
) -> None:
    p = write(tmp_path, text)
    with pytest.raises(ns.ConfigError, match=message) as err:
        load_config(p)
    assert str(err.value).startswith(f"{p}: ")  # the message names the config file


def test_several_problems_in_one_message(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "[criteria]\npresets = ['recist2']\n[sweep]\ngrid = { progression_threshold = [-1] }\n",
    )
    with pytest.raises(ns.ConfigError) as err:
        load_config(p)
    lines = str(err.value).splitlines()
    assert lines[0] == f"{p}: 2 problem(s) in the config:"
    assert lines[1].startswith("  criteria.presets[0]: ") and lines[2].startswith("  sweep.grid: ")


def test_the_sweep_grid_keeps_tuples() -> None:
    cfg = Config.model_validate(
        {"sweep": {"grid": {"sites": [["liver"], ["liver", "lymph_node"]]}}}
    )
    assert cfg.sweep.axes() == {"sites": [("liver",), ("liver", "lymph_node")]}
    assert [c.sites for c in cfg.sweep.variants()] == [("liver",), ("liver", "lymph_node")]


ANALYSES = sorted((Path(__file__).resolve().parents[2] / "analyses").glob("*.toml"))


@pytest.mark.parametrize("path", ANALYSES, ids=lambda p: p.stem)
def test_every_analysis_config_is_valid(path: Path) -> None:
    cfg = load_config(path)
    assert cfg.build_criteria()
    assert cfg.output_dir().name == cfg.run.name


def test_the_four_analyses_exist() -> None:
    assert {p.stem for p in ANALYSES} >= {
        "demo",
        "prrt_volumetric_vs_recist",
        "threshold_sweep",
        "subset_pancreatic_g2",
    }


def test_set_keeps_numeric_looking_text_for_text_fields(tmp_path: Path) -> None:
    p = write(tmp_path, '[run]\nname = "x"\n')
    cfg = load_config(
        p,
        [
            "run.name=2024",
            "cohort.grade=2",
            "data.source=2024-01-01",
            "run.output=007",
            "run.seed=2024",
            "cohort.line_number=1",
        ],
    )
    assert cfg.run.name == "2024" and cfg.cohort.grade == ["2"]
    assert cfg.data.source == "2024-01-01" and cfg.run.output == Path("007")
    assert cfg.run.seed == 2024 and cfg.cohort.line_number == [1]  # numbers stay numbers
    assert apply_overrides(cfg, ["run.name=1.5"]).run.name == "1.5"
    # a number where a number is expected is still checked
    with pytest.raises(ns.ConfigError, match=r"run\.seed"):
        load_config(p, ["run.seed=abc"])
    # free-form tables keep the TOML value
    sim = load_config(p, ["data.source=simulate", "data.simulation.overrides.noise_cv=0.1"])
    assert sim.data.simulation.overrides == {"noise_cv": 0.1}


def test_cox_formula_and_penalties_are_read(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        '[cox]\nenabled = true\nformula = "C(grade) + np.log(ki67_pct)"\npenalty = "firth"\n'
        '[landmark]\npenalty = "firth"\n[compare]\npenalty = "firth"\n'
        '[sweep]\npenalty = "firth"\n',
    )
    cfg = load_config(p)
    assert cfg.cox.formula == "C(grade) + np.log(ki67_pct)" and cfg.cox.penalty == "firth"
    assert cfg.landmark.penalty == cfg.compare.penalty == cfg.sweep.penalty == "firth"
    assert load_config(p, ["landmark.penalty=none"]).landmark.penalty == "none"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[cox]\nenabled = true\n", "cox.covariates .* or cox.formula"),
        ("[cox]\ncovariates = ['age']\nformula = 'age'\n", "not both"),
        ("[landmark]\npenalty = 'ridge'\n", "landmark.penalty"),
    ],
)
def test_cox_formula_and_penalty_mistakes_name_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ns.ConfigError, match=message):
        load_config(write(tmp_path, text))


def test_outcome_criterion_and_continuous_keys_are_read(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        '[criteria]\npresets = ["sstv", "early_sstv", "recist1.1"]\n'
        '[endpoints]\nnames = ["PFS", "OS"]\n'
        '[landmark]\noutcome = "PFS"\noutcome_criterion = "recist1.1"\n'
        '[compare]\noutcome = "PFS"\noutcome_criterion = "recist1.1"\ncontinuous = "sstv"\n'
        'spline_knots = 5\nchange = "last"\n',
    )
    cfg = load_config(p)
    assert cfg.landmark.outcome_criterion == cfg.compare.outcome_criterion == "recist1.1"
    assert (cfg.compare.continuous, cfg.compare.spline_knots, cfg.compare.change) == (
        "sstv",
        5,
        "last",
    )
    assert load_config(p, ["compare.continuous=true"]).compare.continuous is True
    assert Config().compare.continuous is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[landmark]\noutcome = "PFS"\noutcome_criterion = "sstv"\n',
            "landmark.outcome_criterion: 'sstv' is not among",
        ),
        (
            '[compare]\noutcome_criterion = "recist1.1"\n',
            "compare.outcome_criterion: the outcome 'OS' does not depend",
        ),
        ('[compare]\ncontinuous = "choi"\n', "compare.continuous: 'choi' is not among"),
        (
            "[compare]\ncontinuous = true\ntime_dependent = true\n",
            "compare.continuous needs the landmark design",
        ),
        ('[compare]\ncontinuous = true\nstatus = "progression"\n', "status = 'response'"),
        ("[compare]\nspline_knots = 2\n", "compare.spline_knots"),
        ('[compare]\nchange = "nadir"\n', "compare.change"),
    ],
)
def test_outcome_criterion_and_continuous_mistakes_name_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    text = '[endpoints]\nnames = ["PFS", "OS"]\n' + text
    with pytest.raises(ns.ConfigError, match=message):
        load_config(write(tmp_path, text))
