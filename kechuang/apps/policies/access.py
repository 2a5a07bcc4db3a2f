"""Permission-checked fetches: an entity outside the reader's reach (for an enterprise
user: any entity it is not a member of) is "not found"."""

from __future__ import annotations

from django.http import Http404

from kechuang.apps.entities.models import Entity

VIEW, MANAGE = "policies.view_policy", "policies.manage_policy"


def visible_entities(user, capability: str = VIEW):
    return Entity.objects.visible_to(user, capability)


def access_entity(user, pk, capability: str = VIEW) -> Entity:
    try:
        return visible_entities(user, capability).select_related("org_unit").get(pk=pk)
    except (Entity.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_policy(pset, code: str):
    if code not in pset.policies:
        raise Http404
    return pset[code]
