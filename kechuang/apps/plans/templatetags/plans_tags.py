"""``{% load plans_tags %}{% plans_reminders user %}``: the home page's reporting reminders and
the bureau's pending decisions."""

from __future__ import annotations

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("plans/home_block.html", takes_context=True)
def plans_reminders(context, user):
    """Open reports of the user's units (draft or returned), nearest deadline first; and,
    for the bureau, what waits for its decision (``plans_bureau``, put in the home page's
    context by :func:`kechuang.apps.plans.home.bureau_home_context`)."""
    from ..models import Round, UnitReport

    bureau = context.get("plans_bureau")
    if not getattr(user, "is_authenticated", False) or not user.has_capability("plans.report"):
        return {"reports": [], "show": False, "bureau": bureau}
    reports = (UnitReport.objects.visible_to(user, "plans.report")
               .filter(status__in=["draft", "returned"], round__status=Round.Status.OPEN)
               .select_related("round", "round__plan", "org_unit").order_by("round__deadline")[:8])
    return {"reports": reports, "today": timezone.localdate(), "show": True, "bureau": bureau}
