"""REDCap exports, SDTM folders and analysis configs written by a clinic's own tools: the
text settings (``data.encoding``, ``data.delimiter``, ``data.decimal``) reach every source,
and a file written otherwise is named with the setting that reads it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from messy import WRITTEN_OTHERWISE, digest, every_file
from typer.testing import CliRunner

import netsurv as ns
from netsurv.cli import app
from netsurv.config import load_config
from netsurv.pipeline.stages import load_cohort

REDCAP = Path(__file__).resolve().parents[2] / "analyses" / "redcap_example"
runner = CliRunner()


def _redcap(tmp_path: Path, change: object) -> Path:
    folder = tmp_path / "redcap"
    shutil.copytree(REDCAP, folder)
    export = folder / "export.csv"
    export.write_bytes(change(export.read_bytes()))  # type: ignore[operator]
    return folder


def _read_redcap(folder: Path, **text: str) -> ns.Cohort:
    return ns.io.read_redcap(
        folder / "export.csv",
        mapping=folder / "mapping.toml",
        data_dictionary=folder / "data_dictionary.csv",
        **text,  # type: ignore[arg-type]
    )


def test_a_redcap_export_in_windows_1252_is_named_then_read(tmp_path: Path) -> None:
    """Was a UnicodeDecodeError traceback."""
    folder = _redcap(
        tmp_path, lambda b: b.decode().replace("lanreotide", "lanréotide").encode("cp1252")
    )
    with pytest.raises(ns.ValidationError) as err:
        _read_redcap(folder)
    f = err.value.failures
    assert f[["table", "rule", "file"]].values.tolist() == [
        ["REDCap export", "encoding", "export.csv"]
    ]
    assert "set data.encoding = 'cp1252'" in f["message"].item()
    lines = _read_redcap(folder, encoding="cp1252").lines
    assert "lanréotide 120 mg" in set(lines["regimen"])


def test_a_truncated_redcap_export_is_refused(tmp_path: Path) -> None:
    """pandas padded the cut row with empty cells: a record lost its last fields silently."""
    folder = _redcap(tmp_path, lambda b: b[:-40])
    with pytest.raises(ns.ValidationError) as err:
        _read_redcap(folder)
    f = err.value.failures
    assert f[["rule", "row_key"]].values.tolist() == [["ragged_row", "line 45"]]
    assert "is the file truncated?" in f["message"].item()


def test_sdtm_files_take_the_encoding_and_two_files_for_a_domain_are_refused(
    tmp_path: Path,
) -> None:
    adsl = pd.DataFrame(
        {
            "USUBJID": ["S1"],
            "TRTSDT": ["2021-01-10"],
            "LSTALVDT": ["2021-12-01"],
            "ARM": ["PRRT (177Lu-DOTATATE, 4 cycles à 7.4 GBq)"],
        }
    )
    (tmp_path / "adsl.csv").write_bytes(adsl.to_csv(index=False).encode("latin-1"))
    with pytest.raises(ns.ValidationError) as err:
        ns.io.read_sdtm(tmp_path)
    assert err.value.failures[["table", "rule", "row_key"]].values.tolist() == [
        ["ADSL", "encoding", "line 2"]
    ]
    cohort = ns.io.read_sdtm(tmp_path, encoding="latin-1")
    assert cohort.patients["arm"].item() == adsl["ARM"].item()
    (tmp_path / "ADSL.csv").write_bytes(adsl.to_csv(index=False).encode())
    with pytest.raises(ns.ValidationError) as err:
        ns.io.read_sdtm(tmp_path, encoding="latin-1")
    f = err.value.failures
    assert f[["table", "rule", "value"]].values.tolist() == [
        ["ADSL", "ambiguous_table", "ADSL.csv, adsl.csv"]
    ]


def _config(tmp_path: Path, data: str) -> Path:
    path = tmp_path / "analysis.toml"
    path.write_text(
        '[run]\nname = "messy"\nseed = 1\n[criteria]\npresets = ["recist1.1"]\n'
        '[endpoints]\nnames = ["OS"]\n[km]\nendpoints = ["OS"]\n[landmark]\nenabled = false\n'
        f"[compare]\nenabled = false\n[data]\n{data}\n",
        encoding="utf-8",
    )
    return path


def test_a_config_reads_a_semicolon_folder_only_with_its_settings(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    every_file(folder, WRITTEN_OTHERWISE["semicolons_and_decimal_commas"][0])
    before = digest(folder)
    plain = _config(tmp_path, f'source = "{folder.name}"')
    result = runner.invoke(app, ["run", str(plain), "--quiet", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "patients (patients.csv): file uses ';' as delimiter and ',' as decimal mark" in text
    assert "set data.delimiter = ';' and data.decimal = ','" in text
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()
    configured = _config(tmp_path, f'source = "{folder.name}"\ndelimiter = ";"\ndecimal = ","')
    cohort = load_cohort(load_config(configured))
    assert cohort.n_patients == 4
    assert digest(folder) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('source = "data"\nencoding = "utf-9"', "data.encoding: "),
        ('source = "data"\ndelimiter = ";;"', "must be one character"),
        ('source = "data"\ndecimal = ";"', "data.decimal"),
        ('source = "data"\ndelimiter = ","\ndecimal = ","', "are both ','"),
        ('source = "demo"\nencoding = "cp1252"', "data.encoding is for a data.source that is"),
        ('source = "data"\nwarn = ["non_finite"]', "cannot be changed"),
    ],
)
def test_text_settings_in_a_config_are_checked_before_reading(
    data: str, message: str, tmp_path: Path
) -> None:
    with pytest.raises(ns.ConfigError, match=message):
        load_config(_config(tmp_path, data))
