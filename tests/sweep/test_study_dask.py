"""Simulation studies on Dask: a 2-worker LocalCluster (``backend="dask"``) and a running
cluster's scheduler address (as ``[compute] scheduler`` gives it) give the in-process tables.

Dask comes with the dev extra (``netsurv[dask]``), so these tests run on a clean clone."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from dask.distributed import LocalCluster

import netsurv as ns
from netsurv.config import ComputeConfig, Config
from netsurv.sweep import simulation_study
from netsurv.sweep.backends import open_backend

#: 4 simulated PRRT cohorts of 120 patients, each swept over 3 response cut-offs with a
#: 19-permutation search test (small: the point is where the runs go, not the statistics).
STUDY: dict[str, Any] = {
    "scenarios": ["prrt"],
    "seeds": 4,
    "n_patients": 120,
    "truth": "recist1.1[response_threshold=-0.3]",
    "landmark_months": 6,
    "n_boot": 0,
    "n_perm": 19,
    "min_group": 0.0,
}
GRID = {"response_threshold": [-0.1, -0.3, -0.5]}


@pytest.fixture(scope="module")
def in_process() -> pd.DataFrame:
    return simulation_study("recist1.1", GRID, **STUDY).runs


def test_a_local_cluster_gives_the_in_process_runs(in_process: pd.DataFrame) -> None:
    st = simulation_study("recist1.1", GRID, backend="dask", n_jobs=2, **STUDY)
    pd.testing.assert_frame_equal(st.runs, in_process)
    assert st.runs["p_search"].between(0.05, 1).all()  # 19 permutations: p >= 1 / 20


def test_a_scheduler_address_gives_the_in_process_runs(in_process: pd.DataFrame) -> None:
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://")
        backend = Config(compute=ComputeConfig(scheduler=address)).compute.backend()
        st = simulation_study("recist1.1", GRID, backend=backend, **STUDY)
        with open_backend(backend) as client:  # the runs went to this cluster's workers
            assert len(client.scheduler_info()["workers"]) == 2
    pd.testing.assert_frame_equal(st.runs, in_process)


def test_compute_section() -> None:
    assert Config().compute.backend() is None
    assert ComputeConfig(scheduler="local").backend() == "dask"
    with pytest.raises(ValueError, match=r"compute\.scheduler must be 'local' or a Dask"):
        ComputeConfig(scheduler="10.0.0.5:8786")
    with pytest.raises(ValueError, match="both say where the work runs"):
        Config.model_validate({"run": {"backend": "processes"}, "compute": {"scheduler": "local"}})
    with pytest.raises(ns.ConfigError, match="'dask' \\(a local Dask cluster\\)"):
        simulation_study("recist1.1", GRID, backend="cluster", **STUDY)
