"""``kechuang bench policy-registry``: how long the policy pages take on a registry of N entities.

A fictitious registry of N entities (the demo's generator, three fiscal years each) is
imported into the configured database inside a transaction that is rolled back at the end,
so the database is left as it was (run it on a database that has the demo's org units).
With ``--entities 0`` nothing is imported and the registry as it stands is measured.
Timed, each the best of ``repeat`` runs, over every entity of the database:

* ``facts_s`` — the engine's facts frame from the registry (``facts.registry_facts``);
* ``evaluate_s`` — one year, every live policy (``evaluation.evaluate_scoped``);
* ``budget_s`` — the budget page's computation: facts, decision state, ``years`` years;
* ``whatif_s`` — the what-if page's computation: facts, state, baseline and reform budgets.
"""

from __future__ import annotations

import time


def _best(call, repeat: int) -> tuple[float, object]:
    best, out = None, None
    for _ in range(repeat):
        started = time.perf_counter()
        out = call()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return round(best or 0.0, 3), out


def bench_policy_registry(entities: int, year: int = 2024, years: int = 3, repeat: int = 3) -> dict:
    """The timings as a dict (see the module's docstring); the database is left as it was."""
    from django.db import connection, transaction

    from kechuang.apps.entities import actions as entity_actions
    from kechuang.apps.entities.demo import demo_rows
    from kechuang.apps.entities.models import Entity
    from kechuang.engine.exchange import exchange_from_rows

    from . import evaluation, live
    from .facts import registry_facts

    result: dict = {"entities": entities, "database": connection.vendor, "year": year, "years": years}
    with transaction.atomic():
        if entities:
            started = time.perf_counter()
            rows = demo_rows(entities, years=(year - 2, year - 1, year), seed=17)
            entity_actions.do_import_exchange(exchange_from_rows(rows, source="bench"), acting_user=None)
            result["setup_import_s"] = round(time.perf_counter() - started, 2)
        everyone = Entity.objects.all()
        pset = live.live_policies()
        result["facts_s"], facts = _best(lambda: registry_facts(everyone, year), repeat)
        result["registry_entities"] = everyone.count()
        result["facts_rows"] = facts.height
        result["evaluate_s"], _ = _best(lambda: evaluation.evaluate_scoped(pset, facts, year), repeat)

        def budget():
            f = registry_facts(everyone, year)
            return evaluation.budget(pset, f, year, years, state=evaluation.decision_state(year, everyone))

        def whatif():
            f = registry_facts(everyone, year)
            state = evaluation.decision_state(year, everyone)
            base = evaluation.budget(pset, f, year, years, state=state)
            reform = evaluation.budget(pset, f, year, years, overrides={"rd_increment_cap": "500万"}, state=state)
            return base, reform

        result["budget_s"], results = _best(budget, repeat)
        result["budget_total_yuan"] = str(evaluation.yuan(sum(r.total_fen for r in results)))
        result["whatif_s"], _ = _best(whatif, repeat)
        transaction.set_rollback(True)   # a benchmark leaves nothing behind
    return result
