"""Agreement between two reads of the same scans: two criteria, or computed vs recorded read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from netsurv._display import Displayable, View
from netsurv.errors import ConfigError
from netsurv.response import _print
from netsurv.response.best import best_response
from netsurv.response.classify import Timepoints
from netsurv.response.codes import BEST_ORDER

SUMMARY_COLUMNS = [
    "level",
    "n",
    "n_agree",
    "percent_agreement",
    "kappa",
    "kappa_se",
    "kappa_low",
    "kappa_high",
]
_ORDER = [*BEST_ORDER, "MISSING"]


@dataclass(frozen=True, repr=False)
class Agreement(Displayable):
    """Agreement of two reads, per scan and per patient × line.

    Attributes
    ----------
    kappa : pandas.DataFrame
        One row per level (``scan``: time-point response of the scans both read; ``bor``:
        best overall response; ``pd``: progression yes/no) with ``n``, ``n_agree``,
        ``percent_agreement``, Cohen's ``kappa``, its asymptotic standard error
        (Fleiss, Cohen & Everitt 1969) and confidence limits.
    scan_table, bor_table, pd_table : pandas.DataFrame
        Cross-tables, read A in rows and read B in columns (square: every category either
        read used).
    discordant : pandas.DataFrame
        Patient × line rows whose BOR or progression status differ: ``bor_a``, ``bor_b``,
        ``pd_a``, ``pd_b``, ``first_pd_date_a``, ``first_pd_date_b``, ``n_scans_discordant``.
    criteria : tuple of str
        Names of read A and read B.

    Examples
    --------
    >>> import netsurv as ns
    >>> tp = ns.classify(ns.load_demo(), ["recist1.1", "choi"])
    >>> ns.agreement(tp, criterion_a="recist1.1", criterion_b="choi")
    <Agreement: recist1.1 vs choi: kappa scan 0.379, bor 0.351, pd 0.583>
             n agree % agree  kappa      se  lower upper
    scan  3220  1775    55.1  0.379  0.0106  0.359  0.40
    bor    558   297    53.2  0.351  0.0251  0.302  0.40
    pd     558   452    81.0  0.583  0.0342  0.516  0.65
    Best overall response: recist1.1 (rows) × choi (columns)
              PR   SD  PD NE MISSING
    PR        71    0   1  0       0
    SD       222  149  35  0       0
    PD         3    0  50  0       0
    NE         0    0   0  2       0
    MISSING    0    0   0  0      25
    303 lines discordant in BOR or progression (see .discordant)
    """

    kappa: pd.DataFrame
    scan_table: pd.DataFrame
    bor_table: pd.DataFrame
    pd_table: pd.DataFrame
    discordant: pd.DataFrame
    criteria: tuple[str, str]

    def summary(self) -> pd.DataFrame:
        """Agreement and Cohen's kappa per level (scan, BOR, PD): a copy of :attr:`kappa`."""
        return self.kappa.copy()

    def _view(self) -> View:
        return _print.agreement_view(self)


def cohen_kappa(table: np.ndarray, *, alpha: float = 0.05) -> dict[str, float]:
    """Cohen's kappa of a square cross-table with its asymptotic SE and CI.

    The variance is the large-sample non-null one of Fleiss, Cohen & Everitt (1969), as in
    ``statsmodels.stats.inter_rater.cohens_kappa``.

    Parameters
    ----------
    table
        Square array of counts, rater A in rows.
    alpha
        1 - confidence level.

    Returns
    -------
    dict
        ``n``, ``n_agree``, ``percent_agreement``, ``kappa``, ``kappa_se``, ``kappa_low``,
        ``kappa_high`` (NaN where undefined, e.g. both raters used one category only).

    Examples
    --------
    >>> import numpy as np
    >>> k = cohen_kappa(np.array([[20, 5], [10, 15]]))
    >>> round(k["kappa"], 3), round(k["percent_agreement"], 1)
    (0.4, 70.0)
    """
    t = np.asarray(table, dtype=float)
    n = t.sum()
    out: dict[str, float] = {"n": int(n), "n_agree": int(np.trace(t))}
    if n == 0:
        return out | dict.fromkeys(SUMMARY_COLUMNS[3:], np.nan)
    p = t / n
    po = np.trace(p)
    row, col = p.sum(1), p.sum(0)
    pe = float(row @ col)
    out["percent_agreement"] = float(100 * po)
    if pe >= 1:
        return out | dict.fromkeys(SUMMARY_COLUMNS[4:], np.nan)
    kappa = float((po - pe) / (1 - pe))
    a = float((np.diag(p) * (1 - (row + col) * (1 - kappa)) ** 2).sum())
    off = p * (col[:, None] + row[None, :]) ** 2
    np.fill_diagonal(off, 0)
    b = (1 - kappa) ** 2 * float(off.sum())
    c = (kappa - pe * (1 - kappa)) ** 2
    var = max((a + b - c) / (1 - pe) ** 2 / n, 0.0)
    se = float(np.sqrt(var))
    z = float(stats.norm.ppf(1 - alpha / 2))
    return out | {
        "kappa": kappa,
        "kappa_se": se,
        "kappa_low": kappa - z * se,
        "kappa_high": kappa + z * se,
    }


