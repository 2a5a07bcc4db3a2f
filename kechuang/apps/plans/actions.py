"""Every write of the plans module: ``do_<verb>_<noun>(…, acting_user)``, one transaction
each, audited (verbs ``plans.<model>.<verb>``)."""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.audit import record, snapshot
from kechuang.apps.common.tabular import CellError, ImportRejected
from kechuang.engine import plans as engine

from . import computations
from .definitions import unit_directory
from .models import (
    CatalogueEntry,
    Indicator,
    Plan,
    PlanLoad,
    Responsibility,
    RevisionRequest,
    Round,
    Target,
    Task,
    TaskReport,
    UnitReport,
    Value,
)
from .reporting import task_lines, value_lines

# --- permissions ----------------------------------------------------------------------


def _require(acting_user, capability: str, *units: OrgUnit | None) -> None:
    """The acting user must hold the capability in one of the units (None: the CLI / demo)."""
    if acting_user is None or acting_user.is_superuser:
        return
    if not acting_user.has_capability(capability):
        raise ValidationError(_("You may not do this."))
    paths = acting_user.scope_paths(capability)
    for unit in units:
        if unit is not None and any(unit.path.startswith(p) for p in paths):
            return
    raise ValidationError(_("This lies outside your units."))


# --- loading --------------------------------------------------------------------------


class PlansRejected(Exception):
    """The plan folder was refused whole; ``issues`` lists every error (file, line, reason)."""

    def __init__(self, issues: list[dict[str, Any]]):
        self.issues = issues
        super().__init__("\n".join(f"{i['file']}:{i['line']}: {i['message_zh']}" for i in issues))


def _issue(file: str, message_zh: str, message_en: str, line: int = 0, code: str = "folder") -> dict[str, Any]:
    return {"file": file, "line": line, "column": 0, "code": code, "severity": "error", "message_zh": message_zh,
            "message_en": message_en}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _deadline(value) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int):
        return datetime.date(value, 12, 31)
    return None


@transaction.atomic
def do_load_plans(directory: str | Path, *, acting_user) -> dict[str, Any]:
    """Validate every plan file of a folder with the engine and write them all, or nothing.

    The engine checks responsible units against the ``OrgUnit`` rows. Each plan keeps its
    YAML text and SHA-256; the version goes up when the text changed. Plans no longer in
    the folder stay (their values are kept), marked ``in_source=False``. One audit entry
    ``plans.plan.load`` for the batch. Raises :class:`PlansRejected`.
    """
    _require(acting_user, "plans.manage_plan", *OrgUnit.objects.filter(depth=0))
    directory = Path(directory)
    if not directory.is_dir():
        raise PlansRejected([_issue(directory.name or str(directory), "找不到规划文件夹", "the plan folder does not exist")])
    planset = engine.load_plans(directory, units=unit_directory(), computations=computations.KNOWN)
    if planset.errors:
        raise PlansRejected([i.as_dict() for i in planset.errors])
    if not planset.plans:
        raise PlansRejected([_issue(directory.name, "文件夹中没有规划文件(*.yaml)", "the folder holds no plan files (*.yaml)")])
    catalogue_path = directory / engine.CATALOGUE_FILE
    catalogue_text = catalogue_path.read_text(encoding="utf-8") if catalogue_path.exists() else ""
    texts = {p.file: (directory / p.file).read_text(encoding="utf-8") for p in planset.plans}
    load = PlanLoad.objects.create(loaded_by=acting_user if getattr(acting_user, "pk", None) else None,
                                   folder=directory.name, catalogue_text=catalogue_text,
                                   catalogue_sha256=_sha(catalogue_text) if catalogue_text else "",
                                   files={name: _sha(text) for name, text in texts.items()})
    entries = {}
    for entry in planset.catalogue.entries.values():
        entries[entry.code], _created = CatalogueEntry.objects.update_or_create(
            code=entry.code, defaults={"name": entry.name, "unit": entry.unit, "direction": entry.direction,
                                       "method": entry.measure.method,
                                       "computation": entry.measure.computation or "",
                                       "definition": entry.definition or ""})
    units = {u.code: u for u in OrgUnit.objects.all()}
    summary = {"load": load.pk, "plans": [], "warnings": [i.as_dict() for i in planset.warnings]}
    for plan in planset.plans:
        row, state = _write_plan(plan, texts[plan.file], load, entries, units, acting_user)
        summary["plans"].append({"code": plan.code, "title": plan.title, "version": row.version, "state": state,
                                 "indicators": len(plan.indicators), "tasks": len(plan.tasks)})
    gone = Plan.objects.exclude(code__in=[p.code for p in planset.plans]).filter(in_source=True)
    summary["withdrawn"] = list(gone.values_list("code", flat=True))
    gone.update(in_source=False)
    record("plans.plan.load", actor=acting_user, object_type="plans.planload", object_id=str(load.pk),
           object_repr=f"{directory.name}: {len(planset.plans)}", row_count=len(planset.plans),
           after={"files": load.files, "catalogue_sha256": load.catalogue_sha256,
                  "plans": [(p["code"], p["version"], p["state"]) for p in summary["plans"]],
                  "withdrawn": summary["withdrawn"]})
    return summary


