"""The bureau's block on the home page (registered with ``register_home_block``): the
revision requests waiting for its decision and the reports waiting for its approval, in
the plans whose place (or monitoring unit) lies in the user's units — the same scope in
which ``do_decide_revision`` and ``do_approve_report`` let the user act."""

from __future__ import annotations

from django.db.models import Q

#: How many requests and reports the block lists (the counts are always complete).
LIMIT = 8


def _plan_scope(user, prefix: str) -> Q:
    """Rows whose plan (reached through ``prefix``) has its place or its monitoring unit in
    the user's ``plans.manage_plan`` units."""
    condition = Q(pk__in=[])
    for path in user.scope_paths("plans.manage_plan"):
        condition |= Q(**{f"{prefix}org_unit__path__startswith": path})
        condition |= Q(**{f"{prefix}owner_unit__path__startswith": path})
    return condition


def bureau_home_context(user) -> dict:
    """``plans_bureau``: None for a user who does not manage plans; else the pending
    revision requests and the submitted reports, each with its full count."""
    from .models import RevisionRequest, UnitReport

    if not getattr(user, "is_authenticated", False) or not user.has_capability("plans.manage_plan"):
        return {"plans_bureau": None}
    revisions = RevisionRequest.objects.filter(status=RevisionRequest.Status.PENDING)
    reports = UnitReport.objects.filter(status=UnitReport.Status.SUBMITTED)
    if not user.is_superuser:
        revisions = revisions.filter(_plan_scope(user, "report__round__plan__"))
        reports = reports.filter(_plan_scope(user, "round__plan__"))
    revisions = revisions.select_related("value", "value__indicator", "report__org_unit", "report__round__plan")
    reports = reports.select_related("round", "round__plan", "org_unit")
    return {"plans_bureau": {
        "revisions": list(revisions.order_by("requested_at")[:LIMIT]), "revision_count": revisions.count(),
        "reports": list(reports.order_by("submitted_at")[:LIMIT]), "report_count": reports.count(),
    }}
