"""Permission-checked fetches: ``access_<noun>(user, pk, capability)``.

An object outside the user's units is reported as not found (404), so that ids of other
units' objects reveal nothing.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from .models import OrgUnit, RoleAssignment, User


def access_org_unit(user, pk, capability: str = "accounts.view_orgunit") -> OrgUnit:
    try:
        return OrgUnit.objects.visible_to(user, capability).get(pk=pk)
    except (OrgUnit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def users_visible_to(user, capability: str = "accounts.manage_user"):
    """Users an administrator manages: those holding a role in its units, and — for an
    administrator of a root unit — users holding no role yet."""
    if not user.is_authenticated:
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    paths = user.scope_paths(capability)
    if not paths:
        return User.objects.none()
    in_scope = Q()
    for path in paths:
        in_scope |= Q(roles__org_unit__path__startswith=path)
    condition = in_scope
    if any(path.count("/") == 2 for path in paths):
        condition |= Q(roles__isnull=True)
    return User.objects.filter(condition).distinct()


def access_user(user, pk, capability: str = "accounts.manage_user") -> User:
    try:
        return users_visible_to(user, capability).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_role_assignment(user, pk) -> RoleAssignment:
    try:
        assignment = RoleAssignment.objects.select_related("org_unit", "user").get(pk=pk)
    except (RoleAssignment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not OrgUnit.objects.visible_to(user, "accounts.manage_user").filter(pk=assignment.org_unit_id).exists():
        raise Http404
    return assignment
