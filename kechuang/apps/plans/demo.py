"""Demo plans and values: the shipped plans of ``data/plans``, and made-up values for past
years so the dashboards are alive on first run.

Every demo value is marked: kind ``demo`` and source note "演示数据". The values follow
each indicator's path from its baseline towards its target at a pace that differs by
indicator (some ahead, some behind), and each becomes known in March of the next year;
one is revised later, so the history and "as of" views have something to show.
``kechuang/demo.py`` calls :func:`load` after the units and entities are in place.
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone

from kechuang.engine.plans import unit_factor

DEMO_NOTE = "演示数据"
FOLDER = Path(__file__).resolve().parents[3] / "data" / "plans"
PACES = (1.2, 1.1, 1.04, 1.0, 0.93, 0.8, 0.6, -0.2)  # share of the scheduled progress reached


def _pace(code: str) -> float:
    digest = hashlib.sha256(code.encode()).digest()
    return PACES[digest[0] % len(PACES)]


def _known_at(year: int, month: int = 3, day: int = 15) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 10, 0))


def _series_values(indicator, target, start: int, last: int) -> dict[int, float]:
    """Plausible yearly values of one indicator (in its own unit)."""
    pace = _pace(f"{indicator.plan.code}/{indicator.code}")
    b_year = indicator.baseline_year or (start - 1)
    goal = target.value
    if target.rule == "annual_growth" or indicator.value_type == "rate":
        rate = goal if goal is not None else 10.0
        return {y: round(rate * (pace if pace > 0 else 0.4) + (y % 3 - 1) * 0.8, 2) for y in range(start, last + 1)}
    if target.rule == "cumulative":
        if goal is None:
            return {}
        years = max(1, target.year - start + 1)
        return {y: round(goal / years * max(pace, 0.2), 2) for y in range(start, last + 1)}
    base = indicator.baseline_value
    if base is None:
        base = (goal / 2 if target.rule != "increase_by" else 10.0) if goal else 50.0
    if target.rule == "double_baseline":
        goal = base * 2
    elif target.rule == "increase_by":
        goal = base + (goal or 0)
    if goal is None:  # increase_yearly without a value
        goal = base * 1.3
    span = max(1, target.year - b_year)
    out = {}
    for y in range(start, last + 1):
        share = (y - b_year) / span * pace
        out[y] = round(base + (goal - base) * share, 2)
    if indicator.baseline_value is None:  # give the evaluation a baseline-year value
        out[b_year] = round(base, 2)
    return out


def load(verbose: bool = False) -> dict:
    """Load the shipped plans, publish them, add demo values, compute the computed
    indicators from the registry, and open this year's reporting round of each plan."""
    from kechuang.apps.accounts.models import OrgUnit

    from . import actions
    from .models import Plan, Value

    summary = actions.do_load_plans(FOLDER, acting_user=None)
    today = timezone.localdate()
    rows, seen = [], set()
    for plan in Plan.objects.filter(in_source=True).select_related("org_unit"):
        if plan.org_unit is None:
            continue
        actions.do_publish_plan(plan, published=True, acting_user=None)
        last = min(plan.period_end, today.year - 1)
        for indicator in plan.indicators.filter(method="reported").prefetch_related("targets"):
            target = indicator.targets.order_by("-year").first()
            if target is None:
                continue
            factor = 1.0
            if indicator.report_unit and indicator.report_unit != indicator.unit:
                a, b = unit_factor(indicator.unit), unit_factor(indicator.report_unit)
                factor = a[1] / b[1] if a and b and a[0] == b[0] else 1.0
            for year, value in _series_values(indicator, target, plan.period_start, last).items():
                key = (indicator.series, plan.org_unit_id, year)
                if key in seen or year > today.year - 1:
                    continue
                seen.add(key)
                rows.append(actions.ValueRow(indicator, plan.org_unit, year, value * factor,
                                             _known_at(year + 1), source_note=DEMO_NOTE))
    count = actions.do_import_values(rows, kind=Value.Kind.DEMO, acting_user=None, note=DEMO_NOTE)
    # one revision, so the history and "as of" views show a corrected value
    first = Value.objects.filter(kind=Value.Kind.DEMO, indicator__plan__code="wuhai-sti-14th").order_by(
        "-year", "series").first()
    if first is not None:
        actions.do_revise_value(first, new_value=round(first.value * 1.05, 2), acting_user=None,
                                reason="演示数据：统计部门更正", source_note=DEMO_NOTE,
                                at=min(timezone.now(), _known_at(first.year + 1, 9, 1)))
    computed = 0
    for plan in Plan.objects.filter(in_source=True, org_unit__isnull=False):
        years = range(plan.period_start - 1, min(plan.period_end, today.year - 1) + 1)
        computed += actions.do_refresh_computed(plan, years=years, acting_user=None)["added"]
    rounds = 0
    for plan in Plan.objects.filter(in_source=True, org_unit__isnull=False):
        year = min(plan.period_end, today.year - 1)
        if year < plan.period_start - 1:
            continue
        try:
            actions.do_open_round(plan, year=year, deadline=today + datetime.timedelta(days=30), acting_user=None)
            rounds += 1
        except ValidationError:  # a plan without reporting units has no round
            continue
    result = {"plans": len(summary["plans"]), "values": count, "computed": computed, "rounds": rounds,
              "units": OrgUnit.objects.count()}
    if verbose:
        print(f"plans: {result['plans']} plans, {count} demo values, {computed} computed values, {rounds} rounds")
    return result
