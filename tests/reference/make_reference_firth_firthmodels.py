"""Second opinion on the Firth-penalised Cox model: the ``firthmodels`` Python package.

Run from the repository root, after ``make_reference_firth.R`` (which writes ``breast.csv``)::

    .venv/bin/pip install firthmodels
    .venv/bin/python tests/reference/make_reference_firth_firthmodels.py

``firthmodels.FirthCoxPH`` fits Breslow ties without strata or weights, on right-censored data,
so it is run on the right-censored coxphf cases of ``expected/firth.json`` (covariates as
numbers; a factor is expanded to treatment dummies as R does).  Its tolerances are tightened to
1e-6 (gradient) and 1e-9 (step), as tight as its constrained (LRT) fits still converge; it
is not a netsurv dependency.  Where its own likelihood-ratio fits do not converge (larynx,
one breast coefficient) it reports NaN, kept as such.  Writes
``expected/firth_firthmodels.json``.
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CASES = {  # name: (data, duration, event, covariate columns or a factor to expand)
    "breast": ("breast", "TIME", "CENS", ["T", "N", "G", "CD"]),
    "monotone": ("monotone", "time", "event", ["x", "z"]),
    "ties_breslow": ("ties", "time", "event", ["x1", "x2"]),
    "larynx_stage": ("larynx", "time", "death", ["age", "stage"]),
}


def design(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    parts = []
    for c in cols:
        if c == "stage":  # factor(stage): dummies for levels 2..4
            parts += [(df[c] == lv).astype(float).to_numpy() for lv in (2, 3, 4)]
        else:
            parts.append(df[c].to_numpy(dtype=float))
    return np.column_stack(parts)


def main() -> None:
    # imported here: pytest's --doctest-modules imports this file, and firthmodels is not a
    # netsurv dependency (a clean clone's `make test` must not need it)
    from firthmodels import FirthCoxPH

    out = []
    for name, (data, duration, event, cols) in CASES.items():
        df = pd.read_csv(HERE / "data" / f"{data}.csv")
        x = design(df, cols)
        y = (df[event].to_numpy() == 1, df[duration].to_numpy(dtype=float))
        model = FirthCoxPH(gtol=1e-6, xtol=1e-9, max_iter=500, max_halfstep=50).fit(x, y)
        ci = model.conf_int(method="pl", tol=1e-10, max_iter=500)
        model.lrt()
        out.append(
            {
                "name": name,
                "package": f"firthmodels {version('firthmodels')}",
                "coef": model.coef_.tolist(),
                "se": model.bse_.tolist(),
                "loglik": float(model.loglik_),
                "lower": ci[:, 0].tolist(),
                "upper": ci[:, 1].tolist(),
                "lrt_p": model.lrt_pvalues_.tolist(),
            }
        )
    path = HERE / "expected" / "firth_firthmodels.json"
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
