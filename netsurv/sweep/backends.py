"""Where the replicates of a sweep run: in-process, local processes (joblib) or a Dask cluster.

A Dask backend is a ``dask.distributed.Client`` the caller made, ``"dask"`` (a
``LocalCluster`` of ``n_jobs`` single-threaded worker processes, made for the call and closed
after it) or a scheduler address (``"tcp://host:8786"``: a client connected to that
cluster for the call; the workers need netsurv installed).  :func:`open_backend` turns the
strings into a client once, so that a sweep or a study starts one cluster, not one per step.

Replicates (bootstrap resamples, permutations) are cut into fixed blocks of
:data:`BLOCK` replicates, and block ``i`` draws its random numbers from the ``i``-th child of
``numpy.random.SeedSequence(seed)`` — never from worker state — so the same seed gives the
same numbers on every backend and with any number of workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from netsurv.errors import ConfigError

#: Replicates per task; fixed, so the random streams do not depend on the backend.
BLOCK = 10

Backend = Any  # None, "threads", "processes", "dask", a scheduler address or a Dask Client

#: Address schemes of a Dask scheduler (``distributed.comm``'s transports).
SCHEDULER_SCHEMES = ("tcp://", "tls://", "ucx://", "ws://", "wss://", "inproc://")


def block_seeds(seed: np.random.SeedSequence, n: int) -> list[tuple[np.random.SeedSequence, int]]:
    """Split ``n`` replicates into blocks: (child seed, block size) in order.

    Examples
    --------
    >>> import numpy as np
    >>> [size for _, size in block_seeds(np.random.SeedSequence(1), 25)]
    [10, 10, 5]
    """
    sizes = [min(BLOCK, n - lo) for lo in range(0, n, BLOCK)]
    return list(zip(seed.spawn(len(sizes)), sizes, strict=True))


def _is_dask_client(backend: object) -> bool:
    return hasattr(backend, "submit") and hasattr(backend, "gather") and hasattr(backend, "scatter")


def is_scheduler_address(backend: object) -> bool:
    """True for a Dask scheduler address such as ``"tcp://10.0.0.5:8786"``.

    Examples
    --------
    >>> is_scheduler_address("tcp://127.0.0.1:8786"), is_scheduler_address("processes")
    (True, False)
    """
    return isinstance(backend, str) and backend.startswith(SCHEDULER_SCHEMES)


def check_backend(backend: Backend, n_jobs: int | None) -> None:
    """Raise :class:`netsurv.ConfigError` for an unknown backend or a bad ``n_jobs``."""
    if backend is None or _is_dask_client(backend) or is_scheduler_address(backend):
        pass
    elif backend not in ("threads", "processes", "dask"):
        raise ConfigError(
            "sweep: backend must be None (in-process), 'threads', 'processes', 'dask' (a "
            "local Dask cluster), a Dask scheduler address ('tcp://host:8786') or a "
            f"dask.distributed Client, got {backend!r}"
        )
    if n_jobs is not None and (not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1):
        raise ConfigError(f"sweep: n_jobs must be a positive integer or -1, got {n_jobs!r}")


@contextmanager
def open_backend(backend: Backend, n_jobs: int | None = None) -> Iterator[Backend]:
    """The backend to hand to :func:`run_tasks`, with a Dask client made for the block.

    ``"dask"`` starts a ``LocalCluster`` of ``n_jobs`` (default 2) single-threaded worker
    processes, a scheduler address connects a ``Client`` to it; both are closed when the
    block ends.  Other backends are yielded as they are (a client the caller made stays
    open).

    Raises
    ------
    netsurv.ConfigError
        For an unknown backend, or a Dask backend without dask.distributed installed
        (``pip install 'netsurv[dask]'``).

    Examples
    --------
    >>> with open_backend("threads") as backend:
    ...     backend
    'threads'
    """
    check_backend(backend, n_jobs)
    if backend != "dask" and not is_scheduler_address(backend):
        yield backend
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - the dev extra installs dask
        raise ConfigError(
            f"backend {backend!r} needs dask.distributed: pip install 'netsurv[dask]'"
        ) from None
    if backend == "dask":
        n = 2 if n_jobs in (None, -1) else n_jobs
        with (
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = Client(backend, timeout="30s")
    except OSError as exc:
        raise ConfigError(f"could not connect to the Dask scheduler at {backend}: {exc}") from None
    with client:
        yield client


def run_tasks(
    fn: Callable[..., Any],
    shared: Any,
    tasks: Sequence[tuple[Any, ...]],
    *,
    backend: Backend = None,
    n_jobs: int | None = None,
    progress: bool = False,
    description: str = "",
) -> list[Any]:
    """Run ``fn(shared, *task)`` for every task and return the results in task order.

    Parameters
    ----------
    fn
        A module-level function (picklable for processes and Dask).
    shared
        Data every task reads (sent once per worker on Dask, via ``scatter``).
    tasks
        Arguments of each call after ``shared``.
    backend
        None (this process, one task after another), ``"threads"`` (a joblib thread pool;
        numpy releases the GIL in the heavy loops), ``"processes"`` (joblib's loky process
        pool), ``"dask"`` or a scheduler address (see :func:`open_backend`) or a
        ``dask.distributed.Client``.
    n_jobs
        Workers for the joblib backends (default: all cores) and of a ``"dask"`` cluster
        (default 2).
    progress
        Show a progress bar (tqdm) as tasks finish.
    description
        Label of the progress bar.

    Returns
    -------
    list
        ``fn``'s results, in the order of ``tasks``.

    Examples
    --------
    >>> import operator
    >>> run_tasks(operator.add, 10, [(1,), (2,), (3,)], backend="threads", n_jobs=2)
    [11, 12, 13]
    """
    check_backend(backend, n_jobs)
    bar = _bar(len(tasks), progress, description)
    try:
        if backend is None:
            out = []
            for task in tasks:
                out.append(fn(shared, *task))
                bar(1)
            return out
        if _is_dask_client(backend):
            return _run_dask(fn, shared, tasks, backend, bar)
        if backend == "dask" or is_scheduler_address(backend):
            with open_backend(backend, n_jobs) as client:
                return _run_dask(fn, shared, tasks, client, bar)
        from joblib import Parallel, delayed

        prefer = "threads" if backend == "threads" else "processes"
        par = Parallel(n_jobs=n_jobs or -1, prefer=prefer, return_as="generator")
        out = []
        for res in par(delayed(fn)(shared, *task) for task in tasks):
            out.append(res)
            bar(1)
        return out
    finally:
        bar(0, close=True)


def _run_dask(
    fn: Callable[..., Any],
    shared: Any,
    tasks: Sequence[tuple[Any, ...]],
    client: Any,
    bar: Callable[..., None],
) -> list[Any]:
    from dask.distributed import as_completed

    data = client.scatter(shared, broadcast=True, hash=False)
    futures = [client.submit(fn, data, *task, pure=False) for task in tasks]
    index = {f.key: i for i, f in enumerate(futures)}
    out: list[Any] = [None] * len(futures)
    for fut in as_completed(futures):
        out[index[fut.key]] = fut.result()
        bar(1)
    return out


def _bar(total: int, enabled: bool, description: str) -> Callable[..., None]:
    if not enabled or total == 0:
        return lambda n, close=False: None
    from tqdm.auto import tqdm

    pbar = tqdm(total=total, desc=description or None, unit="task", leave=False)

    def update(n: int, close: bool = False) -> None:
        if close:
            pbar.close()
        else:
            pbar.update(n)

    return update


def iter_blocks(blocks: Sequence[tuple[np.random.SeedSequence, int]]) -> Iterator[tuple[int, Any]]:
    """(start index, (seed, size)) of each block."""
    start = 0
    for blk in blocks:
        yield start, blk
        start += blk[1]
