"""The column-wise registry reader (``facts.assessment_facts``) gives exactly the frame a
plain per-row reading of the same registry gives: blanks, zeros, negative and very large
amounts, deregistered entities, several years, certificates and registrations after the
application date, expert grades typed as numbers or left blank."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from kechuang.apps.entities import actions
from kechuang.apps.entities.facts import _frame_value, assessment_facts, frame_from_lists
from kechuang.apps.entities.models import Entity, EntityFact, HteCertificate, TsmeRegistration
from kechuang.engine.exchange import COLUMNS, exchange_from_frame

from .conftest import FACTS

_OWN_FIELDS = {f.name for f in Entity._meta.fields}


def per_row_reading(entities, year: int, on: datetime.date):
    """The reference: model instances, one row and one cell at a time."""
    columns: dict[str, list] = {spec.key: [] for spec in COLUMNS}
    ids = []
    facts = (EntityFact.objects.filter(entity__in=entities, year__gte=year - 3, year__lte=year)
             .select_related("entity__org_unit").order_by("entity_id", "year"))
    for fact in facts:
        entity = fact.entity
        certificates = [c.issued_on for c in entity.hte_certificates.all() if c.issued_on <= on]
        registrations = [r.year for r in entity.tsme_registrations.all() if r.year <= year]
        for spec in COLUMNS:
            key = spec.key
            if key == "division_code":
                value = entity.org_unit.code
            elif key == "hte_certified_on":
                value = max(certificates, default=None)
            elif key == "tsme_registered_year":
                value = max(registrations, default=None)
            elif spec.level == "year":
                value = getattr(fact, key)
            elif key in _OWN_FIELDS:
                value = getattr(entity, key)
            else:
                value = entity.expert_grades.get(key)
            columns[key].append(_frame_value(spec.kind, value))
        ids.append(entity.pk)
    return frame_from_lists(columns), ids


@pytest.fixture
def awkward_registry(registry):
    """The shared registry plus the personas' entities made awkward on purpose."""
    wuhai, hohhot = registry.entities["wuhai"], registry.entities["hohhot"]
    # wuhai: blanks, zeros, a negative and the largest amounts, a year before the window
    actions.do_save_facts(wuhai, 2023, acting_user=None, **{
        **FACTS, "sales_revenue": "0", "non_taxable_income": None, "net_assets": "-1234567.89",
        "total_assets": "9999999999999.99", "rd_expense": "0.01", "rd_expense_domestic": "0","employees": "12.5", "tech_staff": None,
        "ip_class1": None, "ip_class2": 0, "has_rd_institution": None, "rd_institution_level": ""})
    actions.do_save_facts(wuhai, 2019, acting_user=None, **FACTS)   # outside Y−3…Y: not read
    actions.do_save_facts(wuhai, 2021, acting_user=None, **{**FACTS, "total_income": "70000000.10"})
    HteCertificate.objects.create(entity=wuhai, issued_on=datetime.date(2021, 10, 1))
    HteCertificate.objects.create(entity=wuhai, issued_on=datetime.date(2023, 11, 20))
    HteCertificate.objects.create(entity=wuhai, issued_on=datetime.date(2024, 12, 1))   # after the date
    TsmeRegistration.objects.create(entity=wuhai, year=2023)
    TsmeRegistration.objects.create(entity=wuhai, year=2025)                            # after the year
    Entity.objects.filter(pk=wuhai.pk).update(
        industry_code="", listed=True, national_award_top3_year=2020,
        expert_grades={"mgmt_rd_system": 5, "mgmt_talent_system": "", "ip_advancement_grade": "B"})
    # hohhot: deregistered, with a blank registration date and field
    Entity.objects.filter(pk=hohhot.pk).update(deregistered_on=datetime.date(2024, 3, 1),
                                               registered_on=None, tech_field="")
    return registry


@pytest.mark.parametrize("year, on", [(2024, datetime.date(2024, 6, 30)), (2024, datetime.date(2024, 12, 31)),
                                      (2025, datetime.date(2025, 6, 30)), (2023, datetime.date(2023, 6, 30))])
def test_the_column_wise_reader_gives_the_per_row_frame_exactly(awkward_registry, year, on):
    everyone = Entity.objects.all()
    facts = assessment_facts(everyone, year, on)
    expected, ids = per_row_reading(everyone, year, on)
    assert facts.frame().schema == expected.schema
    assert facts.frame().equals(expected)
    assert facts.entity_ids == ids
    assert len(facts) == len(ids) > 0
    # the validated tables agree too, and so does the explain pass's shortcut
    table = exchange_from_frame(facts.frame(), source="registry")
    assert table.data.equals(exchange_from_frame(expected, source="registry").data)
    assert facts.canonical().equals(table.data)


def test_the_awkward_values_come_through_exactly(awkward_registry):
    wuhai = awkward_registry.entities["wuhai"]
    facts = assessment_facts(Entity.objects.filter(pk=wuhai.pk), 2024, datetime.date(2024, 6, 30))
    rows = facts.frame().to_dicts()
    assert [r["year"] for r in rows] == [2021, 2022, 2023, 2024]
    y2023 = rows[2]
    assert y2023["net_assets"] == Decimal("-1234567.89")
    assert y2023["total_assets"] == Decimal("9999999999999.99")
    assert y2023["rd_expense"] == Decimal("0.01") and y2023["sales_revenue"] == Decimal("0")
    assert y2023["rd_expense_domestic"] == Decimal("0")
    assert y2023["non_taxable_income"] is None and y2023["tech_staff"] is None
    assert y2023["employees"] == Decimal("12.5") and y2023["ip_class2"] == 0 and y2023["ip_class1"] is None
    assert y2023["rd_institution_level"] is None and y2023["has_rd_institution"] is None
    assert rows[0]["total_income"] == Decimal("70000000.10")
    for row in rows:   # entity columns as of the date, on every row
        assert row["hte_certified_on"] == datetime.date(2023, 11, 20)
        assert row["tsme_registered_year"] == 2023
        assert row["industry_code"] is None and row["listed"] is True
        assert row["mgmt_rd_system"] == "5" and row["mgmt_talent_system"] is None
        assert row["ip_advancement_grade"] == "B" and row["national_award_top3_year"] == 2020


def test_no_entity_or_no_facts_gives_an_empty_frame_of_the_right_columns(awkward_registry):
    facts = assessment_facts(Entity.objects.none(), 2024, datetime.date(2024, 6, 30))
    assert len(facts) == 0 and facts.frame().columns == [spec.key for spec in COLUMNS]
    empty = assessment_facts(Entity.objects.all(), 2040, datetime.date(2040, 6, 30))
    assert len(empty) == 0 and empty.frame().schema == frame_from_lists({s.key: [] for s in COLUMNS}).schema
