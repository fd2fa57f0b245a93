"""Privacy at the output boundary: pseudonymised IDs, shifted dates, small-cell suppression.

The statistics are always computed on the real data; a :class:`Privacy` value transforms each
table (and the patient-level figures) once, where the run writes it, so durations and every
estimate are the same with and without it.

Pseudonyms
    ``HMAC-SHA256(key, kind + value)``, hex, truncated to ``pseudonym_length`` characters
    behind a prefix naming the kind: ``P-`` patients (``patient_id``, ``USUBJID``,
    ``SUBJID``), ``L-`` lines, ``A-`` assessments, ``T-`` lesions, ``X-`` a column listed in
    ``id_columns``, ``K-`` a part of a row key that names no known table.  The same key and
    value give the same pseudonym in every table and run; two values that share one are an
    error (raise ``pseudonym_length``), never a silent merge.  Row keys (``"P001 / L2"``) are
    pseudonymised part by part, free text (reasons, notes, messages) is scanned for the
    cohort's patient IDs, and rows are re-ordered by pseudonym so that their order does not
    reveal the order of the real IDs.
Dates
    ``date_shift = "per_patient"`` moves every date of a patient by one whole number of days
    drawn from the key and the patient's real ID, in ``[-N, -1]`` or ``[1, N]``
    (``N = date_shift_max_days``), the same in every table and run: durations are unchanged,
    calendar facts (weekday, season, year) are not kept, and shifted dates may cross a year.
    Dates in free text are shifted by the row's patient, or withheld when the row has none.
The key
    From the environment variable ``NETSURV_PSEUDONYM_KEY`` or the file ``key_file``; at
    least 32 characters; never written to any output, log or message.  Without a key the run
    stops with a :class:`~netsurv.ConfigError` saying how to make one.

Pseudonymised data are not anonymous: whoever holds the key (or the mapping file) can link
them back, and rare values or dates can still single a patient out.

Examples
--------
>>> import pandas as pd
>>> p = Privacy(key="k" * 32, pseudonymise=True, date_shift="per_patient")
>>> ep = pd.DataFrame({"patient_id": ["P1", "P1"], "date": pd.to_datetime(["2020-01-01",
...                    "2020-03-01"]), "days": [0, 60]})
>>> out = p.table("endpoints", ep)
>>> out["patient_id"].str.startswith("P-").all(), out["date"].diff().dt.days.iloc[1]
(np.True_, np.float64(60.0))
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.pipeline import small_cells

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from netsurv.cohort import Cohort
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

#: ID columns and the kind of identifier they hold (one pseudonym space per kind).
ID_KINDS = {
    "patient_id": "patient",
    "USUBJID": "patient",
    "SUBJID": "patient",
    "line_id": "line",
    "LINEID": "line",
    "assessment_id": "assessment",
    "lesion_id": "lesion",
}
PREFIXES = {"patient": "P", "line": "L", "assessment": "A", "lesion": "T", "key": "K"}
PATIENT_COLUMNS = ("patient_id", "USUBJID", "SUBJID")
#: Text columns holding row keys (``"P001 / L2"``) and the column naming their table.
KEY_COLUMNS = {"row_key": "table", "source_key": "source_table", "SRCKEY": "SRCDOM"}
#: The kinds of a row key's parts, by the table it names.
KEY_PARTS: dict[str, tuple[str, ...]] = {
    "patients": ("patient",),
    "lines": ("patient", "line"),
    "endpoints": ("patient", "line"),
    "assessments": ("patient", "assessment"),
    "lesions": ("patient", "assessment", "lesion"),
    "ADSL": ("patient",),
    "ADRS": ("patient", "assessment"),
    "EX": ("patient", "line"),
}
#: Tables whose row keys name no patient (criteria are named).
UNKEYED_TABLES = frozenset({"criteria"})
#: Summary tables and their small-cell rule; any other table without IDs gets
#: :func:`~netsurv.pipeline.small_cells.suppress_counts`.
SUPPRESSORS = {
    "table1": small_cells.suppress_table_one,
    "bor_summary": small_cells.suppress_bor_summary,
    "km_at_risk": small_cells.suppress_at_risk,
}
WITHHELD = "[date withheld]"

_SEP = " / "
_FILE_LINE = re.compile(r"^line \d+$")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
_TOKEN = re.compile(r"[\w.\-]+")
_AT_RISK_N = re.compile(r"\(n = (\d+)\)")


@dataclass(frozen=True)
class Privacy:
    """What a run's outputs may reveal: a value applied to each table and figure it writes.

    Parameters
    ----------
    key
        The secret key (at least 32 characters); needed for ``pseudonymise`` and
        ``date_shift``.  Not shown in the value's repr.
    pseudonymise
        Replace patient, line, assessment and lesion IDs (and ``id_columns``) by pseudonyms.
    date_shift
        ``"per_patient"`` or ``"none"``.
    date_shift_max_days
        Largest shift, in days (offsets are never 0).
    min_cell
        Suppress counts from 1 to ``min_cell - 1`` in summary tables (0 or 1: off).
    id_columns
        Further columns to pseudonymise, each its own kind (prefix ``X-``).
    pseudonym_length
        Hex characters of the HMAC kept (4 to 64).
    known
        Pseudonyms of a whole cohort by kind (set by :meth:`for_cohort`): collisions are
        checked over the cohort, and free text is scanned for its patient IDs.

    Examples
    --------
    >>> import netsurv as ns
    >>> from netsurv.pipeline.privacy import Privacy
    >>> cohort = ns.load_demo()
    >>> priv = Privacy(key="0123456789abcdef" * 2, pseudonymise=True).for_cohort(cohort)
    >>> ep = ns.derive_endpoints(cohort, ns.classify(cohort, "recist1.1"), endpoints="OS")
    >>> shared = priv.table("endpoints", ep.table)
    >>> shared["patient_id"].isin(cohort.patients["patient_id"]).any()
    np.False_
    >>> priv
    Privacy(pseudonymise=True, date_shift='none', date_shift_max_days=180, min_cell=0, id_columns=(), pseudonym_length=10)
    """

    key: str | None = field(default=None, repr=False)
    pseudonymise: bool = False
    date_shift: Literal["none", "per_patient"] = "none"
    date_shift_max_days: int = 180
    min_cell: int = 0
    id_columns: tuple[str, ...] = ()
    pseudonym_length: int = 10
    known: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.date_shift not in ("none", "per_patient"):
            raise ConfigError(
                f"privacy.date_shift must be 'none' or 'per_patient', got {self.date_shift!r}"
            )
        if not 4 <= self.pseudonym_length <= 64:
            raise ConfigError(
                f"privacy.pseudonym_length must be from 4 to 64, got {self.pseudonym_length}"
            )
        if self.date_shift_max_days < 1:
            raise ConfigError("privacy.date_shift_max_days must be at least 1")
        if self.needs_key:
            if not self.key:
                raise ConfigError(
                    "privacy.pseudonymise and privacy.date_shift need a secret key: " + KEY_HOWTO
                )
            if len(self.key) < MIN_KEY_CHARS:
                raise ConfigError(
                    f"privacy: the key has {len(self.key)} characters; use at least "
                    f"{MIN_KEY_CHARS}: " + KEY_HOWTO
                )
        object.__setattr__(self, "id_columns", tuple(self.id_columns))

    # ------------------------------------------------------------------ making one
    @classmethod
    def from_config(
        cls,
        section: PrivacyConfig,
        *,
        base_dir: Path = Path("."),
        environ: Mapping[str, str] | None = None,
    ) -> Privacy | None:
        """The privacy of a config's ``[privacy]`` section (None when every option is off).

        The key is read from ``section.key_file`` (relative to ``base_dir``) or the
        ``NETSURV_PSEUDONYM_KEY`` variable of ``environ`` (default: the process environment);
        both set with different keys is an error.

        Raises
        ------
        netsurv.ConfigError
            No key, a key too short, an unreadable key file, or two different keys.

        Examples
        --------
        >>> from netsurv.config import PrivacyConfig
        >>> Privacy.from_config(PrivacyConfig(min_cell=5)).min_cell
        5
        >>> Privacy.from_config(PrivacyConfig(pseudonymise=True), environ={})
        Traceback (most recent call last):
        ...
        netsurv.errors.ConfigError: privacy.pseudonymise and privacy.date_shift need a secret key: ...
        """
        if not section.active:
            return None
        key = read_key(section, base_dir=base_dir, environ=environ) if section.needs_key else None
        return cls(
            key=key,
            pseudonymise=section.pseudonymise,
            date_shift=section.date_shift,
            date_shift_max_days=section.date_shift_max_days,
            min_cell=section.min_cell,
            id_columns=tuple(section.id_columns),
            pseudonym_length=section.pseudonym_length,
        )

    @property
    def needs_key(self) -> bool:
        """Whether pseudonyms or date offsets are made."""
        return self.pseudonymise or self.date_shift != "none"

    def for_cohort(self, cohort: Cohort) -> Privacy:
        """This privacy with the pseudonyms of every ID of ``cohort`` (a collision anywhere in
        the cohort is an error before anything is written; free text is then scanned for the
        cohort's patient IDs)."""
        if not self.pseudonymise:
            return self
        values: dict[str, list[pd.Series]] = {}
        for df in (cohort.patients, cohort.lines, cohort.assessments, cohort.lesions):
            for col, kind in self._id_kinds(df).items():
                values.setdefault(kind, []).append(df[col])
        known = dict(self.known)
        for kind, parts in values.items():
            real = pd.unique(pd.concat(parts, ignore_index=True).dropna().astype(str))
            known[kind] = dict(zip(real, self._pseudonyms(kind, real, known), strict=True))
        return dataclasses.replace(self, known=known)

    # ------------------------------------------------------------------ the values
    def pseudonyms(self, kind: str, values: Iterable[object]) -> list[str | None]:
        """The pseudonym of each value of one kind (``"patient"``, ``"line"``, …; None stays
        None).

        Examples
        --------
        >>> p = Privacy(key="k" * 32, pseudonymise=True)
        >>> a, b, a2 = p.pseudonyms("patient", ["P001", "P002", "P001"])
        >>> a == a2 != b, a.startswith("P-"), len(a)
        (True, True, 12)
        """
        vals = [None if _missing(v) else str(v) for v in values]
        distinct = [v for v in dict.fromkeys(vals) if v is not None]
        made = dict(zip(distinct, self._pseudonyms(kind, distinct, self.known), strict=True))
        return [None if v is None else made[v] for v in vals]

    def offsets(self, patients: Iterable[object]) -> list[int | None]:
        """Days each (real) patient's dates move by: one whole number in ``[-N, -1]`` or
        ``[1, N]`` per patient, from the key and the ID.

        Examples
        --------
        >>> p = Privacy(key="k" * 32, date_shift="per_patient", date_shift_max_days=30)
        >>> a, b, a2 = p.offsets(["P001", "P002", "P001"])
        >>> a == a2, 1 <= abs(a) <= 30, 1 <= abs(b) <= 30
        (True, True, True)
        """
        n = self.date_shift_max_days
        out: list[int | None] = []
        for v in patients:
            if _missing(v):
                out.append(None)
                continue
            draw = int.from_bytes(self._digest("date-shift", str(v))[:8], "big") % (2 * n)
            out.append(draw - n if draw < n else draw - n + 1)
        return out

    def mapping(self) -> pd.DataFrame:
        """Real ID -> pseudonym of the cohort given to :meth:`for_cohort` (``kind``, ``real``,
        ``pseudonym``, and ``date_shift_days`` of patients when dates are shifted)."""
        if not self.known:
            raise ConfigError("privacy.mapping: no cohort given (call Privacy.for_cohort first)")
        rows = [(k, r, p) for k, m in self.known.items() for r, p in m.items()]
        out = pd.DataFrame(rows, columns=["kind", "real", "pseudonym"])
        out = out.sort_values(["kind", "real"], kind="stable", ignore_index=True)
        if self.date_shift != "none":
            patient = out["kind"] == "patient"
            days = pd.array([pd.NA] * len(out), dtype="Int64")
            days[patient.to_numpy()] = self.offsets(out.loc[patient, "real"])
            out["date_shift_days"] = days
        return out

    # ------------------------------------------------------------------ tables
    def table(self, name: str, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` as it may be shared: IDs pseudonymised, each patient's dates shifted, small
        counts suppressed (by the rule of table ``name``: ``table1``, ``bor_summary``,
        ``km_at_risk``, else the count columns of a table without IDs).

        Parameters
        ----------
        name
            The table's name (chooses its small-cell rule; named in errors).
        df
            Any result table: ID columns (:data:`ID_KINDS`, ``id_columns``), row keys
            (:data:`KEY_COLUMNS`), date columns and free text are found by name and type.

        Returns
        -------
        pandas.DataFrame
            A new table; with pseudonyms its rows are ordered by the (pseudonymised) patient.

        Raises
        ------
        netsurv.ConfigError
            Dates in a table with no patient column to shift them by, or a pseudonym
            collision.

        Examples
        --------
        >>> p = Privacy(key="k" * 32, pseudonymise=True)
        >>> att = pd.DataFrame({"table": ["lines"], "row_key": ["P001 / L2"],
        ...                     "reason": ["no baseline scan"]})
        >>> key = p.table("attrition", att).loc[0, "row_key"]
        >>> key.startswith("P-") and " / L-" in key
        True
        """
        out = df.reset_index(drop=True).copy()
        patients = _row_patients(out)
        if self.date_shift != "none":
            out = self._shift_dates(name, out, patients)
        if self.needs_key:
            out = self._scrub_text(out, patients)
        if self.pseudonymise:
            for col, kind in self._id_kinds(out).items():
                out[col] = self.pseudonyms(kind, out[col])
            for col, table_col in KEY_COLUMNS.items():
                if col in out.columns:
                    tables = out[table_col] if table_col in out.columns else None
                    out[col] = self._keys(out[col], tables)
            out = _by_pseudonym(out)
        if self.min_cell > 1 and not _is_patient_level(out, self.id_columns):
            suppress = SUPPRESSORS.get(name, small_cells.suppress_counts)
            out = suppress(out, self.min_cell)
        return out

    def text(self, text: str) -> str:
        """Free text (a run note) with the cohort's patient IDs pseudonymised and dates
        withheld (no patient to shift them by).

        Examples
        --------
        >>> p = Privacy(key="k" * 32, date_shift="per_patient")
        >>> p.text("scan of 2020-01-31 after death")
        'scan of [date withheld] after death'
        """
        if not self.needs_key:
            return text
        out = self._scrub_text(pd.DataFrame({"text": [text]}), None)
        return str(out.loc[0, "text"])

    def cohort(self, cohort: Cohort) -> Cohort:
        """The cohort with every table transformed (for drawing patient-level figures: a
        swimmer plot labelled by pseudonym, on shifted dates)."""
        return dataclasses.replace(
            cohort,
            **{
                name: self.table(name, getattr(cohort, name))
                for name in ("patients", "lines", "assessments", "lesions", "assessment_lines")
            },
            attrition=self.table("attrition", cohort.attrition),
            warnings=self.table("validation_warnings", cohort.warnings),
            truth=None,
        )

    def figure(self, fig: Figure) -> None:
        """Suppress small counts drawn in a figure, in place: the numbers of a Kaplan–Meier
        at-risk table and the ``(n = …)`` of its legend (from 1 to ``min_cell - 1``)."""
        if self.min_cell <= 1:
            return
        from netsurv.plots.km import AT_RISK_LABEL

        k = self.min_cell
        for ax in fig.get_axes():
            if ax.get_label() == AT_RISK_LABEL:
                for t in ax.texts:
                    s = t.get_text()
                    if s.isdigit() and 1 <= int(s) < k:
                        t.set_text(small_cells.small(k))
            legend = ax.get_legend()
            for t in legend.get_texts() if legend is not None else ():
                t.set_text(
                    _AT_RISK_N.sub(
                        lambda m: f"(n {small_cells.small(k)})" if 1 <= int(m[1]) < k else m[0],
                        t.get_text(),
                    )
                )

    # ------------------------------------------------------------------ internals
    def _digest(self, purpose: str, value: str) -> bytes:
        if not self.key:
            raise ConfigError("privacy: no key")
        msg = f"netsurv\x1f{purpose}\x1f{value}".encode()
        return hmac.new(self.key.encode(), msg, hashlib.sha256).digest()

    def _pseudonyms(
        self, kind: str, distinct: Iterable[str], known: Mapping[str, Mapping[str, str]]
    ) -> list[str]:
        """Pseudonyms of distinct values of a kind; a shared pseudonym is an error."""
        prefix = PREFIXES.get(kind, "X")
        have = known.get(kind, {})
        out, owner = [], {p: r for r, p in have.items()}
        for v in distinct:
            p = have.get(v)
            if p is None:
                p = f"{prefix}-{self._digest(kind, v).hex()[: self.pseudonym_length]}"
                if owner.get(p, v) != v:
                    raise ConfigError(
                        f"privacy: {kind} IDs {owner[p]!r} and {v!r} share the pseudonym "
                        f"{p!r} at privacy.pseudonym_length = {self.pseudonym_length}; raise "
                        "privacy.pseudonym_length"
                    )
                owner[p] = v
            out.append(p)
        return out

    def _id_kinds(self, df: pd.DataFrame) -> dict[str, str]:
        kinds = {c: k for c, k in ID_KINDS.items() if c in df.columns}
        return kinds | {c: c for c in self.id_columns if c in df.columns}

    def _keys(self, keys: pd.Series, tables: pd.Series | None) -> list[str | None]:
        """Row keys part by part: a known table's parts by their kinds; a key of another table
        as its patient and the rest (one ``K-`` pseudonym); criteria and file lines kept."""
        pairs = pd.DataFrame({"key": keys, "table": "" if tables is None else tables.astype(str)})
        distinct = pairs.drop_duplicates().dropna(subset=["key"])
        parts: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for key, table in distinct.itertuples(index=False, name=None):
            key = str(key)
            if table in UNKEYED_TABLES or _FILE_LINE.match(key):
                parts[(key, table)] = [("", key)]
                continue
            split = key.split(_SEP)
            kinds = KEY_PARTS.get(table, ())
            if len(split) != len(kinds):  # unknown layout: patient, then the rest as one
                split = split[:1] + ([_SEP.join(split[1:])] if len(split) > 1 else [])
                kinds = ("patient", "key")[: len(split)]
            parts[(key, table)] = list(zip(kinds, split, strict=True))
        wanted: dict[str, set[str]] = {}
        for pieces in parts.values():
            for kind, v in pieces:
                if kind:
                    wanted.setdefault(kind, set()).add(v)
        made = {
            kind: dict(zip(sorted(vs), self.pseudonyms(kind, sorted(vs)), strict=True))
            for kind, vs in wanted.items()
        }
        joined = {
            k: _SEP.join(made[kind][v] if kind else v for kind, v in pieces)
            for k, pieces in parts.items()
        }
        return [
            None if _missing(k) else joined[(str(k), t)]
            for k, t in zip(pairs["key"], pairs["table"], strict=True)
        ]

    def _shift_dates(
        self, name: str, df: pd.DataFrame, patients: pd.Series | None
    ) -> pd.DataFrame:
        cols = [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c])]
        if not cols:
            return df
        if patients is None:
            raise ConfigError(
                f"privacy: table {name!r} has date column(s) {cols} but no patient column "
                f"({', '.join(PATIENT_COLUMNS)}) to shift them by"
            )
        offsets = [np.nan if d is None else d for d in self._row_offsets(patients)]
        days = pd.to_timedelta(pd.Series(offsets, dtype=float, index=df.index), unit="D")
        for c in cols:
            orphan = df[c].notna() & days.isna()
            if orphan.any():
                raise ConfigError(
                    f"privacy: table {name!r}, column {c!r}: {int(orphan.sum())} date(s) in "
                    "rows without a patient to shift them by"
                )
            df[c] = df[c] + days.fillna(pd.Timedelta(0)).to_numpy()
        return df

    def _row_offsets(self, patients: pd.Series) -> list[int | None]:
        distinct = pd.unique(patients.dropna().astype(str))
        by_id = dict(zip(distinct, self.offsets(distinct), strict=True))
        return [None if _missing(p) else by_id[str(p)] for p in patients]

    def _scrub_text(self, df: pd.DataFrame, patients: pd.Series | None) -> pd.DataFrame:
        """Free text: the value of a failure row by its column (an ID or a date), then dates
        shifted by the row's patient (withheld without one) and patient IDs pseudonymised."""
        structural = set(self._id_kinds(df)) | set(KEY_COLUMNS)
        text_cols = [
            c
            for c in df.columns
            if c not in structural
            and (pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c]))
        ]
        if not text_cols:
            return df
        shifts = None
        if self.date_shift != "none":
            shifts = [None] * len(df) if patients is None else self._row_offsets(patients)
        if {"column", "value"} <= set(df.columns):
            df["value"] = self._failure_values(df, shifts)
            text_cols.remove("value")
        ids = self._patient_ids(df)
        for c in text_cols:
            df[c] = _scrub(df[c], shifts, ids)
        return df

    def _failure_values(self, df: pd.DataFrame, shifts: list[int | None] | None) -> list[object]:
        """The ``value`` of a validation failure is pseudonymised when its ``column`` holds IDs;
        when it holds dates it is shifted (withheld when it is not an ISO date)."""
        id_kinds = ID_KINDS | {c: c for c in self.id_columns}
        ids = self._patient_ids(df)
        out: list[object] = []
        for i, (col, value) in enumerate(zip(df["column"], df["value"], strict=True)):
            if _missing(value):
                out.append(value)
            elif self.pseudonymise and col in id_kinds:
                out.append(self.pseudonyms(id_kinds[str(col)], [value])[0])
            elif shifts is not None and _is_date_column(str(col)):
                day = str(value)[:10]
                iso = _ISO_DATE.fullmatch(day) is not None
                out.append(_shift_iso(day, shifts[i]) if iso else WITHHELD)
            else:
                row = None if shifts is None else [shifts[i]]
                out.append(_scrub(pd.Series([value], dtype=object), row, ids).iat[0])
        return out

    def _patient_ids(self, df: pd.DataFrame) -> Mapping[str, str]:
        """Real patient IDs to replace in free text: the cohort's (:meth:`for_cohort`) and
        this table's."""
        if not self.pseudonymise:
            return {}
        found = dict(self.known.get("patient", {}))
        own = _row_patients(df)
        if own is not None:
            distinct = [v for v in pd.unique(own.dropna().astype(str)) if v not in found]
            found |= dict(zip(distinct, self.pseudonyms("patient", distinct), strict=True))
        return found


def run_privacy(section: PrivacyConfig, *, base_dir: Path, run_folder: Path) -> Privacy | None:
    """The privacy of a run (None when off), its key read and its paths checked
    (:func:`check_paths`) before the run reads data or writes anything."""
    privacy = Privacy.from_config(section, base_dir=base_dir)
    if privacy is not None:
        check_paths(section, base_dir=base_dir, run_folder=run_folder)
    return privacy


def read_key(
    section: PrivacyConfig, *, base_dir: Path, environ: Mapping[str, str] | None = None
) -> str:
    """The secret key of ``[privacy]``: ``key_file`` (relative to ``base_dir``) or the
    ``NETSURV_PSEUDONYM_KEY`` variable; an error naming what to do when there is none or two
    differ.  The key itself is never put in a message."""
    env = (os.environ if environ is None else environ).get(KEY_ENV, "").strip()
    from_file = None
    if section.key_file is not None:
        path = section.key_file if section.key_file.is_absolute() else base_dir / section.key_file
        try:
            from_file = path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise ConfigError(f"privacy.key_file: {path} does not exist; " + KEY_HOWTO) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"privacy.key_file: cannot read {path} ({exc})") from None
        if not from_file:
            raise ConfigError(f"privacy.key_file: {path} is empty; " + KEY_HOWTO)
    if from_file and env and from_file != env:
        raise ConfigError(
            f"privacy: {KEY_ENV} and privacy.key_file hold different keys; unset one"
        )
    key = from_file or env
    if not key:
        raise ConfigError("privacy.pseudonymise and privacy.date_shift need a secret key: " + KEY_HOWTO)
    return key


def check_paths(section: PrivacyConfig, *, base_dir: Path, run_folder: Path) -> None:
    """Refuse a key file or mapping file inside the run folder (they would travel with the
    outputs), and a mapping file that would overwrite a file that is not a mapping."""
    for key in ("key_file", "mapping_file"):
        value = getattr(section, key)
        if value is None:
            continue
        path = (value if value.is_absolute() else base_dir / value).resolve()
        if path.is_relative_to(run_folder.resolve()):
            raise ConfigError(
                f"privacy.{key}: {path} is inside the run folder {run_folder}; put it outside, "
                "so that it does not travel with the outputs"
            )
        if key == "mapping_file" and path.exists() and not _is_mapping(path):
            raise ConfigError(
                f"privacy.mapping_file: {path} exists and is not a netsurv mapping; "
                "choose another path"
            )


def write_mapping(mapping: pd.DataFrame, path: Path) -> Path:
    """Write the real -> pseudonym mapping (CSV) to ``path`` (checked by :func:`check_paths`),
    through a new temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        mapping.to_csv(f, index=False, lineterminator="\n")
    os.replace(tmp, path)
    return path


def is_patient_level(df: pd.DataFrame) -> bool:
    """Whether a table has a row per patient, line, scan or lesion (an ID or row-key column).

    Examples
    --------
    >>> is_patient_level(pd.DataFrame(columns=["patient_id", "bor"]))
    True
    """
    return _is_patient_level(df, ())


def _is_patient_level(df: pd.DataFrame, extra: Iterable[str]) -> bool:
    return bool(set(df.columns) & (set(ID_KINDS) | set(KEY_COLUMNS) | set(extra)))


def _row_patients(df: pd.DataFrame) -> pd.Series | None:
    """The real patient of each row: a patient column, else the first part of a row key."""
    for col in PATIENT_COLUMNS:
        if col in df.columns:
            return df[col]
    for col, table_col in KEY_COLUMNS.items():
        if col in df.columns:
            keys = df[col].astype("string")
            tables = df[table_col] if table_col in df.columns else pd.Series("", index=df.index)
            file_line = keys.str.match(_FILE_LINE.pattern).fillna(False).to_numpy(dtype=bool)
            named = ~tables.isin(list(UNKEYED_TABLES)).to_numpy(dtype=bool) & ~file_line
            return keys.str.split(_SEP).str[0].astype(object).where(named, None)
    return None


def _by_pseudonym(df: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by the pseudonymised patient (stable), so that their order does not give
    away the order of the real IDs."""
    for col in (*PATIENT_COLUMNS, *KEY_COLUMNS):
        if col in df.columns:
            return df.sort_values(col, kind="stable", na_position="first", ignore_index=True)
    return df


def _scrub(s: pd.Series, shifts: list[int | None] | None, ids: Mapping[str, str]) -> pd.Series:
    """Dates in text shifted by the row's offset (withheld without one); patient ID tokens
    replaced by their pseudonyms."""
    out = s.astype(object).copy()
    text = out.map(lambda v: isinstance(v, str))
    if shifts is not None:
        dated = text & out.map(lambda v: isinstance(v, str) and _ISO_DATE.search(v) is not None)
        for i in np.flatnonzero(dated.to_numpy()):
            days = shifts[i]
            out.iat[i] = _ISO_DATE.sub(
                lambda m, d=days: WITHHELD if d is None else _shift_iso(m[1], d), out.iat[i]
            )
    if ids:

        def swap(m: re.Match[str]) -> str:
            tok = m[0]
            bare = tok.rstrip(".")
            return ids[bare] + tok[len(bare) :] if bare in ids else tok

        distinct = {v: _TOKEN.sub(swap, v) for v in pd.unique(out[text])}
        out[text] = out[text].map(distinct)
    return out


def _shift_iso(day: str, offset: int | None) -> str:
    try:
        real = dt.date.fromisoformat(day)
    except ValueError:
        return WITHHELD
    return WITHHELD if offset is None else (real + dt.timedelta(days=offset)).isoformat()


def _is_date_column(col: str) -> bool:
    return col == "date" or col.endswith(("_date", "DTC", "DT"))


def _is_mapping(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8") as f:
            return f.readline().startswith("kind,real,pseudonym")
    except (OSError, UnicodeDecodeError):
        return False


def _missing(v: object) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
