"""Validation rules of the NET biomarker columns (issue 19): ADC range, liver volume against
the liver lesions it holds, and avidity flags recorded on the matching PET scan.

Called by :func:`netsurv.validation.check_cross_table`; the rules and their default
severities are in :data:`netsurv.validation.RULES`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.schema.inputs import ADC_PLAUSIBLE
from netsurv.schema.key_rows import adjacent_ties, scan_modality
from netsurv.schema.problems import Problems

#: Rules added by this module: name -> (default severity, what it checks).
BIOMARKER_RULES: dict[str, tuple[str, str]] = {
    "adc_out_of_range": (
        "error",
        f"lesions.adc lies in {ADC_PLAUSIBLE[0]:g}-{ADC_PLAUSIBLE[1]:g} x 10^-6 mm^2/s "
        "(a value like 1.2 is in 10^-3 mm^2/s: multiply by 1000).",
    ),
    "liver_volume_below_lesions": (
        "error",
        "assessments.liver_volume_ml is at least the sum of the scan's liver lesion volume_ml.",
    ),
    "avidity_modality": (
        "warning",
        "fdg_avid is recorded on FDG-PET scans and sst_avid / krenning_score on SST-PET or "
        "SPECT scans (elsewhere they are not read).",
    ),
}


def check_biomarkers(
    les: pd.DataFrame,
    ass: pd.DataFrame | None,
    problems: Problems,
    *,
    modality: pd.Series | None = None,
    scan: np.ndarray | None = None,
) -> None:
    """ADC range; liver volume >= the liver lesions' volumes; avidity on the right scans.
    ``modality``, when the caller has it, is the modality of each lesion row's scan
    (:func:`netsurv.schema.key_rows.scan_modality`); ``scan``, each lesion row's position
    in ``ass`` (:func:`netsurv.schema.key_rows.key_positions`).

    Examples
    --------
    >>> les = pd.DataFrame({"patient_id": ["P1"], "assessment_id": ["A1"],
    ...                     "lesion_id": ["L1"], "adc": [1.2]})
    >>> p = Problems()
    >>> check_biomarkers(les, None, p)
    >>> p.frame()[["table", "column", "row_key", "rule"]].to_dict("records")
    [{'table': 'lesions', 'column': 'adc', 'row_key': 'P1 / A1 / L1', 'rule': 'adc_out_of_range'}]
    """
    if "adc" in les:
        lo, hi = ADC_PLAUSIBLE
        adc = les["adc"]
        problems.add_rows(
            les,
            ((adc < lo) | (adc > hi)).fillna(False),
            table="lesions",
            column="adc",
            rule="adc_out_of_range",
            value_column="adc",
            message=f"ADC outside the plausible {lo:g}-{hi:g} x 10^-6 mm^2/s (a value like 1.2 "
            "is in 10^-3 mm^2/s: multiply by 1000)",
        )
    if ass is None:
        return
    if "liver_volume_ml" in ass and "volume_ml" in les:
        liver = les["site"].eq("liver") & les["volume_ml"].notna()
        lesion_sum = _liver_sums(les, ass, liver.to_numpy(dtype=bool), scan)
        small = (ass["liver_volume_ml"] < lesion_sum).fillna(False)
        problems.add_rows(
            ass,
            small,
            table="assessments",
            column="liver_volume_ml",
            rule="liver_volume_below_lesions",
            value_column="liver_volume_ml",
            message="liver volume is smaller than the sum of the scan's liver lesion volumes "
            "(volume_ml); the liver tumour fraction would exceed 1",
        )
    if modality is None:
        modality = scan_modality(les, ass, scan)
    elsewhere: dict[tuple[str, ...], pd.Series | np.ndarray] = {}  # scans of another known modality
    for column, allowed in (
        ("fdg_avid", ("FDG-PET",)),
        ("sst_avid", ("SST-PET", "SPECT")),
        ("krenning_score", ("SST-PET", "SPECT")),
    ):
        if column not in les:
            continue
        if allowed not in elsewhere:
            elsewhere[allowed] = _elsewhere(modality, allowed)
        wrong = les[column].notna() & elsewhere[allowed]
        problems.add_rows(
            les,
            wrong.fillna(False),
            table="lesions",
            column=column,
            rule="avidity_modality",
            value_column=column,
            message=f"{column} is read on {' / '.join(allowed)} scans only; this scan is another "
            "modality, so the value is not used",
        )


def _elsewhere(modality: pd.Series, allowed: tuple[str, ...]) -> pd.Series | np.ndarray:
    """Where a scan's modality is known and not one of ``allowed``; a categorical is looked
    up by its codes (its few categories tested, not every cell).

    Examples
    --------
    >>> m = pd.Series(["CT", None, "SPECT"], dtype="category")
    >>> _elsewhere(m, ("SPECT",)).tolist()
    [True, False, False]
    """
    if isinstance(modality.dtype, pd.CategoricalDtype):
        other = np.append(~modality.cat.categories.isin(allowed), False)  # -1: missing
        return other[modality.cat.codes.to_numpy()]
    return modality.notna() & ~modality.isin(allowed)


def _liver_sums(
    les: pd.DataFrame, ass: pd.DataFrame, liver: np.ndarray, scan: np.ndarray | None
) -> pd.Series:
    """For each row of ``ass``, the sum of ``volume_ml`` of the lesion rows of its scan
    (same patient_id and assessment_id) where ``liver`` (NaN: no such row; a row with a
    missing key counts for no scan).

    With ``scan`` (each lesion row's position in ``ass``) and the scans' keys unique, in key
    order and filled, the sums are grouped by those positions, not by two columns of
    identifiers: the same rows, added in the same order (the same float sums).

    Examples
    --------
    >>> les = pd.DataFrame({"patient_id": ["P1", "P1", "P1"], "assessment_id": ["A1", "A1", "A2"],
    ...                     "volume_ml": [1.5, 2.0, 4.0]})
    >>> ass = pd.DataFrame({"patient_id": ["P1", "P1", "P2"], "assessment_id": ["A1", "A2", "A1"]})
    >>> liver = np.array([True, True, False])
    >>> _liver_sums(les, ass, liver, None).tolist()
    [3.5, nan, nan]
    >>> _liver_sums(les, ass, liver, np.array([0, 0, 1])).tolist()
    [3.5, nan, nan]
    """
    key = ["patient_id", "assessment_id"]
    volume = les["volume_ml"]
    ties = None if scan is None else adjacent_ties(ass, key)
    if ties is not None and len(ass) > 1 and not ties.any() and scan is not None:
        at = np.flatnonzero(liver & (scan >= 0))
        # a scan's position only for rows whose keys are filled (key_positions matches a
        # missing key to a missing key; a grouping leaves such rows out): the scans' keys
        # are filled, so a lesion row found among them has its keys filled
        total = volume.iloc[at].reset_index(drop=True).groupby(scan[at]).sum()
        sums = np.full(len(ass), np.nan)
        sums[total.index.to_numpy()] = total.to_numpy()
        return pd.Series(sums, index=ass.index)
    # the liver rows of the three columns only (not every column of those rows)
    by = [les[k][liver] for k in key]
    grouped = volume[liver].groupby(by, sort=False).sum()
    return pd.Series(
        grouped.reindex(pd.MultiIndex.from_frame(ass[key])).to_numpy(), index=ass.index
    )
