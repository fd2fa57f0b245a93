"""``import netsurv`` loads its public names on first use: the command line validates a folder
without importing matplotlib, scipy or the analyses, and the public names are those of an
eager import (netsurv._lazy)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import netsurv as ns


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code``."""
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_validating_a_folder_does_not_import_the_analyses() -> None:
    loaded = _modules_after("import netsurv\nfrom netsurv.cli import app\nimport netsurv.io")
    heavy = {"matplotlib", "scipy", "netsurv.response", "netsurv.endpoints", "netsurv.plots"}
    assert not heavy & loaded
    assert "netsurv.cohort" in loaded  # what read_cohort needs is there


def test_public_names_resolve_as_an_eager_import() -> None:
    from netsurv.cohort import Cohort
    from netsurv.io.adam import write_adam
    from netsurv.sweep import sweep

    assert set(ns.__all__) <= set(dir(ns))
    assert all(hasattr(ns, name) for name in ns.__all__)
    assert ns.Cohort is Cohort
    assert ns.io.write_adam is write_adam
    assert "write_adam" in dir(ns.io)
    # netsurv.sweep is the function, also once the subpackage of that name is imported
    assert ns.sweep is sweep
    assert sys.modules["netsurv.sweep"] is not sweep


def test_every_submodule_is_reachable_as_an_attribute() -> None:
    loaded = _modules_after(
        "import netsurv as ns\n"
        "assert ns.datasets.load_inspire and ns.schema.inputs.KEYS and ns.io.adam.write_adam"
    )
    assert {"netsurv.datasets", "netsurv.schema.inputs", "netsurv.io.adam"} <= loaded


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        ns.no_such_name  # noqa: B018


def test_sweep_stays_the_function_when_the_subpackage_is_imported_first() -> None:
    loaded = _modules_after(
        "import netsurv.sweep.batch, netsurv, types\n"
        "assert not isinstance(netsurv.sweep, types.ModuleType), netsurv.sweep"
    )
    assert "netsurv.sweep.batch" in loaded
