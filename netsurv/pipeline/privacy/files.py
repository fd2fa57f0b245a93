"""The files privacy touches outside the run folder: the secret key (read) and the mapping of
real IDs to pseudonyms (written only where the user asks, never inside the run folder)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from netsurv.errors import ConfigError

if TYPE_CHECKING:
    from netsurv.config.privacy import PrivacyConfig

#: Environment variable holding the secret key.
KEY_ENV = "NETSURV_PSEUDONYM_KEY"
#: Shortest key accepted (``secrets.token_hex(32)`` makes 64 characters).
MIN_KEY_CHARS = 32
#: How to make a key, for error messages.
KEY_HOWTO = (
    'make one with  python -c "import secrets; print(secrets.token_hex(32))" > ~/netsurv.key  '
    f"and set privacy.key_file to that file or export {KEY_ENV}=$(cat ~/netsurv.key); keep it "
    "out of the data and output folders (the same key gives the same pseudonyms and date "
    "offsets in every run)"
)
NO_KEY = "privacy.pseudonymise and privacy.date_shift need a secret key: " + KEY_HOWTO
#: The header of a mapping file (a file with another header is never overwritten).
MAPPING_HEADER = "kind,real,pseudonym"


def read_key(
    section: PrivacyConfig, *, base_dir: Path, environ: Mapping[str, str] | None = None
) -> str:
    """The secret key of ``[privacy]``: ``key_file`` (relative to ``base_dir``) or the
    ``NETSURV_PSEUDONYM_KEY`` variable of ``environ`` (default: the process environment).

    Raises
    ------
    netsurv.ConfigError
        No key (saying how to make one), an unreadable or empty key file, or a key file and
        a variable that hold different keys.  The key itself is never put in a message.

    Examples
    --------
    >>> from netsurv.config import PrivacyConfig
    >>> read_key(PrivacyConfig(pseudonymise=True), base_dir=Path("."),
    ...          environ={KEY_ENV: "k" * 32}) == "k" * 32
    True
    """
    env = (os.environ if environ is None else environ).get(KEY_ENV, "").strip()
    from_file = None
    if section.key_file is not None:
        path = private_path(section.key_file, base_dir)
        try:
            from_file = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise ConfigError(f"privacy.key_file: {path} does not exist; " + KEY_HOWTO) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"privacy.key_file: cannot read {path} ({exc})") from None
        if not from_file:
            raise ConfigError(f"privacy.key_file: {path} is empty; " + KEY_HOWTO)
    if from_file and env and from_file != env:
        raise ConfigError(f"privacy: {KEY_ENV} and privacy.key_file hold different keys; unset one")
    key = from_file or env
    if not key:
        raise ConfigError(NO_KEY)
    return key


def check_paths(
    section: PrivacyConfig, *, base_dir: Path, run_folder: Path, data: Path | None = None
) -> None:
    """Refuse a key file or a mapping file inside the run folder (they would travel with the
    outputs, or go when the folder is replaced) or inside the ``data`` folder (it would be
    hashed into the manifest as an input and travel with the data), and a mapping file that
    would overwrite a file that is not a netsurv mapping.

    Examples
    --------
    >>> from netsurv.config import PrivacyConfig
    >>> cfg = PrivacyConfig(pseudonymise=True, mapping_file=Path("out/map.csv"))
    >>> check_paths(cfg, base_dir=Path("/study"), run_folder=Path("/study/out"))
    Traceback (most recent call last):
    ...
    netsurv.errors.ConfigError: privacy.mapping_file: /study/out/map.csv is inside the run folder /study/out; ...
    """
    folders = {"the run folder": run_folder, "the data folder": data}
    for key in ("key_file", "mapping_file"):
        value = getattr(section, key)
        if value is None:
            continue
        path = private_path(value, base_dir)
        for what, folder in folders.items():
            if folder is not None and path.is_relative_to(folder.resolve()):
                raise ConfigError(
                    f"privacy.{key}: {path} is inside {what} {folder}; put it outside, so "
                    "that it does not travel with the outputs or the data"
                )
        if key == "mapping_file" and path.exists() and not is_mapping(path):
            raise ConfigError(
                f"privacy.mapping_file: {path} exists and is not a netsurv mapping; "
                "choose another path"
            )


def private_path(value: Path, base_dir: Path) -> Path:
    """A key or mapping file path of the config: ``~`` expanded, relative to the config file.

    Examples
    --------
    >>> private_path(Path("keys/k.txt"), Path("/study")).as_posix()
    '/study/keys/k.txt'
    """
    p = value.expanduser()
    return (p if p.is_absolute() else base_dir / p).resolve()


def write_mapping(mapping: pd.DataFrame, path: Path) -> Path:
    """Write the real -> pseudonym mapping (CSV, readable by its owner only) to ``path``
    (checked by :func:`check_paths`) through a new temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        mapping.to_csv(f, index=False, lineterminator="\n")
    os.replace(tmp, path)
    return path


def is_mapping(path: Path) -> bool:
    """Whether ``path`` is a mapping written by :func:`write_mapping`."""
    try:
        with path.open(encoding="utf-8") as f:
            return f.readline().startswith(MAPPING_HEADER)
    except (OSError, UnicodeDecodeError):
        return False
