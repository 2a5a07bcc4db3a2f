"""Computed indicators: values the registries can answer, per unit subtree and year.

The catalogue names each computation ``<module>.<name>`` (``data/plans/catalogue.yaml``).
:data:`AVAILABLE` maps the names this platform computes to their functions; each returns
``(value, provenance)`` for an org unit (the unit and every unit below it) and a year, the
provenance saying what was counted. :data:`NOT_AVAILABLE` lists the names the catalogue uses
that the registries cannot answer yet, with the reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import Q

from kechuang.apps.accounts.models import OrgUnit

Result = tuple[float | None, dict[str, Any]]


def _year_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def _entities_in(unit: OrgUnit, on: datetime.date):
    from kechuang.apps.entities.models import Entity

    return Entity.objects.filter(org_unit__path__startswith=unit.path).filter(
        Q(deregistered_on__isnull=True) | Q(deregistered_on__gt=on))


def hte_count(unit: OrgUnit, year: int) -> Result:
    """Entities holding a high-tech certificate valid on 31 December (three years from issue)."""
    on = _year_end(year)
    try:
        earliest = on.replace(year=on.year - 3)
    except ValueError:  # pragma: no cover - 31 December always exists
        earliest = on - datetime.timedelta(days=3 * 365)
    count = _entities_in(unit, on).filter(hte_certificates__issued_on__lte=on,
                                          hte_certificates__issued_on__gt=earliest).distinct().count()
    return float(count), {"rule": "HteCertificate valid on date (issued_on within 3 years)", "date": on.isoformat(),
                          "entities": count}


def tsme_count(unit: OrgUnit, year: int) -> Result:
    """Entities registered as tech-based SMEs in the year."""
    count = _entities_in(unit, _year_end(year)).filter(tsme_registrations__year=year).distinct().count()
    return float(count), {"rule": "TsmeRegistration of the year", "year": year, "entities": count}


def _above_scale_facts(unit: OrgUnit, year: int):
    from kechuang.apps.entities.models import EntityFact

    return EntityFact.objects.filter(year=year, is_above_scale=True, is_industrial=True,
                                     entity__org_unit__path__startswith=unit.path)


def above_scale_without_rd_expense(unit: OrgUnit, year: int) -> Result:
    facts = _above_scale_facts(unit, year)
    count = facts.filter(rd_expense=0).count()
    unknown = facts.filter(rd_expense__isnull=True).count()
    return float(count), {"rule": "above-scale industrial EntityFact with rd_expense = 0", "year": year,
                          "entities": count, "rd_expense_unknown": unknown}


def above_scale_without_rd_institution(unit: OrgUnit, year: int) -> Result:
    facts = _above_scale_facts(unit, year)
    count = facts.filter(has_rd_institution=False).count()
    unknown = facts.filter(has_rd_institution__isnull=True).count()
    return float(count), {"rule": "above-scale industrial EntityFact with has_rd_institution = false",
                          "year": year, "entities": count, "unknown": unknown}


def rd_active_share(unit: OrgUnit, year: int) -> Result:
    facts = _above_scale_facts(unit, year).filter(rd_expense__isnull=False)
    total = facts.count()
    active = facts.filter(rd_expense__gt=0).count()
    value = round(active / total * 100, 4) if total else None
    return value, {"rule": "above-scale industrial entities with rd_expense > 0 ÷ those with rd_expense known × 100",
                   "year": year, "numerator": active, "denominator": total}


AVAILABLE: dict[str, Callable[[OrgUnit, int], Result]] = {
    "entities.hte_count": hte_count,
    "entities.tsme_count": tsme_count,
    "entities.above_scale_without_rd_expense": above_scale_without_rd_expense,
    "entities.above_scale_without_rd_institution": above_scale_without_rd_institution,
    "entities.rd_active_share": rd_active_share,
}

NOT_AVAILABLE: dict[str, str] = {
    "entities.above_scale_without_invention_patent":
        "the entity registry keeps class I IP counts, not valid invention patents; report it until the IP "
        "registry exists",
}

KNOWN = set(AVAILABLE) | set(NOT_AVAILABLE)


def compute(name: str, unit: OrgUnit, year: int) -> Result:
    """The value of a computation for a unit subtree and year; KeyError when not available."""
    return AVAILABLE[name](unit, year)
