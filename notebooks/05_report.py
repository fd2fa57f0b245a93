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
import html
import json
from pathlib import Path

import pandas as pd
from IPython.display import HTML, Image, Markdown, display

from netsurv.config import Config
from netsurv.pipeline.methods import criteria_table, methods_paragraph
from netsurv.pipeline.privacy import is_patient_level

out = Path(output_dir)
manifest_path = out / "manifest.json"
cfg = Config.model_validate(json.loads((out / "config.json").read_text()))
prov = provenance
if prov is None and manifest_path.exists():
    prov = json.loads(manifest_path.read_text())
versions = (prov or {}).get("versions") or {}
if not versions:
    from netsurv.pipeline.provenance import versions as installed_versions

    versions = installed_versions()
# report.patient_level = false: no swimmer, spider or waterfall figure and no table with a row per
# patient, line or scan in this report (their files stay in the run folder)
patient_level = cfg.report.patient_level
pd.set_option("display.max_columns", 30)
pd.set_option("display.width", 160)


def esc(text: object) -> str:
    """Text from the config or the data, safe inside HTML (and Markdown shown as HTML)."""
    return html.escape(str(text), quote=True)


def table(name: str) -> pd.DataFrame | None:
    """A table of the run (its Parquet copy: identifiers keep their leading zeros and read
    as written), or None when the run did not make it."""
    p = out / "tables" / f"{name}.parquet"
    return pd.read_parquet(p) if p.exists() else None


def show(name: str, title: str, rows: int = 40) -> None:
    df = table(name)
    if df is None or (not patient_level and is_patient_level(df)):
        return
    display(Markdown(f"### {title}"))
    display(HTML(df.head(rows).to_html(index=False, na_rep="", float_format=lambda x: f"{x:.3g}")))
    if len(df) > rows:
        display(Markdown(f"*First {rows} of {len(df)} rows; the whole table is `tables/{name}.csv`.*"))


def figures(prefix: str, title: str, *, per_patient: bool = False) -> None:
    if per_patient and not patient_level:
        return
    found = sorted((out / "figures").glob(f"{prefix}*.png"))
    if found:
        display(Markdown(f"### {title}"))
    for p in found:
        display(HTML(f"<code>{esc(p.name)}</code>"))
        display(Image(filename=str(p)))


display(HTML(f"<h2>Run <code>{esc(cfg.run.name)}</code></h2>"))
if not patient_level:
    display(
        Markdown(
            "Patient-level figures and tables are left out of this report "
            "(`report.patient_level = false`); their files are in `figures/` and `tables/`."
        )
    )

# %% [markdown]
# ## Methods

# %%
display(HTML(f"<p>{esc(methods_paragraph(cfg, versions))}</p>"))
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
att = table("attrition_summary")
if att is not None and len(att):
    display(Markdown("### Attrition (rows set aside, by reason)"))
    display(HTML(att.to_html(index=False)))
warn = table("validation_warnings")
if warn is not None and len(warn):
    display(Markdown(f"{len(warn)} validation warnings: `tables/validation_warnings.csv`."))
figures("swimmer", "Swimmer plot", per_patient=True)

# %% [markdown]
# ## Response

# %%
show("bor_summary", "Best overall response by criterion")
show("response_rates", "ORR and DCR with exact (Clopper–Pearson) 95% CIs")
show("response_rate_comparison", "ORR / DCR against the reference criterion (paired lines: "
     "Newcombe 95% CI of the difference, McNemar's asymptotic and exact p)")
figures("waterfall", "Waterfall plots", per_patient=True)
figures("spider", "Spider plot", per_patient=True)
show("agreement", "Agreement between criteria")

# %% [markdown]
# ## Survival

# %%
show("km_medians", "Kaplan–Meier medians (months)")
figures("km", "Kaplan–Meier curves")
show("landmark", "Landmark analyses")
show("cox", "Cox model")

# %% [markdown]
# ## Competing risks
# With `[competing]` on: the endpoint's events split by cause (PFS: progression, with death
# competing), Aalen–Johansen cumulative incidence, Gray's test between groups, Fine–Gray model.

# %%
if table("cif") is None:
    display(Markdown("Not analysed in this run (`[competing] enabled = false`)."))
show("cif", "Cumulative incidence by cause (Aalen–Johansen, 95% CI)")
show("cif_summary", "Events by cause")
show("gray", "Gray's test between groups")
show("fine_gray", "Fine–Gray model: subdistribution hazard ratios (exp_coef) with 95% CIs")
figures("cif", "Cumulative incidence curves")

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
        f"netsurv {esc(prov['netsurv'])}",
        f"git commit <code>{esc(prov['git_commit'])}</code>",
        f"seed {esc(prov['seed'])}",
    ]
    if prov.get("config_file"):
        facts.append(f"config file <code>{esc(prov['config_file'])}</code>")
    display(HTML("<p>" + ", ".join(facts) + "; the resolved config is <code>config.json</code>.</p>"))
    if prov["inputs"]:
        where = esc(prov.get("paths", ""))
        display(HTML(f"<h3>Input files (SHA-256; paths {where}, netsurv: inside the package)</h3>"))
        inputs = pd.DataFrame(sorted(prov["inputs"].items()), columns=["input file", "SHA-256"])
        display(HTML(inputs.to_html(index=False)))
    else:
        display(Markdown("No input file: the cohort is simulated from the config's recipe."))
    display(Markdown("### Software versions"))
    found = pd.DataFrame(sorted(prov["versions"].items()), columns=["software", "version"])
    display(HTML(found.to_html(index=False, na_rep="not installed")))
    display(Markdown("`manifest.json` adds the SHA-256 of every output and the run's times."))
else:
    display(Markdown("No provenance given and no `manifest.json` in the output folder."))
