"""Dual-tracer (SST-PET and FDG-PET) reading: per-lesion linkage, discordant volume, grades.

**Linkage.**  Each FDG-PET scan is paired with the patient's nearest SST-PET scan at most
``window_days`` apart (equally near: the earlier; Chan et al. 2017 read scans within 31 days
of each other).  The lesions of the pair are linked by ``lesion_id``: the same identifier on
both scans is the same lesion.  A lesion recorded on only one of the two scans has, on the
other, no uptake (readers record the lesions they see): an FDG-avid lesion with no row on the
paired SST-PET scan is FDG-positive / SST-negative.  A lesion whose avidity the reader did not
record (``fdg_avid`` / ``sst_avid`` empty on its row) leaves the pair ungraded, with a reason.

**Discordant volume** = sum of ``volume_ml`` (read on the FDG-PET scan) of the FDG-avid lesions
without SST uptake (SST-negative / FDG-positive disease predicts poor PRRT outcome).

**Grades** (yes/no avidity per lesion, positive = above background, i.e. modified Krenning
2-4, as both papers define it):

* NETPET (Chan et al., Theranostics 2017;7:1149; multicentre validation Chan et al., Br J
  Cancer 2023;128:549): ``P0`` no avid lesion on either scan, ``P1`` SST-positive and no
  FDG-avid lesion, ``P2-4`` FDG-avid lesions all SST-positive, ``P5`` at least one FDG-avid
  lesion without SST uptake.  The split of P2-4 into P2 / P3 / P4 compares FDG with SST
  intensity visually and is not computed (the validation study also reports P2-4 as one
  group).
* Three-scale grade (Karfis et al. 2020, as tabulated by the 2022 Cancer Imaging review of
  dual-tracer scales): ``C1`` every lesion SST-positive, none FDG-avid; ``C2`` every lesion
  SST-positive, at least one FDG-avid; ``C3`` at least one FDG-avid lesion SST-negative.
  A pair with no avid lesion at all has no three-scale grade.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort

NETPET_GRADES = ("P0", "P1", "P2-4", "P5")
THREE_SCALE_GRADES = ("C1", "C2", "C3")
LINK_COLUMNS = [
    "patient_id",
    "sst_assessment_id",
    "fdg_assessment_id",
    "sst_date",
    "fdg_date",
    "lesion_id",
    "site",
    "on_sst",
    "on_fdg",
    "sst_avid",
    "fdg_avid",
    "krenning_score",
    "fdg_volume_ml",
    "discordant",
]
GRADE_COLUMNS = [
    "patient_id",
    "sst_assessment_id",
    "fdg_assessment_id",
    "sst_date",
    "fdg_date",
    "n_lesions",
    "n_fdg_avid",
    "n_discordant",
    "discordant_volume_ml",
    "netpet_grade",
    "three_scale_grade",
    "reason",
]


def pair_pet_scans(cohort: Cohort, *, window_days: int = 31) -> pd.DataFrame:
    """Each FDG-PET scan with the patient's nearest SST-PET scan within ``window_days``.

    Returns
    -------
    pandas.DataFrame
        ``patient_id``, ``sst_assessment_id``, ``fdg_assessment_id``, ``sst_date``,
        ``fdg_date``; FDG-PET scans without an SST-PET scan in the window are left out.

    Examples
    --------
    >>> import netsurv as ns
    >>> pairs = pair_pet_scans(ns.simulate_cohort(5, seed=1, scenario="prrt",
    ...                                           fdg_pet_rate=1.0))
    >>> bool((abs(pairs["fdg_date"] - pairs["sst_date"]).dt.days <= 31).all())
    True
    """
    ass = cohort.assessments
    day = ass["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    frame = ass[["patient_id", "assessment_id", "date", "modality"]].assign(day=day)
    fdg = frame[frame["modality"] == "FDG-PET"].sort_values("day", kind="stable")
    sst = frame[frame["modality"] == "SST-PET"].sort_values("day", kind="stable")
    cols = ["patient_id", "day", "assessment_id", "date"]
    picks = []
    for direction in ("backward", "forward"):
        right = sst[cols].rename(columns={"assessment_id": "sst_assessment_id", "date": "sst_date"})
        right = right.assign(sst_day=right["day"])
        m = pd.merge_asof(
            fdg[cols],
            right,
            on="day",
            by="patient_id",
            direction=direction,
            tolerance=int(window_days),
            allow_exact_matches=True,
        )
        picks.append(m.assign(gap=(m["sst_day"] - m["day"]).abs()))
    back, fwd = picks
    take_fwd = back["gap"].isna() | (fwd["gap"] < back["gap"])
    out = back.where(~take_fwd, fwd)
    out = out[out["sst_assessment_id"].notna()]
    out = out.rename(columns={"assessment_id": "fdg_assessment_id", "date": "fdg_date"})
    return out[
        ["patient_id", "sst_assessment_id", "fdg_assessment_id", "sst_date", "fdg_date"]
    ].reset_index(drop=True)


def link_lesions(cohort: Cohort, *, window_days: int = 31) -> pd.DataFrame:
    """The per-lesion linkage of each SST-PET / FDG-PET pair (same ``lesion_id``).

    Returns
    -------
    pandas.DataFrame
        One row per lesion recorded on either scan of a pair (:data:`LINK_COLUMNS`):
        ``on_sst`` / ``on_fdg`` (a row on that scan), ``sst_avid`` / ``fdg_avid`` (False when
        the lesion is not on that scan; missing when on it but not read), the SST-PET row's
        ``krenning_score``, the FDG-PET row's ``volume_ml`` and ``discordant`` (FDG-avid
        without SST uptake).

    Examples
    --------
    Hand-worked: lesion L1 is on both scans (SST yes, FDG yes), L2 on the FDG-PET scan only
    (FDG yes): L2 is discordant.

    >>> import netsurv as ns
    >>> c = ns.Cohort.from_frames(
    ...     patients=pd.DataFrame({"patient_id": ["P1"], "last_alive_date": ["2021-01-01"]}),
    ...     lines=pd.DataFrame({"patient_id": ["P1"], "line_id": ["L"], "regimen": ["Lu"],
    ...                         "start_date": ["2020-02-01"]}),
    ...     assessments=pd.DataFrame({"patient_id": ["P1", "P1"], "assessment_id": ["S", "F"],
    ...                               "date": ["2020-01-20", "2020-01-25"],
    ...                               "modality": ["SST-PET", "FDG-PET"]}),
    ...     lesions=pd.DataFrame({"patient_id": ["P1"] * 3, "assessment_id": ["S", "F", "F"],
    ...                           "lesion_id": ["L1", "L1", "L2"], "site": ["liver"] * 3,
    ...                           "role": ["target"] * 3, "volume_ml": [10.0, 8.0, 4.0],
    ...                           "sst_avid": [True, None, None],
    ...                           "fdg_avid": [None, True, True]}))
    >>> link_lesions(c)[["lesion_id", "on_sst", "sst_avid", "fdg_avid", "discordant"]]
      lesion_id  on_sst  sst_avid  fdg_avid  discordant
    0        L1    True      True      True       False
    1        L2   False     False      True        True
    """
    pairs = pair_pet_scans(cohort, window_days=window_days)
    key = ["patient_id", "assessment_id"]
    rows = (cohort.lesions["role"] != "new").to_numpy()
    ids = ["patient_id", "assessment_id", "lesion_id", "site"]
    # only the columns read, of the rows read (a copy of the lesions table is ~1 GB per
    # 100,000 patients)
    sst = cohort.lesions.loc[rows, [*ids, "sst_avid", "krenning_score"]]
    fdg = cohort.lesions.loc[rows, [*ids, "fdg_avid", "volume_ml"]]
    sst = pairs.merge(
        sst.rename(columns={"assessment_id": "sst_assessment_id"}),
        on=["patient_id", "sst_assessment_id"],
    )
    fdg = pairs.merge(
        fdg.rename(columns={"assessment_id": "fdg_assessment_id", "volume_ml": "fdg_volume_ml"}),
        on=["patient_id", "fdg_assessment_id"],
    )
    on = [*pairs.columns, "lesion_id"]
    both = sst.merge(fdg, on=on, how="outer", suffixes=("_sst", ""), indicator=True)
    del key
    out = both.assign(
        site=both["site"].fillna(both["site_sst"]),
        on_sst=both["_merge"].isin(["both", "left_only"]).to_numpy(),
        on_fdg=both["_merge"].isin(["both", "right_only"]).to_numpy(),
    )
    sst_avid = out["sst_avid"].astype("boolean").mask(~out["on_sst"], False)
    fdg_avid = out["fdg_avid"].astype("boolean").mask(~out["on_fdg"], False)
    out = out.assign(
        sst_avid=sst_avid,
        fdg_avid=fdg_avid,
        discordant=fdg_avid & ~sst_avid,
        krenning_score=out["krenning_score"].astype("Int64"),
    )
    out = out.sort_values(
        ["patient_id", "fdg_date", "fdg_assessment_id", "lesion_id"], kind="stable"
    )
    return out[LINK_COLUMNS].reset_index(drop=True)


def dual_tracer_grades(links: pd.DataFrame) -> pd.DataFrame:
    """Discordant volume, NETPET and three-scale grade of each SST-PET / FDG-PET pair.

    Parameters
    ----------
    links
        :func:`link_lesions`.

    Returns
    -------
    pandas.DataFrame
        One row per pair (:data:`GRADE_COLUMNS`); grades and volume are missing, with a
        ``reason``, when a lesion's avidity (or a discordant lesion's volume) is not recorded.

    Examples
    --------
    Hand-worked, one pair: L1 SST+ FDG+, L2 SST- FDG+ (4 mL), L3 SST+ FDG-.  L2 makes the pair
    P5 / C3 and the discordant volume 4 mL.

    >>> links = pd.DataFrame({
    ...     "patient_id": ["P1"] * 3, "sst_assessment_id": ["S"] * 3,
    ...     "fdg_assessment_id": ["F"] * 3, "sst_date": pd.Timestamp("2020-01-20"),
    ...     "fdg_date": pd.Timestamp("2020-01-25"), "lesion_id": ["L1", "L2", "L3"],
    ...     "sst_avid": pd.array([True, False, True], dtype="boolean"),
    ...     "fdg_avid": pd.array([True, True, False], dtype="boolean"),
    ...     "fdg_volume_ml": [9.0, 4.0, 2.0]})
    >>> links["discordant"] = links["fdg_avid"] & ~links["sst_avid"]
    >>> g = dual_tracer_grades(links)
    >>> g[["n_discordant", "discordant_volume_ml", "netpet_grade", "three_scale_grade"]]
       n_discordant  discordant_volume_ml netpet_grade three_scale_grade
    0             1                   4.0           P5                C3
    """
    pair = ["patient_id", "sst_assessment_id", "fdg_assessment_id", "sst_date", "fdg_date"]
    sst = links["sst_avid"].astype("boolean")
    fdg = links["fdg_avid"].astype("boolean")
    disc = (fdg & ~sst).astype("boolean")
    unknown = sst.isna() | fdg.isna()
    vol_missing = disc.fillna(False) & links["fdg_volume_ml"].isna()
    f = pd.DataFrame(
        {
            "unknown": unknown.to_numpy(dtype=bool),
            "vol_missing": vol_missing.to_numpy(dtype=bool),
            "sst": sst.fillna(False).to_numpy(dtype=bool),
            "fdg": fdg.fillna(False).to_numpy(dtype=bool),
            "disc": disc.fillna(False).to_numpy(dtype=bool),
            "disc_vol": np.where(
                disc.fillna(False).to_numpy(dtype=bool),
                links["fdg_volume_ml"].to_numpy(dtype=float),
                0.0,
            ),
            "one": 1,
        }
    )
    f[pair] = links[pair].to_numpy()
    g = f.groupby(pair, sort=False, dropna=False).agg(
        n_lesions=("one", "sum"),
        n_fdg_avid=("fdg", "sum"),
        n_sst_avid=("sst", "sum"),
        n_discordant=("disc", "sum"),
        discordant_volume_ml=("disc_vol", "sum"),
        n_unknown=("unknown", "sum"),
        n_vol_missing=("vol_missing", "sum"),
    )
    g = g.reset_index()
    any_fdg = g["n_fdg_avid"] > 0
    any_sst = g["n_sst_avid"] > 0
    any_disc = g["n_discordant"] > 0
    netpet = np.select([any_disc, any_fdg, any_sst], ["P5", "P2-4", "P1"], default="P0").astype(
        object
    )
    three = np.select([any_disc, any_fdg, any_sst], ["C3", "C2", "C1"], default="").astype(object)
    # an SST-negative lesion that is also FDG-negative is not seen on PET: it does not count
    unknown_n = g["n_unknown"] > 0
    reason = np.where(
        unknown_n,
        "avidity not recorded for "
        + g["n_unknown"].astype(str)
        + " lesion(s) (fdg_avid / sst_avid empty)",
        "",
    ).astype(object)
    vol_bad = (g["n_vol_missing"] > 0) & ~unknown_n
    reason = np.where(
        vol_bad,
        g["n_vol_missing"].astype(str) + " discordant lesion(s) without volume_ml on FDG-PET",
        reason,
    )
    unknown_a = unknown_n.to_numpy(dtype=bool)
    netpet[unknown_a] = None
    three[unknown_a | (three == "")] = None
    vol = np.where(unknown_n | vol_bad, np.nan, g["discordant_volume_ml"].to_numpy(dtype=float))
    out = g.assign(
        discordant_volume_ml=vol,
        netpet_grade=pd.Categorical(netpet, categories=NETPET_GRADES, ordered=True),
        three_scale_grade=pd.Categorical(three, categories=THREE_SCALE_GRADES, ordered=True),
        reason=reason,
    )
    return out[GRADE_COLUMNS].reset_index(drop=True)
