"""Circulating tumour markers as time points of the one classifier.

A biochemical criterion (``measure="marker"``, ``modality=("CgA",)``) is an ordinary
:class:`~netsurv.criteria.Criterion`: each measurement of the ``markers`` table becomes a
*marker scan* -- an assessment whose modality is the marker's name, dated at the sample,
with one followed "lesion" holding the value and its upper limit of normal.  Marker scans are
linked to treatment lines by date exactly as imaging scans are
(:func:`netsurv.lines.link_assessments_to_lines`: the baseline is the last measurement on or
before the line's start, within the baseline window; follow-up measurements run to the next
line's start).  From there the engine's rules apply unchanged: baseline and running nadir,
response and progression cut-offs, the ULN floor (``progression_min_uln``), iRECIST-style
confirmation (``confirm_pd``), pairing with imaging in a combined criterion, endpoints.

The unit is carried as the scan's ``tracer``: a series that changes unit (another assay) is
not compared across the change, as a PET series is not compared across tracers.
"""

from __future__ import annotations

import pandas as pd

from netsurv.lines import link_assessments_to_lines

#: Separator of a marker scan's ``assessment_id``: ``"CgA@2020-03-01"``.
MARKER_SCAN_SEPARATOR = "@"


def marker_scans(
    markers: pd.DataFrame, lines: pd.DataFrame, *, baseline_window_days: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Assessment rows, line links and lesion rows of the marker measurements.

    Parameters
    ----------
    markers
        The cohort's ``markers`` table (canonical units).
    lines
        The cohort's ``lines`` table.
    baseline_window_days
        The cohort's baseline window.

    Returns
    -------
    assessments, links, lesions : pandas.DataFrame
        In the shape of ``cohort.assessments``, ``cohort.assessment_lines`` and
        ``cohort.lesions`` (lesion columns ``marker_value`` and ``marker_uln`` added).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"patient_id": ["P1", "P1"], "marker": ["CgA", "CgA"],
    ...     "date": pd.to_datetime(["2020-01-02", "2020-04-01"]), "value": [300.0, 120.0],
    ...     "unit": ["ng/mL", "ng/mL"], "uln": [100.0, 100.0]})
    >>> ln = pd.DataFrame({"patient_id": ["P1"], "line_id": ["L1"],
    ...     "start_date": pd.to_datetime(["2020-01-10"])})
    >>> ass, links, les = marker_scans(m, ln, baseline_window_days=42)
    >>> links[["assessment_id", "modality", "role"]].to_string(index=False)
    ' assessment_id modality      role\\nCgA@2020-01-02      CgA  baseline\\nCgA@2020-04-01      CgA follow_up'
    >>> les[["lesion_id", "marker_value", "marker_uln"]].values.tolist()
    [['CgA', 300.0, 100.0], ['CgA', 120.0, 100.0]]
    """
    aid = (
        markers["marker"].astype(str)
        + MARKER_SCAN_SEPARATOR
        + markers["date"].dt.strftime("%Y-%m-%d")
    ).to_numpy(dtype=object)
    ass = pd.DataFrame(
        {
            "patient_id": markers["patient_id"].to_numpy(dtype=object),
            "assessment_id": aid,
            "date": markers["date"].to_numpy(),
            "modality": markers["marker"].to_numpy(dtype=object),
            "line_id": None,
            "tracer": markers["unit"].to_numpy(dtype=object),
        }
    )
    links, _ = link_assessments_to_lines(ass, lines, baseline_window_days=baseline_window_days)
    les = pd.DataFrame(
        {
            "patient_id": ass["patient_id"],
            "assessment_id": aid,
            "lesion_id": markers["marker"].to_numpy(dtype=object),
            "site": "other",
            "role": "target",
            "marker_value": markers["value"].to_numpy(dtype=float),
            "marker_uln": markers["uln"].to_numpy(dtype=float),
        }
    )
    return ass, links, les
