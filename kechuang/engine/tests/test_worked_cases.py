"""The worked cases of ``cases/assessments.yaml``, each run in batch and in explain mode."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from kechuang.engine.assess import AssessOptions, assess, explain
from kechuang.engine.assess._arith import GRADES
from kechuang.engine.assess.options import CandidateCriteria, LadderCriteria
from kechuang.engine.exchange import ENTITY_KEYS, exchange_from_rows

DATA = yaml.safe_load((Path(__file__).parent / "cases" / "assessments.yaml").read_text(encoding="utf-8"))
BASE = DATA["base"]
FISCAL_YEARS = (2022, 2023, 2024)


def firm_rows(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The base firm with the case's changes, as exchange-table rows."""
    entity = {k: v for k, v in BASE.items() if k != "yearly"}
    yearly = dict(BASE["yearly"])
    for key, value in (case.get("change") or {}).items():
        (yearly if isinstance(value, list) else entity)[key] = value
    years = case.get("years", FISCAL_YEARS)
    rows = [{**entity, "year": y, **{k: v[FISCAL_YEARS.index(y)] for k, v in yearly.items()}} for y in years]
    rows += [{**{k: entity.get(k) for k in ENTITY_KEYS}, **extra} for extra in case.get("extra", [])]
    return rows


def options_of(case: dict[str, Any]) -> AssessOptions:
    fields = dict(case.get("options") or {})
    if "ladder" in fields:
        fields["ladder"] = LadderCriteria(**fields["ladder"])
    if "candidates" in fields:
        fields["candidates"] = CandidateCriteria(**fields["candidates"])
    return AssessOptions(**fields)


def resolve(result, record: dict[str, Any], path: str) -> Any:
    """An expectation key of the YAML file → the value in the result."""
    i = 0
    head, _, rest = path.partition(".")
    if head == "growth":
        h = result.hte
        grade = h.growth_grade_sales if rest == "sales" else h.growth_grade_net_assets
        return GRADES[int(grade[i])]
    if head == "candidate":
        pool = {c["uscc"]: c for c in result.candidates()}
        entry = pool.get(record["uscc"])
        return False if entry is None and not rest else (entry or {}).get(rest)
    if head == "hte":
        conditions = record["hte"]["conditions"]
        name, _, field = rest.partition(".")
        if name in conditions:
            return conditions[name].get(field or "passed")
        node: Any = record["hte"]
        for part in rest.split("."):
            node = node[part]
        return node
    node = record
    for part in path.split("."):
        node = node[part]
    return node


@pytest.mark.parametrize("case", DATA["cases"], ids=[c["it"] for c in DATA["cases"]])
def test_it_answers_the_worked_case(case: dict[str, Any]) -> None:
    year = case.get("year", 2025)
    on = case.get("date")
    assert on is None or isinstance(on, dt.date)
    table = exchange_from_rows(firm_rows(case))
    options = options_of(case)
    result = assess(table, year, on, options)
    record = result.record(0)
    got = {key: resolve(result, record, key) for key in case["expect"]}
    assert got == case["expect"], case["source"]
    # explain mode runs the same rules and gives the same record
    assert explain(table, record["uscc"], year, on, options).result == record


def test_it_keeps_every_case_sourced() -> None:
    assert all(case.get("source") and case.get("it") for case in DATA["cases"])
