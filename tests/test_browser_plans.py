"""Plans in a real browser: the bureau's dashboard with its ECharts charts and the drill-down
to an indicator's history; a county reporter fills and submits its report and the bureau
approves it; the public progress page, without signing in."""

from __future__ import annotations

import pytest

from tests.browsing import log_in

pytestmark = pytest.mark.browser


def _plan_with_values(people):
    """The sample plan of Wuhai (published, 2024 round open) with Haibowan's report approved:
    2 platforms of the 20 targeted for 2025, against 10 in 2020."""
    from kechuang.apps.plans import actions
    from kechuang.apps.plans.models import UnitReport
    from kechuang.apps.plans.testing import sample_plan

    plan = sample_plan()
    report = UnitReport.objects.get(round__plan=plan, round__year=2024, org_unit__code="150302")
    actions.do_save_report(report, acting_user=None, values=[
        actions.LineInput("platforms@150300", 2.0, "市科技局台账"), actions.LineInput("rd-spending@150302", 1.0, "区统计局")])
    actions.do_submit_report(report, acting_user=None)
    actions.do_approve_report(report, acting_user=people.officer_wuhai)
    return plan


def _rendered(page, selector: str) -> int:
    """How many drawn shapes ECharts put into the chart box (it renders to SVG here)."""
    page.wait_for_selector(f"{selector} svg path", state="attached")
    return page.locator(f"{selector} svg path").count()


def test_the_officer_sees_the_dashboard_and_drills_into_an_indicators_history(page, site):
    plan = _plan_with_values(site.people)
    log_in(page, site, "officer_wuhai")
    page.goto(site(plan.get_absolute_url()))
    assert page.locator("h1").inner_text().strip() == "乌海市科技创新示例规划"
    assert _rendered(page, "#status-pie") > 0
    assert _rendered(page, "#trend-platforms") > 0
    statuses = [c.get_attribute("data-status") for c in page.locator("[data-testid=trends] [data-testid=chip]").all()]
    assert len(statuses) == 3 and "deteriorating" in statuses  # 2 platforms, below the 10 of 2020
    assert page.locator("[data-testid=trends] [data-status=deteriorating]").first.inner_text().strip() == "倒退"
    # drill down to the indicator: its evaluation and every value with who, when and where from
    with page.expect_navigation():
        page.get_by_role("link", name="科技创新平台数量").first.click()
    assert page.locator("h1").first.inner_text().startswith("科技创新平台数量")
    history = page.get_by_test_id("history").inner_text()
    assert "2024" in history and "市科技局台账" in history and "乌海市" in history
    assert _rendered(page, "#trend-platforms") > 0


def test_a_reporter_submits_its_values_and_the_bureau_approves(page, site):
    from kechuang.apps.plans.models import UnitReport, Value
    from kechuang.apps.plans.testing import sample_plan

    plan = sample_plan()
    report = UnitReport.objects.get(round__plan=plan, round__year=2024, org_unit__code="150302")
    log_in(page, site, "reporter_haibowan")
    page.goto(site("/plans/reporting/"))
    with page.expect_navigation():
        page.get_by_test_id("my-reports").get_by_role("link", name="海勃湾区").first.click()
    assert page.url == site(report.get_absolute_url())
    page.get_by_label("科技创新平台数量").fill("12")
    page.locator("input[name='note__platforms@150300']").fill("市科技局台账")
    page.get_by_label("全社会研发经费投入").fill("1.6")
    page.locator("input[name='note__rd-spending@150302']").fill("区统计局快报")
    page.locator("select[name='state__1']").select_option("in_progress")
    page.locator("input[name='percent__1']").fill("40")
    with page.expect_navigation():
        page.locator("button[name=submit]").click()
    assert page.get_by_test_id("report-status").inner_text().strip() == "已提交"
    report.refresh_from_db()
    assert report.status == "submitted"
    assert page.locator("input[name='value__platforms@150300']").count() == 0  # no longer editable

    page.context.clear_cookies()
    log_in(page, site, "officer_wuhai")
    page.goto(site(report.get_absolute_url()))
    assert "12" in page.get_by_test_id("value-lines").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="审核通过").click()
    assert page.get_by_test_id("report-status").inner_text().strip() == "审核通过"
    report.refresh_from_db()
    assert report.status == "approved"
    assert Value.objects.get(report=report, series="sample-150300/platforms").known_at is not None


