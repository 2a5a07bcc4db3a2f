"""Permission-checked fetches: an object outside the user's units is "not found"."""

from __future__ import annotations

from django.http import Http404

from .evaluation import restricted_codes
from .models import Indicator, Plan, RevisionRequest, Round, UnitReport, Value


def access_plan(user, pk, capability: str = "plans.view_plan") -> Plan:
    try:
        return Plan.objects.visible_to(user, capability).select_related("org_unit", "owner_unit", "load").get(pk=pk)
    except (Plan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_public_plan(pk) -> Plan:
    try:
        return Plan.objects.published().select_related("org_unit", "load").get(pk=pk)
    except (Plan.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_indicator(user, pk, capability: str = "plans.view_plan") -> Indicator:
    try:
        indicator = Indicator.objects.select_related("plan").get(pk=pk)
    except (Indicator.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    plan = access_plan(user, indicator.plan_id, capability)
    codes = restricted_codes(user, plan)
    if codes is not None and indicator.code not in codes:
        raise Http404
    indicator.plan = plan
    return indicator


def access_round(user, pk, capability: str = "plans.view_plan") -> Round:
    try:
        return Round.objects.visible_to(user, capability).select_related("plan", "plan__org_unit").get(pk=pk)
    except (Round.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_report(user, pk, capability: str = "plans.view_plan") -> UnitReport:
    try:
        return (UnitReport.objects.visible_to(user, capability)
                .select_related("round", "round__plan", "round__plan__org_unit", "org_unit").get(pk=pk))
    except (UnitReport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_value(user, pk, capability: str = "plans.view_plan") -> Value:
    try:
        return (Value.objects.visible_to(user, capability)
                .select_related("indicator", "indicator__plan", "org_unit").get(pk=pk))
    except (Value.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_revision(user, pk, capability: str = "plans.view_plan") -> RevisionRequest:
    try:
        return (RevisionRequest.objects.visible_to(user, capability)
                .select_related("report", "report__round", "report__round__plan", "report__org_unit",
                                "value", "value__indicator", "value__org_unit", "requested_by", "decided_by",
                                "revised").get(pk=pk))
    except (RevisionRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_reported_value(user, pk, capability: str = "plans.report") -> Value:
    """A value a unit reported, reached through its report: a county reports its city's
    value for the lines it leads, so the report's unit, not the value's, decides."""
    try:
        value = Value.objects.select_related("indicator", "indicator__plan", "org_unit", "report").get(
            pk=pk, report__isnull=False)
    except (Value.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    value.report = access_report(user, value.report_id, capability)
    return value
