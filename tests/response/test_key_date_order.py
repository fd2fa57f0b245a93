"""``key_date_order`` (the endpoint engine's and the best response's row order) is the order
``sort_values([key, date, id], kind="stable")`` gives, missing dates and ids last."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from netsurv.response.prepare import key_date_order


@pytest.mark.parametrize("seed", range(20))
def test_same_order_as_a_stable_sort(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    key = rng.integers(0, 25, n)
    day = np.datetime64("2020-01-01") + rng.integers(0, 6, n).astype("timedelta64[D]")
    date = day.astype("datetime64[ns]")
    date[rng.random(n) < 0.05] = np.datetime64("NaT")
    ident = rng.choice(np.array(["A1", "A2", "B1", "b0", None], dtype=object), n)
    frame = pd.DataFrame({"k": key, "d": date, "i": ident})
    expected = frame.sort_values(["k", "d", "i"], kind="stable").index.to_numpy()
    assert key_date_order(key, date, ident).tolist() == expected.tolist()


def test_no_ties_no_text_compared() -> None:
    date = np.array(["2020-01-02", "2020-01-01"], dtype="datetime64[ns]")
    # identifiers that cannot be compared with each other are never compared without ties
    ident = np.array([1, "x"], dtype=object)
    assert key_date_order(np.array([0, 0]), date, ident).tolist() == [1, 0]
