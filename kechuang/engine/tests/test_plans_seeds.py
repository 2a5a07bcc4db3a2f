"""The shipped plan files (data/plans): they load clean, and each seed has its plan with the
key targets read off the seed."""

from __future__ import annotations

import datetime
import functools
from pathlib import Path

import pytest

from kechuang.engine.indicators import Observation, evaluate
from kechuang.engine.plans import PlanSet, UnitDirectory, export_plans, load_plans

ROOT = Path(__file__).resolve().parents[3]
PLANS = ROOT / "data" / "plans"
UNIT_DATA = ROOT / "kechuang" / "apps" / "accounts" / "data"
SEEDS = ("000_c8b8e38b7f624e86.txt", "001_c4809a931eea8ed6.txt", "002_5870ac073aeaf197.txt",
         "003_02226070e1fb5b6e.txt", "004_156efd065d96fdef.txt")
COMPUTATIONS = {"entities.hte_count", "entities.tsme_count", "entities.rd_active_share",
                "entities.above_scale_without_rd_expense", "entities.above_scale_without_rd_institution",
                "entities.above_scale_without_invention_patent", "entities.above_scale_rd_revenue_ratio"}


@functools.cache
def shipped_units() -> UnitDirectory:
    return UnitDirectory.from_reference_files(UNIT_DATA / "admin_divisions_150000.csv", UNIT_DATA / "seed_units.yaml")


@functools.cache
def shipped() -> PlanSet:
    return load_plans(PLANS, units=shipped_units(), computations=COMPUTATIONS)


def targets(plan, code):
    return [(t.year, t.value, t.comparator, t.rule) for t in plan.indicator(code).targets]


def test_it_loads_every_plan_file_clean():
    result = shipped()
    assert result.errors == [], "\n".join(str(i) for i in result.errors)
    # the only warnings: seed 004 names no city; its one "提高5个百分点" has no baseline year
    assert sorted((i.file, i.code) for i in result.warnings) == [
        ("sti-strong-city-3yr.yaml", "baseline_required"), ("sti-strong-city-3yr.yaml", "org_unit_unplaced")]


def test_it_has_one_plan_per_seed():
    assert sorted(p.source for p in shipped()) == sorted(SEEDS)


def test_it_keeps_every_target_year_inside_its_plans_period():
    for plan in shipped():
        for indicator in plan.indicators:
            assert indicator.quote, (plan.code, indicator.code)
            for target in indicator.targets:
                assert plan.period_start <= target.year <= plan.period_end, (plan.code, indicator.code)


def test_it_reads_seed_000s_table_of_eight_indicators_with_their_baselines():
    plan = shipped().by_source(SEEDS[0])
    assert (plan.code, plan.document_number, plan.period_start, plan.period_end) == (
        "wuhai-sti-14th", "乌海政办发〔2022〕26号", 2021, 2025)
    table = {"rd-spending-growth": (2019, -28.01, 23), "rd-staff-per-10k": (2019, 18.44, 30),
             "tech-market-turnover": (2020, 3.83, 5), "high-value-patents-per-10k": (2020, 0.45, 0.6),
             "hte-per-10k-firms": (2020, 22.46, 50), "digital-core-share": (2020, 0.25, 0.5),
             "rd-revenue-ratio-above-scale": (2020, 0.54, 1), "science-literacy": (2020, 9.0, 12)}
    for code, (year, base, goal) in table.items():
        indicator = plan.indicator(code)
        assert (indicator.baseline.year, indicator.baseline.value) == (year, base), code
        assert indicator.targets[0].year == 2025 and indicator.targets[0].value == goal, code
        assert indicator.kind == "expected" and indicator.chapter == "1"
    assert targets(plan, "rd-spending-growth") == [(2025, 23, ">=", "annual_growth")]
    assert plan.indicator("rd-spending-growth").value_type == "rate"


