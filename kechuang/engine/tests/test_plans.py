"""The plan file loader: every error code, reported with file and line, in Chinese and English."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from kechuang.engine.plans import (
    MESSAGES,
    KnownUnit,
    PlansInvalid,
    UnitDirectory,
    export_plans,
    load_plan_file,
    load_plans,
)

UNITS = UnitDirectory([
    KnownUnit("150000", "内蒙古自治区", None, "region", ("自治区",)),
    KnownUnit("150300", "乌海市", "150000", "city", ("乌海",)),
    KnownUnit("150302", "海勃湾区", "150300", "county"),
    KnownUnit("150303", "海南区", "150300", "county"),
    KnownUnit("150300D001", "乌海市科学技术局", "150300", "department", ("市科技局",)),
    KnownUnit("150300D002", "乌海市财政局", "150300", "department", ("财政局",)),
    KnownUnit("150300D003", "乌海市教育局", "150300", "department", ("教育部门",)),
    KnownUnit("150300D004", "乌海市教育考试院", "150300", "department", ("教育部门",)),
    KnownUnit("150100", "呼和浩特市", "150000", "city"),
    KnownUnit("150100D001", "呼和浩特市科学技术局", "150100", "department", ("市科技局",)),
])

CATALOGUE = """\
format: 1
indicators:
  - code: hte-count
    name: 高新技术企业数量
    unit: 家
    measure: {method: computed, computation: entities.hte_count}
"""

PLAN = """\
format: 1
code: demo-plan
title: 演示规划
city: "150300"
owner_unit: 乌海市科学技术局
period: {start: 2021, end: 2025}
source: {file: 000_c8b8e38b7f624e86.txt}
chapters:
  - {code: "1", title: 第一章}
indicators:
  - code: hte-count
    catalogue: hte-count
    name: 国家高新技术企业数量
    unit: 家
    chapter: "1"
    baseline: {year: 2020, value: 30}
    targets:
      - {year: 2025, value: 100, comparator: ">="}
    quote: 国家高新技术企业数量达到100家
tasks:
  - number: "1"
    title: 培育高新技术企业
    units: [市科技局, 财政局]
    indicators: [hte-count]
