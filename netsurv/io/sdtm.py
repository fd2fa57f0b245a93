"""CDISC SDTM in: ``read_sdtm`` builds a validated :class:`~netsurv.Cohort` from trial data.

Domains used (any may be absent except DM or ADSL):

* **ADSL / DM** - one row per subject: ``patients`` (``LSTALVDT``, ``DTHDT`` / ``DTHDTC``,
  ``SEX``, ``BRTHDTC``; ``AGE``, ``ARM``, ``ACTARM``, ``RACE`` ... pass through as lower-case
  covariates) and the study-treatment line ``L1`` (start ``TRTSDT`` / ``RFXSTDTC`` / first
  ``EXSTDTC``, else ``RANDDT``; end ``TRTEDT`` / ``RFXENDTC`` / last ``EXENDTC``; regimen
  ``TRT01A`` / ``ACTARM`` / ``ARM`` / ``EXTRT``; ``origin_date`` = ``RANDDT``).
* **EX** - start / end / regimen of ``L1`` when ADSL and DM lack them; ``n_cycles`` = number
  of EX records.
* **DS** - ``end_reason`` of ``L1`` from the treatment-epoch disposition event (``DSDECOD``
  through the dispositions map), randomisation and death dates when ADSL / DM lack them.
* **CM** - anticancer therapies started after the study treatment (``CMCAT`` / ``CMSCAT``
  containing one of ``new_therapy_categories``) become lines ``L2``, ``L3`` ...: their start is
  the "start of new anticancer therapy" of the censoring rules.
* **TU / TR / RS** - assessments and lesions (:mod:`netsurv.io.sdtm_tumour`).
* **LB** - circulating tumour markers (chromogranin A, 5-HIAA, NSE, serotonin, pancreastatin:
  the ``lab_tests`` map) as the ``markers`` table (:mod:`netsurv.io.sdtm_lab`).

Last date known alive: ``ADSL.LSTALVDT``; without it the latest of the subject's dates in DM
(``RFSTDTC``, ``RFENDTC``, ``RFXENDTC``, ``RFPENDTC``), DS, EX, TR and RS (and the death date).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Literal

import pandas as pd

from netsurv.cohort import ATTRITION_COLUMNS, Cohort
from netsurv.errors import ConfigError, ValidationError
from netsurv.io.csv_dialect import check_text_format
from netsurv.io.csv_text import read_csv_file
from netsurv.io.dtc import Imputation
from netsurv.io.sdtm_lab import markers_from_lb
from netsurv.io.sdtm_maps import SdtmMaps, load_maps
from netsurv.io.sdtm_subjects import new_therapy_lines, subjects
from netsurv.io.sdtm_tumour import STAGE, build_tumour
from netsurv.schema.problems import Problems
from netsurv.validation import ValidationOptions

DOMAINS = ("ADSL", "DM", "TU", "TR", "RS", "EX", "CM", "DS", "LB")
_SUFFIXES = (".csv.gz", ".csv", ".parquet", ".xpt", ".sas7bdat")

#: Validation defaults for trial data: the trial's own readers chose the target lesions, so
#: departures from RECIST's measurability and count rules are reported as warnings.
SDTM_VALIDATION = ValidationOptions(
    severity={
        "baseline_target_size": "warning",
        "too_many_targets": "warning",
        "too_many_targets_per_organ": "warning",
    }
)


def read_sdtm(
    source: str | Path | Mapping[str, pd.DataFrame],
    *,
    evaluator: str = "INVESTIGATOR",
    maps: SdtmMaps | Mapping[str, pd.DataFrame | str | Path] | None = None,
    visit_date: Literal["response", "scan"] = "response",
    response_date_imputation: Imputation = "last",
    measurement_date_imputation: Imputation = "first",
    new_therapy_categories: Sequence[str] = ("ANTI-CANCER", "ANTICANCER", "ANTINEOPLASTIC"),
    default_modality: str = "CT",
    options: ValidationOptions | None = None,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    decimal: str = ".",
) -> Cohort:
    """Read CDISC SDTM domains (and optionally ADSL) into a validated cohort.

    Parameters
    ----------
    source
        A folder with one file per domain (``dm.csv``, ``tr.xpt``, ``rs.parquet``,
        ``adsl.sas7bdat`` ...; ``.csv``, ``.csv.gz``, ``.parquet``, ``.xpt``, ``.sas7bdat``) or
        a mapping of domain name to DataFrame.  Domains: ADSL, DM, TU, TR, RS, EX, CM, DS,
        LB; ADSL or DM is required.
    evaluator
        Whose reads to use when TU / TR / RS hold several (``--EVAL``): ``"INVESTIGATOR"``
        (default, as admiralonco's templates), ``"INDEPENDENT ASSESSOR/RADIOLOGIST 1"``
        (``--EVAL`` / ``--EVALID``) or ``"accepted"`` (``--ACPTFL = "Y"``, the adjudicated
        read).  Reads of other evaluators are not used.
    maps
        The code mappings (:func:`netsurv.io.load_maps`), or overrides of some of them by
        name; default: the shipped tables in ``netsurv/io/maps/``.
    visit_date
        Date of an assessment: ``"response"`` (the ``RSDTC`` of its overall response when
        there is one, as admiralonco's ADRS ``ADT``; else the earliest ``TRDTC``) or
        ``"scan"`` (the earliest ``TRDTC`` of the visit).
    response_date_imputation, measurement_date_imputation
        Imputation of partial ``RSDTC`` and ``TRDTC`` (``"first"``, ``"last"``, ``"none"``);
        the defaults follow admiralonco's ADRS (last) and ADTR (first) templates.  Each
        imputed date is listed in ``cohort.warnings`` (rule ``partial_date_imputed``).
    new_therapy_categories
        CM records whose ``CMCAT`` or ``CMSCAT`` contains one of these (case-insensitive) and
        that start after the study treatment are new treatment lines.
    default_modality
        Modality of tumour results without ``TRMETHOD``.
    options
        Validation settings; default :data:`SDTM_VALIDATION`.
    encoding, delimiter, decimal
        How the folder's files are written (see :func:`read_sdtm_folder`).

    Notes
    -----
    Lines need a baseline scan for response (``classify``), the recorded read (criterion
    ``"reader"``) included: TR records at or before the treatment start give it.  Subjects with
    no tumour records keep their line (OS, and PFS from death under
    ``CensoringScheme(no_baseline="as_observed")``) and are listed in the attrition table.
    A visit whose TR rows measure the same lesion on different dates holds several scans: it
    becomes one assessment per date (``assessment_id`` ``"<VISIT> (<date>)"``, ``visit``
    unchanged), its RS reads going to the scan of the nearest date, and a warning (rule
    ``visit_split_by_date``) lists it.

    Returns
    -------
    Cohort
        ``patient_id`` = ``USUBJID``; assessments carry ``visit``, ``visitnum`` and ``rsseq``
        (the ``RSSEQ`` of the overall response) for traceability.  ``cohort.attrition`` also
        lists what the import set aside (table = SDTM domain, stage ``"SDTM import"``):
        unmapped codes, equivocal new lesions, subjects without a treatment start.

    Raises
    ------
    netsurv.ValidationError
        Values that break a rule (dates that are not ISO 8601, unknown units, non-numeric
        measurements, missing required variables), naming domain, variable and
        ``USUBJID / ...`` row key; then every rule of :meth:`netsurv.Cohort.from_frames`.
    netsurv.ConfigError
        Bad arguments: unknown domain, evaluator not present, broken mapping table.

    Examples
    --------
    >>> import pandas as pd, netsurv as ns
    >>> adsl = pd.DataFrame({"USUBJID": ["S1"], "TRTSDT": ["2020-01-10"],
    ...                      "RANDDT": ["2020-01-08"], "LSTALVDT": ["2020-12-01"]})
    >>> tr = pd.DataFrame({"USUBJID": "S1", "TRLNKID": "T01", "TRTESTCD": "LDIAM",
    ...     "TRSTRESN": [40.0, 25.0], "TRSTRESU": "mm", "VISITNUM": [1, 2],
    ...     "VISIT": ["BASELINE", "WEEK 8"], "TRDTC": ["2020-01-05", "2020-03-04"]})
    >>> tu = pd.DataFrame({"USUBJID": ["S1"], "TULNKID": ["T01"], "TUSTRESC": ["TARGET"],
    ...                    "TULOC": ["LIVER"]})
    >>> rs = pd.DataFrame({"USUBJID": ["S1"], "RSTESTCD": ["OVRLRESP"], "RSSTRESC": ["PR"],
    ...                    "VISITNUM": [2], "VISIT": ["WEEK 8"], "RSDTC": ["2020-03"]})
    >>> cohort = ns.io.read_sdtm({"ADSL": adsl, "TU": tu, "TR": tr, "RS": rs})
    >>> cohort.assessments[["assessment_id", "date", "reader_response"]].to_string(index=False)
    'assessment_id       date reader_response\\n     BASELINE 2020-01-05            None\\n       WEEK 8 2020-03-31              PR'
    >>> ns.classify(cohort, "recist1.1").table["response"].tolist()
    [None, 'PR']
    """
    domains = _domains(source, encoding=encoding, delimiter=delimiter, decimal=decimal)
    if "ADSL" not in domains and "DM" not in domains:
        raise ConfigError("read_sdtm needs DM or ADSL (subject-level data); neither was given")
    the_maps = maps if isinstance(maps, SdtmMaps) else load_maps(maps)
    if visit_date not in ("response", "scan"):
        raise ConfigError(f"visit_date must be 'response' or 'scan', got {visit_date!r}")
    problems = Problems()
    tumour = build_tumour(
        domains.get("TU"),
        domains.get("TR"),
        domains.get("RS"),
        maps=the_maps,
        evaluator=evaluator,
        visit_date=visit_date,
        tr_impute=measurement_date_imputation,
        rs_impute=response_date_imputation,
        default_modality=default_modality,
        problems=problems,
    )
    patients, lines, att_subj = subjects(domains, the_maps, tumour.assessments, problems)
    patients, lines = new_therapy_lines(domains.get("CM"), patients, lines, new_therapy_categories)
    markers, att_lb = markers_from_lb(domains.get("LB"), the_maps, problems)
    if problems.rows:
        raise ValidationError(problems.frame())

    known = set(patients["patient_id"])
    ass = tumour.assessments
    unknown = ~ass["patient_id"].isin(known)
    att_unknown = pd.DataFrame(
        {
            "table": "TR/RS",
            "row_key": ass.loc[unknown, "patient_id"].drop_duplicates().to_numpy(),
            "stage": STAGE,
            "reason": "subject not in DM/ADSL, or without a last-alive date: tumour data not used",
        },
        columns=ATTRITION_COLUMNS,
    )
    lesions = tumour.lesions[tumour.lesions["patient_id"].isin(known)]
    if markers is not None:
        unknown_lb = ~markers["patient_id"].isin(known)
        att_lb = _stack(
            [
                att_lb,
                pd.DataFrame(
                    {
                        "table": "LB",
                        "row_key": markers.loc[unknown_lb, "patient_id"].drop_duplicates(),
                        "stage": STAGE,
                        "reason": "subject not in DM/ADSL, or without a last-alive date: "
                        "tumour markers not used",
                    }
                ),
            ],
            ATTRITION_COLUMNS,
        )
        markers = markers[~unknown_lb].reset_index(drop=True)
    cohort = Cohort.from_frames(
        patients,
        lines,
        ass[~unknown].reset_index(drop=True),
        lesions.reset_index(drop=True),
        markers=markers,
        options=options or SDTM_VALIDATION,
    )
    attrition = _stack(
        [tumour.attrition, att_subj, att_unknown, att_lb, cohort.attrition], ATTRITION_COLUMNS
    )
    warnings = _stack([cohort.warnings, tumour.notes.frame()], list(cohort.warnings.columns))
    return replace(cohort, attrition=attrition, warnings=warnings)


def _stack(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    found = [f.reindex(columns=columns) for f in frames if not f.empty]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=columns)


def read_sdtm_folder(
    folder: str | Path,
    *,
    encoding: str = "utf-8",
    delimiter: str | None = None,
    decimal: str = ".",
) -> dict[str, pd.DataFrame]:
    """Read the SDTM / ADaM files of a folder, by domain (file name without suffix).

    Text values stay text; CSV files are read as :func:`netsurv.io.csv_text.read_csv_file`
    reads them (``encoding``, ``delimiter``, ``decimal``), SAS files (``.xpt``,
    ``.sas7bdat``) with pandas in ``encoding``.

    Raises
    ------
    netsurv.ConfigError
        The folder does not exist.
    netsurv.ValidationError
        Every file problem at once: two files for one domain (``dm.csv`` and ``DM.xpt``),
        a file that cannot be read, or not in ``encoding``, and the other rules of
        :func:`~netsurv.io.csv_text.read_csv_file`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (pathlib.Path(tmp) / "dm.csv").write_text("USUBJID,SEX\\nS1,F\\n")
    ...     sorted(read_sdtm_folder(tmp))
    ['DM']
    """
    root = Path(folder)
    if not root.is_dir():
        raise ConfigError(f"SDTM folder {root} does not exist")
    check_text_format(encoding, delimiter, decimal)
    found: dict[str, list[tuple[Path, str]]] = {}
    for path in sorted(root.iterdir()):
        name = path.name.lower()
        suffix = next((s for s in _SUFFIXES if name.endswith(s)), None)
        if suffix is None or name[: -len(suffix)].upper() not in DOMAINS or not path.is_file():
            continue
        found.setdefault(name[: -len(suffix)].upper(), []).append((path, suffix))
    problems = Problems()
    out: dict[str, pd.DataFrame] = {}
    for domain, files in found.items():
        if len(files) > 1:
            names = ", ".join(p.name for p, _ in files)
            problems.add(
                domain,
                "",
                "",
                "ambiguous_table",
                names,
                f"domain {domain} is given by {len(files)} files: keep one",
            )
            continue
        path, suffix = files[0]
        if suffix in (".csv", ".csv.gz"):
            df = read_csv_file(
                path,
                table=domain,
                problems=problems,
                encoding=encoding,
                delimiter=delimiter,
                decimal=decimal,
                missing=("",),
            )
            if df is not None:
                out[domain] = df.drop(columns="_line")
            continue
        try:
            if suffix == ".parquet":
                out[domain] = pd.read_parquet(path)
            else:
                sas: Literal["xport", "sas7bdat"] = "xport" if suffix == ".xpt" else "sas7bdat"
                out[domain] = pd.read_sas(str(path), format=sas, encoding=encoding)
        except UnicodeDecodeError as exc:
            problems.add(
                domain,
                "",
                "",
                "encoding",
                path.name,
                f"file is not {encoding} ({exc.reason} at byte {exc.start}); set "
                "data.encoding to the SAS file's encoding, e.g. 'latin-1' (--encoding latin-1)",
                file=path.name,
            )
        except Exception as exc:  # readers raise many types for a damaged file
            problems.add(
                domain,
                "",
                "",
                "unreadable_file",
                path.name,
                f"file could not be read: {type(exc).__name__}: {exc}",
                file=path.name,
            )
    if len(problems):
        raise ValidationError(problems.frame())
    return out


def _domains(
    source: str | Path | Mapping[str, pd.DataFrame],
    *,
    encoding: str,
    delimiter: str | None,
    decimal: str,
) -> dict[str, pd.DataFrame]:
    if isinstance(source, str | Path):
        return read_sdtm_folder(source, encoding=encoding, delimiter=delimiter, decimal=decimal)
    out = {}
    for name, df in source.items():
        key = str(name).upper()
        if key not in DOMAINS:
            raise ConfigError(f"unknown SDTM domain {name!r}; read_sdtm uses {list(DOMAINS)}")
        if not isinstance(df, pd.DataFrame):
            raise ConfigError(f"domain {name} must be a pandas DataFrame, got {type(df).__name__}")
        out[key] = df.rename(columns=lambda c: str(c).strip().upper())
    return out
