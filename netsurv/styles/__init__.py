"""Matplotlib style sheets shipped with netsurv, for paper figures.

Use a sheet for one figure with :func:`matplotlib.pyplot.style.context` (netsurv's plot
functions never change ``rcParams`` themselves):

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> import netsurv.styles
>>> with plt.style.context(netsurv.styles.paper_style()):
...     fig, ax = plt.subplots()
...     size = plt.rcParams["font.size"]
>>> size
9.0
"""

from __future__ import annotations

from importlib.resources import files

from netsurv.errors import ConfigError

#: Style names and their files in this package.
STYLES = {"paper": "netsurv-paper.mplstyle"}


def style_path(name: str = "paper") -> str:
    """Path of a shipped style sheet, for ``plt.style.use`` / ``plt.style.context``.

    Parameters
    ----------
    name
        Style name; see :data:`STYLES`.

    Returns
    -------
    str
        Absolute path of the ``.mplstyle`` file.

    Examples
    --------
    >>> style_path().endswith("netsurv-paper.mplstyle")
    True
    """
    if name not in STYLES:
        raise ConfigError(f"unknown style {name!r}; available: {sorted(STYLES)}")
    return str(files(__name__).joinpath(STYLES[name]))


def paper_style() -> str:
    """Path of the paper style sheet (``netsurv-paper.mplstyle``).

    Examples
    --------
    >>> paper_style() == style_path("paper")
    True
    """
    return style_path("paper")
