"""For the home page: “您符合…可获…” for an enterprise user's own entities.

The lead's home view calls ``context.update(home_benefits_context(request.user))`` and the
template includes ``{% include "policies/_home_benefits.html" %}`` (it renders nothing when
the list is empty). Only grants the entity qualifies for in its latest year with facts are
listed; those the bureau confirmed are marked.
"""

from __future__ import annotations

from kechuang.apps.entities.models import Entity


def home_benefits_context(user, limit: int = 5) -> dict:
    if not getattr(user, "is_authenticated", False) or not user.has_capability("policies.view_policy"):
        return {"policy_benefits": []}
    entities = list(Entity.objects.filter(members__user=user).distinct()[:limit])
    if not entities:
        return {"policy_benefits": []}
    from . import evaluation, live
    from .facts import registry_facts
    from .models import BenefitDecision
    from .views import default_year, lang

    pset = live.live_policies()
    out = []
    for entity in entities:
        one = Entity.objects.filter(pk=entity.pk)
        year = default_year(one)
        try:
            facts = registry_facts(one, year)
            result = evaluation.entity_benefits(pset, facts, entity.uscc, year,
                                                evaluation.decision_state(year, one), lang())
        except Exception:  # the home page never fails because of a benefit computation
            continue
        confirmed = set(BenefitDecision.objects.filter(entity=entity, year=year).values_list("benefit", flat=True))
        for b in result.awarded:
            if b["kind"] == "grant" and b["amount"]:
                out.append({**b, "entity": entity, "year": year, "confirmed": b["benefit"] in confirmed})
    return {"policy_benefits": out}