def test_it_reads_the_other_targets_of_seed_000s_chapters_and_boxes():
    plan = shipped().by_source(SEEDS[0])
    assert targets(plan, "hte-count") == [(2025, 100, ">=", None)]
    assert plan.indicator("hte-count").baseline.value == 30
    assert targets(plan, "tsme-count") == [(2025, 50, ">=", None)]
    assert plan.indicator("tsme-count").baseline.value is None  # "增加至11家" gives no year
    assert targets(plan, "rd-spending") == [(2025, 7.68, ">=", None)]
    assert targets(plan, "gov-rd-spending") == [(2025, 1.15, ">=", None), (2025, 23, ">=", "annual_growth")]
    assert targets(plan, "rd-intensity") == [(2025, 1.03, ">=", None)]
    assert targets(plan, "above-scale-without-rd-expense") == [(2025, 0, "<=", None)]
    assert targets(plan, "new-regional-rd-centres") == [(2025, 10, ">=", "cumulative")]
    assert targets(plan, "new-rd-institutions-regional") == [(2025, 7, ">=", None)]
    assert len(plan.indicators) == 28 and len(plan.tasks) == 26
    assert [t.number for t in plan.tasks] == [str(n) for n in range(1, 27)]


def test_it_reads_seed_001s_three_doublings_three_yearly_rises_and_26_tasks():
    plan = shipped().by_source(SEEDS[1])
    for code in ("sti-funding", "academician-workstations", "leading-tech-enterprises"):
        indicator = plan.indicator(code)
        assert (indicator.baseline.year, indicator.baseline.value) == (2024, None)
        assert targets(plan, code) == [(2027, None, ">=", "double_baseline")]
    assert targets(plan, "sti-platforms-regional") == [(2027, 40, ">", "increase_yearly")]
    assert targets(plan, "national-tech-enterprises") == [(2027, 1300, ">", "increase_yearly")]
    assert targets(plan, "tech-contract-turnover") == [(2027, 20, ">=", "increase_yearly")]
    assert targets(plan, "hitech-output-share") == [(2027, 40, ">=", None)]
    assert targets(plan, "tech-services-gdp-share") == [(2027, 8, ">=", None)]
    assert targets(plan, "rd-rank-capitals") == [(2027, None, "<=", "increase_yearly")]
    assert len(plan.tasks) == 26
    assert plan.task("11").lead_unit == "市投资促进局" and plan.task("16").lead_unit == "市委金融委员会办公室"
    assert plan.task("24").units[:2] == ["市中级人民法院", "市场监督管理局"]
    for task in plan.tasks:
        assert task.units_quote.replace("、", "").startswith("(责任单位:" + "".join(task.units))
        for name in task.units:
            assert plan.unit_refs[name].status == "resolved", name
    assert plan.unit_refs["各旗县区"].collective and plan.unit_refs["经济技术开发区"].code == "150172"


def test_it_reads_seed_002s_2022_and_2025_figures_and_ten_projects():
    plan = shipped().by_source(SEEDS[2])
    assert targets(plan, "fiscal-sti-spending-city") == [(2022, 1, ">=", None), (2025, 3, ">=", None)]
    assert [t.wording for t in plan.indicator("fiscal-sti-spending-city").targets] == ["力争", "确保"]
    assert targets(plan, "rd-intensity") == [(2025, 3, ">", None)]
    assert targets(plan, "rd-spending") == [(2025, 125, ">=", None)]
    assert targets(plan, "projects-implemented") == [(2025, 120, ">=", "cumulative")]
    assert len(plan.tasks) == 10 and plan.task("10").title == "稀土永磁材料抛光材料关键技术开发与成果转化工程"
    assert "(wù)" not in plan.task("1").reading and "(chǎn)" in plan.task("1").text  # raw kept, reading cleaned


def test_it_reads_seed_003s_targets_for_the_year():
    plan = shipped().by_source(SEEDS[3])
    assert (plan.period_start, plan.period_end) == (2020, 2020)
    assert targets(plan, "hte-count") == [(2020, 1000, ">", None)]
    band = plan.indicator("achievement-transfer-bases")
    assert band.direction == "band" and (band.targets[0].value, band.targets[0].upper) == (3, 5)
    assert targets(plan, "sme-loans-leveraged") == [(2020, 15, ">=", None)]
    assert len(plan.indicators) == 8 and len(plan.tasks) == 20
    assert plan.task("3.3").title == "做强科技+金融工作" and "365bet" in plan.task("3.3").text


