"""Evaluate a stored plan with the engine, on the values as known on a date."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from kechuang.engine.indicators import evaluate, rollup

from .definitions import engine_plan
from .models import Plan, TaskReport, UnitReport, Value
from .reporting import indicator_codes_for_units


def observations(plan: Plan, max_year: int | None = None) -> list[tuple]:
    """Every known value of the plan's series: (series, unit code, period, value, known_at local)."""
    series = set(plan.indicators.values_list("series", flat=True))
    rows = Value.objects.known().filter(series__in=series)
    if max_year is not None:
        rows = rows.filter(year__lte=max_year)
    rows = (rows
            .values_list("series", "org_unit__code", "year", "quarter", "value", "known_at"))
    return [(s, u, f"{y}Q{q}" if q else str(y), v, timezone.localtime(k).replace(tzinfo=None))
            for s, u, y, q, v, k in rows]


def task_progress(plan: Plan, as_of: datetime.date) -> dict[str, str]:
    """Each task's state in the latest approved report decided by the end of ``as_of``."""
    out: dict[str, str] = {}
    rows = (TaskReport.objects.filter(report__round__plan=plan, report__status=UnitReport.Status.APPROVED)
            .select_related("task", "report").order_by("report__decided_at"))
    for row in rows:
        decided = row.report.decided_at
        if decided is None or timezone.localtime(decided).date() <= as_of:
            out[row.task.number] = row.state
    return out


def evaluate_plan(plan: Plan, as_of: datetime.date | None = None, unit: str | None = None,
                  max_year: int | None = None) -> dict[str, Any]:
    """The engine's evaluation of the plan with the data as known at the end of ``as_of``
    (values of years after ``max_year`` left out): every indicator explained, and the roll-ups."""
    as_of = as_of or timezone.localdate()
    built = engine_plan(plan)
    return evaluate(built, observations(plan, max_year), as_of, unit=unit, task_progress=task_progress(plan, as_of))


def restricted_codes(user, plan: Plan) -> set[str] | None:
    """Indicator codes the user may see in the plan; None = all (the plan's bureau).

    A unit that is only responsible for some lines (a reporter) sees only those."""
    if user.is_superuser:
        return None
    paths = user.scope_paths("plans.view_plan")
    place = plan.org_unit
    if place is None or any(place.path.startswith(p) for p in paths):
        return None
    return indicator_codes_for_units(plan, paths)


def evaluate_for(user, plan: Plan, as_of: datetime.date | None = None, max_year: int | None = None) -> dict[str, Any]:
    """:func:`evaluate_plan`, narrowed to what the user may see (see :func:`restrict`)."""
    return restrict(user, plan, evaluate_plan(plan, as_of, max_year=max_year))


def restrict(user, plan: Plan, result: dict[str, Any]) -> dict[str, Any]:
    """Keep only the indicators (and parts) a unit answers for when the user is not the
    plan's bureau; roll-ups are recomputed on what remains."""
    if user is None:
        return result
    codes = restricted_codes(user, plan)
    if codes is not None:
        units = {u.code for u in user_units(user)}
        indicators = [i for i in result["indicators"] if i["code"] in codes]
        for item in indicators:
            item["parts"] = [p for p in item.get("parts", []) if p.get("unit_code") in units]
        result["indicators"] = indicators
        result["rollups"] = rollup(engine_plan(plan), indicators)
        result["restricted"] = True
    return result


def user_units(user):
    from kechuang.apps.accounts.models import OrgUnit

    return OrgUnit.objects.visible_to(user, "plans.view_plan")


def parse_date(text: str | None) -> datetime.date | None:
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        return None
