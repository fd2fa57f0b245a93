"""The preset scenarios (``ssa``, ``prrt``, ``targeted``, ``mixed``) and :func:`get_scenario`,
which applies and checks keyword overrides.

Defaults are calibrated so that each scenario reproduces the published figures of its
setting (``netsurv.simulate.calibration``); where a value is a calibration choice rather than
a published number, the field description of :class:`~netsurv.simulate.Scenario` says so.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from netsurv.errors import ConfigError
from netsurv.simulate.scenarios import THERAPY_CLASSES, Scenario, Therapy

_PRIMARY_GEP = {"small_intestine": 0.55, "pancreas": 0.3, "unknown": 0.06, "rectum": 0.03}
_PRIMARY_GEP |= {"colon": 0.02, "stomach": 0.02, "lung": 0.02}

SCENARIOS: dict[str, Scenario] = {
    "ssa": Scenario(
        name="ssa",
        description="First-line somatostatin analogue for slowly growing GEP-NET "
        "(CLARINET, PROMID, Ter-Minassian 2017).",
        primary_sites=_PRIMARY_GEP,
        first_line={"SSA": 1.0},
        accrual_months=60.0,
        followup_months=60.0,
        slow_fraction=0.55,
        slow_tgr_mean=1.5,
        fast_tgr_median=6.0,
        baseline_median_os_months=90.0,
        sst_pet_interval_weeks=48,
    ),
    "prrt": Scenario(
        name="prrt",
        description="177Lu-DOTATATE, 4 cycles every 8 weeks, in progressive SSTR-positive NET "
        "(NETTER-1, Brabander 2017): shrinkage then regrowth, pseudoprogression, SST-PET "
        "before every cycle.",
        primary_sites={"small_intestine": 0.6, "pancreas": 0.27, "unknown": 0.07, "lung": 0.03}
        | {"rectum": 0.03},
        first_line={"PRRT": 1.0},
        accrual_months=48.0,
        followup_months=48.0,
        slow_fraction=0.45,
        slow_tgr_mean=2.0,
        fast_tgr_median=6.0,
        sst_pet_schedule="cycles",
        baseline_median_os_months=62.0,
        dedifferentiation_rate=0.10,
    ),
    "targeted": Scenario(
        name="targeted",
        description="Everolimus or sunitinib in progressive pancreatic / lung / GI NET "
        "(RADIANT-3, RADIANT-4, sunitinib A6181111): stabilisation, density drop without "
        "shrinkage (Choi).",
        primary_sites={"pancreas": 0.65, "lung": 0.12, "small_intestine": 0.15}
        | {"unknown": 0.05, "rectum": 0.03},
        first_line={"mTOR": 0.6, "TKI": 0.4},
        accrual_months=36.0,
        followup_months=48.0,
        slow_fraction=0.3,
        slow_tgr_mean=2.0,
        fast_tgr_median=9.0,
        baseline_median_os_months=57.0,
    ),
    "mixed": Scenario(
        name="mixed",
        description="A clinic's multi-line cohort: SSA first, then PRRT, targeted drugs or "
        "chemotherapy after progression or toxicity; MRI in some patients, FDG-PET in G2/G3.",
        primary_sites={"small_intestine": 0.45, "pancreas": 0.35, "unknown": 0.06}
        | {"lung": 0.06, "rectum": 0.03, "colon": 0.02, "stomach": 0.02, "duodenum": 0.01},
        first_line={"SSA": 0.75, "PRRT": 0.1, "mTOR": 0.05, "TKI": 0.03, "chemo": 0.07},
        next_lines={"PRRT": 0.45, "mTOR": 0.2, "TKI": 0.15, "chemo": 0.2},
        max_lines=4,
        slow_fraction=0.5,
        slow_tgr_mean=1.5,
        fdg_pet_rate=0.15,
        sst_pet_schedule="cycles",
        baseline_median_os_months=85.0,
    ),
}


def list_scenarios() -> list[str]:
    """Names of the preset scenarios.

    Examples
    --------
    >>> list_scenarios()
    ['ssa', 'prrt', 'targeted', 'mixed']
    """
    return list(SCENARIOS)


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """Scenario overrides from ``key=value`` text, as ``netsurv simulate --set`` takes them.

    The value is read as a TOML value (``0.1``, ``true``, ``[28, 56]``,
    ``{liver = 0.7, lymph_node = 0.3}``, ``2020-01-01``), else kept as text (``fixed``);
    ``<class>.<field>`` sets a therapy field.  The result goes to :func:`get_scenario`, which
    checks every key and value.

    Parameters
    ----------
    items
        ``key=value`` strings; a later one replaces an earlier one with the same key.

    Returns
    -------
    dict of str to object

    Raises
    ------
    netsurv.ConfigError
        For an item without ``=`` or without a key.

    Examples
    --------
    >>> parse_overrides(["death_link=0", "prrt.kill_rate=0.2", "start_date=2020-01-01"])
    {'death_link': 0, 'prrt.kill_rate': 0.2, 'start_date': datetime.date(2020, 1, 1)}
    >>> get_scenario("ssa", **parse_overrides(["start_date=2020-01-01"])).start_date
    '2020-01-01'
    """
    classes = {c.lower() for c in THERAPY_CLASSES} | {"post"}
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(
                f"--set expects key=value (e.g. death_link=0 or prrt.kill_rate=0.2), got {item!r}"
            )
        try:
            value = tomllib.loads(f"v = {text.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            value = text.strip()
        if isinstance(value, dict) and key.lower() in classes:
            # prrt={kill_rate = 0.2} is prrt.kill_rate=0.2
            out.update({f"{key}__{k}": v for k, v in value.items()})
        else:
            out[key] = value
    return out


def get_scenario(scenario: str | Scenario = "ssa", **overrides: Any) -> Scenario:
    """A scenario with keyword overrides applied and checked.

    Parameters
    ----------
    scenario
        A preset name (``"ssa"``, ``"prrt"``, ``"targeted"``, ``"mixed"``) or a
        :class:`Scenario`.
    **overrides
        Scenario fields (``death_link=0``, ``noise_cv=0.1``) or therapy fields written
        ``<class>__<field>`` (``prrt__sensitive_fraction=0.6``; ``.`` works too).

    Returns
    -------
    Scenario

    Raises
    ------
    netsurv.ConfigError
        For an unknown scenario or field (the message lists the valid ones) or an invalid value.

    Examples
    --------
    >>> get_scenario("prrt", death_link=0.0, prrt__sensitive_fraction=0.6).death_link
    0.0
    >>> get_scenario("ssa", noise=0.1)
    Traceback (most recent call last):
    ...
    netsurv.errors.ConfigError: unknown simulation parameter 'noise'; valid parameters: ...
    """
    if isinstance(scenario, Scenario):
        base = scenario
    elif scenario in SCENARIOS:
        base = SCENARIOS[scenario]
    else:
        raise ConfigError(f"unknown scenario {scenario!r}; choose one of {list(SCENARIOS)}")
    if not overrides:
        return base
    data = base.model_dump()
    fields = set(Scenario.model_fields)
    for key, value in overrides.items():
        parts = key.replace(".", "__").split("__")
        if len(parts) == 1:
            if key not in fields or key == "name":
                raise ConfigError(
                    f"unknown simulation parameter {key!r}; valid parameters: "
                    f"{sorted(fields - {'name', 'therapies', 'post_progression'})}, or "
                    f"<class>__<field> for a therapy ({', '.join(THERAPY_CLASSES)}, post)"
                )
            data[key] = value
            continue
        classes = {c.lower(): c for c in THERAPY_CLASSES} | {"post": "post"}
        if len(parts) != 2 or parts[0].lower() not in classes:
            raise ConfigError(
                f"unknown simulation parameter {key!r}: write <class>__<field> with a class in "
                f"{[*THERAPY_CLASSES, 'post']}"
            )
        cls, fld = classes[parts[0].lower()], parts[1]
        if fld not in Therapy.model_fields:
            raise ConfigError(
                f"unknown therapy parameter {fld!r} in {key!r}; valid: {sorted(Therapy.model_fields)}"
            )
        target = data["post_progression"] if cls == "post" else data["therapies"][cls]
        target[fld] = value
    try:
        return Scenario(**data)
    except ValidationError as exc:
        raise ConfigError(_message(exc)) from None


def _message(exc: ValidationError) -> str:
    """The first problem of a failed Scenario, naming the parameter and the value given."""
    err = exc.errors()[0]
    msg = str(err["msg"]).removeprefix("Value error, ")
    loc = [str(p) for p in err["loc"]]
    if not loc:  # a rule across several parameters: the message names them
        return f"invalid simulation parameters: {msg}"
    if loc[0] == "therapies" and len(loc) > 2:
        loc = [f"{loc[1].lower()}__{loc[2]}", *loc[3:]]
    elif loc[0] == "post_progression" and len(loc) > 1:
        loc = [f"post__{loc[1]}", *loc[2:]]
    return f"invalid simulation parameter {'.'.join(loc)} = {err.get('input')!r}: {msg}"
