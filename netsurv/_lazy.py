"""Public names of a package imported on first use (:pep:`562`).

``import netsurv`` (and ``import netsurv.io``, which the command line needs to validate a
folder) would otherwise import matplotlib, scipy and every analysis: about 2 s on every call of
the command line.  A package lists where each of its public names is defined and gets a module
``__getattr__`` and ``__dir__``; its ``__all__``, ``from netsurv import *``, the documentation
and type checking (which read ``if TYPE_CHECKING:`` imports) see the names as before.  Every
submodule stays reachable as an attribute (``ns.datasets.load_inspire()``), as when the eager
imports loaded them all.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Collection, Mapping
from typing import Any


def lazy_names(
    package: str,
    namespace: dict[str, Any],
    defined_in: Mapping[str, str],
    subpackages: Collection[str] = (),
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's module ``__getattr__`` and ``__dir__`` for names imported on first use.

    Parameters
    ----------
    package
        The package's ``__name__``.
    namespace
        The package's ``globals()``: an imported name is kept there, so it is imported once.
    defined_in
        Each public name that a module defines, with that module's full name.
    subpackages
        Public names that are the package's own subpackages (``netsurv.io``), listed by
        ``__dir__``.  Any submodule is imported on first use, public or not.

    Returns
    -------
    tuple
        ``__getattr__`` and ``__dir__`` to assign in the package.

    Examples
    --------
    >>> namespace = {}
    >>> getattr_, dir_ = lazy_names("netsurv", namespace, {"dedent": "textwrap"})
    >>> getattr_("dedent")("  x")
    'x'
    >>> "dedent" in namespace, dir_()
    (True, ['dedent'])
    >>> getattr_("datasets").__name__  # a submodule of the package
    'netsurv.datasets'
    """

    def __getattr__(name: str) -> Any:
        if name in defined_in:
            value = getattr(importlib.import_module(defined_in[name]), name)
        elif not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}"):
            value = importlib.import_module(f"{package}.{name}")  # a submodule
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(defined_in) | set(subpackages))

    return __getattr__, __dir__
