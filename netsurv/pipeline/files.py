"""Creating files safely: never through a symbolic link, never over a file by accident, never
where the inputs live.

Every file netsurv writes is created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` inside a folder
opened with ``O_NOFOLLOW`` and addressed by its descriptor (:class:`Folder`), so a link planted
at a file's name, or at a subfolder's, makes the write fail instead of writing elsewhere.
Files that replace others (``netsurv simulate --out``, ``netsurv validate --report``) are
written whole under a hidden temporary name first and renamed into place
(:func:`publish_files`).  Operating-system errors become one-line
:class:`~netsurv.errors.OutputError` messages naming the path (:func:`os_error`).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from netsurv.errors import OutputError

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def os_error(path: Path | str, exc: OSError, doing: str = "cannot write") -> OutputError:
    """One line naming the path and the operating-system error.

    Examples
    --------
    >>> import errno
    >>> str(os_error("out/tables/a.csv", OSError(errno.ENOSPC, "No space left on device")))
    'cannot write out/tables/a.csv: [Errno 28] No space left on device'
    """
    reason = f"[Errno {exc.errno}] {exc.strerror}" if exc.errno else str(exc)
    return OutputError(f"{doing} {path}: {reason}")


@contextmanager
def writing(path: Path | str, doing: str = "cannot write") -> Iterator[None]:
    """Turn an :class:`OSError` raised inside the block into :func:`os_error` for ``path``."""
    try:
        yield
    except OSError as exc:
        raise os_error(path, exc, doing) from None


class Folder:
    """A folder opened without following symbolic links, in which files and subfolders are
    created exclusively, relative to its descriptor.

    ``shown`` is the path messages name (the final place of a folder still being built).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp, Folder.open(Path(tmp)) as folder:
    ...     _ = folder.write("tables/a.csv", b"x\\n1\\n")
    ...     (Path(tmp) / "tables" / "a.csv").read_text()
    'x\\n1\\n'
    """

    def __init__(self, path: Path, fd: int, shown: Path) -> None:
        self.path = path
        self.shown = shown
        self._fds: dict[str, int] = {"": fd}

    @classmethod
    def open(cls, path: Path, *, shown: Path | None = None) -> Folder:
        """Open an existing folder (a symbolic link is refused)."""
        with writing(shown or path, "cannot open the folder"):
            return cls(path, os.open(path, _DIR_FLAGS), shown or path)

    @property
    def fd(self) -> int:
        """The folder's descriptor."""
        return self._fds[""]

    def subfolder(self, rel: str) -> int:
        """The descriptor of the subfolder ``rel`` (``"a/b"``), made if needed; a link at any
        of its names is refused."""
        if rel in self._fds:
            return self._fds[rel]
        parent_rel, _, name = rel.rpartition("/")
        parent = self.subfolder(parent_rel)
        with writing(self.shown / rel, "cannot create the folder"):
            with suppress(FileExistsError):
                os.mkdir(name, 0o755, dir_fd=parent)
            fd = os.open(name, _DIR_FLAGS, dir_fd=parent)
        self._fds[rel] = fd
        return fd

    def write(self, rel: str, data: bytes | Iterable[bytes]) -> Path:
        """Create the file ``rel`` (``"tables/a.csv"``) holding ``data`` (or its parts, in
        order: see :func:`create_file`); an existing file or link of that name is an error,
        never overwritten or followed."""
        folder, _, name = rel.rpartition("/")
        fd = self.subfolder(folder)
        with writing(self.shown / rel):
            create_file(name, data, dir_fd=fd)
        return self.path / rel

    def close(self) -> None:
        """Close every descriptor."""
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def __enter__(self) -> Folder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def create_file(name: str, data: bytes | Iterable[bytes], *, dir_fd: int) -> None:
    """Create ``name`` in the folder ``dir_fd`` exclusively (no link followed) and write
    ``data``: bytes, or parts written one after another as they come (a large file is never
    held whole).  A partly written file is removed, also when making a part fails.

    Files are not flushed to disk one by one (``fsync`` costs seconds per run on a busy
    disk): the renames that publish them are atomic for a killed process, and after a power
    cut the manifest's hashes tell whether every file is whole."""
    fd = os.open(name, _NEW_FILE_FLAGS, 0o644, dir_fd=dir_fd)
    try:
        for part in [data] if isinstance(data, bytes) else data:
            view = memoryview(part)
            while view:
                view = view[os.write(fd, view) :]
    except BaseException:
        os.close(fd)
        os.unlink(name, dir_fd=dir_fd)
        raise
    os.close(fd)


