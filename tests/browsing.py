"""Shared pieces of the browser tests: Chromium (Debian's, launched by Playwright), a
page per test, the live server with the personas, and helpers that read the screen.

Each module's browser tests live in ``tests/test_browser*.py``; they take the fixtures
from ``tests/conftest.py`` (which imports them from here) and the helpers from here.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM would
# otherwise refuse to run there (the test thread reads and writes the database).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "img"
CJK = re.compile(r"[\u4e00-\u9fff]")
TIMEOUT_MS = 10_000

# --- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip(
            "!!! BROWSER TESTS NOT RUN: no `chromium` on PATH (Debian: apt-get install chromium). "
            "The browser tests are SKIPPED — and fail under CI=true. !!!"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


class Site:
    """The live server: ``site("/home/")`` is a full URL; ``site.unit(code)`` a persona unit."""

    def __init__(self, url: str, people):
        self.url = url
        self.people = people

    def __call__(self, path: str) -> str:
        return f"{self.url}{path}"

    def unit(self, code: str):
        return self.people.units[code]


@pytest.fixture
def site(live_server, transactional_db, people):
    """The live server with the personas (one user per role) in its database."""
    return Site(live_server.url, people)


# --- helpers ------------------------------------------------------------------------


def log_in(page, site, username: str, password: str | None = None):
    from kechuang.testing import PASSWORD

    page.goto(site("/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD if password is None else password)
    with page.expect_navigation() as navigation:
        page.get_by_test_id("login-submit").click()
    return navigation.value


def menu_labels(page) -> list[str]:
    return [t.strip() for t in page.locator("nav.kc-sidebar a[data-testid^='nav-']").all_inner_texts()]


def table_rows(page) -> list[list[str]]:
    rows = page.locator("[data-testid=list-table] tbody tr")
    return [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())]


def submit_main_form(page):
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def xlsx_rows(path) -> list[list[str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    rows = [["" if v is None else str(v).strip() for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    width = max(len(row) for row in rows)
    return [row + [""] * (width - len(row)) for row in rows]  # empty cells at a row's end are not stored


def screen_cells(rows: list[list[str]]) -> list[list[str]]:
    """A table as the screen shows it, with the empty-cell dash as an empty cell."""
    return [["" if c == "—" else c for c in row] for row in rows]


