"""Datasets bundled with netsurv."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from netsurv.cohort import Cohort

__all__ = ["demo_folder", "load_demo"]


def demo_folder() -> Path:
    """Folder holding the demo cohort's CSV files (inside the installed package).

    Examples
    --------
    >>> sorted(p.name for p in demo_folder().glob("*.csv"))[:2]
    ['assessments.csv', 'lesions.csv']
    """
    return Path(str(resources.files("netsurv.datasets") / "demo"))


def load_demo() -> Cohort:
    """The bundled demo cohort.

    Returns
    -------
    Cohort
        A small cohort in the input format; see ``netsurv/datasets/demo/README.md`` for how it
        was made and how to regenerate it.

    Examples
    --------
    >>> import netsurv as ns
    >>> ns.load_demo()  # doctest: +ELLIPSIS
    <Cohort: ... patients, ...
    """
    from netsurv.io import read_cohort

    return read_cohort(demo_folder())
