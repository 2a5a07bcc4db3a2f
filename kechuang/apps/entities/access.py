"""Permission-checked fetches of entities: another unit's entity is "not found"."""

from __future__ import annotations

from django.http import Http404

from .models import Entity


def access_entity(user, pk, capability: str = "entities.view_entity") -> Entity:
    try:
        return Entity.objects.visible_to(user, capability).select_related("org_unit").get(pk=pk)
    except (Entity.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
