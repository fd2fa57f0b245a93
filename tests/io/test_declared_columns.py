"""The readers' view of the input models (column names, numeric columns, read from the
models' annotations) agrees with the pandera schemas built from the same models."""

from __future__ import annotations

import pytest

from netsurv.schema.declared import declared_types, numeric_columns, warm_schemas
from netsurv.schema.inputs import INPUT_MODELS


@pytest.mark.parametrize("table", sorted(INPUT_MODELS))
def test_declared_columns_are_the_schema_s(table: str) -> None:
    model = INPUT_MODELS[table]
    warm_schemas([model]).join()
    schema = model.to_schema()
    assert list(declared_types(model)) == list(schema.columns)
    numeric = [n for n, c in schema.columns.items() if str(c.dtype) in ("float64", "Int64")]
    assert list(numeric_columns(model)) == numeric
