"""The base of every config section and small value helpers shared by the sections."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(v: Any) -> Any:
    """A scalar where a list is expected becomes a one-item list (``--set x=PRRT``)."""
    return [v] if v is not None and not isinstance(v, list | tuple) else v


def _tuple(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v
