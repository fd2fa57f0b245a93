"""Standard errors of the Aalen–Johansen cumulative incidence, in closed form.

Two estimators, both as cumulative sums over the distinct times (no loop over subjects):

- :func:`ij_se`, the infinitesimal jackknife of R ``survfit``'s multi-state curves (case
  weights allowed): the sum of each subject's squared weighted influence on F_k(t);
- :func:`delta_se`, the delta-method (Aalen-type) estimator of ``cmprsk::cuminc``, with its
  correction for tied events.

Both are 0 where the cumulative incidence is still 0 (no event of the cause yet), as R's.
Used by :func:`netsurv.survival.cumulative_incidence`.

Examples
--------
Three subjects, events of cause 1 at times 1 and 2, one censored at 3; ``cmprsk::cuminc``'s
``timepoints(fit, 1:3)$var`` is 0.1111, 0.1389, 0.1389:

>>> import numpy as np
>>> n, d = np.array([3.0, 2.0, 1.0]), np.array([1.0, 1.0, 0.0])
>>> surv = np.cumprod(1 - d / n)
>>> cif = 1 - surv
>>> delta_se(d, d, n, surv, cif).round(4)
array([0.3333, 0.3727, 0.3727])
"""

from __future__ import annotations

import numpy as np


def ij_se(
    idx: np.ndarray,
    cause: np.ndarray,
    w: np.ndarray,
    k: int,
    n: np.ndarray,
    d_all: np.ndarray,
    s_before: np.ndarray,
    cif: np.ndarray,
) -> np.ndarray:
    """Infinitesimal-jackknife standard error of one cause's CIF at every distinct time.

    With dΛ = d / n, the derivative of F_k(t_j) with respect to the weight of a subject whose
    time is t_m is closed-form: for m >= j it is ``H_j − B_j`` (+ ``S(t_j−) / n_j`` for a
    cause-k event at t_j), for m < j it is linear in F_k(t_j), ``α + β F_k(t_j)``.  The
    variance ``Σ_i (w_i D_i)²`` is then a handful of cumulative sums (R ``survfit``'s
    multi-state ``std.err``, which sums the squared weighted influence).
    """
    m = n.size
    a = np.diff(np.concatenate([[0.0], cif]))  # CIF increments S(t−) d_k / n
    nd = n - d_all
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(nd > 0, d_all / (n * nd), 0.0)
        inv_nd = np.where(nd > 0, 1.0 / nd, 0.0)
    big_g = np.cumsum(g)
    big_b = np.cumsum(a / n)
    big_h = np.cumsum(a * np.concatenate([[0.0], big_g[:-1]]))
    delta = (cause > 0).astype(float)
    is_k = (cause == k).astype(float)
    nxt = np.minimum(idx + 1, m - 1)
    beta = big_g[idx] - delta * inv_nd[idx]
    alpha = (
        delta * cif[idx] * inv_nd[idx]
        + big_h[nxt]
        - big_g[idx] * cif[nxt]
        + is_k * s_before[idx] / n[idx]
        - big_b[idx]
    )
    w2 = w * w

    def before(values: np.ndarray) -> np.ndarray:
        per_time = np.bincount(idx, weights=values, minlength=m)
        return np.concatenate([[0.0], np.cumsum(per_time)[:-1]])

    past = before(w2 * alpha * alpha) + 2 * cif * before(w2 * alpha * beta)
    past += cif * cif * before(w2 * beta * beta)
    at_risk_w2 = np.cumsum(np.bincount(idx, weights=w2, minlength=m)[::-1])[::-1]
    base = big_h - big_b
    jump = s_before / n
    k_w2 = np.bincount(idx, weights=w2 * is_k, minlength=m)
    var = past + at_risk_w2 * base**2 + k_w2 * ((base + jump) ** 2 - base**2)
    return np.sqrt(np.clip(var, 0.0, None))


def delta_se(
    d_k: np.ndarray, d_all: np.ndarray, n: np.ndarray, surv: np.ndarray, cif: np.ndarray
) -> np.ndarray:
    """``cmprsk::cuminc``'s delta-method (Aalen) standard error, with its tie correction
    ``1 − (d − 1)/(n − 1)``; it changes only at the cause's own event times."""
    s_before = np.concatenate([[1.0], surv[:-1]])
    d_other = d_all - d_k
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_s = np.where(surv > 0, 1.0 / surv, 0.0)

        def ties(d: np.ndarray) -> np.ndarray:
            return np.where(d > 1, 1.0 - (d - 1.0) / (n - 1.0), 1.0)

        t6 = np.where((d_other > 0) & (surv > 0), s_before**2 * ties(d_other) * d_other / n**2, 0.0)
        t4 = cif * inv_s
        v1, v2, v3 = t4 * t4 * t6, inv_s * t4 * t6, inv_s * inv_s * t6
        t6 = np.where(d_k > 0, s_before**2 * ties(d_k) * d_k / n**2, 0.0)
        t4 = 1.0 + inv_s * cif
        v1, v2, v3 = v1 + t4 * t4 * t6, v2 + inv_s * t4 * t6, v3 + inv_s * inv_s * t6
    var = np.cumsum(v1) + cif * cif * np.cumsum(v3) - 2 * cif * np.cumsum(v2)
    last = np.maximum.accumulate(np.where(d_k > 0, np.arange(d_k.size), -1))
    var = np.where(last >= 0, var[np.clip(last, 0, None)], 0.0)
    return np.sqrt(np.clip(var, 0.0, None))
