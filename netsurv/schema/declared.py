"""The columns a model of :mod:`netsurv.schema.inputs` declares, and their types, read from
the model's annotations (``patient_id: Series[str]``) as pandera reads them.

The readers need only a table's column names and which of them hold numbers.  pandera's
``Model.to_schema()`` gives them too, but the first schema built in a process imports
pandera's typing of every dataframe library installed (Dask's alone takes about a second):
:func:`warm_schemas` builds the schemas on a thread of their own while the files are read,
and the readers take the names from here meanwhile.
"""

from __future__ import annotations

import threading
import typing
from collections.abc import Iterable
from types import UnionType

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

#: Annotated types of the columns that hold numbers (float64 and Int64 in the schema).
NUMERIC_TYPES = (float, pd.Int64Dtype)


def declared_types(model: type[pa.DataFrameModel]) -> dict[str, object]:
    """The declared columns of ``model`` in schema order, with the type each is annotated
    with (``str``, ``float``, ``pd.Timestamp``, ``pd.Int64Dtype`` ...).

    Examples
    --------
    >>> from netsurv.schema.inputs import Patients
    >>> types = declared_types(Patients)
    >>> types["patient_id"], types["ki67_pct"]
    (<class 'str'>, <class 'float'>)
    """
    out: dict[str, object] = {}
    for name, hint in typing.get_type_hints(model).items():
        if isinstance(hint, UnionType) or typing.get_origin(hint) is typing.Union:
            # an optional column: Series[...] | None
            hint = next(a for a in typing.get_args(hint) if a is not type(None))
        if typing.get_origin(hint) is Series:
            out[name] = typing.get_args(hint)[0]
    return out


def numeric_columns(model: type[pa.DataFrameModel]) -> tuple[str, ...]:
    """The declared columns of ``model`` that hold numbers, in schema order.

    Examples
    --------
    >>> from netsurv.schema.inputs import Lines
    >>> numeric_columns(Lines)
    ('n_cycles',)
    """
    return tuple(n for n, t in declared_types(model).items() if t in NUMERIC_TYPES)


def warm_schemas(models: Iterable[type[pa.DataFrameModel]]) -> threading.Thread:
    """Build (and so cache) the pandera schemas of ``models`` on a thread of their own,
    started here; join it before any other use of the schemas.

    Examples
    --------
    >>> from netsurv.schema.inputs import Patients
    >>> warm_schemas([Patients]).join()
    >>> list(Patients.to_schema().columns)[:1]
    ['patient_id']
    """

    def build() -> None:
        try:
            for model in models:
                model.to_schema()
        except Exception:  # built again, and its error raised, where used
            pass

    thread = threading.Thread(target=build, name="netsurv-schemas", daemon=True)
    thread.start()
    return thread
