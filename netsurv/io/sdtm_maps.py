"""Mapping tables from CDISC SDTM codes to netsurv values, shipped as data.

Each table is a small CSV in ``netsurv/io/maps/`` (documented in its ``README.md``): which
``TRTESTCD`` fills which lesion column, which ``TULOC`` is which organ, which ``RSSTRESC`` is
which response, and so on.  A study whose codes differ passes its own table (a DataFrame or a
CSV path) to :func:`load_maps`; every table is checked when it is loaded, so a broken mapping
fails with a :class:`netsurv.ConfigError` naming the table, the row and the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.schema.inputs import (
    END_REASONS,
    LESION_ROLES,
    LESION_SITES,
    MARKERS,
    MODALITIES,
    READER_RESPONSES,
)

#: Lesion columns a ``TRTESTCD`` can fill, with the unit netsurv stores them in.
MEASURE_UNITS = {
    "long_axis_mm": "mm",
    "short_axis_mm": "mm",
    "viable_long_axis_mm": "mm",
    "volume_ml": "mL",
    "density_hu": "HU",
    "suv_max": "g/mL",
    "suv_mean": "g/mL",
    "sul_peak": "g/mL",
    "krenning_score": "score",
    "adc": "10^-6 mm^2/s",
}
#: Lesion columns a ``TRTESTCD`` can fill with a reader's yes / no call (``TRSTRESC``, read
#: through the avidity map).
FLAG_MEASURES = ("fdg_avid", "sst_avid")
TUMOUR_STATES = ("present", "absent", "progression", "equivocal", "not_evaluable", "too_small")

#: name -> (file, key column, value column, allowed values of the value column)
_SPECS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...] | None]] = {
    "measures": (
        "trtestcd.csv",
        ("code", "column", "priority"),
        (*MEASURE_UNITS, *FLAG_MEASURES),
    ),
    "units": (
        "units.csv",
        ("unit", "netsurv_unit", "factor"),
        tuple(dict.fromkeys(MEASURE_UNITS.values())),
    ),
    "sites": ("tuloc.csv", ("value", "site", "match"), LESION_SITES),
    "responses": ("responses.csv", ("value", "response"), READER_RESPONSES),
    "roles": ("roles.csv", ("value", "role"), LESION_ROLES),
    "tumour_states": ("tumour_states.csv", ("value", "state"), TUMOUR_STATES),
    "methods": ("methods.csv", ("value", "modality"), MODALITIES),
    "dispositions": ("dispositions.csv", ("value", "end_reason"), END_REASONS),
    "lab_tests": ("lbtestcd.csv", ("value", "marker"), MARKERS),
    "avidity": ("avidity.csv", ("value", "avid"), ("true", "false")),
}
_MATCH = ("exact", "contains", "default")


@dataclass(frozen=True)
class SdtmMaps:
    """The mapping tables used by :func:`netsurv.io.read_sdtm`.

    Attributes
    ----------
    measures : pandas.DataFrame
        ``code`` (TRTESTCD), ``column`` (lesion column), ``priority`` (lower wins when two
        codes fill the same column for one lesion and visit).
    units : pandas.DataFrame
        ``unit`` (TRSTRESU), ``netsurv_unit``, ``factor`` (multiply to convert).
    sites : pandas.DataFrame
        ``value`` (TULOC), ``site``, ``match`` (``exact``, ``contains`` or ``default``); the
        first matching row wins.
    responses : pandas.DataFrame
        ``value`` (RSSTRESC) and ``response``.
    roles : pandas.DataFrame
        ``value`` (TUSTRESC / TRGRPID) and ``role``.
    tumour_states : pandas.DataFrame
        ``value`` (TRSTRESC of TUMSTATE) and ``state``.
    methods : pandas.DataFrame
        ``value`` (TRMETHOD / TUMETHOD) and ``modality``.
    dispositions : pandas.DataFrame
        ``value`` (DSDECOD) and ``end_reason``.
    lab_tests : pandas.DataFrame
        ``value`` (LB.LBTESTCD or LB.LBTEST) and ``marker`` (CgA, 5-HIAA, NSE, serotonin,
        pancreastatin, other).
    avidity : pandas.DataFrame
        ``value`` (TRSTRESC of an avidity test: ``Y``, ``AVID`` ...) and ``avid`` (``true`` or
        ``false``).
    """

    measures: pd.DataFrame
    units: pd.DataFrame
    sites: pd.DataFrame
    responses: pd.DataFrame
    roles: pd.DataFrame
    tumour_states: pd.DataFrame
    methods: pd.DataFrame
    dispositions: pd.DataFrame
    lab_tests: pd.DataFrame
    avidity: pd.DataFrame


def maps_folder() -> Path:
    """The folder holding the shipped mapping CSV files.

    Examples
    --------
    >>> (maps_folder() / "trtestcd.csv").is_file()
    True
    """
    return Path(str(files("netsurv.io") / "maps"))


def load_maps(overrides: Mapping[str, pd.DataFrame | str | Path] | None = None) -> SdtmMaps:
    """The shipped mapping tables, with any of them replaced by the study's own.

    Parameters
    ----------
    overrides
        Tables by name (``"measures"``, ``"units"``, ``"sites"``, ``"responses"``,
        ``"roles"``, ``"tumour_states"``, ``"methods"``, ``"dispositions"``, ``"lab_tests"``,
        ``"avidity"``), as DataFrames or CSV paths with the same columns as the shipped files.

    Returns
    -------
    SdtmMaps

    Raises
    ------
    netsurv.ConfigError
        Unknown table name, missing column, empty or duplicated code, or a value netsurv does
        not know (naming the table, row and value).

    Examples
    --------
    >>> import pandas as pd
    >>> maps = load_maps({"responses": pd.DataFrame({"value": ["RC"], "response": ["CR"]})})
    >>> maps.responses["response"].tolist()
    ['CR']
    >>> load_maps({"sites": pd.DataFrame({"value": ["LIVER"], "site": ["hepar"],
    ...                                   "match": ["exact"]})})
    Traceback (most recent call last):
    ...
    netsurv.errors.ConfigError: SDTM map 'sites' row 1 (value 'LIVER'): site 'hepar' is not one of liver, lymph_node, bone, lung, peritoneum, pancreas, bowel, other
    """
    given = dict(overrides or {})
    unknown = sorted(set(given) - set(_SPECS))
    if unknown:
        raise ConfigError(f"unknown SDTM map(s) {unknown}; known: {sorted(_SPECS)}")
    tables = {}
    for name, (file, columns, allowed) in _SPECS.items():
        source = given.get(name, maps_folder() / file)
        if isinstance(source, pd.DataFrame):
            raw = source.copy()
        else:
            try:
                raw = pd.read_csv(source, dtype=str, keep_default_na=False)
            except (OSError, ValueError) as exc:
                raise ConfigError(
                    f"SDTM map '{name}' could not be read from {source}: {exc}"
                ) from exc
        tables[name] = _check(name, raw, columns, allowed)
    return SdtmMaps(**tables)


def _check(
    name: str, raw: pd.DataFrame, columns: tuple[str, ...], allowed: tuple[str, ...] | None
) -> pd.DataFrame:
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise ConfigError(f"SDTM map '{name}' lacks column(s) {missing}; it needs {list(columns)}")
    df = raw[list(columns)].astype(str).apply(lambda s: s.str.strip())
    key, target = columns[0], columns[1]
    for i, (k, v) in enumerate(zip(df[key], df[target], strict=True), start=1):
        where = f"SDTM map '{name}' row {i} (value {k!r})"
        if not k:
            raise ConfigError(f"SDTM map '{name}' row {i}: {key} is empty")
        if allowed is not None and v not in allowed:
            raise ConfigError(f"{where}: {target} {v!r} is not one of {', '.join(allowed)}")
    if name == "sites":
        bad = ~df["match"].isin(_MATCH)
        if bad.any():
            i = int(np.flatnonzero(bad)[0]) + 1
            raise ConfigError(
                f"SDTM map 'sites' row {i}: match {df['match'].iloc[i - 1]!r} is not one of "
                f"{', '.join(_MATCH)}"
            )
    if name in ("measures", "units"):
        col = "priority" if name == "measures" else "factor"
        num = pd.to_numeric(df[col], errors="coerce")
        if num.isna().any():
            i = int(np.flatnonzero(num.isna())[0]) + 1
            raise ConfigError(
                f"SDTM map '{name}' row {i}: {col} {df[col].iloc[i - 1]!r} is not a number"
            )
        df[col] = num
    dup_key = [key, "column"] if name == "measures" else [key]
    dup = df.duplicated(dup_key, keep=False) & (df.get("match", "") != "default")
    if name != "sites" and dup.any():
        i = int(np.flatnonzero(dup)[0]) + 1
        raise ConfigError(f"SDTM map '{name}' row {i}: {key} {df[key].iloc[i - 1]!r} appears twice")
    return df.reset_index(drop=True)


def map_values(values: pd.Series, table: pd.DataFrame, target: str) -> pd.Series:
    """Map codes (case and surrounding blanks ignored) through a two-column map; unknown -> NA.

    Examples
    --------
    >>> m = load_maps().responses
    >>> map_values(pd.Series(["pr", " Stable disease", "CHECK"]), m, "response").tolist()
    ['PR', 'SD', nan]
    """
    lookup = dict(zip(table["value"].str.upper(), table[target], strict=True))
    return values.astype("string").str.strip().str.upper().map(lookup).astype(object)


def map_sites(tuloc: pd.Series, table: pd.DataFrame) -> pd.Series:
    """Organ of each ``TULOC``: the first matching row of the sites map (exact, then contains).

    Examples
    --------
    >>> map_sites(pd.Series(["LIVER", "AXILLARY LYMPH NODE", "BRAIN", None]),
    ...           load_maps().sites).tolist()
    ['liver', 'lymph_node', 'other', 'other']
    """
    text = tuloc.astype("string").str.strip().str.upper().fillna("")
    out = pd.Series(pd.NA, index=tuloc.index, dtype=object)
    for value, site, match in table[["value", "site", "match"]].itertuples(index=False):
        todo = out.isna()
        if not todo.any():
            break
        pattern = str(value).upper()
        if match == "exact":
            hit = text == pattern
        elif match == "contains":
            hit = text.str.contains(pattern, regex=False)
        else:
            hit = pd.Series(True, index=text.index)
        out[todo & hit.to_numpy()] = site
    return out
