"""A run's output folder, built beside its target and moved into place only when it is whole.

The rules (the README's "Run folders"):

* the run writes into a hidden temporary folder beside the target (``.<name>.netsurv-tmp-…``),
  each file created exclusively, never through a symbolic link (:class:`~.files.Folder`);
* ``manifest.json`` is written last, with the SHA-256 of exactly the files in the folder;
* the folder is renamed into place in one step: the target holds the previous run whole or
  this run whole, never a mix, even when the process is killed at any moment;
* an existing target is refused unless it is a previous netsurv run (it has a
  ``manifest.json``) and ``overwrite`` is given; it is then replaced whole, never merged
  (swapped atomically with ``renameat2(RENAME_EXCHANGE)`` on Linux; elsewhere moved aside,
  the new folder moved in and the old removed, and a run killed between the two renames is
  restored by the next run into that folder);
* a lock file beside the target (``.<name>.netsurv-lock``, held with ``flock``) stops a
  second run into the same folder; the lock of a killed run is released by the system, and
  the next run removes the temporary folder the killed run left.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

from netsurv.errors import OutputError
from netsurv.pipeline.files import Folder, absolute, writing

MANIFEST = "manifest.json"


def is_previous_run(folder: Path) -> bool:
    """Whether ``folder`` holds a netsurv run: a ``manifest.json`` file (not a link) that is
    JSON with the run's ``outputs``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     is_previous_run(Path(tmp))
    False
    """
    p = folder / MANIFEST
    if p.is_symlink() or not p.is_file():
        return False
    try:
        content = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(content, dict) and isinstance(content.get("outputs"), dict)


def check_replaceable(target: Path, *, overwrite: bool, shown: Path | str) -> None:
    """Refuse an existing ``target`` unless it is empty, or a previous run and ``overwrite``."""
    if not target.is_dir() or target.is_symlink():
        return
    if not any(target.iterdir()):
        return
    if not is_previous_run(target):
        raise OutputError(
            f"output folder {shown}: exists and is not a netsurv run (no {MANIFEST}); "
            "netsurv never writes into it: choose a new folder"
        )
    if not overwrite:
        raise OutputError(
            f"output folder {shown}: holds a previous run; pass --overwrite to replace it "
            "whole, or choose a new folder"
        )


class RunFolder:
    """The output folder of one run, built in a temporary folder and committed in one rename.

    Use it as a context manager: entering takes the lock (and cleans what a killed run left),
    :meth:`write` creates files, :meth:`commit` moves the folder into place; leaving without
    a commit (an error) removes the temporary folder and leaves the target untouched.

    Parameters
    ----------
    target
        Where the run's folder goes.
    overwrite
        Replace a previous run found at ``target``.

    Attributes
    ----------
    written : dict
        Path inside the folder (``"tables/a.csv"``) -> SHA-256 of every file written.
    recovered : list of str
        What was cleaned up from an interrupted earlier run.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with RunFolder(Path(tmp) / "run") as rf:
    ...         _ = rf.write("tables/a.csv", b"x\\n")
    ...         _ = rf.write("manifest.json", b'{"outputs": {}}')
    ...         rf.commit()
    ...     sorted(p.name for p in (Path(tmp) / "run").iterdir())
    ['manifest.json', 'tables']
    """

    def __init__(self, target: Path, *, overwrite: bool = False) -> None:
        self.shown = target
        self.target = absolute(target)
        self.overwrite = overwrite
        self.parent = self.target.parent
        self.name = self.target.name
        self.written: dict[str, str] = {}
        self.recovered: list[str] = []
        self._made_parents: list[Path] = []
        self._lock_fd: int | None = None
        self._lock = self.parent / f".{self.name}.netsurv-lock"
        self._folder: Folder | None = None
        self._committed = False

    @property
    def path(self) -> Path:
        """The temporary folder being built (made on first use)."""
        return self._building().path

    def __enter__(self) -> RunFolder:
        self._make_parents()
        try:
            self._acquire()
            self._recover()
            check_replaceable(self.target, overwrite=self.overwrite, shown=self.shown)
        except BaseException:
            self._release()
            self._remove_made_parents()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._folder is not None:
                path = self._folder.path
                self._folder.close()
                if not self._committed:  # a failed run: the target is left as it was
                    shutil.rmtree(path, ignore_errors=True)
        finally:
            self._release()
            if not self._committed:
                self._remove_made_parents()

    def write(self, rel: str, data: bytes | Iterable[bytes]) -> Path:
        """Create the file ``rel`` in the folder from ``data`` (bytes, or parts written and
        hashed as they come); returns its final path (under the target)."""
        digest = hashlib.sha256()

        def hashed(parts: Iterable[bytes]) -> Iterator[bytes]:
            for part in parts:
                digest.update(part)
                yield part

        self._building().write(rel, hashed([data] if isinstance(data, bytes) else data))
        self.written[rel] = digest.hexdigest()
        return self.target / rel

    def unlisted(self) -> list[str]:
        """Files in the folder that :meth:`write` did not make (e.g. written by a custom report
        notebook's own code), as paths inside the folder; a link or special file is an error."""
        root = self._building().path
        found = []
        for dirpath, dirnames, filenames in os.walk(root):
            for name in [*dirnames, *filenames]:
                p = Path(dirpath) / name
                rel = p.relative_to(root).as_posix()
                if p.is_symlink() or not (p.is_dir() or p.is_file()):
                    raise OutputError(
                        f"{self.shown / rel}: the run's folder holds a link or special file; "
                        "netsurv writes regular files only"
                    )
                if p.is_file() and rel not in self.written:
                    found.append(rel)
        return sorted(found)

    def adopt(self, rel: str) -> None:
        """Record the hash of a file someone else wrote into the folder (see :meth:`unlisted`)."""
        p = self._building().path / rel
        with writing(self.shown / rel, "cannot read"):
            self.written[rel] = hashlib.sha256(p.read_bytes()).hexdigest()

    def commit(self) -> None:
        """Move the finished folder into place (replacing a previous run whole)."""
        new = self._building().path
        check_replaceable(self.target, overwrite=self.overwrite, shown=self.shown)
        replace = os.path.lexists(self.target) and self.overwrite and is_previous_run(self.target)
        with writing(self.shown, "cannot move the finished run to"):
            if not replace:
                os.rename(new, self.target)  # fails if a folder with files appeared meanwhile
                self._committed = True
                return
            if _exchange(new, self.target):  # one atomic step
                self._committed = True
                leftover = new  # now holds the previous run
            else:  # moved aside, then in; a crash between is repaired by the next run
                leftover = self.parent / f".{self.name}.netsurv-old-{_token()}"
                os.rename(self.target, leftover)
                os.rename(new, self.target)
                self._committed = True
        shutil.rmtree(leftover, ignore_errors=True)  # what is left is removed by the next run

    # -- building -------------------------------------------------------------------------

    def _building(self) -> Folder:
        if self._folder is None:
            if self._lock_fd is None:
                raise RuntimeError("RunFolder is used outside its with-block")
            tmp = self.parent / f".{self.name}.netsurv-tmp-{_token()}"
            with writing(self.shown, "cannot create the run's temporary folder beside"):
                os.mkdir(tmp, 0o755)
            self._folder = Folder.open(tmp, shown=self.shown)
        return self._folder

    # -- lock and recovery --------------------------------------------------------------

    def _make_parents(self) -> None:
        missing = []
        p = self.parent
        while not p.exists():
            missing.append(p)
            p = p.parent
        with writing(self.parent, "cannot create the folder"):
            for p in reversed(missing):
                os.mkdir(p)
                self._made_parents.append(p)

    def _remove_made_parents(self) -> None:
        for p in reversed(self._made_parents):
            try:
                p.rmdir()
            except OSError:
                break
        self._made_parents.clear()

    def _acquire(self) -> None:
        """Take the lock beside the target, or say who holds it."""
        while True:
            with writing(self._lock, "cannot create the lock file"):
                fd = os.open(
                    self._lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644
                )
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
                os.close(fd)
                raise OutputError(
                    f"output folder {self.shown}: another netsurv run is writing to it "
                    f"({holder or 'lock file ' + str(self._lock)}); wait for it to finish"
                ) from None
            try:
                same = os.stat(self._lock, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the previous holder removed the file as we opened it: try again
        previous = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        if previous:
            self.recovered.append(f"an earlier run into {self.shown} was interrupted ({previous})")
        started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        with writing(self._lock):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}, {started}\n".encode(), 0)
        self._lock_fd = fd

    def _release(self) -> None:
        if self._lock_fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self._lock)
        os.close(self._lock_fd)
        self._lock_fd = None

    def _recover(self) -> None:
        """With the lock held, remove what a killed run into this target left: its temporary
        folder, and a previous run it had moved aside (put back if the target is missing)."""
        prefix = f".{self.name}.netsurv-"
        with os.scandir(self.parent) as entries:
            left = sorted(e.name for e in entries if e.name.startswith(prefix))
        for name in left:
            p = self.parent / name
            kind = name[len(prefix) :].split("-", 1)[0]
            if kind == "old" and not os.path.lexists(self.target) and is_previous_run(p):
                with writing(self.shown, "cannot restore the previous run at"):
                    os.rename(p, self.target)
                self.recovered.append(f"restored the previous run at {self.shown}")
            elif kind in ("tmp", "old"):
                with writing(p, "cannot remove"):
                    if p.is_dir() and not p.is_symlink():
                        shutil.rmtree(p)
                    else:
                        p.unlink()
                self.recovered.append(f"removed {name}, left by an interrupted run")


def _token() -> str:
    """This process and a random part: names no other run picks."""
    return f"{os.getpid()}-{secrets.token_hex(4)}"


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2``); False where unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))
