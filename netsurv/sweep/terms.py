"""The partial likelihood of one binary covariate as (A, C) terms, maximised for many at once.

At an event time with ``m`` (weighted) deaths, Efron's l-th term (l = 0 … m-1) of the risk-set
sum is ``A + C·e^β`` with ``A = N0 - (l/m) D0`` and ``C = N1 - (l/m) D1`` (Breslow: l = 0 only,
counted m times).  :func:`terms` lays these out as one row per (replicate, grouping), and a
safeguarded Newton–Raphson runs on all rows together: the score is monotone in β, so the signs
of earlier scores bracket the root and every step stays inside the bracket.

With ``firth=True`` (an option of :func:`netsurv.sweep.sweep`) the same terms give Firth's
penalised likelihood ``l(β) + ½ log I(β)``: for one binary covariate the third moment of each
term is its ``p = C e^β / (A + C e^β)``, so ``I'(β) = Σ p (1 − p)(1 − 2p)`` and the penalised
score is ``U + ½ I'/I``, finite at both ends, so every estimate is finite (as
:func:`netsurv.survival.cox` with ``penalty="firth"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from netsurv.errors import ConfigError
from netsurv.sweep.counts import Counts

Ties = Literal["efron", "breslow"]

#: Newton–Raphson stops after a step below this, relative to ``1 + |beta|``; the step is
#: applied, so the remaining error is of the order of its square.
STEP_TOL = 1e-10
MAX_ITER = 60
MAX_STEP = 5.0


@dataclass(frozen=True)
class Terms:
    """The (A, C) terms of every (replicate, variant) pair, flattened to rows = R × V."""

    a: np.ndarray  # (rows, E)
    c: np.ndarray  # (rows, E)
    wt: np.ndarray | None  # (R, 1, E) multiplicities (Breslow), None = 1 (Efron)
    d1: np.ndarray  # (rows,) weighted deaths in group 1
    shape: tuple[int, int]
    firth: bool = False  # Firth's penalised likelihood

    def _wt(self, rows: np.ndarray) -> np.ndarray | None:
        if self.wt is None:
            return None
        r, v = self.shape
        return np.broadcast_to(self.wt, (r, v, self.wt.shape[-1])).reshape(r * v, -1)[rows]


def terms(counts: Counts, *, ties: Ties = "efron", firth: bool = False) -> Terms:
    """Expand counts into the (A, C) terms of the partial likelihood.

    Efron: one term per (weighted) death, ``l/m`` of the tied deaths removed; Breslow: one term
    per event time with the number of deaths as multiplicity.  Replicates with fewer terms are
    padded with neutral terms (A = 1, C = 0).

    Examples
    --------
    >>> import numpy as np
    >>> from netsurv.sweep.counts import count_fixed, sort_outcome
    >>> o = sort_outcome(np.array([1.0, 1, 2, 3]), np.array([1, 1, 0, 1]))
    >>> t = terms(count_fixed(o, np.array([[True, False, True, False]])))
    >>> t.a.tolist(), t.c.tolist()  # two tied deaths at t = 1: Efron's l = 0, 1
    ([[2.0, 1.5, 1.0]], [[2.0, 1.5, 0.0]])
    """
    if ties not in ("efron", "breslow"):
        raise ConfigError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    n, d = counts.n_risk, counts.n_dead
    n1, d1 = counts.n_risk1, counts.n_dead1
    r, v, k = n1.shape
    d1tot = d1.sum(axis=2).reshape(-1)
    if ties == "breslow":
        # event times without deaths in a replicate carry no term (and may have no one at risk)
        none = (d <= 0)[:, None, :]
        a = np.where(none, 1.0, n[:, None, :] - n1)
        return Terms(
            a=a.reshape(r * v, k),
            c=np.where(none, 0.0, n1).reshape(r * v, k),
            wt=d[:, None, :],
            d1=d1tot,
            shape=(r, v),
            firth=firth,
        )
    if k == 0:
        return Terms(
            a=np.ones((r * v, 1)),
            c=np.zeros((r * v, 1)),
            wt=None,
            d1=d1tot,
            shape=(r, v),
            firth=firth,
        )
    m = np.rint(d).astype(np.int64)
    if np.any(np.abs(d - m) > 1e-9):
        raise ConfigError("Efron ties need integer case weights (bootstrap counts)")
    total = m.sum(axis=1)
    e = max(int(total.max()) if total.size else 0, 1)
    flat = m.ravel()
    nterm = int(flat.sum())
    grp = np.repeat(np.arange(r * k), flat)
    first = np.concatenate([[0], np.cumsum(flat)[:-1]])
    l_idx = np.arange(nterm) - first[grp]
    frac = l_idx / np.maximum(flat[grp], 1)
    rr = grp // max(k, 1)
    pos = np.arange(nterm) - np.concatenate([[0], np.cumsum(total)[:-1]])[rr]
    term_k = np.zeros((r, e), dtype=np.int64)
    term_f = np.zeros((r, e))
    valid = np.zeros((r, e), dtype=bool)
    term_k[rr, pos] = grp % max(k, 1)
    term_f[rr, pos] = frac
    valid[rr, pos] = True
    # C = N1 - f D1 gathered per term; A = (N - f D) - C (one replicate at a time: the term
    # layout differs between replicates, and a per-replicate take needs no big index array)
    c = np.empty((r, v, e))
    a = np.empty((r, v, e))
    for j in range(r):
        cj = c[j]
        np.take(n1[j], term_k[j], axis=1, out=cj)
        cj -= term_f[j] * np.take(d1[j], term_k[j], axis=1)
        cj *= valid[j]
        tot = n[j, term_k[j]] - term_f[j] * d[j, term_k[j]]
        tot[~valid[j]] = 1.0
        np.subtract(tot, cj, out=a[j])
    return Terms(
        a=a.reshape(r * v, e),
        c=c.reshape(r * v, e),
        wt=None,
        d1=d1tot,
        shape=(r, v),
        firth=firth,
    )


def evaluate(
    a: np.ndarray,
    c: np.ndarray,
    d1: np.ndarray,
    wt: np.ndarray | None,
    beta: np.ndarray,
    *,
    with_loglik: bool,
    firth: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Score, information (and log-likelihood) of term rows ``a``, ``c`` at ``beta``.

    With ``firth`` the score and log-likelihood are Firth's penalised ones; the information
    is the ordinary one.
    """
    x = np.exp(beta)[:, None]
    p = c * x
    den = a + p
    ll = None
    if with_loglik:
        lg = np.log(den)
        if wt is not None:
            lg *= wt
        ll = d1 * beta - lg.sum(axis=1)
    p /= den
    if firth:
        q = p * (1.0 - p)
        dq = q * (1.0 - 2.0 * p)
        info = q.sum(axis=1) if wt is None else np.einsum("ij,ij->i", q, wt)
        dinfo = dq.sum(axis=1) if wt is None else np.einsum("ij,ij->i", dq, wt)
        sp = p.sum(axis=1) if wt is None else np.einsum("ij,ij->i", p, wt)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = d1 - sp + 0.5 * dinfo / info
            if ll is not None:
                ll = ll + 0.5 * np.log(info)
        return score, info, ll
    if wt is None:
        sp = p.sum(axis=1)
        spp = np.einsum("ij,ij->i", p, p)
    else:
        sp = np.einsum("ij,ij->i", p, wt)
        p *= p
        spp = np.einsum("ij,ij->i", p, wt)
    return d1 - sp, sp - spp, ll


