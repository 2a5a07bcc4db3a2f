"""The evaluation mathematics, with worked cases (docs/plans.md §Evaluation)."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.engine.indicators import (
    Batch,
    Observation,
    Thresholds,
    evaluate,
    evaluate_batch,
    evaluate_many,
)
from kechuang.engine.indicators.core import REASONS, STATUS_NAMES
from kechuang.engine.plans import Baseline, Chapter, Indicator, Measure, Plan, Target, Task

NaN = math.nan


def run(values, first_year, as_of_year, **kwargs):
    out = evaluate_batch(Batch.single(values, first_year=first_year, **kwargs), as_of_year=as_of_year,
                         thresholds=kwargs.pop("thresholds", None) if "thresholds" in kwargs else None)
    row = {k: (v[0].item() if hasattr(v[0], "item") else v[0]) for k, v in out.items()}
    row["status"] = STATUS_NAMES[row["status"]]
    row["reason"] = REASONS[row["reason"]]
    return row


def close(a, b, tol=1e-6):
    return a is not None and not math.isnan(a) and abs(a - b) <= tol * max(1.0, abs(b))


# --- a plain target, worked by hand ------------------------------------------------------


def test_it_computes_achievement_progress_schedule_and_required_growth_for_a_plain_target():
    # baseline 2020: 30, target 2025: ≥100, latest 2023: 65 (a count: linear path)
    r = run([30, NaN, NaN, 65], 2020, 2024, base_year=2020, target_year=2025, target_value=100)
    assert close(r["achievement"], 0.65)  # 65 / 100
    assert close(r["progress"], 0.5)  # (65 − 30) / (100 − 30)
    assert close(r["elapsed"], 0.6)  # (2023 − 2020) / (2025 − 2020)
    assert close(r["expected"], 72.0)  # 30 + 70 × 0.6
    assert close(r["schedule_index"], 0.5 / 0.6)
    assert close(r["required_growth"], (100 / 65) ** 0.5 - 1)  # 需年均增长 24.0%
    assert close(r["required_increment"], 17.5)  # (100 − 65) / 2
    assert close(r["forecast"], 65 + 2 * 35 / 3)  # the trend line through 2020 and 2023
    assert r["status"] == "accelerate"  # share (88.3 − 30) / 70 = 0.83
    assert r["baseline_value"] == 30 and r["baseline_source"] == 2  # taken from the data


def test_it_forecasts_a_money_indicator_along_the_geometric_path_by_cagr():
    r = run([10, NaN, NaN, 15], 2020, 2024, base_year=2020, base_value=10, target_year=2025, target_value=20,
            geometric=True)
    assert close(r["expected"], 10 * 2 ** 0.6)
    assert close(r["cagr_observed"], 1.5 ** (1 / 3) - 1)
    assert close(r["forecast"], 15 * (1.5 ** (1 / 3)) ** 2)
    assert r["status"] == "on_track"  # forecast 19.66 reaches 96.6 % of the way


def test_it_uses_the_linear_trend_when_the_baseline_is_zero():
    r = run([0, NaN, NaN, 6], 2020, 2024, base_year=2020, base_value=0, target_year=2025, target_value=10,
            geometric=True)
    assert math.isnan(r["cagr_observed"])
    assert close(r["achievement"], 0.6) and close(r["progress"], 0.6)
    assert close(r["forecast"], 10.0)  # 6 + 2 × 2
    assert r["status"] == "on_track"


def test_it_judges_a_falling_indicator_with_a_zero_target():
    # 三清零: 40 firms without R&D in 2020, none by 2025 (lower is better)
    r = run([40, NaN, NaN, 16], 2020, 2024, base_year=2020, base_value=40, target_year=2025, target_value=0,
            direction="lower", comparator="<=")
    assert close(r["progress"], 0.6)  # (16 − 40) / (0 − 40)
    assert math.isnan(r["achievement"])  # a ratio to zero means nothing; progress says it
    assert close(r["required_increment"], -8.0)
    assert close(r["forecast"], 0.0)
    assert r["status"] == "on_track"


def test_it_inverts_the_achievement_of_a_lower_is_better_indicator():
    r = run([10, NaN, NaN, 6], 2020, 2024, base_year=2020, base_value=10, target_year=2025, target_value=5,
            direction="lower", comparator="<=")
    assert close(r["achievement"], 5 / 6)
    assert r["required_growth"] < 0  # 需年均下降


def test_it_flags_an_indicator_moving_away_from_its_target_as_deteriorating():
    r = run([30, NaN, 28], 2020, 2023, base_year=2020, base_value=30, target_year=2025, target_value=100)
    assert r["status"] == "deteriorating" and r["reason"] == "moving_away"


def test_it_marks_a_met_target_achieved_even_before_the_target_year():
    r = run([30, 120], 2020, 2022, base_year=2020, base_value=30, target_year=2025, target_value=100)
    assert r["status"] == "achieved" and r["met"]


def test_it_treats_greater_than_strictly():
    r = run([30, 100], 2020, 2025, base_year=2020, target_year=2021, target_value=100, comparator=">")
    assert r["status"] == "lagging" and r["reason"] == "missed"


# --- targets whose year has passed --------------------------------------------------------


def test_it_assesses_a_passed_target_up_to_its_year_and_ignores_later_values():
    values = [30, NaN, NaN, NaN, NaN, 90, 130]  # 2020 … 2026; the target year 2025 had 90
    r = run(values, 2020, 2027, base_year=2020, target_year=2025, target_value=100)
    assert r["latest_year"] == 2025 and r["latest_value"] == 90
    assert r["final"] and r["status"] == "lagging" and r["reason"] == "missed"


def test_it_marks_a_passed_target_met_in_its_year_achieved():
    r = run([30, NaN, NaN, NaN, NaN, 101], 2020, 2027, base_year=2020, target_year=2025, target_value=100)
    assert r["status"] == "achieved"


# --- rule targets --------------------------------------------------------------------------


def test_it_doubles_a_baseline_taken_from_the_data():
    # 科技经费投入较2024年翻一番: the 2024 value comes from the reports
    r = run([50, 60, 75], 2024, 2026, base_year=2024, target_year=2027, rule="double_baseline", geometric=True)
    assert r["target_value"] == 100 and r["baseline_value"] == 50
    assert close(r["forecast"], 75 * 1.5 ** 0.5)  # CAGR since 2024 carried one more year
    assert r["status"] == "accelerate"


def test_it_cannot_double_a_baseline_nobody_reported():
    r = run([NaN, 60, 75], 2024, 2026, base_year=2024, target_year=2027, rule="double_baseline")
    assert r["status"] == "no_data" and r["reason"] == "no_baseline"


def test_it_requires_every_year_to_rise_for_increase_yearly():
    rising = run([30, 35, 38], 2024, 2026, target_year=2027, target_value=40, comparator=">",
                 rule="increase_yearly", start=2025)
    assert rising["broken_years"] == 0 and rising["status"] in ("on_track", "accelerate")
    dipped = run([30, 35, 34], 2024, 2026, target_year=2027, target_value=40, comparator=">",
                 rule="increase_yearly", start=2025)
    assert dipped["broken_years"] == 1 and dipped["status"] == "lagging" and dipped["reason"] == "not_increasing"


def test_it_keeps_an_early_met_increase_yearly_target_on_track_until_its_year():
    early = run([30, 45], 2024, 2025, target_year=2027, target_value=40, comparator=">", rule="increase_yearly",
                start=2025)
    assert early["status"] == "on_track" and early["reason"] == "met_so_far"


def test_it_judges_a_rank_that_must_improve_every_year():
    # R&D ranking among provincial capitals 逐年提高: the number must fall every year
    r = run([20, 18, 17], 2024, 2026, target_year=2027, rule="increase_yearly", direction="lower", comparator="<=",
            start=2025)
    assert r["status"] == "on_track" and r["broken_years"] == 0
    done = run([20, 18, 17, 15], 2024, 2027, target_year=2027, rule="increase_yearly", direction="lower",
               comparator="<=", start=2025)
    assert done["status"] == "achieved"


def test_it_adds_up_a_cumulative_target_over_the_period():
    # 技术合同成交额累计突破60亿元 from 2021
    r = run([NaN, 10, 12, 14], 2020, 2024, target_year=2025, target_value=60, comparator=">", rule="cumulative",
            start=2021)
    assert r["latest_value"] == 36 and r["baseline_value"] == 0
    assert close(r["required_increment"], 12.0)
    assert close(r["forecast"], 60.0)  # 36 + 12 a year × 2
    assert r["status"] == "on_track"
    reached = run([NaN, 30, 31], 2020, 2023, target_year=2025, target_value=60, comparator=">", rule="cumulative",
                  start=2021)
    assert reached["status"] == "achieved"


def test_it_compares_a_growth_rate_target_directly():
    # 全社会研发经费投入增长: reported rates −28.01 (2019), 20, 25, 24; target 年均 ≥ 23 % over 2021–2025
    r = run([-28.01, NaN, 20, 25, 24], 2019, 2024, base_year=2019, base_value=-28.01, target_year=2025,
            target_value=23, rule="annual_growth", rate_type=True, start=2021)
    average = (1.20 * 1.25 * 1.24) ** (1 / 3) - 1
    assert close(r["latest_value"], average * 100)
    assert close(r["achievement"], average * 100 / 23)
    assert close(r["required_growth"], (1.23 ** 5 / (1.20 * 1.25 * 1.24)) ** 0.5 - 1)
    assert r["forecast_method"] == 3  # the average rate so far, never a CAGR of a rate
    assert r["status"] == "on_track"


def test_it_derives_growth_from_levels_and_checks_each_year():
    # 各级财政科技投入确保年度增长20%: 100 → 121 → 140 (15.7 % in 2026)
    r = run([100, 121, 140], 2024, 2026, target_year=2027, target_value=20, rule="annual_growth", each_year=True,
            start=2025)
    assert close(r["latest_value"], (140 / 121 - 1) * 100)
    assert r["status"] == "lagging" and r["reason"] == "year_below_rate"


def test_it_achieves_an_average_growth_target_only_when_the_last_year_is_in():
    values = [100, 125, 150, 190]  # 2024 … 2027
    r = run(values, 2024, 2028, target_year=2027, target_value=20, rule="annual_growth", start=2025)
    assert r["final"] and r["status"] == "achieved"


def test_it_raises_a_baseline_by_percentage_points():
    r = run([12, NaN, 15], 2020, 2023, target_year=2025, target_value=5, rule="increase_by", start=2021)
    assert r["target_value"] == 17 and close(r["progress"], 0.6)


def test_it_judges_a_band_target():
    inside = run([1, 4], 2019, 2020, target_year=2020, target_value=3, upper=5, comparator="between", direction="band")
    below = run([1, 2], 2019, 2020, target_year=2020, target_value=3, upper=5, comparator="between", direction="band")
    above = run([1, 6], 2019, 2020, target_year=2020, target_value=3, upper=5, comparator="between", direction="band")
    assert inside["status"] == "achieved"
    assert below["status"] == "lagging" and below["target_value"] == 3
    assert above["status"] == "lagging" and above["target_value"] == 5


# --- thresholds ------------------------------------------------------------------------------


def test_it_holds_binding_indicators_stricter():
    data = dict(base_year=2020, base_value=30, target_year=2025, target_value=100)
    assert run([30, NaN, NaN, 65], 2020, 2024, **data)["status"] == "accelerate"
    assert run([30, NaN, NaN, 65], 2020, 2024, binding=True, **data)["status"] == "lagging"


def test_it_takes_thresholds_from_the_caller():
    batch = Batch.single([30, NaN, NaN, 65], first_year=2020, base_year=2020, target_year=2025, target_value=100)
    out = evaluate_batch(batch, 2024, Thresholds(on_track=0.8))
    assert STATUS_NAMES[out["status"][0]] == "on_track"


def test_it_says_no_data_with_a_single_point_and_no_baseline():
    r = run([NaN, 50], 2020, 2022, target_year=2025, target_value=100, start=2021)
    assert r["status"] == "no_data" and r["reason"] == "too_few_points"
    none = run([NaN, NaN], 2020, 2022, target_year=2025, target_value=100)
    assert none["status"] == "no_data" and none["reason"] == "no_values"


# --- vectorised = one by one ---------------------------------------------------------------

values_strategy = st.lists(st.one_of(st.none(), st.floats(0.5, 500)), min_size=6, max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(values_strategy, st.sampled_from([0, 1, 2, 3, 4, 5]), st.booleans(),
                          st.floats(1, 600)), min_size=1, max_size=6))
def test_it_gives_the_same_answer_for_a_row_alone_and_in_a_batch(rows):
    grid = np.array([[np.nan if v is None else v for v in values] for values, *_ in rows])
    rules = np.array([rule for _, rule, _, _ in rows])
    target = np.array([goal if rule not in (1, 4) else (15.0 if rule == 4 else np.nan) for _, rule, _, goal in rows])
    lower = np.array([flag and rule in (0, 3) for _, rule, flag, _ in rows])
    kwargs = dict(first_year=2020, target_year=2025, base_year=np.where(rules == 1, 2020, np.nan),
                  direction=np.where(lower, -1, 1), comparator=np.where(lower, 2, 0), start=2021)
    together = evaluate_batch(Batch(grid, target_value=target, rule=rules, **kwargs), 2025)
    for i in range(len(rows)):
        single = {k: v[i] if np.ndim(v) else v for k, v in kwargs.items()}
        alone = evaluate_batch(Batch(grid[i:i + 1], target_value=target[i:i + 1], rule=rules[i:i + 1], **single), 2025)
        for key in ("status", "achievement", "progress", "forecast", "required_growth", "share"):
            a, b = together[key][i], alone[key][0]
            assert (np.isnan(a) and np.isnan(b)) if isinstance(a, float) and np.isnan(a) else a == pytest.approx(b), key


@settings(max_examples=60, deadline=None)
@given(st.floats(1, 1000), st.floats(1, 1000), st.floats(1, 1000))
def test_it_never_reports_more_progress_for_a_lower_value(base, low, high):
    low, high = sorted((low, high))
    goal = base * 2
    a = run([base, NaN, low], 2020, 2023, base_year=2020, base_value=base, target_year=2025, target_value=goal)
    b = run([base, NaN, high], 2020, 2023, base_year=2020, base_value=base, target_year=2025, target_value=goal)
    assert a["progress"] <= b["progress"] + 1e-9 and a["achievement"] <= b["achievement"] + 1e-9


# --- one plan: observations, as of a date, explanations -----------------------------------


def small_plan() -> Plan:
    plan = Plan(code="demo", title="演示规划", source="000_c8b8e38b7f624e86.txt", period_start=2021, period_end=2025,
                city="150300", owner_unit="乌海市科学技术局", chapters=[Chapter("1", "第一章"), Chapter("2", "第二章")])
    plan.indicators = [
        Indicator(code="hte-count", name="高新技术企业数量", unit="家", catalogue="hte-count", chapter="1",
                  baseline=Baseline(2020, 30), targets=[Target(2025, 100)], plan_code="demo", quote="q"),
        Indicator(code="rd-spending", name="研发投入", unit="万元", catalogue="rd-spending", reported_unit="亿元",
                  chapter="2", lead_unit="乌海市财政局", baseline=Baseline(2020, 40000), targets=[Target(2025, 76800)],
                  measure=Measure(temporal="flow"), plan_code="demo", quote="q"),
        Indicator(code="turnover", name="技术合同成交额", unit="亿元", chapter="2", plan_code="demo", quote="q",
                  targets=[Target(2025, 60, ">", "cumulative", since=2021)], measure=Measure(temporal="flow",
                                                                                           frequency="quarter",
                                                                                           basis="ytd")),
    ]
    plan.tasks = [Task("1", "任务一", units=["乌海市科学技术局", "乌海市财政局"]), Task("2", "任务二")]
    return plan


def obs(indicator, period, value, known, unit="150300"):
    return Observation(indicator, unit, period, value, known)


def test_it_evaluates_with_the_data_as_known_on_a_date():
    plan = small_plan()
    values = [obs("hte-count", "2023", 60, datetime.date(2024, 3, 1)),
              obs("hte-count", "2023", 70, datetime.date(2024, 9, 1))]  # a later revision
    before = evaluate(plan, values, datetime.date(2024, 6, 30))
    after = evaluate(plan, values, datetime.date(2024, 12, 31))
    first = next(i for i in before["indicators"] if i["code"] == "hte-count")
    second = next(i for i in after["indicators"] if i["code"] == "hte-count")
    assert first["latest"]["value"] == 60 and second["latest"]["value"] == 70
    nothing_yet = evaluate(plan, values, datetime.date(2024, 1, 1))
    assert next(i for i in nothing_yet["indicators"] if i["code"] == "hte-count")["status"] == "no_data"


def test_it_returns_the_numbers_and_a_chinese_explanation_for_each_indicator():
    plan = small_plan()
    values = [obs("hte-count", "2023", 65, datetime.date(2024, 3, 1))]
    result = evaluate(plan, values, datetime.date(2024, 6, 30))
    item = next(i for i in result["indicators"] if i["code"] == "hte-count")
    assert {"achievement", "required_growth", "forecast", "status"} <= set(item)
    assert item["forecast"]["method"] == "linear" and item["forecast"]["year"] == 2025
    assert item["status"] == "accelerate" and item["colour"] == "yellow" and item["status_label"] == "需加快"
    text = item["explanation"]["text"]
    assert "完成率65.0%" in text and "需年均增长24.0%" in text and "判定:需加快" in text
    assert item["explanation"]["numbers"]["latest_value"] == 65
    assert "Achievement 65.0%" in item["explanation"]["text_en"]


def test_it_converts_values_reported_in_the_catalogue_unit():
    plan = small_plan()
    values = [obs("rd-spending", "2023", 6.0, datetime.date(2024, 9, 1))]  # 6亿元 = 60000万元
    item = next(i for i in evaluate(plan, values, datetime.date(2024, 12, 31))["indicators"]
                if i["code"] == "rd-spending")
    assert item["latest"]["value"] == 60000


def test_it_reads_quarterly_year_to_date_reports():
    plan = small_plan()
    values = [obs("demo/turnover", "2021", 10, datetime.date(2022, 2, 1)),
              obs("demo/turnover", "2022", 12, datetime.date(2023, 2, 1)),
              obs("turnover", "2023Q2", 5, datetime.date(2023, 7, 15))]  # the bare code works inside one plan
    item = next(i for i in evaluate(plan, values, datetime.date(2023, 8, 1))["indicators"] if i["code"] == "turnover")
    assert item["latest"] == {"year": 2022, "value": 22, "partial": False}  # a flow's half year stays out
    assert item["ytd"]["quarter"] == 2 and item["ytd"]["value"] == 5 and item["ytd"]["typical_share"] == 0.5
    # 60 by 2025 with 22 in hand after 2022: (60 − 22) / 3 a year still needed, half of it by June
    assert item["ytd"]["expected"] == pytest.approx(38 / 3 * 0.5, rel=1e-5)


def test_it_rolls_up_per_plan_chapter_and_responsible_unit():
    plan = small_plan()
    values = [obs("hte-count", "2023", 120, datetime.date(2024, 3, 1)),
              obs("rd-spending", "2021", 4.2, datetime.date(2022, 9, 1)),
              obs("rd-spending", "2023", 3.9, datetime.date(2024, 9, 1))]
    rollups = evaluate(plan, values, datetime.date(2024, 12, 31))["rollups"]
    assert rollups["plan"]["counts"]["achieved"] == 1 and rollups["plan"]["counts"]["deteriorating"] == 1
    assert rollups["plan"]["tasks"] == 2
    chapters = {c["chapter"]: c for c in rollups["chapters"]}
    assert chapters["1"]["on_track_share"] == 1 and chapters["2"]["worst"] == "deteriorating"
    units = {u["unit"]: u for u in rollups["units"]}
    assert units["乌海市财政局"]["counts"]["deteriorating"] == 1 and units["乌海市财政局"]["tasks"]["participating"] == 1
    assert units["乌海市科学技术局"]["tasks"]["lead"] == 2  # task 2 names no unit: the plan's owner leads it


def test_it_judges_decomposed_targets_on_each_unit():
    plan = small_plan()
    hte = plan.indicators[0]
    from kechuang.engine.plans import Part, UnitRef

    hte.targets[0].parts = [Part("海勃湾区", 60, unit_ref=UnitRef("海勃湾区", ("150302",), "resolved")),
                            Part("海南区", 40, unit_ref=UnitRef("海南区", ("150303",), "resolved"))]
    values = [obs("hte-count", "2020", 20, datetime.date(2021, 3, 1), unit="150302"),
              obs("hte-count", "2023", 65, datetime.date(2024, 3, 1), unit="150302"),
              obs("hte-count", "2020", 10, datetime.date(2021, 3, 1), unit="150303"),
              obs("hte-count", "2023", 12, datetime.date(2024, 3, 1), unit="150303")]
    item = evaluate(plan, values, datetime.date(2024, 6, 30))["indicators"][0]
    parts = {p["unit"]: p for p in item["parts"]}
    assert parts["海勃湾区"]["status"] == "achieved" and parts["海南区"]["status"] == "lagging"


def test_it_uses_the_plans_baseline_only_for_the_plans_own_place():
    plan = small_plan()  # baseline 2020: 30 high-tech enterprises in the city (150300)
    values = [obs("hte-count", "2020", 8, datetime.date(2021, 3, 1), unit="150302"),
              obs("hte-count", "2023", 20, datetime.date(2024, 3, 1), unit="150302"),
              obs("hte-count", "2023", 65, datetime.date(2024, 3, 1))]
    county = evaluate(plan, values, datetime.date(2024, 6, 30), unit="150302")["indicators"][0]
    city = evaluate(plan, values, datetime.date(2024, 6, 30))["indicators"][0]
    assert county["baseline"] == {"year": 2020, "value": 8, "source": "observed"}
    assert city["baseline"] == {"year": 2020, "value": 30, "source": "plan"}
    frame = evaluate_many([plan], values, datetime.date(2024, 6, 30))
    by_unit = {r["org_unit"]: r for r in frame.filter(frame["indicator"] == "hte-count").iter_rows(named=True)}
    assert by_unit["150302"]["baseline_value"] == 8 and by_unit["150300"]["baseline_value"] == 30


def test_it_judges_decomposed_parts_alike_one_by_one_and_vectorised():
    plan = small_plan()
    from kechuang.engine.plans import Part, UnitRef

    plan.indicators[0].targets[0].parts = [Part("海勃湾区", 60, unit_ref=UnitRef("海勃湾区", ("150302",), "resolved"))]
    values = [obs("hte-count", "2020", 20, datetime.date(2021, 3, 1), unit="150302"),
              obs("hte-count", "2023", 45, datetime.date(2024, 3, 1), unit="150302")]
    part = evaluate(plan, values, datetime.date(2024, 6, 30))["indicators"][0]["parts"][0]
    frame = evaluate_many([plan], values, datetime.date(2024, 6, 30))
    row = frame.filter(frame["org_unit"] == "150302").row(0, named=True)
    assert row["target_from_part"] and row["target_value"] == 60
    assert row["status"] == part["status"] and row["achievement"] == pytest.approx(part["achievement"])


def test_it_agrees_with_the_vectorised_evaluation_of_many_units():
    plan = small_plan()
    values = []
    for unit, last in (("150302", 65), ("150303", 101), ("150304", 25)):
        values += [obs("hte-count", "2020", 30, datetime.date(2021, 3, 1), unit=unit),
                   obs("hte-count", "2023", last, datetime.date(2024, 3, 1), unit=unit)]
    frame = evaluate_many([plan], values, datetime.date(2024, 6, 30))
    for unit in ("150302", "150303", "150304"):
        one = evaluate(plan, values, datetime.date(2024, 6, 30), unit=unit)["indicators"][0]
        row = frame.filter((frame["org_unit"] == unit) & (frame["indicator"] == "hte-count")).row(0, named=True)
        assert row["status"] == one["status"]
        assert row["achievement"] == pytest.approx(one["achievement"])
        assert row["forecast"] == pytest.approx(one["forecast"]["value"])


def test_it_reads_quarterly_reports_alike_one_by_one_and_vectorised():
    plan = small_plan()
    plan.indicators[1].measure = Measure(temporal="flow", frequency="quarter", basis="quarter")
    known = datetime.date(2024, 10, 20)
    values = [obs("hte-count", "2020", 30, known), obs("hte-count", "2023", 50, known),
              obs("hte-count", "2024Q2", 60, known), obs("hte-count", "2024Q3", 66, known)]  # a stock, part-year
    values += [obs("rd-spending", f"{year}Q{q}", 1.0 + q / 10 + (year - 2021) / 5, known)
               for year in (2021, 2022, 2023) for q in (1, 2, 3, 4)]  # a flow, quarter by quarter
    values += [obs("rd-spending", "2024Q1", 2.0, known)]  # an incomplete year stays out
    one = {i["code"]: i for i in evaluate(plan, values, datetime.date(2024, 12, 31))["indicators"]}
    assert one["hte-count"]["latest"] == {"year": 2024, "value": 66, "partial": True}
    assert one["rd-spending"]["latest"]["year"] == 2023
    frame = evaluate_many([plan], values, datetime.date(2024, 12, 31))
    for code in ("hte-count", "rd-spending"):
        row = frame.filter(frame["indicator"] == code).row(0, named=True)
        assert row["latest_year"] == one[code]["latest"]["year"]
        assert row["latest_value"] == pytest.approx(one[code]["latest"]["value"])
        assert row["status"] == one[code]["status"] and row["elapsed"] == pytest.approx(one[code]["elapsed"])


def test_it_keeps_the_latest_revision_in_the_vectorised_evaluation():
    plan = small_plan()
    values = [obs("hte-count", "2023", 60, datetime.date(2024, 3, 1)),
              obs("hte-count", "2023", 99, datetime.date(2024, 9, 1)),
              obs("hte-count", "2023", 70, datetime.date(2024, 5, 1))]
    frame = evaluate_many([plan], values, datetime.date(2024, 6, 30))
    row = frame.filter(frame["indicator"] == "hte-count").row(0, named=True)
    assert row["latest_value"] == 70
