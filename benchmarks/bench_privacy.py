"""Benchmark of the privacy transform of one large result table (pseudonyms, row keys, date
shift, free text) with the cohort's pseudonyms known, as in ``netsurv run``.

Run: ``.venv/bin/python benchmarks/bench_privacy.py [n_patients] [n_rows]``.
Prints CPU and wall time.  Not part of the test suite.
"""

from __future__ import annotations

import dataclasses
import sys
import time

import numpy as np
import pandas as pd

from netsurv.pipeline.privacy import Privacy


def endpoints_like(n_patients: int, n_rows: int, seed: int = 1) -> pd.DataFrame:
    """An endpoints-shaped table: patient, line, criterion, a date, days, a reason, a row key."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"P{i:06d}" for i in range(n_patients)], dtype=object)
    pid = ids[rng.integers(0, n_patients, n_rows)]
    df = pd.DataFrame(
        {
            "patient_id": pid,
            "line_id": rng.choice(["L1", "L2", "L3"], n_rows),
            "criterion": rng.choice(["recist1.1", "choi"], n_rows),
            "date": pd.Timestamp("2015-01-01")
            + pd.to_timedelta(rng.integers(0, 3000, n_rows), unit="D"),
            "days": rng.integers(0, 3000, n_rows),
            "event_or_censor_reason": rng.choice(["death", "progression (choi)"], n_rows),
            "source_table": "assessments",
        }
    )
    scan = pd.Series(rng.integers(0, 60, n_rows)).astype(str).str.zfill(3)
    return df.assign(source_key=df["patient_id"] + " / A" + scan)


def main(n_patients: int = 100_000, n_rows: int = 1_000_000) -> None:
    df = endpoints_like(n_patients, n_rows)
    priv = Privacy(key="k" * 64, pseudonymise=True, date_shift="per_patient", min_cell=5)
    ids = list(pd.unique(df["patient_id"]))
    t = time.perf_counter()
    known = {"patient": dict(zip(ids, priv.pseudonyms("patient", ids), strict=True))}
    print(f"{len(ids):,} patient pseudonyms: {time.perf_counter() - t:.2f} s")
    priv = dataclasses.replace(priv, known=known)
    cpu, wall = time.process_time(), time.perf_counter()
    out = priv.table("endpoints", df)
    print(
        f"table of {n_rows:,} rows, {n_patients:,} patients: cpu "
        f"{time.process_time() - cpu:.1f} s, wall {time.perf_counter() - wall:.1f} s"
    )
    assert not out["patient_id"].isin(ids).any()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
