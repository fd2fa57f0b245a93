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
# # 06 · Case study: early tumour shrinkage and survival under pembrolizumab (INSPIRE)
#
# **Real data.** INSPIRE (Bratman et al., *Nature Cancer* 2020;1:873–881; data from the R
# package reportRmd, MIT licence; see `netsurv/datasets/inspire/README.md`): 94 patients of
# five tumour cohorts treated with pembrolizumab, with the % change of the tumour measurement
# from baseline at each visit, ctDNA, OS and PFS.  Not NETs, but exactly the data a NET clinic
# often has: **one number per scan**, not each lesion.
#
# The package's question: **does early tumour shrinkage of ≥ 10, 20 or 30 % by a landmark
# predict overall survival** — and how much of the answer survives an honest search over the
# cut-offs?  Responders are compared with non-responders at a landmark (patients alive at 2 or
# 3 months, grouped by shrinkage seen by then, OS from the landmark), never by "ever shrank"
# (guarantee-time bias); the p-value of the best cut-off is adjusted for the search by
# permutation; its statistic is corrected for optimism by the bootstrap; and with few
# responders the hazard ratios are also fitted with Firth's penalised likelihood.

# %% tags=["parameters"]
thresholds = [-0.1, -0.2, -0.3]
landmark_months = [2, 3]
n_boot = 200
n_perm = 1000
seed = 1

# %%
import dataclasses
import json

import matplotlib.pyplot as plt

import netsurv as ns
from netsurv.styles import paper_style

plt.style.use(paper_style())
cohort = ns.datasets.load_inspire()
cohort

# %% [markdown]
# The tumour sizes are % changes from baseline, one per visit (`cohort.tumour_burden`); new
# lesions and non-target status are not in the data.  Four visits fall after the last
# contact of a living patient: the data say so, netsurv keeps them and lists a warning.

# %%
cohort.tumour_burden.head(6)

# %%
cohort.warnings[["table", "row_key", "rule", "message"]]

# %% [markdown]
# ## A criterion that can read % changes
# RECIST 1.1's progression needs +20 % **and** +5 mm over the nadir; a % change has no
# millimetres, so RECIST 1.1 sets every line aside and says why.  The relative variant drops
# only the 5 mm rule; response is the % change from baseline as in RECIST.

# %%
print(ns.classify(cohort, "recist1.1").attrition["reason"].value_counts().to_string())
rel = dataclasses.replace(
    ns.criteria.RECIST_1_1,
    name="recist_rel",
    label="RECIST 1.1 without the 5 mm rule",
    progression_min_abs=None,
)
tp = ns.classify(cohort, rel)
ns.best_response(tp, confirm=False)["bor"].value_counts()

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5), layout="constrained")
ns.plots.waterfall(tp, criterion="recist_rel", ax=left)
ns.plots.spider(tp, criterion="recist_rel", ax=right)
plt.show()

# %% [markdown]
# ## The honest sweep: shrinkage cut-offs × landmarks
# Every cut-off at every landmark, one log-rank statistic each; the best is the largest, its
# `p_search` the permutation p-value of the maximum over all six, its `corrected` statistic
# the apparent one minus the bootstrap optimism of the whole selection.  Variants whose
# smaller group is under 10 % of the patients are shown but not eligible.  Days are counted as
# in ADaM (the start of treatment is day 1): a patient is in the landmark set when OS exceeds
# the landmark (2 months = 60.9 days), a responder when the shrinkage was seen by then.

# %%
res = ns.sweep(
    cohort,
    rel,
    {"response_threshold": thresholds},
    outcome="OS",
    landmark_months=landmark_months,
    n_boot=n_boot,
    n_perm=n_perm,
    seed=seed,
)
cols = ["response_threshold", "landmark_months", "n", "n_group1", "events_group1",
        "events_group0", "hr", "hr_lower", "hr_upper", "logrank_chi2", "p_logrank",
        "p_adjusted", "eligible", "selection_frequency"]
res.table[cols].round(4)

# %%
res.best[["criterion", "analysis", "value", "p_logrank", "p_search", "corrected"]]

# %%
res.optimism.table

# %% [markdown]
# ## Few responders: Firth's penalised Cox at the chosen landmark
# Among the responders alive at 3 months there are 5, 2 and 1 deaths at the 10, 20 and 30 %
# cut-offs: the ordinary estimates lean on a handful of events.  Firth's penalty gives finite,
# less biased estimates with profile-likelihood intervals.

# %%
variants = ns.criteria.grid(rel, response_threshold=thresholds)
tp_all = ns.classify(cohort, variants)
ep = ns.derive_endpoints(cohort, tp_all, endpoints=["OS"])
firth = {}
for v in variants:
    lm = ns.survival.landmark(tp_all, criterion=v.name, at_months=3, endpoints=ep,
                              penalty="firth")
    firth[v.response_threshold] = lm
    print(v.name, lm.table[["n", "n_status", "events_status", "hr", "lower", "upper",
                              "p_value", "median_status", "median_other"]].round(4)
          .to_dict("records")[0])

# %% [markdown]
# ## Landmark Kaplan–Meier at 3 months (≥ 10 % shrinkage by then vs not)

# %%
lm10 = firth[-0.1]
ax = ns.plots.km_plot(lm10.km[3.0])
ax.set_title("OS from the 3-month landmark, by shrinkage ≥ 10 % by then")
plt.show()

# %% [markdown]
# ## The numbers
# `tests/notebooks/test_case_studies.py` recomputes the cell below from the raw CSV files with
# lifelines (landmark sets, log-rank, Efron Cox) and checks the statements that follow, so
# this case study cannot drift silently.

# %% tags=["key-numbers"]
key = {
    "n_patients": int(cohort.n_patients),
    "sweep": [
        {k: (round(float(r[k]), 6) if k not in ("n", "n_group1", "events_group1") else int(r[k]))
         for k in ("response_threshold", "landmark_months", "n", "n_group1", "events_group1",
                   "hr", "logrank_chi2")}
        for _, r in res.table.iterrows()
    ],
    "best": {"response_threshold": float(res.best["response_threshold"]),
             "landmark_months": float(res.best["landmark_months"]),
             "logrank_chi2": round(float(res.best["value"]), 3),
             "p_search": round(float(res.best["p_search"]), 4),
             "corrected": round(float(res.best["corrected"]), 2)},
    "firth_3mo": {str(t): {k: round(float(lm.table.loc[0, k]), 3)
                           for k in ("hr", "lower", "upper")} for t, lm in firth.items()},
    "median_os_from_3mo_no_shrinkage": round(float(lm10.table.loc[0, "median_other"]), 2),
}
print(json.dumps(key, indent=1))

# %% [markdown]
# **What the data say.** Of 88 patients alive at 3 months, 19 had shrunk by ≥ 10 % by then;
# 5 of them died, against 53 of the 69 others (log-rank χ² = 17.08; ordinary Cox HR 0.18,
# Firth HR 0.19 with profile 95 % CI 0.07–0.43; median OS from the landmark 6.82 months without
# shrinkage, not reached with it).  This was the best of the six cut-off × landmark variants;
# after the search its permutation p-value is 0.002 and its optimism-corrected χ² 15.43, so the
# association is not an artefact of choosing the cut-off.  Deeper cut-offs (20, 30 %) point
# the same way with fewer responders and wider intervals.  It is one small, heterogeneous
# study (five tumour types, % changes without new-lesion or non-target data), and a landmark
# analysis shows association, not that shrinkage causes longer survival.
