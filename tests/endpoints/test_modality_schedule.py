"""Criteria read on a modality scanned on its own rhythm (yearly SST-PET) need that schedule in
the missed-assessment rule; without it most of their events are censored, and netsurv warns."""

from __future__ import annotations

import warnings

import pytest

import netsurv as ns
from netsurv.endpoints import FDA2018, ScheduleStep, ScheduleWarning

YEARLY = (ScheduleStep(from_day=0, interval_days=336),)
SST_YEARLY = FDA2018.model_copy(update={"modality_schedules": {"SST-PET": YEARLY}})


@pytest.fixture(scope="module")
def tp() -> ns.response.Timepoints:
    return ns.classify(ns.load_demo(), ["recist1.1", "sstv"])


def _pfs_events(ep: ns.endpoints.EndpointResult, criterion: str) -> int:
    t = ep.table
    return int(t[(t["endpoint"] == "PFS") & (t["criterion"] == criterion)]["event"].sum())


def test_ct_schedule_on_sst_pet_warns_and_loses_events(tp: ns.response.Timepoints) -> None:
    with pytest.warns(ScheduleWarning, match=r"under sstv: \d+ of \d+ events") as caught:
        ct_only = ns.derive_endpoints(ns.load_demo(), tp, endpoints=["PFS"])
    assert all("sstv" in str(w.message) for w in caught if w.category is ScheduleWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScheduleWarning)
        own = ns.derive_endpoints(ns.load_demo(), tp, endpoints=["PFS"], censoring=SST_YEARLY)
    # RECIST 1.1 (CT / MRI) is untouched; SST-PET progressions now count
    assert _pfs_events(own, "recist1.1") == _pfs_events(ct_only, "recist1.1")
    assert _pfs_events(own, "sstv") > 2 * _pfs_events(ct_only, "sstv")


def test_config_section_builds_the_scheme(tmp_path) -> None:
    from netsurv.config import load_config

    path = tmp_path / "a.toml"
    path.write_text(
        '[endpoints]\ncensoring = "ema_itt"\n'
        "[endpoints.modality_schedules]\n"
        "SST-PET = [{ from_day = 0, interval_days = 336 }]\n"
    )
    scheme = load_config(path).endpoints.scheme()
    assert scheme.name == "ema_itt" and scheme.modality_schedules == {"SST-PET": YEARLY}
    path.write_text(
        "[endpoints.modality_schedules]\nPET = [{ from_day = 0, interval_days = 336 }]\n"
    )
    with pytest.raises(ns.ConfigError, match="unknown modality"):
        load_config(path)
