"""Property: every simulated cohort passes validation without warnings, whatever the seed,
size and scenario (hypothesis, derandomised, a few examples so that it stays fast)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netsurv.simulate import simulate_cohort

SETTINGS = settings(
    derandomize=True,
    deadline=None,
    max_examples=10,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 60),
    scenario=st.sampled_from(["ssa", "prrt", "targeted", "mixed"]),
    noise_cv=st.sampled_from([0.0, 0.08, 0.2]),
    missed=st.sampled_from([0.0, 0.05, 0.3]),
)
def test_any_seed_and_size_is_valid(
    seed: int, n: int, scenario: str, noise_cv: float, missed: float
) -> None:
    c = simulate_cohort(
        n, seed=seed, scenario=scenario, noise_cv=noise_cv, missed_visit_rate=missed
    )
    assert c.n_patients == n
    assert c.warnings.empty, c.warnings.head()
    assert c.attrition.empty, c.attrition.head()
    assert c.truth is not None and len(c.truth) == len(c.lines)
    # the first line starts after the patient's baseline scans, the last date is the end of
    # observation
    last = c.patients.set_index("patient_id")["last_alive_date"]
    assert (c.assessments["date"] <= c.assessments["patient_id"].map(last)).all()
    assert (c.lines["start_date"] <= c.lines["patient_id"].map(last)).all()
