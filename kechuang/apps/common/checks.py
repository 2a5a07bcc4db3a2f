"""Deployment checks, run by ``kechuang check`` (and Django's ``check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _


@checks.register(checks.Tags.security, deploy=True)
def kechuang_settings(app_configs, **kwargs):
    problems = []
    retention = settings.AUDIT_RETENTION_DAYS
    if retention is not None and retention < settings.AUDIT_MINIMUM_RETENTION_DAYS:
        problems.append(checks.Error(
            _("KECHUANG_AUDIT_RETENTION_DAYS is %(days)s; the law requires at least %(minimum)s days "
              "(网络安全法 第二十一条).") % {"days": retention, "minimum": settings.AUDIT_MINIMUM_RETENTION_DAYS},
            id="kechuang.E001",
        ))
    if settings.DEBUG:
        problems.append(checks.Warning(_("KECHUANG_DEBUG is on: never in production."), id="kechuang.W001"))
    if not settings.HTTPS:
        problems.append(checks.Warning(
            _("KECHUANG_HTTPS is off: cookies are sent without the Secure flag. Serve over HTTPS in production."),
            id="kechuang.W002",
        ))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(checks.Info(
            _("The embedded SQLite database is in use; production runs on PostgreSQL (KECHUANG_DATABASE_URL)."),
            id="kechuang.I001",
        ))
    if settings.TASKS_BACKEND == "rq" and not settings.REDIS_URL:
        problems.append(checks.Error(_("KECHUANG_TASKS_BACKEND=rq needs KECHUANG_REDIS_URL."), id="kechuang.E002"))
    return problems
