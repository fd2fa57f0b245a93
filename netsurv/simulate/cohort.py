"""``simulate_cohort``: synthetic NET cohorts in the input format, with their latent truth.

Patients are simulated in chunks of :data:`CHUNK` (each chunk its own random stream spawned
from the seed), so memory grows with the output, not with intermediate arrays; within a
chunk everything is vectorised over patients.  The same ``n_patients``, ``seed``, scenario and
overrides give the same tables (and byte-identical CSV files).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from netsurv.cohort import Cohort
from netsurv.errors import ConfigError
from netsurv.schema.inputs import LESION_SITES
from netsurv.simulate.biomarkers import add_biomarkers
from netsurv.simulate.course import END_NAMES, run_course
from netsurv.simulate.disease import (
    MAX_CT_LESIONS,
    MAX_PET_ONLY,
    SITES,
    baseline_lesions,
    volume_ml,
)
from netsurv.simulate.imaging import MODALITY_NAMES, NTL, READS
from netsurv.simulate.markers import simulate_markers
from netsurv.simulate.organs import organ_tgr_columns
from netsurv.simulate.patients import draw_patients, ecog
from netsurv.simulate.presets import get_scenario
from netsurv.simulate.records import Records
from netsurv.simulate.scenarios import THERAPY_CLASSES, Scenario
from netsurv.simulate.tracers import assign_tracers

CHUNK = 1000
ROLE_NAMES = np.array(["target", "non_target", "new"], dtype=object)
FLAG_NAMES = np.array([None, "too_small", "not_evaluable"], dtype=object)
BY_NAMES = np.array(["", "size", "new_lesion"], dtype=object)
LINE_NAMES = np.array([f"L{j + 1}" for j in range(8)], dtype=object)
if SITES != LESION_SITES:  # pragma: no cover - guards the code order of lesion sites
    raise RuntimeError("simulate.disease.SITES must follow netsurv.schema.inputs.LESION_SITES")


def simulate_tables(
    n_patients: int, seed: int, *, scenario: str | Scenario = "ssa", **overrides: Any
) -> dict[str, pd.DataFrame]:
    """The five tables of a simulated cohort, not yet validated.

    Same parameters as :func:`simulate_cohort`; returns ``patients``, ``lines``,
    ``assessments``, ``lesions`` (typed as the schema declares) and ``truth``.

    Examples
    --------
    >>> t = simulate_tables(5, seed=1, scenario="ssa")
    >>> sorted(t)
    ['assessments', 'lesions', 'lines', 'patients', 'truth']
    """
    sc = get_scenario(scenario, **overrides)
    if (
        isinstance(n_patients, bool)
        or not isinstance(n_patients, int | np.integer)
        or n_patients < 1
    ):
        raise ConfigError(f"n_patients must be a whole number >= 1, got {n_patients!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed must be a whole number >= 0, got {seed!r}")
    n_chunks = -(-int(n_patients) // CHUNK)
    streams = np.random.SeedSequence(int(seed)).spawn(n_chunks)
    width = max(4, len(str(n_patients)))
    ids = (pd.Series(np.arange(1, n_patients + 1)).astype(str).str.zfill(width)).radd("P")
    parts = []
    for c in range(n_chunks):
        m = min(CHUNK, n_patients - c * CHUNK)
        rng = np.random.default_rng(streams[c])
        pid = ids.to_numpy(dtype=object)[c * CHUNK : c * CHUNK + m]
        parts.append(_chunk(rng, sc, m, pid))
    return {k: pd.concat([p[k] for p in parts], ignore_index=True) for k in parts[0]}


def simulate_cohort(
    n_patients: int,
    seed: int,
    *,
    scenario: str | Scenario = "ssa",
    markers: bool = False,
    **overrides: Any,
) -> Cohort:
    """Simulate a validated NET cohort with its latent ground truth.

    Parameters
    ----------
    n_patients
        Number of patients.
    seed
        Seed of the random streams: the same seed (and arguments) gives the same cohort.
    scenario
        ``"ssa"`` (somatostatin analogue, slow disease; default), ``"prrt"``
        (177Lu-DOTATATE, 4 cycles, pseudoprogression, SST-PET before each cycle),
        ``"targeted"`` (everolimus / sunitinib, density drop without shrinkage), ``"mixed"``
        (multi-line clinic cohort, MRI and FDG-PET in some patients) or a
        :class:`~netsurv.simulate.Scenario`.
    markers
        Also simulate CgA measurements that track the tumour burden with noise and lag
        (:mod:`netsurv.simulate.markers`; their own random stream, so the other tables do not
        change); ``truth`` then has the column ``cga_secretor``.
    **overrides
        Scenario parameters, e.g. ``death_link=0`` (survival independent of the disease
        course), ``noise_cv=0.1``, ``missed_visit_rate=0.1``, ``followup_months=36``,
        ``pseudoprogression_rate=0.2``, ``prrt__sensitive_fraction=0.6``; see
        :class:`~netsurv.simulate.Scenario`.

    Returns
    -------
    Cohort
        The validated cohort; ``cohort.truth`` has one row per patient × recorded line with
        the latent growth rates, the treatment effect, the true progression date, the
        pseudoprogression and dedifferentiation flags, the latent death date and the censoring
        date (columns described in :mod:`netsurv.simulate`).

    Raises
    ------
    netsurv.ConfigError
        For an unknown scenario or parameter or an invalid value.

    Examples
    --------
    >>> from netsurv.simulate import simulate_cohort
    >>> cohort = simulate_cohort(20, seed=3, scenario="prrt")
    >>> cohort.n_patients, sorted(cohort.lines["regimen_class"].unique())
    (20, ['PRRT'])
    >>> bool((cohort.truth["line_id"] == "L1").all())
    True

    The seed may also be given by position:

    >>> simulate_cohort(20, 3, scenario="prrt").lesions.equals(cohort.lesions)
    True
    """
    t = simulate_tables(n_patients, seed=seed, scenario=scenario, **overrides)
    truth, marker_table = t["truth"], None
    if markers:
        marker_table, secretors = simulate_markers(t["assessments"], t["lesions"], seed=seed)
        truth = truth.merge(secretors, on="patient_id", how="left")
    return Cohort.from_frames(
        t["patients"],
        t["lines"],
        t["assessments"],
        t["lesions"],
        markers=marker_table,
        truth=truth,
    )


def _chunk(
    rng: np.random.Generator, sc: Scenario, n: int, pid: np.ndarray
) -> dict[str, pd.DataFrame]:
    pat, info = draw_patients(rng, sc, n)
    les = baseline_lesions(rng, sc, pat.dd, sc.max_lines)
    burden0 = np.where(les.exists, volume_ml(les, np.arange(n), les.la), 0.0).sum(axis=1)
    rec = run_course(rng, sc, pat, les)
    death = rec.death if rec.death is not None else np.full(n, np.nan)
    dead = np.isfinite(death) & (death <= pat.censor)
    death_day = np.floor(death)
    obs_end = np.where(dead, death_day, pat.censor)

    patients = pd.DataFrame(
        {
            "patient_id": pid,
            "last_alive_date": _dates(obs_end),
            "death_date": _dates(np.where(dead, death_day, np.nan)),
            "sex": info["sex"],
            "birth_date": _dates(info["birth_day"]),
            "primary_site": info["primary_site"],
            "grade": info["grade"],
            "ki67_pct": info["ki67_pct"],
            "functional": pd.array(info["functional"], dtype="boolean"),
            "diagnosis_date": _dates(info["diagnosis_day"]),
            "ecog": ecog(burden0, info["ecog_draw"]),
        }
    )
    lines, truth = _lines(rec, sc, pid, pat, obs_end, death)
    assessments, lesions = _scans(rec, les, pid, obs_end)
    assessments["tracer"] = assign_tracers(rng, sc, assessments)
    dd = lesions.pop("_dedifferentiated").to_numpy(dtype=bool)
    assessments, lesions = add_biomarkers(rng, assessments, lesions, truth, dedifferentiated=dd)
    return {
        "patients": patients,
        "lines": lines,
        "assessments": assessments,
        "lesions": lesions,
        "truth": truth,
    }


def _dates(days: np.ndarray) -> pd.Series:
    d = np.asarray(days, dtype=float)
    out = np.full(len(d), np.datetime64("NaT"), dtype="datetime64[D]")
    ok = np.isfinite(d)
    out[ok] = d[ok].astype(np.int64).astype("datetime64[D]")
    return pd.Series(out.astype("datetime64[ns]"))


def _cat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    if not parts:
        return {}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _lines(
    rec: Records, sc: Scenario, pid: np.ndarray, pat: Any, obs_end: np.ndarray, death: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    ln = _cat(rec.lines)
    tr = _cat(rec.truth)
    row = ln["row"]
    keep = ln["start"] <= obs_end[row]
    end = np.floor(ln["end"])
    ongoing = ~(end <= obs_end[row])
    cls = np.array(THERAPY_CLASSES, dtype=object)[ln["cls"]]
    width = max(len(sc.therapies[c].regimens) for c in THERAPY_CLASSES)
    table = np.array(
        [
            [*t.regimens, *[t.regimens[-1]] * (width - len(t.regimens))]
            for t in (sc.therapies[c] for c in THERAPY_CLASSES)
        ],
        dtype=object,
    )
    regimens = table[ln["cls"], ln["regimen"]]
    cyc_len = np.array([sc.therapies[c].cycle_weeks * 7 for c in THERAPY_CLASSES])[ln["cls"]]
    seen_cycles = np.floor((obs_end[row] - ln["start"]) / cyc_len) + 1
    n_cycles = np.where(ongoing, np.minimum(ln["n_cycles"], seen_cycles), ln["n_cycles"])
    lines = pd.DataFrame(
        {
            "patient_id": pid[row],
            "line_id": LINE_NAMES[ln["line"]],
            "regimen": regimens,
            "regimen_class": cls,
            "start_date": _dates(ln["start"]),
            "end_date": _dates(np.where(ongoing, np.nan, end)),
            "end_reason": np.array(END_NAMES, dtype=object)[np.where(ongoing, 0, ln["reason"])],
            "n_cycles": pd.arrays.IntegerArray(
                np.nan_to_num(n_cycles).astype(np.int64), np.isnan(n_cycles)
            ),
            "origin_date": pd.Series(
                np.full(len(row), np.datetime64("NaT"), dtype="datetime64[ns]")
            ),
        }
    )
    lines["end_reason"] = lines["end_reason"].replace("", None)
    lines = lines[keep].sort_values(["patient_id", "start_date"], kind="stable")

    trow = tr["row"]  # truth rows are appended with the line rows: same order
    tgr_dd = pat.tgr0[trow] + sc.dedifferentiation_extra_tgr
    pdays = tr["progression_day"] - ln["start"]
    latent_death = np.where(np.isfinite(death[trow]), death[trow], np.nan)
    truth = pd.DataFrame(
        {
            "patient_id": pid[trow],
            "line_id": LINE_NAMES[tr["line"]],
            "regimen_class": np.array(THERAPY_CLASSES, dtype=object)[tr["cls"]],
            "start_date": _dates(ln["start"]),
            "tgr_baseline": np.round(pat.tgr0[trow], 3),
            "tgr_on_treatment": np.round(tr["tgr_on_treatment"], 3),
            "tgr_dedifferentiated": np.round(np.where(pat.dd[trow], tgr_dd, np.nan), 3),
            "sensitive_fraction": np.round(tr["sensitive_fraction"], 4),
            "kill_rate": np.round(tr["kill_rate"], 4),
            "growth_reduction": np.round(tr["growth_reduction"], 3),
            "resistance_months": np.round(tr["resistance_months"], 2),
            "density_drop": np.round(tr["density_drop"], 4),
            "true_nadir_pct": np.round(tr["nadir_pct"], 2),
            "true_progression_date": _dates(np.floor(tr["progression_day"])),
            "true_progression_days": np.floor(pdays),
            "true_progression_by": BY_NAMES[tr["progression_by"]],
            "window_end_date": _dates(
                np.floor(np.where(np.isfinite(tr["window_end"]), tr["window_end"], np.nan))
            ),
            "pseudoprogression": tr["pseudoprogression"].astype(bool),
            "pseudoprogression_pd": tr["pseudoprogression_pd"].astype(bool),
            "swelling_pct": np.round(100.0 * tr["swelling"], 1),
            "lesion_pseudoprogression": tr["lesion_pseudoprogression"].astype(np.int64),
            "lesion_swelling_pct": np.round(100.0 * tr["lesion_swelling"], 1),
            **organ_tgr_columns(sc, pat.tgr0[trow]),
            "dedifferentiation": pat.dd[trow],
            "death_date": _dates(np.floor(latent_death)),
            "censoring_date": _dates(pat.censor[trow]),
            "cutoff_date": _dates(pat.cutoff[trow]),
        }
    )
    truth["true_progression_by"] = truth["true_progression_by"].replace("", None)
    truth = truth[keep].sort_values(["patient_id", "start_date"], kind="stable")
    return lines.reset_index(drop=True), truth.reset_index(drop=True)


def _scans(
    rec: Records, les: Any, pid: np.ndarray, obs_end: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    sc_ = _cat(rec.scans)
    lz = _cat(rec.lesions)
    row = sc_["row"]
    # scans before the end of observation, of lines that started before it
    ln = _cat(rec.lines)
    started = np.zeros((len(obs_end), int(ln["line"].max(initial=0)) + 1), dtype=bool)
    started[ln["row"], ln["line"]] = ln["start"] <= obs_end[ln["row"]]
    keep = (sc_["day"] <= obs_end[row]) & started[row, sc_["line"]]
    idx = np.flatnonzero(keep)
    order = idx[np.lexsort((sc_["line"][idx], sc_["modality"][idx], sc_["day"][idx], row[idx]))]
    r = row[order]
    first = np.r_[True, r[1:] != r[:-1]] if len(r) else np.zeros(0, bool)
    seq = np.arange(len(r)) - np.maximum.accumulate(np.where(first, np.arange(len(r)), 0))
    num = np.full(len(row), -1, dtype=np.int64)
    num[order] = seq
    width = max(3, len(str(int(seq.max(initial=0)) + 1)))
    aid_names = (
        pd.Series(np.arange(1, int(seq.max(initial=0)) + 2))
        .astype(str)
        .str.zfill(width)
        .radd("A")
        .to_numpy(dtype=object)
    )
    assessments = pd.DataFrame(
        {
            "patient_id": pid[r],
            "assessment_id": aid_names[seq],
            "date": _dates(sc_["day"][order]),
            "modality": np.array(MODALITY_NAMES, dtype=object)[sc_["modality"][order]],
            "line_id": LINE_NAMES[sc_["line"][order]],
            "nontarget_status": np.array(NTL, dtype=object)[sc_["nontarget"][order]],
            "new_lesion": pd.array(sc_["new_lesion"][order], dtype="boolean"),
            "reader_response": np.array(READS, dtype=object)[sc_["response"][order]],
        }
    )
    for c in ("nontarget_status", "reader_response"):
        assessments[c] = assessments[c].replace("", None)

    lk = keep[lz["scan"]]
    li = np.flatnonzero(lk)
    lrow, slot = lz["row"][li], lz["slot"][li]
    # new lesions numbered per patient in order of their slots (line, then birth order)
    born = les.born_line >= 0
    new_no = np.cumsum(born, axis=1)
    kind = np.where(slot < MAX_CT_LESIONS, 0, np.where(slot < MAX_CT_LESIONS + MAX_PET_ONLY, 1, 2))
    number = np.where(kind == 2, new_no[lrow, slot], les.number[lrow, slot])
    names = np.array([f"{p}{k:02d}" for p in "LSN" for k in range(100)], dtype=object)
    lesions = pd.DataFrame(
        {
            "patient_id": pid[lrow],
            "assessment_id": aid_names[num[lz["scan"][li]]],
            "lesion_id": names[kind * 100 + np.minimum(number, 99)],
            "site": np.array(SITES, dtype=object)[les.site[lrow, slot]],
            "role": ROLE_NAMES[lz["role"][li]],
            "long_axis_mm": lz["la"][li],
            "short_axis_mm": lz["sa"][li],
            "density_hu": lz["density"][li],
            "volume_ml": lz["volume"][li],
            "suv_max": lz["suv_max"][li],
            "suv_mean": lz["suv_mean"][li],
            "sul_peak": lz["sul_peak"][li],
            "viable_long_axis_mm": lz["viable"][li],
            "measurement_flag": FLAG_NAMES[lz["flag"][li]],
            "_dedifferentiated": les.dd[lrow, slot],
        }
    )
    lesions = lesions.sort_values(["patient_id", "assessment_id", "lesion_id"], kind="stable")
    return assessments.reset_index(drop=True), lesions.reset_index(drop=True)
