"""The REST API: schema, tokens, the same permission checks as pages, and bad input."""

from __future__ import annotations

import pytest
from django.test import Client

from kechuang.apps.accounts.models import OrgUnit, User
from kechuang.apps.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_describes_the_api(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/accounts/org-units/", "/api/accounts/users/", "/api/audit/entries/",
                 "/api/tasks/{id}/", "/api/accounts/me/"):
        assert path in schema["paths"], path
    docs = client.get("/api/docs/").content.decode()
    assert "swagger" in docs.lower() and "https://" not in docs
    # every script and stylesheet of the docs page is served by the platform itself
    import re

    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", docs)
    assert assets and all(a.startswith("/static/") or a.startswith("/api/") for a in assets), assets


def test_a_token_issued_on_the_profile_page_authenticates_a_machine_client(people, login):
    page_client = login(people.officer_wuhai)
    page_client.post("/accounts/me/token/", {"action": "create"})
    key = people.officer_wuhai.auth_token.key
    assert AuditEntry.objects.filter(verb="accounts.token.create", actor=people.officer_wuhai).exists()
    assert key not in str(AuditEntry.objects.filter(verb="accounts.token.create").values_list("after", "note"))
    machine = Client()
    me = machine.get("/api/accounts/me/", HTTP_AUTHORIZATION=f"Token {key}").json()
    assert me["username"] == "officer_wuhai" and me["roles"][0]["org_unit_code"] == "150300"
    codes = {u["code"] for u in machine.get("/api/accounts/org-units/?page_size=500",
                                            HTTP_AUTHORIZATION=f"Token {key}").json()["results"]}
    assert "150300" in codes and "150100" not in codes
    assert machine.get("/api/accounts/users/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 403
    page_client.post("/accounts/me/token/", {"action": "revoke"})
    assert machine.get("/api/accounts/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_a_wrong_token_or_none_is_refused(people):
    assert Client().get("/api/accounts/me/").status_code == 401
    assert Client().get("/api/accounts/me/", HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_malformed_json_is_refused_and_changes_nothing(people, login):
    client = login(people.admin)
    before = OrgUnit.objects.count()
    response = client.post("/api/accounts/org-units/", data='{"code": "150300D009", ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert OrgUnit.objects.count() == before


def test_bad_fields_are_reported_field_by_field_in_chinese(people, login):
    client = login(people.admin)
    response = client.post("/api/accounts/org-units/", {"code": "150300D009", "name": "", "kind": "planet",
                                                        "parent_code": "150300"}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"name", "kind"}
    assert "不能为空" in body["name"][0] or "空白" in body["name"][0]
    assert not OrgUnit.objects.filter(code="150300D009").exists()


def test_an_admin_creates_units_only_below_its_own(people, login):
    client = login(people.admin_wuhai)
    ok = client.post("/api/accounts/org-units/", {"code": "150300D009", "name": "乌海市测试局", "kind": "department",
                                                  "parent_code": "150300"}, content_type="application/json")
    assert ok.status_code == 201 and ok.json()["parent_code"] == "150300"
    refused = client.post("/api/accounts/org-units/", {"code": "150100D009", "name": "呼市测试局",
                                                       "kind": "department", "parent_code": "150100"},
                          content_type="application/json")
    assert refused.status_code == 400 and "parent_code" in refused.json()
    assert not OrgUnit.objects.filter(code="150100D009").exists()
    assert login(people.officer_wuhai).post(
        "/api/accounts/org-units/", {"code": "150300D010", "name": "x", "kind": "department", "parent_code": "150300"},
        content_type="application/json").status_code == 403


def test_an_admin_creates_a_user_through_the_api_with_the_same_password_rules(people, login):
    client = login(people.admin)
    weak = client.post("/api/accounts/users/", {"username": "api_user", "name": "接口用户", "password": "123",
                                                "role": "officer", "org_unit_code": "150300"},
                       content_type="application/json")
    assert weak.status_code == 400
    assert not User.objects.filter(username="api_user").exists()
    strong = client.post("/api/accounts/users/", {"username": "api_user", "name": "接口用户",
                                                  "password": "Strong-Password-77", "role": "officer",
                                                  "org_unit_code": "150300"}, content_type="application/json")
    assert strong.status_code == 201 and strong.json()["roles"][0]["role"] == "officer"


def test_session_calls_without_csrf_token_are_refused(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.admin, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/api/accounts/org-units/", {"code": "150300D009", "name": "x", "kind": "department",
                                                        "parent_code": "150300"}, content_type="application/json")
    assert response.status_code == 403
    assert not OrgUnit.objects.filter(code="150300D009").exists()
