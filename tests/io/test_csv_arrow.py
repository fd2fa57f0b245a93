"""The Arrow reader of plain CSV texts gives the cells pandas' C parser gives, and coercion
gives the same typed columns and the same problems from Arrow text as from Python strings."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from netsurv.io.csv_arrow import read_plain_cells
from netsurv.io.csv_text import NA_VALUES, _read_cells
from netsurv.schema.cells import arrow_text
from netsurv.schema.coerce import coerce_table
from netsurv.schema.inputs import Assessments, Lesions
from netsurv.schema.problems import Problems

#: Arrow text as the CSV reader keeps it (dictionary-encoded), and pandas' Arrow strings.
ARROW_TEXT = [pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())), "string[pyarrow]"]

TEXTS = [
    "patient_id,long_axis_mm,site\nP1,12.5,liver\nP2,,lung\n",
    # blanks before a cell are skipped (not tabs, not after it); markers after the blanks
    "patient_id,long_axis_mm,site\n P1,  NA,\tliver \nP2, nan,  -\n  ,.,NULL\n",
    # nan is a value in a number column, missing in a text column; Windows line ends
    "patient_id,long_axis_mm,site\r\nnan,nan,NaN\r\nP2,N/A,n/a\r\n",
    # a header cell that is a marker, text beyond ASCII, no final line break
    "patient_id,NA,site\nP1,3,Leber Ä\nP2,4,   ",
]


def _normalised(cells: pd.DataFrame) -> list[list[object]]:
    obj = cells.astype(object)
    return obj.where(obj.notna(), None).values.tolist()


@pytest.mark.parametrize("text", TEXTS)
def test_plain_cells_are_pandas_cells(text: str) -> None:
    names = text.splitlines()[0].split(",")
    na = {
        i: sorted(NA_VALUES - {"nan", "NaN"} if h == "long_axis_mm" else NA_VALUES)
        for i, h in enumerate(names)
    }
    arrow = read_plain_cells(text, ",", names, na)
    assert arrow is not None
    assert _normalised(arrow) == _normalised(_read_cells(text, ",", na))
    # Arrow text as read, dictionary-encoded: coercion finds the encoding made
    assert all(pa.types.is_dictionary(dtype.pyarrow_dtype) for dtype in arrow.dtypes)
    assert all(arrow_text(arrow[c]) is not None for c in arrow.columns)


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n"x,y",1\n',  # quotes
        "a,b\nx\n",  # a short row
        "a,b\nx,1,2\n",  # a long row
        "a,b\n\nx,1\n",  # a blank line
        "a\nx\n",  # one column
    ],
)
def test_texts_that_are_not_plain_are_left_to_pandas(text: str) -> None:
    names = text.splitlines()[0].split(",")
    assert read_plain_cells(text, ",", names, {}) is None


LESION_CELLS = {
    "patient_id": ["P1", "P1", "P1", "P1", "P1", "P1", "P1", "P1"],
    "assessment_id": ["A1", "A1", "A1", "A1", "A1", "A1", "A1", "A1"],
    "lesion_id": ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8"],
    "long_axis_mm": ["12.5", " 3", "1e5", "12,5", "nan", "inf", "abc", None],
    "short_axis_mm": [".5", "-0", None, "", "7", "8", "9", "10"],
    "krenning_score": ["3", "2.5", "4.0", None, "x", "1", "2", "3"],
    "fdg_avid": ["yes", " No ", "1", "0", "maybe", None, "TRUE", "f"],
}
ASSESSMENT_CELLS = {
    "patient_id": ["P1"] * 8,
    "assessment_id": [f"A{i}" for i in range(8)],
    "date": [
        "2020-02-29",
        " 2021-01-02 ",
        "2021-02-30",
        "2020-05",
        "03/04/2020",
        "44000",
        "1500-01-01",
        None,
    ],
    "new_lesion": ["equivocal", "yes", "no", None, "Equivocal", "0", "1", "x"],
}


@pytest.mark.parametrize(
    ("cells", "model", "table"),
    [(LESION_CELLS, Lesions, "lesions"), (ASSESSMENT_CELLS, Assessments, "assessments")],
)
@pytest.mark.parametrize("drop", [(), ("bad",)])
@pytest.mark.parametrize("arrow_dtype", ARROW_TEXT)
def test_coercion_from_arrow_text_equals_coercion_from_strings(
    cells: dict[str, list[str | None]],
    model: type,
    table: str,
    drop: tuple[str, ...],
    arrow_dtype: str | pd.ArrowDtype,
) -> None:
    raw = pd.DataFrame(cells, dtype=object)
    if drop:  # only cells every path reads: the Arrow fast paths then decide alone
        good = raw.index.isin([0, 1])
        raw = raw[good].reset_index(drop=True)
    arrow = raw.astype(arrow_dtype)
    p_obj, p_arrow = Problems(), Problems()
    typed_obj = coerce_table(raw, model, table, p_obj)
    typed_arrow = coerce_table(arrow, model, table, p_arrow)
    pd.testing.assert_frame_equal(typed_arrow, typed_obj, check_exact=True)
    assert p_arrow.rows == p_obj.rows
    if not drop:
        assert len(p_obj.rows) > 3  # the bad cells are reported, in both


def test_a_fraction_in_a_whole_number_column_of_plain_decimals_is_reported() -> None:
    # every cell a plain decimal, none missing: Arrow's numbers came back read-only and
    # blanking the fraction raised a bare ValueError
    from netsurv.schema.inputs import Lines

    raw = pd.DataFrame(
        {
            "patient_id": ["P1"],
            "line_id": ["L1"],
            "regimen": ["x"],
            "start_date": ["2020-01-01"],
            "n_cycles": ["2.5"],
        },
        dtype=object,
    )
    problems = Problems()
    typed = coerce_table(raw, Lines, "lines", problems)
    assert typed["n_cycles"].isna().all()
    assert [r["rule"] for r in problems.rows] == ["type_integer"]


@pytest.mark.parametrize("arrow_dtype", ARROW_TEXT)
def test_cells_equal_once_trimmed_are_one_value_on_every_path(
    arrow_dtype: str | pd.ArrowDtype,
) -> None:
    # the Arrow paths trim, test and parse each distinct value once and spread the result by
    # position: cells that differ only by blanks, blank and missing cells, repeated values,
    # and a key that looks like a number ("01" is not "1") must come out as cell by cell
    raw = pd.DataFrame(
        {
            "patient_id": ["P1", " P1", "P1 ", "01", "1", " 01", "P1", "P2"],
            "assessment_id": ["A1", "A1 ", "A2", "A1", "A1", "A2", "A3", "A1"],
            "date": [
                "2020-01-02",
                " 2020-01-02",
                "2020-01-02 ",
                "",
                None,
                "2020-03-04",
                "  ",
                "2020-03-04",
            ],
            "new_lesion": ["Yes", "yes ", " YES", "no", None, "", "No", "yes"],
            "liver_volume_ml": ["1500", " 1500", "1500 ", "", None, "-.5", "1500", "  "],
        },
        dtype=object,
    )
    p_obj, p_arrow = Problems(), Problems()
    typed_obj = coerce_table(raw, Assessments, "assessments", p_obj)
    typed_arrow = coerce_table(raw.astype(arrow_dtype), Assessments, "assessments", p_arrow)
    pd.testing.assert_frame_equal(typed_arrow, typed_obj, check_exact=True)
    assert p_arrow.rows == p_obj.rows
    assert typed_arrow["patient_id"].tolist() == ["P1", "P1", "P1", "01", "1", "01", "P1", "P2"]
    assert typed_arrow["date"].isna().tolist() == [
        False,
        False,
        False,
        True,
        True,
        False,
        True,
        False,
    ]
    assert typed_arrow["liver_volume_ml"].tolist()[:3] == [1500.0] * 3
    assert typed_arrow["liver_volume_ml"].tolist()[5] == -0.5
    assert typed_arrow["new_lesion"].tolist()[:4] == [True, True, True, False]


def test_the_reader_s_cells_take_the_fast_paths() -> None:
    # the encoding the reader makes holds the header cell and the markers too: the fast
    # paths must look at the values the cells hold, or every column takes the slow path
    from netsurv.schema.column_types import _iso_dates, _plain_decimals

    text = "patient_id,long_axis_mm,date\nP1,12.5,2020-01-02\nP2,NA,\nP3, 3,2021-05-06\n"
    names = text.splitlines()[0].split(",")
    cells = read_plain_cells(text, ",", names, {i: sorted(NA_VALUES) for i in range(3)})
    assert cells is not None
    frame = cells.iloc[1:]
    numbers = _plain_decimals(frame[1])
    assert numbers is not None
    assert numbers.tolist()[::2] == [12.5, 3.0]
    days = _iso_dates(frame[2])
    assert days is not None
    assert days.astype(str).tolist() == ["2020-01-02", "NaT", "2021-05-06"]
