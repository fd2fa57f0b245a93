"""Simulation studies of a sweep: how often does it recover the best variant?

Each (scenario, seed) simulates a cohort and runs :func:`netsurv.sweep.sweep` on it; the runs
are independent tasks on the chosen backend.  The *true best* variant of a scenario is the one
the sweep selects on a very large cohort of the same scenario (an oracle: with thousands of
patients the apparent best is the population best), unless it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from netsurv._display import Displayable, View
from netsurv.cohort import Cohort
from netsurv.criteria.combined import AnyCriterion
from netsurv.errors import ConfigError
from netsurv.sweep import _print
from netsurv.sweep.backends import Backend, check_backend, open_backend, run_tasks
from netsurv.sweep.inference import rejection_rate

Simulator = Callable[..., Cohort]


@dataclass(frozen=True, repr=False)
class StudyResult(Displayable):
    """Results of a simulation study.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per (scenario, seed): ``scenario``, ``seed``, ``n`` (analysed lines),
        ``best`` (selected variant), ``value`` (its metric), ``p_search`` (permutation p-value
        of the search), ``p_naive`` (the best's own chi-square p-value, as if it had not been
        searched for; log-rank and LR metrics), ``corrected`` (optimism-corrected metric),
        ``truth`` (the scenario's true best) and ``recovered`` (best == truth).
    selection : pandas.DataFrame
        One row per scenario × variant: ``rate`` (share of the scenario's cohorts in which
        the variant was selected) and ``is_truth``.
    scenarios : pandas.DataFrame
        One row per scenario: ``cohorts``, ``recovery_rate`` (share selecting the true best),
        ``cohorts_with_p`` (cohorts with a defined ``p_search``), ``rejection_rate`` (share of
        those with ``p_search <= alpha``, :func:`netsurv.sweep.inference.rejects`: the type-I
        error when no variant carries signal, the power otherwise), ``mean_optimism``
        (apparent − corrected).
    truth : dict
        Scenario -> true best variant.
    settings : dict
        The study's arguments.

    Examples
    --------
    >>> import netsurv as ns
    >>> from netsurv.sweep import simulation_study
    >>> def demo(n_patients, *, seed, scenario):
    ...     return ns.load_demo()
    >>> simulation_study("recist1.1", {"response_threshold": [-0.1, -0.3]}, scenarios=["demo"],
    ...                  seeds=2, simulate=demo, truth="recist1.1[response_threshold=-0.1]",
    ...                  landmark_months=3, n_boot=0, n_perm=0, metric="lr")
    <StudyResult: 1 scenario × 2 cohorts>
    true best: demo: recist1.1[response_threshold=-0.1]
         cohorts recovery_rate cohorts_with_p rejection_rate mean_optimism
    demo       2             1              0             NA            NA
    """

    runs: pd.DataFrame
    selection: pd.DataFrame
    scenarios: pd.DataFrame
    truth: dict[str, str]
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per scenario (recovery and rejection rates): a copy of :attr:`scenarios`."""
        return self.scenarios.copy()

    def _view(self) -> View:
        return _print.study_view(self)


@dataclass(frozen=True)
class _Plan:
    base: AnyCriterion | str
    grid: Any
    n_patients: int
    simulate: Simulator | None
    simulate_kwargs: dict[str, Any]
    sweep_kwargs: dict[str, Any]


def _simulator(plan: _Plan) -> Simulator:
    if plan.simulate is not None:
        return plan.simulate
    from netsurv.simulate import simulate_cohort  # the simulator is optional here

    return simulate_cohort


def _one_run(plan: _Plan, scenario: str, seed: int) -> dict[str, Any]:
    from netsurv.sweep.engine import sweep

    cohort = _simulator(plan)(plan.n_patients, seed=seed, scenario=scenario, **plan.simulate_kwargs)
    res = sweep(cohort, plan.base, plan.grid, seed=seed, **plan.sweep_kwargs)
    b = res.best
    return {
        "scenario": scenario,
        "seed": seed,
        "n": int(res.table["n"].max()),
        "best": b.get("criterion", None),
        "analysis": b.get("analysis", None),
        "value": float(b["value"]),
        "p_search": float(b["p_search"]),
        "p_naive": float(
            b.get({"logrank": "p_logrank", "lr": "p_lr"}.get(b["metric"], ""), np.nan)
        ),
        "corrected": float(b["corrected"]),
    }


def simulation_study(
    base: AnyCriterion | str,
    grid: Mapping[str, Sequence[Any]] | Sequence[AnyCriterion | str],
    *,
    scenarios: Sequence[str] = ("mixed",),
    seeds: int | Sequence[int] = 20,
    n_patients: int = 300,
    truth: str | Mapping[str, str] | None = None,
    truth_patients: int = 5000,
    truth_seed: int = 10**6,
    alpha: float = 0.05,
    simulate: Simulator | None = None,
    simulate_kwargs: Mapping[str, Any] | None = None,
    backend: Backend = None,
    n_jobs: int | None = None,
    progress: bool = False,
    **sweep_kwargs: Any,
) -> StudyResult:
    """Run a sweep on many simulated cohorts and report how often it finds the true best.

    Parameters
    ----------
    base, grid
        The variants, as in :func:`netsurv.sweep.sweep`.
    scenarios
        Simulator scenarios (``netsurv.simulate`` names, or what ``simulate`` accepts).
    seeds
        Cohort seeds per scenario (an int n means ``range(n)``); the sweep of cohort ``s`` uses
        seed ``s`` too.
    n_patients
        Patients per simulated cohort.
    truth
        The true best variant (one name for every scenario, or scenario -> name).  None: the
        variant the sweep selects on one cohort of ``truth_patients`` patients
        (seed ``truth_seed``) of each scenario.
    truth_patients, truth_seed
        Size and seed of the oracle cohort.
    alpha
        Level of the rejection rate (a run rejects when ``p_search <= alpha``).
    simulate
        ``simulate(n_patients, seed=..., scenario=..., **simulate_kwargs) -> Cohort``; default
        :func:`netsurv.simulate.simulate_cohort`.
    simulate_kwargs
        Scenario overrides passed to the simulator (e.g. ``{"death_link": 0.0}`` for a null
        scenario).
    backend, n_jobs, progress
        Where the (scenario, seed) runs go (see :func:`netsurv.sweep.sweep`): ``"dask"`` starts
        a local Dask cluster of ``n_jobs`` workers for the study, ``"tcp://host:8786"``
        sends the runs to that cluster's scheduler, a ``dask.distributed.Client`` is used as
        it is; each run's own replicates run in its worker.  Every run's random numbers come
        from its seed, so the tables do not depend on the backend.
    **sweep_kwargs
        Passed to :func:`netsurv.sweep.sweep` (``landmark_months``, ``time_dependent``,
        ``metric``, ``n_boot``, ``n_perm``, ...); ``seed`` and ``backend`` are set per run.

    Returns
    -------
    StudyResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import netsurv as ns
    >>> def demo(n_patients, *, seed, scenario):
    ...     return ns.load_demo()
    >>> st = simulation_study("recist1.1", {"response_threshold": [-0.1, -0.3]},
    ...                       scenarios=["demo"], seeds=2, simulate=demo, truth="x",
    ...                       landmark_months=3, n_boot=0, n_perm=0, metric="lr")
    >>> st.runs[["scenario", "seed"]].values.tolist()
    [['demo', 0], ['demo', 1]]
    """
    check_backend(backend, n_jobs)
    if "seed" in sweep_kwargs or "backend" in sweep_kwargs:
        raise ConfigError("simulation_study: seed and backend of each sweep are set per run")
    seed_list = list(range(seeds)) if isinstance(seeds, int | np.integer) else list(seeds)
    if not seed_list or not list(scenarios):
        raise ConfigError("simulation_study: give at least one scenario and one seed")
    if not 0 < alpha < 1:
        raise ConfigError(f"simulation_study: alpha must lie in (0, 1), got {alpha!r}")
    plan = _Plan(
        base=base,
        grid=grid,
        n_patients=n_patients,
        simulate=simulate,
        simulate_kwargs=dict(simulate_kwargs or {}),
        sweep_kwargs=dict(sweep_kwargs),
    )
    truths = _truths(plan, list(scenarios), truth, truth_patients, truth_seed)
    tasks = [(sc, int(s)) for sc in scenarios for s in seed_list]
    with open_backend(backend, n_jobs) as workers:
        rows = run_tasks(
            _one_run,
            plan,
            tasks,
            backend=workers,
            n_jobs=n_jobs,
            progress=progress,
            description="cohorts",
        )
    runs = pd.DataFrame(rows)
    runs["truth"] = runs["scenario"].map(truths)
    runs["recovered"] = runs["best"] == runs["truth"]
    counts = runs.groupby(["scenario", "best"]).size().rename("runs").reset_index()
    n_runs = runs.groupby("scenario").size()
    selection = pd.DataFrame(
        {
            "scenario": counts["scenario"],
            "criterion": counts["best"],
            "rate": counts["runs"].to_numpy() / n_runs.reindex(counts["scenario"]).to_numpy(),
        }
    )
    selection["is_truth"] = selection["criterion"] == selection["scenario"].map(truths)
    summary = runs.groupby("scenario").agg(
        cohorts=("seed", "size"),
        recovery_rate=("recovered", "mean"),
        cohorts_with_p=("p_search", "count"),
        rejection_rate=("p_search", lambda p: rejection_rate(p.to_numpy(float), alpha)),
        mean_optimism=("value", "mean"),
    )
    summary["mean_optimism"] = (
        summary["mean_optimism"] - runs.groupby("scenario")["corrected"].mean()
    )
    return StudyResult(
        runs=runs,
        selection=selection,
        scenarios=summary.reset_index(),
        truth=truths,
        settings={
            "scenarios": list(scenarios),
            "seeds": seed_list,
            "n_patients": n_patients,
            "truth_patients": truth_patients,
            "alpha": alpha,
            **plan.sweep_kwargs,
        },
    )


def _truths(
    plan: _Plan,
    scenarios: list[str],
    truth: str | Mapping[str, str] | None,
    truth_patients: int,
    truth_seed: int,
) -> dict[str, str]:
    if isinstance(truth, str):
        return {sc: truth for sc in scenarios}
    if truth is not None:
        missing = [sc for sc in scenarios if sc not in truth]
        if missing:
            raise ConfigError(f"simulation_study: no true best given for scenario(s) {missing}")
        return {sc: truth[sc] for sc in scenarios}
    from netsurv.sweep.engine import sweep

    out = {}
    oracle_kwargs = {**plan.sweep_kwargs, "n_boot": 0, "n_perm": 0}
    for sc in scenarios:
        cohort = _simulator(plan)(
            truth_patients, seed=truth_seed, scenario=sc, **plan.simulate_kwargs
        )
        res = sweep(cohort, plan.base, plan.grid, seed=truth_seed, **oracle_kwargs)
        out[sc] = str(res.best.get("criterion", ""))
    return out
