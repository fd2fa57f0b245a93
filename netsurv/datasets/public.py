"""Real, public, MIT-licensed tumour-size datasets as cohorts with scan-level burden.

Each folder holds the source files unchanged, their licence and a README with the citation and
how the cohort is built from them; the loaders below do exactly what the READMEs say.
"""

from __future__ import annotations

import dataclasses
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from netsurv.cohort import ATTRITION_COLUMNS, Cohort

#: Nominal day 0 of every patient (the sources give times from the start of treatment only).
DAY0 = pd.Timestamp("2016-01-04")
#: Days per month of the sources' months (days / 30.4375).
DAYS_PER_MONTH = 30.4375


def dataset_folder(name: str) -> Path:
    """Folder of a bundled dataset (``"demo"``, ``"inspire"``, ``"laleh"``).

    Examples
    --------
    >>> sorted(p.name for p in dataset_folder("inspire").iterdir() if p.suffix != ".py")
    ['LICENSE', 'README.md', 'ctDNA.csv', 'pembrolizumab.csv']
    """
    return Path(str(resources.files("netsurv.datasets") / name))


def _day(days: pd.Series | np.ndarray) -> pd.Series:
    """Nominal dates of days from day 0."""
    return pd.Series(DAY0 + pd.to_timedelta(np.asarray(days, dtype=np.int64), unit="D"))


def load_inspire() -> Cohort:
    """The INSPIRE pembrolizumab study: per-visit % tumour-size change, ctDNA, OS and PFS.

    94 patients of five tumour cohorts (Bratman et al., *Nature Cancer* 2020), real data from
    the R package reportRmd (MIT licence; citation, licence and the exact derivation in
    ``netsurv/datasets/inspire/README.md``).  Tumour size is given as the % change from
    baseline per visit (``cohort.tumour_burden``), so criteria must be relative (no absolute
    5 mm rule); every column of the source passes through as a patient covariate.

    Returns
    -------
    Cohort
        One line per patient (pembrolizumab from the nominal day 0, 2016-01-04), a baseline
        CT on day 0 and one CT per visit with a % change.

    Examples
    --------
    >>> import dataclasses, netsurv as ns
    >>> cohort = ns.datasets.load_inspire()
    >>> cohort.n_patients, len(cohort.tumour_burden), int(cohort.patients["death_date"].notna().sum())
    (94, 364, 64)
    >>> rel = dataclasses.replace(ns.criteria.RECIST_1_1, name="recist_rel", progression_min_abs=None)
    >>> bor = ns.best_response(ns.classify(cohort, rel), confirm=False)
    >>> bor["bor"].value_counts().to_dict()
    {'SD': 33, 'PD': 22, 'MISSING': 20, 'PR': 12, 'CR': 4, 'NE': 3}
    """
    folder = dataset_folder("inspire")
    pts = pd.read_csv(folder / "pembrolizumab.csv", keep_default_na=False, na_values=[""])
    visits = pd.read_csv(folder / "ctDNA.csv", keep_default_na=False, na_values=[""])
    os_days = np.rint(pts["os_time"].to_numpy(dtype=float) * DAYS_PER_MONTH)
    last = _day(os_days)
    status = visits.drop_duplicates("id").set_index("id")["ctdna_status"]
    patients = pts.drop(columns=["id", "sex"]).assign(
        patient_id=pts["id"],
        last_alive_date=last,
        death_date=last.where(pts["os_status"].to_numpy() == 1),
        sex=pts["sex"].map({"Male": "M", "Female": "F"}),
        ctdna_status=pts["id"].map(status),
    )
    lines = pd.DataFrame(
        {"patient_id": pts["id"], "line_id": "L1", "regimen": "pembrolizumab", "start_date": DAY0}
    )
    order = visits.sort_values(["id", "time"], kind="stable")
    day = np.rint(order["time"].to_numpy(dtype=float) * 7)
    k = order.groupby("id").cumcount().to_numpy() + 1
    follow = pd.DataFrame(
        {
            "patient_id": order["id"].to_numpy(),
            "assessment_id": [f"W{n:02d}" for n in k],
            "date": _day(day).to_numpy(),
            "pct": order["size_change"].to_numpy(dtype=float),
        }
    )
    base = pd.DataFrame({"patient_id": pts["id"], "assessment_id": "BL", "date": DAY0, "pct": 0.0})
    scans = pd.concat([base, follow], ignore_index=True)
    assessments = scans[["patient_id", "assessment_id", "date"]].assign(modality="CT")
    burden = pd.DataFrame(
        {
            "patient_id": scans["patient_id"],
            "assessment_id": scans["assessment_id"],
            "measure": scans["pct"].notna().map({True: "diameter", False: None}),
            "pct_change_baseline": scans["pct"],
        }
    )
    return Cohort.from_frames(patients, lines, assessments, tumour_burden=burden)


