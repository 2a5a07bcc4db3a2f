"""Evaluate a stored plan with the engine, on the values as known on a date."""

from __future__ import annotations

import contextlib
import copy
import datetime
import gc
from collections import defaultdict
from typing import Any

import polars as pl
from django.utils import timezone

from kechuang.engine.indicators import LABELS_ZH, evaluate, rollup

from .definitions import engine_plan
from .models import Plan, TaskReport, UnitReport, Value
from .reporting import indicator_codes_for_units


def observations(plan: Plan, max_year: int | None = None, series: set[str] | None = None) -> pl.DataFrame:
    """Every known value of the plan's series as the engine's frame: indicator (the
    series), org unit code, year, quarter, value and known_at (local time, naive).

    The rows come straight from the database cursor and ``known_at`` is converted column
    by column: a dashboard of 200 units reporting 20 indicators each quarter for ten years
    reads 160 000 rows, and converting each row's date in Python took seconds.
    ``series``: only these series (default: all of the plan's)."""
    from django.db import connection
    from django.db.models import CharField, F, Func
    from django.db.models.functions import Cast

    if series is None:
        series = set(plan.indicators.values_list("series", flat=True))
    rows = Value.objects.known().filter(series__in=series)
    if max_year is not None:
        rows = rows.filter(year__lte=max_year)
    # known_at as UTC text, parsed below as one column: the drivers' per-row datetime
    # conversion (and Polars' of aware datetimes) cost seconds on 160 000 rows
    known_at: Any = "known_at"
    if connection.vendor == "sqlite":  # stored as UTC text already
        rows = rows.annotate(known_text=Cast("known_at", CharField()))
        known_at = "known_text"
    elif connection.vendor == "postgresql":
        rows = rows.annotate(known_text=Func(
            F("known_at"), template="to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
            output_field=CharField()))
        known_at = "known_text"
    # no ORDER BY (the model's ordering sorted 160 000 rows on disk on PostgreSQL): the
    # engine orders what it needs
    rows = rows.order_by().values_list("series", "org_unit__code", "year", "quarter", "value", known_at)
    sql, params = rows.query.sql_with_params()
    if connection.vendor == "postgresql":
        return _frame(_copy_rows(sql, params))
    with connection.cursor() as cursor, _gc_paused():
        cursor.execute(sql, params)
        data = cursor.fetchall()
        # one Rust pass from the cursor's rows, with the types given (no inference pass)
        raw = pl.DataFrame(data, schema=RAW_SCHEMA, orient="row") if data else None
        del data
    return _frame(raw)


