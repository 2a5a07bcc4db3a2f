"""The expression language: parsing, names and types — every error code with its place and fix."""

from __future__ import annotations

from fractions import Fraction

import pytest

from kechuang.engine.rules import ir
from kechuang.engine.rules import syntax as sx
from kechuang.engine.rules.checker import Checker, ParamInfo, Scope
from kechuang.engine.rules.errors import ExprError
from kechuang.engine.rules.messages import MESSAGES, render
from kechuang.engine.rules.policy import catalogue


def scope() -> Scope:
    s = Scope(dict(catalogue()))
    s.params = {
        "rate": ParamInfo("p.rate", "ratio", "比例"),
        "cap": ParamInfo("p.cap", "money", "上限"),
        "years": ParamInfo("p.years", "count", "年数"),
        "levels": ParamInfo("p.levels", "list", "级别", elem="text"),
    }
    s.benefits = {"other_award": "p.other_award"}
    return s


def check(text: str, want: str = "any") -> ir.Expr:
    chk = Checker(scope(), text)
    node = sx.parse(text)
    if want == "bool":
        return chk.condition(node)
    if want == "money":
        return chk.amount(node)
    return chk.expr(node)


def fails(text: str, want: str = "any") -> ExprError:
    with pytest.raises(ExprError) as info:
        check(text, want)
    return info.value


# -- what parses and how it is typed ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "type_"), [
    ("is_above_scale and rd_increment >= 1000万", "bool"),
    ("min(rate * rd_increment, cap)", "money"),
    ("min(10% * rd_increment, 300 万元)", "money"),
    ("rd_expense / sales_revenue", "ratio"),
    ("rd_expense / sales_revenue >= 3%", "bool"),
    ("tech_staff / employees", "ratio"),
    ("employees * 2", "count"),
    ("if is_new_high_tech then 10万 elif tsme_registered then 3万 else 0", "money"),
    ("rd_institution_level in [\"国家级\", \"自治区级\"]", "bool"),
    ("rd_institution_level not in levels", "bool"),
    ("hte_certified_on >= 2024-01-01", "bool"),
    ("days_between(registered_on, period_end) >= 365", "bool"),
    ("year_of(hte_certified_on) == year", "bool"),
    ("starts_with(industry_code, [\"C16\", \"F\"])", "bool"),
    ("coalesce(rd_expense_prev, 0元)", "money"),
    ("rd_expense is missing or not has_rd_institution", "bool"),
    ("2 <= tsme_consecutive_years < 5", "bool"),
    ("-net_assets > 0", "bool"),
    ("other_award / 2", "money"),
    ("（rd_expense − 0元）× 10%", "money"),
    ("rd_expense ≥ 1.5亿", "bool"),
    ("20 yuan + 0.5元", "money"),
])
def test_it_types_well_formed_expressions(text: str, type_: str) -> None:
    assert check(text).type == type_


def test_money_literals_are_exact_fen_and_ratios_exact_rationals() -> None:
    assert sx.parse("300万").value == 300 * 10_000 * 100
    assert sx.parse("1.5亿").value == 150_000_000 * 100
    assert sx.parse("500000.05元").value == 50_000_005
    assert sx.parse("10%").value == Fraction(1, 10)
    assert sx.parse("1_000_000").value == 1_000_000


def test_constants_fold_exactly() -> None:
    e = check("300万 * 10% + 5万")
    assert isinstance(e, ir.Const) and e.value == 35 * 10_000 * 100
    e = check("10% * 5元")  # 0.5 yuan = 50 fen, no rounding needed
    assert isinstance(e, ir.Const) and e.value == 50
    e = check("1% * 0.5元")  # 0.5 fen rounds half up to 1 fen
    assert isinstance(e, ir.Const) and e.value == 1


def test_full_width_punctuation_and_math_signs_are_accepted() -> None:
    assert check("min（rd_expense ×10%， 300万）").type == "money"
    assert check("rd_expense ≥ 1000万").type == "bool"
    assert check("rd_expense ≠ 0元").type == "bool"


def test_and_chains_flatten_and_comparisons_chain() -> None:
    e = check("is_above_scale and (listed and is_industrial)")
    assert isinstance(e, ir.And) and len(e.items) == 3
    e = check("2 <= tsme_consecutive_years < 5")
    assert isinstance(e, ir.And) and [c.op for c in e.items] == ["<=", "<"]


