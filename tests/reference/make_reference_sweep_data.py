"""Write the data that ``make_reference_sweep.R`` fits with R's survival package.

Run from the repository root::

    .venv/bin/python tests/reference/make_reference_sweep_data.py

``data/sweep.csv`` is a deterministic simulated cohort of 150 lines: rounded times (heavy ties,
censoring tied with events), eight fixed groupings ``g1`` ... ``g8`` (``g7``: group 1 has no
events, ``g8``: group 1 is empty), three switch times ``s1`` ... ``s3`` of a time-dependent
grouping (``inf`` = never; ``s1`` has switches on the day of the event) and two bootstrap
weight vectors ``w1``, ``w2`` (R fits them as duplicated rows).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent / "data"


def sweep_data() -> pd.DataFrame:
    rng = np.random.default_rng(20240601)
    n = 150
    latent = rng.normal(size=n)
    time = np.round(rng.exponential(12 * np.exp(-0.4 * latent))) + 1
    event = (rng.random(n) < 0.75).astype(int)
    cols: dict[str, np.ndarray] = {"id": np.arange(1, n + 1), "time": time, "event": event}
    # threshold-like groupings of a noisy marker of the latent risk
    marker = latent + rng.normal(scale=1.0, size=n)
    for j, cut in enumerate(np.quantile(marker, [0.2, 0.35, 0.5, 0.65, 0.8, 0.9]), start=1):
        cols[f"g{j}"] = (marker >= cut).astype(int)
    cols["g7"] = ((marker >= np.quantile(marker, 0.85)) & (event == 0)).astype(int)
    cols["g8"] = np.zeros(n, dtype=int)
    for j in (1, 2, 3):
        s = np.round(rng.uniform(0, 15, n))
        s[rng.random(n) < 0.4] = np.inf
        if j == 1:
            s[:6] = time[:6]
        cols[f"s{j}"] = s
    for j in (1, 2):
        cols[f"w{j}"] = rng.multinomial(n, np.full(n, 1 / n))
    return pd.DataFrame(cols)


if __name__ == "__main__":
    DATA.mkdir(exist_ok=True)
    sweep_data().to_csv(DATA / "sweep.csv", index=False)
    print("wrote", DATA / "sweep.csv")
