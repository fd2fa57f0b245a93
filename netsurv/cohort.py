"""The validated cohort: the input tables, the scan-to-line links and the attrition."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from netsurv._display import Displayable, Table, View, signif, top_counts
from netsurv.schema.coerce import coerce_table
from netsurv.schema.inputs import ANATOMICAL_MODALITIES, INPUT_MODELS
from netsurv.schema.key_rows import run_starts
from netsurv.schema.problems import Problems
from netsurv.validation import ValidationOptions
from netsurv.validation.assemble import ATTRITION_COLUMNS as ATTRITION_COLUMNS
from netsurv.validation.assemble import validate_tables


@dataclass(frozen=True, repr=False)
class Cohort(Displayable):
    """A validated NET cohort.

    Build one with :meth:`Cohort.from_frames`, :func:`netsurv.read_cohort`,
    :func:`netsurv.load_demo` or :func:`netsurv.simulate_cohort`; do not call the constructor
    directly.

    Attributes
    ----------
    patients, lines, assessments, lesions : pandas.DataFrame
        The input tables with the schema's types; every declared column is present (optional
        columns the source lacked are empty).  Extra patient columns pass through as
        covariates.
    assessment_lines : pandas.DataFrame
        One row per (patient, line, assessment): ``role`` is ``"baseline"`` or
        ``"follow_up"``.  A scan can be the last follow-up of one line and the baseline of the
        next.
    attrition : pandas.DataFrame
        Every row set aside, with ``table``, ``row_key``, ``stage`` and ``reason``.
    warnings : pandas.DataFrame
        Problems below the error threshold, in the format of
        :attr:`netsurv.ValidationError.failures`.
    markers : pandas.DataFrame
        Circulating tumour marker measurements (optional input: empty, with every declared
        column, when the source has none); units in their canonical spelling.
    truth : pandas.DataFrame or None
        Latent ground truth of a simulated cohort (one row per patient × treatment line;
        columns in :mod:`netsurv.simulate`); None for real data.
    options : ValidationOptions
        The options the cohort was validated with.
    tumour_burden : pandas.DataFrame
        Scan-level sums (or % changes from baseline) of patients without lesion rows
        (optional input; empty when not given); see :mod:`netsurv.response.burden`.

    Examples
    --------
    >>> import netsurv as ns
    >>> cohort = ns.load_demo()
    >>> cohort.n_patients > 0
    True
    >>> cohort
    <Cohort: 200 patients, 558 lines, 5665 assessments, 33839 lesion measurements, 0 rows set aside, simulated>
    deaths= 111; median follow-up from first line= 73.3 months
    regimen class: SSA 146, PRRT 139, mTOR 100, chemo 99, TKI 74
    modality: CT 3364, SST-PET 1659, MRI 414, FDG-PET 228
    grade: G2 116, G1 69, G3 15
    primary site: small_intestine 92, pancreas 71, lung 13, unknown 10, ... (4 more)
    """

    patients: pd.DataFrame
    lines: pd.DataFrame
    assessments: pd.DataFrame
    lesions: pd.DataFrame
    assessment_lines: pd.DataFrame
    attrition: pd.DataFrame
    warnings: pd.DataFrame
    options: ValidationOptions = field(default_factory=ValidationOptions)
    truth: pd.DataFrame | None = None
    markers: pd.DataFrame = field(default_factory=lambda: empty_table("markers"))
    tumour_burden: pd.DataFrame = field(default_factory=lambda: empty_table("tumour_burden"))

    @classmethod
    def from_frames(
        cls,
        patients: pd.DataFrame,
        lines: pd.DataFrame,
        assessments: pd.DataFrame,
        lesions: pd.DataFrame | None = None,
        *,
        markers: pd.DataFrame | None = None,
        tumour_burden: pd.DataFrame | None = None,
        truth: pd.DataFrame | None = None,
        options: ValidationOptions | None = None,
    ) -> Cohort:
        """Validate the input tables and build a cohort.

        Parameters
        ----------
        patients, lines, assessments, lesions
            The input tables (see ``data_dictionary/``).  Values may be text (as read from
            CSV) or already typed.  ``lesions`` may be None when every measured patient is in
            ``tumour_burden``.
        markers
            Optional circulating tumour marker measurements (``patient_id``, ``marker``,
            ``date``, ``value``, ``unit``, ``uln``).
        tumour_burden
            Optional scan-level sums or % changes from baseline, one row per scan, for
            patients without lesion rows (see :mod:`netsurv.response.burden` for which
            criterion rules work on sums).
        truth
            Optional latent truth of a simulated cohort, kept as given.
        options
            Validation settings (baseline window, rule severities).

        Returns
        -------
        Cohort

        Raises
        ------
        netsurv.ValidationError
            If any rule of severity ``"error"`` is broken; ``.failures`` lists every problem.

        Examples
        --------
        >>> import pandas as pd
        >>> import netsurv as ns
        >>> p = pd.DataFrame({"patient_id": ["P1"], "last_alive_date": ["2021-06-01"]})
        >>> ln = pd.DataFrame({"patient_id": ["P1"], "line_id": ["L1"],
        ...                    "regimen": ["octreotide LAR"], "start_date": ["2020-01-15"]})
        >>> a = pd.DataFrame({"patient_id": ["P1", "P1"], "assessment_id": ["A1", "A2"],
        ...                   "date": ["2020-01-02", "2020-04-10"], "modality": ["CT", "CT"]})
        >>> les = pd.DataFrame({"patient_id": ["P1", "P1"], "assessment_id": ["A1", "A2"],
        ...                     "lesion_id": ["T1", "T1"], "site": ["liver", "liver"],
        ...                     "role": ["target", "target"], "long_axis_mm": [32.0, 30.5]})
        >>> cohort = ns.Cohort.from_frames(p, ln, a, les)
        >>> cohort.assessment_lines["role"].tolist()
        ['baseline', 'follow_up']
        """
        raw = {
            "patients": patients,
            "lines": lines,
            "assessments": assessments,
            "lesions": empty_table("lesions") if lesions is None else lesions,
        }
        if markers is not None:
            raw["markers"] = markers
        if tumour_burden is not None:
            raw["tumour_burden"] = tumour_burden
        return _build(raw, truth=truth, options=options or ValidationOptions())

    # ------------------------------------------------------------------ views
    @property
    def n_patients(self) -> int:
        """Number of patients."""
        return len(self.patients)

    def subset(self, patient_ids: Iterable[str]) -> Cohort:
        """The cohort restricted to some patients (for reruns on subgroups).

        Parameters
        ----------
        patient_ids
            Identifiers to keep; unknown identifiers raise ``KeyError``.

        Returns
        -------
        Cohort
            A new cohort; the attrition keeps only the kept patients' rows.

        Examples
        --------
        >>> import netsurv as ns
        >>> demo = ns.load_demo()
        >>> demo.subset(demo.patients["patient_id"][:2]).n_patients
        2
        """
        ids = pd.Index(pd.unique(np.asarray(list(patient_ids), dtype=object)))
        unknown = ids.difference(pd.Index(self.patients["patient_id"]))
        if len(unknown):
            raise KeyError(f"unknown patient_id(s): {list(unknown[:10])}")

        def keep(df: pd.DataFrame) -> pd.DataFrame:
            return df[df["patient_id"].isin(ids)].reset_index(drop=True)

        att = self.attrition
        att_pid = att["row_key"].astype(str).str.split(" / ").str[0]
        truth = None if self.truth is None else keep(self.truth)
        warn = self.warnings
        warn_pid = warn["row_key"].astype(str).str.split(" / ").str[0]
        return Cohort(
            patients=keep(self.patients),
            lines=keep(self.lines),
            assessments=keep(self.assessments),
            lesions=keep(self.lesions),
            markers=keep(self.markers),
            tumour_burden=keep(self.tumour_burden),
            assessment_lines=keep(self.assessment_lines),
            attrition=att[att_pid.isin(ids)].reset_index(drop=True),
            warnings=warn[warn_pid.isin(ids)].reset_index(drop=True),
            options=self.options,
            truth=truth,
        )

    def summary(self) -> pd.DataFrame:
        """Counts that describe the cohort, as a two-column table (``item``, ``value``).

        Examples
        --------
        >>> import netsurv as ns
        >>> ns.load_demo().summary().set_index("item").loc["patients", "value"] > 0
        True
        """
        p, ln, a, les = self.patients, self.lines, self.assessments, self.lesions
        dead = p["death_date"].notna()
        last = p["death_date"].fillna(p["last_alive_date"])
        first_start = p["patient_id"].map(ln.groupby("patient_id")["start_date"].min())
        fu_months = (last - first_start).dt.days / 30.4375
        rows: list[tuple[str, object]] = [
            ("patients", len(p)),
            ("deaths", int(dead.sum())),
            ("median follow-up from first line, months (all patients)", _round(fu_months.median())),
            ("treatment lines", len(ln)),
            ("lines per patient, median", _round(ln.groupby("patient_id").size().median())),
            ("assessments", len(a)),
            (
                "assessments per line, median",
                _round(_group_sizes(self.assessment_lines, ["patient_id", "line_id"]).median()),
            ),
            ("lesion measurements", len(les)),
            ("marker measurements", len(self.markers)),
            ("baseline target lesions per line, median", _round(self._targets_per_line())),
            ("rows set aside (attrition)", len(self.attrition)),
            ("warnings", len(self.warnings)),
        ]
        for name, counts in (
            ("regimen class", ln["regimen_class"].value_counts()),
            ("modality", a["modality"].value_counts()),
            ("primary site", p["primary_site"].value_counts()),
            ("grade", p["grade"].value_counts()),
        ):
            for level, n in counts.sort_index().items():
                rows.append((f"{name}: {level}", int(n)))
        return pd.DataFrame(rows, columns=["item", "value"], dtype=object)

    def _targets_per_line(self) -> float:
        base = self.assessment_lines[
            (self.assessment_lines["role"] == "baseline")
            & self.assessment_lines["modality"].isin(ANATOMICAL_MODALITIES)
        ]
        les = self.lesions
        target = (les["role"] == "target").to_numpy(dtype=bool)
        key = ["patient_id", "assessment_id"]
        # the runs of target rows of one scan (a scan's targets side by side), each with its
        # number of rows: what a merge of every target row would count, from fewer rows
        ids = [les[k].to_numpy() for k in key]
        runs = run_starts([*ids, target])
        if runs is None:
            starts, rows = np.arange(len(les)), np.ones(len(les), dtype=np.int64)
        else:
            starts = runs[1]
            rows = np.diff(np.append(starts, len(les)))
        kept = starts[target[starts]]
        keys = pd.DataFrame({k: v[kept] for k, v in zip(key, ids, strict=True)})
        keys["_rows"] = rows[target[starts]]
        tl = keys.merge(base[[*key, "line_id"]], on=key)
        if tl.empty:
            return float("nan")
        return float(tl.groupby(["patient_id", "line_id"])["_rows"].sum().median())

    def _view(self) -> View:
        sim = ", simulated" if self.truth is not None else ""
        head = (
            f"{len(self.patients)} patients, {len(self.lines)} lines, "
            f"{len(self.assessments)} assessments, {len(self.lesions)} lesion measurements, "
            f"{len(self.attrition)} rows set aside{sim}"
        )
        summary = self.summary()  # once: the view's lines and its notebook table
        s = summary.set_index("item")["value"]
        fu = s["median follow-up from first line, months (all patients)"]
        counted = [
            ("regimen class", self.lines, "regimen_class", 6),
            ("modality", self.assessments, "modality", 6),
            ("grade", self.patients, "grade", 6),
            ("primary site", self.patients, "primary_site", 4),
        ]
        lines = [
            f"deaths= {s['deaths']}; median follow-up from first line= {signif(fu, 3)} months",
            *(
                f"{label}: {top_counts(frame[col], limit=limit)}"
                for label, frame, col, limit in counted
                if col in frame and frame[col].notna().any()
            ),
        ]
        if len(self.warnings):
            lines.append(f"{len(self.warnings)} warnings (see .warnings)")
        return View("Cohort", head, lines, html_blocks=[Table(summary, index=False, max_rows=60)])


def _group_sizes(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    """``df.groupby(keys).size()`` (in another order), from the runs of rows with the same
    keys (a line's links side by side): the runs' first rows are grouped, each counting its
    rows, not every row hashed.

    Examples
    --------
    >>> df = pd.DataFrame({"p": ["P1"] * 600 + ["P2"] * 600 + ["P1"] * 600, "l": "L1"})
    >>> _group_sizes(df, ["p", "l"]).sort_index().tolist()
    [1200, 600]
    """
    runs = run_starts([df[k].to_numpy() for k in keys])
    if runs is None:
        return df.groupby(keys).size()
    starts = runs[1]
    firsts = pd.DataFrame({k: df[k].to_numpy()[starts] for k in keys})
    firsts["_rows"] = np.diff(np.append(starts, len(df)))
    return firsts.groupby(keys)["_rows"].sum()


def _round(x: float) -> float:
    return float(np.round(x, 1)) if pd.notna(x) else float("nan")


def _build(
    raw: dict[str, pd.DataFrame],
    *,
    truth: pd.DataFrame | None,
    options: ValidationOptions,
    problems: Problems | None = None,
) -> Cohort:
    v = validate_tables(raw, options, problems if problems is not None else Problems())
    clean = {t: v.tables[t] if t in v.tables else empty_table(t) for t in INPUT_MODELS}
    return Cohort(
        patients=clean["patients"],
        lines=clean["lines"],
        assessments=clean["assessments"],
        lesions=clean["lesions"],
        markers=clean["markers"],
        tumour_burden=clean["tumour_burden"],
        assessment_lines=v.links,
        attrition=v.attrition,
        warnings=v.warnings,
        options=options,
        truth=None if truth is None else truth.reset_index(drop=True),
    )


def empty_table(table: str) -> pd.DataFrame:
    """An input table without rows, with every declared column typed (an optional table the
    source does not have).

    Examples
    --------
    >>> empty_table("markers").columns.tolist()
    ['patient_id', 'marker', 'date', 'value', 'unit', 'uln']
    """
    model = INPUT_MODELS[table]
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in model.to_schema().columns})
    return coerce_table(frame, model, table, Problems()).drop(columns="_line")
