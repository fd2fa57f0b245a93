"""The run's response-rate tables (exact CIs, paired comparison with the reference criterion)
and Table 1's median follow-up (reverse Kaplan–Meier of OS)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netsurv.config import Config
from netsurv.errors import ConfigError
from netsurv.pipeline import stages
from netsurv.survival import median_follow_up, proportion_ci
from netsurv.tables import table_one


@pytest.fixture(scope="module")
def analysed() -> stages.Analysed:
    cfg = Config.model_validate(
        {"run": {"name": "t"}, "criteria": {"presets": ["recist1.1", "recist_mr", "choi"]}}
    )
    return stages.analyse(cfg, stages.load_cohort(cfg))


def test_response_rate_tables(analysed: stages.Analysed) -> None:
    rates, paired = stages.response_rate_tables(analysed)
    assert rates["criterion"].drop_duplicates().tolist() == ["recist1.1", "recist_mr", "choi"]
    b = analysed.best
    for row in rates.itertuples():
        part = b[b["criterion"] == row.criterion]
        assert row.n == len(part)
        lo, up = proportion_ci(row.count, row.n)
        assert (row.lower, row.upper) == (float(lo), float(up))
    # RECIST with minor response has the same ORR as RECIST 1.1 and a DCR at least as large
    r = rates.set_index(["criterion", "rate"])["count"]
    assert r["recist_mr", "ORR"] == r["recist1.1", "ORR"]
    assert r["recist_mr", "DCR"] >= r["recist1.1", "DCR"]
    assert paired is not None
    assert set(paired["criterion"]) == {"recist_mr", "choi"}
    assert (paired["reference"] == "recist1.1").all()
    assert np.allclose(paired["difference"], paired["estimate"] - paired["estimate_reference"])
    summary = stages.bor_summary(analysed).set_index("criterion")
    dcr = rates[rates["rate"] == "DCR"].set_index("criterion")
    assert np.allclose(summary.loc[dcr.index, "dcr_pct"], np.round(100 * dcr["estimate"], 1))


def test_table1_reports_median_follow_up(analysed: stages.Analysed) -> None:
    t1 = stages.table1(analysed)
    row = t1[t1["variable"] == "follow-up"].iloc[0]
    os_rows = analysed.endpoints.table.query("endpoint == 'OS'")
    fu = median_follow_up(os_rows, duration_col="months", event_col="event").iloc[0]
    assert row["Overall"] == f"{fu['median']:.1f} ({fu['lower']:.1f}–{fu['upper']:.1f})"


def test_table_one_follow_up_cells() -> None:
    df = pd.DataFrame(
        {
            "arm": ["a"] * 4 + ["b"] * 4,
            "m": [3.0, 8, 12, 15, 20, 24, 30, 36],
            "d": [1, 0, 1, 0, 0, 1, 0, 0],
        }
    )
    t1 = table_one(df, by="arm", categorical=[], continuous=[], follow_up=("m", "d"))
    row = t1.set_index("variable").loc["follow-up"]
    assert row["level"] == "median (95% CI), reverse KM"
    # R: print(survfit(Surv(m, 1 - d) ~ arm)): b 30 (20, NA); overall 30 (15, NA)
    assert row["b"] == "30.0 (20.0–NR)" and row["Overall"] == "30.0 (15.0–NR)"
    with pytest.raises(ConfigError, match="follow_up column"):
        table_one(df, categorical=[], continuous=[], follow_up=("m", "x"))
