"""The bundled real datasets: licence and citation shipped, files as published, cohorts as
their READMEs describe."""

from __future__ import annotations

import gzip
import hashlib

import pytest

import netsurv as ns
from netsurv.datasets import dataset_folder

FILES = {
    "inspire": ("pembrolizumab.csv", "ctDNA.csv"),
    "laleh": ("tumor_size.csv.gz",),
}


@pytest.mark.parametrize("name", sorted(FILES))
def test_licence_citation_and_checksums_ship_with_the_data(name: str) -> None:
    folder = dataset_folder(name)
    assert (folder / "LICENSE").read_text().startswith("MIT License")
    readme = (folder / "README.md").read_text()
    assert "doi.org/10." in readme and "Cite" in readme
    for file in FILES[name]:
        data = (folder / file).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        assert digest in readme, f"{name}/{file}: the README's checksum is not the file's"
        if file.endswith(".gz"):  # and that of the source's own (uncompressed) file
            assert hashlib.sha256(gzip.decompress(data)).hexdigest() in readme


def test_inspire_cohort() -> None:
    cohort = ns.datasets.load_inspire()
    assert cohort.n_patients == 94 and cohort.lesions.empty
    b = cohort.tumour_burden
    assert (b["sum_value"].isna()).all()
    assert int(b["pct_change_baseline"].notna().sum()) == 94 + 262  # baselines + visits
    assert set(cohort.warnings["rule"]) == {"after_last_alive"}


def test_tumour_size_cohort_sets_aside_what_it_cannot_read() -> None:
    cohort = ns.datasets.load_tumour_size()
    assert cohort.n_patients == 1460  # 1,461 series, one with two diameters on one day
    reasons = cohort.attrition["reason"].value_counts()
    # series starting after the start of treatment or more than 28 days (RECIST 1.1's baseline
    # window; 14 with the earlier 42 days) before it
    assert reasons.iloc[0] == 58
    assert reasons.index[0].startswith("no baseline scan within 28 days")
    tp = ns.classify(cohort, "recist1.1")
    zero = tp.attrition["reason"].eq("baseline diameter is 0: relative change undefined")
    assert not zero.any()  # no baseline of 0 before the start
