"""Response rates with exact confidence intervals, and paired comparisons between criteria.

In NET cohorts response is rare (2–5 % under RECIST 1.1), so a rate is reported with the exact
Clopper–Pearson interval (R ``binom.test``), not a normal approximation that can leave [0, 1].
Two criteria read the same lines, so their rates are compared as paired proportions: the
difference with Newcombe's (1998) hybrid-score interval for paired data (method 10), and
McNemar's test, asymptotic (R ``mcnemar.test``) and exact (R ``binom.test`` on the discordant
pairs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import beta, binomtest, chi2, norm

from netsurv.errors import ConfigError

#: Best overall responses counted by each rate.  MR (minor response) counts as disease control.
RATES: dict[str, tuple[str, ...]] = {
    "ORR": ("CR", "PR"),
    "DCR": ("CR", "PR", "MR", "SD", "NON-CR/NON-PD"),
}
RATE_COLUMNS = ["criterion", "rate", "n", "count", "estimate", "lower", "upper"]
PAIRED_COLUMNS = [
    "criterion",
    "reference",
    "rate",
    "n",
    "both",
    "only_criterion",
    "only_reference",
    "neither",
    "estimate",
    "estimate_reference",
    "difference",
    "lower",
    "upper",
    "p_mcnemar",
    "p_exact",
]


def _check_level(conf_level: float) -> float:
    if not (isinstance(conf_level, int | float) and 0 < conf_level < 1):
        raise ConfigError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    return float(conf_level)


def proportion_ci(
    successes: Any, n: Any, *, conf_level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Clopper–Pearson confidence limits of binomial proportions (R ``binom.test``).

    Parameters
    ----------
    successes, n
        Counts (scalars or arrays of the same shape), ``0 <= successes <= n``, ``n >= 1``.
    conf_level
        Confidence level.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper limits: the α/2 quantile of Beta(x, n − x + 1) (0 when x = 0) and the
        1 − α/2 quantile of Beta(x + 1, n − x) (1 when x = n).

    Examples
    --------
    >>> lo, up = proportion_ci(2, 40)
    >>> round(float(lo), 5), round(float(up), 5)  # R binom.test(2, 40)$conf.int
    (0.00611, 0.1692)
    """
    level = _check_level(conf_level)
    x = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    if (
        np.any(m < 1)
        or np.any(x < 0)
        or np.any(x > m)
        or np.any(x != np.round(x))
        or np.any(m != np.round(m))
    ):
        raise ConfigError(
            "successes and n must be whole numbers with 0 <= successes <= n and n >= 1, got "
            f"successes={successes!r}, n={n!r}"
        )
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, beta.ppf(alpha / 2, x, m - x + 1), 0.0)
        upper = np.where(x < m, beta.ppf(1 - alpha / 2, x + 1, m - x), 1.0)
    return lower, upper


