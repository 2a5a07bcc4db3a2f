"""``kechuang bench dashboard``: render a plan's dashboard on a large, realistic data set.

The issue's second benchmark: a plan with ``indicators`` indicators (20 by default),
each decomposed into a part for every one of ``units`` org units (200), whose values
the units report every quarter, year to date, for ``years`` years (10). The data set is
written into the configured database with ``bulk_create`` inside a transaction that is
rolled back at the end, so the database is left as it was. The dashboard
(``/plans/<id>/``) and the evaluation page (``/plans/<id>/evaluation/``) are then
rendered through Django's test client as an officer of the plan's city, several times
each; the result gives the build time, the best and median render times and the number
of SQL queries per page.
"""

from __future__ import annotations

import datetime
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

CITY_CODE = "BENCH00"
CITY_NAME = "基准测试市"


def unit_name(index: int) -> str:
    return f"{CITY_NAME}第{index + 1:03d}区"


def plan_yaml(code: str, n_indicators: int, n_units: int, first_year: int, last_year: int) -> str:
    """A plan file: every indicator led by the city, with a part for each unit; half
    reported quarterly year to date (flows), half as levels at the end of each quarter."""
    lines = [
        "format: 1", f"code: {code}", f'title: "{CITY_NAME}科技创新基准测试规划"', "kind: plan",
        "status: in_force", f'city: "{CITY_CODE}"', f'owner_unit: "{CITY_NAME}"',
        f"period: {{start: {first_year}, end: {last_year}}}", "source: {file: 000_c8b8e38b7f624e86.txt}",
        "chapters:", '  - {code: "1", number: "第一章", title: "创新投入"}',
        '  - {code: "2", number: "第二章", title: "创新主体"}', "indicators:",
    ]
    for i in range(n_indicators):
        flow = i % 2 == 0
        base = 10.0 * n_units
        lines += [
            f"  - code: b{i:03d}",
            f'    name: "基准指标{i + 1}"',
            f'    unit: "{"亿元" if flow else "家"}"',
            f'    chapter: "{1 if flow else 2}"',
            f'    lead_unit: "{CITY_NAME}"',
            f"    baseline: {{year: {first_year - 1}, value: {base:g}}}",
            "    targets:",
            f"      - year: {last_year}",
            f"        value: {base * 2:g}",
            "        parts:",
            *[f'          - {{unit: "{unit_name(u)}", value: 20}}' for u in range(n_units)],
            ("    measure: {method: reported, frequency: quarter, basis: ytd, temporal: flow, aggregation: sum}"
             if flow else
             "    measure: {method: reported, frequency: quarter, basis: quarter, temporal: stock, aggregation: sum}"),
            f'    quote: "基准指标{i + 1}达到{base * 2:g}"',
        ]
    return "\n".join(lines) + "\n"


def _build(n_units: int, n_years: int, n_indicators: int, seed: int) -> dict[str, Any]:
    """Units, an officer, the plan (loaded through the action) and the quarterly values."""
    from django.utils import timezone

    from kechuang.apps.accounts import actions as accounts
    from kechuang.apps.accounts.models import OrgUnit
    from kechuang.apps.accounts.roles import Role

    from .actions import do_load_plans
    from .models import Plan, Value

    rng = random.Random(seed)
    city = OrgUnit.objects.create(code=CITY_CODE, name=CITY_NAME, kind=OrgUnit.Kind.CITY,
                                  path=f"/{CITY_CODE}/", depth=0, source="bench")
    OrgUnit.objects.bulk_create([
        OrgUnit(code=f"{CITY_CODE}Z{u:03d}", name=unit_name(u), kind=OrgUnit.Kind.COUNTY, parent=city,
                path=f"/{CITY_CODE}/{CITY_CODE}Z{u:03d}/", depth=1, source="bench") for u in range(n_units)])
    officer = accounts.do_create_user(acting_user=None, username=f"bench-{uuid.uuid4().hex[:12]}", name="基准测试",
                                      password=uuid.uuid4().hex, roles=[(Role.OFFICER, city)])
    last_year = datetime.date.today().year - 1
    first_year = last_year - n_years + 1
    code = f"bench-dashboard-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"{code}.yaml").write_text(plan_yaml(code, n_indicators, n_units, first_year, last_year),
                                                   encoding="utf-8")
        do_load_plans(folder, acting_user=None)
    plan = Plan.objects.get(code=code)
    units = {u.code: u for u in OrgUnit.objects.filter(path__startswith=city.path)}
    rows = []
    for indicator in plan.indicators.order_by("order"):
        flow = indicator.basis == "ytd"
        for unit in units.values():
            level = rng.uniform(5, 15) * (n_units if unit.pk == city.pk else 1)
            for year in range(first_year, last_year + 1):
                level *= 1 + rng.gauss(0.08, 0.05)
                for quarter in range(1, 5):
                    known = datetime.datetime(year + (quarter == 4), 3 * quarter % 12 + 1, 20, 10,
                                              tzinfo=datetime.UTC)
                    value = level * quarter / 4 if flow else level
                    rows.append(Value(series=indicator.series, indicator=indicator, org_unit=unit, year=year,
                                      quarter=quarter, value=round(value, 4), kind=Value.Kind.DEMO,
                                      source_note="基准测试数据", known_at=known, entered_at=timezone.now()))
    Value.objects.bulk_create(rows, batch_size=5000)
    return {"plan": plan, "officer": officer, "values": len(rows), "units": len(units) - 1,
            "indicators": plan.indicators.count(), "years": (first_year, last_year)}


def _time_page(client, url: str, renders: int) -> dict[str, Any]:
    """Best and median wall time of ``renders`` GETs (after one warm-up), and the query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = time.perf_counter()
    response = client.get(url)
    cold = time.perf_counter() - first
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return {"first_s": round(cold, 3), "best_s": round(min(times), 3), "median_s": round(statistics.median(times), 3),
            "queries": len(queries), "bytes": len(response.content)}


def bench_dashboard(n_units: int = 200, n_years: int = 10, n_indicators: int = 20, renders: int = 5,
                    seed: int = 0) -> dict[str, Any]:
    """Build the data set, render both pages ``renders`` times, roll everything back."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import override_settings

    result: dict[str, Any] = {"database": connection.vendor}
    with transaction.atomic():
        started = time.perf_counter()
        built = _build(n_units, n_years, n_indicators, seed)
        result["build_s"] = round(time.perf_counter() - started, 3)
        plan = built["plan"]
        result["sizes"] = {"units": built["units"], "indicators": built["indicators"],
                           "years": built["years"][1] - built["years"][0] + 1, "quarters": 4,
                           "values": built["values"]}
        with override_settings(ALLOWED_HOSTS=["testserver"]):
            client = Client()
            client.force_login(built["officer"])
            result["dashboard"] = _time_page(client, f"/plans/{plan.pk}/", renders)
            result["evaluation"] = _time_page(client, f"/plans/{plan.pk}/evaluation/", renders)
        transaction.set_rollback(True)   # a benchmark leaves nothing behind
    return result
