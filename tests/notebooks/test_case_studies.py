"""The case-study notebooks' numbers, recomputed independently from the raw files.

Each case study prints its key numbers as JSON in a cell tagged ``key-numbers`` and states them
in the markdown below it.  Here the raw CSV files shipped in ``netsurv/datasets/`` are read with
pandas only, the analysis is redone with lifelines (landmark sets, log-rank test, Efron Cox), and
both the printed and the stated numbers are checked, so a case study cannot drift silently.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

nbformat = pytest.importorskip("nbformat")
lifelines = pytest.importorskip("lifelines")

from lifelines import CoxPHFitter, KaplanMeierFitter  # noqa: E402
from lifelines.statistics import logrank_test  # noqa: E402

from netsurv.datasets import dataset_folder  # noqa: E402

DAYS_PER_MONTH = 30.4375


def key_numbers(executed: Path | str) -> tuple[dict, str]:
    """The JSON printed by the ``key-numbers`` cell and the markdown cell after it."""
    assert isinstance(executed, Path), f"the notebook did not run: {executed}"
    nb = nbformat.read(executed, as_version=4)
    for i, cell in enumerate(nb.cells):
        if "key-numbers" in cell.metadata.get("tags", []):
            text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            return json.loads(text), nb.cells[i + 1].source
    raise AssertionError("no cell tagged key-numbers")


# --------------------------------------------------------------------------- INSPIRE
def inspire_landmark(threshold: float, months: float) -> pd.DataFrame:
    """Landmark set from the raw reportRmd files: alive at L, shrinkage <= threshold by L.

    Days as the README says (OS = round(os_time x 30.4375), visit = round(weeks x 7) days after
    day 0), counted as netsurv and ADaM count them: the start is day 1 (``AVAL = ADT - STARTDT +
    1``), so a visit on day 60 after the start is "day 61" against a 2-month landmark (60.875).
    """
    folder = dataset_folder("inspire")
    pts = pd.read_csv(folder / "pembrolizumab.csv")
    visits = pd.read_csv(folder / "ctDNA.csv").dropna(subset=["size_change"])
    cut = months * DAYS_PER_MONTH
    os_days = np.rint(pts["os_time"] * DAYS_PER_MONTH) + 1
    seen = visits[np.rint(visits["time"] * 7) + 1 <= cut]
    shrunk = set(seen.loc[seen["size_change"] <= 100 * threshold + 1e-9, "id"])
    out = pd.DataFrame(
        {
            "time": os_days - cut,
            "event": pts["os_status"],
            "responder": pts["id"].isin(shrunk).astype(int),
        }
    )
    return out[os_days > cut].reset_index(drop=True)


@pytest.mark.slow
def test_inspire_case_study_numbers(executed_notebooks: dict[str, Path | str]) -> None:
    key, statement = key_numbers(executed_notebooks["06_inspire_early_shrinkage"])
    assert key["n_patients"] == 94
    assert len(key["sweep"]) == 6
    for row in key["sweep"]:
        d = inspire_landmark(row["response_threshold"], row["landmark_months"])
        r = d["responder"] == 1
        assert (row["n"], row["n_group1"], row["events_group1"]) == (
            len(d),
            int(r.sum()),
            int(d.loc[r, "event"].sum()),
        )
        lr = logrank_test(
            d.loc[r, "time"], d.loc[~r, "time"], d.loc[r, "event"], d.loc[~r, "event"]
        )
        assert row["logrank_chi2"] == pytest.approx(lr.test_statistic, rel=1e-5)
        cox = CoxPHFitter().fit(  # lifelines' default stopping rule (1e-7) is too loose here
            d[["time", "event", "responder"]], "time", "event", fit_options={"precision": 1e-12}
        )
        assert row["hr"] == pytest.approx(float(np.exp(cox.params_["responder"])), rel=1e-5)
    best = max(key["sweep"], key=lambda r: r["logrank_chi2"])
    assert key["best"]["logrank_chi2"] == pytest.approx(best["logrank_chi2"], abs=1e-3)
    d = inspire_landmark(-0.1, 3)
    km = KaplanMeierFitter().fit(d.loc[d["responder"] == 0, "time"] / DAYS_PER_MONTH,
                                 d.loc[d["responder"] == 0, "event"])
    assert key["median_os_from_3mo_no_shrinkage"] == pytest.approx(km.median_survival_time_,
                                                                   abs=0.005)
    # the markdown states these numbers
    b, f = key["best"], key["firth_3mo"]["-0.1"]
    row3 = next(r for r in key["sweep"] if r["landmark_months"] == 3 and r["response_threshold"] == -0.1)
    stated = [
        f"Of {row3['n']} patients alive at 3 months, {row3['n_group1']} had shrunk",
        f"{row3['events_group1']} of them died",
        f"χ² = {b['logrank_chi2']:.2f}",
        f"ordinary Cox HR {row3['hr']:.2f}",
        f"Firth HR {f['hr']:.2f} with profile 95 % CI {f['lower']:.2f}–{f['upper']:.2f}",
        f"{key['median_os_from_3mo_no_shrinkage']:.2f} months without",
        f"permutation p-value is {b['p_search']:.3f}",
        f"optimism-corrected χ² {b['corrected']:.2f}",
    ]
    text = re.sub(r"\s+", " ", statement)
    for s in stated:
        assert s in text, f"the notebook's conclusion no longer says {s!r}"


# --------------------------------------------------------------------------- Laleh et al.
def recist_by_hand(pr: float, pd_rel: float, pd_abs: float = 5.0) -> pd.DataFrame:
    """Every follow-up time-point response of the tumour-size data, derived from the raw CSV.

    As the dataset's README and RECIST 1.1 say: exact duplicate rows once, a patient with two
    diameters on one day left out; baseline = the last visit on or before the start, at most
    28 days before it (RECIST 1.1: "never more than 4 weeks before the beginning of the
    treatment"); follow-ups after the start.  PD: >= +pd_rel and >= pd_abs mm over the
    nadir (the smallest earlier value, baseline included), or any disease after a confirmed
    CR (two CR visits >= 28 days apart, nothing else between); CR: 0; PR: <= pr from baseline;
    else SD.
    """
    raw = pd.read_csv(dataset_folder("laleh") / "tumor_size.csv.gz")
    raw = raw.drop_duplicates(["Pt_hashID", "T_days", "Lesion_diam"])
    clash = raw.duplicated(["Pt_hashID", "T_days"], keep=False)
    raw = raw[~raw["Pt_hashID"].isin(raw.loc[clash, "Pt_hashID"])]
    rows = []
    for pid, g in raw.sort_values("T_days", kind="stable").groupby("Pt_hashID"):
        pre = g[(g["T_days"] <= 0) & (g["T_days"] >= -28)]
        if pre.empty:
            continue
        nadir = base = float(pre["Lesion_diam"].iloc[-1])
        cr_since, confirmed = None, False
        for day, v in g.loc[g["T_days"] > 0, ["T_days", "Lesion_diam"]].itertuples(index=False):
            grows = v >= nadir * (1 + pd_rel) - 1e-9 and v - nadir >= pd_abs - 1e-9
            if (grows and v > 0) or (confirmed and v > 0):
                resp = "PD"
            elif v == 0:
                resp = "CR"
            elif v / base - 1 <= pr + 1e-9:
                resp = "PR"
            else:
                resp = "SD"
            if resp == "CR":
                cr_since = day if cr_since is None else cr_since
                confirmed = confirmed or day - cr_since >= 28
            else:
                cr_since = None
            nadir = min(nadir, v)
            rows.append((pid, day, resp))
    return pd.DataFrame(rows, columns=["patient_id", "day", "response"])


@pytest.mark.slow
def test_tumour_size_case_study_numbers(executed_notebooks: dict[str, Path | str]) -> None:
    key, statement = key_numbers(executed_notebooks["07_tumour_size_response"])
    for name, (pr, pd_rel) in {"recist1.1": (-0.3, 0.2), "recist_10_10": (-0.1, 0.1)}.items():
        hand = recist_by_hand(pr, pd_rel)
        assert hand["patient_id"].nunique() == key["lines_read"][name]
        assert hand["response"].value_counts().to_dict() == key["timepoints"][name], name
    raw = pd.read_csv(dataset_folder("laleh") / "tumor_size.csv.gz")
    window = raw["T_days"].between(-28, 0)
    no_baseline = raw["Pt_hashID"].nunique() - raw.loc[window, "Pt_hashID"].nunique()
    assert key["no_baseline"] == no_baseline  # no visit on or up to 28 days before day 0
    assert key["n_patients"] == raw["Pt_hashID"].nunique() - 1  # one set aside on loading
    tp = key["timepoints"]["recist1.1"]
    text = re.sub(r"\s+", " ", statement)
    for s in [
        f"Of {key['n_patients']:,} patients, {key['lines_read']['recist1.1']:,} have a baseline",
        f"{key['no_baseline']} are set aside",
        f"the {sum(tp.values()):,} follow-up scans read {tp['CR']} CR, {tp['PR']:,} PR, "
        f"{tp['SD']:,} SD and {tp['PD']:,} PD",
        f"{key['timepoints']['recist_10_10']['PR']:,} PR and "
        f"{key['timepoints']['recist_10_10']['PD']:,} PD",
        "{CR} CR, {PR} PR, {SD} SD and {PD} PD".format(**key["bor_recist"]),
    ]:
        assert s in text, f"the notebook's conclusion no longer says {s!r}"
