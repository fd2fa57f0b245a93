"""Model formulas for the Cox model: the right-hand side of R's ``coxph`` formula, via formulaic.

``"age + C(grade) + np.log(ki67_pct)"`` becomes a design matrix as R's ``model.matrix`` builds
it for ``coxph``: an intercept is used for the coding and then dropped, so a categorical term
gets treatment (dummy) contrasts against its **reference level, the first level** (sorted
values, or a pandas categorical's category order), exactly as R's default
``contr.treatment``.  Choose another reference in the formula itself:
``C(grade, contr.treatment("G2"))`` (R: ``relevel(factor(grade), ref = "G2")``) or
``C(grade, levels=["G2", "G1", "G3"])``.  A string or boolean column is categorical without
``C()``.  ``"1"`` is the null model (no covariates).  ``rcs(x, 4)`` is a restricted cubic spline
with 4 knots (R ``rms::rcs``; :mod:`netsurv.survival.spline`), ``np.log(x)`` and other numpy
functions transform a column.

The columns of one term (e.g. the two dummies of a three-level grade) are tested jointly by
:meth:`netsurv.survival.CoxResult.term_tests` and :func:`netsurv.survival.cox_zph`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from formulaic import Formula, model_matrix
from formulaic.errors import FormulaicError

from netsurv.errors import ConfigError
from netsurv.survival.spline import rcs

#: Names a formula may call besides formulaic's own (``C``, ``bs``, ...).
CONTEXT = {"np": np, "pd": pd, "rcs": rcs}


@dataclass(frozen=True)
class Design:
    """A design matrix with its terms.

    Attributes
    ----------
    x : numpy.ndarray
        (n, p) covariate columns, no intercept.
    columns : list of str
        Column names (formulaic's: ``C(grade)[T.G2]``).
    terms : dict
        Term label -> positions of its columns in ``x`` (in formula order).
    levels : dict
        Categorical term -> its levels, the reference level first.
    """

    x: np.ndarray
    columns: list[str]
    terms: dict[str, list[int]]
    levels: dict[str, list[object]]


def _rhs(formula: str) -> str:
    if not isinstance(formula, str) or not formula.strip():
        raise ConfigError(f"formula must be a non-empty string, got {formula!r}")
    text = formula.strip()
    if "~" in text:
        lhs, _, rhs = text.partition("~")
        if lhs.strip():
            raise ConfigError(
                f"formula {formula!r}: give only the right-hand side (covariates), e.g. "
                "'age + C(grade)'; the outcome comes from duration_col / event_col"
            )
        text = rhs.strip()
    return text


#: Prefix of the stand-ins for backticked names while formulaic parses a formula.
_QUOTED = "_netsurv_quoted_"


def _names(formula: str) -> set[str]:
    """Every name a formula reads, ``C`` and the functions of :data:`CONTEXT` included.

    Backticked names (`` `ph.ecog` ``) are replaced by stand-ins before formulaic parses the
    formula: formulaic reports `` `ph.ecog` `` as ``ph``, which could not be told from a
    column ``ph`` used beside it.
    """
    rhs = _rhs(formula)
    quoted = list(dict.fromkeys(re.findall(r"`([^`]+)`", rhs)))
    masked = re.sub(r"`([^`]+)`", lambda m: f"{_QUOTED}{quoted.index(m.group(1))}", rhs)
    try:
        needed = Formula(masked).required_variables
    except FormulaicError as exc:
        raise ConfigError(f"formula {formula!r} cannot be parsed: {exc}") from None
    return {
        quoted[int(v[len(_QUOTED) :])] if v.startswith(_QUOTED) else v
        for v in (str(n) for n in needed)
    }


def formula_variables(formula: str, columns: pd.Index) -> list[str]:
    """The data columns a formula uses; a :class:`ConfigError` names unknown ones.

    Examples
    --------
    >>> import pandas as pd
    >>> formula_variables("age + C(grade) + np.log(ki67)", pd.Index(["age", "grade", "ki67"]))
    ['age', 'grade', 'ki67']
    """
    names = _names(formula)
    unknown = sorted(n for n in names if n not in columns and n not in ("C", *CONTEXT))
    if unknown:
        dotted = [c for c in columns if any(str(c).startswith(f"{u}.") for u in unknown)]
        hint = f"; quote names with dots in backticks, e.g. `{dotted[0]}`" if dotted else ""
        raise ConfigError(
            f"formula {formula!r} names {unknown}, which are not columns of the data "
            f"(columns: {list(columns)}); fix the spelling or add the column{hint}"
        )
    return [c for c in columns if c in names]


def formula_names(formula: str) -> list[str]:
    """The names a formula may read from the data, without the data: its variables and its
    backticked names, not ``C`` nor the functions it may call (``np``, ``rcs``).  An
    unparsable formula names nothing (:func:`formula_variables` reports it).

    Examples
    --------
    >>> formula_names("age + C(grade) + np.log(ki67) + `ph.ecog`")
    ['age', 'grade', 'ki67', 'ph.ecog']
    >>> formula_names("ph + `ph.ecog`")
    ['ph', 'ph.ecog']
    """
    try:
        names = _names(formula)
    except ConfigError:
        return []
    return sorted(names - {"C", *CONTEXT})


def design_matrix(frame: pd.DataFrame, formula: str) -> Design:
    """The Cox design matrix of ``formula`` on ``frame`` (rows without missing values).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [50, 60, 70, 65], "grade": ["G1", "G2", "G3", "G2"]})
    >>> d = design_matrix(df, "age + C(grade)")
    >>> d.columns, d.terms
    (['age', 'C(grade)[T.G2]', 'C(grade)[T.G3]'], {'age': [0], 'C(grade)': [1, 2]})
    >>> d.levels
    {'C(grade)': ['G1', 'G2', 'G3']}
    """
    rhs = _rhs(formula)
    try:
        with np.errstate(divide="ignore", invalid="ignore"):  # non-finite values refused below
            mm = model_matrix(rhs, frame, na_action="raise", context=CONTEXT)
    except FormulaicError as exc:
        raise ConfigError(f"formula {formula!r} cannot be evaluated on the data: {exc}") from None
    except ValueError as exc:  # formulaic's own checks of contrasts, e.g. an unknown reference
        hint = (
            "; name one of the column's values as the reference level"
            if "not among the provided levels" in str(exc)
            else ""
        )
        raise ConfigError(
            f"formula {formula!r} cannot be evaluated on the data: {exc}{hint}"
        ) from None
    spec = mm.model_spec
    names = [str(c) for c in mm.columns]
    keep = [i for i, c in enumerate(names) if c != "Intercept"]
    x = np.asarray(mm, dtype=float)[:, keep]
    pos = {old: new for new, old in enumerate(keep)}
    terms: dict[str, list[int]] = {}
    for term, sl in spec.term_slices.items():
        cols = [pos[i] for i in range(sl.start, sl.stop) if i in pos]
        if cols:
            terms[str(term)] = cols
    levels: dict[str, list[object]] = {}
    for factor, (kind, state) in spec.encoder_state.items():
        if str(getattr(kind, "value", kind)) == "categorical" and str(factor) in terms:
            all_levels = list(state["contrasts"].levels)
            coded = [lv for lv in all_levels if f"[T.{lv}]" in " ".join(names)]
            levels[str(factor)] = [lv for lv in all_levels if lv not in coded] + coded
    bad = ~np.isfinite(x).all(axis=0)
    if bad.any():
        bad_cols = [names[keep[i]] for i in np.flatnonzero(bad)]
        raise ConfigError(
            f"formula {formula!r}: column(s) {bad_cols} have non-finite values in the rows used "
            "(e.g. the log of 0); transform or filter the data first"
        )
    return Design(x=x, columns=[names[i] for i in keep], terms=terms, levels=levels)


def empty_levels(design: Design, event: np.ndarray) -> list[str]:
    """Levels of categorical terms without events (their hazard ratio would be 0 or infinite).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> d = design_matrix(pd.DataFrame({"g": ["a", "a", "b", "b"]}), "C(g)")
    >>> empty_levels(d, np.array([True, True, False, False]))
    ['C(g) = b']
    """
    out = []
    for term, levels in design.levels.items():
        cols = design.terms[term]
        dummies = design.x[:, cols]
        if not np.isin(dummies, (0.0, 1.0)).all():
            continue
        ref = dummies.sum(axis=1) == 0
        groups = [ref, *(dummies[:, k] == 1 for k in range(len(cols)))]
        labels = levels if len(levels) == len(groups) else [f"#{i}" for i in range(len(groups))]
        for name, rows in zip(labels, groups, strict=True):
            if rows.any() and not event[rows].any():
                out.append(f"{term} = {name}")
    return out
