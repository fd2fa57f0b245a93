"""The ``[lesions]`` config section: lesion- and organ-level tables and scan patterns."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from netsurv.config._base import _as_list, _Section


class LesionsConfig(_Section):
    """Lesion and organ level (:func:`netsurv.lesion_response`, :func:`netsurv.organ_response`,
    :func:`netsurv.add_patterns`).

    With ``enabled``, a run writes ``lesion_response``, ``lesion_attrition``,
    ``organ_response`` and ``timepoint_patterns`` for the analysed lines of ``criteria``
    (default: the reference criterion).  Organ-specific cut-offs, the ``sites`` filter and
    its ``new_lesions`` reach, and the ``oligoprogression`` bound are criterion fields, set in
    ``[[criteria.variants]]``.  ``level`` is what ``mixed_response`` counts (``"organ"`` or
    ``"lesion"``).

    Examples
    --------
    >>> LesionsConfig(enabled=True, criteria="recist1.1").criteria
    ['recist1.1']
    """

    enabled: bool = False
    criteria: list[str] = []
    level: Literal["organ", "lesion"] = "organ"

    _lists = field_validator("criteria", mode="before")(_as_list)
