"""Datasets bundled with netsurv: the synthetic demo cohort and two real, public, MIT-licensed
tumour-size datasets with scan-level burden (INSPIRE, Laleh et al.)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from netsurv.cohort import Cohort
from netsurv.datasets.public import dataset_folder, load_inspire, load_tumour_size

__all__ = ["dataset_folder", "demo_folder", "load_demo", "load_inspire", "load_tumour_size"]


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
