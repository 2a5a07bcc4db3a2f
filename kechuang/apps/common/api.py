"""API conventions: the same capability checks as pages, errors in the user's language."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from rest_framework import exceptions, permissions

from .views import PUBLIC, check_access


class HasCapability(permissions.BasePermission):
    """Allows a request when the user holds the capability the view declares.

    A view declares ``required_capability`` (one for every action), or
    ``action_capabilities = {"list": ..., "create": ...}`` per viewset action.
    Object-level scoping is the queryset's job (``visible_to``): an object outside the
    user's units is "not found", never "forbidden", so ids do not leak.
    """

    def has_permission(self, request, view) -> bool:
        capability = getattr(view, "required_capability", None)
        per_action = getattr(view, "action_capabilities", None)
        if per_action and getattr(view, "action", None) in per_action:
            capability = per_action[view.action]
        if capability != PUBLIC and not request.user.is_authenticated:
            raise exceptions.NotAuthenticated
        try:
            check_access(request.user, capability)
        except PermissionDenied:
            return False
        return True


def exception_handler(exc, context):
    """DRF's handler, plus a machine-readable ``code`` on every error body."""
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        detail = response.data["detail"]
        response.data["code"] = getattr(detail, "code", "error")
    return response