def loglik_at(t: Terms, beta: np.ndarray) -> np.ndarray:
    """Log partial likelihood of every row at the given (finite or ±inf) coefficients."""
    beta = np.asarray(beta, dtype=float).reshape(-1)
    out = np.full(beta.size, np.nan)
    fin = np.flatnonzero(np.isfinite(beta))
    if fin.size:
        ll = evaluate(
            t.a[fin], t.c[fin], t.d1[fin], t._wt(fin), beta[fin], with_loglik=True, firth=t.firth
        )[2]
        out[fin] = ll
    for sign in (1, -1):
        rows = np.flatnonzero(beta == sign * np.inf)
        if rows.size:
            out[rows] = limit_loglik(t, rows, sign)
    return out


def limit_loglik(t: Terms, rows: np.ndarray, sign: int) -> np.ndarray:
    """Limit of the log-likelihood as beta -> sign·inf (finite only when monotone that way)."""
    a, c = t.a[rows], t.c[rows]
    wt = t._wt(rows)
    if sign > 0:
        lead = np.where(c > 0, c, a)
        slope = t.d1[rows] - _wsum(c > 0, wt)
    else:
        lead = np.where(a > 0, a, c)
        slope = t.d1[rows] - _wsum(a == 0, wt)
    lg = np.log(lead)
    if wt is not None:
        lg = lg * wt
    ll = -lg.sum(axis=1)
    # a non-zero slope means the likelihood goes to -inf that way
    return np.where(np.abs(slope) < 0.5, ll, -np.inf)


def _wsum(mask: np.ndarray, wt: np.ndarray | None) -> np.ndarray:
    return mask.sum(axis=1) if wt is None else (mask * wt).sum(axis=1)


