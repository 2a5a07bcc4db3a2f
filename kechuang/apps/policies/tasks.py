"""Background tasks of the policies module.

``policies.no_application`` builds the no-application list (免申即享) of one policy and one
year for the entities the user manages. A region-wide registry is evaluated city by city
(the first four digits of the entity's division code), each city's facts built, evaluated
and dropped before the next, with the progress on the task row; cities outside the policy's
territory are skipped. The rows are kept as a JSON file in the media storage (shared by
every web and worker process), named in the task's result; the page reads them from there.
"""

from __future__ import annotations

import json

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.apps.tasks.registry import task
from kechuang.apps.tasks.runner import TaskFailed, TaskRun

from . import evaluation, live
from .access import MANAGE, visible_entities
from .facts import registry_facts

NO_APPLICATION = "policies.no_application"
#: the leading digits of a division code that make one partition (a league or city)
CITY_DIGITS = 4


def rows_path(task_id) -> str:
    return f"policies/no-application/{task_id}.json"


def city_partitions(entities, territory: tuple[str, ...]) -> list[str]:
    """The city prefixes of the entities' units that can hold entities of the territory."""
    codes = entities.values_list("org_unit__code", flat=True).distinct()
    cities = sorted({str(c)[:CITY_DIGITS] for c in codes if c})
    if not territory:
        return cities
    return [c for c in cities if any(c.startswith(p) or p.startswith(c) for p in territory)]


def build_rows(user, code: str, year: int, progress=None) -> tuple[list[dict], int]:
    """Every grant of policy ``code`` paid in ``year`` to an entity ``user`` manages: dicts
    with uscc, benefit, fen and started_year (evaluated city by city); and the number of cities."""
    pset = live.live_policies()
    entities = visible_entities(user, MANAGE)
    cities = city_partitions(entities, pset[code].territory_prefixes())
    rows: list[dict] = []
    for done, city in enumerate(cities):
        if progress:
            progress(done, len(cities), city)
        part = entities.filter(org_unit__code__startswith=city)
        facts = registry_facts(part, year)
        if facts.height == 0:
            continue
        state = evaluation.decision_state(year, part)
        result = evaluation.evaluate_scoped(pset, facts, year, state=state, codes=[code])
        rows += evaluation.qualifying(result, code)
    return rows, len(cities)


@task(NO_APPLICATION)
def no_application(run: TaskRun) -> dict:
    """Build the no-application list of ``params["policy"]`` for ``params["year"]``."""
    code, year = run.params["policy"], int(run.params["year"])
    if code not in live.live_policies().policies:
        raise TaskFailed(_("No such policy: %(code)s") % {"code": code})

    def progress(done, total, city):
        run.progress(done, total, _("Evaluating the entities of %(city)s… (%(done)s of %(total)s)")
                     % {"city": city, "done": done + 1, "total": total})

    rows, n_cities = build_rows(run.user, code, year, progress)
    path = default_storage.save(rows_path(run.task.pk), ContentFile(json.dumps(rows).encode("utf-8")))
    total = sum(r["fen"] for r in rows)
    run.progress(n_cities, n_cities, _("%(count)s benefit(s) qualify.") % {"count": len(rows)})
    url = reverse("policies:no_application", args=[code]) + f"?year={year}&run={run.task.pk}"
    return {"policy": code, "year": year, "count": len(rows), "total_yuan": str(evaluation.yuan(total)),
            "rows_file": path, "url": url}


def load_rows(task) -> list[dict]:
    """The rows a finished run stored (``[]`` when its file is gone)."""
    path = (task.result or {}).get("rows_file")
    if not path or not default_storage.exists(path):
        return []
    with default_storage.open(path, "rb") as handle:
        return json.loads(handle.read().decode("utf-8"))
