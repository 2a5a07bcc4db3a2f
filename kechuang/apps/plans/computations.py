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


def above_scale_rd_revenue_ratio(unit: OrgUnit, year: int) -> Result:
    """规模以上工业企业研发经费支出与营业收入之比 (%): Σ rd_expense ÷ Σ sales_revenue × 100 over the
    above-scale industrial entities' facts of the year with both known (a ratio of sums, as
    the statistics compute it; ``sales_revenue`` is 主营业务收入 + 其他业务收入 = 营业收入)."""
    from decimal import Decimal

    from django.db.models import Count, Sum

    facts = _above_scale_facts(unit, year).filter(rd_expense__isnull=False, sales_revenue__isnull=False)
    totals = facts.aggregate(rd=Sum("rd_expense"), sales=Sum("sales_revenue"), n=Count("pk"))
    cent = Decimal("0.01")   # money has two places; SQLite's SUM may return more digits
    rd = Decimal(totals["rd"] or 0).quantize(cent)
    sales = Decimal(totals["sales"] or 0).quantize(cent)
    value = float(round(rd / sales * 100, 4)) if sales > 0 else None
    return value, {"rule": "Σ rd_expense ÷ Σ sales_revenue × 100, above-scale industrial EntityFact of the year",
                   "year": year, "rd_expense": str(rd), "sales_revenue": str(sales), "entities": totals["n"]}


def _current_results(unit: OrgUnit, year: int):
    """The current stored assessment results (application year ``year``) of the unit's entities."""
    from kechuang.apps.entities.models import AssessmentResult

    return AssessmentResult.objects.filter(year=year, current=True, entity__org_unit__path__startswith=unit.path)


def _assessed(unit: OrgUnit, year: int, rule: str, **condition) -> Result:
    """A count of stored results, with the runs it came from as provenance; None when no run
    has assessed the unit's entities for the year (nothing to count is not zero)."""
    results = _current_results(unit, year)
    runs = sorted(set(results.values_list("run_id", flat=True)))
    if not runs:
        return None, {"rule": rule, "year": year, "runs": [], "note": "no stored assessment run for the year"}
    count = results.filter(**condition).count()
    return float(count), {"rule": rule, "year": year, "runs": runs, "entities": count,
                          "assessed": results.count()}


def hte_assessed_eligible(unit: OrgUnit, year: int) -> Result:
    """Entities the stored assessment of application year ``year`` finds eligible as high-tech
    enterprises (国科发火〔2016〕32号 第十一条, all conditions met)."""
    return _assessed(unit, year, "current AssessmentResult with hte_eligible = true", hte_eligible=True)


def tsme_assessed_eligible(unit: OrgUnit, year: int) -> Result:
    """Entities the stored assessment finds eligible as tech-based SMEs (国科发政〔2017〕115号)."""
    return _assessed(unit, year, "current AssessmentResult with tsme_eligible = true", tsme_eligible=True)


def hte_candidates(unit: OrgUnit, year: int) -> Result:
    """Entities in the high-tech candidate pool (高企培育库) of the stored assessment."""
    return _assessed(unit, year, "current AssessmentResult with candidate = true", candidate=True)


AVAILABLE: dict[str, Callable[[OrgUnit, int], Result]] = {
    "entities.hte_count": hte_count,
    "entities.tsme_count": tsme_count,
    "entities.above_scale_without_rd_expense": above_scale_without_rd_expense,
    "entities.above_scale_without_rd_institution": above_scale_without_rd_institution,
    "entities.rd_active_share": rd_active_share,
    "entities.above_scale_rd_revenue_ratio": above_scale_rd_revenue_ratio,
    "entities.hte_assessed_eligible": hte_assessed_eligible,
    "entities.tsme_assessed_eligible": tsme_assessed_eligible,
    "entities.hte_candidates": hte_candidates,
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