def publish_files(
    folder: Path,
    files: Mapping[str, bytes],
    *,
    overwrite: bool = False,
    protected: Sequence[Path] = (),
) -> list[Path]:
    """Write ``files`` (name -> content) into ``folder``: all of them under hidden temporary
    names first, then each renamed into place.

    An existing file of one of the names is an error unless ``overwrite``; then it is replaced
    (a symbolic link is replaced, not followed).  A folder inside one of the ``protected``
    folders (the input data) is refused even with ``overwrite``.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    netsurv.errors.OutputError
        For an existing file without ``overwrite``, a protected folder, or an
        operating-system error (one line naming the path).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = publish_files(Path(tmp), {"a.csv": b"1\\n"})
    ...     try:
    ...         publish_files(Path(tmp), {"a.csv": b"2\\n"})
    ...     except OutputError as err:
    ...         print(str(err).replace(tmp, "TMP"))
    TMP/a.csv exists; pass --overwrite to replace it
    """
    for root in protected:
        if within(folder, root):
            raise OutputError(
                f"{folder} is inside the input data folder {root}: netsurv never writes there"
            )
    existing = [n for n in files if os.path.lexists(folder / n)]
    dirs = [n for n in existing if (folder / n).is_dir() and not (folder / n).is_symlink()]
    if dirs:
        raise OutputError(f"{folder / dirs[0]} is a folder; choose another name")
    if existing and not overwrite:
        shown = ", ".join(str(folder / n) for n in existing)
        raise OutputError(
            f"{shown} exist{'s' if len(existing) == 1 else ''}; pass --overwrite to replace {'it' if len(existing) == 1 else 'them'}"
        )
    with writing(folder, "cannot create the folder"):
        folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(4)
    staged: dict[str, str] = {}
    with Folder.open(folder.resolve(), shown=folder) as out:
        try:
            for name, data in files.items():
                tmp = f".{name}.netsurv-tmp-{token}"
                with writing(folder / name):
                    create_file(tmp, data, dir_fd=out.fd)
                staged[name] = tmp
            for name, tmp in list(staged.items()):
                with writing(folder / name):
                    _move(tmp, name, dir_fd=out.fd, overwrite=overwrite, shown=folder / name)
                del staged[name]
        finally:
            for tmp in staged.values():
                with suppress(OSError):
                    os.unlink(tmp, dir_fd=out.fd)
    return [folder / n for n in files]


def _move(tmp: str, name: str, *, dir_fd: int, overwrite: bool, shown: Path) -> None:
    """Rename ``tmp`` to ``name`` in one folder; without ``overwrite`` only if ``name`` is
    still free (a hard link fails atomically when it is taken)."""
    if overwrite:
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        return
    try:
        os.link(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
    except FileExistsError:
        raise OutputError(f"{shown} exists; pass --overwrite to replace it") from None
    except OSError:  # a file system without hard links: check, then rename
        try:
            os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            os.rename(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            return
        raise OutputError(f"{shown} exists; pass --overwrite to replace it") from None
    os.unlink(tmp, dir_fd=dir_fd)


def absolute(path: Path) -> Path:
    """``path`` made absolute with its existing parent folders' links resolved, the last
    name kept as it is (so a link there can be seen and refused)."""
    full = Path(os.path.abspath(path))
    if full == Path(full.anchor):
        return full
    return full.parent.resolve() / full.name


def within(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or inside it (links resolved).

    Examples
    --------
    >>> within(Path("/data/cohort/patients.csv"), Path("/data/cohort")), within(Path("/x"), Path("/data"))
    (True, False)
    """
    p, f = absolute(path).resolve(), absolute(folder).resolve()
    return p == f or f in p.parents


def check_target(
    target: Path,
    *,
    inputs: Sequence[Path] = (),
    data_folders: Sequence[Path] = (),
    what: str = "output folder",
) -> Path:
    """Refuse an output folder where a run must not write: the filesystem root, the home
    folder, a symbolic link, a file, an input data folder, a folder inside one (it would be
    read as data) or a parent of one, or a folder holding any file the run reads.

    Returns the absolute target (see :func:`absolute`).

    Examples
    --------
    >>> try:
    ...     check_target(Path("/"))
    ... except OutputError as err:
    ...     print(err)
    output folder /: is the filesystem root; give a folder of its own for this run
    """
    full = absolute(target)
    where = f"{what} {target}"
    if full == Path(full.anchor):
        raise OutputError(f"{where}: is the filesystem root; give a folder of its own for this run")
    if full == Path.home().resolve():
        raise OutputError(f"{where}: is your home folder; give a folder of its own for this run")
    if full.is_symlink():
        raise OutputError(f"{where}: is a symbolic link; give the folder it points to, or another")
    if full.exists() and not full.is_dir():
        raise OutputError(f"{where}: is a file, not a folder")
    for data in data_folders:
        d = absolute(data).resolve()
        if full == d:
            raise OutputError(f"{where}: is the input data folder")
        if full in d.parents:
            raise OutputError(
                f"{where}: holds the input data folder {data}; choose a folder of its own"
            )
        if d in full.parents:
            raise OutputError(
                f"{where}: is inside the input data folder {data}; outputs there would be read "
                "as data"
            )
    for p in inputs:
        f = absolute(p).resolve()
        if full in f.parents:
            raise OutputError(
                f"{where}: holds {p}, which the run reads; choose a folder of its own"
            )
    return full
