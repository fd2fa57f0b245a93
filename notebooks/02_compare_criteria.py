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
# # 02 · Compare criteria
#
# How often do RECIST 1.1, Choi, SST-PET volume and RECIST with 10 % cut-offs agree, and which
# one's response (or progression) says most about survival? Responders are compared with
# non-responders by landmark analysis and with response as a time-dependent covariate; a naive
# "ever responded" comparison is shown once, to see the guarantee-time bias it carries.
# RECIST 1.1 responders are few in NET cohorts (one by 6 months on the demo cohort, without a
# death): an ordinary Cox model then has no finite hazard ratio (≈ 1e-14, CI 0 to ∞), so the
# hazard ratios below use Firth's penalised likelihood (`penalty="firth"`), finite, with
# profile-likelihood CIs.

# %% tags=["parameters"]
data = "demo"
criteria = ["recist1.1", "choi", "sstv", "recist_10"]
outcome = "OS"
landmarks = [3, 6, 12]
n_boot = 200
seed = 1
penalty = "firth"

# %%
import warnings

import matplotlib.pyplot as plt
import pandas as pd

import netsurv as ns
from netsurv.styles import paper_style

plt.style.use(paper_style())
cohort = ns.load_demo() if data == "demo" else ns.read_cohort(data)
tp = ns.classify(cohort, criteria)
ep = ns.derive_endpoints(cohort, tp, endpoints=["PFS", "OS"])
cohort

# %% [markdown]
# ## Agreement with RECIST 1.1
# Per scan (time-point response), per line (best overall response) and for progression yes/no.

# %%
rows = []
for other in criteria[1:]:
    agr = ns.agreement(tp, criterion_a=criteria[0], criterion_b=other)
    rows.append(agr.kappa.assign(criterion=other))
pd.concat(rows)[["criterion", "level", "n", "percent_agreement", "kappa", "kappa_low", "kappa_high"]]

# %%
agr = ns.agreement(tp, criterion_a=criteria[0], criterion_b=criteria[1])
agr.bor_table

# %% [markdown]
# ## PFS under each criterion

# %%
pfs = ep.table[ep.table["endpoint"] == "PFS"]
km = ns.survival.kaplan_meier(pfs, duration_col="months", event_col="event", by="criterion")
display(km.medians)
fig, ax = plt.subplots(figsize=(7.5, 5.5))
ns.plots.km_plot(km, ax=ax, ylabel="PFS probability")
plt.show()

# %% [markdown]
# ## Responders vs non-responders: landmark, time-dependent, and the naive comparison

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ns.survival.GuaranteeTimeBiasWarning)
    hr = ns.survival.compare_responders(
        tp, criterion=criteria[0], outcome=outcome, at_months=landmarks, endpoints=ep, naive=True
    )
hr

# %%
with warnings.catch_warnings():  # the ordinary model warns of its infinite coefficient
    warnings.simplefilter("ignore", ns.survival.CoxConvergenceWarning)
    plain = ns.survival.landmark(tp, criterion=criteria[0], at_months=landmarks, outcome=outcome,
                                 endpoints=ep)
lm = ns.survival.landmark(tp, criterion=criteria[0], at_months=landmarks, outcome=outcome, endpoints=ep,
                          penalty=penalty)
cols = ["landmark", "n_status", "events_status", "hr", "lower", "upper", "p_value", "note"]
display(pd.concat({"ordinary Cox": plain.table[cols], penalty: lm.table[cols]}))
fig, axes = plt.subplots(1, len(lm.km), figsize=(6 * len(lm.km), 5), layout="constrained", squeeze=False)
for ax, months in zip(axes[0], sorted(lm.km), strict=False):
    ns.plots.km_plot(lm.km[months], ax=ax, logrank=lm.logrank.get(months), cox=lm.cox.get(months),
                     covariate="responder", title=f"{criteria[0]}: response by {months:g} months")
plt.show()

# %%
td = ns.survival.time_dependent_cox(tp, criterion=criteria[0], outcome=outcome, endpoints=ep)
display(td.cox.coefficients)
fig, ax = plt.subplots(figsize=(7, 5))
ns.plots.km_plot(td.simon_makuch, ax=ax, logrank=td.mantel_byar, title="Simon–Makuch")
plt.show()

# %% [markdown]
# ## Which criterion predicts outcome best
# Landmark status at 6 months; paired bootstrap CIs of differences from RECIST 1.1.

# %%
cmp = ns.survival.compare_criteria(
    tp, criteria=criteria, outcome=outcome, at_months=6, horizons=[12, 24], n_boot=n_boot,
    seed=seed, endpoints=ep, penalty=penalty,
)
display(cmp.table)
display(cmp.differences[cmp.differences["metric"].isin(["harrell_c", "lr_chi2"])])
fig, ax = plt.subplots(figsize=(7, 3.5))
ns.plots.forest_plot(cmp.table, ax=ax, title=f"{outcome} by response at 6 months",
                     xlabel=f"Hazard ratio (95% CI; {penalty} penalty, profile likelihood)")
plt.show()

# %% [markdown]
# ## CT and SST-PET read together: a combined criterion
# RECIST 1.1 on CT defines the time points; an SST-PET within 42 days is paired with each CT; a
# time point is PD when either modality shows PD (a new lesion on either counts, and an SST-PET
# PD paired with no CT becomes a time point of its own), PR only when every evaluable modality
# responds. Each component's response, its paired scan and the deciding component stay visible.

# %%
both = ns.criteria.combine("recist1.1", "sstv", name="recist1.1+sstv", progression="any",
                           response="all", window_days=42)
print(both.describe())
tp2 = ns.classify(cohort, [criteria[0], both])
t = tp2.table[(tp2.table["criterion"] == both.name) & (tp2.table["role"] == "follow_up")]
display(t[["patient_id", "line_id", "date", "modality", "response", "decided_by",
           "recist1.1.response", "sstv.response", "sstv.date"]].head(8))
display(pd.crosstab(t["recist1.1.response"].fillna("no CT"), t["sstv.response"].fillna("no SST-PET"),
                    values=t["response"], aggfunc=lambda r: "/".join(sorted(set(r)))))

# %% [markdown]
# Progression comes earlier when SST-PET can call it; on the demo's latent truth, how early
# and how often too early?

# %%
ep2 = ns.derive_endpoints(cohort, tp2, endpoints=["PFS"])
km2 = ns.survival.kaplan_meier(ep2.table, duration_col="months", event_col="event", by="criterion")
display(km2.medians)
if cohort.truth is not None:
    display(ns.simulate.score_progression(cohort, [criteria[0], "sstv", both, "recist1.1+sst_new_lesions"]))

# %% [markdown]
# ## PFS–OS correlation per criterion (Kendall's τ with censoring, Oakes)

# %%
ns.survival.pfs_os_correlation(ep, criteria=criteria, n_boot=n_boot, seed=seed)