def agreement(
    timepoints_a: Timepoints | pd.DataFrame,
    timepoints_b: Timepoints | pd.DataFrame | None = None,
    *,
    criterion_a: str | None = None,
    criterion_b: str | None = None,
    alpha: float = 0.05,
    **best_options: Any,
) -> Agreement:
    """Agreement between two criteria (or a criterion and the recorded read).

    Parameters
    ----------
    timepoints_a, timepoints_b
        Outputs of :func:`netsurv.classify` (or their tables).  With ``timepoints_b`` None
        both reads come from ``timepoints_a``.
    criterion_a, criterion_b
        Which criterion of each to use; needed when a table holds several.
    alpha
        1 - confidence level of the kappa intervals.
    **best_options
        Passed to :func:`netsurv.best_response` for both reads (e.g. ``confirm=True``).

    Returns
    -------
    Agreement
        Scans are paired by patient, line and assessment (reads of different modalities share
        no scans: the scan level is then empty); patients by patient and line.

    Examples
    --------
    >>> import netsurv as ns
    >>> tp = ns.classify(ns.load_demo(), ["recist1.1", "choi"])
    >>> res = ns.agreement(tp, criterion_a="recist1.1", criterion_b="choi")
    >>> res.kappa[["level", "n", "n_agree"]].to_string(index=False)
    'level    n  n_agree\\n scan 3220     1775\\n  bor  558      297\\n   pd  558      452'
    """
    b_source = timepoints_a if timepoints_b is None else timepoints_b
    ta, name_a = _one(timepoints_a, criterion_a, "a")
    tb, name_b = _one(b_source, criterion_b, "b")
    if timepoints_b is None and name_a == name_b:
        raise ConfigError("criterion_a and criterion_b are the same criterion")

    key = ["patient_id", "line_id", "assessment_id"]
    sa = ta.loc[ta["response"].notna(), [*key, "response"]]
    sb = tb.loc[tb["response"].notna(), [*key, "response"]]
    scans = sa.merge(sb, on=key, suffixes=("_a", "_b"))
    scan_table = _crosstab(scans["response_a"], scans["response_b"], name_a, name_b)

    ba = _best(timepoints_a, ta, name_a, best_options)
    bb = _best(b_source, tb, name_b, best_options)
    cols = ["patient_id", "line_id", "bor", "first_pd_date"]
    pats = ba[cols].merge(bb[cols], on=["patient_id", "line_id"], suffixes=("_a", "_b"))
    pats["pd_a"] = pats["first_pd_date_a"].notna()
    pats["pd_b"] = pats["first_pd_date_b"].notna()
    bor_table = _crosstab(pats["bor_a"], pats["bor_b"], name_a, name_b)
    pd_table = _crosstab(
        pats["pd_a"].map({True: "PD", False: "no PD"}),
        pats["pd_b"].map({True: "PD", False: "no PD"}),
        name_a,
        name_b,
        order=["PD", "no PD"],
    )
    summary = pd.DataFrame(
        [
            {"level": lvl} | cohen_kappa(tab.to_numpy(), alpha=alpha)
            for lvl, tab in (("scan", scan_table), ("bor", bor_table), ("pd", pd_table))
        ],
        columns=SUMMARY_COLUMNS,
    )
    n_disc = (
        scans[scans["response_a"] != scans["response_b"]]
        .groupby(["patient_id", "line_id"])
        .size()
        .rename("n_scans_discordant")
    )
    disc = pats[(pats["bor_a"] != pats["bor_b"]) | (pats["pd_a"] != pats["pd_b"])]
    disc = disc.merge(n_disc, on=["patient_id", "line_id"], how="left")
    disc["n_scans_discordant"] = disc["n_scans_discordant"].fillna(0).astype(int)
    disc = disc[
        [
            "patient_id",
            "line_id",
            "bor_a",
            "bor_b",
            "pd_a",
            "pd_b",
            "first_pd_date_a",
            "first_pd_date_b",
            "n_scans_discordant",
        ]
    ].reset_index(drop=True)
    return Agreement(
        kappa=summary,
        scan_table=scan_table,
        bor_table=bor_table,
        pd_table=pd_table,
        discordant=disc,
        criteria=(name_a, name_b),
    )


#: The columns of one criterion's time points that the scan level reads.
_SCAN_COLUMNS = ["patient_id", "line_id", "assessment_id", "criterion", "response"]


def _one(tp: Timepoints | pd.DataFrame, name: str | None, which: str) -> tuple[pd.DataFrame, str]:
    table = tp.table if isinstance(tp, Timepoints) else tp
    names = list(pd.unique(table["criterion"]))
    if name is None:
        if len(names) != 1:
            raise ConfigError(
                f"timepoints_{which} holds criteria {names}: choose one with criterion_{which}="
            )
        name = str(names[0])
    elif name not in names:
        raise ConfigError(f"criterion_{which}={name!r} is not in the timepoints ({names})")
    # a Timepoints' best responses come from its whole table (_best): the scans' columns only
    cols = _SCAN_COLUMNS if isinstance(tp, Timepoints) else list(table.columns)
    return table.loc[table["criterion"] == name, cols], name


def _best(
    tp: Timepoints | pd.DataFrame, table: pd.DataFrame, name: str, options: dict[str, Any]
) -> pd.DataFrame:
    """Best responses of criterion ``name`` (its rows ``table`` of ``tp``): from a
    :class:`Timepoints`, its rows of the best responses of every criterion, which the
    :class:`Timepoints` keeps for the next call (a line's best response reads its own rows
    only, so they are the same as from ``table`` alone)."""
    if not isinstance(tp, Timepoints):
        return best_response(table, **options)
    bor = best_response(tp, **options)
    return bor[bor["criterion"].to_numpy() == name].reset_index(drop=True)


def _crosstab(
    a: pd.Series, b: pd.Series, name_a: str, name_b: str, order: list[str] | None = None
) -> pd.DataFrame:
    order = order or _ORDER
    present = set(a) | set(b)
    cats = [c for c in order if c in present] + sorted(present - set(order))
    tab = pd.crosstab(
        pd.Categorical(a, categories=cats), pd.Categorical(b, categories=cats), dropna=False
    )
    tab.index = pd.Index(cats, name=name_a)
    tab.columns = pd.Index(cats, name=name_b)
    return tab
