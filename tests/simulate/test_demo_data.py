"""The bundled demo cohort is the simulator's output for a fixed seed: regenerating it gives
byte-identical files (the command is in netsurv/datasets/demo/README.md)."""

from __future__ import annotations

from pathlib import Path

import netsurv as ns
from netsurv.datasets import demo_folder
from netsurv.io import write_cohort
from netsurv.simulate import simulate_cohort


def test_demo_regenerates_byte_identical(tmp_path: Path) -> None:
    cohort = simulate_cohort(200, seed=2024, scenario="mixed")
    write_cohort(cohort, tmp_path)
    bundled = {p.name: p.read_bytes() for p in sorted(demo_folder().glob("*.csv"))}
    fresh = {p.name: p.read_bytes() for p in sorted(tmp_path.glob("*.csv"))}
    assert list(bundled) == list(fresh)
    for name in fresh:
        assert bundled[name] == fresh[name], f"{name} differs: regenerate the demo (README)"
    readme = (demo_folder() / "README.md").read_text(encoding="utf-8")
    assert "--patients 200 --seed 2024 --scenario mixed" in readme


def test_demo_content() -> None:
    demo = ns.load_demo()
    assert demo.n_patients == 200
    assert demo.warnings.empty and demo.attrition.empty
    assert demo.truth is not None and len(demo.truth) == len(demo.lines)
    assert set(demo.assessments["modality"]) == {"CT", "MRI", "SST-PET", "FDG-PET"}
    assert set(demo.lines["regimen_class"]) == {"SSA", "PRRT", "mTOR", "TKI", "chemo"}
    assert demo.patients["death_date"].notna().any() and demo.patients["death_date"].isna().any()
    assert demo.truth["pseudoprogression"].any() and demo.truth["dedifferentiation"].any()
    # every imaging preset evaluates some lines (the demo has no markers table: the
    # biochemical presets set every line aside)
    imaging = [n for n in ns.criteria.PRESETS if n not in ns.criteria.BIOCHEMICAL_PRESETS]
    tp = ns.classify(demo, imaging)
    evaluated = tp.table[tp.table["role"] == "follow_up"].groupby("criterion").size()
    assert set(evaluated.index) == set(imaging)
