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
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Threshold sweep
#
# Reclassify every patient under a grid of response and progression cut-offs, ask which
# variant's response at a landmark best predicts overall survival, and keep the answer honest:
# the p-value of the winner is adjusted for having searched the grid (permutations of the
# outcome, maximum statistic), its performance is corrected for optimism (Harrell's bootstrap,
# repeating the whole selection in each resample), and the selection frequency shows how stable
# the choice is.

# %% tags=["parameters"]
data = "demo"
base = "recist1.1"
response_thresholds = [-0.1, -0.2, -0.3, -0.4, -0.5]
progression_thresholds = [0.1, 0.2, 0.3, 0.4]
landmark_months = 6
n_boot = 200
n_perm = 1000
seed = 1

# %%
import matplotlib.pyplot as plt

import netsurv as ns
from netsurv.styles import paper_style

plt.style.use(paper_style())
cohort = ns.load_demo() if data == "demo" else ns.read_cohort(data)
grid = {"response_threshold": response_thresholds, "progression_threshold": progression_thresholds}
res = ns.sweep(
    cohort, base, grid, outcome="OS", landmark_months=landmark_months,
    n_boot=n_boot, n_perm=n_perm, seed=seed,
)

# %% [markdown]
# ## One row per variant

# %%
cols = ["response_threshold", "progression_threshold", "n", "n_group1", "median_pfs_months",
        "hr", "hr_lower", "hr_upper", "logrank_chi2", "p_logrank", "p_adjusted",
        "c_index", "selection_frequency"]
res.table[cols].round(3)

# %% [markdown]
# ## The apparent best, and what it is worth after the search

# %%
res.best[["criterion", "metric", "value", "p_logrank", "p_search", "corrected"]]

# %%
res.optimism.table

# %% [markdown]
# ## Heatmap and cut-off curves
# Cells whose adjusted p-value is not significant are hatched; the apparent best is outlined.

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
ns.plots.sweep_heatmap(res, x="response_threshold", y="progression_threshold", ax=left)
ns.plots.sweep_lines(res, x="response_threshold", by="progression_threshold", ax=right)
plt.show()

# %% [markdown]
# ## Stability of the choice: how often each variant wins in bootstrap resamples

# %%
res.table.sort_values("selection_frequency", ascending=False)[
    ["criterion", "selection_frequency", "metric_boot_lower", "metric_boot_upper"]
].head(10)
