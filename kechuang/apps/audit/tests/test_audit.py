"""The audit trail: complete, unchangeable, kept, and readable only by administrators."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kechuang.apps.accounts import actions
from kechuang.apps.audit import record
from kechuang.apps.audit.models import AuditEntry
from kechuang.apps.audit.retention import purge_expired

pytestmark = pytest.mark.django_db


def test_a_change_records_who_when_where_and_the_values_before_and_after(people, login):
    client = login(people.admin)
    unit = people.units["150303"]
    client.post(f"/accounts/units/{unit.pk}/edit/", {"kind": "county", "aliases": "海南", "source": "test"},
                REMOTE_ADDR="10.1.2.3", HTTP_X_REQUEST_ID="req-42")
    entry = AuditEntry.objects.get(verb="accounts.orgunit.update")
    assert entry.actor == people.admin and entry.ip == "10.1.2.3" and entry.request_id == "req-42"
    assert entry.before["aliases"] == [] and entry.after["aliases"] == ["海南"]
    assert entry.object_id == str(unit.pk) and entry.unit_path == unit.path
    assert abs((timezone.now() - entry.at).total_seconds()) < 60


def test_an_entry_cannot_be_changed_through_the_model_or_the_queryset(people):
    entry = record("test.thing.create", people.units["150302"], actor=people.admin)
    entry.note = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="tampered")
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_the_database_itself_refuses_to_change_or_drop_a_recent_entry(people):
    entry = record("test.thing.create", people.units["150302"], actor=people.admin)
    for statement in ("UPDATE audit_auditentry SET note = 'x' WHERE id = %s",
                      "DELETE FROM audit_auditentry WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [entry.pk])
    entry.refresh_from_db()
    assert entry.note == ""


def test_entries_are_kept_for_good_unless_a_retention_is_set(people, settings):
    entry = record("test.thing.create", people.units["150302"], actor=people.admin)
    old = timezone.now() - datetime.timedelta(days=400)
    # Backdate through a raw insert: entries are never updated.
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditentry (at, actor_username, verb, object_type, object_id, object_repr, "
            "unit_path, request_id, note) VALUES (%s, '', 'test.old', '', '', '', '', '', '')", [old])
    settings.AUDIT_RETENTION_DAYS = None
    assert purge_expired() == 0
    settings.AUDIT_RETENTION_DAYS = 100
    with pytest.raises(ValueError):
        purge_expired()
    settings.AUDIT_RETENTION_DAYS = 365
    assert purge_expired() == 1
    assert list(AuditEntry.objects.values_list("pk", flat=True).filter(verb__startswith="test.")) == [entry.pk]


def test_only_administrators_read_the_trail_and_only_for_their_units(people, login):
    actions.do_rename_org_unit(people.units["150102"], "新城区（改）", effective_on=datetime.date(2026, 1, 1),
                               acting_user=people.admin)
    actions.do_rename_org_unit(people.units["150303"], "海南区（改）", effective_on=datetime.date(2026, 1, 1),
                               acting_user=people.admin)
    wuhai = set(AuditEntry.objects.visible_to(people.admin_wuhai).values_list("object_repr", flat=True))
    assert "海南区（改）" in wuhai and "新城区（改）" not in wuhai
    assert login(people.officer_wuhai).get("/audit/").status_code == 403
    page = login(people.admin).get("/audit/?verb=accounts.orgunit.rename").content.decode()
    assert "海南区（改）" in page and "新城区（改）" in page


def test_the_api_offers_no_way_to_change_the_trail(people, login):
    client = login(people.admin)
    entry = record("test.thing.create", people.units["150302"], actor=people.admin)
    assert client.get(f"/api/audit/entries/{entry.pk}/").status_code == 200
    assert client.delete(f"/api/audit/entries/{entry.pk}/").status_code == 405
    assert client.patch(f"/api/audit/entries/{entry.pk}/", {"note": "x"}, content_type="application/json").status_code == 405
    assert client.post("/api/audit/entries/", {}, content_type="application/json").status_code == 405
