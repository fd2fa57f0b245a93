"""Write the datasets that ``make_reference.R`` fits with R's survival package.

Run from the repository root::

    .venv/bin/python tests/reference/make_reference_data.py

The lifelines datasets are written as shipped (plus a few numeric codings of factor columns, so
the Python side, which takes numeric covariates only, fits the same design as R).  Two small
synthetic datasets are built deterministically by hand:

``ties``
    Three groups with heavy ties, censoring tied with events, a flat stretch of the KM curve at
    exactly S = 0.5 (group A: median is the midpoint of the stretch), a curve that ends on
    S = 0.5 (group C: median is the first time at 0.5), non-integer case weights and two strata.
``monotone``
    A binary covariate whose ``x = 1`` group has no events, so the Cox estimate diverges
    (R: "coefficient may be infinite").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from lifelines import datasets

DATA = Path(__file__).resolve().parent / "data"


def ties() -> pd.DataFrame:
    """Hand-built data with heavy ties and exact flat stretches at S = 0.5."""
    # group A: 12 subjects, 6 events by t = 5 and none until t = 9 -> S = 0.5 on [5, 9)
    a_time = [2, 2, 3, 3, 5, 5, 6, 7, 9, 9, 12, 12]
    a_event = [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0]
    # group B: heavy ties, censoring tied with events
    b_time = [1, 1, 1, 2, 2, 4, 4, 4, 4, 6, 6, 8, 8, 8, 10, 10, 12, 14]
    b_event = [1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0]
    # group C: the curve ends on S = 0.5 (no later drop)
    c_time = [3, 3, 4, 4, 7, 7, 9, 9]
    c_event = [1, 1, 1, 1, 0, 0, 0, 0]
    time = a_time + b_time + c_time
    event = a_event + b_event + c_event
    group = ["A"] * len(a_time) + ["B"] * len(b_time) + ["C"] * len(c_time)
    n = len(time)
    i = np.arange(n)
    return pd.DataFrame(
        {
            "id": i + 1,
            "time": np.asarray(time, dtype=float),
            "event": event,
            "group": group,
            "grp": pd.Series(group).map({"A": 1, "B": 2, "C": 3}).to_numpy(),
            # a continuous covariate with ties and a binary one, fixed patterns
            "x1": ((i * 7) % 5) / 2.0 - 1.0,
            "x2": (i % 3 == 0).astype(int),
            "stratum": np.where(i % 2 == 0, "s1", "s2"),
            "w": np.array([1.0, 2.0, 0.5, 1.5])[i % 4],
        }
    )


def monotone() -> pd.DataFrame:
    """A covariate with no events in its x = 1 group: the Cox estimate diverges."""
    n = 30
    i = np.arange(n)
    x = (i % 3 == 0).astype(int)
    time = 1.0 + (i * 11) % 23
    event = np.where(x == 1, 0, (i % 4 != 1).astype(int))
    z = ((i * 5) % 7 - 3) / 3.0
    return pd.DataFrame({"time": time, "event": event, "x": x, "z": z})


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    rossi = datasets.load_rossi()
    waltons = datasets.load_waltons()
    lung = datasets.load_lung()  # status already 0/1 (R's survival::lung codes it 1/2)
    # non-integer case weights (R's default variance is then robust) and a binary stratum
    lung["w"] = 0.5 + (np.arange(len(lung)) % 4) / 2.0
    lung["inst_known"] = lung["inst"].notna().astype(int)
    larynx = datasets.load_larynx()
    larynx["stage"] = 1 + larynx["Stage_II"] + 2 * larynx["Stage_III"] + 3 * larynx["Stage_IV"]
    gbsg2 = datasets.load_gbsg2()
    gbsg2["hormon"] = (gbsg2["horTh"] == "yes").astype(int)
    gbsg2["postmeno"] = (gbsg2["menostat"] == "Post").astype(int)
    gbsg2["grade"] = gbsg2["tgrade"].map({"I": 1, "II": 2, "III": 3})
    stanford = datasets.load_stanford_heart_transplants()
    frames = {
        "rossi": rossi,
        "waltons": waltons,
        "lung": lung,
        "larynx": larynx,
        "gbsg2": gbsg2,
        "stanford": stanford,
        "ties": ties(),
        "monotone": monotone(),
    }
    for name, frame in frames.items():
        frame.to_csv(DATA / f"{name}.csv", index=False)
        print(f"wrote {DATA / f'{name}.csv'} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
