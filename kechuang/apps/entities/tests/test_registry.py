"""The entity registry: who sees which entity, and validated, audited writes."""

from __future__ import annotations

import pytest

from kechuang.apps.audit.models import AuditEntry
from kechuang.apps.entities.models import Entity, EntityFact
from kechuang.testing import valid_uscc

pytestmark = pytest.mark.django_db


def test_a_bureau_sees_its_citys_entities_and_an_enterprise_only_its_own(people):
    def seen(user):
        return set(Entity.objects.visible_to(user).values_list("name", flat=True))

    assert seen(people.officer_wuhai) == {"乌海示例科技有限公司"}
    assert seen(people.officer_hohhot) == {"呼和浩特示例材料有限公司"}
    assert seen(people.admin) == {"乌海示例科技有限公司", "呼和浩特示例材料有限公司"}
    assert seen(people.enterprise) == {"乌海示例科技有限公司"}
    assert seen(people.expert) == set()


def test_an_entity_with_a_wrong_check_character_is_refused_next_to_the_field(people, login):
    client = login(people.officer_wuhai)
    good = valid_uscc("91150303MA0000009")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = client.post("/entities/new/", {"uscc": bad, "name": "某某科技有限公司", "kind": "enterprise",
                                              "org_unit": people.units["150303"].pk})
    assert response.status_code == 200
    assert "GB 32100-2015" in response.content.decode()
    assert not Entity.objects.filter(name="某某科技有限公司").exists()
    ok = client.post("/entities/new/", {"uscc": good, "name": "某某科技有限公司", "kind": "enterprise",
                                        "org_unit": people.units["150303"].pk})
    assert ok.status_code == 302
    assert AuditEntry.objects.filter(verb="entities.entity.create", object_repr="某某科技有限公司").exists()


def test_an_officer_cannot_register_an_entity_in_another_city(people, login):
    client = login(people.officer_wuhai)
    response = client.post("/entities/new/", {"uscc": valid_uscc("91150102MA0000010"), "name": "越界公司",
                                              "kind": "enterprise", "org_unit": people.units["150102"].pk})
    assert response.status_code == 200
    assert not Entity.objects.filter(name="越界公司").exists()


def test_an_enterprise_user_enters_its_own_facts_but_not_anothers(people, login):
    client = login(people.enterprise)
    mine, theirs = people.entities["wuhai"], people.entities["hohhot"]
    response = client.post(f"/entities/{mine.pk}/facts/2024/", {
        "employees": "120", "tech_staff": "30", "sales_revenue": "50000000.00", "rd_expense": "2500000",
        "rd_expense_domestic": "2500000", "total_income": "52000000", "high_tech_income": "40000000"})
    assert response.status_code == 302, response.content.decode()[:2000]
    fact = EntityFact.objects.get(entity=mine, year=2024)
    assert str(fact.sales_revenue) == "50000000.00"
    entry = AuditEntry.objects.get(verb="entities.entityfact.create")
    assert entry.actor == people.enterprise and entry.after["rd_expense"] == "2500000.00"
    assert client.post(f"/entities/{theirs.pk}/facts/2024/", {"employees": "1"}).status_code == 404
    assert client.get(f"/entities/{mine.pk}/edit/").status_code == 403


def test_inconsistent_facts_are_refused_field_by_field_and_nothing_is_saved(people, login):
    client = login(people.officer_wuhai)
    entity = people.entities["wuhai"]
    response = client.post(f"/entities/{entity.pk}/facts/2024/", {
        "employees": "10", "tech_staff": "30", "rd_expense": "100", "rd_expense_domestic": "200",
        "total_income": "100", "high_tech_income": "500", "sales_revenue": "-5"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"tech_staff", "rd_expense_domestic", "high_tech_income", "sales_revenue"} <= set(errors)
    assert not EntityFact.objects.filter(entity=entity).exists()


def test_the_api_lists_only_visible_entities_and_validates_the_credit_code(people, login):
    client = login(people.officer_wuhai)
    names = [e["name"] for e in client.get("/api/entities/").json()["results"]]
    assert names == ["乌海示例科技有限公司"]
    assert client.get(f"/api/entities/{people.entities['hohhot'].pk}/").status_code == 404
    bad = client.post("/api/entities/", {"uscc": "123", "name": "x", "kind": "enterprise",
                                         "division_code": "150302"}, content_type="application/json")
    assert bad.status_code == 400 and "uscc" in bad.json()
    good = client.post("/api/entities/", {"uscc": valid_uscc("91150302MA0000011"), "name": "接口企业",
                                          "kind": "enterprise", "division_code": "150302"},
                       content_type="application/json")
    assert good.status_code == 201 and good.json()["division_code"] == "150302"
