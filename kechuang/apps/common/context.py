"""Template context every page gets: the menu, the user's roles, the platform name."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from . import navigation


def platform(request) -> dict:
    user = getattr(request, "user", None)
    context = {
        "platform_name": _("Regional S&T Innovation Platform"),
        "menu_sections": [],
        "current_assignment": None,
        "LANGUAGE_COOKIE_NAME": settings.LANGUAGE_COOKIE_NAME,
    }
    if user is not None and user.is_authenticated:
        context["menu_sections"] = navigation.sections_for(user)
        context["current_assignment"] = user.primary_assignment()
    return context
