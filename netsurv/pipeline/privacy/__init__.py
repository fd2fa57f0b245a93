"""Privacy at the output boundary: pseudonymised IDs, shifted dates, small-cell suppression.

The statistics are always computed on the real data; a :class:`Privacy` value (made from the
config's ``[privacy]`` section, or in code) transforms each table and the patient-level figures
once, where the run writes them, so durations and every estimate are the same with and
without it.  A user can apply it to any result table: ``privacy.table("endpoints", ep.table)``.

Pseudonyms (``pseudonymise = true``)
    ``HMAC-SHA256(key, kind + value)`` in hex, truncated to ``pseudonym_length`` characters
    (default 10) behind a prefix naming the kind: ``P-`` patients (``patient_id``,
    ``USUBJID``, ``SUBJID``), ``L-`` lines, ``A-`` assessments, ``T-`` lesions, ``X-`` a
    column listed in ``id_columns``, ``K-`` the rest of a row key of an unknown table.  The
    same key and value give the same pseudonym in every table and run; two values that share
    one are an error naming both (raise ``pseudonym_length``), never a silent merge, checked
    over the whole cohort before anything is written.  Row keys (``"P001 / L2"``) are
    pseudonymised part by part; the ``value`` of a validation warning is pseudonymised when
    its column holds IDs; free text (reasons, notes, messages) is scanned for the cohort's
    patient IDs (as whole words); rows are re-ordered by pseudonym, so that their order does
    not give away the order of the real IDs.
Dates (``date_shift = "per_patient"``)
    Every date of a patient moves by one whole number of days drawn from the key and the
    patient's real ID, in ``[-N, -1]`` or ``[1, N]`` (``N = date_shift_max_days``, default
    180; never 0), the same in every table and run, so durations are unchanged.  Calendar
    facts are not kept (weekday, season; a shifted date may cross into another year).  Dates
    in free text are shifted by the row's patient and withheld (``[date withheld]``) where a
    row has no patient; a date column in a table without a patient column is an error.
    Dates of the config (cohort filters, data cut-off) are study dates and are not shifted.
The key
    From the environment variable ``NETSURV_PSEUDONYM_KEY`` or the file ``privacy.key_file``
    (two different keys are an error), at least 32 characters; never written to any output,
    log or message (``config.json`` records the key file's path only).  Without a key the run
    stops with a :class:`~netsurv.ConfigError` saying how to make one; a random key is never
    made silently.
The mapping (``mapping_file``)
    Real ID -> pseudonym for every ID of the cohort (and each patient's date offset), written
    as CSV (owner-readable only) when ``privacy.mapping_file`` is set, to that path, which
    must be outside the run folder; it never goes into the run folder or the manifest.
Small cells (``min_cell = k``)
    :mod:`~netsurv.pipeline.privacy.small_cells`: counts from 1 to ``k - 1`` in Table 1, the
    BOR summary, the attrition summary, the at-risk table (and the at-risk numbers drawn
    under Kaplan–Meier curves) and the count columns of the other summary tables become
    ``"<k"``, with complementary suppression where a total would give one back.  Tables with a
    row per patient, line or scan are not aggregated and are not suppressed.

Pseudonymised data are not anonymous: whoever holds the key or the mapping can link them back,
and rare values, small groups or the steps of a survival curve can still single a patient out.

Examples
--------
>>> import pandas as pd
>>> p = Privacy(key="k" * 32, pseudonymise=True, date_shift="per_patient")
>>> ep = pd.DataFrame({"patient_id": ["P1", "P1"], "date": pd.to_datetime(["2020-01-01",
...                    "2020-03-01"]), "days": [0, 60]})
>>> out = p.table("endpoints", ep)
>>> bool(out["patient_id"].str.startswith("P-").all()), int(out["date"].diff().dt.days.iloc[1])
(True, 60)
"""

from __future__ import annotations

from netsurv.pipeline.privacy.columns import is_patient_level
from netsurv.pipeline.privacy.files import (
    KEY_ENV,
    check_paths,
    private_path,
    read_key,
    write_mapping,
)
from netsurv.pipeline.privacy.value import Privacy, run_privacy

__all__ = [
    "KEY_ENV",
    "Privacy",
    "check_paths",
    "is_patient_level",
    "private_path",
    "read_key",
    "run_privacy",
    "write_mapping",
]
