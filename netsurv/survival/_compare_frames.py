"""The rows a criteria comparison models: common units, analysis frames, the marker's rows.

Every criterion (and a continuous marker) is scored on the same units; each gets its own
analysis frame (landmark set or (start, stop] rows) with integer patient codes shared by all
frames, so a bootstrap draw of codes is the same patients in every frame (a patient outside one
criterion's landmark set simply has no rows there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from netsurv.errors import ConfigError
from netsurv.survival._status import KEY, attrition_frame
from netsurv.survival.counting import to_start_stop
from netsurv.survival.landmark_sets import landmark_data


def common_units(per: dict[str, pd.DataFrame]) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Keep the units evaluable under every criterion, in one shared order."""
    names = list(per)
    present = pd.concat(
        [u[KEY].assign(_c=n) for n, u in per.items()], ignore_index=True
    ).pivot_table(index=KEY, columns="_c", aggfunc="size", fill_value=0)
    present = present.reindex(columns=names, fill_value=0) > 0
    keep = present.all(axis=1)
    if not keep.any():
        raise ConfigError("no unit is evaluable under every criterion compared")
    lost = present[~keep]
    missing = [", ".join(np.array(names)[~row]) for row in lost.to_numpy()]
    rows = lost.index.to_frame(index=False).assign(criterion=missing)
    att = attrition_frame(
        rows,
        stage="compare (common units)",
        reason=pd.Series(
            [f"not evaluable under {m} (criteria are compared on common units)" for m in missing]
        ),
    )
    order = present[keep].index.to_frame(index=False)
    return {n: order.merge(u, on=KEY, how="left") for n, u in per.items()}, att


def with_marker(
    units: dict[str, pd.DataFrame], change: pd.DataFrame, *, at: float, marker: str
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Units restricted to those with a measured change; attrition of those at risk at ``at``
    without one (the others leave at the landmark anyway)."""
    first = next(iter(units.values()))
    has = pd.MultiIndex.from_frame(first[KEY]).isin(pd.MultiIndex.from_frame(change[KEY]))
    at_risk = np.zeros(len(first), dtype=bool)
    for u in units.values():
        at_risk |= u["time"].to_numpy(dtype=float) > at
    lost = first[~has & at_risk]
    att = attrition_frame(
        lost.assign(criterion=marker),
        stage="compare (continuous)",
        reason=(
            f"no measured % change under {marker} by the {at:g}-month landmark (the "
            "continuous model needs one; every model is fitted on the same units)"
        ),
    )
    if has.sum() == 0:
        raise ConfigError(f"no unit has a measured % change under {marker} by {at:g} months")
    return {n: u[has].reset_index(drop=True) for n, u in units.items()}, att


def analysis_frame(u: pd.DataFrame, *, method: str, at: float, scol: str) -> pd.DataFrame:
    """Rows a model uses: the landmark set, or the (start, stop] rows (``stop`` as ``time``)."""
    u = u.drop(columns=["reason", "status_date", "origin_date"])
    if method == "landmark":
        f = landmark_data(
            u,
            at=at,
            duration_col="time",
            event_col="event",
            status_time_col="status_time",
            status_col=scol,
        )
    else:
        f = to_start_stop(
            u,
            duration_col="time",
            event_col="event",
            status_time_col="status_time",
            status_col=scol,
        ).rename(columns={"stop": "time"})
    return f


def with_codes(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Frames with integer patient (``_patient``) and unit (``_unit``) codes for the bootstrap,
    sorted by patient; patient codes are positions among the sorted patients of all frames."""
    patients = pd.Index(
        np.unique(np.concatenate([f["patient_id"].to_numpy(dtype=str) for f in frames.values()]))
    )
    out = {}
    for name, f in frames.items():
        codes = patients.get_indexer(pd.Index(f["patient_id"].astype(str)))
        unit = pd.MultiIndex.from_frame(f[KEY])
        f = f.assign(_patient=codes, _unit=pd.factorize(unit)[0])
        out[name] = f.sort_values("_patient", kind="stable").reset_index(drop=True)
    return out


def check_horizons(frame: pd.DataFrame, horizons: np.ndarray, tau: float) -> None:
    """Horizons and ``tau`` must lie within the follow-up after the landmark."""
    t = frame["time"].to_numpy()
    if t.size == 0:
        raise ConfigError("nobody is at risk at the landmark")
    last = float(t.max())
    bad = [float(x) for x in horizons if not t.min() <= x < last]
    if bad:
        raise ConfigError(
            f"horizons {bad} are outside the follow-up after the landmark "
            f"([{t.min():.3g}, {last:.3g}) months)"
        )
    if tau >= last:
        raise ConfigError(f"tau {tau:g} must be below the last follow-up time {last:.3g}")