def _write_plan(plan: engine.Plan, text: str, load: PlanLoad, entries, units, acting_user) -> tuple[Plan, str]:
    sha = _sha(text)
    city = units.get(plan.city or "")
    owner_code = plan.unit_code(plan.owner_unit)
    fields = {"title": plan.title, "kind": plan.kind, "document_status": plan.status, "issuer": plan.issuer or "",
              "document_number": plan.document_number or "", "org_unit": city,
              "owner_unit": units.get(owner_code or ""), "owner_name": plan.owner_unit or "",
              "period_start": plan.period_start, "period_end": plan.period_end, "file_name": plan.file,
              "yaml_text": text, "load": load, "in_source": True, "modified_by": acting_user}
    row = Plan.objects.filter(code=plan.code).first()
    if row is None:
        row = Plan.objects.create(code=plan.code, sha256=sha, version=1, created_by=acting_user, **fields)
        state = "created"
    else:
        state = "unchanged" if row.sha256 == sha else "updated"
        if state == "updated":
            row.version += 1
            row.sha256 = sha
        for key, value in fields.items():
            setattr(row, key, value)
        row.save()
    chapters = {c.code: c.title for c in plan.chapters}
    # indicators: kept by code (their values stay linked); targets and responsibilities rebuilt
    existing = {i.code: i for i in row.indicators.all()}
    keep = set()
    Responsibility.objects.filter(plan=row).delete()
    for order, ind in enumerate(plan.indicators):
        lead_name = plan.lead_of(ind) or ""
        values = {"order": order, "name": ind.name, "unit": ind.unit, "report_unit": ind.reported_unit or ind.unit,
                  "series": ind.series, "catalogue": entries.get(ind.catalogue or ""), "direction": ind.direction,
                  "kind": ind.kind, "value_type": ind.value_type, "chapter": ind.chapter or "",
                  "chapter_title": chapters.get(ind.chapter or "", ""), "method": ind.measure.method,
                  "computation": ind.measure.computation or "", "frequency": ind.measure.frequency,
                  "basis": (ind.measure.basis or "") if ind.measure.frequency == "quarter" else "",
                  "lead_unit": units.get(plan.unit_code(lead_name) or ""), "lead_name": lead_name,
                  "baseline_year": ind.baseline.year, "baseline_value": ind.baseline.value, "quote": ind.quote or ""}
        indicator = existing.get(ind.code)
        if indicator is None:
            indicator = Indicator.objects.create(plan=row, code=ind.code, **values)
        else:
            for key, value in values.items():
                setattr(indicator, key, value)
            indicator.save()
        keep.add(ind.code)
        indicator.targets.all().delete()
        Target.objects.bulk_create([Target(indicator=indicator, year=t.year, value=t.value, upper=t.upper,
                                           comparator=t.comparator, rule=t.rule or "") for t in ind.targets])
        _indicator_responsibilities(row, plan, ind, indicator, lead_name, city_unit=row.org_unit, units=units)
    row.indicators.exclude(code__in=keep).delete()
    existing_tasks = {t.number: t for t in row.tasks.all()}
    keep = set()
    for order, task in enumerate(plan.tasks):
        names = task.units or ([plan.owner_unit] if plan.owner_unit else [])
        lead_codes = _codes(plan, names[0]) if names else []
        values = {"order": order, "title": task.title, "text": task.text or "", "chapter": task.chapter or "",
                  "lead_unit": units.get(lead_codes[0]) if len(lead_codes) == 1 else None,
                  "deadline": _deadline(task.deadline) or datetime.date(plan.period_end, 12, 31)}
        item = existing_tasks.get(task.number)
        if item is None:
            item = Task.objects.create(plan=row, number=task.number, **values)
        else:
            for key, value in values.items():
                setattr(item, key, value)
            item.save()
        keep.add(task.number)
        for k, name in enumerate(names):
            for code in _codes(plan, name):
                if code in units:
                    Responsibility.objects.create(plan=row, task=item, org_unit=units[code], name=name,
                                                  role=Responsibility.Role.LEAD if k == 0 else
                                                  Responsibility.Role.PARTICIPANT)
    row.tasks.exclude(number__in=keep).delete()
    return row, state


