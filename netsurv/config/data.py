"""Config sections that say where the cohort comes from and which lines are analysed:
``[data]`` (with ``[data.simulation]`` and ``[data.sdtm]``) and ``[cohort]``."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from netsurv.config._base import _as_list, _Section


class SimulationConfig(_Section):
    """A simulated cohort as the data (``data.source = "simulate"``); ``markers = true`` adds
    simulated CgA measurements (:mod:`netsurv.simulate.markers`)."""

    scenario: str = "mixed"
    n_patients: int = Field(500, ge=1)
    seed: int = Field(1, ge=0)
    markers: bool = False
    overrides: dict[str, Any] = {}


class SdtmConfig(_Section):
    """How a CDISC SDTM source is read (``data.format = "sdtm"``): the arguments of
    :func:`netsurv.io.read_sdtm`, with its defaults.

    ``evaluator`` picks whose reads are used (``"INVESTIGATOR"``, an independent reader as
    ``"INDEPENDENT ASSESSOR/RADIOLOGIST 1"``, or ``"accepted"`` for the adjudicated read);
    ``maps`` replaces some of the shipped code maps by the study's own CSV files, by name
    (``measures``, ``units``, ``sites``, ``responses``, ``roles``, ``tumour_states``,
    ``methods``, ``dispositions``; paths relative to the config file);
    ``visit_date``, ``response_date_imputation`` and ``measurement_date_imputation`` set the
    assessment date and the imputation of partial ``RSDTC`` / ``TRDTC``;
    ``new_therapy_categories`` are the ``CMCAT`` / ``CMSCAT`` values that make a CM record a new
    line; ``default_modality`` is the modality of tumour results without ``TRMETHOD``.
    """

    evaluator: str = Field("INVESTIGATOR", min_length=1)
    maps: dict[str, Path] = {}
    visit_date: Literal["response", "scan"] = "response"
    response_date_imputation: Literal["first", "last", "none"] = "last"
    measurement_date_imputation: Literal["first", "last", "none"] = "first"
    new_therapy_categories: list[str] = ["ANTI-CANCER", "ANTICANCER", "ANTINEOPLASTIC"]
    default_modality: Literal["CT", "MRI", "SST-PET", "FDG-PET", "SPECT"] = "CT"

    _lists = field_validator("new_therapy_categories", mode="before")(_as_list)

    @field_validator("maps")
    @classmethod
    def _known_maps(cls, v: dict[str, Path]) -> dict[str, Path]:
        from netsurv.io.sdtm_maps import SdtmMaps

        known = [f.name for f in fields(SdtmMaps)]
        unknown = sorted(set(v) - set(known))
        if unknown:
            raise ValueError(f"unknown SDTM map(s) {unknown}; known: {known}")
        return v


class DataConfig(_Section):
    """Where the cohort comes from and how it is read and validated.

    ``source`` is ``"demo"`` (the bundled cohort), ``"simulate"`` (a cohort made by
    :func:`netsurv.simulate_cohort` with ``[data.simulation]``) or a path relative to the
    config file, read as ``format``:

    * ``"tables"``: a folder of patients / lines / assessments / lesions tables (or one
      workbook), read with :func:`netsurv.read_cohort`; CSV files in ``encoding``;
    * ``"sdtm"``: a folder of SDTM domains, read with :func:`netsurv.io.read_sdtm` as
      ``[data.sdtm]`` says;
    * ``"redcap"``: a REDCap export CSV, read with :func:`netsurv.io.read_redcap` with the
      field ``mapping`` (TOML, required) and the project's ``data_dictionary`` (CSV, optional:
      its choices decode coded fields, and mapped fields are checked against it).

    ``encoding``, ``delimiter`` and ``decimal`` say how the source's text files are written
    (for every format: CSV tables, REDCap exports, SDTM ``.csv`` / ``.xpt`` / ``.sas7bdat``
    domains): the text encoding (default ``"utf-8"``; a byte-order mark is accepted), the
    field delimiter (default ``","``; ``"tab"`` or ``"\t"`` for a tab) and the decimal
    mark (``"."`` or ``","``).  A file written otherwise is reported with the setting that
    reads it; nothing is guessed.

    ``warn`` and ``off`` set validation rules (see ``netsurv.validation.RULES``) to warnings
    or switch them off; ``baseline_window_days`` is how many days before a line's start a scan
    may be its baseline (default 28, RECIST 1.1: no more than 4 weeks before treatment).  They apply to every source but a simulated one.
    """

    source: str = "demo"
    simulation: SimulationConfig = SimulationConfig()
    format: Literal["tables", "sdtm", "redcap"] = "tables"
    encoding: str = "utf-8"
    delimiter: str | None = None
    decimal: Literal[".", ","] = "."
    mapping: Path | None = None
    data_dictionary: Path | None = None
    sdtm: SdtmConfig = SdtmConfig()
    baseline_window_days: int | None = Field(None, ge=0, le=365)
    warn: list[str] = []
    off: list[str] = []

    _lists = field_validator("warn", "off", mode="before")(_as_list)

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, v: str) -> str:
        from netsurv.io.csv_dialect import check_text_format

        check_text_format(encoding=v)
        return v

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, v: str | None) -> str | None:
        from netsurv.io.csv_dialect import check_text_format

        return check_text_format(delimiter=v)[1]

    @field_validator("warn", "off")
    @classmethod
    def _known_rules(cls, v: list[str]) -> list[str]:
        from netsurv.validation import check_rule_names

        check_rule_names(v)
        return v

    @model_validator(mode="after")
    def _fits_the_format(self) -> DataConfig:
        both = sorted(set(self.warn) & set(self.off))
        if both:
            raise ValueError(f"rule(s) {both} are in both data.warn and data.off")
        builtin = self.source in ("demo", "simulate")
        if builtin and self.format != "tables":
            raise ValueError(
                f"data.source = {self.source!r} is a cohort of tables; data.format = "
                f"{self.format!r} needs a path as data.source"
            )
        if self.source == "simulate":
            given = [
                f"data.{k}" for k in ("warn", "off", "baseline_window_days") if getattr(self, k)
            ]
            if given:
                raise ValueError(
                    f"{', '.join(given)} do not apply to a simulated cohort (it is validated "
                    "as it is made)"
                )
        if self.format == "redcap" and self.mapping is None:
            raise ValueError(
                "data.format = 'redcap' needs data.mapping (the TOML file that maps REDCap "
                "fields to netsurv columns)"
            )
        if self.format != "redcap":
            given = [f"data.{k}" for k in ("mapping", "data_dictionary") if getattr(self, k)]
            if given:
                raise ValueError(f"{', '.join(given)} are for data.format = 'redcap'")
        if self.format != "sdtm" and self.sdtm != SdtmConfig():
            raise ValueError("[data.sdtm] is for data.format = 'sdtm'")
        if self.delimiter is not None and self.delimiter == self.decimal:
            raise ValueError(f"data.delimiter and data.decimal are both {self.decimal!r}")
        builtin_text = [
            f"data.{k}"
            for k, default in (("encoding", "utf-8"), ("delimiter", None), ("decimal", "."))
            if getattr(self, k) != default
        ]
        if builtin and builtin_text:
            raise ValueError(
                f"{', '.join(builtin_text)} {'is' if len(builtin_text) == 1 else 'are'} for a "
                f"data.source that is a path (the {self.source} cohort is not read from files)"
            )
        return self


class CohortFilter(_Section):
    """Which lines are analysed; empty = all.  Patient fields filter by the patient's value."""

    regimen_class: list[str] | None = None
    regimen: list[str] | None = None
    primary_site: list[str] | None = None
    grade: list[str] | None = None
    sex: list[str] | None = None
    functional: list[str] | None = None
    ki67_min: float | None = Field(None, ge=0, le=100)
    ki67_max: float | None = Field(None, ge=0, le=100)
    line_number: list[int] | None = None
    start_from: dt.date | None = None
    start_to: dt.date | None = None

    _lists = field_validator(
        "regimen_class",
        "regimen",
        "primary_site",
        "grade",
        "sex",
        "functional",
        "line_number",
        mode="before",
    )(_as_list)

    @model_validator(mode="after")
    def _ranges(self) -> CohortFilter:
        if (
            self.ki67_min is not None
            and self.ki67_max is not None
            and self.ki67_min > self.ki67_max
        ):
            raise ValueError(f"ki67_min ({self.ki67_min}) is above ki67_max ({self.ki67_max})")
        if self.start_from and self.start_to and self.start_from > self.start_to:
            raise ValueError(f"start_from ({self.start_from}) is after start_to ({self.start_to})")
        return self