@contextlib.contextmanager
def _gc_paused():
    """No cyclic garbage collection while the cursor makes its 160 000 row tuples (none of
    which can be part of a cycle): the collector kept walking them, about a tenth of a
    second per page. It runs again afterwards as before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: The columns read, as the database gives them (``known_at`` as UTC text).
RAW_SCHEMA = {"indicator": pl.String, "org_unit": pl.String, "year": pl.Int32, "quarter": pl.Int8, "value": pl.Float64,
              "known_at": pl.String}


def _copy_rows(sql: str, params) -> pl.DataFrame | None:
    """PostgreSQL: the query's rows as CSV through ``COPY … TO STDOUT``, read by Polars.

    No Python object per value: reading 160 000 rows through the cursor took about half
    a second, the copy a tenth of that. PostgreSQL writes floats in their shortest exact
    form, so the values are the stored ones."""
    import io

    from django.db import connection

    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for block in copy:
                buffer.write(block)
    if not buffer.getbuffer().nbytes:
        return None
    return pl.read_csv(buffer.getvalue(), has_header=False, schema=RAW_SCHEMA)


def _frame(raw: pl.DataFrame | None) -> pl.DataFrame:
    """The rows read as the engine's frame; ``known_at`` as local naive time whether the
    database gave text (UTC) or datetimes."""
    from django.conf import settings

    known = raw["known_at"] if raw is not None else pl.Series("known_at", [])
    if known.dtype == pl.String:
        known = known.str.to_datetime(format="%Y-%m-%d %H:%M:%S%.f", time_zone="UTC", time_unit="us")
    elif isinstance(known.dtype, pl.Datetime):
        known = known.dt.cast_time_unit("us")
        if known.dtype.time_zone is None:  # naive database times are UTC (USE_TZ)
            known = known.dt.replace_time_zone("UTC")
    else:  # no rows
        known = known.cast(pl.Datetime("us", "UTC"))
    known = known.dt.convert_time_zone(settings.TIME_ZONE).dt.replace_time_zone(None)
    if raw is None:
        return pl.DataFrame({"indicator": [], "org_unit": [], "year": [], "quarter": [], "value": [], "known_at": known},
                            schema={"indicator": pl.String, "org_unit": pl.String, "year": pl.Int32, "quarter": pl.Int8,
                                    "value": pl.Float64, "known_at": known.dtype})
    return raw.with_columns(known.alias("known_at")).select(
        pl.col("indicator").cast(pl.String), pl.col("org_unit").cast(pl.String), pl.col("year").cast(pl.Int32),
        pl.col("quarter").cast(pl.Int8), pl.col("value").cast(pl.Float64), "known_at")


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
                  max_year: int | None = None, *, explain_parts: bool = True,
                  indicator: str | None = None) -> dict[str, Any]:
    """The engine's evaluation of the plan with the data as known at the end of ``as_of``
    (values of years after ``max_year`` left out): every indicator explained, and the roll-ups.

    ``explain_parts=False``: the parts of decomposed targets without their explanations
    (the pages list them on demand). ``indicator``: only that indicator (by code), with
    only its own values read; its roll-ups cover it alone."""
    as_of = as_of or timezone.localdate()
    built = engine_plan(plan)
    series = None
    if indicator is not None:
        built = copy.copy(built)  # the cached plan stays whole
        built.indicators = [i for i in built.indicators if i.code == indicator]
        series = {i.series for i in built.indicators}
    return evaluate(built, observations(plan, max_year, series=series), as_of, unit=unit,
                    task_progress=task_progress(plan, as_of), explain_parts=explain_parts)


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


def evaluate_for(user, plan: Plan, as_of: datetime.date | None = None, max_year: int | None = None,
                 **options: Any) -> dict[str, Any]:
    """:func:`evaluate_plan` (``options``: its keyword options), narrowed to what the user
    may see (see :func:`restrict`)."""
    return restrict(user, plan, evaluate_plan(plan, as_of, max_year=max_year, **options))


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


CHART_COLOURS = {"green": "#198754", "yellow": "#ffc107", "red": "#dc3545", "grey": "#adb5bd"}


def chart_series(plan: Plan, result: dict, unit_code: str | None = None, label=None,
                 max_year: int | None = None) -> list[dict]:
    """Per indicator of ``result``: the known annual values of the place (or ``unit_code``)
    and the target path (linear, geometric for money), as the dashboard and the report's
    charts draw them. ``label`` names a status (default: the engine's Chinese label). A
    year's annual value is drawn; without one, its latest quarter (year to date)."""
    label = label or (lambda status: LABELS_ZH[status])
    place = unit_code or (plan.org_unit.code if plan.org_unit else plan.code)
    codes = {i["code"] for i in result["indicators"]}
    indicators = {i.code: i for i in plan.indicators.filter(code__in=codes)}
    series = {i.series for i in indicators.values()}
    known: dict[str, dict[int, float]] = defaultdict(dict)
    annual: set[tuple[str, int]] = set()
    rows = Value.objects.known().filter(series__in=series, org_unit__code=place)
    if max_year is not None:
        rows = rows.filter(year__lte=max_year)
    for v in rows.order_by("year", "quarter", "known_at"):
        if v.quarter == 0:
            annual.add((v.series, v.year))
        elif (v.series, v.year) in annual:
            continue
        known[v.series][v.year] = v.value
    charts = []
    for item in result["indicators"]:
        ind = indicators[item["code"]]
        values = known.get(ind.series, {})
        factor = 1.0
        if ind.report_unit and ind.report_unit != ind.unit:
            from kechuang.engine.plans import unit_factor

            a, b = unit_factor(ind.report_unit), unit_factor(ind.unit)
            factor = a[1] / b[1] if a and b and a[0] == b[0] else 1.0
        b_year, b_value = item["baseline"]["year"], item["baseline"]["value"]
        t_year, t_value = item["target"]["year"], item["target"]["value"]
        years = sorted(set(values) | {y for y in (b_year, t_year) if y})
        if years:
            years = list(range(years[0], years[-1] + 1))
        path = []
        if None not in (b_year, b_value, t_year, t_value) and t_year != b_year and item["target"]["rule"] != "cumulative":
            for y in years:
                e = (y - b_year) / (t_year - b_year)
                if 0 <= e <= 1:
                    geometric = ind.unit in ("亿元", "万元", "元") and b_value > 0 and t_value > 0
                    path.append(round(b_value * (t_value / b_value) ** e if geometric else b_value + (t_value - b_value) * e, 4))
                else:
                    path.append(None)
        charts.append({"code": item["code"], "name": item["name"], "unit": item["unit"], "years": years,
                       "values": [round(values[y] * factor, 4) if y in values else None for y in years],
                       "path": path, "colour": CHART_COLOURS[item["colour"]], "status": label(item["status"]),
                       "target": t_value, "target_year": t_year})
    return charts
