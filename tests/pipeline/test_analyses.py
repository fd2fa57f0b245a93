"""Every shipped analysis (``analyses/*.toml``) runs end to end through ``netsurv run``, with
small ``--set`` values: a few bootstrap / permutation replicates, a small simulated cohort
where the config simulates one, PNG figures at a low resolution.  The report is built for the
smallest one (the pipeline tests check the report of the demo cohort)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netsurv.cli import app
from netsurv.config import load_config

ANALYSES = sorted((Path(__file__).resolve().parents[2] / "analyses").glob("*.toml"))
SMALL = [
    "compare.n_boot=5",
    "sweep.n_boot=5",
    "sweep.n_perm=20",
    "figures.formats=['png']",
    "figures.dpi=50",
]
WITH_REPORT = "redcap_example"


def small_settings(path: Path) -> list[str]:
    """``--set`` values that make the analysis quick without changing what it does."""
    sets = list(SMALL)
    if load_config(path).data.source == "simulate":
        sets.append("data.simulation.n_patients=100")
    if path.stem != WITH_REPORT:
        sets.append("report.enabled=false")
    return sets


@pytest.mark.slow
@pytest.mark.parametrize("path", ANALYSES, ids=lambda p: p.stem)
def test_every_analysis_runs_end_to_end(path: Path, tmp_path: Path) -> None:
    out = tmp_path / path.stem
    sets = small_settings(path)
    args = ["run", str(path), "--quiet", "--out", str(out)]
    res = CliRunner().invoke(app, [*args, *(x for s in sets for x in ("--set", s))])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output

    cfg = load_config(path, sets)
    man = json.loads((out / "manifest.json").read_text())
    assert man["config"]["run"]["name"] == cfg.run.name and man["outputs"]
    assert all((out / name).is_file() for name in man["outputs"])
    tables = {Path(n).stem for n in man["outputs"] if n.startswith("tables/")}
    assert {"attrition", "timepoints", "best_response", "endpoints"} <= tables
    expected = {
        "km_medians": cfg.km.enabled,
        "cox": cfg.cox.enabled,
        "landmark": cfg.landmark.enabled,
        "comparison": cfg.compare.enabled,
        "sweep": cfg.sweep.enabled,
        "cif": cfg.competing.enabled,
        "gray": cfg.competing.enabled and cfg.competing.by is not None,
        "fine_gray": cfg.competing.enabled and bool(cfg.competing.covariates),
        "lesion_response": cfg.lesions.enabled,
        "timepoint_patterns": cfg.lesions.enabled,
    }
    assert {t for t, on in expected.items() if on} <= tables
    # every figure asked for was drawn (or the run says why not)
    figures = {Path(n).name for n in man["outputs"] if n.startswith("figures/")}
    prefix = {"heatmap": "sweep_"}
    for kind in cfg.figures.include:
        drawn = any(f.startswith(prefix.get(kind, kind)) for f in figures)
        assert drawn or any(kind in note for note in man["notes"]), kind
    if cfg.report.enabled:
        assert "report.html" in man["outputs"]
        assert "Provenance" in (out / "report.html").read_text(encoding="utf-8")
