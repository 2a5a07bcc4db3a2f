"""Policy files: bad files are refused whole, with the file, line, column and reason."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kechuang.engine.rules import RuleError, check_policies, load_policies

GOOD = """\
code: demo
title: 示例政策
issuer: 示例科技局
status: draft
level: city
effective_from: 2025-01-01
parameters:
  threshold:
    label: 门槛
    type: money
    values:
      - {from: 2025-01-01, value: 1000万, ref: 第一条}
benefits:
  award:
    label: 研发奖励
    category: rd
    subject: enterprise
    period: yearly
    when: rd_increment >= threshold
    amount: min(10% * rd_increment, 300万)
tests:
  - name: 恰好达到门槛
    year: 2025
    facts: {rd_expense: 3000万, rd_expense_prev: 2000万}
    expect: {award: 100万}
"""


def write(tmp_path: Path, text: str, name: str = "demo.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def refused(tmp_path: Path, text: str) -> list:
    with pytest.raises(RuleError) as info:
        load_policies(write(tmp_path, text))
    return info.value.problems


def test_a_good_file_loads_and_its_test_passes(tmp_path: Path) -> None:
    pols = load_policies(write(tmp_path, GOOD))
    assert list(pols["demo"].benefits) == ["award"]
    report = check_policies(tmp_path)
    assert report.ok and report.tests_passed == 1


@pytest.mark.parametrize(("old", "new", "code", "line", "col", "zh"), [
    # expressions inside the file: the place is the character inside the YAML scalar
    ("when: rd_increment >= threshold", "when: rd_incremnt >= threshold", "R201", 19, 11,
     "未知的事实或参数 `rd_incremnt`；是否想写 `rd_increment`？"),
    ("amount: min(10% * rd_increment, 300万)", "amount: min(10% * rd_increment, 300)", "R302", 20, 37,
     "数字 `300` 没有单位"),
    ("when: rd_increment >= threshold", "when: 'rd_increment >= thresold'", "R201", 19, 28, "是否想写 `threshold`？"),
    ("when: rd_increment >= threshold", "when: rd_increment => threshold", "R106", 19, 24, "请写 `==`"),
    ("amount: min(10% * rd_increment, 300万)", "amount: 10%", "R305", 20, 13, "金额公式的结果必须是金额"),
    ("when: rd_increment >= threshold", "when: rd_increment", "R304", 19, 11, "条件的结果必须是是/否"),
    # the file's structure
    ("title: 示例政策\n", "", "R402", 1, 1, "缺少必填项 `title`"),
    ("status: draft", "status: drafted", "R404", 4, 9, "`status` 的取值 `drafted` 无效"),
    ("level: city", "level: city\ncolour: red", "R403", 6, 1, "未知的字段 `colour`"),
    ("    category: rd", "    categroy: rd", "R403", 16, 5, "是否想写 `category`？"),
    ("code: demo", "code: Demo-1", "R411", 1, 7, "政策编码 `Demo-1` 无效"),
    ("      - {from: 2025-01-01, value: 1000万, ref: 第一条}",
     "      - {from: 2026-01-01, value: 1000万, ref: 第一条}", "R406", 9, 5, "在 2025-01-01 没有有效取值"),
    ("      - {from: 2025-01-01, value: 1000万, ref: 第一条}",
     "      - {from: 2025-01-01, value: 10%, ref: 第一条}", "R310", 12, 35, "声明为金额，但取值 `10%` 是比例"),
    ("      - {from: 2025-01-01, value: 1000万, ref: 第一条}",
     "      - {from: 2025-01-01, value: 1000万}\n      - {from: 2024-01-01, value: 900万}", "R408", 13, 16,
     "取值日期必须递增"),
    ("    period: yearly", "    period: yearly\n    funding: {city: 20%, region: 70%}", "R407", 19, 14,
     "合计为 90%"),
    ("    period: yearly", "    period: monthly", "R404", 18, 13, "`period` 的取值 `monthly` 无效"),
    ("effective_from: 2025-01-01", "effective_from: 2025-13-01", "R409", 6, 17, "应为日期"),
    ("    facts: {rd_expense: 3000万, rd_expense_prev: 2000万}",
     "    facts: {rd_expense: 3000万, rd_expense_prev: 两千万}", "R410", 24, 49, "取值 `两千万` 无效"),
    ("    facts: {rd_expense: 3000万, rd_expense_prev: 2000万}",
     "    facts: {rd_expens: 3000万, rd_expense_prev: 2000万}", "R201", 24, 13, "是否想写 `rd_expense`？"),
    ("    expect: {award: 100万}", "    expect: {awrd: 100万}", "R206", 25, 14, "未知的优惠 `awrd`；是否想写 `award`？"),
    ("  threshold:\n", "  rd_expense:\n", "R205", 8, 3, "参数 `rd_expense` 与事实同名"),
    ("code: demo", "code: demo\ncode: demo2", "R405", 2, 1, "重复的字段 `code`（首次出现在第 1 行）"),
    ("level: city", "level: city\nfacts:\n  rd_expense: {type: money, label: 研发}", "R414", 7, 3,
     "`rd_expense` 与目录中的事实同名"),
])
def test_each_problem_is_reported_at_its_place(tmp_path: Path, old: str, new: str, code: str, line: int,
                                                col: int, zh: str) -> None:
    assert old in GOOD
    problems = refused(tmp_path, GOOD.replace(old, new, 1))
    p = next((p for p in problems if p.code == code), None)
    assert p is not None, [x.format("en") for x in problems]
    assert (p.file, p.line, p.column) == ("demo.yaml", line, col), p.format("zh")
    assert zh in p.message("zh")
    assert p.message("en") and "{" not in p.message("en")
    assert p.format("zh").startswith(f"demo.yaml:{line}:{col}: {code} ")


def test_yaml_syntax_errors_are_placed(tmp_path: Path) -> None:
    problems = refused(tmp_path, GOOD.replace("level: city", "level: [city"))
    assert problems[0].code == "R401" and problems[0].file == "demo.yaml" and problems[0].line is not None


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    assert refused(tmp_path, "- just\n- a list\n")[0].code == "R412"


def test_an_empty_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(RuleError) as info:
        load_policies(tmp_path)
    assert info.value.code == "R416"
    assert check_policies(tmp_path).errors[0].code == "R416"


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(RuleError) as info:
        load_policies(p)
    assert info.value.code == "R415"


def test_a_block_scalar_expression_is_placed_on_its_own_line(tmp_path: Path) -> None:
    text = GOOD.replace("    when: rd_increment >= threshold",
                        "    when: >-\n      is_above_scale and\n      rd_increment >= thresold")
    p = next(p for p in refused(tmp_path, text) if p.code == "R201")
    assert (p.line, p.column) == (21, 23)


def test_a_directory_with_one_bad_file_loads_nothing(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD.replace("code: demo", "code: other").replace("300万)", "300万"), "b.yaml")
    with pytest.raises(RuleError) as info:
        load_policies(tmp_path)
    problems = info.value.problems
    assert problems[0].code == "R110" and {p.file for p in problems} == {f"{tmp_path.name}/b.yaml"}
    report = check_policies(tmp_path)
    assert not report.ok and report.tests_run == 0 and report.policies == []


def test_two_files_with_the_same_code_are_refused(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(RuleError) as info:
        load_policies(tmp_path)
    assert info.value.code == "R405"


def test_a_circular_reference_between_benefits_is_refused(tmp_path: Path) -> None:
    problems = refused(tmp_path, _with_other(GOOD))
    assert problems[0].code == "R204"
    assert "demo.award" in problems[0].message("en") and "demo.other" in problems[0].message("en")


def _with_other(text: str) -> str:
    text = text.replace("    amount: min(10% * rd_increment, 300万)", "    amount: other / 2")
    extra = ("  other:\n    label: 其他\n    category: rd\n    subject: enterprise\n    period: yearly\n"
             "    when: award > 0元\n    amount: award\n")
    return text.replace("tests:\n", extra + "tests:\n", 1)


def test_a_failing_test_case_is_reported_with_its_place(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("expect: {award: 100万}", "expect: {award: 99万}"))
    report = check_policies(tmp_path)
    assert not report.ok
    f = report.failures[0]
    assert f.code == "T601" and f.line == 22
    assert "应为 99万，算得 100万" in f.message("zh")
    assert "should be 990,000 yuan, computed 1,000,000 yuan" in f.message("en")
    assert report.to_json()["failures"][0]["code"] == "T601"
    assert "测试用例 0/1 通过" in report.text("zh") and "0/1 test cases pass" in report.text("en")


def test_a_parameter_without_source_is_a_warning_not_an_error(tmp_path: Path) -> None:
    text = GOOD.replace("      - {from: 2025-01-01, value: 1000万, ref: 第一条}",
                        "      - {from: 2025-01-01, value: null}").replace("    type: money\n",
                                                                            "    type: money\n    no_source: true\n", 1)
    text = text.replace("expect: {award: 100万}", "expect: {award: unknown}")
    write(tmp_path, text)
    report = check_policies(tmp_path)
    assert report.ok, report.text("en")
    assert [w.code for w in report.warnings] == ["W502"]


def test_a_null_value_without_no_source_is_refused(tmp_path: Path) -> None:
    problems = refused(tmp_path, GOOD.replace("value: 1000万, ref: 第一条", "value: null"))
    assert problems[0].code == "R409" and "no_source" in problems[0].message("en")


def test_two_policies_cannot_declare_one_fact_with_two_types(tmp_path: Path) -> None:
    decl = "level: city\nfacts:\n  carrier_level: {type: %s, label: 级别}"
    write(tmp_path, GOOD.replace("level: city", decl % "text"), "a.yaml")
    write(tmp_path, GOOD.replace("code: demo", "code: other").replace("level: city", decl % "count"), "b.yaml")
    with pytest.raises(RuleError) as info:
        load_policies(tmp_path)
    p = info.value.problem
    assert p.code == "R413" and "`carrier_level`" in p.message("zh") and "a count" in p.message("en")


def test_a_test_case_that_cannot_run_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kechuang.engine.rules import check as check_module
    from kechuang.engine.rules.errors import Problem

    def broken(*args: object, **kwargs: object) -> None:
        raise RuleError(Problem("R703", {"name": "x", "problem": "坏", "problem_en": "bad"}))

    write(tmp_path, GOOD)
    monkeypatch.setattr(check_module, "evaluate", broken)
    report = check_policies(tmp_path)
    assert [f.code for f in report.failures] == ["T602"]
    assert "could not run" in report.failures[0].message("en")
