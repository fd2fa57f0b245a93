"""Synthetic NET cohorts with a known latent truth.

``simulate_cohort(n_patients, seed, scenario=...)`` returns a validated
:class:`netsurv.Cohort` in the input format; ``cohort.truth`` records what the data were
generated from, so a method can be scored on how well it recovers it.  ``netsurv simulate``
writes the same tables (and ``truth.csv``) to a folder that :func:`netsurv.read_cohort` reads.

The model, in short (details in each module's docstring):

* **Disease** (:mod:`~netsurv.simulate.disease`): each patient has an intrinsic tumour growth
  rate (TGR, %/month; a slow / fast mixture); each lesion follows a shrink-and-regrow curve
  on every line (a sensitive fraction decays, the rest grows at the patient's rate slowed by
  the therapy until resistance).  A minority of patients has a dedifferentiated clone
  (faster, blind to SSA / PRRT, losing SST-PET uptake).  New lesions appear at a rate rising
  with the current growth rate.  PRRT causes transient swelling (pseudoprogression) in some;
  optionally single lesions swell on their own (lesion-level pseudoprogression) and organs grow
  at their own rates (:mod:`~netsurv.simulate.organs`).
* **Scans** (:mod:`~netsurv.simulate.imaging`): CT (MRI for some patients) every 12 weeks
  for 2 years then every 24, SST-PET at baseline and before each PRRT cycle and / or at
  fixed times, FDG-PET for some G2/G3 patients (a lesion keeps its ``lesion_id`` on every
  modality; :mod:`~netsurv.simulate.tracers` records each PET scan's tracer and, when asked,
  switches a patient's SST-PET tracer); noisy readings, not-evaluable and too-small
  lesions, RECIST targets chosen at each line's baseline, the clinical read
  (``reader_response``, ``nontarget_status``, ``new_lesion``) and the decision to change line.
* **Lines** (:mod:`~netsurv.simulate.course`): a line ends at the read progression, at
  toxicity or at death (PRRT: after its cycles); in ``mixed`` the next line starts 4-10 weeks
  later (also after toxicity), so censoring at new therapy matters.
* **Death and censoring** (:mod:`~netsurv.simulate.survival`): a Weibull hazard raised by the
  current tumour burden and growth rate (``death_link`` scales the link; 0 = none), a frailty;
  administrative cut-off and loss to follow-up.

``truth`` columns (one row per patient × recorded line)
-------------------------------------------------------
patient_id, line_id, regimen_class, start_date
    The line.
tgr_baseline
    The patient's intrinsic growth rate, TGR %/month.
tgr_on_treatment
    ``tgr_baseline`` minus the line's growth reduction (while the reduction holds).
tgr_dedifferentiated
    Growth rate of the dedifferentiated clone (empty when the patient has none).
sensitive_fraction, kill_rate, growth_reduction, resistance_months, density_drop
    The line's treatment effect: mean sensitive fraction of the lesions, its decay rate
    (1/month), the growth-rate reduction (TGR %/month), the time until it is lost (months)
    and the relative fall of CT density of treated lesions.
true_nadir_pct
    Lowest true change of the followed-lesion diameter sum from the line start, %.
true_progression_date, true_progression_days, true_progression_by
    **True progression**: the first time the true (noise-free, swelling-free) sum of the
    diameters of the line's RECIST targets (all its baseline CT lesions when it has none;
    nodes by short axis) is >= 20 % above its running nadir and >= 5 mm above it (time
    interpolated on a 28-day grid), or a new lesion truly appears (any organ, including
    SST-PET-only bone lesions), whichever comes first (``by`` = ``size`` or
    ``new_lesion``); empty when it does not happen before ``window_end_date``.
window_end_date
    End of the line's latent window: the next line's start, death or the cut-off.
pseudoprogression
    The line had a transient treatment-related swelling (PRRT; 10-40 % size increase that
    resolves within about 6 months).
pseudoprogression_pd
    That swelling made the noise-free apparent target sum meet the RECIST progression rule
    before any true progression.
swelling_pct
    Peak amplitude of the swelling, %.
lesion_pseudoprogression, lesion_swelling_pct
    Lesion-level pseudoprogression (``lesion_pseudoprogression_rate``; 0 by default): the
    number of the line's CT lesions with their own transient swelling after PRRT, and the
    largest amplitude, % (:mod:`~netsurv.simulate.organs`).
tgr_liver, tgr_lymph_node, tgr_bone, tgr_lung, tgr_peritoneum, tgr_pancreas, tgr_bowel, tgr_other
    Each organ's intrinsic growth rate, TGR %/month: ``tgr_baseline`` plus the scenario's
    ``organ_tgr_offset`` for the organ (equal to ``tgr_baseline`` by default).
dedifferentiation
    The patient has a dedifferentiated clone.
death_date
    Latent date of death up to the cut-off (also when loss to follow-up hides it).
censoring_date, cutoff_date
    End of observation (cut-off or loss to follow-up) and the administrative cut-off.
"""

from netsurv.simulate.calibration import calibration_table, kendall_tau_censored
from netsurv.simulate.cohort import simulate_cohort, simulate_tables
from netsurv.simulate.presets import SCENARIOS, get_scenario, list_scenarios, parse_overrides
from netsurv.simulate.scenarios import Scenario, Therapy
from netsurv.simulate.scoring import score_progression

__all__ = [
    "SCENARIOS",
    "Scenario",
    "Therapy",
    "calibration_table",
    "get_scenario",
    "kendall_tau_censored",
    "list_scenarios",
    "parse_overrides",
    "score_progression",
    "simulate_cohort",
    "simulate_tables",
]