"""


def load(tmp_path: Path, text: str, *, units=UNITS, catalogue: str = CATALOGUE, computations=None,
         name: str = "demo.yaml"):
    (tmp_path / "catalogue.yaml").write_text(catalogue, encoding="utf-8")
    (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return load_plans(tmp_path, units=units, computations=computations)


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(textwrap.dedent(text).splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def codes(result) -> list[tuple[str, str, int]]:
    return [(i.code, i.file, i.line) for i in result.issues]


def test_it_loads_a_valid_plan_without_issues(tmp_path):
    result = load(tmp_path, PLAN)
    assert result.issues == [] and result.ok
    plan = result.plan("demo-plan")
    assert plan.indicator("hte-count").series == "hte-count"
    assert plan.task("1").lead_unit == "市科技局"
    assert plan.unit_refs["市科技局"].code == "150300D001"  # the alias under this plan's city


# Each case: the error code, the edit to the valid plan, and the text on the line the error names.
CASES = [
    # PyYAML names the line where it noticed the problem: the unclosed [ runs into line 4
    ("yaml_syntax", ("title: 演示规划", "title: [演示规划"), "city:"),
    ("format_version", ("format: 1\ncode", "format: 2\ncode"), "format: 2"),
    ("wrong_type", ("owner_unit: 乌海市科学技术局", "owner_unit: [乌海市科学技术局]"), "owner_unit:"),
    ("required", ("title: 演示规划\n", ""), "format: 1"),
    ("unknown_field", ("title: 演示规划", "title: 演示规划\nsubtitle: 副标题"), "subtitle:"),
    ("duplicate_key", ("title: 演示规划", "title: 演示规划\ntitle: 又一个"), "title: 又一个"),
    ("bad_choice", ("    chapter: \"1\"", "    chapter: \"1\"\n    direction: upward"), "direction: upward"),
    ("bad_code", ("code: demo-plan", "code: Demo Plan"), "code: Demo Plan"),
    ("duplicate_code", ("tasks:", "  - code: hte-count  # again\n    name: 重复\n    unit: 家\n"
                                 "    targets: [{year: 2025, value: 1}]\n    quote: 重复\ntasks:"), "# again"),
    ("source_file", ("000_c8b8e38b7f624e86.txt", "seed.txt"), "source:"),
    ("period_invalid", ("{start: 2021, end: 2025}", "{start: 2026, end: 2025}"), "period:"),
    ("year_outside_period", ("{year: 2025, value: 100", "{year: 2030, value: 100"), "year: 2030"),
    ("baseline_after_target", ("{year: 2020, value: 30}", "{year: 2025, value: 30}"), "{year: 2025, value: 100"),
    ("measure_unit_unknown", ("    unit: 家\n    chapter", "    unit: 头\n    chapter"), "unit: 头"),
    ("measure_unit_mismatch", ("    unit: 家\n    chapter", "    unit: 亿元\n    chapter"), "unit: 亿元"),
    ("org_unit_unknown", ("[市科技局, 财政局]", "[市科技局, 市水务局]"), "units: [市科技局"),
    ("org_unit_ambiguous", ("[市科技局, 财政局]", "[市科技局, 教育部门]"), "units: [市科技局"),
    ("city_unknown", ('city: "150300"', 'city: "159999"'), "city:"),
    ("catalogue_unknown", ("    catalogue: hte-count", "    catalogue: hte-number"), "catalogue: hte-number"),
    ("target_value_missing", ("{year: 2025, value: 100, comparator: \">=\"}", "{year: 2025, comparator: \">=\"}"),
     "{year: 2025, comparator"),
    ("rule_value_missing", ("{year: 2025, value: 100, comparator: \">=\"}", "{year: 2025, rule: annual_growth}"),
     "rule: annual_growth"),
    ("comparator_direction", ("{year: 2025, value: 100, comparator: \">=\"}", "{year: 2025, value: 100, comparator: \"<=\"}"),
     "comparator: \"<=\""),
    ("band_incomplete", ("{year: 2025, value: 100, comparator: \">=\"}", "{year: 2025, value: 5, comparator: between}"),
     "comparator: between"),
    ("link_unknown", ("indicators: [hte-count]", "indicators: [hte-count, rd-spending]"), "indicators: [hte-count, rd"),
    ("chapter_unknown", ("    chapter: \"1\"", "    chapter: \"9\""), "chapter: \"9\""),
    ("empty_units", ("[市科技局, 财政局]", "[]"), "units: []"),
    ("decomposition_inconsistent",
     ("{year: 2025, value: 100, comparator: \">=\"}",
      "{year: 2025, value: 100, comparator: \">=\", parts: [{unit: 海勃湾区, value: 50}, {unit: 海南区, value: 40}]}"),
     "parts:"),
]


@pytest.mark.parametrize(("code", "edit", "where"), CASES, ids=[c[0] for c in CASES])
def test_it_reports_each_error_code_with_file_and_line(tmp_path, code, edit, where):
    old, new = edit
    assert old in PLAN
    text = PLAN.replace(old, new, 1)
    result = load(tmp_path, text)
    found = [i for i in result.issues if i.code == code]
    assert found, codes(result)
    issue = found[0]
    assert issue.file == "demo.yaml"
    assert issue.line == line_of(text, where.split("\n")[0]), (issue, codes(result))
    assert issue.severity == "error" and not result.ok
    assert issue.message_zh and issue.message_en and "?" not in issue.message_zh.replace("？", "")
    assert str(issue).startswith(f"demo.yaml:{issue.line}: [{code}]")


def test_it_names_the_unknown_computation(tmp_path):
    result = load(tmp_path, PLAN, computations={"entities.tsme_count"})
    issue = next(i for i in result.issues if i.code == "computation_unknown")
    assert issue.file == "catalogue.yaml" and issue.line == 6
    assert "entities.hte_count" in issue.message_zh and "entities.tsme_count" in issue.message_en


def test_it_asks_for_a_computation_when_a_measure_is_computed(tmp_path):
    result = load(tmp_path, PLAN, catalogue=CATALOGUE.replace(", computation: entities.hte_count", ""))
    assert [(i.code, i.file, i.line) for i in result.issues] == [("computation_missing", "catalogue.yaml", 6)]


def test_it_refuses_a_plan_code_used_twice(tmp_path):
    (tmp_path / "other.yaml").write_text(PLAN, encoding="utf-8")
    result = load(tmp_path, PLAN)
    assert ("duplicate_plan", "other.yaml", 1) in codes(result)


def test_it_warns_when_a_plan_names_no_city(tmp_path):
    text = PLAN.replace('city: "150300"\n', "")
    result = load(tmp_path, text)
    issue = next(i for i in result.issues if i.code == "org_unit_unplaced")
    assert issue.severity == "warning" and result.ok  # a warning does not stop the load
    assert issue.line == line_of(text, "owner_unit")
    assert ("demo-plan", "市科技局", "unplaced") in result.unresolved_units()


def test_it_warns_when_a_relative_rule_has_no_baseline_year(tmp_path):
    text = PLAN.replace("{year: 2025, value: 100, comparator: \">=\"}", "{year: 2025, value: 5, rule: increase_by}")
    text = text.replace("    baseline: {year: 2020, value: 30}\n", "")
    result = load(tmp_path, text)
    assert [(i.code, i.severity) for i in result.issues] == [("baseline_required", "warning")]


def test_it_accepts_comparators_written_as_the_documents_write_them(tmp_path):
    result = load(tmp_path, PLAN.replace('comparator: ">="', "comparator: 突破"))
    assert result.ok and result.plans[0].indicators[0].targets[0].comparator == ">"


def test_it_raises_all_errors_at_once_when_asked(tmp_path):
    result = load(tmp_path, PLAN.replace("code: demo-plan", "code: Bad").replace("unit: 家\n    chapter", "unit: 头\n    chapter"))
    with pytest.raises(PlansInvalid) as caught:
        result.raise_for_errors()
    assert {i.code for i in caught.value.issues} == {"bad_code", "measure_unit_unknown"}


def test_it_has_a_chinese_and_an_english_message_for_every_code():
    tested = {c[0] for c in CASES} | {"computation_unknown", "computation_missing", "duplicate_plan",
                                       "org_unit_unplaced", "baseline_required"}
    assert tested == set(MESSAGES)
    for zh, en in MESSAGES.values():
        assert zh and en and zh != en


def test_it_reads_a_single_file_on_its_own(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text(PLAN.replace("    catalogue: hte-count\n", ""), encoding="utf-8")
    plan, issues = load_plan_file(path, units=UNITS)
    assert issues == [] and plan.indicators[0].series == "demo-plan/hte-count"


# --- org units ------------------------------------------------------------------------------


def test_it_resolves_units_under_the_plans_city():
    assert UNITS.resolve("市科技局", city="150300").code == "150300D001"
    assert UNITS.resolve("市科技局", city="150100").code == "150100D001"
    assert UNITS.resolve("科技局", city="150300").code == "150300D001"  # 市 added: the alias 市科技局
    assert UNITS.resolve("水务局", city="150300").status == "unknown"
    assert UNITS.resolve("财政局", city="150300").code == "150300D002"
    assert UNITS.resolve("市财政局", city="150300").code == "150300D002"  # 市 added or dropped
    assert UNITS.resolve("自治区", city="150300").code == "150000"  # an ancestor of the city
    assert UNITS.resolve("150302", city=None).code == "150302"  # a code stands for itself
    everyone = UNITS.resolve("各区", city="150300")
    assert everyone.collective and everyone.codes == ("150302", "150303")


def test_it_resolves_the_shipped_units_of_hohhot():
    from kechuang.engine.tests.test_plans_seeds import shipped_units

    units = shipped_units()
    assert units.resolve("经济技术开发区", city="150100").code == "150172"
    assert units.resolve("科学技术局", city="150100").code == "150100D001"
    assert len(units.resolve("各旗县区", city="150100").codes) == 9


def test_it_checks_names_against_a_flat_set_of_names(tmp_path):
    flat = UnitDirectory.from_names({"市科技局", "150300"})
    assert flat.resolve("市科技局", city="150300").status == "resolved"
    result = load(tmp_path, PLAN, units={"150300", "乌海市科学技术局", "市科技局"})
    assert [(i.code, i.line) for i in result.issues] == [("org_unit_unknown", line_of(PLAN, "units: ["))]
    assert "财政局" in result.issues[0].message_zh


# --- the JSON shape ---------------------------------------------------------------------------


def test_it_exports_plans_in_the_agreed_json_shape(tmp_path):
    text = PLAN.replace("      - {year: 2025, value: 100, comparator: \">=\"}",
                        "      - {year: 2025, value: 100, comparator: \">=\"}\n"
                        "      - {year: 2024, comparator: \">=\", rule: double_baseline}")
    result = load(tmp_path, text)
    assert result.ok, codes(result)
    exported = export_plans(result.plans)
    assert exported == [{
        "code": "demo-plan", "title": "演示规划", "source": "000_c8b8e38b7f624e86.txt",
        "period": {"start": 2021, "end": 2025},
        "indicators": [{"code": "hte-count", "name": "国家高新技术企业数量", "unit": "家",
                        "baseline": {"year": 2020, "value": 30},
                        "targets": [{"year": 2025, "value": 100, "comparator": ">="},
                                    {"year": 2024, "comparator": ">=", "rule": "double_baseline"}]}],
        "tasks": [{"number": "1", "title": "培育高新技术企业", "lead_unit": "市科技局", "units": ["市科技局", "财政局"]}],
    }]
    json.dumps(exported, ensure_ascii=False)
