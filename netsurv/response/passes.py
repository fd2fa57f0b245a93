"""The measurement passes and codes shared by the criteria of one classification call.

Criteria (and the components of combined criteria) that measure the same way share one
measurement pass (:func:`netsurv.response.measures.measure`) and one cache of rule masks
(:class:`~netsurv.response.timepoint._Memo`); a component used by several combined variants of
a grid is classified once, and the pairing of a combined criterion's scans is made once per
set of component measurement keys and window.  A size criterion whose composite twin is
classified too (RECIST 1.1 beside Choi: same measurement key but for the paired CT densities)
reads the twin's pass without its densities (:func:`without_density`): the lesions are
selected and measured once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from netsurv.criteria.combined import CombinedCriterion
from netsurv.criteria.criterion import Criterion
from netsurv.response.irecist import confirmed_only
from netsurv.response.measures import Measured, measure
from netsurv.response.prepare import Prepared
from netsurv.response.timepoint import Codes, _Memo, classify_codes


def plain_criteria(crits: Sequence[Criterion | CombinedCriterion]) -> list[Criterion]:
    """The ordinary criteria to measure: the given ones and every combined one's components."""
    out: list[Criterion] = []
    for c in crits:
        out.extend(c.components if isinstance(c, CombinedCriterion) else (c,))
    return out


class Passes:
    """Measurement passes by measurement key, their rule-mask caches, and component codes.

    Parameters
    ----------
    prep
        The integer-coded cohort.
    crits
        The criteria of the call (combined ones contribute their components).
    """

    def __init__(self, prep: Prepared, crits: Sequence[Criterion | CombinedCriterion]) -> None:
        self.prep = prep
        self.groups: dict[tuple[Any, ...], list[Criterion]] = {}
        for c in plain_criteria(crits):
            group = self.groups.setdefault(c.measurement_key(), [])
            if c not in group:
                group.append(c)
        # the pass each measurement key reads: its own, or its composite twin's (scan-level
        # burden sums set composite criteria's lines aside: no sharing then)
        self._source = {k: k for k in self.groups}
        if not prep.burden.any:
            for k, group in self.groups.items():
                twin = group[0].measurement_key(density=True)
                if twin != k and twin in self.groups:
                    self._source[k] = twin
        self._measured: dict[tuple[Any, ...], Measured] = {}
        self._memos: dict[tuple[Any, ...], _Memo] = {}
        self._codes: dict[Criterion, Codes] = {}
        self._layouts: dict[tuple[Any, ...], Any] = {}
        self._attrition: dict[tuple[Any, ...], pd.DataFrame] = {}

    def pass_key(self, crit: Criterion) -> tuple[Any, ...]:
        """The measurement key of the pass ``crit`` reads (its own, or its composite twin's)."""
        return self._source[crit.measurement_key()]

    def measured(self, crit: Criterion) -> Measured:
        """The measurement pass of ``crit``'s measurement key (made on first use)."""
        key = crit.measurement_key()
        if key not in self._measured:
            source = self._source[key]
            if source == key:
                self._measured[key] = measure(self.prep, self.groups[key][0])
            else:
                self._measured[key] = without_density(self.measured(self.groups[source][0]))
        return self._measured[key]

    def memo(self, crit: Criterion) -> _Memo:
        """The rule-mask cache of ``crit``'s measurement key."""
        return self._memos.setdefault(crit.measurement_key(), _Memo())

    def codes(self, crit: Criterion, *, keep: bool = False) -> Codes:
        """``crit``'s codes; with ``keep`` they are cached (components shared by variants)."""
        if crit in self._codes:
            return self._codes[crit]
        out = classify_codes(self.measured(crit), crit, self.memo(crit))
        if keep:
            self._codes[crit] = out
        return out

    def component_codes(self, crit: Criterion) -> Codes:
        """Codes of ``crit`` as a component of a combined criterion: when it confirms
        progression (``confirm_pd``), only confirmed PD counts (:func:`~netsurv.response.
        irecist.confirmed_only`)."""
        return confirmed_only(self.codes(crit, keep=True), crit)

    def layout(self, crit: CombinedCriterion) -> Any:
        """The pairing of a combined criterion's scans (made once per component measurement
        keys, window and anchor)."""
        from netsurv.response.combined import build_layout

        key = (
            tuple(c.measurement_key() for c in crit.components),
            tuple(c.new_lesion_pd and c.measure != "reader" for c in crit.components),
            crit.window_days,
            crit.anchor_index,
        )
        if key not in self._layouts:
            self._layouts[key] = build_layout(crit, [self.measured(c) for c in crit.components])
        return self._layouts[key]

    def combined_attrition(self, crit: CombinedCriterion) -> pd.DataFrame:
        """A combined criterion's attrition (made once per layout and component names; the
        ``criterion`` column is the first such criterion's name)."""
        from netsurv.response.combined import combined_attrition

        layout = self.layout(crit)
        key = (id(layout), tuple(c.name for c in crit.components))
        if key not in self._attrition:
            self._attrition[key] = combined_attrition(layout, crit, self.prep.line_keys)
        return self._attrition[key]

    def release_after(self, crits: Sequence[Criterion | CombinedCriterion], done: int) -> None:
        """Forget the measurement passes (and their rule-mask caches and component codes)
        that no criterion after ``crits[done]`` reads: a pass of a large cohort holds
        hundreds of megabytes, and a classification call needs only the one in use."""
        later = set()
        for c in plain_criteria(crits[done + 1 :]):
            later |= {c.measurement_key(), self.pass_key(c)}
        for c in plain_criteria(crits[: done + 1]):
            key = c.measurement_key()
            for k in {key, self.pass_key(c)} - later:
                self._measured.pop(k, None)
                self._memos.pop(k, None)
            if key not in later:
                self._codes.pop(c, None)

    def measured_in_order(self) -> list[tuple[Measured, list[Criterion]]]:
        """Every measurement pass with its criteria, in first-use order."""
        return [(self.measured(g[0]), g) for g in self.groups.values()]


def without_density(m: Measured) -> Measured:
    """A composite criterion's measurement pass as its size-only twin reads it: the same
    scans, lesions and aggregates, no paired CT density (arrays shared, not copied)."""
    nan = np.full(len(m.lk), np.nan)
    return dataclasses.replace(m, density=nan, density_base=nan.copy())