def _codes(plan: engine.Plan, name: str | None) -> list[str]:
    ref = plan.unit_refs.get(name or "")
    return list(ref.codes) if ref and ref.status == "resolved" else []


def _indicator_responsibilities(row: Plan, plan: engine.Plan, ind: engine.Indicator, indicator: Indicator,
                                lead_name: str, *, city_unit: OrgUnit | None, units) -> None:
    names = [lead_name] + [n for n in ind.units if n != lead_name] if lead_name else list(ind.units)
    for k, name in enumerate(names):
        ref = plan.unit_refs.get(name)
        codes = _codes(plan, name)
        for code in codes:
            if code not in units:
                continue
            if k == 0 and not (ref and ref.collective):
                value_unit = city_unit  # the lead reports the place's value
                role = Responsibility.Role.LEAD
            else:
                value_unit = units[code] if ref and ref.collective else None
                role = Responsibility.Role.PARTICIPANT
            Responsibility.objects.create(plan=row, indicator=indicator, org_unit=units[code], value_unit=value_unit,
                                          role=role, name=name)
    for target in ind.targets:
        for part in target.parts:
            code = part.unit_ref.code if part.unit_ref else None
            if code in units:
                Responsibility.objects.create(plan=row, indicator=indicator, org_unit=units[code],
                                              value_unit=units[code], role=Responsibility.Role.PART, name=part.unit,
                                              target_value=part.value)


@transaction.atomic
def do_publish_plan(plan: Plan, *, published: bool, acting_user) -> Plan:
    """Show (or hide) the plan's progress on the public page. Verb ``plans.plan.publish``."""
    _require(acting_user, "plans.manage_plan", plan.org_unit, plan.owner_unit)
    before = snapshot(plan, ["published"])
    plan.published = published
    plan.modified_by = acting_user
    plan.save(update_fields=["published", "modified_by", "updated_at"])
    record("plans.plan.publish", plan, actor=acting_user, unit=plan.org_unit, before=before,
           after=snapshot(plan, ["published"]))
    return plan


# --- rounds and reports ----------------------------------------------------------------


@transaction.atomic
def do_open_round(plan: Plan, *, year: int, quarter: int = 0, deadline: datetime.date, acting_user) -> Round:
    """Open a reporting round; every responsible unit gets its (draft) report.
    Verb ``plans.round.create``."""
    from .reporting import reporting_units

    _require(acting_user, "plans.manage_plan", plan.org_unit, plan.owner_unit)
    if plan.org_unit is None:
        raise ValidationError(_("The plan names no place, so nobody can report on it."))
    if quarter not in (0, 1, 2, 3, 4):
        raise ValidationError({"quarter": _("The quarter must be 1 to 4, or empty for the whole year.")})
    if not (plan.period_start - 1 <= year <= plan.period_end):
        raise ValidationError({"year": _("The year must lie in the plan period (or be the year before it).")})
    if Round.objects.filter(plan=plan, year=year, quarter=quarter).exists():
        raise ValidationError(_("A round for this period is already open."))
    units = reporting_units(plan, quarter)
    if not units:
        raise ValidationError(_("No unit reports values or tasks for this period."))
    round_ = Round.objects.create(plan=plan, year=year, quarter=quarter, deadline=deadline, created_by=acting_user,
                                  modified_by=acting_user)
    UnitReport.objects.bulk_create([UnitReport(round=round_, org_unit=u, created_by=acting_user) for u in units])
    record("plans.round.create", round_, actor=acting_user, unit=plan.org_unit, after=snapshot(round_),
           note=", ".join(u.code for u in units))
    return round_


@transaction.atomic
def do_close_round(round_: Round, *, acting_user) -> Round:
    _require(acting_user, "plans.manage_plan", round_.plan.org_unit)
    round_.status = Round.Status.CLOSED
    round_.modified_by = acting_user
    round_.save(update_fields=["status", "modified_by", "updated_at"])
    record("plans.round.close", round_, actor=acting_user, unit=round_.plan.org_unit, after=snapshot(round_))
    return round_


