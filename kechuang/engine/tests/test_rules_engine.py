"""The engine: exact money, unknowns, periods and state, dependencies, what-if, programmes, panel facts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from kechuang.engine.rules import (
    RuleError,
    check_policies,
    derive_facts,
    evaluate,
    evaluate_programmes,
    explain,
    load_policies,
    whatif,
)
from kechuang.engine.rules.engine import funding_split

REPO = Path(__file__).resolve().parents[3]
POLICIES = REPO / "data" / "policies"
FIXTURES = REPO / "tests" / "data" / "policies" / "fixtures"
HARNESS = REPO / "tests" / "data" / "policies" / "harness.yaml"


def policy(tmp_path: Path, benefits: str, facts: str = "", params: str = "", limits: str = "") -> object:
    text = ("code: t\ntitle: 测试\nissuer: 测试\nstatus: draft\nlevel: city\neffective_from: 2020-01-01\n"
            + (f"facts:\n{facts}" if facts else "") + (f"parameters:\n{params}" if params else "")
            + f"benefits:\n{benefits}" + (f"limits:\n{limits}" if limits else ""))
    p = tmp_path / "t.yaml"
    p.write_text(text, encoding="utf-8")
    return load_policies(p)


def one(name: str, when: str, amount: str, period: str = "yearly", extra: str = "") -> str:
    return (f"  {name}:\n    label: {name}\n    category: rd\n    subject: enterprise\n    period: {period}\n"
            f"    when: '{when}'\n    amount: '{amount}'\n{extra}")


# -- exact money ------------------------------------------------------------------------------------

def test_a_rate_that_gives_a_fraction_of_a_fen_rounds_half_up(tmp_path: Path) -> None:
    pols = policy(tmp_path, one("a", "true", "1% * rd_expense"))
    df = pl.DataFrame({"rd_expense": [0.50, 0.49, 0.51, 1.50, 12345.67]})  # yuan
    got = evaluate(pols, df, 2025).frame["t.a"].to_list()
    # 1% of 50 fen = 0.5 fen → 1; 0.49 fen → 0; 0.51 → 1; 1.5 → 2; 12,345.67 yuan → 123.4567 yuan → 12,346 fen
    assert got == [1, 0, 1, 2, 12346]


def test_division_by_a_count_rounds_half_up_and_by_zero_is_unknown(tmp_path: Path) -> None:
    pols = policy(tmp_path, one("a", "true", "rd_expense / employees"))
    df = pl.DataFrame({"rd_expense": [1.00, 1.00, 1.00], "employees": [3, 8, 0]})
    assert evaluate(pols, df, 2025).frame["t.a"].to_list() == [33, 13, None]  # 33.33 → 33; 12.5 → 13


def test_money_columns_are_read_exactly_in_any_form(tmp_path: Path) -> None:
    pols = policy(tmp_path, one("a", "true", "rd_expense"))
    for col in (pl.Series([30_000_000, 1], dtype=pl.Int64), pl.Series([30_000_000.0, 1.0]),
                pl.Series(["30,000,000.00", "1"]), pl.Series([Decimal("30000000.00"), Decimal("1.00")])):
        got = evaluate(pols, pl.DataFrame({"rd_expense": col}), 2025).frame["t.a"].to_list()
        assert got == [3_000_000_000, 100], col.dtype


def test_a_column_that_cannot_be_read_is_reported_not_guessed(tmp_path: Path) -> None:
    pols = policy(tmp_path, one("a", "true", "rd_expense"))
    ev = evaluate(pols, pl.DataFrame({"rd_expense": ["三千万"]}), 2025)
    assert ev.frame["t.a"].to_list() == [None]
    assert {w.code for w in ev.warnings} >= {"W702", "W701"}


def test_the_float32_trap_of_the_benchmark_is_avoided() -> None:
    pols = load_policies(HARNESS)
    df = pl.DataFrame({"rd_expense": [30_000_000.0], "rd_expense_prev": [20_000_001.0], "is_above_scale": [True],
                       "is_new_rd_hq": [False], "is_new_high_tech": [False], "tsme_consecutive_years": [0]})
    assert evaluate(pols, df, 2025).frame["harness.rd_increment_award"].to_list() == [0]


def test_a_ratio_of_two_amounts_is_compared_exactly(tmp_path: Path) -> None:
    pols = policy(tmp_path, one("a", "rd_expense / sales_revenue >= 10%", "1元"))
    # in floats 10^16 / (10^17 + 1) rounds to 0.1; exactly it is just below 10%
    a, b = 10**16, 10**17 + 1
    assert a / b >= 0.1 and Fraction(a, b) < Fraction(1, 10)
    df = pl.DataFrame({"rd_expense": [Decimal(a) / 100, Decimal(10), Decimal(10), Decimal(5)],
                       "sales_revenue": [Decimal(b) / 100, Decimal(100), Decimal(0), Decimal(-10)]})
    assert evaluate(pols, df, 2025).frame["t.a"].to_list() == [0, 100, None, 0]


def test_very_large_amounts_do_not_overflow(tmp_path: Path) -> None:
    pols = policy(tmp_path, one("a", "true", "33333333% * rd_expense"))  # ×333,333.33
    df = pl.DataFrame({"rd_expense": [Decimal("90000000000.00")]})  # 900 亿 yuan
    # 9×10^12 fen × 333,333.33: the intermediate exceeds int64, the result does not
    assert evaluate(pols, df, 2025).frame["t.a"][0] == 9_000_000_000_000 * 33_333_333 // 100


# -- unknown facts ------------------------------------------------------------------------------------

def test_unknown_facts_give_unknown_unless_the_logic_decides(tmp_path: Path) -> None:
    b = (one("and_", "listed and is_above_scale", "1元") + one("or_", "listed or is_above_scale", "1元")
         + one("miss", "rd_expense is missing", "1元") + one("coal", "true", "coalesce(rd_expense, 5元)")
         + one("iff", "true", "if listed then 1元 else 2元"))
    pols = policy(tmp_path, b)
    df = pl.DataFrame({"listed": [False, True, None, None], "is_above_scale": [None, None, True, None],
                       "rd_expense": [None, 1.0, None, 2.0]})
    f = evaluate(pols, df, 2025).frame
    assert f["t.and_"].to_list() == [0, None, None, None]
    assert f["t.or_"].to_list() == [None, 100, 100, None]
    assert f["t.miss"].to_list() == [100, 0, 100, 0]
    assert f["t.coal"].to_list() == [500, 100, 500, 200]
    assert f["t.iff"].to_list() == [200, 100, None, None]
    assert f["total"].to_list()[0] == 0 + 0 + 100 + 500 + 200  # unknowns count as 0 in the total


def test_a_missing_column_is_unknown_and_reported(tmp_path: Path) -> None:
    pols = policy(tmp_path, one("a", "listed", "1元"))
    ev = evaluate(pols, pl.DataFrame({"other": [1]}), 2025)
    assert ev.frame["t.a"].to_list() == [None]
    assert ev.warnings[0].code == "W701" and "listed" in ev.warnings[0].message("en")
    assert ev.totals[0].n_unknown == 1


def test_text_dates_and_lists(tmp_path: Path) -> None:
    b = (one("lvl", 'rd_institution_level in ["国家级", "自治区级"]', "1元")
         + one("ind", 'starts_with(industry_code, ["C16", "F"])', "1元")
         + one("age", "days_between(registered_on, period_end) >= 365", "1元")
         + one("cert", "year_of(hte_certified_on) == year - 1", "1元"))
    pols = policy(tmp_path, b)
    df = pl.DataFrame({"rd_institution_level": ["国家级", "市级", None],
                       "industry_code": ["C1610", "F5171", "C2651"],
                       "registered_on": [dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 6, 1)],
                       "hte_certified_on": ["2024-03-01", None, "2025-01-01"]})
    f = evaluate(pols, df, 2025).frame
    assert f["t.lvl"].to_list() == [100, 0, None]
    assert f["t.ind"].to_list() == [100, 100, 0]
    assert f["t.age"].to_list() == [100, 0, 0]  # 2024-12-31 → 2025-12-31 is 365 days; from 2025-01-01, 364
    assert f["t.cert"].to_list() == [100, None, 0]


def test_a_negative_formula_pays_nothing(tmp_path: Path) -> None:
    pols = policy(tmp_path, one("a", "true", "rd_expense - 10万"))
    assert evaluate(pols, pl.DataFrame({"rd_expense": [50_000]}), 2025).frame["t.a"].to_list() == [0]


# -- dated parameters, periods and state -------------------------------------------------------------------

def test_a_parameter_change_takes_effect_on_its_date(tmp_path: Path) -> None:
    params = ("  amt:\n    label: 金额\n    type: money\n    values:\n"
              "      - {from: 2020-01-01, value: 10万, ref: 原文}\n      - {from: 2026-01-01, value: 15万, ref: 修订}\n")
    pols = policy(tmp_path, one("a", "true", "amt"), params=params)
    df = pl.DataFrame({"x": [1]})
    assert evaluate(pols, df, 2025).frame["t.a"][0] == 10_000_000
    assert evaluate(pols, df, 2026).frame["t.a"][0] == 15_000_000
    assert evaluate(pols, df, 2025, as_of=dt.date(2026, 6, 1)).frame["t.a"][0] == 15_000_000
    assert [v.ref for v in pols["t"].parameters["amt"].values] == ["原文", "修订"]  # the history is kept


def test_multi_year_benefits_roll_forward_through_the_state() -> None:
    pols = load_policies(FIXTURES / "multiyear.yaml")
    df = pl.DataFrame({"uscc": ["A", "B"], "lab_approved_year": [2025, 2024], "lab_rated_ok": [True, True]})
    state = None
    paid, anchored = [], []
    for year in (2025, 2026, 2027, 2028):
        ev = evaluate(pols, df, year, state=state)
        paid.append(ev.frame["multi.lab_by_state"].to_list())
        anchored.append(ev.frame["multi.lab_by_start"].to_list())
        state = ev.started if state is None else pl.concat([state, ev.started]).unique(["uscc", "benefit"],
                                                                                        keep="first")
    # A starts in 2025 and is paid three years; B was approved in 2024 (before the first run): never starts
    assert paid == [[50_000_000, 0], [50_000_000, 0], [50_000_000, 0], [0, 0]]
    # anchored on the approval year: B (2024) is in its 2nd and 3rd year in 2025 and 2026
    w = 100 * 1_000_000
    assert anchored == [[w, w], [w, w], [w, 0], [0, 0]]


def test_a_one_off_benefit_is_not_paid_twice() -> None:
    pols = load_policies(FIXTURES / "multiyear.yaml")
    df = pl.DataFrame({"uscc": ["A", "B"], "is_new_high_tech": [True, True]})
    state = pl.DataFrame({"uscc": ["A"], "benefit": ["multi.one_off"], "started_year": [2024]})
    ev = evaluate(pols, df, 2025, state=state)
    assert ev.frame["multi.one_off"].to_list() == [0, 10_000_000]
    assert ev.started.filter(pl.col("benefit") == "multi.one_off").to_dicts() == [
        {"uscc": "B", "benefit": "multi.one_off", "started_year": 2025}]
    assert evaluate(pols, df, 2025, state={"multi.one_off": {"B": 2023}}).frame["multi.one_off"].to_list() \
        == [10_000_000, 0]


def test_a_policy_not_in_force_is_left_out() -> None:
    pols = load_policies(POLICIES)
    ev = evaluate(pols, pl.DataFrame({"rd_expense": [1]}), 2024)
    assert "hohhot_kjqs_2024" in ev.not_in_force
    assert not any(c.startswith("hohhot_kjqs_2024.") for c in ev.frame.columns)


# -- dependencies between benefits ------------------------------------------------------------------------

def test_dependencies_between_benefits_apply_row_by_row() -> None:
    pols = load_policies(FIXTURES / "dependencies.yaml")
    df = pl.DataFrame({"rd_expense": [50_000_000, 10_000_000, 0], "is_new_high_tech": [True, False, False],
                       "tsme_consecutive_years": [2, 2, 0], "has_rd_institution": [True, True, False],
                       "rd_institution_level": ["国家级", "市级", None]})
    f = evaluate(pols, df, 2025).frame
    assert f["deps.rd_award"].to_list() == [300_000_000, 100_000_000, 0]
    assert f["deps.rd_bonus"].to_list() == [100_000_000, 50_000_000, 0]  # cut to the 400万 combined cap
    assert f["deps.tsme_award"].to_list() == [0, 5_000_000, 0]  # excluded by the high-tech award
    assert f["deps.platform_a"].to_list() == [0, 20_000_000, 0]
    assert f["deps.platform_b"].to_list() == [80_000_000, 0, None]  # level unknown → unknown


def test_programmes_do_not_share_conditions_that_read_another_benefit() -> None:
    pols = load_policies(FIXTURES / "dependencies.yaml")
    df = pl.DataFrame({"rd_expense": [50_000_000, 20_000_000, 1_000]})
    progs = [{"rd_min": "0元"}, {"rd_min": "3000万"}, {"rd_min": "0元", "combined_cap": "1亿"}]
    many = evaluate_programmes(pols, df, 2025, progs)
    singles = [evaluate(pols, df, 2025, overrides=p) for p in progs]
    assert many.totals_fen == [s.total_fen for s in singles]
    assert singles[1].frame["deps.rd_bonus"].to_list() == [100_000_000, 0, 0]
    assert singles[1].frame["deps.rd_flag"].to_list() == [1_000_000, 0, 0]


def test_a_reform_of_the_combined_cap_is_applied() -> None:
    pols = load_policies(FIXTURES / "dependencies.yaml")
    df = pl.DataFrame({"rd_expense": [50_000_000]})
    ev = evaluate(pols, df, 2025, overrides={"combined_cap": "500万"})
    assert ev.frame["deps.rd_bonus"].to_list() == [150_000_000]


# -- what-if ------------------------------------------------------------------------------------------------

def _register() -> pl.DataFrame:
    return pl.DataFrame({"uscc": ["A", "B", "C", "D"], "is_above_scale": [True, True, True, False],
                         "rd_expense": [50_000_000, 32_500_000, 25_000_000, 90_000_000],
                         "rd_expense_prev": [10_000_000, 20_000_000, 20_000_000, 10_000_000],
                         "hte_certified_on": [None, "2025-03-01", None, None]})


def test_whatif_shows_deltas_gainers_and_losers() -> None:
    pols = load_policies(POLICIES).select("hohhot_kjqs_2024")
    w = whatif(pols, _register(), 2025, set={"rd_increment_rate": "8%", "rd_increment_min": "500万",
                                             "new_hte_amount": 150_000})
    d = dict(zip(w.frame["uscc"].to_list(), w.frame["delta"].to_list(), strict=True))
    # A: 4000万 increment → 300万 cap either way; B: 1250万 → 125万 becomes 100万, +5万 high-tech;
    # C: 500万 increment now qualifies → 40万; D is not above scale
    assert d == {"A": 0, "B": -25 * 1_000_000 + 5 * 1_000_000, "C": 40 * 1_000_000, "D": 0}
    j = w.to_json()
    assert (j["n_gainers"], j["n_losers"], j["n_unchanged"]) == (1, 1, 2)
    assert j["delta_yuan"] == "200000.00"
    assert j["top_gainers"][0] == {"key": "C", "baseline_yuan": "0.00", "reform_yuan": "400000.00",
                                   "delta_yuan": "400000.00"}


def test_whatif_can_change_a_formula_and_checks_it() -> None:
    pols = load_policies(POLICIES).select("hohhot_kjqs_2024")
    w = whatif(pols, _register(), 2025,
               formulas={"hohhot_kjqs_2024.rd_increment_award.when": "rd_increment >= rd_increment_min"})
    assert w.frame.filter(pl.col("uscc") == "D")["delta"][0] == 3_000_000 * 100  # D now qualifies
    with pytest.raises(RuleError) as info:
        whatif(pols, _register(), 2025, formulas={"hohhot_kjqs_2024.rd_increment_award.amount": "rd_incremnt"})
    assert info.value.code == "R201" and "rd_increment" in info.value.format("en")


def test_an_unknown_or_ill_typed_override_is_refused_with_a_suggestion() -> None:
    pols = load_policies(POLICIES)
    with pytest.raises(RuleError) as info:
        evaluate(pols, _register(), 2025, overrides={"rd_increment_rat": "8%"})
    assert info.value.code == "R703" and "rd_increment_rate" in info.value.format("en")
    with pytest.raises(RuleError) as info:
        evaluate(pols, _register(), 2025, overrides={"hohhot_kjqs_2024.rd_increment_rate": "8万"})
    assert info.value.code == "R703"


def test_k_programmes_in_one_pass_equal_k_separate_evaluations() -> None:
    pols = load_policies(HARNESS)
    rng = np.random.default_rng(7)
    n = 2000
    df = pl.DataFrame({"rd_expense": rng.integers(0, 60_000_000, n).astype(float),
                       "rd_expense_prev": rng.integers(0, 40_000_000, n).astype(float),
                       "is_above_scale": rng.random(n) < 0.5, "is_new_rd_hq": rng.random(n) < 0.3,
                       "is_new_high_tech": rng.random(n) < 0.2, "tsme_consecutive_years": rng.integers(0, 5, n)})
    progs = [{"rd_increment_min": 10_000_000 + 10_000 * c, "rd_increment_rate": ("10%", "9%", "8%")[c % 3],
              "rd_increment_cap": 3_000_000 + 1000 * c, "tsme_min_years": 2 + c % 3} for c in range(6)]
    many = evaluate_programmes(pols, df, 2025, progs)
    singles = [evaluate(pols, df, 2025, overrides=p) for p in progs]
    assert many.totals_fen == [s.total_fen for s in singles]
    assert np.array_equal(many.grand, sum(s.frame["total"].to_numpy() for s in singles))


# -- explain ------------------------------------------------------------------------------------------------

def test_the_explanation_reads_like_the_rule() -> None:
    pols = load_policies(POLICIES)
    t = explain(pols, "hohhot_kjqs_2024", {"is_above_scale": True, "rd_expense": 32_500_000,
                                           "rd_expense_prev": 20_000_000}, 2025)
    steps = [s.zh for s in t.benefits[3].steps]
    assert t.benefits[3].benefit == "hohhot_kjqs_2024.rd_increment_award"
    assert steps == ["规模以上企业 是 → 符合", "研发投入年增量 1,250万 ≥ 研发投入年增量门槛 1,000万 → 符合",
                     "金额 = min(10% × 1,250万, 300万) = 125万"]
    assert "研发投入年增量（rd_increment）= max(研究开发费用 3,250万 − 上年研究开发费用 2,000万, 0元) = 1,250万" in \
        [s.zh for s in t.facts]
    assert t.amount("rd_increment_award") == 125 * 1_000_000
    en = t.text("en")
    assert "amount = min(10% × 12,500,000 yuan, 3,000,000 yuan) = 1,250,000 yuan" in en


def test_the_explanation_says_why_not_and_by_how_much() -> None:
    pols = load_policies(POLICIES)
    t = explain(pols, "hohhot_kjqs_2024", {"is_above_scale": True, "rd_expense": 30_000_000,
                                           "rd_expense_prev": 20_000_001}, 2025)
    b = next(b for b in t.benefits if b.benefit.endswith("rd_increment_award"))
    assert b.status == "not_eligible" and b.amount_fen == 0
    assert b.steps[1].zh == "研发投入年增量 9,999,999元 ≥ 研发投入年增量门槛 1,000万 → 不符合（差 1元）"
    assert b.steps[1].en.endswith("→ not met (short by 1 yuan)")


def test_the_explanation_names_missing_facts_and_floors() -> None:
    pols = load_policies(POLICIES)
    t = explain(pols, "hohhot_kjqs_2024", {"carrier_type": "创新平台", "carrier_level": "国家级",
                                           "carrier_approved_year": 2025}, 2025)
    b = next(b for b in t.benefits if b.benefit.endswith("national_platform"))
    assert b.status == "awarded" and b.amount_fen == 500 * 1_000_000
    assert [s.zh for s in b.steps][-1] == "金额 = 500万（不低于此数）"
    assert "连续 3 年的优惠：自 2025 年起" in [s.zh for s in b.steps]
    rd = next(b for b in t.benefits if b.benefit.endswith("rd_increment_award"))
    assert rd.status == "unknown" and any("is_above_scale" in s.zh for s in rd.steps)
    j = t.to_json()
    assert j["benefits"][0]["floor"] is True and j["total_yuan"].endswith(".00")


def test_the_explanation_follows_the_state_of_multi_year_benefits() -> None:
    pols = load_policies(POLICIES)
    row = {"carrier_type": "创新平台", "carrier_level": "国家级", "carrier_approved_year": 2025}
    t = explain(pols, "hohhot_kjqs_2024", row, 2027, state={"national_platform": 2025})
    b = next(b for b in t.benefits if b.benefit.endswith("national_platform"))
    assert b.amount_fen == 500 * 1_000_000
    assert "连续 3 年的优惠：2025 年起第 3 年，继续支付" in [s.zh for s in b.steps]
    t = explain(pols, "hohhot_kjqs_2024", row, 2028, state={"national_platform": 2025})
    b = next(b for b in t.benefits if b.benefit.endswith("national_platform"))
    assert b.status == "period_over" and b.amount_fen == 0


def test_the_explanation_shows_the_values_of_conditions_shared_between_benefits() -> None:
    pols = load_policies(POLICIES)
    t = explain(pols, "hohhot_kjqs_2024", {"carrier_type": "大学科技园", "carrier_level": "自治区级",
                                           "carrier_approved_year": 2025}, 2025)
    zone = next(b for b in t.benefits if b.benefit.endswith("hitech_zone"))
    assert [s.zh for s in zone.steps] == ["载体类型 “大学科技园” = “高新区” → 不符合",
                                          "载体级别 “自治区级” ∈ [“国家级”, “自治区级”] → 符合",
                                          "载体获批年度 2025 = 评价年度 2025 → 符合"]
    assert "载体级别 未知" not in t.text() and "载体获批年度 未知" not in t.text()


def test_explain_takes_a_one_row_frame_and_totals_only_the_grants() -> None:
    pols = load_policies(POLICIES)
    row = pl.DataFrame({"industry_code": ["C2651"], "rd_expense": [8_000_000], "hte_certified_on": [None]})
    t = explain(pols, "cn_rd_super_deduction_2023", row, 2024)
    assert t.amount("super_deduction") == 800_000_000 and t.total_fen == 0
    assert t.benefits[0].kind == "tax_deduction"
    assert "资金支持合计: 0元" in t.text()


def test_explaining_a_policy_not_in_force() -> None:
    pols = load_policies(POLICIES)
    t = explain(pols, "hohhot_kjqs_2024", {"rd_expense": 1}, 2024)
    assert t.benefits == [] and "未施行" in t.text()
    with pytest.raises(RuleError) as info:
        explain(pols, "hohhot_kjqs", {}, 2025)
    assert info.value.code == "R704" and "hohhot_kjqs_2024" in info.value.format("en")


# -- totals, funding and JSON ------------------------------------------------------------------------------

def test_funding_shares_add_up_to_the_fen() -> None:
    amounts = np.array([3333, 1, 0, 999_999_999], dtype=np.int64)
    split = funding_split(amounts, [("city", Fraction(1, 5)), ("region", Fraction(4, 5))])
    assert split["city"].tolist() == [667, 0, 0, 200_000_000]
    assert (split["city"] + split["region"]).tolist() == amounts.tolist()


def test_json_outputs_money_as_yuan_strings() -> None:
    pols = load_policies(POLICIES)
    ev = evaluate(pols, _register(), 2025, overrides={"post_subsidy_rate": "10%"})
    j = ev.to_json(entities=2)
    # A 300万 + B 125万 (increments; C's 500万 is under the threshold) + B newly certified 10万;
    # tax benefits are reported but not added to the grants total; the post-subsidy is unknown here
    assert j["total_yuan"] == "4350000.00"
    b = next(x for x in j["benefits"] if x["benefit"] == "hohhot_kjqs_2024.rd_increment_award")
    assert b["total_yuan"] == "4250000.00" and b["n_awarded"] == 2 and b["funding_yuan"] == {"city": "4250000.00"}
    assert j["entities"][0]["key"] == "A" and j["entities"][0]["total_yuan"] == "3000000.00"
    assert j["entities"][0]["benefits"]["hohhot_kjqs_2024.rd_increment_award"] == "3000000.00"
    assert "cn_rd_super_deduction_2023.super_deduction" not in j["entities"][0]["benefits"]  # industry unknown
    sub = next(x for x in j["benefits"] if x["benefit"] == "wuhai_14th_plan_2022.rd_post_subsidy")
    assert sub["n_unknown"] == 4
    assert j["by_category_yuan"]["rd"] == "4250000.00"


# -- derived facts from the panel ---------------------------------------------------------------------------

def test_panel_facts_come_from_the_other_years() -> None:
    panel = pl.DataFrame({
        "uscc": ["A", "A", "A", "B", "B", "C", "C", "C"],
        "year": [2023, 2024, 2025, 2024, 2025, 2022, 2023, 2025],
        "rd_expense": [1.0, 2_000_000.0, 3_250_000.0, 5.0, 6.0, 1.0, 1.0, 9.0],
        "is_above_scale": [False, False, True, True, True, True, True, True],
        "tsme_registered_year": [2023, 2024, 2025, None, 2025, 2022, 2023, 2025],
    })
    f = derive_facts(panel, 2025).sort("uscc")
    assert f["rd_expense_prev"].to_list() == [2_000_000.0, 5.0, None]
    assert f["is_above_scale_prev"].to_list() == [False, True, None]
    assert f["tsme_consecutive_years"].to_list() == [3, 1, 1]  # C skipped 2024
    pols = load_policies(POLICIES).select("hohhot_kjqs_2024")
    ev = evaluate(pols, f.with_columns(pl.lit(True).alias("is_sci_tech_service")), 2025)
    assert ev.frame["hohhot_kjqs_2024.sci_service_above_scale"].to_list() == [5_000_000, 0, None]


def test_check_policies_passes_on_the_fixtures() -> None:
    report = check_policies(FIXTURES)
    assert report.ok, report.text("en")
    assert [w.code for w in report.warnings] == ["W501", "W501"]
    first = report.warnings[0]
    assert (first.file, first.line, first.column) == ("fixtures/named_enterprise.yaml", 16, 11)
    assert "第十条" in first.message("zh") and "art. 10" in first.message("en")
