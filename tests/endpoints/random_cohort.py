"""A seeded random cohort with what endpoint rules react to: several lines, deaths before and
after progression, long gaps between scans (missed assessments), missing targets, new lesions,
non-target progression, lines without a baseline scan, a second modality (SST-PET volumes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import netsurv as ns

START = np.datetime64("2019-01-01")


def random_cohort(n: int, seed: int) -> ns.Cohort:
    """``n`` patients, one or two lines, CT (long axis, density) and SST-PET (volume) scans."""
    rng = np.random.default_rng(seed)
    pats, lines, scans, les = [], [], [], []
    for i in range(n):
        pid = f"P{i:03d}"
        day = int(rng.integers(0, 400))
        n_lines = int(rng.integers(1, 3))
        sizes = rng.uniform(12, 60, int(rng.integers(1, 4)))
        vols = sizes**3 / 2000
        k = 0
        for li in range(n_lines):
            start = day
            sizes = np.maximum(sizes, 12.0)
            lines.append((pid, f"L{li + 1}", "x", str(START + start)))
            has_base = rng.random() > 0.08
            t = start - int(rng.integers(1, 20))
            n_fu = int(rng.integers(0, 7))
            trend = rng.normal(0.0, 0.12)
            for s in range(n_fu + 1):
                if s == 0 and not has_base:
                    t += int(rng.integers(60, 100))
                    continue
                k += 1
                aid = f"A{k:02d}"
                ntl = rng.choice(["NON-CR/NON-PD"] * 9 + ["PD", "NE"])
                new = bool(rng.random() < 0.05) and s > 0
                scans.append((pid, aid, str(START + t), "CT", ntl, new))
                for j, sz in enumerate(sizes):
                    v = None if (s > 0 and rng.random() < 0.06) else round(float(sz), 1)
                    hu = round(float(80 * (1 - 0.1 * s * (trend < 0))), 1)
                    les.append(
                        (pid, aid, f"T{j}", "liver" if j < 2 else "lung", "target", v, hu, None)
                    )
                if s == 0 or rng.random() < 0.5:
                    k += 1
                    pet = f"A{k:02d}"
                    scans.append((pid, pet, str(START + t + 2), "SST-PET", "NON-CR/NON-PD", False))
                    for j, vol in enumerate(vols):
                        les.append(
                            (
                                pid,
                                pet,
                                f"T{j}",
                                "liver" if j < 2 else "lung",
                                "target",
                                None,
                                None,
                                round(float(vol), 2),
                            )
                        )
                sizes = sizes * np.exp(trend + rng.normal(0, 0.08, len(sizes)))
                vols = vols * np.exp(3 * trend + rng.normal(0, 0.15, len(vols)))
                gap = 84 if rng.random() > 0.12 else int(rng.integers(200, 400))
                t += gap + int(rng.integers(-7, 8))
            day = t + int(rng.integers(5, 40))
        last = day + int(rng.integers(0, 200))
        dead = rng.random() < 0.4
        death = str(START + last) if dead else None
        pats.append((pid, str(START + last), death))
    cols_les = [
        "patient_id",
        "assessment_id",
        "lesion_id",
        "site",
        "role",
        "long_axis_mm",
        "density_hu",
        "volume_ml",
    ]
    return ns.Cohort.from_frames(
        patients=pd.DataFrame(pats, columns=["patient_id", "last_alive_date", "death_date"]),
        lines=pd.DataFrame(lines, columns=["patient_id", "line_id", "regimen", "start_date"]),
        assessments=pd.DataFrame(
            scans,
            columns=[
                "patient_id",
                "assessment_id",
                "date",
                "modality",
                "nontarget_status",
                "new_lesion",
            ],
        ),
        lesions=pd.DataFrame(les, columns=cols_les),
        options=ns.ValidationOptions(severity={"too_many_targets": "warning"}),
    )
