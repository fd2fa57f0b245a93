"""The rules on lesion measurements: units (cm for mm, implausible sizes), the short axis of
lymph nodes, and RECIST 1.1 measurability and target counts on each line's baseline scans."""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.lesion_parents import check_parent_lesions
from netsurv.schema.inputs import ANATOMICAL_MODALITIES
from netsurv.schema.key_rows import factorize_runs, key_positions, scan_modality
from netsurv.schema.problems import Problems
from netsurv.validation_biomarkers import check_biomarkers


def check_lesions(
    les: pd.DataFrame,
    ass: pd.DataFrame | None,
    problems: Problems,
    *,
    scan: np.ndarray | None = None,
) -> None:
    """The rules on the lesions table: diameters entered in cm and implausible sizes, parent
    lesions (split and coalesced), lymph nodes without their short axis (needs ``ass``, the
    typed assessments, for the scan's modality), and the NET biomarker rules
    (:mod:`netsurv.validation_biomarkers`).  ``scan``, when the caller has it, is each
    lesion row's position in ``ass`` (:func:`netsurv.schema.key_rows.key_positions`).

    Examples
    --------
    >>> import pandas as pd
    >>> from netsurv.schema.coerce import coerce_table
    >>> from netsurv.schema.inputs import Lesions
    >>> p = Problems()
    >>> raw = pd.DataFrame({"patient_id": ["P1", "P1"], "assessment_id": ["A1", "A1"],
    ...                     "lesion_id": ["T1", "T2"], "site": ["liver"] * 2,
    ...                     "role": ["target"] * 2, "long_axis_mm": ["1.2", "2.5"]})
    >>> check_lesions(coerce_table(raw, Lesions, "lesions", p), None, p)
    >>> [(r["rule"], r["row_key"]) for r in p.rows]
    [('unit_looks_like_cm', 'P1 / A1 / T1')]
    """
    _check_units(les, problems)
    check_parent_lesions(les, problems)
    modality = None
    if ass is not None:
        modality = scan_modality(les, ass, scan)
        _check_nodes(les, modality, problems)
    check_biomarkers(les, ass, problems, modality=modality, scan=scan)