@dataclass
class LineInput:
    """What a unit enters for one value line (``key``: indicator code @ value unit code)."""

    key: str
    value: float | None
    source_note: str = ""
    attachment: Any = None


@dataclass
class TaskInput:
    number: str
    state: str
    percent: int = 0
    note: str = ""


def _check_editable(report: UnitReport, acting_user) -> None:
    _require(acting_user, "plans.report", report.org_unit)
    if report.status == UnitReport.Status.APPROVED:
        raise ValidationError(_("The report is approved and locked; ask the bureau for a revision."))
    if report.status == UnitReport.Status.SUBMITTED:
        raise ValidationError(_("The report is submitted and waits for the bureau's decision."))
    if report.round.status != Round.Status.OPEN:
        raise ValidationError(_("The round is closed."))


@transaction.atomic
def do_save_report(report: UnitReport, *, acting_user, values: Iterable[LineInput] = (),
                   tasks: Iterable[TaskInput] = (), batch_file=None) -> UnitReport:
    """Enter a unit's values and task progress (draft or returned report only).

    A blank value removes the draft entry. Verb ``plans.unitreport.update``."""
    report = UnitReport.objects.select_for_update().select_related("round__plan", "org_unit").get(pk=report.pk)
    _check_editable(report, acting_user)
    lines = {line.key: line for line in value_lines(report)}
    task_map = {t.task.number: t for t in task_lines(report)}
    changes = []
    errors = []
    for item in values:
        line = lines.get(item.key)
        if line is None:
            errors.append(_("“%(key)s” is not a line of this report.") % {"key": item.key})
            continue
        current = line.current
        if item.value is None:
            if current is not None:
                current.delete()
                changes.append((item.key, None))
            continue
        if current is None:
            current = Value(series=line.indicator.series, indicator=line.indicator, org_unit=line.value_unit,
                            year=report.round.year, quarter=report.round.quarter, report=report)
        current.value = float(item.value)
        current.source_note = (item.source_note or "")[:300]
        if item.attachment:
            current.attachment = item.attachment
        current.entered_by = acting_user if getattr(acting_user, "pk", None) else None
        current.entered_at = timezone.now()
        current.kind = Value.Kind.REPORTED
        current.save()
        changes.append((item.key, current.value))
    for item in tasks:
        line = task_map.get(item.number)
        if line is None:
            errors.append(_("Task “%(number)s” is not a line of this report.") % {"number": item.number})
            continue
        if item.state not in TaskReport.State.values:
            errors.append(_("Task “%(number)s”: unknown state.") % {"number": item.number})
            continue
        if not 0 <= int(item.percent) <= 100:
            errors.append(_("Task “%(number)s”: the percentage must lie between 0 and 100.") % {"number": item.number})
            continue
        TaskReport.objects.update_or_create(report=report, task=line.task, defaults={
            "state": item.state, "percent": int(item.percent), "note": item.note or ""})
        changes.append((f"task {item.number}", item.state))
    if errors:
        raise ValidationError(errors)
    report.modified_by = acting_user
    report.save(update_fields=["modified_by", "updated_at"])
    record("plans.unitreport.update", report, actor=acting_user, unit=report.org_unit,
           after={"changes": changes}, batch_file=batch_file, row_count=len(changes) if batch_file else None)
    return report


@transaction.atomic
def do_submit_report(report: UnitReport, *, acting_user) -> UnitReport:
    """Send the report to the bureau; every value line must be filled. Verb ``plans.unitreport.submit``."""
    report = UnitReport.objects.select_for_update().get(pk=report.pk)
    _check_editable(report, acting_user)
    missing = [f"{line.indicator.name}（{line.value_unit.name}）" for line in value_lines(report)
               if line.current is None]
    if missing:
        raise ValidationError(_("Values are missing: %(lines)s") % {"lines": "、".join(missing)})
    report.status = UnitReport.Status.SUBMITTED
    report.submitted_at = timezone.now()
    report.submitted_by = acting_user if getattr(acting_user, "pk", None) else None
    report.return_reason = ""
    report.save()
    record("plans.unitreport.submit", report, actor=acting_user, unit=report.org_unit,
           after=snapshot(report, ["status", "submitted_at"]))
    return report


