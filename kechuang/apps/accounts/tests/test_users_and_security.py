"""Signing in, lockouts, sessions, CSRF, users and roles."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from kechuang.apps.accounts import actions
from kechuang.apps.accounts.models import RoleAssignment, User
from kechuang.apps.audit.models import AuditEntry
from kechuang.testing import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_wrong_password_is_refused_and_recorded(people, client):
    response = client.post("/accounts/login/", {"username": "officer_wuhai", "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(verb="accounts.session.login_failed", object_repr="officer_wuhai").exists()


def test_the_right_password_signs_in_and_records_it(people, client):
    response = client.post("/accounts/login/", {"username": "officer_wuhai", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/home/"
    assert AuditEntry.objects.filter(verb="accounts.session.login", actor=people.officer_wuhai).exists()


def test_repeated_failures_lock_the_account_until_an_admin_unlocks_it(people, client, login, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "expert", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "expert", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    admin_client = Client()
    admin_client.force_login(people.admin, backend="django.contrib.auth.backends.ModelBackend")
    admin_client.post(f"/accounts/users/{people.expert.pk}/unlock/")
    assert AuditEntry.objects.filter(verb="accounts.user.unlock", object_id=str(people.expert.pk)).exists()
    again = Client().post("/accounts/login/", {"username": "expert", "password": PASSWORD})
    assert again.status_code == 302


def test_an_expired_session_sends_the_user_back_to_login(people, login):
    client = login(people.admin)
    session = client.session
    session.set_expiry(-1)
    session.save()
    response = client.get("/accounts/units/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_post_without_csrf_token_is_refused_and_changes_nothing(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.admin, backend="django.contrib.auth.backends.ModelBackend")
    unit = people.units["150303"]
    response = client.post(f"/accounts/units/{unit.pk}/rename/", {"new_name": "改名区", "effective_on": "2026-01-01"})
    assert response.status_code == 403
    unit.refresh_from_db()
    assert unit.name == "海南区"


def test_a_weak_password_is_refused_and_no_user_is_created(people, login):
    client = login(people.admin)
    response = client.post("/accounts/users/new/", {
        "username": "newbie", "name": "新人", "password": "12345678", "role": "officer",
        "org_unit": people.units["150300"].pk})
    assert response.status_code == 200
    assert not User.objects.filter(username="newbie").exists()
    assert 'value="newbie"' in response.content.decode()


def test_an_admin_creates_a_user_with_a_role_in_its_units(people, login):
    client = login(people.admin_wuhai)
    response = client.post("/accounts/users/new/", {
        "username": "newbie", "name": "新人", "password": "Strong-Password-77", "role": "reporter",
        "org_unit": people.units["150303"].pk})
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert [(a.role, a.org_unit.code) for a in user.roles.all()] == [("reporter", "150303")]
    assert AuditEntry.objects.filter(verb="accounts.user.create", object_id=str(user.pk)).exists()
    assert "password" not in AuditEntry.objects.get(verb="accounts.user.create", object_id=str(user.pk)).after


def test_an_admin_cannot_grant_a_role_in_another_city(people, login):
    client = login(people.admin_wuhai)
    client.post(f"/accounts/users/{people.reporter_haibowan.pk}/roles/",
                {"role": "officer", "org_unit": people.units["150100"].pk})
    assert not RoleAssignment.objects.filter(org_unit=people.units["150100"], user=people.reporter_haibowan).exists()
    with pytest.raises(ValidationError):
        actions.do_grant_role(people.reporter_haibowan, "officer", people.units["150100"], acting_user=people.admin_wuhai)


def test_an_admin_cannot_take_away_its_own_admin_role(people):
    assignment = people.admin.roles.get()
    with pytest.raises(ValidationError):
        actions.do_revoke_role(assignment, acting_user=people.admin)
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_changing_ones_password_is_audited_and_keeps_the_session(people, login):
    client = login(people.reporter_haibowan)
    response = client.post("/accounts/me/password/", {
        "old_password": PASSWORD, "new_password1": "Another-Strong-77", "new_password2": "Another-Strong-77"})
    assert response.status_code == 302
    assert client.get("/home/").status_code == 200
    assert AuditEntry.objects.filter(verb="accounts.user.set_password", actor=people.reporter_haibowan).exists()


def test_each_role_gets_a_home_page_with_its_own_modules(people, login):
    admin_home = login(people.admin).get("/home/").content.decode()
    assert "/accounts/users/" in admin_home and "/audit/" in admin_home
    expert_home = login(people.expert).get("/home/").content.decode()
    assert "/accounts/users/" not in expert_home and "/accounts/units/" not in expert_home
    assert "/tasks/" in expert_home


def test_the_interface_is_chinese_by_default_whatever_the_browser_asks(people, client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Log in" in client.get("/accounts/login/").content.decode()
