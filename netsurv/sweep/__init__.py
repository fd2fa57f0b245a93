"""The threshold-sweep engine: every cut-off variant at once, with honest statistics.

* :func:`sweep` — reclassify every line under a grid of variants, compare responders with
  non-responders (landmark or time-dependent) for each, select the best variant with a
  permutation p-value for the search and Harrell's bootstrap optimism correction.
* :mod:`netsurv.sweep.batch` — the numerical core on arrays: one-binary-covariate Cox (Efron /
  Breslow), log-rank and Harrell's C for many groupings × replicates at once, from risk-set
  counts (:mod:`netsurv.sweep.counts`).
* :func:`simulation_study` — how often a sweep recovers the simulator's true best variant.

Examples
--------
>>> import netsurv as ns
>>> from netsurv.sweep import sweep
>>> res = sweep(ns.load_demo(), "recist1.1", {"response_threshold": [-0.1, -0.3]},
...             landmark_months=3, n_boot=0, n_perm=0)
>>> list(res.table["analysis"].unique())
['landmark 3 mo']
"""

from netsurv.sweep.batch import BatchStats, fit_counts
from netsurv.sweep.counts import Counts, Outcome, count_fixed, count_switch, sort_outcome
from netsurv.sweep.engine import sweep
from netsurv.sweep.inference import Optimism
from netsurv.sweep.result import SweepResult
from netsurv.sweep.select import sweep_groups
from netsurv.sweep.study import StudyResult, simulation_study

__all__ = [
    "BatchStats",
    "Counts",
    "Optimism",
    "Outcome",
    "StudyResult",
    "SweepResult",
    "count_fixed",
    "count_switch",
    "fit_counts",
    "simulation_study",
    "sort_outcome",
    "sweep",
    "sweep_groups",
]
