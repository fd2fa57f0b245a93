"""The "comparison with R" page cites what the tests assert: each row's test file and R script
exist, each tolerance it states is a number written in that test file, and every test that
reads committed R reference values is on the page."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "comparison_with_r.md"


def rows() -> list[dict[str, str]]:
    lines = [x for x in PAGE.read_text(encoding="utf-8").splitlines() if x.startswith("|")]
    head = [c.strip() for c in lines[0].strip("|").split("|")]
    return [
        dict(zip(head, (c.strip() for c in x.strip("|").split(" | ")), strict=True))
        for x in lines[2:]
    ]


def test_every_row_cites_an_existing_test_script_and_tolerance() -> None:
    table = rows()
    assert len(table) >= 10
    for row in table:
        test = ROOT / row["test"].strip("`")
        script = ROOT / "tests" / "reference" / row["R script"].strip("`")
        assert test.is_file(), row["test"]
        assert script.is_file(), row["R script"]
        source = test.read_text(encoding="utf-8")
        tolerances = re.findall(r"\d+e-\d+", row["tolerance"])
        assert tolerances, row["netsurv"]
        for tol in tolerances:
            assert re.search(rf"(?<![\d.e]){re.escape(tol)}(?![\d])", source), (
                f"{row['test']} asserts no tolerance {tol}, but the page says so"
            )


def test_every_test_against_r_is_on_the_page() -> None:
    cited = {row["test"].strip("`") for row in rows()}
    readers = {
        str(p.relative_to(ROOT))
        for p in (ROOT / "tests").rglob("test_*.py")
        if re.search(
            r"\"expected\"\s*/|from r_reference import[^\n]*\bcase\b", p.read_text("utf-8")
        )
    }
    assert readers, "no test reads tests/reference/expected: the search pattern is stale"
    assert readers <= cited, f"tests comparing with R but not on the page: {readers - cited}"
