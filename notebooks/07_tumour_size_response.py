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
# # 07 · Case study: sum-based response on messy real visits (atezolizumab, five studies)
#
# **Real data.** The tumour-size dataset of Laleh et al. (*PLoS Comput Biol* 2022;18:e1009822;
# as published in TumorGrowth.jl, MIT licence; see `netsurv/datasets/laleh/README.md`): 1,461
# series of per-visit target diameters (mm) of patients treated with atezolizumab in five
# studies, at irregular visits, with duplicated rows, series that start after treatment began
# and readings of 0.  No lesion rows and no survival: exactly what a scan-level table is for.
#
# The question here is the one a clinic asks first of such data: **what does RECIST-like,
# sum-based response look like under each criterion, and how many patients does each rule set
# aside, and why?**  Nothing is dropped silently: every line a criterion cannot read is in the
# attrition table with its reason.

# %% tags=["parameters"]
criteria = ["recist1.1", "recist_mr", "recist_10_10", "irecist", "choi", "who",
            "volumetric_recist", "liver3"]

# %%
import json

import matplotlib.pyplot as plt
import pandas as pd

import netsurv as ns
from netsurv.styles import paper_style

plt.style.use(paper_style())
cohort = ns.datasets.load_tumour_size()
cohort

# %% [markdown]
# ## What loading set aside
# Exact duplicate rows are one visit; one patient has two *different* diameters on one day
# (netsurv does not choose between them); series whose first visit is after the start of
# treatment, or more than 28 days before it (RECIST 1.1's baseline window), have no baseline
# scan.

# %%
cohort.attrition.groupby(["stage", "reason"]).size().rename("rows").reset_index()

# %% [markdown]
# ## Each criterion on the sums, and what each sets aside
# RECIST 1.1 and its variants work on a diameter sum (the 5 mm rule included: the sums are in
# mm).  Choi's density rule, WHO's products of diameters, volumetric RECIST and the hepatic
# criterion (its largest three lesions) need each lesion, so they set every line aside — with
# the reason, not silently.

# %%
tp = ns.classify(cohort, criteria)
aside = pd.crosstab(tp.attrition["reason"], tp.attrition["criterion"])
aside

# %%
read = [c for c in criteria if c in set(tp.table["criterion"])]
t = tp.table[tp.table["role"] == "follow_up"]
pd.crosstab(t["criterion"], t["response"]).loc[read]

# %% [markdown]
# ## Best overall response, unconfirmed and confirmed

# %%
bor = ns.best_response(tp, confirm=False)
bor_confirmed = ns.best_response(tp, confirm=True)
pd.concat(
    {"unconfirmed": pd.crosstab(bor["criterion"], bor["bor"]),
     "confirmed": pd.crosstab(bor_confirmed["criterion"], bor_confirmed["bor"])},
    axis=1,
).fillna(0).astype(int)

# %% [markdown]
# RECIST 1.1 against the authors' own trend category of each series (`up`, `down`, `flux`):

# %%
r = bor[bor["criterion"] == "recist1.1"].merge(cohort.patients[["patient_id", "response"]])
pd.crosstab(r["response"], r["bor"], margins=True)

# %% [markdown]
# ## Best % change per patient under RECIST 1.1 and with 10 % cut-offs

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5), layout="constrained")
ns.plots.waterfall(tp, criterion="recist1.1", ax=left)
ns.plots.waterfall(tp, criterion="recist_10_10", ax=right)
plt.show()

# %% [markdown]
# ## The numbers
# `tests/notebooks/test_case_studies.py` re-derives every RECIST 1.1 and 10 % time-point
# response from the raw CSV with pandas (baseline, nadir, 5 mm rule, CR at 0 and a lesion
# reappearing after a confirmed CR) and checks the counts below and the statements that follow.

# %% tags=["key-numbers"]
def counts(criterion: str) -> dict[str, int]:
    x = t[t["criterion"] == criterion]["response"].value_counts()
    return {k: int(v) for k, v in sorted(x.items())}


key = {
    "n_patients": int(cohort.n_patients),
    "set_aside_on_loading": int(len(cohort.attrition)),
    "no_baseline": int(cohort.attrition["reason"].str.startswith("no baseline scan").sum()),
    "lines_read": {c: int(tp.table.loc[tp.table["criterion"] == c, "patient_id"].nunique())
                   for c in read},
    "set_aside": {c: int((tp.attrition["criterion"] == c).sum()) for c in criteria},
    "timepoints": {c: counts(c) for c in ("recist1.1", "recist_10_10")},
    "bor_recist": {k: int(v) for k, v in
                   bor.loc[bor["criterion"] == "recist1.1", "bor"].value_counts().items()},
}
print(json.dumps(key, indent=1))

# %% [markdown]
# **What the data say.** Of 1,460 patients, 1,402 have a baseline scan and are read by RECIST
# 1.1 and its variants; 58 are set aside for having none (no visit on or up to 28 days before
# the start).  Under RECIST 1.1 the 6,683 follow-up scans read 356 CR, 1,503 PR, 3,577 SD and
# 1,247 PD; with 10 % cut-offs 2,593 PR and 1,659 PD, the stable class shrinking from 3,577 to
# 2,075 scans.  Unconfirmed best response under RECIST 1.1: 62 CR, 325 PR, 783 SD and 231 PD
# (and 1 NE).  Four of the eight criteria cannot be read on a diameter sum at all, and say so
# line by line.
