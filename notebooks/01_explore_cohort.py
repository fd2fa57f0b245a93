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
# # 01 · Explore a cohort
#
# Load a cohort, see what validation found and what was set aside, and look at each patient's
# course: swimmer, spider and waterfall plots under one criterion. Set `data` to a folder of
# `patients` / `lines` / `assessments` / `lesions` tables to explore your own cohort.

# %% tags=["parameters"]
data = "demo"  # "demo" or a folder of input tables
criterion = "recist1.1"
max_patients = 30

# %%
import matplotlib.pyplot as plt
import pandas as pd

import netsurv as ns

cohort = ns.load_demo() if data == "demo" else ns.read_cohort(data)
cohort

# %% [markdown]
# ## What the cohort holds

# %%
cohort.summary()

# %% [markdown]
# ## Validation
#
# Every problem is reported at once, with table, column, row key and rule. Problems below the
# error threshold are kept as warnings; rows an analysis cannot use are in the attrition table.

# %%
cohort.warnings.head(10)

# %%
cohort.attrition.groupby(["table", "stage", "reason"]).size().rename("rows").reset_index()

# %% [markdown]
# What a broken table looks like: a negative diameter and a scan dated before birth.

# %%
broken = {name: getattr(cohort, name).copy() for name in ("patients", "lines", "assessments", "lesions")}
broken["lesions"].loc[broken["lesions"].index[0], "long_axis_mm"] = -4.0
first = broken["assessments"].index[0]
broken["assessments"].loc[first, "date"] = pd.Timestamp("1900-01-01")
try:
    ns.Cohort.from_frames(**broken)
except ns.ValidationError as err:
    display(err.failures[["severity", "table", "column", "row_key", "rule", "message"]].head(10))

# %% [markdown]
# ## Responses under one criterion

# %%
tp = ns.classify(cohort, criterion)
bor = ns.best_response(tp)
bor["bor"].value_counts()

# %%
tp.table[tp.table["role"] == "follow_up"][
    ["patient_id", "line_id", "date", "value", "pct_change_baseline", "pct_change_nadir", "response", "reason"]
].head(12)

# %% [markdown]
# ## Swimmer, spider and waterfall

# %%
fig, ax = plt.subplots(figsize=(9, max(3, 0.25 * max_patients)))
ns.plots.swimmer(cohort, tp.table, criterion=criterion, max_patients=max_patients, ax=ax)
plt.show()

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
ns.plots.spider(tp, criterion=criterion, ax=left)
ns.plots.waterfall(tp, criterion=criterion, ax=right)
plt.show()
