"""Synthetic NET cohorts with a known latent truth.

``simulate_cohort(n_patients, seed=..., scenario=...)`` returns a validated
:class:`netsurv.Cohort` whose ``truth`` table records, per patient and line, what the data
were generated from.  ``netsurv simulate`` writes the same tables to a folder.
"""

from netsurv.simulate.cohort import simulate_cohort, simulate_tables
from netsurv.simulate.scenarios import (
    SCENARIOS,
    Scenario,
    Therapy,
    get_scenario,
    list_scenarios,
)

__all__ = [
    "SCENARIOS",
    "Scenario",
    "Therapy",
    "get_scenario",
    "list_scenarios",
    "simulate_cohort",
    "simulate_tables",
]
