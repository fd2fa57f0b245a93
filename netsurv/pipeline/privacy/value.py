"""The :class:`Privacy` value: a run's privacy settings and its key, applied to each table and
figure where the run writes it (see :mod:`netsurv.pipeline.privacy` for what each option
does)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.pipeline.privacy import small_cells
from netsurv.pipeline.privacy.columns import (
    ID_KINDS,
    KEY_COLUMNS,
    PREFIXES,
    SEP,
    by_pseudonym,
    is_patient_level,
    key_layouts,
    missing,
    row_patients,
    scrub_table,
    shift_dates,
)
from netsurv.pipeline.privacy.files import KEY_HOWTO, MIN_KEY_CHARS, NO_KEY, check_paths, read_key

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from netsurv.cohort import Cohort
    from netsurv.config import Config
    from netsurv.config.privacy import PrivacyConfig

#: Summary tables and their small-cell rule; any other table without IDs gets
#: :func:`~netsurv.pipeline.privacy.small_cells.suppress_counts`.
SUPPRESSORS = {
    "table1": small_cells.suppress_table_one,
    "bor_summary": small_cells.suppress_bor_summary,
    "km_at_risk": small_cells.suppress_at_risk,
    "response_rate_comparison": small_cells.suppress_paired_rates,
}


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
                raise ConfigError(NO_KEY)
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
        return self._pseudonym_series(kind, pd.Series(list(values), dtype=object)).tolist()

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
            if missing(v):
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
        patients = row_patients(out)
        if self.date_shift != "none":
            days = None if patients is None else self._row_offsets(patients)
            out = shift_dates(out, days, table=name)
        if self.needs_key:
            out = self._scrub_text(out, patients)
        if self.pseudonymise:
            for col, kind in self._id_kinds(out).items():
                out[col] = self._pseudonym_series(kind, out[col])
            for col, table_col in KEY_COLUMNS.items():
                if col in out.columns:
                    tables = out[table_col] if table_col in out.columns else None
                    out[col] = self._keys(out[col], tables)
            out = by_pseudonym(out)
        if self.min_cell > 1 and not is_patient_level(out, self.id_columns):
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
            patients=self.table("patients", cohort.patients),
            lines=self.table("lines", cohort.lines),
            assessments=self.table("assessments", cohort.assessments),
            lesions=self.table("lesions", cohort.lesions),
            tumour_burden=self.table("tumour_burden", cohort.tumour_burden),
            assessment_lines=self.table("assessment_lines", cohort.assessment_lines),
            attrition=self.table("attrition", cohort.attrition),
            warnings=self.table("validation_warnings", cohort.warnings),
            truth=None,
        )

    def figure(self, fig: Figure) -> None:
        """Suppress the small counts a figure draws, in place (Kaplan–Meier at-risk numbers
        and legend ``n``; :func:`~netsurv.pipeline.privacy.small_cells.suppress_figure`)."""
        if self.min_cell > 1:
            small_cells.suppress_figure(fig, self.min_cell)

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

    def _pseudonym_series(self, kind: str, values: pd.Series) -> pd.Series:
        """Pseudonyms of a column (each distinct value hashed once; missing stays None)."""
        text = values.astype(object).map(str, na_action="ignore")
        distinct = list(pd.unique(text.dropna()))
        made = dict(zip(distinct, self._pseudonyms(kind, distinct, self.known), strict=True))
        out = text.map(made, na_action="ignore").astype(object)
        return out.where(text.notna().to_numpy(), None)  # type: ignore[call-overload]

    def _keys(self, keys: pd.Series, tables: pd.Series | None) -> pd.Series:
        """Row keys pseudonymised part by part (:func:`~.columns.key_layouts`)."""
        table = pd.Series("", index=keys.index) if tables is None else tables.astype(str)
        out = keys.astype(object).copy()
        present = keys.notna().to_numpy()
        for name in pd.unique(table[present]):
            rows = present & (table == name).to_numpy()
            for sub, kinds, parts in key_layouts(keys[rows], str(name)):
                made = [self._pseudonym_series(k, parts[j]) for j, k in enumerate(kinds)]
                joined = made[0]
                for part in made[1:]:
                    joined = joined.where(part.isna(), joined + SEP + part)
                out.loc[keys.index[rows][sub]] = joined.to_numpy()
        return out

    def _row_offsets(self, patients: pd.Series) -> np.ndarray:
        """Each row's date offset in days (NaN for a row without a patient)."""
        text = patients.astype(object).map(str, na_action="ignore")
        distinct = list(pd.unique(text.dropna()))
        by_id = dict(zip(distinct, self.offsets(distinct), strict=True))
        return text.map(by_id).to_numpy(dtype=float)

    def _scrub_text(self, df: pd.DataFrame, patients: pd.Series | None) -> pd.DataFrame:
        """Free text (:func:`~.columns.scrub_table`): dates shifted by the row's patient,
        patient IDs pseudonymised, a validation failure's ``value`` by its column."""
        shifts = None
        if self.date_shift != "none":
            shifts = np.full(len(df), np.nan) if patients is None else self._row_offsets(patients)
        kinds = ID_KINDS | {c: c for c in self.id_columns}

        def pseudonym_of(column: str, value: object) -> str | None:
            if not self.pseudonymise or column not in kinds:
                return None
            return self.pseudonyms(kinds[column], [value])[0]

        return scrub_table(
            df,
            skip=set(self._id_kinds(df)) | set(KEY_COLUMNS),
            shifts=shifts,
            ids=self._patient_ids(df),
            pseudonym_of=pseudonym_of,
        )

    def _patient_ids(self, df: pd.DataFrame) -> Mapping[str, str]:
        """Real patient IDs to replace in free text: the cohort's (:meth:`for_cohort`) and
        this table's."""
        if not self.pseudonymise:
            return {}
        found = dict(self.known.get("patient", {}))
        own = row_patients(df)
        if own is not None:
            distinct = [v for v in pd.unique(own.dropna().astype(str)) if v not in found]
            found |= dict(zip(distinct, self.pseudonyms("patient", distinct), strict=True))
        return found


def run_privacy(config: Config, *, run_folder: Path) -> Privacy | None:
    """The privacy of a run of ``config`` (None when off): its key read and its key and
    mapping paths checked (:func:`~.files.check_paths`) before the run reads data or writes
    anything."""
    section = config.privacy
    privacy = Privacy.from_config(section, base_dir=config.base_dir)
    if privacy is not None:
        source = config.data.source
        data = None if source in ("demo", "simulate") else config.resolve(source)
        check_paths(section, base_dir=config.base_dir, run_folder=run_folder, data=data)
    return privacy