def test_the_public_progress_page_needs_no_sign_in(page, site):
    plan = _plan_with_values(site.people)
    page.goto(site(f"/plans/public/{plan.pk}/"))
    assert "/accounts/login/" not in page.url
    assert page.locator("h1").inner_text().strip() == "乌海市科技创新示例规划"
    table = page.get_by_test_id("public-indicators").inner_text()
    assert "科技创新平台数量" in table and "倒退" in table
    assert _rendered(page, "#status-pie") > 0 and _rendered(page, "#trend-platforms") > 0
    assert page.locator("main a[href*='/plans/reports/'], main form[method=post]").count() == 0  # read-only


def test_a_reporter_has_approved_data_reopened_by_the_bureau(page, site):
    from kechuang.apps.plans.models import RevisionRequest, UnitReport, Value

    plan = _plan_with_values(site.people)
    report = UnitReport.objects.get(round__plan=plan, round__year=2024, org_unit__code="150302")
    log_in(page, site, "reporter_haibowan")
    page.goto(site(report.get_absolute_url()))
    with page.expect_navigation():
        page.get_by_test_id("value-lines").locator("tr", has_text="科技创新平台数量").get_by_role("link").click()
    page.locator("textarea[name=reason]").fill("台账漏记2家平台")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    request = RevisionRequest.objects.get()
    assert page.url == site(request.get_absolute_url()) and request.status == "pending"
    assert page.get_by_test_id("revision-status").is_visible()
    assert page.locator("button[value=approve]").count() == 0  # the unit cannot decide

    page.context.clear_cookies()
    log_in(page, site, "officer_wuhai")
    page.goto(site(request.get_absolute_url()))
    with page.expect_navigation():
        page.locator("button[value=approve]").click()
    request.refresh_from_db()
    assert request.status == "approved"

    page.context.clear_cookies()
    log_in(page, site, "reporter_haibowan")
    page.goto(site(request.get_absolute_url()))
    page.locator("input[name=value]").fill("4")
    page.locator("input[name=source_note]").fill("市科技局台账（更正）")
    with page.expect_navigation():
        page.locator("button[value=enter]").click()
    assert page.get_by_test_id("revised-value").inner_text().startswith("4")
    values = Value.objects.filter(series="sample-150300/platforms").order_by("known_at", "pk")
    assert [v.value for v in values] == [2.0, 4.0]


def test_the_evaluation_page_loads_an_indicators_parts_on_demand(page, site):
    """The parts of a decomposed target are counted on the page; a click loads each unit's
    status and why (htmx, vendored) under the indicator."""
    plan = _plan_with_values(site.people)
    log_in(page, site, "officer_wuhai")
    page.goto(site(f"/plans/{plan.pk}/evaluation/"))
    row = page.locator("tr.kc-why", has=page.locator("[data-testid=parts]"))
    assert row.count() == 1 and row.locator("[data-testid=parts-count]").count() >= 1
    assert row.locator("[data-testid=parts-table]").count() == 0  # not yet loaded
    row.get_by_test_id("show-parts").click()
    table = row.get_by_test_id("parts-table")
    table.wait_for()
    units = [r.get_attribute("data-unit") for r in table.locator("tbody tr").all()]
    assert sorted(units) == ["150302", "150303"]
    assert "海勃湾区" in table.inner_text() and table.locator("[data-testid=chip]").count() == 2
    assert page.url.endswith("/evaluation/")  # loaded in place, not a new page
