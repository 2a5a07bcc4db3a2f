"""Every URL × every role → the expected outcome, built from the URL configuration itself.

A view declares ``required_capability`` (PUBLIC, SIGNED_IN, or a capability of
``accounts.roles.CAPABILITIES``). This test walks every URL pattern, refuses a view that
declares nothing, and opens each URL as the anonymous public and as every persona:

- allowed: any status but 401/403 and not a redirect to the login page;
- signed in but not allowed: 403;
- anonymous on a non-public page: a redirect to the login page (pages) or 401 (API).

URLs with an object id are opened with an object inside the persona's units; a
separate test opens other units' objects and expects 404.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from kechuang.apps.accounts.roles import roles_granting
from kechuang.apps.common.views import PUBLIC, SIGNED_IN

# Routes that are not pages of ours: Django's own static-serving and format suffixes.
SKIPPED_PREFIXES = ("static/", "media/")


def walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}", entry.callback


def view_capability(callback, method: str = "get"):
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        actions = getattr(callback, "actions", None) or {}
        per_action = getattr(view_class, "action_capabilities", None) or {}
        action = actions.get(method)
        if action in per_action:
            return per_action[action]
        return getattr(view_class, "required_capability", None)
    return getattr(callback, "required_capability", None)


ALL_ROUTES = [r for r in walk(get_resolver()) if not r[0].startswith(SKIPPED_PREFIXES)]


def test_every_url_declares_who_may_open_it():
    undeclared = [name for _route, name, callback in ALL_ROUTES if view_capability(callback) is None]
    assert not undeclared, f"views without required_capability: {undeclared}"


def test_every_declared_capability_exists():
    for _route, _name, callback in ALL_ROUTES:
        capability = view_capability(callback)
        if capability not in (PUBLIC, SIGNED_IN):
            roles_granting(capability)  # raises KeyError for a misspelt capability


def _sample_kwargs(route: str, people, persona: str, task_id, audit_id) -> dict | None:
    """Fill the route's parameters with objects inside the persona's units (or None)."""
    from kechuang.testing import PERSONAS

    kwargs = {}
    if route.startswith(("plans/", "api/plans/")):  # plans module: objects of the persona's city
        from kechuang.apps.plans.testing import sample_kwargs as plans_sample_kwargs

        return plans_sample_kwargs(route, people, persona)
    if route.startswith(("policies/", "api/policies/")):  # policies module: a policy code, the persona's entity
        from kechuang.apps.policies.testing import sample_kwargs as policies_sample_kwargs

        return policies_sample_kwargs(route, people, persona)
    if "<int:year>" in route:
        kwargs["year"] = 2024
    if "<int:pk>" in route or "<pk>" in route or "(?P<pk>" in route:
        if "entities" in route:
            entity = people.entities["hohhot" if persona == "officer_hohhot" else "wuhai"]
            kwargs["pk"] = entity.pk
            if "assessment-r" in route:  # a stored run over the region with a result for the entity
                import datetime

                from kechuang.apps.entities.models import AssessmentResult, AssessmentRun

                run = AssessmentRun.objects.filter(rule_version="r1-matrix").first() or AssessmentRun.objects.create(
                    year=2025, on=datetime.date(2025, 6, 30), org_unit=people.units["150000"],
                    rule_version="r1-matrix", status=AssessmentRun.Status.DONE)
                result, _ = AssessmentResult.objects.get_or_create(
                    run=run, entity=entity, defaults={"org_unit": entity.org_unit, "uscc": entity.uscc,
                                                      "year": 2025, "stage": "none"})
                kwargs["pk"] = run.pk if "assessment-runs" in route else result.pk
        elif "review" in route:  # review module: a document of the persona's city
            from kechuang.apps.review.testing import sample_document

            kwargs["pk"] = sample_document(people.units["150100" if persona == "officer_hohhot" else "150300"]).pk
        elif "units" in route or "org-units" in route:
            kwargs["pk"] = people.units[PERSONAS.get(persona, (None, "150302"))[1]].pk
        elif "users" in route:
            kwargs["pk"] = people.reporter_haibowan.pk
        elif "roles" in route:
            kwargs["pk"] = people.reporter_haibowan.roles.first().pk
        elif "audit" in route or "entries" in route:
            kwargs["pk"] = audit_id
        elif "tasks" in route:
            kwargs["pk"] = task_id
        else:
            return None
    if "<uuid:pk>" in route:
        kwargs["pk"] = task_id
    return kwargs


PERSONA_NAMES = ["public", "admin", "admin_wuhai", "officer_wuhai", "officer_hohhot", "reporter_haibowan",
                 "enterprise", "expert"]


def expected(capability: str, persona: str, people) -> str:
    if capability == PUBLIC:
        return "allowed"
    if persona == "public":
        return "login"
    if capability == SIGNED_IN:
        return "allowed"
    role = people.role_of(persona)
    return "allowed" if role in roles_granting(capability) else "forbidden"


def outcome(response, is_api: bool) -> str:
    if response.status_code in (401,) or (
        response.status_code == 302 and "/accounts/login/" in response.headers.get("Location", "")
    ):
        return "login"
    if response.status_code == 403:
        # DRF answers 403 to an anonymous caller of session-only endpoints: still "login".
        return "forbidden"
    return "allowed"


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_permission_matrix(persona, people, client, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile
    from django.urls import reverse

    from kechuang.apps.audit import record
    from kechuang.apps.tasks.models import Task

    owner = people.users.get(persona)
    task = Task.objects.create(name="accounts.import_org_units", label="matrix", created_by=owner)
    entry = record("accounts.orgunit.import", unit=people.units["150302"], object_type="accounts.orgunit",
                   batch_file=ContentFile(b"code,name\n", name="units.csv"), row_count=0)
    if owner is not None:
        client.force_login(owner, backend="django.contrib.auth.backends.ModelBackend")
    failures = []
    for route, name, callback in ALL_ROUTES:
        capability = view_capability(callback)
        kwargs = _sample_kwargs(route, people, persona, task.pk, entry.pk)
        if kwargs is None:
            failures.append(f"{name}: no sample object for route {route}")
            continue
        try:
            url = reverse(name, kwargs=kwargs or None)
        except Exception as exc:  # a route with parameters the helper does not know
            failures.append(f"{name}: cannot build URL ({exc})")
            continue
        is_api = url.startswith("/api/")
        response = client.get(url, HTTP_ACCEPT="application/json" if is_api else "text/html")
        want = expected(capability, persona, people)
        got = outcome(response, is_api)
        if got == "allowed" and response.status_code == 404:
            got = "not found"  # every sample object lies inside the persona's units
        if got != want:
            failures.append(f"{persona} GET {url} ({name}, needs {capability}): expected {want}, got "
                            f"{got} ({response.status_code})")
    assert not failures, "\n".join(failures)


def test_another_units_objects_are_not_found(people, client):
    """Ids of objects outside one's units answer 404 on pages and in the API."""
    from django.urls import reverse

    hohhot_county = people.units["150102"]
    client.force_login(people.officer_wuhai, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("accounts:orgunit_detail", args=[hohhot_county.pk])).status_code == 404
    assert client.get(f"/api/accounts/org-units/{hohhot_county.pk}/").status_code == 404
    client.force_login(people.admin_wuhai, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("accounts:user_detail", args=[people.officer_hohhot.pk])).status_code == 404
    assert client.get(f"/api/accounts/users/{people.officer_hohhot.pk}/").status_code == 404
    assert client.get(reverse("accounts:orgunit_edit", args=[hohhot_county.pk])).status_code == 404
    client.force_login(people.reporter_haibowan, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("accounts:orgunit_detail", args=[people.units["150303"].pk])).status_code == 404
    assert client.get(f"/api/tasks/{uuid.uuid4()}/").status_code == 404
