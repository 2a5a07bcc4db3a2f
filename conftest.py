"""Test configuration for the whole suite.

- ``pytest`` runs on SQLite (in memory).
- ``KECHUANG_DATABASE_URL=postgres://… pytest --postgres`` runs on that PostgreSQL
  server (``make test`` uses postgres://postgres@127.0.0.1:5432/kechuang; the tests
  create and drop ``test_kechuang``). Without a reachable server the run stops with a
  loud message — and fails when CI=true.
- With CI=true, any skipped test fails the run: in CI nothing may be silently skipped.
"""

from __future__ import annotations

import os

import pytest

CI = os.environ.get("CI", "").lower() == "true"


def pytest_addoption(parser):
    parser.addoption("--postgres", action="store_true", help="run the suite on PostgreSQL")


def _postgres_reachable(url: str) -> str | None:
    import psycopg

    try:
        server = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(server, connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect
        return str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    from django.conf import settings

    if config.getoption("--postgres"):
        # The Makefile points KECHUANG_DATABASE_URL at the server before Django starts.
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            pytest.exit("--postgres needs KECHUANG_DATABASE_URL=postgres://… (see `make test`)", returncode=2)
        url = settings.DATABASE_URL
        problem = _postgres_reachable(url)
        if problem:
            banner = f"\n{'!' * 78}\n!! PostgreSQL at {url} is not reachable: {problem}\n!! The PostgreSQL run is SKIPPED.\n{'!' * 78}\n"
            if CI:
                pytest.exit(banner + "CI=true: PostgreSQL is required.", returncode=1)
            pytest.exit(banner, returncode=0)
    settings.TASKS_BACKEND = "sync"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    settings.MEDIA_ROOT = settings.DATA_DIR / "test-media"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute"}}


def pytest_report_header(config):
    from django.conf import settings

    engine = "PostgreSQL" if config.getoption("--postgres") else "SQLite"
    return [f"kechuang: database {engine}; tasks backend {settings.TASKS_BACKEND}; CI={CI}"]


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if CI and skipped and exitstatus == 0:
        reporter.write_line(f"CI=true: {skipped} test(s) were skipped; in CI every test must run.", red=True)
        session.exitstatus = 1


@pytest.fixture
def people(db):
    """One user per role in a small slice of the real unit tree (see kechuang/testing.py)."""
    from kechuang.testing import make_personas

    return make_personas()


@pytest.fixture
def login(client):
    """Sign a persona in on the test client: ``login(people.admin)``."""

    def sign_in(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return sign_in


def _uses_transactions(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
        or (marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    )


@pytest.fixture(autouse=True)
def _audit_guards_around_flush(request):
    """Tests on real transactions end with a flush (DELETE on SQLite), which the audit
    trail's triggers refuse: lift them for the flush, and put them back for the test."""
    if not _uses_transactions(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    from kechuang.apps.audit.retention import drop_guards, install_guards

    install_guards()
    yield
    drop_guards()
