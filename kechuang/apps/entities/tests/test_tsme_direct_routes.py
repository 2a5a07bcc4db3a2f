"""Tech-SME direct confirmation routes 2 and 4 (国科发政〔2017〕115号 第七条 as the 管理中心's
FAQ gives it, rules.md §2.5): a national S&T award among the first three award units, or
leading an international, national or industry standard, "近五年内". Reading R26: for
application year Y an award or standard of year Y−5 … Y counts (``tsme_recent_years`` = 5).
The two facts are the platform's optional exchange columns; a file without them (the
shared exchange table) reads as "none known"."""

from __future__ import annotations

import datetime

import pytest

from kechuang.apps.entities import actions
from kechuang.apps.entities.models import AssessmentResult, Entity
from kechuang.engine.assess import AssessOptions, assess, explain
from kechuang.engine.exchange import COLUMN_BY_KEY, PLATFORM_KEYS, exchange_from_rows

from .conftest import FACTS

USCC = "91150105MA0000001J"
# a firm that meets 第六条(一)–(四) but fails the score: S&T staff 5 % scores 0 (veto)
WEAK = {**FACTS, "tech_staff": "5", "ip_class1": 0, "ip_class2": 0}


def _rows(**entity):
    return [{"uscc": USCC, "name": "示例", "division_code": "150105", "registered_on": "2015-03-01",
             "industry_code": "I6513", "year": year, **WEAK, **entity} for year in (2022, 2023, 2024)]


def _tsme(options=None, **entity):
    return assess(exchange_from_rows(_rows(**entity)), 2025, datetime.date(2025, 6, 30),
                  options or AssessOptions()).records()[0]["tsme"]


@pytest.mark.parametrize("key", PLATFORM_KEYS)
def test_a_route_of_five_years_before_confirms_and_six_years_before_does_not(key):
    assert _tsme()["eligible"] is False and _tsme()["direct"] is False   # neither route: the score decides
    assert _tsme(**{key: 2020})["direct"] is True and _tsme(**{key: 2020})["eligible"] is True   # Y − 5
    assert _tsme(**{key: 2025})["direct"] is True                        # the application year itself
    assert _tsme(**{key: 2019})["direct"] is False                       # Y − 6
    assert _tsme(**{key: 2026})["direct"] is False                       # not yet
    assert _tsme(AssessOptions(tsme_recent_years=6), **{key: 2019})["direct"] is True   # the setting


def test_a_route_still_needs_the_basic_conditions():
    assert _tsme(national_award_top3_year=2023, employees="600")["direct"] is False   # 第六条(二) size
    loose = AssessOptions(tsme_direct_needs_basic=False)
    assert _tsme(loose, national_award_top3_year=2023, employees="600")["direct"] is True


def test_the_columns_are_the_platforms_optional_additions_read_by_chinese_header_too():
    assert COLUMN_BY_KEY["national_award_top3_year"].blank == "none"
    rows = [{COLUMN_BY_KEY[k].header if k == "led_standard_year" else k: v for k, v in row.items()}
            for row in _rows(led_standard_year=2021)]
    table = exchange_from_rows(rows)
    assert "led_standard_year" in table.columns and "national_award_top3_year" not in table.columns
    record = assess(table, 2025, datetime.date(2025, 6, 30), AssessOptions()).records()[0]
    assert record["tsme"]["direct"] is True
    text = explain(table, USCC, 2025).step("tsme.direct").text
    assert "主导制定国际、国家或行业标准 有" in text and "国家级科技奖励（获奖单位前三名）无" in text


@pytest.mark.django_db
def test_the_entity_form_keeps_the_years_and_a_stored_run_uses_them(registry, login):
    entity = registry.entities["wuhai"]
    for year in (2022, 2023, 2024):
        actions.do_save_facts(entity, year, acting_user=None, **WEAK)
    client = login(registry.officer_wuhai)
    form = {"uscc": entity.uscc, "name": entity.name, "kind": entity.kind, "org_unit": entity.org_unit.pk,
            "registered_on": "2015-03-01", "tech_field": "电子信息", "national_award_top3_year": "2021",
            "led_standard_year": ""}
    response = client.post(f"/entities/{entity.pk}/edit/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    entity.refresh_from_db()
    assert entity.national_award_top3_year == 2021 and entity.led_standard_year is None
    run = actions.do_run_assessment(year=2025, unit=registry.units["150300"], acting_user=registry.officer_wuhai)
    result = AssessmentResult.objects.get(run=run, entity=entity)
    assert result.tsme_direct is True and result.tsme_eligible is True
    assert result.facts["entity"]["national_award_top3_year"] == 2021
    assert "2021" in client.get(f"/entities/{entity.pk}/").content.decode()
    # an import without the columns leaves them as they are; with them, it sets them
    actions.do_import_exchange(exchange_from_rows([{**row, "uscc": entity.uscc, "division_code": "150302"}
                                                   for row in _rows()]), acting_user=None)
    entity.refresh_from_db()
    assert entity.national_award_top3_year == 2021
    actions.do_import_exchange(exchange_from_rows([{**row, "uscc": entity.uscc, "division_code": "150302"}
                                                   for row in _rows(led_standard_year=2024)]), acting_user=None)
    assert Entity.objects.get(pk=entity.pk).led_standard_year == 2024
