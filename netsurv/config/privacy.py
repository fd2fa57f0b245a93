"""Config section ``[privacy]``: what a run's outputs reveal about patients.

The transforms themselves live in :mod:`netsurv.pipeline.privacy` (applied once, where the run
writes its files); this section only says which ones are on.  The secret key is never a config
value: it comes from the ``NETSURV_PSEUDONYM_KEY`` environment variable or from the file
``key_file`` names, so ``config.json`` and the manifest never hold it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from netsurv.config._base import _as_list, _Section


class PrivacyConfig(_Section):
    """Pseudonymised IDs, shifted dates and small-cell suppression in every output.

    Attributes
    ----------
    pseudonymise
        Replace patient, line, assessment and lesion IDs (and ``id_columns``) by keyed hashes.
    date_shift
        ``"per_patient"``: move all of a patient's dates by one offset drawn from the key and
        the patient's ID (durations unchanged); ``"none"``: real dates.
    date_shift_max_days
        Offsets are whole days in ``[-N, -1]`` or ``[1, N]`` (never 0).
    min_cell
        Counts from 1 to ``min_cell - 1`` in the summary tables are replaced by ``"<k"`` (0 or 1:
        off).
    key_file
        A file holding the secret key (relative to the config file); else the environment
        variable ``NETSURV_PSEUDONYM_KEY``.
    mapping_file
        Where to write the real -> pseudonym table (CSV); never inside the run folder.  Not
        written when unset.
    id_columns
        Further columns to pseudonymise wherever they appear (e.g. ``"hospital_number"``).
    pseudonym_length
        Hex characters kept from each HMAC-SHA256 (a collision in the cohort is an error).
    """

    pseudonymise: bool = False
    date_shift: Literal["none", "per_patient"] = "none"
    date_shift_max_days: int = Field(180, ge=1, le=3650)
    min_cell: int = Field(0, ge=0)
    key_file: Path | None = None
    mapping_file: Path | None = None
    id_columns: list[str] = []
    pseudonym_length: int = Field(10, ge=4, le=64)

    _lists = field_validator("id_columns", mode="before")(_as_list)

    @model_validator(mode="after")
    def _mapping_needs_pseudonyms(self) -> PrivacyConfig:
        if self.mapping_file is not None and not self.pseudonymise:
            raise ValueError(
                "privacy.mapping_file is set but privacy.pseudonymise is false: there is no "
                "mapping to write"
            )
        return self

    @property
    def needs_key(self) -> bool:
        """Whether a secret key is needed (pseudonyms or date offsets)."""
        return self.pseudonymise or self.date_shift != "none"

    @property
    def active(self) -> bool:
        """Whether any privacy transform is on."""
        return self.needs_key or self.min_cell > 1