def _check_units(les: pd.DataFrame, problems: Problems) -> None:
    diam = les["long_axis_mm"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        measured = diam > 0  # (a missing diameter is not)
        decimals = measured & (diam != np.round(diam))
        large = measured & (diam >= 10)
    if decimals.any():
        # one count per patient of the measured, large and decimal diameters, by integer
        # codes (a patient's rows are side by side: the runs' first identifiers are hashed,
        # not every row's); rows without a patient_id (code -1) are not counted
        codes, patients = factorize_runs(les["patient_id"])
        slot = np.where(codes >= 0, codes, len(patients))  # the last: no patient_id

        def count(rows: np.ndarray) -> np.ndarray:
            return np.bincount(slot[rows], minlength=len(patients) + 1)[:-1]

        # at least two measured diameters, all below 10, one with decimals
        flagged = (count(measured) >= 2) & (count(large) == 0) & (count(decimals) > 0)
        suspects = patients[flagged]
        if len(suspects):
            first = les["patient_id"].isin(suspects) & ~les["patient_id"].duplicated()
            problems.add_rows(
                les,
                first,
                table="lesions",
                column="long_axis_mm",
                rule="unit_looks_like_cm",
                value_column="long_axis_mm",
                message="every diameter of this patient is below 10 with decimals: "
                "were they entered in cm? netsurv expects mm",
            )
    with np.errstate(invalid="ignore"):  # (missing: not above)
        big = (diam > 300) | (les["short_axis_mm"].to_numpy(np.float64, na_value=np.nan) > 300)
        vol = les["volume_ml"].to_numpy(np.float64, na_value=np.nan) > 5000
    problems.add_rows(
        les,
        big,
        table="lesions",
        column="long_axis_mm",
        rule="implausible_size",
        value_column="long_axis_mm",
        message="a diameter above 300 mm is implausible: check the unit",
    )
    problems.add_rows(
        les,
        vol,
        table="lesions",
        column="volume_ml",
        rule="implausible_size",
        value_column="volume_ml",
        message="a lesion volume above 5000 mL is implausible: check the unit",
    )


def _check_nodes(les: pd.DataFrame, modality: pd.Series, problems: Problems) -> None:
    measured = les["long_axis_mm"].notna() & les["measurement_flag"].isna()
    missing = (
        (les["site"] == "lymph_node")
        & les["role"].isin(["target", "non_target"])
        & modality.isin(ANATOMICAL_MODALITIES).to_numpy()
        & measured
        & les["short_axis_mm"].isna()
    )
    problems.add_rows(
        les,
        missing,
        table="lesions",
        column="short_axis_mm",
        rule="node_short_axis",
        message="lymph node measured without its short axis (RECIST uses the short axis of nodes)",
    )


def check_baseline_targets(
    lesions: pd.DataFrame,
    baseline: pd.DataFrame,
    problems: Problems,
    *,
    scans: tuple[np.ndarray, pd.DataFrame] | None = None,
    rows: np.ndarray | None = None,
) -> None:
    """RECIST 1.1 measurability and target-count rules on each line's baseline scans.

    Parameters
    ----------
    lesions
        The typed lesions table.
    baseline
        Rows of the assessment-line link table whose role is ``"baseline"`` and whose
        modality is CT or MRI (columns ``patient_id``, ``assessment_id``, ``line_id``).
    problems
        Where problems are recorded.
    scans
        Each lesion row's position in the typed assessments table (-1: not there) and that
        table, when the caller has them (:func:`netsurv.validation.check_cross_table`):
        then the baseline scans are found among the assessments, not looked up for each of
        millions of lesion rows.
    rows
        With ``scans``, when known: the row of each of ``baseline``'s scans in the
        assessments table, whose keys are distinct (:func:`netsurv.lines.link_with_rows`).
    """
    key = ["patient_id", "assessment_id"]
    tl_scan = None
    if scans is None:
        tl = lesions.merge(baseline[key].drop_duplicates(), on=key)
        tl = tl[tl["role"] == "target"]
    else:  # the same rows, in the same (lesion) order, as the merge
        scan, ass = scans
        is_base = np.zeros(len(ass) + 1, dtype=bool)  # the last: a scan not in ass
        at = key_positions(baseline[key], ass, key) if rows is None else rows
        is_base[at[at >= 0]] = True
        in_base = is_base[scan] & (lesions["role"] == "target").to_numpy(dtype=bool)
        tl = lesions[in_base]
        tl.index = pd.RangeIndex(len(tl))  # (not reset_index: that copies every column)
        tl_scan = scan[in_base]  # each row's scan, as an integer: the groups of its keys
    if tl.empty:
        return
    node = tl["site"] == "lymph_node"
    too_small = (~node & (tl["long_axis_mm"] < 10)) | (node & (tl["short_axis_mm"] < 15))
    column = np.where(node, "short_axis_mm", "long_axis_mm")
    for col in ("long_axis_mm", "short_axis_mm"):
        sel = too_small & (column == col)
        limit = "15 mm short axis (lymph node)" if col == "short_axis_mm" else "10 mm long axis"
        problems.add_rows(
            tl,
            sel,
            table="lesions",
            column=col,
            rule="baseline_target_size",
            value_column=col,
            message=f"baseline target lesion below the RECIST minimum of {limit}",
        )
    if tl_scan is None:
        per_scan = tl.groupby(key)["lesion_id"].transform("size").to_numpy()
        first = ~tl.duplicated(key).to_numpy()
    else:
        per_scan, first = _group_counts(tl_scan)
    too_many = (per_scan > 5) & first
    problems.add_rows(
        tl.assign(n_targets=per_scan) if too_many.any() else tl,
        too_many,
        table="lesions",
        column="role",
        rule="too_many_targets",
        value_column="n_targets",
        message="more than 5 target lesions on the baseline scan",
    )
    organ = tl["site"]
    if tl_scan is None:
        by_organ = tl.groupby([*key, organ], observed=True)
        per_organ = by_organ["lesion_id"].transform("size").to_numpy()
        first_organ = ~tl.assign(_o=organ).duplicated([*key, "_o"]).to_numpy()
    else:  # groups of (scan, organ); a row without a site is in none
        site = pd.factorize(organ)[0]  # -1: missing
        per_organ, first_organ = _group_counts(tl_scan * (site.max() + 2) + site + 1)
        per_organ[site < 0] = 0
    with np.errstate(invalid="ignore"):  # (NaN: a row in no group)
        too_many = (per_organ > 2) & first_organ
    problems.add_rows(
        tl,
        too_many,
        table="lesions",
        column="site",
        rule="too_many_targets_per_organ",
        value_column="site",
        message="more than 2 target lesions in one organ on the baseline scan "
        "(all lymph nodes count as one organ)",
    )


def _group_counts(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For integer group ids, each row's number of rows in its group and whether it is the
    group's first row: ``groupby(...).transform("size")`` and ``~duplicated()``.

    Examples
    --------
    >>> sizes, first = _group_counts(np.array([7, 3, 7, 7]))
    >>> sizes.tolist(), first.tolist()
    ([3, 1, 3, 3], [True, True, False, False])
    """
    _, at, inverse, counts = np.unique(
        groups, return_index=True, return_inverse=True, return_counts=True
    )
    first = np.zeros(len(groups), dtype=bool)
    first[at] = True
    return counts[inverse.ravel()], first
