"""A three-valued condition over a column of entities: passed / failed / undecidable."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kechuang.engine.assess.panel import Panel
from kechuang.engine.exchange import COLUMN_BY_KEY


@dataclass
class Check:
    """``passed`` is meaningful where ``known``; ``inputs`` lists the facts the check reads
    as (column key, fiscal-year row 0…2, or None for an entity column) so that an
    undecidable result can say which facts would decide it."""

    passed: np.ndarray
    known: np.ndarray
    inputs: tuple[tuple[str, int | None], ...] = ()

    def state(self, i: int) -> bool | None:
        return bool(self.passed[i]) if self.known[i] else None

    @property
    def true(self) -> np.ndarray:
        """Known to pass."""
        return self.known & self.passed

    @property
    def false(self) -> np.ndarray:
        """Known to fail."""
        return self.known & ~self.passed


def all_of(*checks: Check) -> Check:
    """Kleene AND: fails when any fails, passes when all pass, else undecidable."""
    failed = np.logical_or.reduce([c.false for c in checks])
    passed = np.logical_and.reduce([c.true for c in checks])
    inputs = tuple(x for c in checks for x in c.inputs)
    return Check(passed, failed | passed, inputs)


def missing_inputs(panel: Panel, check: Check, i: int) -> list[str]:
    """The facts of ``check`` unknown for entity ``i``: ``key`` or ``key[year]``."""
    out: list[str] = []
    for key, row in check.inputs:
        if row is None:
            if key in panel.entity_known and not panel.entity_known[key][i]:
                out.append(key)
        elif not panel.yearly_known[key][row, i]:
            out.append(f"{key}[{panel.fiscal_years[row]}]")
    return list(dict.fromkeys(out))


def fact_label(fact: str) -> str:
    """A missing fact in Chinese: ``rd_expense[2023]`` → 研究开发费用总额（2023年）."""
    if fact == "expert_points":
        return "专家在各档内的具体分值"
    key, _, year = fact.partition("[")
    header = COLUMN_BY_KEY[key].header if key in COLUMN_BY_KEY else key
    return f"{header}（{year.rstrip(']')}年）" if year else header