@transaction.atomic
def do_approve_report(report: UnitReport, *, acting_user, at: datetime.datetime | None = None) -> UnitReport:
    """Accept a submitted report: its values become known (``known_at``) and are locked.
    Verb ``plans.unitreport.approve``."""
    report = UnitReport.objects.select_for_update().select_related("round__plan").get(pk=report.pk)
    _require(acting_user, "plans.manage_plan", report.round.plan.org_unit, report.round.plan.owner_unit)
    if report.status != UnitReport.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be approved."))
    now = at or timezone.now()
    report.values.filter(known_at__isnull=True).update(known_at=now)
    report.status = UnitReport.Status.APPROVED
    report.decided_at = now
    report.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    report.save()
    record("plans.unitreport.approve", report, actor=acting_user, unit=report.org_unit,
           after={"status": report.status, "values": list(report.values.values_list("series", "value"))})
    return report


@transaction.atomic
def do_return_report(report: UnitReport, *, reason: str, acting_user) -> UnitReport:
    """Send a submitted report back to its unit with the reason. Verb ``plans.unitreport.return``."""
    report = UnitReport.objects.select_for_update().select_related("round__plan").get(pk=report.pk)
    _require(acting_user, "plans.manage_plan", report.round.plan.org_unit, report.round.plan.owner_unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report goes back.")})
    if report.status != UnitReport.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be returned."))
    report.status = UnitReport.Status.RETURNED
    report.return_reason = reason
    report.decided_at = timezone.now()
    report.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    report.save()
    record("plans.unitreport.return", report, actor=acting_user, unit=report.org_unit, note=reason,
           after=snapshot(report, ["status", "return_reason"]))
    return report


@transaction.atomic
def do_revise_value(value: Value, *, new_value: float, reason: str, acting_user, source_note: str = "",
                    at: datetime.datetime | None = None) -> Value:
    """Correct a known (approved) value: a new row with the reason; the old one stays.
    Verb ``plans.value.revise``."""
    plan = value.indicator.plan if value.indicator else None
    _require(acting_user, "plans.manage_plan", plan.org_unit if plan else None, value.org_unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("A revision needs a reason.")})
    if value.known_at is None:
        raise ValidationError(_("This value is not approved yet; the unit can still change it in its report."))
    latest = (Value.objects.known().filter(series=value.series, org_unit=value.org_unit, year=value.year,
                                           quarter=value.quarter).order_by("-known_at", "-pk").first())
    revised = Value.objects.create(
        series=value.series, indicator=value.indicator, org_unit=value.org_unit, year=value.year,
        quarter=value.quarter, value=float(new_value), source_note=(source_note or value.source_note)[:300],
        kind=Value.Kind.REVISION, report=value.report, entered_by=acting_user if getattr(acting_user, "pk", None)
        else None, known_at=at or timezone.now(), reason=reason, supersedes=latest or value)
    record("plans.value.revise", revised, actor=acting_user, unit=value.org_unit, note=reason,
           before=snapshot(latest or value, ["value", "known_at", "kind"]),
           after=snapshot(revised, ["value", "known_at", "kind", "supersedes"]))
    return revised


def _latest_known(value: Value) -> Value:
    """The value now in force for the same series, unit and period (the last known row)."""
    return (Value.objects.known().filter(series=value.series, org_unit=value.org_unit, year=value.year,
                                         quarter=value.quarter).order_by("-known_at", "-pk").first() or value)


