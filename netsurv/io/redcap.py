"""REDCap longitudinal exports in: ``read_redcap`` with a small mapping file.

A REDCap project exports one flat CSV: ``record_id``, ``redcap_event_name``,
``redcap_repeat_instrument`` and ``redcap_repeat_instance``, then every field.  Rows with an
empty ``redcap_repeat_instrument`` hold the non-repeating forms of an event; the others hold
one instance of a repeating instrument.  The mapping (TOML) says, for each netsurv table, which
instrument its rows come from and which field fills which column::

    record_id = "record_id"

    [patients]                       # non-repeating forms, merged over events per record
    last_alive_date = "last_contact"
    death_date = "death_date"
    sex = { field = "sex", values = { "1" = "F", "2" = "M" } }

    [lines]
    instrument = "treatment_line"     # a repeating instrument
    line_id = "redcap_repeat_instance"
    regimen = "tx_regimen"
    start_date = "tx_start"

    [assessments]
    instrument = "imaging"
    assessment_id = "redcap_repeat_instance"
    date = "img_date"
    modality = "img_modality"         # coded: decoded with the data dictionary's choices

    [lesions]
    instrument = "lesion"
    assessment_id = "les_scan"        # the imaging instance the lesion was measured on
    lesion_id = "les_id"

    [markers]                         # optional: circulating tumour markers
    instrument = "lab"
    marker = { field = "lab_test", values = { "1" = "CgA", "2" = "5-HIAA", "3" = "NSE" } }
    date = "lab_date"
    value = "lab_value"
    unit = "lab_unit"
    uln = "lab_uln"

A coded field is decoded by its ``values`` table, else by the choices of the data dictionary
(``"1, CT | 2, MRI"``: the label must then be the netsurv value).  ``patient_id`` is always the
record id.  Extra ``[patients]`` entries (``age = "age"``) pass through as covariates.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Unpack

import pandas as pd

from netsurv.cohort import Cohort
from netsurv.errors import ConfigError, ValidationError
from netsurv.io.csv_dialect import TextFormat
from netsurv.io.csv_text import read_csv_file
from netsurv.schema.inputs import INPUT_MODELS, KEYS, REQUIRED_TABLES
from netsurv.schema.problems import Problems
from netsurv.validation import ValidationOptions

REDCAP_FIELDS = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance")
_SETTINGS = ("instrument", "event")


def read_redcap(
    export: str | Path | pd.DataFrame,
    *,
    mapping: str | Path | Mapping[str, Any],
    data_dictionary: str | Path | pd.DataFrame | None = None,
    options: ValidationOptions | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    decimal: str = ".",
) -> Cohort:
    """Read a REDCap longitudinal export into a validated cohort.

    Parameters
    ----------
    export
        The export CSV (raw codes or labels) or a DataFrame of it.
    mapping
        The mapping (TOML file or the parsed dict); see the module notes.
    data_dictionary
        The project's data dictionary CSV (REDCap's "Data Dictionary" download): fields named
        in the mapping are checked against it and coded fields decoded with its choices.
    options
        Validation settings.
    encoding, delimiter, decimal
        How the export and dictionary CSV files are written (as for
        :func:`netsurv.read_cohort`; REDCap writes UTF-8 with ``,``).

    Returns
    -------
    Cohort

    Raises
    ------
    netsurv.ConfigError
        The mapping names a field that is not in the export (or dictionary), an unknown table
        or column, or lacks a required column: the message names the table and the field.
    netsurv.ValidationError
        The export or dictionary file cannot be read as written (encoding, delimiter,
        damaged rows, duplicated headers: rules of :func:`netsurv.io.csv_text.read_csv_file`);
        a coded value has no decoding (naming field and ``record / event / instance``), then
        every rule of :meth:`netsurv.Cohort.from_frames`.

    Examples
    --------
    >>> import pandas as pd, netsurv as ns
    >>> export = pd.DataFrame({
    ...     "record_id": ["7", "7", "7", "7", "7"],
    ...     "redcap_event_name": ["base_arm_1"] * 5,
    ...     "redcap_repeat_instrument": [None, "line", "scan", "scan", "lesion"],
    ...     "redcap_repeat_instance": [None, "1", "1", "2", "1"],
    ...     "last_seen": ["2021-06-01", None, None, None, None],
    ...     "drug": [None, "lanreotide", None, None, None],
    ...     "drug_start": [None, "2021-01-10", None, None, None],
    ...     "scan_date": [None, None, "2021-01-04", "2021-04-06", None],
    ...     "scan_type": [None, None, "1", "1", None],
    ...     "les_scan": [None, None, None, None, "1"],
    ...     "les_diam": [None, None, None, None, "31"]})
    >>> mapping = {
    ...     "record_id": "record_id",
    ...     "patients": {"last_alive_date": "last_seen"},
    ...     "lines": {"instrument": "line", "line_id": "redcap_repeat_instance",
    ...               "regimen": "drug", "start_date": "drug_start"},
    ...     "assessments": {"instrument": "scan", "assessment_id": "redcap_repeat_instance",
    ...                     "date": "scan_date",
    ...                     "modality": {"field": "scan_type", "values": {"1": "CT"}}},
    ...     "lesions": {"instrument": "lesion", "assessment_id": "les_scan",
    ...                 "lesion_id": "redcap_repeat_instance", "long_axis_mm": "les_diam",
    ...                 "site": {"field": "les_scan", "values": {"1": "liver"}},
    ...                 "role": {"field": "les_scan", "values": {"1": "target"}}}}
    >>> cohort = ns.io.read_redcap(export, mapping=mapping)
    >>> cohort.assessment_lines["role"].tolist()
    ['baseline', 'follow_up']
    >>> bad = dict(mapping, assessments=dict(mapping["assessments"], date="scan_dte"))
    >>> ns.io.read_redcap(export, mapping=bad)
    Traceback (most recent call last):
    ...
    netsurv.errors.ConfigError: REDCap mapping [assessments] date = 'scan_dte': field 'scan_dte' is not in the export (fields: record_id, last_seen, drug, drug_start, scan_date, scan_type, les_scan, les_diam)
    """
    text = TextFormat(encoding=encoding, delimiter=delimiter, decimal=decimal)
    data = _read_csv(export, "REDCap export", **text)
    spec = _mapping(mapping)
    choices = _choices(data_dictionary, **text)
    record = str(spec.get("record_id", data.columns[0]))
    if record not in data.columns:
        raise ConfigError(f"REDCap mapping: record_id field {record!r} is not in the export")
    for col in REDCAP_FIELDS[1:]:
        if col not in data.columns:
            data[col] = pd.NA
    problems = Problems()
    tables = {
        name: _table(name, data, spec[name], record, choices, problems)
        for name in INPUT_MODELS
        if name in spec
    }
    if problems.rows:
        raise ValidationError(problems.frame())
    return Cohort.from_frames(**tables, options=options)


def _read_csv(
    source: str | Path | pd.DataFrame,
    what: str,
    *,
    encoding: str,
    delimiter: str | None,
    decimal: str,
) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    path = Path(source)
    if not path.is_file():
        raise ConfigError(f"{what} {path} does not exist")
    problems = Problems()
    df = read_csv_file(
        path,
        table=what,
        problems=problems,
        encoding=encoding,
        delimiter=delimiter,
        decimal=decimal,
        missing=("",),
    )
    if df is not None:
        twice = df.columns[df.columns.duplicated()].unique()
        for name in twice:
            problems.add(
                what,
                str(name),
                "",
                "duplicate_column",
                path.name,
                f"{int((df.columns == name).sum())} columns are named '{name}': keep one",
                file=path.name,
            )
    if len(problems) or df is None:
        raise ValidationError(problems.frame())
    return df.drop(columns="_line")


def _mapping(mapping: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(mapping, Mapping):
        spec = dict(mapping)
    else:
        path = Path(mapping)
        try:
            spec = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"REDCap mapping {path} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"REDCap mapping {path} is not valid TOML: {exc}") from exc
    unknown = sorted(k for k in spec if k not in INPUT_MODELS and k != "record_id")
    if unknown:
        raise ConfigError(
            f"REDCap mapping: unknown section(s) {unknown}; sections are {list(INPUT_MODELS)}"
        )
    missing = [t for t in REQUIRED_TABLES if t not in spec]
    if missing:
        raise ConfigError(f"REDCap mapping lacks section(s) {missing}")
    return spec


def _choices(
    dictionary: str | Path | pd.DataFrame | None, **text: Unpack[TextFormat]
) -> dict[str, dict[str, str]] | None:
    """Field -> {code: label} from a data dictionary (None when not given)."""
    if dictionary is None:
        return None
    dd = _read_csv(dictionary, "REDCap data dictionary", **text)
    name = next((c for c in dd.columns if c.lower().startswith("variable")), dd.columns[0])
    chc = next((c for c in dd.columns if c.lower().startswith("choices")), None)
    out: dict[str, dict[str, str]] = {}
    for field, text in zip(dd[name], dd[chc] if chc else [None] * len(dd), strict=True):
        pairs: dict[str, str] = {}
        if isinstance(text, str) and "," in text:
            for item in text.split("|"):
                code, _, label = item.partition(",")
                pairs[code.strip()] = label.strip()
        out[str(field).strip()] = pairs
    return out


def _table(
    name: str,
    data: pd.DataFrame,
    section: Mapping[str, Any],
    record: str,
    choices: dict[str, dict[str, str]] | None,
    problems: Problems,
) -> pd.DataFrame:
    model = INPUT_MODELS[name]
    declared = set(model.to_schema().columns)
    instrument = section.get("instrument")
    rows = data
    if instrument:
        rows = rows[rows["redcap_repeat_instrument"] == instrument]
        if rows.empty and instrument not in set(data["redcap_repeat_instrument"].dropna()):
            raise ConfigError(
                f"REDCap mapping [{name}]: instrument {instrument!r} has no rows in the export "
                f"(repeating instruments present: {sorted(data['redcap_repeat_instrument'].dropna().unique())})"
            )
    else:
        rows = rows[rows["redcap_repeat_instrument"].isna()]
    if "event" in section:
        rows = rows[rows["redcap_event_name"] == section["event"]]
    out = pd.DataFrame({"patient_id": rows[record].astype(str)}, index=rows.index)
    where = (
        rows[record].astype(str)
        + " / "
        + rows["redcap_event_name"].astype("string").fillna("")
        + " / "
        + rows["redcap_repeat_instance"].astype("string").fillna("")
    )
    for column, target in section.items():
        if column in _SETTINGS:
            continue
        if column == "patient_id":
            raise ConfigError(
                f"REDCap mapping [{name}]: patient_id is always the record id ({record!r})"
            )
        if name != "patients" and column not in declared:
            raise ConfigError(
                f"REDCap mapping [{name}]: {column!r} is not a column of {name} "
                f"(columns: {sorted(declared)})"
            )
        field, values = (
            (target, None)
            if isinstance(target, str)
            else (target.get("field"), target.get("values"))
        )
        if not isinstance(field, str) or field not in rows.columns:
            known = [c for c in data.columns if c not in REDCAP_FIELDS]
            raise ConfigError(
                f"REDCap mapping [{name}] {column} = {field!r}: field {field!r} is not in the "
                f"export (fields: {', '.join(known)})"
            )
        if choices is not None and field not in choices and field not in REDCAP_FIELDS:
            raise ConfigError(
                f"REDCap mapping [{name}] {column} = {field!r}: field {field!r} is not in the "
                "data dictionary"
            )
        raw = rows[field]
        codes = (
            {str(k): str(v) for k, v in values.items()}
            if values
            else (choices or {}).get(field) or None
        )
        if codes:
            decoded = raw.astype("string").str.strip().map(codes)
            bad = raw.notna() & decoded.isna()
            for key, val in zip(where[bad], raw[bad], strict=True):
                problems.add(
                    f"redcap:{instrument or 'non-repeating'}",
                    field,
                    str(key),
                    "allowed_values",
                    val,
                    f"code has no decoding for {name}.{column} (mapping 'values' or data dictionary choices)",
                )
            raw = decoded.astype(object)
        out[column] = raw
    mapped = [c for c in out.columns if c not in KEYS[name]]
    out = out[out[mapped].notna().any(axis=1)] if mapped else out
    if name == "patients":
        out = out.groupby("patient_id", sort=False, as_index=False).first()
    required = [
        c for c, col in model.to_schema().columns.items() if not col.nullable or c in KEYS[name]
    ]
    lacking = [c for c in required if c not in out.columns]
    if lacking:
        raise ConfigError(f"REDCap mapping [{name}] lacks required column(s) {lacking}")
    return out.reset_index(drop=True)
