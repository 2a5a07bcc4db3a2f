"""Roles and the capabilities each one grants (PRODUCT.md §2).

A role is held in an org unit (``RoleAssignment``); a capability held through a role
reaches that unit and every unit below it. The table below is the whole permission
model: a page or API view declares the capability it needs (``required_capability``)
and ``tests/test_permission_matrix.py`` walks every URL against every role.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Platform administrator")
    OFFICER = "officer", _("Bureau officer")
    REPORTER = "reporter", _("Unit reporter")
    ENTERPRISE = "enterprise", _("Enterprise user")
    EXPERT = "expert", _("Expert")


ALL_ROLES = frozenset(Role)

#: Roles that reach only their own objects (an enterprise user its entity, an expert what
#: is assigned to it), never the whole unit they are registered in.
OWN_OBJECT_ROLES = frozenset({Role.ENTERPRISE, Role.EXPERT})

#: capability -> the roles that grant it. Later modules add their own lines here.
CAPABILITIES: dict[str, frozenset[Role]] = {
    # Org units: officers and reporters see their own unit and the units below it.
    "accounts.view_orgunit": frozenset({Role.ADMIN, Role.OFFICER, Role.REPORTER}),
    "accounts.manage_orgunit": frozenset({Role.ADMIN}),
    "accounts.manage_user": frozenset({Role.ADMIN}),
    "audit.view_auditentry": frozenset({Role.ADMIN}),
    # Every signed-in user follows the tasks they started (administrators see all in scope).
    "tasks.view_task": ALL_ROLES,
    # Innovation entities: bureaus and reporters see those of their units; an enterprise
    # user sees and maintains the entities it belongs to (OWN_OBJECT_ROLES).
    "entities.view_entity": frozenset({Role.ADMIN, Role.OFFICER, Role.REPORTER, Role.ENTERPRISE}),
    "entities.manage_entity": frozenset({Role.ADMIN, Role.OFFICER}),
    "entities.edit_facts": frozenset({Role.ADMIN, Role.OFFICER, Role.ENTERPRISE}),
    # Stored assessments: a bureau runs them over its units and sets its ladder criteria.
    "entities.run_assessment": frozenset({Role.ADMIN, Role.OFFICER}),
    # Fair competition review of normative documents: the bureau's drafting and review staff.
    "review.view_document": frozenset({Role.ADMIN, Role.OFFICER}),
    "review.manage_document": frozenset({Role.ADMIN, Role.OFFICER}),
    # Plans: the bureau loads plans, opens reporting rounds, approves or returns reports;
    # a unit reporter sees and reports the indicators and tasks of its own unit.
    "plans.view_plan": frozenset({Role.ADMIN, Role.OFFICER, Role.REPORTER}),
    "plans.manage_plan": frozenset({Role.ADMIN, Role.OFFICER}),
    "plans.report": frozenset({Role.REPORTER, Role.OFFICER}),
    # Policies: the bureau evaluates, confirms no-application benefits, changes parameters
    # and runs what-ifs; an enterprise user sees the benefits of its own entities.
    "policies.view_policy": frozenset({Role.ADMIN, Role.OFFICER, Role.REPORTER, Role.ENTERPRISE}),
    "policies.manage_policy": frozenset({Role.ADMIN, Role.OFFICER}),
}


def roles_granting(capability: str) -> frozenset[Role]:
    try:
        return CAPABILITIES[capability]
    except KeyError:
        raise KeyError(f"unknown capability {capability!r}; add it to CAPABILITIES") from None
