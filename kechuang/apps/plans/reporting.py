"""Who reports what: the lines of a unit's report, derived from the plan's responsibilities."""

from __future__ import annotations

from dataclasses import dataclass

from kechuang.apps.accounts.models import OrgUnit

from .models import Indicator, Plan, Responsibility, Task, TaskReport, UnitReport, Value


@dataclass
class ValueLine:
    indicator: Indicator
    value_unit: OrgUnit  # whose value is reported
    role: str
    target_value: float | None
    current: Value | None = None  # the report's latest row for the line
    quarter: int = 0  # the round's quarter, 0 = a year round

    @property
    def key(self) -> str:
        return f"{self.indicator.code}@{self.value_unit.code}"

    @property
    def basis(self) -> str:
        """What the figure of a quarter round is: ``ytd`` (1–n季度累计, year to date) or
        ``quarter`` (当季, the quarter alone); empty in a year round (the whole year)."""
        return (self.indicator.basis or "ytd") if self.quarter else ""

    @property
    def basis_zh(self) -> str:
        """The basis as the Excel template writes it (the template's words are Chinese)."""
        return BASIS_ZH[self.basis]


#: The basis of a figure in the Excel template (column 填报口径).
BASIS_ZH = {"ytd": "1–n季度累计（年初至本季度末）", "quarter": "当季（仅本季度）", "": "全年"}


@dataclass
class TaskLine:
    task: Task
    current: TaskReport | None = None


def _value_responsibilities(plan: Plan, quarter: int):
    rows = Responsibility.objects.filter(plan=plan, indicator__isnull=False, value_unit__isnull=False,
                                         indicator__method="reported")
    if quarter:
        rows = rows.filter(indicator__frequency="quarter")
    return rows


def reporting_units(plan: Plan, quarter: int = 0) -> list[OrgUnit]:
    """The units that report in a round: leads and parts of reported indicators, task leads."""
    codes = set(_value_responsibilities(plan, quarter).values_list("org_unit", flat=True))
    codes |= set(Responsibility.objects.filter(plan=plan, task__isnull=False, role=Responsibility.Role.LEAD)
                 .values_list("org_unit", flat=True))
    return list(OrgUnit.objects.filter(pk__in=codes).order_by("code"))


def value_lines(report: UnitReport) -> list[ValueLine]:
    plan, quarter = report.round.plan, report.round.quarter
    rows = (_value_responsibilities(plan, quarter).filter(org_unit=report.org_unit)
            .select_related("indicator", "value_unit").order_by("indicator__order", "pk"))
    seen: set[tuple[int, int]] = set()
    lines = []
    current = {}
    for value in report.values.order_by("entered_at", "pk"):
        current[(value.indicator_id, value.org_unit_id)] = value
    for r in rows:
        key = (r.indicator_id, r.value_unit_id)
        if key in seen:
            continue
        seen.add(key)
        lines.append(ValueLine(r.indicator, r.value_unit, r.role, r.target_value, current.get(key), quarter))
    return lines


def task_lines(report: UnitReport) -> list[TaskLine]:
    tasks = (Task.objects.filter(responsibilities__org_unit=report.org_unit,
                                 responsibilities__role=Responsibility.Role.LEAD, plan=report.round.plan)
             .distinct().order_by("order"))
    progress = {t.task_id: t for t in report.task_reports.all()}
    return [TaskLine(task, progress.get(task.pk)) for task in tasks]


def indicator_codes_for_units(plan: Plan, unit_paths: list[str]) -> set[str]:
    """Codes of the plan's indicators a unit (or units below the paths) answers for."""
    codes = set()
    for r in Responsibility.objects.filter(plan=plan, indicator__isnull=False).select_related("org_unit", "indicator"):
        if any(r.org_unit.path.startswith(p) for p in unit_paths):
            codes.add(r.indicator.code)
    return codes
