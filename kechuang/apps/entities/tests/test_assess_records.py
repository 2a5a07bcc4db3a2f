"""``Assessment.records()`` (built column by column) gives exactly ``record(i)`` for every
entity (built one entity at a time), on a varied panel: the demo's entities with facts
blanked here and there, an incident in the application year, several years and options."""

from __future__ import annotations

import datetime
import json

import numpy as np
import pytest

from kechuang.apps.entities.demo import demo_rows
from kechuang.engine.assess import AssessOptions, assess
from kechuang.engine.exchange import COLUMNS, exchange_from_rows

_BLANKABLE = [c.key for c in COLUMNS if c.key not in {"uscc", "name", "division_code", "year"}
              and c.kind not in {"bool"} and c.key != "major_incident"]


def _varied_table():
    rng = np.random.default_rng(7)
    rows = demo_rows(400, years=(2021, 2022, 2023, 2024), seed=11)
    by_entity: dict[str, list[dict]] = {}
    for row in rows:
        by_entity.setdefault(row["uscc"], []).append(row)
    for i, group in enumerate(by_entity.values()):
        if i % 3 == 0:   # a yearly fact left blank on one row
            key = _BLANKABLE[int(rng.integers(len(_BLANKABLE)))]
            spec = next(c for c in COLUMNS if c.key == key)
            targets = group if spec.level == "entity" else [group[int(rng.integers(len(group)))]]
            for row in targets:
                row[key] = None
        if i % 11 == 0:
            group[-1]["major_incident"] = True
    return exchange_from_rows(rows, source="varied")


@pytest.mark.parametrize("year, options", [
    (2025, AssessOptions()),
    (2024, AssessOptions(incident_in_application_year=False)),
    (2023, AssessOptions()),
])
def test_records_equal_record_by_record(year, options):
    result = assess(_varied_table(), year, datetime.date(year, 6, 30), options)
    records = result.records()
    assert len(records) == len(result) > 300
    one_by_one = [result.record(i) for i in range(len(result))]
    assert records == one_by_one
    assert json.dumps(records, ensure_ascii=False) == json.dumps(one_by_one, ensure_ascii=False)   # key order too
    # the panel is varied enough to exercise every branch
    assert any(r["hte"]["missing"] for r in records)
    assert any(r["hte"]["eligible"] is True for r in records) or any(r["tsme"]["eligible"] for r in records)
    assert {r["stage"] for r in records} and any(r["three_zeros"] for r in records)