@transaction.atomic
def do_request_revision(value: Value, *, reason: str, acting_user) -> RevisionRequest:
    """A unit asks the bureau to reopen a value of its approved (locked) report.

    Only the unit that reported the value (or a unit above it) with ``plans.report`` may
    ask; one open request per value at a time. Verb ``plans.revisionrequest.create``."""
    report = value.report
    if report is None:
        raise ValidationError(_("Only a value reported by a unit can be reopened on request."))
    _require(acting_user, "plans.report", report.org_unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the value must be corrected.")})
    if value.known_at is None or report.status != UnitReport.Status.APPROVED:
        raise ValidationError(_("The value is not approved yet; the unit can still change it in its report."))
    if RevisionRequest.objects.filter(value__series=value.series, value__org_unit=value.org_unit,
                                      value__year=value.year, value__quarter=value.quarter,
                                      status__in=[RevisionRequest.Status.PENDING,
                                                  RevisionRequest.Status.APPROVED]).exists():
        raise ValidationError(_("A revision of this value is already requested."))
    request = RevisionRequest.objects.create(
        value=_latest_known(value), report=report, reason=reason,
        requested_by=acting_user if getattr(acting_user, "pk", None) else None)
    record("plans.revisionrequest.create", request, actor=acting_user, unit=report.org_unit, note=reason,
           after=snapshot(request, ["value", "status", "reason"]))
    return request


@transaction.atomic
def do_decide_revision(request: RevisionRequest, *, approve: bool, acting_user, note: str = "") -> RevisionRequest:
    """The plan's bureau approves a revision request (the value opens for re-entry by the
    unit) or refuses it (a note is required). Verbs ``plans.revisionrequest.approve`` and
    ``plans.revisionrequest.refuse``."""
    request = (RevisionRequest.objects.select_for_update(of=("self",))
               .select_related("report__round__plan", "report__org_unit").get(pk=request.pk))
    plan = request.report.round.plan
    _require(acting_user, "plans.manage_plan", plan.org_unit, plan.owner_unit)
    if request.status != RevisionRequest.Status.PENDING:
        raise ValidationError(_("This request is already decided."))
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationError({"note": _("Say why the revision is refused.")})
    request.status = RevisionRequest.Status.APPROVED if approve else RevisionRequest.Status.REFUSED
    request.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save()
    record(f"plans.revisionrequest.{'approve' if approve else 'refuse'}", request, actor=acting_user,
           unit=request.report.org_unit, note=note, after=snapshot(request, ["status", "decision_note"]))
    return request


@transaction.atomic
def do_enter_revision(request: RevisionRequest, *, new_value: float, source_note: str, acting_user,
                      at: datetime.datetime | None = None) -> Value:
    """The unit re-enters the value the bureau reopened: a new row (kind ``revision``) that
    supersedes the one in force, with the request's reason; the old row stays, so any
    evaluation as of an earlier date is unchanged. Verb ``plans.value.revise``."""
    request = (RevisionRequest.objects.select_for_update(of=("self",))
               .select_related("report__org_unit", "value__indicator", "value__org_unit").get(pk=request.pk))
    _require(acting_user, "plans.report", request.report.org_unit)
    if request.status != RevisionRequest.Status.APPROVED:
        raise ValidationError(_("The bureau has not reopened this value."))
    source_note = (source_note or "").strip()
    if not source_note:
        raise ValidationError({"source_note": _("Say where the value comes from.")})
    old = request.value
    latest = _latest_known(old)
    revised = Value.objects.create(
        series=old.series, indicator=old.indicator, org_unit=old.org_unit, year=old.year, quarter=old.quarter,
        value=float(new_value), source_note=source_note[:300], kind=Value.Kind.REVISION, report=request.report,
        entered_by=acting_user if getattr(acting_user, "pk", None) else None, known_at=at or timezone.now(),
        reason=request.reason, supersedes=latest,
        provenance={"revision_request": request.pk, "approved_by": request.decided_by.username
                    if request.decided_by else None})
    request.status = RevisionRequest.Status.DONE
    request.revised = revised
    request.save(update_fields=["status", "revised"])
    record("plans.value.revise", revised, actor=acting_user, unit=old.org_unit, note=request.reason,
           before=snapshot(latest, ["value", "known_at", "kind"]),
           after=snapshot(revised, ["value", "known_at", "kind", "supersedes"]))
    return revised


@transaction.atomic
def do_override_value(indicator: Indicator, *, org_unit: OrgUnit, year: int, value: float, reason: str,
                      acting_user, quarter: int = 0) -> Value:
    """Set a computed indicator's value by hand; a reason is required. Refreshes leave it
    in place. Verb ``plans.value.override``."""
    _require(acting_user, "plans.manage_plan", indicator.plan.org_unit, org_unit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("An override needs a reason.")})
    latest = (Value.objects.known().filter(series=indicator.series, org_unit=org_unit, year=year, quarter=quarter)
              .order_by("-known_at", "-pk").first())
    row = Value.objects.create(series=indicator.series, indicator=indicator, org_unit=org_unit, year=year,
                               quarter=quarter, value=float(value), kind=Value.Kind.OVERRIDE, reason=reason,
                               entered_by=acting_user if getattr(acting_user, "pk", None) else None,
                               known_at=timezone.now(), supersedes=latest,
                               provenance={"override_of": latest.value if latest else None})
    record("plans.value.override", row, actor=acting_user, unit=org_unit, note=reason,
           after=snapshot(row, ["series", "year", "value", "supersedes"]))
    return row


