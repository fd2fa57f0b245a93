"""The preset scenarios (``ssa``, ``prrt``, ``targeted``, ``mixed``) and :func:`get_scenario`,
which applies and checks keyword overrides.

Defaults are calibrated so that each scenario reproduces the published figures of its
setting (``netsurv.simulate.calibration``); where a value is a calibration choice rather than
a published number, the field description of :class:`~netsurv.simulate.Scenario` says so.
"""

from __future__ import annotations

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
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "scenario"
        raise ConfigError(
            f"invalid simulation parameter {where} = {err.get('input')!r}: {err['msg']}"
        ) from None
