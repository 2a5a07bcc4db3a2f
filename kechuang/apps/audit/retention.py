"""Keeping the audit trail: database guards and the retention purge.

网络安全法 第二十一条（三）: operators keep network logs for no less than six months.
Entries are kept for good unless KECHUANG_AUDIT_RETENTION_DAYS is set (at least 183).
The guards are database triggers, so that not even a raw SQL statement through the
platform's connection changes an entry or deletes one younger than the minimum.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection as default_connection
from django.utils import timezone
from django.utils.translation import gettext as _

MINIMUM_DAYS = 183

_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_entry_no_early_delete BEFORE DELETE ON audit_auditentry
       WHEN OLD.at > datetime('now', '-{MINIMUM_DAYS} days')
       BEGIN SELECT RAISE(ABORT, 'audit entries are kept at least {MINIMUM_DAYS} days'); END""",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_early_delete",
]
_POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION audit_entry_guard() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit entries cannot be changed';
      END IF;
      IF OLD.at > now() - interval '{MINIMUM_DAYS} days' THEN
        RAISE EXCEPTION 'audit entries are kept at least {MINIMUM_DAYS} days';
      END IF;
      RETURN OLD;
    END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS audit_entry_guard ON audit_auditentry",
    """CREATE TRIGGER audit_entry_guard BEFORE UPDATE OR DELETE ON audit_auditentry
       FOR EACH ROW EXECUTE FUNCTION audit_entry_guard()""",
]
_POSTGRES_DROP = ["DROP TRIGGER IF EXISTS audit_entry_guard ON audit_auditentry"]


def install_guards(connection=default_connection) -> None:
    statements = _POSTGRES if connection.vendor == "postgresql" else _SQLITE
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop_guards(connection=default_connection) -> None:
    """Only for erasing a whole demo database (``kechuang demo``)."""
    statements = _POSTGRES_DROP if connection.vendor == "postgresql" else _SQLITE_DROP
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def purge_expired(now: datetime.datetime | None = None) -> int:
    """Delete entries older than the configured retention; none when it is unset."""
    from .models import AuditEntry

    days = settings.AUDIT_RETENTION_DAYS
    if days is None:
        return 0
    if days < MINIMUM_DAYS:
        raise ValueError(_("KECHUANG_AUDIT_RETENTION_DAYS must be at least %(days)s.") % {"days": MINIMUM_DAYS})
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    # The model refuses deletes; this is the one sanctioned path, below the ORM's guard.
    from django.db.models.sql import DeleteQuery

    ids = list(AuditEntry.objects.filter(at__lt=cutoff).values_list("pk", flat=True))
    if ids:
        DeleteQuery(AuditEntry).delete_batch(ids, "default")
    return len(ids)
