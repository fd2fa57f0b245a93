"""Reading a config: TOML file → overrides (``--set``) → validated :class:`Config`, with
one message naming every problem's key path."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from netsurv.config.model import Config
from netsurv.errors import ConfigError


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> Config:
    """Read a TOML config file, apply ``--set`` overrides and validate it.

    Parameters
    ----------
    path
        The ``.toml`` file.
    overrides
        ``"section.key=value"`` strings; the value is read as TOML (``3``, ``[1, 2]``,
        ``true``, ``"text"``) and as plain text when it is not valid TOML (``PRRT``).

    Returns
    -------
    Config

    Raises
    ------
    netsurv.ConfigError
        One message for a missing file, a TOML syntax error, unknown keys (with their path) or
        invalid values.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.toml").write_text('[run]\\nname = "x"\\n[cohort]\\ngrade = "G1"\\n')
    >>> load_config(d / "a.toml", ["run.seed=3"]).run.seed
    3
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8-sig"))  # a BOM (Notepad) is fine
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{p}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at position {exc.start}); "
            "TOML files are UTF-8: save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot be read ({exc.strerror})") from None
    for item in overrides:
        _set(raw, item)
    cfg = _validate(raw | {"base_dir": p.resolve().parent}, source=str(p))
    cfg._file = p.resolve()
    return cfg


def apply_overrides(cfg: Config, overrides: Sequence[str]) -> Config:
    """A copy of ``cfg`` with ``section.key=value`` overrides applied and re-validated."""
    raw = cfg.model_dump(exclude_unset=True)
    for item in overrides:
        _set(raw, item)
    source = "--set" if cfg.file is None else f"{cfg.file} with --set"
    out = _validate(raw, source=source)
    out._file = cfg.file
    return out


def _set(raw: dict[str, Any], item: str) -> None:
    """Apply one ``section.key=value`` to the raw config.

    The value is read as TOML, and kept as the text given when it is not valid TOML or when
    the field is text and the TOML value is not (``run.name=2024``, ``cohort.grade=2``,
    ``data.source=2024-01-01``).
    """
    key, sep, text = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set expects section.key=value, got {item!r}")
    parts = key.strip().split(".")
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text
    if not isinstance(value, str | list | dict) and _is_text(parts):
        value = text.strip()
    node = raw
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {key}: {part!r} is not a section")
        node = child
    node[parts[-1]] = value


def _is_text(parts: list[str]) -> bool:
    """Whether the config field at ``parts`` holds text (str, a path, a choice of words, or a
    list of them); False for unknown keys and free-form tables."""
    model: type[BaseModel] = Config
    for part in parts[:-1]:
        field = model.model_fields.get(part)
        ann = field.annotation if field else None
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return False
        model = ann
    field = model.model_fields.get(parts[-1])
    if field is None:
        return False
    kind: Any = field.annotation
    args = [a for a in get_args(kind) if a is not type(None)]
    if get_origin(kind) in (Union, UnionType) and len(args) == 1:
        kind = args[0]  # X | None
    if get_origin(kind) is list:
        kind = get_args(kind)[0]
    if get_origin(kind) is Literal:
        return all(isinstance(a, str) for a in get_args(kind))
    return kind in (str, Path)


def _validate(raw: dict[str, Any], *, source: str) -> Config:
    try:
        return Config.model_validate(raw)
    except PydanticError as exc:
        raise ConfigError(_message(exc, source)) from None


def _message(exc: PydanticError, source: str) -> str:
    lines = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            section = _section_of(err["loc"][:-1])
            valid = ", ".join(k for k in section.model_fields if k != "base_dir") if section else ""
            lines.append(
                f"  unknown key '{path}'" + (f" (valid keys here: {valid})" if valid else "")
            )
        else:
            got = err.get("input")
            shown = "" if isinstance(got, dict) else f" (got {got!r})"
            msg = err["msg"].removeprefix("Value error, ")
            if path:
                lines.append(f"  {path}: {msg}{shown}")
            else:  # problems of the whole config (criteria, references) name their own keys
                lines.extend(f"  {m}" for m in msg.split("\n  "))
    return "\n".join([f"{source}: {len(lines)} problem(s) in the config:", *lines])


def _section_of(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = Config
    for part in loc:
        field = model.model_fields.get(str(part))
        ann = field.annotation if field else None
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return None
        model = ann
    return model