@transaction.atomic
def do_refresh_computed(plan: Plan, *, years: Iterable[int], acting_user) -> dict[str, Any]:
    """Compute the plan's computed indicators from the registries for its place and the
    units of its decomposed targets; a new row only where the value changed, none where an
    override stands. One audit entry ``plans.value.compute``."""
    _require(acting_user, "plans.manage_plan", plan.org_unit, plan.owner_unit)
    added, unavailable, unchanged = [], set(), 0
    now = timezone.now()
    for indicator in plan.indicators.filter(method="computed"):
        if indicator.computation not in computations.AVAILABLE:
            unavailable.add(indicator.computation)
            continue
        units = {plan.org_unit} if plan.org_unit else set()
        units |= {r.org_unit for r in indicator.responsibilities.filter(role=Responsibility.Role.PART)}
        for unit in units:
            for year in years:
                value, provenance = computations.compute(indicator.computation, unit, year)
                if value is None:
                    continue
                latest = (Value.objects.known().filter(series=indicator.series, org_unit=unit, year=year, quarter=0)
                          .order_by("-known_at", "-pk").first())
                if latest is not None and (latest.kind == Value.Kind.OVERRIDE or latest.value == value):
                    unchanged += 1
                    continue
                Value.objects.create(series=indicator.series, indicator=indicator, org_unit=unit, year=year,
                                     value=value, kind=Value.Kind.COMPUTED, known_at=now, supersedes=latest,
                                     source_note=indicator.computation,
                                     provenance={"computation": indicator.computation, **provenance})
                added.append((indicator.series, unit.code, year, value))
    record("plans.value.compute", plan, actor=acting_user, unit=plan.org_unit, row_count=len(added),
           after={"added": added, "unavailable": sorted(unavailable)})
    return {"added": len(added), "unchanged": unchanged, "unavailable": sorted(unavailable)}


@dataclass
class ValueRow:
    """One value for :func:`do_import_values` (demo data, bulk loads)."""

    indicator: Indicator
    org_unit: OrgUnit
    year: int
    value: float
    known_at: datetime.datetime
    quarter: int = 0
    source_note: str = ""


@transaction.atomic
def do_import_values(rows: Iterable[ValueRow], *, kind: str, acting_user, note: str = "") -> int:
    """Write known values in bulk (demo data, historical statistics). One audit entry
    ``plans.value.import`` for the batch."""
    _require(acting_user, "plans.manage_plan", *OrgUnit.objects.filter(depth=0))
    objects = [Value(series=r.indicator.series, indicator=r.indicator, org_unit=r.org_unit, year=r.year,
                     quarter=r.quarter, value=float(r.value), kind=kind, known_at=r.known_at,
                     source_note=r.source_note[:300], entered_at=r.known_at) for r in rows]
    Value.objects.bulk_create(objects, batch_size=500)
    record("plans.value.import", actor=acting_user, object_type="plans.value", object_repr=note or kind,
           row_count=len(objects), note=note)
    return len(objects)


# --- the unit's Excel template ---------------------------------------------------------

VALUE_SHEET, TASK_SHEET = "指标数据", "任务进展"
VALUE_HEADERS = ["行键", "指标", "数据对象", "计量单位", "数值", "数据来源说明"]
# shown after the columns read back: what the figure is (year to date, the quarter alone, the year)
BASIS_HEADER = "填报口径"
TASK_HEADERS = ["任务编号", "任务", "状态", "完成百分比", "进展说明"]
STATE_WORDS = {"未开始": "not_started", "推进中": "in_progress", "已完成": "done", "滞后": "delayed"}


