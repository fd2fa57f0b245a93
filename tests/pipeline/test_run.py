"""``netsurv run``: outputs, byte-identical reruns, --set overrides recorded in the manifest,
clear config errors with exit 2, and the report's sections."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from netsurv.cli import app
from netsurv.config import Config
from netsurv.pipeline import run

FAST = {
    "run": {"name": "t"},
    "criteria": {"presets": ["recist1.1", "choi", "sstv"]},
    "compare": {"n_boot": 20},
    "figures": {"include": ["waterfall", "swimmer"], "formats": ["png"], "style": "none"},
    "report": {"enabled": False},
}


def test_rerun_gives_byte_identical_tables(tmp_path: Path) -> None:
    cfg = Config.model_validate(FAST)
    a = run(cfg, out=tmp_path / "a")
    b = run(cfg, out=tmp_path / "b")
    assert a.tables.keys() == b.tables.keys() and "endpoints" in a.tables
    for name, files in a.tables.items():
        for fa, fb in zip(files, b.tables[name], strict=True):
            assert fa.read_bytes() == fb.read_bytes(), fa.name
    man = json.loads(a.manifest.read_text())
    assert man["seed"] == 1 and man["config"]["criteria"]["presets"] == [
        "recist1.1",
        "choi",
        "sstv",
    ]
    assert all(len(h) == 64 for h in man["inputs"].values()) and man["inputs"]
    assert set(man["inputs"]) >= {
        f"netsurv:datasets/demo/{t}.csv" for t in ("patients", "lines", "assessments", "lesions")
    }  # the package's own files, named from the package (no absolute path)
    assert {"tables/endpoints.csv", "figures/swimmer_recist1.1.png", "config.json"} <= set(
        man["outputs"]
    )
    assert man["versions"]["pandas"]

    # the at-risk table holds the figure's columns: the configured times continued at the same
    # spacing to the end of the curves (demo follow-up runs past the default 60 months)
    risk = pd.read_csv(tmp_path / "a" / "tables" / "km_at_risk.csv")
    ends = pd.read_csv(tmp_path / "a" / "tables" / "endpoints.csv").groupby("endpoint")["months"]
    for endpoint, times in risk.groupby("endpoint")["time"]:
        steps = sorted(times.unique())
        assert steps[:6] == [0, 12, 24, 36, 48, 60] and np.allclose(np.diff(steps), 12)
        assert len(steps) > 6 and steps[-1] <= ends.max()[endpoint]


def _write_config(tmp_path: Path, extra: str = "") -> Path:
    p = tmp_path / "study.toml"
    p.write_text(
        '[run]\nname = "study"\noutput = "out"\n[report]\nenabled = false\n'
        '[figures]\ninclude = ["waterfall"]\nformats = ["png"]\nstyle = "none"\n' + extra,
        encoding="utf-8",
    )
    return p


def test_cli_run_and_set_override_changes_the_cohort(tmp_path: Path) -> None:
    cfg = _write_config(tmp_path)
    runner = CliRunner()
    full = runner.invoke(app, ["run", str(cfg), "--quiet"])
    assert full.exit_code == 0, full.output
    sub = runner.invoke(
        app,
        [
            "run",
            str(cfg),
            "--quiet",
            "--out",
            str(tmp_path / "prrt"),
            "--set",
            "cohort.regimen_class=PRRT",
        ],
    )
    assert sub.exit_code == 0, sub.output
    import pandas as pd

    all_lines = pd.read_csv(tmp_path / "out" / "tables" / "lines_analysed.csv")
    prrt = pd.read_csv(tmp_path / "prrt" / "tables" / "lines_analysed.csv")
    assert set(prrt["regimen_class"]) == {"PRRT"} and len(prrt) < len(all_lines)
    man = json.loads((tmp_path / "prrt" / "manifest.json").read_text())
    assert man["config"]["cohort"]["regimen_class"] == ["PRRT"]
    att = pd.read_csv(tmp_path / "prrt" / "tables" / "attrition.csv")
    assert att["reason"].str.startswith("regimen_class").any()


@pytest.mark.parametrize(
    ("extra", "sets", "message"),
    [
        ("[cohort]\nregimen_clas = 'PRRT'\n", [], "unknown key 'cohort.regimen_clas'"),
        (
            "",
            ["criteria.variants=[{base = 'recist1.1', name = 'x', progression_threshold = -0.2}]"],
            "progression_threshold",
        ),
        ("[data]\nsource = 'no/such/folder'\n", [], "does not exist"),
        ("", ["cohort.grade=G9"], "leave no line"),
        # criteria and grids are checked before the data are read (the folder does not exist)
        ("[data]\nsource = 'no/such/folder'\n", ["criteria.presets=recist2"], "presets[0]"),
        (
            "[sweep]\nenabled = true\n",
            ["sweep.grid={progression_threshold = [0.1, -0.2]}"],
            "sweep.grid: ",
        ),
    ],
)
def test_config_errors_give_one_message_and_exit_2(
    tmp_path: Path, extra: str, sets: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from netsurv.cli import main

    cfg = _write_config(tmp_path, extra)
    args = ["run", str(cfg), "--quiet"] + [x for s in sets for x in ("--set", s)]
    import sys

    old = sys.argv
    sys.argv = ["netsurv", *args]
    try:
        with pytest.raises(SystemExit) as exc:
            main()
    finally:
        sys.argv = old
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.startswith(f"{cfg}: ")  # one message, naming the config file
    assert not (tmp_path / "out").exists()  # nothing written


def test_config_error_messages(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["run", str(tmp_path / "missing.toml")])
    assert res.exit_code == 2
    assert "config file not found" in res.output


@pytest.mark.slow
def test_report_has_its_sections(tmp_path: Path) -> None:
    pytest.importorskip("papermill")
    competing = {"enabled": True, "by": "grade", "covariates": ["grade"]}
    figures = FAST["figures"] | {"include": ["waterfall", "swimmer", "cif"]}
    cfg = Config.model_validate(
        FAST | {"report": {"enabled": True}, "competing": competing, "figures": figures}
    )
    res = run(cfg, out=tmp_path / "r")
    assert res.report is not None
    html = res.report.read_text(encoding="utf-8")
    for section in (
        "Methods",
        "Cohort",
        "Table 1",
        "Response",
        "Survival",
        "Provenance",
        "FDA 2018",
    ):
        assert section in html, section
    assert "data:image/png;base64" in html  # figures embedded
    assert "Median follow-up (reverse Kaplan–Meier of OS)" in html
    assert "ORR and DCR with exact (Clopper–Pearson) 95% CIs" in html
    assert "Competing risks" in html and "Gray's test between groups" in html
    assert "Fine–Gray model: subdistribution hazard ratios" in html and "cif_PFS_" in html
    assert "Traceback" not in html
    man = json.loads(res.manifest.read_text())
    assert {"report.html", "report.ipynb", "config.json"} <= set(man["outputs"])
    assert any(k.endswith("05_report.py") for k in man["inputs"])  # the template is read
    # the Provenance section shows what the manifest records, though it is written later
    provenance = html[html.index("Provenance") :]
    assert "Input files (SHA-256" in provenance
    for name, digest in man["inputs"].items():
        assert name in provenance and digest in provenance
    assert man["git_commit"] is None or man["git_commit"] in provenance
    assert f"seed {man['seed']}" in provenance and "Software versions" in provenance
    assert "The manifest is written when the run finishes" not in html
    import nbformat

    nb = nbformat.read(tmp_path / "r" / "report.ipynb", as_version=4)
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert outputs and not [
        o for o in outputs if o["output_type"] == "error" or o.get("name") == "stderr"
    ]


def test_a_simulated_cohort_as_the_data(tmp_path: Path) -> None:
    cfg = Config.model_validate(
        FAST
        | {
            "data": {
                "source": "simulate",
                "simulation": {"scenario": "prrt", "n_patients": 60, "seed": 3},
            },
            "figures": {"include": [], "formats": ["png"], "style": "none"},
            "compare": {"enabled": False},
        }
    )
    res = run(cfg, out=tmp_path / "sim")
    man = json.loads(res.manifest.read_text())
    assert man["inputs"] == {} and man["config"]["data"]["simulation"]["scenario"] == "prrt"
    import pandas as pd

    lines = pd.read_csv(res.tables["lines_analysed"][0])
    assert set(lines["regimen_class"]) == {"PRRT"} and len(lines) == 60