def loglik_rows(t: Terms, rows: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Log partial likelihood of the given term rows (repeats allowed) at given coefficients.

    Examples
    --------
    >>> import numpy as np
    >>> from netsurv.sweep.counts import count_fixed, sort_outcome
    >>> o = sort_outcome(np.array([1.0, 2, 3]), np.array([1, 1, 1]))
    >>> t = terms(count_fixed(o, np.array([[True, False, False]])))
    >>> bool(np.isclose(loglik_rows(t, np.array([0]), np.array([0.0]))[0], -np.log(6)))
    True
    """
    rows = np.asarray(rows, dtype=np.int64)
    beta = np.asarray(beta, dtype=float)
    out = np.full(rows.size, np.nan)
    fin = np.isfinite(beta)
    if fin.any():
        rr = rows[fin]
        out[fin] = evaluate(
            t.a[rr], t.c[rr], t.d1[rr], t._wt(rr), beta[fin], with_loglik=True, firth=t.firth
        )[2]
    for sign in (1, -1):
        sel = beta == sign * np.inf
        if sel.any():
            out[sel] = limit_loglik(t, rows[sel], sign)
    return out


def loglik0_rows(t: Terms) -> np.ndarray:
    """Log-likelihood at beta = 0 (the same for every grouping of a replicate): (R, V).

    Firth's penalty ``½ log I(0)`` depends on the grouping, so it is evaluated per row.
    """
    r, v = t.shape
    if t.firth:
        ll = evaluate(
            t.a, t.c, t.d1, t._wt(np.arange(r * v)), np.zeros(r * v), with_loglik=True, firth=True
        )[2]
        return np.asarray(ll).reshape(r, v)
    e = t.a.shape[1]
    lg = np.log((t.a + t.c).reshape(r, v, e)[:, 0, :])
    if t.wt is not None:
        lg = lg * t.wt[:, 0, :]
    return np.broadcast_to(-lg.sum(axis=1)[:, None], (r, v)).copy()


@dataclass(frozen=True)
class NewtonResult:
    beta: np.ndarray
    iterations: np.ndarray
    converged: np.ndarray
    score_stat: np.ndarray  # score test at beta = 0
    loglik: np.ndarray
    information: np.ndarray


def newton(t: Terms, rows: np.ndarray, beta0: np.ndarray) -> NewtonResult:
    """Safeguarded Newton–Raphson on the monotone score of ``rows`` (finite roots only).

    Every iteration evaluates the rows held in the working arrays and updates those still
    iterating; the arrays are compacted when a quarter of them have finished, so a few slow
    pairs do not keep the whole batch busy.
    """
    nr = rows.size
    beta = beta0.astype(float).copy()
    lo = np.full(nr, -np.inf)
    hi = np.full(nr, np.inf)
    iters = np.zeros(nr, dtype=np.int32)
    done = np.zeros(nr, dtype=bool)
    all_rows = nr == t.a.shape[0]
    a = t.a if all_rows else t.a[rows]
    c = t.c if all_rows else t.c[rows]
    d1 = t.d1[rows]
    wt = t._wt(rows)
    if np.any(beta != 0) or t.firth:  # the score test is the ordinary one at beta = 0
        s0, i0, _ = evaluate(a, c, d1, wt, np.zeros(nr), with_loglik=False)
        score_stat = _ratio(s0 * s0, i0)
        first = False
    else:
        score_stat = np.full(nr, np.nan)
        first = True
    held = np.arange(nr)  # positions (in rows) held by a, c, d1, wt
    live = np.ones(nr, dtype=bool)  # which held positions still iterate
    for it in range(1, MAX_ITER + 1):
        b = beta[held]
        score, info, _ = evaluate(a, c, d1, wt, b, with_loglik=False, firth=t.firth)
        if first:
            score_stat = _ratio(score * score, info)
            first = False
        lo_h, hi_h = lo[held], hi[held]
        lo_h = np.where(score > 0, b, lo_h)
        hi_h = np.where(score < 0, b, hi_h)
        step = np.clip(_ratio(score, info), -MAX_STEP, MAX_STEP)
        step = np.where(np.isfinite(step), step, 0.0)
        new = b + step
        new = np.where(new >= hi_h, 0.5 * (b + hi_h), new)
        new = np.where(new <= lo_h, 0.5 * (b + lo_h), new)
        small = np.abs(new - b) <= STEP_TOL * (1 + np.abs(new))
        upd = held[live]
        beta[upd] = new[live]
        lo[upd], hi[upd] = lo_h[live], hi_h[live]
        iters[upd] = it
        done[held[live & small]] = True
        live &= ~small
        n_live = int(live.sum())
        if n_live == 0:
            break
        if n_live <= 0.75 * held.size:
            held = held[live]
            a, c, d1 = a[live], c[live], d1[live]
            wt = None if wt is None else wt[live]
            live = np.ones(held.size, dtype=bool)
    a = t.a if all_rows else t.a[rows]
    c = t.c if all_rows else t.c[rows]
    _, info, ll = evaluate(a, c, t.d1[rows], t._wt(rows), beta, with_loglik=True, firth=t.firth)
    return NewtonResult(
        beta=beta,
        iterations=iters,
        converged=done,
        score_stat=score_stat,
        loglik=ll if ll is not None else np.full(nr, np.nan),
        information=info,
    )


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den
