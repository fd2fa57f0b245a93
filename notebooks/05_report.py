# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # netsurv report
#
# Tables and figures of one run of `netsurv run`; every table is also in the run's `tables/`
# folder (CSV and Parquet) and every figure in `figures/` (PNG and PDF).

# %% tags=["parameters"]
# The report template of `netsurv run`: the run executes this notebook with papermill on its
# output folder and converts it to report.html. Run by hand, it shows the latest `make demo`.
output_dir = "../outputs/demo"
# What the run starts from (versions, git commit, seed, SHA-256 of every file it reads), given
# by `netsurv run`, which writes manifest.json only after the report; None: read manifest.json.
provenance = None

# %%
import json
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from netsurv.config import Config
from netsurv.pipeline.methods import criteria_table, methods_paragraph

out = Path(output_dir)
manifest_path = out / "manifest.json"
cfg = Config.model_validate(json.loads((out / "config.json").read_text()))
prov = provenance
if prov is None and manifest_path.exists():
    prov = json.loads(manifest_path.read_text())
versions = (prov or {}).get("versions") or {}
if not versions:
    from netsurv.pipeline.outputs import versions as installed_versions

    versions = installed_versions()
pd.set_option("display.max_columns", 30)
pd.set_option("display.width", 160)


def table(name: str, **kw: object) -> pd.DataFrame | None:
    """A table of the run, or None when the run did not make it."""
    p = out / "tables" / f"{name}.csv"
    return pd.read_csv(p, **kw) if p.exists() else None


def show(name: str, title: str, rows: int = 40) -> None:
    df = table(name)
    if df is None:
        return
    display(Markdown(f"### {title}"))
    display(HTML(df.head(rows).to_html(index=False, na_rep="", float_format=lambda x: f"{x:.3g}")))
    if len(df) > rows:
        display(Markdown(f"*First {rows} of {len(df)} rows; the whole table is `tables/{name}.csv`.*"))


def figures(prefix: str, title: str) -> None:
    found = sorted((out / "figures").glob(f"{prefix}*.png"))
    if found:
        display(Markdown(f"### {title}"))
    for p in found:
        display(Markdown(f"`{p.name}`"))
        display(Image(filename=str(p)))


display(Markdown(f"## Run `{cfg.run.name}`"))

# %% [markdown]
# ## Methods

# %%
display(Markdown(methods_paragraph(cfg, versions)))
display(HTML(criteria_table(cfg.build_criteria()).to_html(index=False)))
show("censoring_rules", "Censoring rules")

# %% [markdown]
# ## Cohort

# %%
show("table1", "Table 1: baseline characteristics of the analysed lines", rows=80)
t1 = table("table1")
if t1 is not None and (t1["variable"] == "follow-up").any():
    fu = t1.loc[t1["variable"] == "follow-up", "Overall"].iloc[0]
    display(Markdown(f"Median follow-up (reverse Kaplan–Meier of OS): {fu} months (95% CI)."))
att = table("attrition")
if att is not None and len(att):
    display(Markdown("### Attrition (rows set aside, by reason)"))
    summary = att.groupby(["stage", "reason"], dropna=False).size().rename("rows").reset_index()
    display(HTML(summary.to_html(index=False)))
warn = table("validation_warnings")
if warn is not None and len(warn):
    display(Markdown(f"{len(warn)} validation warnings: `tables/validation_warnings.csv`."))
figures("swimmer", "Swimmer plot")

# %% [markdown]
# ## Response

# %%
show("bor_summary", "Best overall response by criterion")
show("response_rates", "ORR and DCR with exact (Clopper–Pearson) 95% CIs")
show("response_rate_comparison", "ORR / DCR against the reference criterion (paired lines: "
     "Newcombe 95% CI of the difference, McNemar's asymptotic and exact p)")
figures("waterfall", "Waterfall plots")
figures("spider", "Spider plot")
show("agreement", "Agreement between criteria")

# %% [markdown]
# ## Survival

# %%
show("km_medians", "Kaplan–Meier medians (months)")
figures("km", "Kaplan–Meier curves")
show("landmark", "Landmark analyses")
show("cox", "Cox model")

# %% [markdown]
# ## Which criterion predicts outcome best

# %%
show("comparison", "Criteria comparison")
figures("forest", "Hazard ratios by criterion")
show("comparison_continuous_cutoffs", "Continuous % change: log hazard ratio at each cut-off")
figures("log_hr", "Continuous % change: log hazard-ratio curve, cut-offs marked")
show("sweep", "Threshold sweep")
show("sweep_summary", "Threshold sweep: selected variant, adjusted p-value, optimism")
figures("sweep", "Threshold sweep")

# %% [markdown]
# ## Provenance

# %%
show("run_notes", "Notes of the run (warnings, skipped steps)")
if prov:
    facts = [
        f"netsurv {prov['netsurv']}",
        f"git commit `{prov['git_commit']}`",
        f"seed {prov['seed']}",
        f"started {prov['started']}",
    ]
    if prov.get("config_file"):
        facts.append(f"config file `{prov['config_file']}`")
    display(Markdown(", ".join(facts) + "; the resolved config is `config.json`."))
    if prov["inputs"]:
        display(Markdown(f"### Input files (SHA-256; paths from `{prov['input_root']}`)"))
        inputs = pd.DataFrame(sorted(prov["inputs"].items()), columns=["input file", "SHA-256"])
        display(HTML(inputs.to_html(index=False)))
    else:
        display(Markdown("No input file: the cohort is simulated from the config's recipe."))
    display(Markdown("### Software versions"))
    found = pd.DataFrame(sorted(prov["versions"].items()), columns=["software", "version"])
    display(HTML(found.to_html(index=False, na_rep="not installed")))
    display(Markdown("`manifest.json` adds the SHA-256 of every output and the finish time."))
else:
    display(Markdown("No provenance given and no `manifest.json` in the output folder."))
