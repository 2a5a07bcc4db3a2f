"""The policies module in the browser (issue #5): an officer reads the policies, the budget
with its year × county × level table, runs a what-if with a changed cap, builds a
no-application list in the background and confirms a decision; an enterprise sees its own
benefits on its home page and cannot open another entity's."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from tests.browsing import log_in

pytestmark = pytest.mark.browser

M = 1_000_000
YEAR = 2025
HOHHOT = "hohhot_kjqs_2024"
AWARD = f"{HOHHOT}.rd_increment_award"
REPO = Path(__file__).resolve().parents[1]


def seed_facts(people):
    """R&D expense 2024 → 2025: Hohhot's firm +1,500万 (award 150万), a second Hohhot firm +500万
    (below the 1,000万 threshold), Wuhai's firm +3,000万; all above scale."""
    from kechuang.apps.entities import actions
    from kechuang.apps.policies import live
    from kechuang.testing import valid_uscc

    live.clear_cache()
    near = actions.do_create_entity(acting_user=None, uscc=valid_uscc("91150102MA0000003"),
                                    name="呼和浩特示例增量不足有限公司", org_unit=people.units["150102"])
    for entity, (before, now) in ((people.entities["hohhot"], (10 * M, 25 * M)), (near, (10 * M, 15 * M)),
                                  (people.entities["wuhai"], (10 * M, 40 * M))):
        for year, value in ((2024, before), (2025, now)):
            actions.do_save_facts(entity, year, acting_user=None, rd_expense=Decimal(value), is_above_scale=True,
                                  sales_revenue=Decimal(100 * M))
    return near


def cells(page, testid: str) -> list[list[str]]:
    rows = page.locator(f"[data-testid={testid}] tbody tr")
    return [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())]


def test_an_officer_reads_the_policies_budget_what_if_and_confirms_a_no_application_benefit(page, site):
    from kechuang.apps.policies.models import BenefitDecision

    people = site.people
    seed_facts(people)
    hohhot = people.entities["hohhot"]
    log_in(page, site, people.officer_hohhot.username)

    page.goto(site("/policies/"))
    policies = page.get_by_test_id("policies")
    row = policies.locator("tr", has_text="关于建设科技强市")
    assert "呼和浩特市" in row.get_by_test_id("territory").inner_text()
    with page.expect_navigation():
        row.locator("a").first.click()
    assert "关于建设科技强市" in page.locator("h1").inner_text()
    assert "呼和浩特市" in page.get_by_test_id("territory").inner_text()

    # the budget: the year × county × funding level table
    page.goto(site(f"/policies/budget/?year={YEAR}&years=2"))
    cross = page.get_by_test_id("budget-cross")
    assert cross.is_visible()
    county = next(r for r in cells(page, "budget-cross") if r[0] == "新城区")
    assert "150.00" in county and county[-1] == "300.00"  # 150万 in 2025 and in 2026
    assert page.get_by_test_id("budget-cross-total").locator("td").last.inner_text().strip() == "300.00"

    # what-if: the cap from 300万 to 100万
    page.goto(site(f"/policies/whatif/?policy={HOHHOT}&year={YEAR}&years=1"))
    page.fill("#p-rd_increment_cap", "100万")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    county = next(r for r in cells(page, "whatif-counties") if r[0] == "新城区")
    assert county[1:4] == ["150.00", "100.00", "-50.00"]
    assert page.locator("#whatif-chart svg").count() == 1

    # the no-application list, built in the background, then one decision confirmed
    page.goto(site(f"/policies/{HOHHOT}/no-application/?year={YEAR}"))
    assert page.get_by_test_id("no-run").is_visible()
    with page.expect_navigation():
        page.get_by_test_id("build-list").click()
    page.get_by_test_id("qualifying").wait_for()
    assert [r[1] for r in cells(page, "qualifying")] == [hohhot.name]
    page.locator(f"input[name=item][value='{hohhot.uscc}|{AWARD}']").check()
    with page.expect_navigation():
        page.locator("form:has([data-testid=qualifying]) button[type=submit]").first.click()
    assert page.locator("[data-testid=qualifying] .badge").count() == 1
    decision = BenefitDecision.objects.get(entity=hohhot, benefit=AWARD, year=YEAR)
    assert decision.amount == Decimal("1500000.00") and decision.confirmed_by == people.officer_hohhot


def test_an_enterprise_sees_its_own_benefits_and_not_another_entitys(page, site, settings, tmp_path):
    """Wuhai's firm has no grant from the shipped files in 2025 (Wuhai's plan's rate has no
    source), so this test extends the Hohhot policy's territory to Wuhai in a copy of the files."""
    from kechuang.apps.policies import live

    people = site.people
    seed_facts(people)
    copy = tmp_path / "policies"
    shutil.copytree(REPO / "data" / "policies", copy)
    path = copy / f"{HOHHOT}.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('territory: ["150100"]', 'territory: ["150100", "150300"]')
                    .replace("territory_label: 呼和浩特市", "territory_label: 呼和浩特市、乌海市"), encoding="utf-8")
    settings.POLICIES_DIR = str(copy)
    live.clear_cache()
    try:
        log_in(page, site, people.enterprise.username)
        page.goto(site("/"))
        block = page.get_by_test_id("home-benefits").inner_text()
        assert "符合" in block and "可获" in block and "规上企业研发投入增量支持" in block and "300.00" in block

        own = people.entities["wuhai"]
        response = page.goto(site(f"/policies/entities/{own.pk}/?year={YEAR}"))
        assert response.status == 200 and "规上企业研发投入增量支持" in page.locator("main").inner_text()
        other = page.goto(site(f"/policies/entities/{people.entities['hohhot'].pk}/?year={YEAR}"))
        assert other.status == 404
    finally:
        live.clear_cache()


def test_an_officer_changes_a_combined_cap_in_the_what_if_and_sees_a_bad_cap_under_its_field(page, site, settings,
                                                                                              tmp_path):
    """The caps of a policy's `limits` are edited with the formulas (a copy of the files gives the
    Hohhot policy a combined cap of 100万 on the R&D award and the tech-SME award)."""
    from kechuang.apps.policies import live

    people = site.people
    seed_facts(people)
    copy = tmp_path / "policies"
    shutil.copytree(REPO / "data" / "policies", copy)
    path = copy / f"{HOHHOT}.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nlimits:\n  - {kind: combined_cap, label: 研发与科小合计上限, "
                    "benefits: [rd_increment_award, tsme_two_years], cap: 100万}\n", encoding="utf-8")
    settings.POLICIES_DIR = str(copy)
    live.clear_cache()
    try:
        log_in(page, site, people.officer_hohhot.username)
        page.goto(site(f"/policies/whatif/?policy={HOHHOT}&year={YEAR}&years=1"))
        page.get_by_test_id("whatif-formulas").locator("summary").click()
        cap = page.locator("[name='l.1.cap']")
        assert cap.input_value() == "100万"
        cap.fill("45%")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert "金额" in page.get_by_test_id("formula-error").inner_text()
        assert page.get_by_test_id("whatif-error").is_visible()
        page.locator("[name='l.1.cap']").fill("120万")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        county = next(r for r in cells(page, "whatif-counties") if r[0] == "新城区")
        assert county[1:4] == ["100.00", "120.00", "20.00"]  # 150万 capped at 100万, then at 120万
    finally:
        live.clear_cache()
