"""Merge-sort pair counting against pair-by-pair counting, and Harrell's C built on it.

The brute-force versions visit every pair (n²); the package's never do.  With integer weights
the sums are exact, so the two agree to the last bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from netsurv.survival._concordance import dominance_sums, dominance_totals
from netsurv.survival._harrell import harrell_c
from netsurv.survival._sorting import lexsort


def brute_sums(v, w, seg, *, later: bool):
    n = v.size
    out = np.zeros((3, n))
    for p in range(n):
        for q in range(n):
            if (q > p if later else q < p) and seg[q] == seg[p]:
                out[0 if v[q] < v[p] else 1 if v[q] == v[p] else 2, p] += w[q]
    return out


@pytest.mark.parametrize("n_ranks", [2, 5, 40])  # the few-ranks path and the merge
def test_dominance_sums_equal_pair_by_pair_sums(n_ranks: int) -> None:
    rng = np.random.default_rng(n_ranks)
    for n in [0, 1, 2, 3, 17, 64, 90]:
        v = rng.integers(0, n_ranks, n)
        seg = np.sort(rng.integers(0, 3, n))
        wl = rng.integers(0, 4, n).astype(float)
        we = rng.integers(0, 4, n).astype(float)
        later, earlier = dominance_sums(v, later=wl, earlier=we, seg=seg)
        assert later is not None and earlier is not None
        np.testing.assert_array_equal(np.array(later), brute_sums(v, wl, seg, later=True))
        np.testing.assert_array_equal(np.array(earlier), brute_sums(v, we, seg, later=False))
        only, none = dominance_sums(v, later=wl)
        assert none is None and only is not None
        np.testing.assert_array_equal(np.array(only), brute_sums(v, wl, 0 * v, later=True))


def test_segments_must_be_sorted() -> None:
    with pytest.raises(ValueError, match="non-decreasing"):
        dominance_sums(np.array([0, 1]), later=np.ones(2), seg=np.array([1, 0]))


def test_dominance_totals_equal_pair_by_pair_totals() -> None:
    rng = np.random.default_rng(4)
    for n in [1, 2, 5, 30, 70]:
        rx = rng.integers(0, max(1, n // 3), n)  # many ties in the first rank
        ry = rng.integers(0, max(1, n // 2), n)
        w = rng.integers(0, 3, (4, n)).astype(float)
        q1, l1 = rng.random(n) < 0.6, rng.random(n) < 0.7
        q2, l2 = rng.random(n) < 0.5, np.ones(n)
        got = dominance_totals(rx, ry, w, [(q1, l1, "less"), (q2, l2, "greater")])
        first = rx[:, None] < rx[None, :]
        less = first & (ry[None, :] < ry[:, None])
        greater = first & (ry[None, :] > ry[:, None])
        for b in range(4):
            a1, a2 = w[b] * q1, w[b] * q2
            assert got[0, b] == a1 @ less @ (w[b] * l1)
            assert got[1, b] == a2 @ greater @ (w[b] * l2)


def brute_harrell(time, event, score, w, stratum, start):
    """Comparable pairs, tied pairs and the per-row pieces of R's IJ variance, pair by pair."""
    n = time.size
    conc = disc = tx = ty = txy = 0.0
    c_inf, d_inf, t_inf = np.zeros(n), np.zeros(n), np.zeros(n)
    for i in range(n):
        for j in range(n):
            if i == j or stratum[i] != stratum[j] or not event[i]:
                continue
            if event[j] and time[j] == time[i]:
                if i < j:
                    if score[i] == score[j]:
                        txy += w[i] * w[j]
                    else:
                        ty += w[i] * w[j]
                continue
            at_risk = time[j] > time[i] or (time[j] == time[i] and not event[j])
            if start is not None:
                at_risk = at_risk and start[j] < time[i]
            if not at_risk:
                continue
            pw = w[i] * w[j]
            if score[i] > score[j]:
                conc += pw
                c_inf[i] += w[j]
                c_inf[j] += w[i]
            elif score[i] < score[j]:
                disc += pw
                d_inf[i] += w[j]
                d_inf[j] += w[i]
            else:
                tx += pw
                t_inf[i] += w[j]
                t_inf[j] += w[i]
    return conc, disc, tx, ty, txy, c_inf, d_inf, t_inf


def test_harrell_c_equals_the_pair_by_pair_counts() -> None:
    rng = np.random.default_rng(9)
    for it in range(60):
        n = int(rng.integers(2, 45))
        time = rng.integers(1, 9, n).astype(float)
        event = rng.random(n) < 0.6
        event[0] = True
        score = rng.integers(0, [2, 3, 30][it % 3], n).astype(float)
        w = rng.integers(1, 4, n).astype(float) if it % 2 else np.ones(n)
        stratum = rng.integers(0, 2, n) if it % 4 == 1 else np.zeros(n, dtype=np.int64)
        start = np.maximum(time - rng.integers(1, 5, n), 0.0) if it % 3 == 2 else None
        got = harrell_c(
            time,
            event,
            score,
            weights=w,
            stratum=stratum if it % 4 == 1 else None,
            start=start,
        )
        conc, disc, tx, ty, txy, c_inf, d_inf, t_inf = brute_harrell(
            time, event, score, w, stratum, start
        )
        assert (got.concordant, got.discordant, got.tied_x) == (conc, disc, tx)
        assert (got.tied_y, got.tied_xy) == (ty, txy)
        npair = conc + disc + tx
        if npair == 0:
            assert np.isnan(got.concordance)
            continue
        somer = (conc - disc) / npair
        dfbeta = w * ((c_inf - d_inf) / npair - somer / npair * (c_inf + d_inf + t_inf))
        assert got.concordance == pytest.approx((somer + 1) / 2, rel=1e-14)
        assert got.std == pytest.approx(np.sqrt(np.sum(dfbeta**2) / 4), rel=1e-12)


def test_lexsort_is_numpys() -> None:
    """The radix sort of combined ranks gives np.lexsort's permutation: floats with ties,
    -0.0 and NaN, the event flag, integer codes, one key, a constant key, too many values."""
    rng = np.random.default_rng(21)
    for it in range(40):
        n = int(rng.integers(0, 3000))
        times = rng.integers(0, [5, 200, 4000][it % 3], n).astype(float)
        times[rng.random(n) < 0.05] = np.nan
        times[times == 0] = -0.0
        flag = rng.random(n) < 0.5
        codes = rng.integers(0, [1, 3, 70000][it % 3], n)
        for keys in [(flag, times), (times,), (codes,), (flag, times, codes), (times, flag)]:
            assert lexsort(keys).tolist() == np.lexsort(keys).tolist()
