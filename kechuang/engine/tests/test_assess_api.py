"""The public API: file in, records out; explain; the candidate pool; staff averages."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

import kechuang.engine.assess as api
from kechuang.engine.assess import (
    STAGES,
    AssessOptions,
    LadderCriteria,
    annual_average_staff,
    assess,
    assess_file,
    explain,
)
from kechuang.engine.exchange import ExchangeRejected, exchange_from_rows
from kechuang.engine.tests.test_worked_cases import BASE, firm_rows

M = 1_000_000


def _write_csv(path: Path, rows: list[dict]) -> None:
    pl.DataFrame([{k: (None if v is None else str(v)) for k, v in r.items()} for r in rows]).write_csv(path)


def test_it_returns_one_json_ready_record_per_entity_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "facts.csv"
    _write_csv(path, firm_rows({}) + firm_rows({"change": {"uscc": "91150105MA0000002M", "tech_field": None}}))
    records = assess_file(path, 2025)
    assert [r["uscc"] for r in records] == [BASE["uscc"], "91150105MA0000002M"]
    first = records[0]
    assert set(first) == {"uscc", "year", "hte", "tsme", "three_zeros", "stage"}
    assert first["year"] == 2025
    assert list(first["hte"]["conditions"]) == list(api.HTE_CONDITIONS)
    assert set(first["hte"]["score"]) == {"ip", "conversion", "management", "growth", "total"}
    assert all(isinstance(v, list) and len(v) == 2 for v in first["hte"]["score"].values())
    assert first["stage"] in STAGES
    assert json.loads(json.dumps(records)) == records                 # plain JSON values only
    basis = first["hte"]["conditions"]["rd_intensity"]["basis"]
    assert basis["rd_expense_3y"] == "9000000.00"                     # money as decimal strings


def test_it_refuses_the_whole_file_on_any_error(tmp_path: Path) -> None:
    path = tmp_path / "facts.csv"
    rows = firm_rows({})
    rows[1]["tech_staff"] = 101
    _write_csv(path, rows)
    with pytest.raises(ExchangeRejected) as caught:
        assess_file(path, 2025)
    assert [(e.row, e.code) for e in caught.value.errors] == [(3, "tech_staff_exceeds_employees")]


def test_it_takes_the_application_date_into_account() -> None:
    table = exchange_from_rows(firm_rows({"change": {"registered_on": dt.date(2024, 7, 1)}, "years": [2024]}))
    assert assess(table, 2025).record(0)["hte"]["conditions"]["registered_one_year"]["passed"] is False
    later = assess(table, 2025, dt.date(2025, 7, 1)).record(0)
    assert later["hte"]["conditions"]["registered_one_year"]["passed"] is True
    assert assess(table, 2025, "2025-07-01").record(0) == later          # as the CLI passes it


def test_it_explains_every_condition_with_its_article() -> None:
    table = exchange_from_rows(firm_rows({}))
    e = explain(table, BASE["uscc"], 2025)
    keys = [s.key for s in e.steps]
    for name in api.HTE_CONDITIONS:
        assert f"hte.{name}" in keys
    assert all(s.reference for s in e.steps)
    step = e.step("hte.rd_intensity")
    assert "6.76%" in step.text and "5%" in step.text and "第十一条（五）" in step.reference
    assert e.text().count("\n") == len(e.steps)
    with pytest.raises(KeyError):
        explain(table, "91150105MA0000002M", 2025)


def test_it_says_which_facts_would_decide_an_undecidable_condition() -> None:
    table = exchange_from_rows(firm_rows({"change": {"employees": [100, 100, None]}}))
    record = assess(table, 2025).record(0)
    assert record["hte"]["conditions"]["tech_staff_ratio"] == {
        "passed": None, "value": None, "threshold": "0.10", "missing": ["employees[2024]"],
        "basis": {"tech_staff": "30", "employees": "0"}}
    assert "employees[2024]" in record["hte"]["missing"]
    text = explain(table, BASE["uscc"], 2025).step("hte.tech_staff_ratio").text
    assert text.endswith("无法判定（待补充：职工总数（2024年））")


def test_it_builds_the_candidate_pool_with_chinese_gaps() -> None:
    rows = firm_rows({"change": {"tsme_registered_year": 2025, "tech_staff": [8, 8, 8]}})
    pool = assess(exchange_from_rows(rows), 2025).candidates()
    assert pool == [{"uscc": BASE["uscc"], "stage": "tsme", "eligible": False,
                     "gaps": ["科技人员占比 8.0%，需达到 10.0%（还需增加科技人员约 3 人）"],
                     "pending": ["创新能力评价待专家评分（当前可确定 29–78 分）"]}]


def test_it_lets_the_platform_set_its_own_gazelle_criteria() -> None:
    rows = firm_rows({"change": {"hte_certified_on": dt.date(2024, 1, 1), "registered_on": dt.date(2018, 1, 1),
                                 "sales_revenue": [20 * M, 24 * M, 28_600_000]}})
    table = exchange_from_rows(rows)
    assert assess(table, 2025).record(0)["stage"] == "hte"
    looser = AssessOptions(ladder=LadderCriteria(gazelle_min_cagr_percent=15))
    assert assess(table, 2025, options=looser).record(0)["stage"] == "gazelle"


def test_it_counts_for_the_benchmark_under_the_reference_keys() -> None:
    counts = assess(exchange_from_rows(firm_rows({})), 2025).counts()
    assert tuple(counts) == api.BENCH_KEYS
    assert counts["hte_all_conditions"] == 1 and counts["growth_sales_grades"] == "A:0,B:0,C:0,D:1,E:0,F:0"


def test_it_averages_monthly_staff_counts_as_the_guideline_says() -> None:
    # 指引: 月平均数 = (月初数 + 月末数) ÷ 2; 全年月平均数 = 全年各月平均数之和 ÷ 12
    starts = [20, 20, 22, 22, 24, 24, 24, 26, 26, 26, 28, 28]
    ends = [20, 22, 22, 24, 24, 24, 26, 26, 26, 28, 28, 30]
    # Σ starts = 290, Σ ends = 300: Σ monthly averages = 590 / 2 = 295; 295 / 12 = 24.583…
    assert annual_average_staff(starts, ends, exact=True) == Fraction(295, 12)
    assert annual_average_staff(starts, ends) == Decimal("24.58")
    # opened in October: the operating months are the year (以其实际经营期作为一个纳税年度)
    assert annual_average_staff([0, 5, 5], [5, 5, 7]) == Decimal("4.50")
    with pytest.raises(ValueError):
        annual_average_staff([1] * 13, [1] * 13)


def test_it_imports_neither_django_nor_pyarrow() -> None:
    code = ("import sys, kechuang.engine.assess, kechuang.engine.exchange, kechuang.engine.codes; "
            "bad = [m for m in sys.modules if m.startswith(('django', 'kechuang.apps', 'pyarrow'))]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def test_it_lists_its_public_names() -> None:
    assert all(hasattr(api, name) for name in api.__all__)
