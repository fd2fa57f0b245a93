# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags
#     formats: ipynb,py:percent
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
# # 04 · Simulation study
#
# Simulated NET cohorts record the truth behind their scans (growth rates, true progression,
# pseudoprogression), so a criterion can be scored on how well it recovers the disease course,
# and a threshold sweep on how often it finds the best cut-off and how often it cries wolf when
# no cut-off carries signal.

# %% tags=["parameters"]
scenarios = ["ssa", "prrt", "targeted"]
criteria = ["recist1.1", "irecist", "recist_10_10", "choi", "volumetric_recist", "sstv"]
n_patients = 400
n_cohorts = 20
n_perm = 200
truth_patients = 3000
seed = 1

# %%
import matplotlib.pyplot as plt
import pandas as pd

import netsurv as ns
from netsurv.simulate import calibration_table, score_progression
from netsurv.styles import paper_style
from netsurv.sweep.study import simulation_study

plt.style.use(paper_style())

# %% [markdown]
# ## Do the simulated cohorts look like the published ones?

# %%
pd.concat(
    [calibration_table(s, n_patients=n_patients, seed=seed) for s in scenarios], ignore_index=True
)

# %% [markdown]
# ## Which criterion recovers the true progression?
# Sensitivity: share of true progressions called while the line is followed; early calls:
# progressions called before the true one (measurement noise, pseudoprogression) as a share of
# all calls; delay: days from the true progression to the call.

# %%
scores = pd.concat(
    [
        score_progression(ns.simulate_cohort(n_patients, seed=seed, scenario=s), criteria).assign(scenario=s)
        for s in scenarios
    ],
    ignore_index=True,
)
scores.pivot(index="criterion", columns="scenario", values=["sensitivity", "early_call_rate", "median_delay_days"]).round(2)

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
for s, g in scores.groupby("scenario"):
    ax.scatter(g["early_call_rate"], g["sensitivity"], label=s)
    for _, r in g.iterrows():
        ax.annotate(r["criterion"], (r["early_call_rate"], r["sensitivity"]), fontsize=7)
ax.set_xlabel("early calls (share of called progressions)")
ax.set_ylabel("sensitivity to true progression")
ax.legend(title="scenario")
plt.show()

# %% [markdown]
# ## A threshold sweep over many cohorts
# Response cut-offs at a 6-month landmark for overall survival. The "true best" cut-off is the
# one selected on a large cohort of the same scenario. With `death_link = 0` response carries no
# information on survival, so the search-adjusted p-value should reject in about 5 % of cohorts.

# %%
grid = {"response_threshold": [-0.1, -0.2, -0.3, -0.4]}
common = dict(
    seeds=n_cohorts, n_patients=n_patients, truth_patients=truth_patients, landmark_months=6,
    n_boot=0, n_perm=n_perm,
)
signal = simulation_study("recist1.1", grid, scenarios=["prrt"], **common)
null = simulation_study("recist1.1", grid, scenarios=["prrt"], simulate_kwargs={"death_link": 0.0}, **common)
pd.concat([signal.scenarios.assign(death_link="default"), null.scenarios.assign(death_link=0.0)])

# %% [markdown]
# How often each cut-off was selected, and which one is the scenario's true best:

# %%
signal.selection

# %% [markdown]
# ## Site-specific response and oligoprogression
# The lesion level of one simulated cohort: each followed lesion's change (`ns.lesion_response`),
# each organ's sum and class (`ns.organ_response`, here with a bone-specific progression cut-off
# of +30 %), and scan patterns as columns of the time-point table (`ns.add_patterns`): mixed
# response (an organ responding while another progresses), oligoprogression (PD with at most 3
# progressing or new lesions in at most 2 organs) and lesion-level pseudoprogression. A
# liver-only RECIST 1.1 counts only new liver lesions (`new_lesions="sites"`, the default).

# %%
import dataclasses

site_cohort = ns.simulate_cohort(n_patients, seed=seed, scenario="ssa")
recist = dataclasses.replace(ns.criteria.RECIST_1_1, name="recist1.1_bone30",
                             organ_thresholds={"bone": (-0.3, 0.3)})
liver = dataclasses.replace(ns.criteria.RECIST_1_1, name="recist1.1_liver", sites=("liver",))
organs = ns.organ_response(site_cohort, recist)
fu = organs[organs["scan_role"] == "follow_up"]
pd.crosstab(fu["site"], fu["organ_class"], normalize="index").round(2)

# %%
patterns = ns.add_patterns(site_cohort, ["recist1.1", recist, liver])
pd_scans = patterns[patterns["response"] == "PD"]
pd_scans.groupby("criterion")[["oligoprogression", "mixed_response", "lesion_pseudoprogression"]].mean().round(2)

# %% [markdown]
# Progression events typed by pattern: the cumulative incidence of oligoprogression with other
# progression and death competing.

# %%
ep_sites = ns.derive_endpoints(site_cohort, "recist1.1", endpoints=["PFS"]).table
typed = ns.response.pattern_events(ep_sites, patterns, "oligoprogression")
competing = ns.endpoints.competing_events(typed, endpoint="PFS",
                                          causes=("oligoprogression", "progression", "death"))
competing["cause"].value_counts(dropna=False)

# %%
lesions = ns.lesion_response(site_cohort, "recist1.1")
mixed = patterns[(patterns["criterion"] == "recist1.1") & patterns["mixed_response"]]
example = mixed["patient_id"].iloc[0] if len(mixed) else lesions.table["patient_id"].iloc[0]
fig, axes = plt.subplots(1, 2, figsize=(12, 4))
ns.plots.lesion_spider(lesions, patient_id=example, ax=axes[0])
ns.plots.organ_waterfall(organs, ax=axes[1])
fig.tight_layout()
plt.show()
