"""The ``[compute]`` section: where a run's parallel work (the sweep's replicates) goes."""

from __future__ import annotations

from pydantic import Field, field_validator

from netsurv.config._base import _Section
from netsurv.sweep.backends import SCHEDULER_SCHEMES, Backend


class ComputeConfig(_Section):
    """A Dask cluster for the run's parallel work.

    ``scheduler = "local"`` starts a ``LocalCluster`` of ``workers`` single-threaded worker
    processes for the run; ``scheduler = "tcp://host:8786"`` sends the work to a running
    cluster (its workers need netsurv installed).  Unset (the default), ``run.backend``
    decides.  Results do not depend on where the work ran (every replicate's random numbers
    come from the run's seed).

    Examples
    --------
    >>> ComputeConfig(scheduler="tcp://10.0.0.5:8786").backend()
    'tcp://10.0.0.5:8786'
    >>> ComputeConfig(scheduler="local", workers=4).backend()
    'dask'
    """

    scheduler: str | None = None
    workers: int = Field(2, ge=1)

    @field_validator("scheduler")
    @classmethod
    def _address(cls, v: str | None) -> str | None:
        if v is not None and v != "local" and not v.startswith(SCHEDULER_SCHEMES):
            raise ValueError(
                f"compute.scheduler must be 'local' or a Dask scheduler address such as "
                f"'tcp://host:8786', got {v!r}"
            )
        return v

    def backend(self) -> Backend:
        """The sweep backend: ``"dask"`` (a local cluster), the address, or None (unset)."""
        if self.scheduler is None:
            return None
        return "dask" if self.scheduler == "local" else self.scheduler
