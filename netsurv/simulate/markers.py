"""Circulating tumour markers of a simulated cohort: CgA that tracks tumour burden, with noise
and lag.

The model, per patient:

* a fraction of patients secrete (``secreting_fraction``, default 0.7; NETs that do not
  secrete CgA exist, and their marker carries no information);
* a secretor's level is proportional to the tumour burden some time earlier (``lag_days``,
  default 28: the marker follows the burden, it does not lead it): ``value = level0 x
  burden(t - lag) / burden(baseline) x noise``, with ``level0`` log-normal around 3 x ULN and
  multiplicative log-normal noise of coefficient of variation ``noise_cv`` (default 0.25,
  inter-assay and biological variation);
* a non-secretor's value varies around 0.5 x ULN with the same noise, whatever the disease;
* blood is drawn two days before each CT / MRI scan of the patient (the baseline sample
  before the line's baseline scan, so it is the line's baseline measurement).

The tumour burden at a scan is the sum over its measured lesions of the sphere volume of the
recorded long axis (pi/6 x d^3), interpolated linearly between scans for the lag; it is the
recorded (noisy) burden, so marker and imaging share the reading noise of the scans.  The
markers come from their own random stream (``SeedSequence([seed, 19])``): asking for them
leaves every other table of the cohort unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.schema.inputs import ANATOMICAL_MODALITIES


def simulate_markers(
    assessments: pd.DataFrame,
    lesions: pd.DataFrame,
    *,
    seed: int,
    secreting_fraction: float = 0.7,
    lag_days: int = 28,
    noise_cv: float = 0.25,
    uln: float = 100.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CgA measurements that track the tumour burden of the CT / MRI scans.

    Parameters
    ----------
    assessments, lesions
        The simulated tables (typed).
    seed
        The cohort's seed (the markers use the stream ``SeedSequence([seed, 19])``).
    secreting_fraction, lag_days, noise_cv, uln
        The model's parameters (module notes).

    Returns
    -------
    markers : pandas.DataFrame
        The ``markers`` table (CgA in ng/mL, ULN ``uln``).
    secretors : pandas.DataFrame
        ``patient_id`` and ``cga_secretor`` (the latent truth).

    Examples
    --------
    >>> from netsurv.simulate import simulate_tables
    >>> t = simulate_tables(10, seed=2, scenario="prrt")
    >>> m, s = simulate_markers(t["assessments"], t["lesions"], seed=2)
    >>> sorted(m.columns), bool((m["value"] > 0).all()), len(s)
    (['date', 'marker', 'patient_id', 'uln', 'unit', 'value'], True, 10)
    """
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 19]))
    scans = assessments[assessments["modality"].isin(ANATOMICAL_MODALITIES)]
    scans = scans[["patient_id", "assessment_id", "date"]]
    les = lesions[lesions["long_axis_mm"].notna()]
    vol = np.pi / 6 * (les["long_axis_mm"].to_numpy(dtype=float) / 10.0) ** 3
    burden = les.assign(_v=vol).groupby(["patient_id", "assessment_id"], sort=False)["_v"].sum()
    scans = scans.merge(
        burden.rename("burden").reset_index(), on=["patient_id", "assessment_id"], how="inner"
    )
    scans = scans.sort_values(["patient_id", "date"], kind="stable").reset_index(drop=True)
    patients = pd.Index(pd.unique(assessments["patient_id"]))
    secretor = rng.random(len(patients)) < secreting_fraction
    level0 = uln * rng.lognormal(np.log(3.0), 0.8, len(patients))
    pos = patients.get_indexer(pd.Index(scans["patient_id"]))
    first = ~scans["patient_id"].duplicated()
    b = scans["burden"].to_numpy(dtype=float)
    day = scans["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    prev_b = np.where(first, b, np.roll(b, 1))
    prev_day = np.where(first, day, np.roll(day, 1))
    gap = np.maximum(day - prev_day, 1)
    w = np.clip(lag_days / gap, 0.0, 1.0)
    lagged = b - w * (b - prev_b)
    b0 = pd.Series(b).groupby(scans["patient_id"].to_numpy()).transform("first").to_numpy()
    sigma = np.sqrt(np.log1p(noise_cv**2))
    noise = rng.lognormal(-(sigma**2) / 2, sigma, len(scans))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(b0 > 0, lagged / b0, 1.0)
    value = np.where(secretor[pos], level0[pos] * ratio, 0.5 * uln) * noise
    markers = pd.DataFrame(
        {
            "patient_id": scans["patient_id"].to_numpy(dtype=object),
            "marker": "CgA",
            "date": scans["date"] - pd.Timedelta(days=2),
            "value": np.round(value, 1),
            "unit": "ng/mL",
            "uln": uln,
        }
    ).drop_duplicates(["patient_id", "marker", "date"], ignore_index=True)
    truth = pd.DataFrame({"patient_id": patients.to_numpy(dtype=object), "cga_secretor": secretor})
    return markers, truth
