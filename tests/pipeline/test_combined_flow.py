"""A combined criterion runs everywhere a criterion does: classify -> best_response ->
derive_endpoints -> landmark / time_dependent_cox / compare_criteria / agreement -> sweep (a grid
over a component's field) -> ``netsurv run`` with ``[[criteria.combined]]``, and the config,
criteria table, methods text and ``criteria.list`` know it."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd
import pytest

import netsurv as ns
from netsurv.config import Config, CriteriaConfig, build_criteria, load_config
from netsurv.pipeline import run
from netsurv.pipeline.methods import criteria_table, methods_paragraph
from netsurv.sweep import sweep

BOTH = ns.criteria.combine("recist1.1", "sstv", name="ct+sst", label="RECIST 1.1 + SST-TV")


@functools.cache
def cohort() -> ns.Cohort:
    return ns.simulate_cohort(n_patients=150, seed=7, scenario="prrt")


def test_classify_endpoints_and_survival_entry_points() -> None:
    c = cohort()
    tp = ns.classify(c, ["recist1.1", BOTH])
    ep = ns.derive_endpoints(c, tp, endpoints=["PFS", "OS"])
    pfs = ep.table[(ep.table["endpoint"] == "PFS") & (ep.table["criterion"] == "ct+sst")]
    assert len(pfs) > 0 and pfs["event"].sum() > 0
    lm = ns.survival.landmark(c, criterion=BOTH, at_months=6)
    assert lm.data["responder"].sum() > 0
    td = ns.survival.time_dependent_cox(c, criterion=BOTH)
    assert td.data["patient_id"].nunique() > 50
    cmp_ = ns.survival.compare_criteria(c, criteria=["recist1.1", BOTH], n_boot=0)
    assert set(cmp_.table["criterion"]) == {"recist1.1", "ct+sst"}
    agr = ns.agreement(tp, criterion_a="recist1.1", criterion_b="ct+sst")
    assert agr.kappa.set_index("level").loc["bor", "n"] > 50


def test_sweep_over_a_component_field() -> None:
    res = sweep(
        cohort(),
        BOTH,
        {"sstv.response_threshold": [-0.2, -0.4], "window_days": [28, 56]},
        landmark_months=6,
        n_boot=5,
        n_perm=20,
        seed=1,
    )
    table = res.table.sort_values(["sstv.response_threshold", "window_days"])
    assert table[["sstv.response_threshold", "window_days"]].to_numpy().tolist() == [
        [-0.4, 28],
        [-0.4, 56],
        [-0.2, 28],
        [-0.2, 56],
    ]
    # a looser SST-PET response cut-off never gives fewer responders (response rule "all"
    # needs every evaluable component to respond, so it can only add responders)
    n1 = table.set_index(["sstv.response_threshold", "window_days"])["n_group1"]
    assert (n1.loc[-0.2].to_numpy() >= n1.loc[-0.4].to_numpy()).all()


COMBINED_TOML = """
[criteria]
presets = ["recist1.1", "sstv"]
[[criteria.combined]]
name = "ct+sst"
components = ["recist1.1", "sstv_any"]
response = "any"
window_days = 56
[[criteria.variants]]
base = "sstv"
name = "sstv_any"
response_threshold = -0.3
"""


def test_combined_in_the_config() -> None:
    cfg = load_config_text(COMBINED_TOML)
    crits = cfg.build_criteria()
    both = crits[-1]
    assert isinstance(both, ns.criteria.CombinedCriterion)
    assert [c.name for c in both.components] == ["recist1.1", "sstv_any"]
    assert (both.response, both.window_days) == ("any", 56)
    assert both.component("sstv_any").response_threshold == -0.3
    table = criteria_table(crits)
    row = table.set_index("criterion").loc["ct+sst"]
    assert row["lesions"] == "recist1.1 + sstv_any" and row["measure"] == "combined"
    text = methods_paragraph(cfg, {"netsurv": "0"})
    assert "Combined criteria read several criteria together (ct+sst: recist1.1 (anchor)" in text
    assert "a component's PD scan paired with no anchor scan formed a time point" in text


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"name": "x", "components": ["recist1.1"]},
            r"criteria\.combined\[0\]: combined criterion 'x': components needs at least two",
        ),
        (
            {"name": "x", "components": ["recist1.1", "sstv"], "window_days": 0},
            r"criteria\.combined\[0\]: .*window_days must be a whole number of days > 0",
        ),
        (
            {"name": "x", "components": ["recist1.1", "nope"]},
            r"criteria\.combined\[0\]: unknown criterion 'nope'",
        ),
        (
            {"name": "x", "components": ["recist1.1", "sstv"], "windows": 3},
            r"criteria\.combined\[0\]: needs 'name' and 'components' .*unknown: \['windows'\]",
        ),
        (
            {"components": ["recist1.1", "sstv"]},
            r"criteria\.combined\[0\]: needs 'name' and 'components'",
        ),
    ],
)
def test_bad_combined_config(spec: dict, message: str) -> None:
    with pytest.raises(ns.ConfigError, match=message):
        build_criteria(CriteriaConfig(combined=[spec]))


def test_sweep_config_names_a_combined_criterion_and_component_fields() -> None:
    text = COMBINED_TOML + (
        '[sweep]\nbase = "ct+sst"\ngrid = { "sstv_any.response_threshold" = [-0.2, -0.4] }\n'
    )
    cfg = load_config_text(text)
    known = {c.name: c for c in cfg.build_criteria()}
    names = [v.name for v in cfg.sweep.variants(known)]
    assert names == [
        "ct+sst[sstv_any.response_threshold=-0.2]",
        "ct+sst[sstv_any.response_threshold=-0.4]",
    ]
    bad = (
        COMBINED_TOML + '[sweep]\nbase = "ct+sst"\ngrid = { "sstv.response_threshold" = [-0.2] }\n'
    )
    with pytest.raises(
        ns.ConfigError,
        match=re.escape("sweep.grid: unknown or fixed field(s) ['sstv.response_threshold']"),
    ):
        load_config_text(bad)


def test_netsurv_run_with_a_combined_criterion(tmp_path: Path) -> None:
    cfg = Config.model_validate(
        {
            "run": {"name": "combined"},
            "data": {
                "source": "simulate",
                "simulation": {"scenario": "prrt", "n_patients": 80, "seed": 2},
            },
            "criteria": {
                "presets": ["recist1.1", "sstv"],
                "combined": [{"name": "ct+sst", "components": ["recist1.1", "sstv"]}],
            },
            "compare": {"n_boot": 0},
            "sweep": {
                "enabled": True,
                "base": "ct+sst",
                "grid": {"sstv.response_threshold": [-0.2, -0.4]},
                "n_boot": 0,
                "n_perm": 10,
            },
            "figures": {"include": ["waterfall"], "formats": ["png"], "style": "none"},
            "report": {"enabled": False},
        }
    )
    res = run(cfg, out=tmp_path / "out")
    tp = pd.read_csv(res.tables["timepoints"][0])
    both = tp[tp["criterion"] == "ct+sst"]
    assert len(both) > 0 and {"decided_by", "sstv.response", "sstv.assessment_id"} <= set(tp)
    swept = pd.read_csv(res.tables["sweep"][0])
    assert sorted(swept["sstv.response_threshold"].unique()) == [-0.4, -0.2]
    crit_table = pd.read_csv(res.tables["criteria"][0]) if "criteria" in res.tables else None
    if crit_table is not None:
        assert "ct+sst" in set(crit_table["criterion"])


def load_config_text(text: str) -> Config:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "c.toml"
        p.write_text(text, encoding="utf-8")
        return load_config(p)


def test_criteria_list_describes_combined_criteria() -> None:
    from netsurv.criteria.registry import _row

    row = _row(BOTH)
    assert row["modality"] == "CT/MRI + SST-PET" and row["lesion_set"] == "recist1.1 + sstv"
    assert row["progression"].startswith("PD of any component (paired within 42 days)")
