"""NET biomarker columns of a simulated cohort, read from its latent truth (issue 19).

Added after the imaging course, with draws from the chunk's random stream taken last (so the
other columns of a seed do not change):

* ``assessments.liver_volume_ml`` on CT / MRI: the patient's liver parenchyma (log-normal,
  median 1,400 mL, per-scan segmentation noise CV 3 %) plus the recorded liver lesion volumes
  of the scan, so the liver tumour fraction is what the lesions occupy and never exceeds 1;
* ``assessments.liver_suv_mean`` on SST-PET: the patient's normal-liver SUVmean (median 6.5,
  noise CV 5 %);
* ``lesions.krenning_score`` and ``sst_avid`` on SST-PET: the lesion's recorded SUVmax
  against the patient's normal liver (SUVmax about 1.4 × the SUVmean) and spleen
  (median SUVmax 24): 0 not seen, 1 below 0.75 × liver, 2 up to 1.25 × liver, 3 up to
  spleen, 4 above; SST-avid = Krenning >= 2.  Dedifferentiated lesions lose receptor
  expression in the imaging model, so they fall to low scores;
* ``lesions.fdg_avid`` on FDG-PET: SULpeak at least 1.75 × the patient's normal-liver FDG
  SULmean (median 1.6); the imaging model raises the FDG uptake of dedifferentiated and
  fast-growing lesions, so discordant (FDG+/SST-) lesions are mostly dedifferentiated;
* ``lesions.adc`` on MRI (10^-6 mm^2/s): a lesion baseline ADC (log-normal, median 1,100;
  0.85 × in dedifferentiated, more cellular lesions) raised after treatment in proportion to
  the line's latent tissue effect (``truth.density_drop``: 1 + 1.5 × drop × (1 - e^(-t/1.5
  months))), noise CV 8 %.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Reading rules of the simulated reader (documented above).
KRENNING_LIVER_BANDS = (0.75, 1.25)
FDG_AVID_RATIO = 1.75
ADC_RISE_PER_DROP = 1.5
DAYS_PER_MONTH = 30.4375


def _lognormal(rng: np.random.Generator, median: float, sd: float, n: int) -> np.ndarray:
    return median * np.exp(rng.normal(0.0, sd, n))


def add_biomarkers(
    rng: np.random.Generator,
    assessments: pd.DataFrame,
    lesions: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    dedifferentiated: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The assessments and lesions with the biomarker columns added.

    Parameters
    ----------
    rng
        The chunk's random stream (drawn last).
    assessments, lesions
        The simulated tables of the chunk (``lesions`` in the schema's column order).
    truth
        The chunk's latent truth per line (``patient_id``, ``line_id``, ``start_date``,
        ``density_drop``).
    dedifferentiated
        Per lesion row, whether the lesion belongs to the dedifferentiated clone.

    Examples
    --------
    >>> from netsurv.simulate import simulate_tables
    >>> t = simulate_tables(30, seed=5, scenario="mixed")
    >>> les = t["lesions"]
    >>> bool(les["krenning_score"].dropna().between(0, 4).all())
    True
    """
    n_pat = assessments["patient_id"].nunique()
    pat_codes, pats = pd.factorize(assessments["patient_id"])
    parenchyma = _lognormal(rng, 1400.0, 0.18, n_pat)
    liver_suv = _lognormal(rng, 6.5, 0.15, n_pat)
    spleen_suv = _lognormal(rng, 24.0, 0.2, n_pat)
    liver_fdg = _lognormal(rng, 1.6, 0.12, n_pat)
    p_of = pd.Series(np.arange(n_pat), index=pats)

    mod = assessments["modality"].to_numpy(dtype=object)
    key = ["patient_id", "assessment_id"]
    anat = np.isin(mod, ("CT", "MRI"))
    liver_rows = lesions["site"].eq("liver") & lesions["volume_ml"].notna()
    liver_sum = (
        lesions.loc[liver_rows]
        .groupby(key, sort=False)["volume_ml"]
        .sum()
        .reindex(pd.MultiIndex.from_frame(assessments[key]))
        .fillna(0.0)
        .to_numpy()
    )
    seg = _lognormal(rng, 1.0, 0.03, len(assessments))
    liver_volume = np.where(anat, np.round(parenchyma[pat_codes] * seg + liver_sum, 1), np.nan)
    pet_noise = _lognormal(rng, 1.0, 0.05, len(assessments))
    liver_suv_mean = np.where(
        mod == "SST-PET", np.round(liver_suv[pat_codes] * pet_noise, 2), np.nan
    )
    assessments = assessments.assign(liver_volume_ml=liver_volume, liver_suv_mean=liver_suv_mean)

    scan_mod = (
        assessments.set_index(key)["modality"]
        .reindex(pd.MultiIndex.from_frame(lesions[key]))
        .to_numpy(dtype=object)
    )
    p = p_of.reindex(lesions["patient_id"]).to_numpy(dtype=np.int64)
    n = len(lesions)
    evaluable = lesions["measurement_flag"].ne("not_evaluable").to_numpy()

    # Krenning score and SST avidity from the recorded SST-PET SUVmax
    suv = lesions["suv_max"].to_numpy(dtype=float)
    liver_max = 1.4 * liver_suv[p]
    lo, hi = KRENNING_LIVER_BANDS
    score = np.select(
        [suv <= 0, suv < lo * liver_max, suv < hi * liver_max, suv < spleen_suv[p]],
        [0, 1, 2, 3],
        default=4,
    )
    on_sst = (scan_mod == "SST-PET") & evaluable & ~np.isnan(suv)
    krenning = pd.array(np.where(on_sst, score, 0), dtype="Int64")
    krenning[~on_sst] = pd.NA
    sst_avid = pd.array(score >= 2, dtype="boolean")
    sst_avid[~on_sst] = pd.NA

    # FDG avidity from the recorded SULpeak
    sul = lesions["sul_peak"].to_numpy(dtype=float)
    on_fdg = (scan_mod == "FDG-PET") & evaluable & ~np.isnan(sul)
    fdg_avid = pd.array(sul >= FDG_AVID_RATIO * liver_fdg[p], dtype="boolean")
    fdg_avid[~on_fdg] = pd.NA

    # ADC on MRI, rising with the line's latent tissue effect
    line_key = pd.MultiIndex.from_frame(truth[["patient_id", "line_id"]])
    drop = pd.Series(truth["density_drop"].to_numpy(dtype=float), index=line_key)
    start = pd.Series(truth["start_date"].to_numpy(), index=line_key)
    scan_line = assessments.set_index(key)["line_id"].reindex(
        pd.MultiIndex.from_frame(lesions[key])
    )
    scan_date = assessments.set_index(key)["date"].reindex(pd.MultiIndex.from_frame(lesions[key]))
    lkey = pd.MultiIndex.from_arrays([lesions["patient_id"].to_numpy(), scan_line.to_numpy()])
    tau = ((scan_date.to_numpy() - start.reindex(lkey).to_numpy()) / np.timedelta64(1, "D")).astype(
        float
    ) / DAYS_PER_MONTH
    tissue = np.nan_to_num(drop.reindex(lkey).to_numpy(dtype=float))
    rise = 1.0 + ADC_RISE_PER_DROP * tissue * (1.0 - np.exp(-np.maximum(tau, 0.0) / 1.5))
    adc0 = _lognormal(rng, 1100.0, 0.15, n) * np.where(dedifferentiated, 0.85, 1.0)
    adc_noise = _lognormal(rng, 1.0, 0.08, n)
    present = lesions["long_axis_mm"].fillna(1.0).to_numpy(dtype=float) > 0
    on_mri = (scan_mod == "MRI") & evaluable & present
    adc = np.where(on_mri, np.round(np.clip(adc0 * rise * adc_noise, 300.0, 3500.0), 0), np.nan)

    lesions = lesions.assign(krenning_score=krenning, adc=adc, fdg_avid=fdg_avid, sst_avid=sst_avid)
    return assessments, lesions
