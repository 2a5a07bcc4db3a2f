"""The platform in a real browser: Chromium driven by Playwright against the live server.

Each persona signs in through the real login form and sees its home page, its menu and
its refusals; then the org-unit pages (filter, Excel export, the create form, the
import task), the language switch, logging out, and the failed-login lockout.

Run alone with ``pytest tests/test_browser.py``, or leave out with ``-m "not browser"``.
The screenshots docs/img/home.png and docs/img/orgunits.png are written on every run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browsing import (  # noqa: F401
    CJK,
    SCREENSHOTS,
    TIMEOUT_MS,
    log_in,
    menu_labels,
    screen_cells,
    submit_main_form,
    table_rows,
    xlsx_rows,
)

pytestmark = pytest.mark.browser

# What each persona sees: its role on the home page and the modules of its left menu.
EXPECTED = {
    "admin": ("平台管理员", "内蒙古自治区", "150000", ["规划", "逾期填报", "主体名录", "主体评估", "惠企政策", "已确认的政策兑现", "政策预算", "模拟测算", "公平竞争审查", "组织单元", "用户", "审计日志", "后台任务"]),
    "officer_wuhai": ("科技局业务人员", "乌海市", "150300", ["规划", "规划填报", "逾期填报", "主体名录", "主体评估", "惠企政策", "已确认的政策兑现", "政策预算", "模拟测算", "公平竞争审查", "组织单元", "后台任务"]),
    "reporter_haibowan": ("单位填报员", "海勃湾区", "150302", ["规划", "规划填报", "主体名录", "主体评估", "惠企政策", "已确认的政策兑现", "组织单元", "后台任务"]),
    "enterprise": ("企业用户", "海勃湾区", "150302", ["主体名录", "主体评估", "惠企政策", "已确认的政策兑现", "后台任务"]),
    "expert": ("专家", "乌海市", "150300", ["后台任务"]),
}


# --- each role: home page, menu, refusals -------------------------------------------


@pytest.mark.parametrize("username", list(EXPECTED))
def test_each_role_sees_its_home_menu_and_refusals(page, site, username):
    role, unit_name, unit_code, modules = EXPECTED[username]
    log_in(page, site, username)

    assert page.url == site("/home/")
    assert page.get_by_test_id("roles").inner_text().strip() == f"{role} — {unit_name}（{unit_code}）"
    assert page.get_by_test_id("current-role").inner_text().strip() == f"{unit_name} · {role}"
    assert menu_labels(page) == modules
    cards = page.get_by_test_id("modules").inner_text()
    for label in modules:
        assert label in cards
    page.locator("nav[aria-label=breadcrumb]").wait_for()

    if username == "admin":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "home.png"))
        assert page.goto(site("/accounts/users/")).status == 200
        assert page.goto(site("/audit/")).status == 200
    elif username == "officer_wuhai":
        response = page.goto(site("/accounts/users/"))
        assert response.status == 403
        page.get_by_test_id("error-page").wait_for()
        response = page.goto(site(f"/accounts/units/{site.unit('150100').pk}/"))  # 呼和浩特市
        assert response.status == 404
        page.get_by_test_id("error-page").wait_for()
    elif username == "reporter_haibowan":
        assert page.goto(site(f"/accounts/units/{site.unit('150302').pk}/")).status == 200
        response = page.goto(site(f"/accounts/units/{site.unit('150303').pk}/"))  # 海南区
        assert response.status == 404
        page.get_by_test_id("error-page").wait_for()
        assert page.goto(site("/accounts/users/")).status == 403
    else:  # enterprise, expert: no org units, no users
        response = page.goto(site("/accounts/units/"))
        assert response.status == 403
        page.get_by_test_id("error-page").wait_for()
        assert page.goto(site("/accounts/users/")).status == 403
        assert page.goto(site("/tasks/")).status == 200


def test_anonymous_visitor_is_sent_to_the_login_page(page, site):
    page.goto(site("/accounts/units/"))
    assert page.url == site("/accounts/login/?next=/accounts/units/")
    page.get_by_test_id("login-submit").wait_for()
    assert page.get_by_test_id("user-menu").count() == 0
    assert page.locator("nav.kc-sidebar").count() == 0


# --- signing in and out -------------------------------------------------------------


def test_wrong_password_then_lockout_after_five_failures(page, site):
    from django.conf import settings

    from kechuang.testing import PASSWORD

    assert settings.AXES_FAILURE_LIMIT == 5
    for attempt in range(1, 5):
        log_in(page, site, "officer_wuhai", f"wrong-{attempt}")
        assert page.url == site("/accounts/login/")
        error = page.get_by_test_id("login-error").inner_text()
        assert error == "请输入一个正确的用户名和密码。注意，两者都区分大小写。"
        assert page.input_value("#id_username") == "officer_wuhai"
        assert page.get_by_test_id("user-menu").count() == 0

    # The fifth failure reaches the limit: its answer is already the lockout page.
    assert log_in(page, site, "officer_wuhai", "wrong-5").status == 429
    page.get_by_test_id("locked-out").wait_for()

    # The sixth attempt, with the right password, is refused too.
    assert log_in(page, site, "officer_wuhai", PASSWORD).status == 429
    assert CJK.search(page.get_by_test_id("locked-out").inner_text())
    assert page.get_by_test_id("user-menu").count() == 0
    assert page.goto(site("/home/")).url.startswith(site("/accounts/login/"))

    # Another user from the same address is not locked.
    log_in(page, site, "reporter_haibowan")
    assert page.url == site("/home/")


def test_logout_then_back_does_not_show_protected_content(page, site):
    log_in(page, site, "officer_wuhai")
    assert page.url == site("/home/")
    page.get_by_test_id("user-menu").click()
    with page.expect_navigation():
        page.get_by_test_id("logout").click()
    assert page.url == site("/accounts/login/")
    page.get_by_test_id("login-submit").wait_for()

    page.go_back()  # to /home/: asked again of the server, which sends it to the login page
    assert page.url == site("/accounts/login/?next=/home/")
    assert page.get_by_test_id("user-menu").count() == 0
    page.reload()
    assert page.url == site("/accounts/login/?next=/home/")
    assert page.get_by_test_id("user-menu").count() == 0
    assert page.get_by_test_id("roles").count() == 0
    page.goto(site("/accounts/units/"))
    assert page.url.startswith(site("/accounts/login/"))


def test_switching_language(page, site):
    log_in(page, site, "officer_wuhai")
    assert "组织单元" in menu_labels(page)
    with page.expect_navigation():
        page.get_by_test_id("lang-en").click()
    assert page.url == site("/home/")
    assert menu_labels(page) == ["Plans", "Plan reporting", "Overdue reports", "Entity registry", "Assessments", "Policies and benefits", "Confirmed benefit decisions", "Policy budget", "What-if", "Fair competition review", "Org units", "Background tasks"]
    assert "Bureau officer" in page.get_by_test_id("roles").inner_text()
    with page.expect_navigation():
        page.get_by_test_id("lang-zh").click()
    assert menu_labels(page) == ["规划", "规划填报", "逾期填报", "主体名录", "主体评估", "惠企政策", "已确认的政策兑现", "政策预算", "模拟测算", "公平竞争审查", "组织单元", "后台任务"]
    page.get_by_test_id("lang-en").wait_for()


# --- org units ----------------------------------------------------------------------


def test_officer_lists_filters_and_exports_org_units(page, site, tmp_path):
    log_in(page, site, "officer_wuhai")
    page.get_by_test_id("nav-accountsorgunit_list").click()
    page.wait_for_url(site("/accounts/units/"))

    rows = table_rows(page)
    names = [row[1] for row in rows]
    assert sorted(names) == sorted(["乌海市", "海勃湾区", "海南区", "乌海高新技术产业开发区", "乌海市科学技术局"])
    assert "呼和浩特市" not in page.get_by_test_id("list-table").inner_text()
    assert "内蒙古自治区" not in names
    assert page.get_by_test_id("count").inner_text() == "共 5 条"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "orgunits.png"))

    # The Excel export holds the rows the page shows, under the same headers.
    headers = [t.strip() for t in page.locator("[data-testid=list-table] thead th").all_inner_texts()]
    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    download = download_info.value
    assert download.suggested_filename.startswith("org-units-")
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    exported = xlsx_rows(target)
    assert exported[0] == headers
    assert exported[1:] == screen_cells(rows)

    # The filter bar narrows the list, and the export follows the filter.
    page.fill("#id_q", "海勃湾")
    button = page.locator("form.kc-filter button[type=submit]")
    assert button.inner_text().strip() == "查询"  # “Filter”
    with page.expect_navigation():
        button.click()
    assert "q=" in page.url
    filtered = table_rows(page)
    assert [row[:2] for row in filtered] == [["150302", "海勃湾区"]]
    assert page.input_value("#id_q") == "海勃湾"
    with page.expect_download() as download_info:
        page.get_by_test_id("export").click()
    target = tmp_path / "filtered.xlsx"
    download_info.value.save_as(target)
    assert xlsx_rows(target)[1:] == screen_cells(filtered)


def test_admin_creates_an_org_unit_and_sees_form_errors(page, site):
    from kechuang.apps.accounts.models import OrgUnit

    wuhai = site.unit("150300")
    log_in(page, site, "admin")
    page.goto(site("/accounts/units/"))
    page.locator("main a[href='/accounts/units/new/']").click()
    page.wait_for_url(site("/accounts/units/new/"))

    page.select_option("#id_parent", str(wuhai.pk))
    page.fill("#id_code", "150300D002")
    page.fill("#id_name", "乌海市测试局")
    page.select_option("#id_kind", "department")
    submit_main_form(page)

    unit = OrgUnit.objects.get(code="150300D002")
    assert page.url == site(f"/accounts/units/{unit.pk}/")
    assert unit.name == "乌海市测试局" and unit.parent_id == wuhai.pk and unit.kind == "department"
    assert page.locator("main h1").inner_text().split() == ["乌海市测试局", "150300D002"]
    assert "乌海市" in page.locator("nav[aria-label=breadcrumb]").inner_text()
    assert page.locator(".alert-success").count() == 1

    # A bad code: the form comes back with the error, in Chinese, and keeps what was typed.
    count = OrgUnit.objects.count()
    page.goto(site(f"/accounts/units/new/?parent={wuhai.pk}"))
    page.fill("#id_code", "abc")
    page.fill("#id_name", "编码有误的单位")
    page.select_option("#id_kind", "department")
    submit_main_form(page)
    assert page.url == site(f"/accounts/units/new/?parent={wuhai.pk}")
    error = page.locator("[data-testid=form-errors], [data-testid=error-code]").first.inner_text()
    assert "abc" in error
    assert CJK.search(error.replace("abc", "")), f"the error is not in Chinese: {error!r}"
    assert page.input_value("#id_name") == "编码有误的单位"
    assert page.input_value("#id_code") == "abc"
    assert page.input_value("#id_parent") == str(wuhai.pk)
    assert OrgUnit.objects.count() == count


def _workbook(path: Path, rows: list[tuple]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "单位"
    sheet.append(["编码", "名称", "上级编码", "类型"])
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def _upload(page, site, path: Path):
    page.goto(site("/accounts/units/import/"))
    page.set_input_files("#id_file", str(path))
    submit_main_form(page)
    assert re.fullmatch(re.escape(site("/tasks/")) + r"[0-9a-f-]{36}/", page.url), page.url


def test_admin_imports_org_units(page, site, tmp_path):
    from kechuang.apps.accounts.models import OrgUnit

    log_in(page, site, "admin")
    before = OrgUnit.objects.count()
    good = _workbook(tmp_path / "新单位.xlsx", [
        ("150300D003", "乌海市测试一局", "150300", "部门"),
        ("150300Z02", "乌海测试园区", "150300", "园区"),
    ])
    _upload(page, site, good)
    assert page.get_by_test_id("task-status").inner_text().strip() == "成功"  # “Succeeded”
    result = page.get_by_test_id("task-result")
    assert result.is_visible()
    assert "created" in result.inner_text() and "2" in result.inner_text()
    assert "2" in page.locator("#task-message").inner_text()
    assert not page.get_by_test_id("task-errors").is_visible()
    assert OrgUnit.objects.count() == before + 2
    assert OrgUnit.objects.get(code="150300Z02").parent.code == "150300"

    # A file with a bad row is refused whole: the errors are listed by row and column.
    before = OrgUnit.objects.count()
    bad = _workbook(tmp_path / "有错误.xlsx", [
        ("150300D004", "乌海市测试二局", "150300", "部门"),
        ("150300D005", "上级不存在的单位", "159999", "部门"),
        ("150300D004", "编码重复的单位", "150300", "部门"),
    ])
    _upload(page, site, bad)
    assert page.get_by_test_id("task-status").inner_text().strip() == "失败"  # “Failed”
    assert page.get_by_test_id("task-error").is_visible()
    errors = page.get_by_test_id("task-errors")
    assert errors.is_visible()
    lines = errors.locator("tbody tr")
    found = {}
    for i in range(lines.count()):
        sheet, row, column, message = (c.strip() for c in lines.nth(i).locator("td").all_inner_texts())
        assert sheet == "单位"
        found[(row, column)] = message
    assert set(found) == {("3", "上级编码"), ("4", "编码")}
    assert "159999" in found[("3", "上级编码")]
    assert "150300D004" in found[("4", "编码")]
    assert not page.get_by_test_id("task-result").is_visible()
    assert OrgUnit.objects.count() == before
    assert not OrgUnit.objects.filter(code="150300D004").exists()