def report_workbook(report: UnitReport) -> bytes:
    """The unit's whole round as an .xlsx to fill in: one sheet of values, one of tasks."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = VALUE_SHEET
    sheet.append([*VALUE_HEADERS, BASIS_HEADER])
    for line in value_lines(report):
        current = line.current
        sheet.append([line.key, line.indicator.name, f"{line.value_unit.name}（{line.value_unit.code}）",
                      line.indicator.report_unit, current.value if current else None,
                      current.source_note if current else "", line.basis_zh])
    tasks = workbook.create_sheet(TASK_SHEET)
    tasks.append(TASK_HEADERS)
    labels = {v: k for k, v in STATE_WORDS.items()}
    for line in task_lines(report):
        current = line.current
        tasks.append([line.task.number, line.task.title, labels[current.state] if current else "未开始",
                      current.percent if current else 0, current.note if current else ""])
    validation = DataValidation(type="list", formula1='"' + ",".join(STATE_WORDS) + '"', allow_blank=True)
    tasks.add_data_validation(validation)
    validation.add("C2:C500")
    for ws in (sheet, tasks):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["B"].width = 40
        ws.column_dimensions["C"].width = 24
        ws.column_dimensions["F" if ws is sheet else "E"].width = 40
    sheet.column_dimensions["G"].width = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _number(text: Any) -> float | None:
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    return float(str(text).replace(",", "").replace("，", "").strip())


def read_report_workbook(report: UnitReport, data: bytes, filename: str) -> tuple[list[LineInput], list[TaskInput]]:
    """Check every row of an uploaded template; :class:`ImportRejected` lists each problem
    with sheet, row, column and reason."""
    from openpyxl import load_workbook

    if not filename.lower().endswith(".xlsx"):
        raise ImportRejected([CellError(filename, None, "", _("Only .xlsx files are accepted."))])
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ImportRejected([CellError(filename, None, "", _("The file is not a readable .xlsx workbook."))]) from None
    errors: list[CellError] = []
    values: list[LineInput] = []
    tasks: list[TaskInput] = []
    lines = {line.key for line in value_lines(report)}
    numbers = {line.task.number for line in task_lines(report)}
    for title, headers in ((VALUE_SHEET, VALUE_HEADERS), (TASK_SHEET, TASK_HEADERS)):
        if title not in workbook.sheetnames:
            errors.append(CellError(title, None, "", _("The sheet is missing; download the template again.")))
            continue
        rows = list(workbook[title].iter_rows(values_only=True))
        header = [str(c).strip() if c is not None else "" for c in (rows[0] if rows else [])]
        if header[:len(headers)] != headers:
            errors.append(CellError(title, 1, "", _("The header row must be: %(headers)s")
                                    % {"headers": "、".join(headers)}))
            continue
        seen = set()
        for index, raw in enumerate(rows[1:], start=2):
            cells = list(raw) + [None] * (len(headers) - len(raw))
            if not any(c not in (None, "") for c in cells):
                continue
            key = str(cells[0]).strip() if cells[0] is not None else ""
            if title == VALUE_SHEET:
                if key not in lines:
                    errors.append(CellError(title, index, headers[0], _("Not a line of this report: “%(key)s”.")
                                            % {"key": key}))
                    continue
                if key in seen:
                    errors.append(CellError(title, index, headers[0], _("The line appears twice.")))
                    continue
                seen.add(key)
                try:
                    number = _number(cells[4])
                except ValueError:
                    errors.append(CellError(title, index, headers[4], _("Not a number: “%(value)s”.")
                                            % {"value": cells[4]}))
                    continue
                note = str(cells[5]).strip() if cells[5] is not None else ""
                if number is not None and not note:
                    errors.append(CellError(title, index, headers[5], _("Say where the value comes from.")))
                    continue
                values.append(LineInput(key, number, note))
            else:
                if key not in numbers:
                    errors.append(CellError(title, index, headers[0], _("Not a task of this report: “%(key)s”.")
                                            % {"key": key}))
                    continue
                word = str(cells[2]).strip() if cells[2] is not None else ""
                state = STATE_WORDS.get(word, word if word in TaskReport.State.values else None)
                if state is None:
                    errors.append(CellError(title, index, headers[2], _("Choose one of: %(choices)s")
                                            % {"choices": "、".join(STATE_WORDS)}))
                    continue
                try:
                    percent = int(_number(cells[3]) or 0)
                except ValueError:
                    percent = -1
                if not 0 <= percent <= 100:
                    errors.append(CellError(title, index, headers[3], _("A whole number from 0 to 100.")))
                    continue
                tasks.append(TaskInput(key, state, percent, str(cells[4]).strip() if cells[4] is not None else ""))
    workbook.close()
    if errors:
        raise ImportRejected(errors)
    return values, tasks


def do_import_report(report: UnitReport, data: bytes, filename: str, *, acting_user) -> UnitReport:
    """Read a filled template and save it all, or nothing (the file kept with the audit entry)."""
    from django.core.files.base import ContentFile

    _check_editable(report, acting_user)
    values, tasks = read_report_workbook(report, data, filename)
    return do_save_report(report, acting_user=acting_user, values=values, tasks=tasks,
                          batch_file=ContentFile(data, name=Path(filename).name))
