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