def _wilson(x: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score limits (R ``prop.test(x, n, correct = FALSE)$conf.int``)."""
    p = x / n
    centre = 2 * x + z * z
    half = z * np.sqrt(z * z + 4 * x * (1 - p))
    return (centre - half) / (2 * (n + z * z)), (centre + half) / (2 * (n + z * z))


def paired_difference(x: Any, y: Any, *, conf_level: float = 0.95) -> dict[str, float]:
    """Difference between two paired proportions, its CI and McNemar's tests.

    Parameters
    ----------
    x, y
        Paired 0/1 (or boolean) outcomes of the same units under two conditions (e.g.
        responder under criterion A and under criterion B), same length, no missing values.
    conf_level
        Confidence level.

    Returns
    -------
    dict
        ``n``, the 2 × 2 counts ``both`` (a), ``only_x`` (b), ``only_y`` (c), ``neither``
        (d); ``p_x``, ``p_y``, ``difference`` (p_x − p_y = (b − c)/n), ``lower``, ``upper``
        (Newcombe's method 10), ``p_mcnemar`` (continuity-corrected χ², R's
        ``mcnemar.test`` default; NaN without discordant pairs) and ``p_exact`` (exact
        conditional McNemar test: two-sided binomial test of b among b + c at 1/2, R
        ``binom.test(b, b + c)``; 1 without discordant pairs).

    Notes
    -----
    Newcombe's interval (Stat Med 1998;17:2635–50, method 10) combines the Wilson score limits
    ``[l_x, u_x]`` and ``[l_y, u_y]`` of the two proportions with their correlation φ:
    ``L = D − sqrt((p_x − l_x)² − 2φ (p_x − l_x)(u_y − p_y) + (u_y − p_y)²)`` and
    ``U = D + sqrt((u_x − p_x)² − 2φ (u_x − p_x)(p_y − l_y) + (p_y − l_y)²)``, where
    ``φ = (ad − bc − n/2)/sqrt((a+b)(c+d)(a+c)(b+d))`` when ``ad − bc > n/2``, 0 when
    ``0 <= ad − bc <= n/2``, the uncorrected ``(ad − bc)/sqrt(...)`` when ``ad < bc``, and 0
    when a margin is empty.  It stays within [−1, 1] and performs well with few discordant
    pairs, where the Wald interval fails (Fagerland, Lydersen and Laake, *Statistical
    Analysis of Contingency Tables*, 2017, ch. 8, recommend it).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.repeat([1, 1, 0, 0], [59, 6, 16, 80])
    >>> y = np.repeat([1, 0, 1, 0], [59, 6, 16, 80])
    >>> res = paired_difference(x, y)
    >>> [round(res[k], 4) for k in ("difference", "lower", "upper")]
    [-0.0621, -0.1186, -0.0046]
    """
    level = _check_level(conf_level)
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xs.shape != ys.shape or xs.ndim != 1 or xs.size == 0:
        raise ConfigError("x and y must be non-empty 1-d arrays of the same length")
    for name, v in (("x", xs), ("y", ys)):
        if not np.isin(v, (0.0, 1.0)).all():
            raise ConfigError(f"{name} must hold 0/1 (or boolean) values without missing ones")
    n = float(xs.size)
    a = float(np.sum((xs == 1) & (ys == 1)))
    b = float(np.sum((xs == 1) & (ys == 0)))
    c = float(np.sum((xs == 0) & (ys == 1)))
    d = n - a - b - c
    z = float(norm.ppf(1 - (1 - level) / 2))
    px, py = (a + b) / n, (a + c) / n
    lx, ux = _wilson(a + b, n, z)
    ly, uy = _wilson(a + c, n, z)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    cross = a * d - b * c
    if margins == 0 or 0 <= cross <= n / 2:
        phi = 0.0
    elif cross > n / 2:
        phi = (cross - n / 2) / np.sqrt(margins)
    else:
        phi = cross / np.sqrt(margins)
    diff = px - py
    lower = diff - np.sqrt((px - lx) ** 2 - 2 * phi * (px - lx) * (uy - py) + (uy - py) ** 2)
    upper = diff + np.sqrt((ux - px) ** 2 - 2 * phi * (ux - px) * (py - ly) + (py - ly) ** 2)
    discordant = b + c
    if discordant > 0:
        stat = (abs(b - c) - 1) ** 2 / discordant
        p_mcnemar = float(chi2.sf(stat, 1))
        p_exact = float(binomtest(int(b), int(discordant), 0.5).pvalue)
    else:
        p_mcnemar, p_exact = float("nan"), 1.0
    return {
        "n": n,
        "both": a,
        "only_x": b,
        "only_y": c,
        "neither": d,
        "p_x": px,
        "p_y": py,
        "difference": diff,
        "lower": float(lower),
        "upper": float(upper),
        "p_mcnemar": p_mcnemar,
        "p_exact": p_exact,
    }


def _responders(best: pd.DataFrame, rate: str, bor_col: str) -> pd.Series:
    if rate not in RATES:
        raise ConfigError(f"rate must be one of {list(RATES)}, got {rate!r}")
    return best[bor_col].isin(RATES[rate])


def _check_best(best: pd.DataFrame, columns: Sequence[str]) -> None:
    if not isinstance(best, pd.DataFrame):
        raise ConfigError(f"best must be a DataFrame (from netsurv.best_response), got {best!r}")
    missing = [c for c in columns if c not in best.columns]
    if missing:
        raise ConfigError(
            f"best-response table lacks column(s) {missing}; pass the output of "
            "netsurv.best_response"
        )


def response_rates(
    best: pd.DataFrame,
    *,
    rates: Sequence[str] = ("ORR", "DCR"),
    bor_col: str = "bor",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """ORR and DCR per criterion with exact Clopper–Pearson confidence intervals.

    Parameters
    ----------
    best
        Best overall responses (:func:`netsurv.best_response`): one row per patient × line ×
        criterion.  Every row is in the denominator, NE and MISSING included (the
        intention-to-treat rate).
    rates
        ``"ORR"`` (CR or PR) and/or ``"DCR"`` (CR, PR, MR, SD or NON-CR/NON-PD).
    bor_col
        The best-response column (``"bor"``; ``"bor_confirmed"`` or ``"bor_unconfirmed"``
        to choose explicitly).
    conf_level
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        :data:`RATE_COLUMNS`: ``criterion``, ``rate``, ``n``, ``count``, ``estimate``,
        ``lower``, ``upper`` (R ``binom.test(count, n)``).

    Examples
    --------
    >>> import pandas as pd
    >>> best = pd.DataFrame({"criterion": ["recist1.1"] * 4 + ["choi"] * 4,
    ...                      "bor": ["PR", "SD", "PD", "NE", "PR", "PR", "SD", "PD"]})
    >>> response_rates(best, rates=["ORR"]).round(3)
       criterion rate  n  count  estimate  lower  upper
    0       choi  ORR  4      2      0.50  0.068  0.932
    1  recist1.1  ORR  4      1      0.25  0.006  0.806
    """
    _check_best(best, ["criterion", bor_col])
    rows = []
    for crit, part in best.groupby("criterion", sort=True):
        for rate in rates:
            count = int(_responders(part, rate, bor_col).sum())
            n = len(part)
            lo, up = proportion_ci(count, n, conf_level=conf_level)
            rows.append(
                {
                    "criterion": crit,
                    "rate": rate,
                    "n": n,
                    "count": count,
                    "estimate": count / n,
                    "lower": float(lo),
                    "upper": float(up),
                }
            )
    return pd.DataFrame(rows, columns=RATE_COLUMNS)


def compare_response_rates(
    best: pd.DataFrame,
    *,
    reference: str,
    criteria: Sequence[str] | None = None,
    rates: Sequence[str] = ("ORR", "DCR"),
    bor_col: str = "bor",
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Each criterion's ORR / DCR against a reference criterion's, paired on the lines.

    Parameters
    ----------
    best
        Best overall responses of the criteria (:func:`netsurv.best_response`).
    reference
        The criterion the others are compared with (e.g. ``"recist1.1"``).
    criteria
        Criteria to compare (default: all others in ``best``).
    rates
        ``"ORR"`` and/or ``"DCR"``.
    bor_col
        The best-response column.
    conf_level
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        :data:`PAIRED_COLUMNS`, one row per criterion × rate, over the lines read by both:
        the paired counts, the two rates, their difference (criterion − reference) with
        Newcombe's interval, and McNemar's asymptotic and exact p-values
        (:func:`paired_difference`).

    Examples
    --------
    >>> import pandas as pd
    >>> best = pd.DataFrame({"patient_id": list("abcdef") * 2, "line_id": "L1",
    ...     "criterion": ["recist1.1"] * 6 + ["choi"] * 6,
    ...     "bor": ["PR", "SD", "SD", "PD", "SD", "NE", "PR", "PR", "PR", "PD", "SD", "NE"]})
    >>> out = compare_response_rates(best, reference="recist1.1", rates=["ORR"])
    >>> out[["criterion", "only_criterion", "only_reference", "difference", "p_exact"]].round(3)
      criterion  only_criterion  only_reference  difference  p_exact
    0      choi               2               0       0.333      0.5
    """
    key = ["patient_id", "line_id"]
    _check_best(best, [*key, "criterion", bor_col])
    present = sorted(pd.unique(best["criterion"].dropna()))
    if reference not in present:
        raise ConfigError(f"reference criterion {reference!r} is not in the table: {present}")
    others = [c for c in present if c != reference] if criteria is None else list(criteria)
    unknown = [c for c in others if c not in present]
    if unknown:
        raise ConfigError(f"criteria {unknown} are not in the table: {present}")
    ref = best[best["criterion"] == reference]
    rows = []
    for crit in others:
        pair = best[best["criterion"] == crit].merge(ref, on=key, suffixes=("", "_ref"))
        if pair.empty:
            raise ConfigError(f"criteria {crit!r} and {reference!r} share no line to compare")
        for rate in rates:
            if rate not in RATES:
                raise ConfigError(f"rate must be one of {list(RATES)}, got {rate!r}")
            res = paired_difference(
                pair[bor_col].isin(RATES[rate]),
                pair[f"{bor_col}_ref"].isin(RATES[rate]),
                conf_level=conf_level,
            )
            rows.append(
                {
                    "criterion": crit,
                    "reference": reference,
                    "rate": rate,
                    "n": int(res["n"]),
                    "both": int(res["both"]),
                    "only_criterion": int(res["only_x"]),
                    "only_reference": int(res["only_y"]),
                    "neither": int(res["neither"]),
                    "estimate": res["p_x"],
                    "estimate_reference": res["p_y"],
                    "difference": res["difference"],
                    "lower": res["lower"],
                    "upper": res["upper"],
                    "p_mcnemar": res["p_mcnemar"],
                    "p_exact": res["p_exact"],
                }
            )
    return pd.DataFrame(rows, columns=PAIRED_COLUMNS)
