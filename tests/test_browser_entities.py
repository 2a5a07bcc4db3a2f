"""Stored assessments in a real browser: an officer starts a run, then sees the results,
the high-tech candidate pool with its gaps, and the ladder chart. The screenshots
docs/img/entities-pool.png and docs/img/entities-ladder.png are written on every run."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from tests.browsing import log_in, submit_main_form, table_rows

pytestmark = pytest.mark.browser

M = 1_000_000
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "img"


def _candidate(people):
    """Wuhai's persona entity: a registered tech SME whose R&D is 4.0 % of sales (5 % needed)."""
    from kechuang.apps.entities import actions
    from kechuang.apps.entities.models import TsmeRegistration

    entity = people.entities["wuhai"]
    actions.do_update_entity(entity, acting_user=None, registered_on=datetime.date(2015, 3, 1), tech_field="电子信息")
    for year in (2022, 2023, 2024):
        actions.do_save_facts(entity, year, acting_user=None, employees="100", tech_staff="30",
                              sales_revenue=str(40 * M), total_income=str(41 * M), high_tech_income=str(32 * M),
                              rd_expense="1600000", rd_expense_domestic="1600000", total_cost_expense=str(38 * M),
                              net_assets=str(20 * M), total_assets=str(60 * M), ip_class1=1, ip_class2=5,
                              conversions=3, major_incident=False)
    TsmeRegistration.objects.create(entity=entity, year=2025)
    return entity


def test_an_officer_runs_the_assessment_and_sees_the_pool(page, site):
    entity = _candidate(site.people)
    log_in(page, site, "officer_wuhai")
    page.goto(site("/entities/assessments/pool/"))
    assert page.get_by_test_id("no-results").is_visible()
    with page.expect_navigation():
        page.get_by_test_id("start-run").click()
    page.fill("#id_year", "2025")
    submit_main_form(page)
    assert re.fullmatch(re.escape(site("/tasks/")) + r"[0-9a-f-]{36}/", page.url), page.url
    assert page.get_by_test_id("task-status").inner_text().strip() == "成功"  # “Succeeded”

    page.goto(site("/entities/assessments/pool/?year=2025"))
    rows = table_rows(page)
    assert len(rows) == 1 and rows[0][1] == entity.name
    assert "研发费用占比 4.0%，需达到 5.0%" in rows[0][5]
    page.set_viewport_size({"width": 1400, "height": 800})
    page.screenshot(path=str(SCREENSHOTS / "entities-pool.png"))

    page.goto(site("/entities/assessments/?year=2025"))
    names = [row[1] for row in table_rows(page)]
    assert entity.name in names and "呼和浩特示例材料有限公司" not in names

    page.goto(site("/entities/assessments/ladder/?year=2025"))
    assert page.locator("#ladder-chart svg").count() == 1
    assert "海勃湾区" in page.get_by_test_id("ladder-table").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "entities-ladder.png"))

    page.goto(site(entity.get_absolute_url()))
    assert "2025" in page.get_by_test_id("stored-assessments").inner_text()


def test_an_officer_enters_a_led_standard_and_the_entity_page_confirms_the_tech_sme_directly(page, site):
    """Direct confirmation route 4 (主导制定标准, 近五年内): entered on the entity form, used by
    the explain trace on the entity page."""
    entity = _candidate(site.people)
    log_in(page, site, "officer_wuhai")
    page.goto(site(f"/entities/{entity.pk}/edit/"))
    page.fill("#id_led_standard_year", "2021")
    submit_main_form(page)
    assert page.url.endswith(f"/entities/{entity.pk}/"), page.url
    body = page.locator("main").inner_text()
    assert "2021" in body
    assert "近五年内主导制定国际、国家或行业标准 有" in body
