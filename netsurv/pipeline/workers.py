"""Work of a run shared among forked worker processes: analysis stages, tables and figures.

A forked child starts with the parent's memory as it is (the analysed cohort, the fitted
curves, the matplotlib style in force), so nothing is pickled on the way in: the child is
told only the index of its next task.  What comes back is the task's result (e.g. the bytes
of a rendered figure), pickled through a pipe of its own, and the warnings the task raised,
which the parent raises again so that a run's notes are the same as in one process.

The parent alone writes files.  A child that finds its pipe closed (the parent was killed)
stops, so it does not outlive the run and its lock.  Where ``fork`` is not available
(Windows) or one process is asked for, the tasks run in this process, in order.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Generator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar, cast

from netsurv._memory import release_memory

__all__ = ["balanced_shares", "can_fork", "forked_map", "release_memory"]

T = TypeVar("T")
R = TypeVar("R")

#: The task list of the running :func:`forked_map`, read by its forked children.
_TASKS: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def can_fork() -> bool:
    """Whether this platform starts processes by ``fork``."""
    return "fork" in mp.get_all_start_methods()


def forked_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    n_jobs: int,
    *,
    shares: Sequence[Sequence[int]] | None = None,
    release: bool = False,
) -> Generator[R, None, None]:
    """``fn(item)`` for each item, in the items' order, computed by up to ``n_jobs`` forked
    processes: of ``n`` processes, the ``w``-th computes items ``w``, ``w + n``, ... in turn
    (a fixed share: what a process computed before an item never depends on timing, and
    matplotlib's output can depend on what a process drew before).  ``shares`` gives the
    shares instead: one list of item indices per process (every index in one of them, each
    computed in increasing order; :func:`balanced_shares` makes them from costs).
    ``release``: a child hands the memory a task freed back to the system before its next
    task (:func:`release_memory`), so that its private memory is that of its largest task,
    not the sum of its tasks' leftovers (for a few large tasks, as the analysis stages).

    The garbage collector's objects are frozen while the children are forked
    (:func:`gc.freeze`): a child's collections then leave the parent's objects alone, so
    their pages stay shared with the parent instead of being copied into the child.

    Warnings raised by ``fn`` are raised again here, in order, as each result is yielded; an
    exception in ``fn`` is raised here when its item's turn comes (with the child's traceback
    as its cause's text), so the error is the one the items computed in turn would raise, and
    the other children are stopped.

    Examples
    --------
    >>> list(forked_map(lambda x: x * x, [1, 2, 3], n_jobs=2))
    [1, 4, 9]
    >>> list(forked_map(lambda x: x * x, [1, 2, 3], n_jobs=2, shares=[[1], [0, 2]]))
    [1, 4, 9]
    """
    if shares is None:
        n = min(n_jobs, len(items))
        shares = [range(first, len(items), n) for first in range(n)] if n > 1 else []
    else:
        shares = _checked(shares, len(items))
    if len(shares) <= 1 or not can_fork():
        yield from (fn(item) for item in items)
        return
    global _TASKS
    ctx = mp.get_context("fork")
    _TASKS = (fn, items)
    pipes: dict[Connection, Any] = {}
    sys.stdout.flush()  # or a child would write what is buffered again when it ends
    sys.stderr.flush()
    gc.freeze()
    try:
        for share in shares:
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(target=_work, args=(share, send, recv, release))
            proc.daemon = True
            with warnings.catch_warnings():  # Python >= 3.12: "multi-threaded, use of fork()"
                warnings.simplefilter("ignore", DeprecationWarning)
                proc.start()
            send.close()
            pipes[recv] = proc
    finally:
        _TASKS = None
        gc.unfreeze()
    done: dict[int, tuple[bool, Any, list[warnings.WarningMessage]]] = {}
    try:
        for i in range(len(items)):
            while i not in done:
                ready = wait(list(pipes))
                if not ready:  # pragma: no cover - wait returns at least one
                    continue
                for conn in ready:
                    _receive(cast(Connection, conn), pipes, done)
            ok, payload, caught = done.pop(i)
            for caught_warning in caught:
                c = caught_warning
                warnings.warn_explicit(c.message, c.category, c.filename, c.lineno)
            if not ok:
                exc, text = payload
                raise exc from RuntimeError(f"in a worker process:\n{text}")
            yield payload
    finally:
        for conn, proc in pipes.items():
            conn.close()
            if proc.is_alive():
                proc.terminate()
            proc.join()


def _receive(conn: Connection, pipes: dict[Connection, Any], done: dict[int, Any]) -> None:
    """One message from a child: a result, an error (kept), or the end of its pipe."""
    try:
        i, ok, payload, caught = conn.recv()
    except EOFError:
        proc = pipes.pop(conn)
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"a worker process ended with exit code {proc.exitcode}") from None
        if not pipes:
            raise RuntimeError("the worker processes ended before every task was done") from None
        return
    done[i] = (ok, payload, caught)  # an error is raised at its item's turn


def _work(share: Sequence[int], send: Connection, recv: Connection, release: bool) -> None:
    """A child: run its share of the tasks in turn, sending each result (and, with
    ``release``, freeing the memory each task left); stop when the parent is gone."""
    recv.close()  # the parent's end: once the parent is gone, a send fails and the child stops
    assert _TASKS is not None
    fn, items = _TASKS
    for i in share:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                message: tuple[Any, ...] = (i, True, fn(items[i]))
            except BaseException as exc:  # sent to the parent, which raises it
                message = (i, False, (_picklable(exc), traceback.format_exc()))
        try:
            send.send((*message, [_plain_warning(w) for w in caught]))
        except OSError:  # the parent is gone
            os._exit(1)
        if not message[1]:
            break
        if release:
            del message
            release_memory()
    send.close()


def balanced_shares(costs: Sequence[float], n_jobs: int) -> list[list[int]]:
    """Items shared out among up to ``n_jobs`` processes by their (estimated) costs: the
    costliest first, each to the process with the least cost so far (the first of equals),
    every share in increasing order -- a fixed deal for :func:`forked_map` that depends on the
    costs only, never on timing.  Processes left without an item are dropped.

    Examples
    --------
    >>> balanced_shares([1, 1, 20, 8, 10], n_jobs=2)
    [[2], [0, 1, 3, 4]]
    >>> balanced_shares([3, 1], n_jobs=4)
    [[0], [1]]
    """
    loads = [0.0] * max(1, min(n_jobs, len(costs)))
    shares: list[list[int]] = [[] for _ in loads]
    for i in sorted(range(len(costs)), key=lambda i: (-costs[i], i)):
        w = loads.index(min(loads))
        shares[w].append(i)
        loads[w] += costs[i]
    return [sorted(share) for share in shares if share]


def _checked(shares: Sequence[Sequence[int]], n_items: int) -> list[list[int]]:
    """The shares, each in increasing order, once checked to hold every item once."""
    out = [sorted(share) for share in shares if len(share)]
    if sorted(i for share in out for i in share) != list(range(n_items)):
        raise ValueError(f"shares {shares!r} do not hold each of the {n_items} items once")
    return out


def _picklable(exc: BaseException) -> BaseException:
    """``exc``, or a :class:`RuntimeError` with its text when it cannot be pickled."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _plain_warning(w: warnings.WarningMessage) -> warnings.WarningMessage:
    """A caught warning with only what :func:`warnings.warn_explicit` needs (picklable)."""
    return warnings.WarningMessage(str(w.message), w.category, w.filename, w.lineno)
