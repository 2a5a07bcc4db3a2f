"""``{% load plans_tags %}{% plans_reminders user %}``: the home page's reporting reminders."""

from __future__ import annotations

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("plans/home_block.html")
def plans_reminders(user):
    """Open reports of the user's units (draft or returned), nearest deadline first."""
    from ..models import Round, UnitReport

    if not getattr(user, "is_authenticated", False) or not user.has_capability("plans.report"):
        return {"reports": [], "show": False}
    reports = (UnitReport.objects.visible_to(user, "plans.report")
               .filter(status__in=["draft", "returned"], round__status=Round.Status.OPEN)
               .select_related("round", "round__plan", "org_unit").order_by("round__deadline")[:8])
    return {"reports": reports, "today": timezone.localdate(), "show": True}