def load_tumour_size() -> Cohort:
    """Tumour size under atezolizumab in five studies (Laleh et al., *PLoS Comput Biol* 2022).

    1,461 series of per-visit target diameters (mm) with irregular visits, as published in
    TumorGrowth.jl (MIT licence; citation, licence and derivation in
    ``netsurv/datasets/laleh/README.md``).  Each series is one patient with one line; the
    diameter is the scan-level sum (``cohort.tumour_burden``, mm).  Exact duplicate rows are
    one visit; a patient with two different diameters on one day is set aside
    (``cohort.attrition``).  No survival: ``last_alive_date`` is the last visit.

    Returns
    -------
    Cohort
        Covariates ``study``, ``arm``, ``study_arm`` and the authors' trend ``response``
        (``up``, ``down``, ``flux``).

    Examples
    --------
    >>> import netsurv as ns
    >>> cohort = ns.datasets.load_tumour_size()
    >>> cohort.n_patients, len(cohort.tumour_burden)
    (1460, 8406)
    >>> cohort.attrition.loc[0, "reason"]
    'two different Lesion_diam on one day (12, 41 mm on day 57): netsurv does not choose'
    """
    raw = pd.read_csv(dataset_folder("laleh") / "tumor_size.csv.gz")
    raw = raw.drop_duplicates(["Pt_hashID", "T_days", "Lesion_diam"])
    clash = raw[raw.duplicated(["Pt_hashID", "T_days"], keep=False)]
    values = clash.groupby(["Pt_hashID", "T_days"])["Lesion_diam"].agg(
        lambda d: ", ".join(f"{x:g}" for x in sorted(d))
    )
    keys = values.index.to_frame(index=False)
    set_aside = pd.DataFrame(
        {
            "table": "tumour_burden",
            "row_key": keys["Pt_hashID"],
            "stage": "load_tumour_size",
            "reason": "two different Lesion_diam on one day ("
            + values.to_numpy(dtype=str)
            + " mm on day "
            + keys["T_days"].astype(str)
            + "): netsurv does not choose",
        },
        columns=ATTRITION_COLUMNS,
    )
    raw = raw[~raw["Pt_hashID"].isin(set_aside["row_key"])]
    raw = raw.sort_values(["Pt_hashID", "T_days"], kind="stable").reset_index(drop=True)
    first = raw.drop_duplicates("Pt_hashID")
    last_day = raw.groupby("Pt_hashID", sort=False)["T_days"].max()
    patients = pd.DataFrame(
        {
            "patient_id": first["Pt_hashID"].to_numpy(),
            "last_alive_date": _day(np.maximum(last_day.to_numpy(), 0)).to_numpy(),
            "study": first["Study_id"].to_numpy(),
            "arm": first["Arm_id"].to_numpy(),
            "study_arm": first["Study_Arm"].to_numpy(),
            "response": first["response"].to_numpy(),
        }
    )
    lines = pd.DataFrame(
        {
            "patient_id": patients["patient_id"],
            "line_id": "L1",
            "regimen": "atezolizumab",
            "start_date": DAY0,
        }
    )
    k = raw.groupby("Pt_hashID").cumcount().to_numpy() + 1
    assessments = pd.DataFrame(
        {
            "patient_id": raw["Pt_hashID"],
            "assessment_id": [f"V{n:02d}" for n in k],
            "date": _day(raw["T_days"]),
            "modality": "CT",
        }
    )
    burden = pd.DataFrame(
        {
            "patient_id": raw["Pt_hashID"],
            "assessment_id": assessments["assessment_id"],
            "measure": "diameter",
            "sum_value": raw["Lesion_diam"].astype(float),
            "unit": "mm",
        }
    )
    cohort = Cohort.from_frames(patients, lines, assessments, tumour_burden=burden)
    return dataclasses.replace(
        cohort, attrition=pd.concat([set_aside, cohort.attrition], ignore_index=True)
    )
