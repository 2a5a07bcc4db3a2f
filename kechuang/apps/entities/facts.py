"""The registry as the engine sees it: ORM rows → the canonical exchange table."""

from __future__ import annotations

from kechuang.engine.exchange import COLUMNS

from .models import Entity, EntityFact

_ENTITY_ATTRS = {"uscc", "name", "registered_on", "industry_code", "tech_field", "listed"}


def exchange_rows(entities, years=None, *, as_of_each_year: bool = False):
    """One dict per (entity, year) with the exchange table's keys, in yuan (for files).

    ``entities`` is a queryset already scoped to the reader (``visible_to``). The exchange
    table holds one certificate date and one tech-SME registration year per entity (the
    latest); ``as_of_each_year`` gives instead the certificate in force and the
    registration of each row's own year (for facts derived from history).
    """
    facts = EntityFact.objects.filter(entity__in=entities).select_related("entity__org_unit").order_by(
        "entity__uscc", "year")
    if years:
        facts = facts.filter(year__in=years)
    latest_certificate = {}
    for entity in Entity.objects.filter(pk__in=entities.values("pk")).prefetch_related(
            "hte_certificates", "tsme_registrations"):
        certificates = sorted(c.issued_on for c in entity.hte_certificates.all())
        registrations = sorted(r.year for r in entity.tsme_registrations.all())
        latest_certificate[entity.pk] = (certificates, registrations)
    for fact in facts.iterator(chunk_size=2000):
        entity = fact.entity
        certificates, registrations = latest_certificate.get(entity.pk, ([], []))
        row = {}
        for spec in COLUMNS:
            key = spec.key
            if key in _ENTITY_ATTRS:
                value = getattr(entity, key)
            elif key == "division_code":
                value = entity.org_unit.code
            elif key == "year":
                value = fact.year
            elif key == "hte_certified_on":  # an entity column: the latest certificate
                if as_of_each_year:
                    value = max((d for d in certificates if d.year <= fact.year), default=None)
                else:
                    value = certificates[-1] if certificates else None
            elif key == "tsme_registered_year":  # an entity column: the latest registration
                if as_of_each_year:
                    value = fact.year if fact.year in registrations else None
                else:
                    value = registrations[-1] if registrations else None
            elif hasattr(fact, key):
                value = getattr(fact, key)
            else:
                value = entity.expert_grades.get(key)
            row[key] = value
        yield row