# -- every error code, with its place ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "want", "code", "offset", "zh", "en"), [
    ("rd_expense @ 2", "any", "R101", 11, "无法识别的字符 `@`", "unexpected character `@`"),
    ('rd_institution_level == "国家级', "any", "R102", 24, "缺少结束引号", "closing quote"),
    ("1.2.3", "any", "R103", 0, "数字 `1.2.3` 写法有误", "malformed number `1.2.3`"),
    ("12abc", "any", "R103", 0, "`12abc`", "malformed number"),
    ("rd_expense >= )", "any", "R104", 14, "此处应为表达式，却是 `)`", "expected an expression here, found `)`"),
    ("listed and is_listd", "any", "R201", 11, "未知的事实或参数 `is_listd`", "unknown fact or parameter `is_listd`"),
    ("if listed then 1", "any", "R105", 16, "表达式不完整：此处应为`else`", "expression ends too early: expected `else`"),
    ("rd_expense >=", "any", "R105", 13, "表达式不完整", "ends too early"),
    ("rd_expense = 1000万", "any", "R106", 11, "请写 `==`", "write `==` to compare"),
    ("hte_certified_on > 2025-02-30", "any", "R107", 19, "日期 `2025-02-30` 不存在", "not a valid date"),
    ("rd_expense > 0.001元", "any", "R108", 13, "小于一分", "fraction of a fen"),
    ("   ", "any", "R109", 0, "表达式为空", "empty expression"),
    ("min(rd_expense, 300万", "any", "R110", 3, "缺少 `)`", "missing `)`"),
    ("[1, 2", "any", "R110", 0, "缺少 `]`", "missing `]`"),
    ("(rd_expense > 0元", "any", "R110", 0, "缺少 `)`", "missing `)`"),
    ("rd_expense > 0元)", "any", "R111", 15, "最后多出 `)`", "unexpected `)`"),
    ("rd_expens > 1000万", "any", "R201", 0, "`rd_expens`；是否想写 `rd_expense`？",
     "unknown fact or parameter `rd_expens`; did you mean `rd_expense`?"),
    ("mni(rd_expense, cap)", "any", "R202", 0, "未知的函数 `mni`；是否想写 `min`？",
     "unknown function `mni`; did you mean `min`?"),
    ("year_of(registered_on, period_end)", "any", "R203", 0, "需要 1 个参数，给了 2 个", "takes 1 argument(s), 2 given"),
    ("min(rd_expense)", "any", "R203", 0, "`min` 需要 2+ 个参数", "2+ argument(s), 1 given"),
    ("rd_expense + employees", "any", "R301", 0, "不能对金额和数量做 `+` 运算；金额只能与金额相加减",
     "cannot apply `+` to an amount of money and a count; an amount adds only to an amount"),
    ("rd_expense * sales_revenue", "any", "R301", 0, "金额只能乘以比例或数量", "multiply an amount by a ratio or a count"),
    ("registered_on - period_end", "any", "R301", 0, "days_between", "days_between"),
    ("employees / rd_expense", "any", "R301", 0, "不能用数字除以金额", "cannot be divided by an amount"),
    ("rd_expense > 1000", "any", "R302", 13, "数字 `1000` 没有单位", "write `1000元` or `0.1万`"),
    ("rd_expense - 5000", "any", "R302", 13, "`5000元` 或 `0.5万`", "has no unit"),
    ("is_above_scale == 3", "any", "R303", 0, "不能比较是/否和无单位数字", "cannot compare true/false with a unit-less number"),
    ("rd_expense >= rate", "any", "R303", 0, "不能比较金额和比例", "cannot compare an amount of money with a ratio"),
    ("rd_expense", "bool", "R304", 0, "条件的结果必须是是/否，这里是金额", "a condition must be true/false, this is an amount"),
    ("rate * 2", "money", "R305", 0, "金额公式的结果必须是金额，这里是比例；是否少乘了一个金额？",
     "did you forget to multiply by an amount?"),
    ("500", "money", "R305", 0, "请给数字加上单位", "give the number a unit"),
    ("if listed then 10万 else rate", "any", "R306", 24, "各分支的类型不一致：金额与比例", "different types"),
    ("if listed then 10万 else 5", "any", "R302", 24, "数字 `5` 没有单位", "has no unit"),
    ('rd_institution_level in ["国家级", 3]', "any", "R307", 32, "列表中的值必须都是", "must all be"),
    ('employees in ["国家级"]', "any", "R307", 13, "`in` 列表中的值必须都是数量", "must all be a count"),
    ("year_of(rd_expense)", "any", "R308", 8, "第 1 个参数应为日期，这里是金额", "argument 1 of `year_of` must be a date"),
    ("starts_with(industry_code, 3)", "any", "R308", 27, "第 2 个参数应为文本", "must be text"),
    ("min(industry_code, name)", "any", "R308", 4, "应为数值", "must be a number"),
    ("is_above_scale and rd_expense", "any", "R309", 19, "`and` 两边必须是是/否，这里是金额",
     "the operands of `and` must be true/false"),
    ("not rd_expense", "any", "R309", 4, "`not` 两边必须是是/否", "operands of `not`"),
    ("-is_above_scale", "any", "R311", 0, "`-` 不能用于是/否", "`-` cannot be applied to true/false"),
    ('industry_code > "C"', "any", "R311", 0, "`>` 不能用于文本", "cannot be applied to text"),
    ("industry_code in tech_field", "any", "R312", 17, "`in` 的右边必须是列表", "must be a list"),
])
def test_every_error_names_the_place_and_the_fix(text: str, want: str, code: str, offset: int,
                                                   zh: str, en: str) -> None:
    err = fails(text, want)
    assert err.code == code, (err.code, render(err.code, "en", **err.params))
    assert err.offset == offset
    assert zh in render(err.code, "zh", **err.params)
    assert en in render(err.code, "en", **err.params)


def test_the_parser_never_uses_eval() -> None:
    # a Python expression is not an expression of the language
    err = fails("__import__('os').system('true')")
    assert err.code in ("R111", "R201", "R101", "R104", "R202")
    with pytest.raises(ExprError):
        check("__import__('os')")


def test_every_message_renders_in_both_languages_without_its_fields() -> None:
    for code in MESSAGES:
        assert render(code, "zh") and render(code, "en")
        assert "{" not in render(code, "zh") and "{" not in render(code, "en")


def test_literals_for_parameter_values() -> None:
    assert isinstance(sx.parse_literal("300万"), sx.Lit)
    assert isinstance(sx.parse_literal('["C16", "F"]'), sx.ListLit)
    with pytest.raises(ExprError) as info:
        sx.parse_literal("rd_expense * 2")
    assert info.value.code == "R104"