def test_it_reads_seed_004s_2025_and_2030_targets():
    plan = shipped().by_source(SEEDS[4])
    assert plan.city is None and plan.period_end == 2030
    assert targets(plan, "hte-count") == [(2025, 300, ">=", None)]
    assert targets(plan, "rd-intensity") == [(2025, 1.8, ">=", None)]
    assert targets(plan, "tech-contract-turnover") == [(2025, 60, ">", "cumulative")]
    assert targets(plan, "strategic-emerging-share") == [(2025, 5, ">=", "increase_by")]
    assert targets(plan, "benchmark-enterprises") == [(2025, 100, ">=", None)]  # "IOO" read as 100
    assert {i.code for i in plan.indicators if i.targets[0].year == 2030} == {
        "new-drug-filings", "class2-device-licences", "disease-tech-breakthroughs", "clinical-research-centres"}
    assert len(plan.tasks) == 25


def test_it_points_the_same_measure_in_several_plans_to_one_catalogue_entry():
    result = shipped()
    users: dict[str, set[str]] = {}
    for plan in result:
        for indicator in plan.indicators:
            if indicator.catalogue:
                users.setdefault(indicator.catalogue, set()).add(plan.source[:3])
    assert users["hte-count"] == {"000", "003", "004"}
    assert users["rd-intensity"] == {"000", "002", "004"}
    assert users["tech-contract-turnover"] == {"000", "001", "004"}
    assert set(users) <= set(result.catalogue.entries)
    assert result.catalogue.entries["hte-count"].measure.computation == "entities.hte_count"


def test_it_exports_seed_000_as_in_the_issue():
    exported = {p["code"]: p for p in export_plans(shipped())}
    plan = exported["wuhai-sti-14th"]
    assert plan["title"] == "乌海市“十四五”科技创新规划" and plan["source"] == SEEDS[0]
    assert plan["period"] == {"start": 2021, "end": 2025}
    staff = next(i for i in plan["indicators"] if i["code"] == "rd-staff-per-10k")
    assert staff == {"code": "rd-staff-per-10k", "name": "每万名就业人员中研发人员", "unit": "人年",
                     "baseline": {"year": 2019, "value": 18.44},
                     "targets": [{"year": 2025, "value": 30, "comparator": ">="}]}
    doubling = next(i for i in exported["hohhot-sti-strong-city-2027"]["indicators"] if i["code"] == "sti-funding")
    assert doubling["baseline"] == {"year": 2024, "value": None}
    assert doubling["targets"] == [{"year": 2027, "comparator": ">=", "rule": "double_baseline"}]
    task = exported["hohhot-sti-strong-city-2027"]["tasks"][0]
    assert task["lead_unit"] == task["units"][0] == "市科学技术局"


@pytest.mark.parametrize("source", SEEDS)
def test_it_evaluates_every_shipped_plan_without_data(source):
    plan = shipped().by_source(source)
    result = evaluate(plan, [], datetime.date(2025, 6, 30))
    assert {i["status"] for i in result["indicators"]} == {"no_data"}
    assert len(result["indicators"]) == len(plan.indicators)


def test_it_evaluates_seed_000_from_reported_values():
    plan = shipped().by_source(SEEDS[0])
    known = datetime.date(2024, 9, 1)
    values = [Observation("hte-count", "150300", "2023", 85, known),
              Observation("wuhai-sti-14th/rd-staff-per-10k", "150300", "2023", 24.0, known),
              Observation("wuhai-sti-14th/rd-spending-growth", "150300", "2021", 30.0, known),
              Observation("wuhai-sti-14th/rd-spending-growth", "150300", "2022", 18.0, known)]
    result = evaluate(plan, values, datetime.date(2024, 12, 31))
    by_code = {i["code"]: i for i in result["indicators"]}
    assert by_code["hte-count"]["status"] == "on_track"
    assert by_code["rd-staff-per-10k"]["baseline"] == {"year": 2019, "value": 18.44, "source": "plan"}
    growth = by_code["rd-spending-growth"]
    assert growth["forecast"]["method"] == "mean_rate" and growth["latest"]["year"] == 2022
    assert "年均增长" in growth["explanation"]["text"]
