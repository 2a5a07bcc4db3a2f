"""The demo's policies: nothing to write — the shipped YAML files are the live version.

``load(verbose)`` prints what the live policies give the demo register in its latest year
with facts. The demo entities have facts for 2022–2024; the Hohhot draft applies from 2025,
so the demo shows tax benefits and near misses until the register has 2025 facts.
"""

from __future__ import annotations


def load(verbose: bool = True) -> dict:
    from kechuang.apps.entities.models import Entity

    from . import evaluation, live
    from .facts import registry_facts
    from .views import default_year

    entities = Entity.objects.all()
    year = default_year(entities)
    result = evaluation.evaluate_scoped(live.live_policies(), registry_facts(entities, year), year)
    summary = {"year": year, "entities": result.frame.height,
               "grants_yuan": str(evaluation.yuan(result.total_fen)),
               "awarded": int((result.frame["total"] > 0).sum()) if result.frame.height else 0}
    if verbose:
        print(f"policies: {summary['entities']} entities evaluated for {year}, grants {summary['grants_yuan']} yuan "
              f"to {summary['awarded']}")
    return summary
