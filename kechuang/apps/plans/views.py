"""Pages of the plans module: plans and their dashboards, evaluation, reporting rounds,
unit reports, exports, and the public progress page."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from kechuang.apps.common.tabular import ImportRejected
from kechuang.apps.common.views import (
    PUBLIC,
    ActionFormView,
    CapabilityRequiredMixin,
    Column,
    ObjectListView,
    PageMixin,
)
from kechuang.engine.indicators import LABELS_EN, LABELS_ZH

from . import actions, computations, documents, forms
from .access import (
    access_indicator,
    access_plan,
    access_public_plan,
    access_report,
    access_reported_value,
    access_revision,
    access_round,
    access_value,
)
from .evaluation import (
    CHART_COLOURS,
    chart_series,
    evaluate_for,
    evaluate_plan,
    parse_date,
    restricted_codes,
)
from .models import Plan, RevisionRequest, Round, TaskReport, UnitReport, Value
from .reporting import task_lines, value_lines

SHIPPED_FOLDER = Path(__file__).resolve().parents[3] / "data" / "plans"

STATUS_ORDER = ["achieved", "on_track", "accelerate", "lagging", "deteriorating", "no_data"]


def _can(user, capability: str, *units) -> bool:
    if not user.has_capability(capability):
        return False
    if user.is_superuser:
        return True
    paths = user.scope_paths(capability)
    return any(u is not None and any(u.path.startswith(p) for p in paths) for u in units)


def _as_of(request) -> datetime.date:
    return parse_date(request.GET.get("as_of")) or timezone.localdate()


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _year(request, plan: Plan) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = min(timezone.localdate().year - 1, plan.period_end)
    return year


# --- plans ----------------------------------------------------------------------------


class PlanListView(ObjectListView):
    required_capability = "plans.view_plan"
    model = Plan
    title = gettext_lazy("Plans")
    export_name = "plans"
    template_name = "plans/plan_list.html"
    default_sort = "code"
    columns = [
        Column("title", gettext_lazy("Plan"), sort="title", link=True),
        Column("period", gettext_lazy("Period")),
        Column("org_unit.name", gettext_lazy("Place")),
        Column("document_status", gettext_lazy("Document status"), sort="document_status"),
        Column("version", gettext_lazy("Version")),
        Column("published", gettext_lazy("Published"), sort="published"),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("org_unit")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_load"] = self.request.user.has_capability("plans.manage_plan")
        return context


class PlanLoadView(PageMixin, FormView):
    """Load (or reload) the plan folder: every file checked, all written or none."""

    required_capability = "plans.manage_plan"
    template_name = "plans/plan_load.html"
    form_class = forms.LoadForm
    title = gettext_lazy("Load plans")

    def get_initial(self):
        return {"directory": str(SHIPPED_FOLDER)}

    def get_breadcrumbs(self):
        return [(_("Plans"), reverse("plans:plan_list")), (self.get_title(), None)]

    def form_valid(self, form):
        try:
            summary = actions.do_load_plans(form.cleaned_data["directory"], acting_user=self.request.user)
        except actions.PlansRejected as rejected:
            return self.render_to_response(self.get_context_data(form=form, issues=rejected.issues))
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("%(count)s plan(s) loaded.") % {"count": len(summary["plans"])})
        return self.render_to_response(self.get_context_data(form=form, summary=summary))


class PlanMixin:
    plan_capability = "plans.view_plan"

    def get_plan(self) -> Plan:
        if not hasattr(self, "_plan"):
            self._plan = access_plan(self.request.user, self.kwargs["pk"], self.plan_capability)
        return self._plan

    def get_breadcrumbs(self):
        plan = self.get_plan()
        trail = [(_("Plans"), reverse("plans:plan_list")), (plan.title, plan.get_absolute_url())]
        if self.get_title() != plan.title:
            trail.append((self.get_title(), None))
        else:
            trail[-1] = (plan.title, None)
        return trail


def _chart_series(plan: Plan, result: dict, unit_code: str | None) -> list[dict]:
    """Per indicator: the known annual values of the place and the target path."""
    return chart_series(plan, result, unit_code, label=_label)


def _status_context(result: dict) -> dict:
    counts = result["rollups"]["plan"]["counts"]
    return {"status_counts": [(s, _label(s), counts.get(s, 0), _chip(s)) for s in STATUS_ORDER],
            "pie": [{"name": _label(s), "value": counts.get(s, 0),
                     "itemStyle": {"color": CHART_COLOURS[_colour(s)]}} for s in STATUS_ORDER if counts.get(s, 0)]}


def _zh() -> bool:
    return (get_language() or "zh").startswith("zh")


def _label(status: str) -> str:
    return (LABELS_ZH if _zh() else LABELS_EN)[status]


def _colour(status: str) -> str:
    from kechuang.engine.indicators import COLOURS

    return COLOURS[status]


def _chip(status: str) -> str:
    return f"kc-chip kc-chip-{_colour(status)}"


def _decorate(result: dict) -> dict:
    """Chip classes, labels and the explanation in the page's language."""
    zh = _zh()
    for item in result["indicators"]:
        item["chip"] = _chip(item["status"])
        item["label"] = _label(item["status"])
        item["why"] = item["explanation"]["text" if zh else "text_en"]
        for key in ("achievement", "progress", "elapsed", "required_growth"):
            item[f"{key}_pct"] = "—" if item.get(key) is None else f"{item[key] * 100:.1f}%"
        for part in item.get("parts", []):
            part["chip"] = _chip(part["status"])
            part["label"] = _label(part["status"])
            if part.get("explanation") is not None:  # None: evaluated without (shown on demand)
                part["why"] = part["explanation"]["text" if zh else "text_en"]
        parts = Counter(p["status"] for p in item.get("parts", []))
        item["parts_counts"] = [{"status": s, "label": _label(s), "chip": _chip(s), "count": parts[s]}
                                for s in STATUS_ORDER if parts[s]]
    for group in result["rollups"]["units"] + result["rollups"]["chapters"]:
        group["chip"] = _chip(group["worst"])
        group["label"] = _label(group["worst"])
    return result


def _task_board(plan: Plan, user) -> list[dict]:
    """Tasks grouped by lead unit, each with its latest approved (else latest) progress."""
    latest: dict[int, TaskReport] = {}
    for row in (TaskReport.objects.filter(report__round__plan=plan)
                .select_related("report").order_by("report__round__year", "report__round__quarter", "updated_at")):
        if row.report.status == UnitReport.Status.APPROVED or row.task_id not in latest:
            latest[row.task_id] = row
    codes = restricted_codes(user, plan) if user.is_authenticated else None
    units = None
    if codes is not None:
        from .evaluation import user_units

        units = set(user_units(user).values_list("pk", flat=True))
    board: dict[str, list] = defaultdict(list)
    for task in plan.tasks.select_related("lead_unit").order_by("order"):
        if units is not None and task.lead_unit_id not in units:
            continue
        progress = latest.get(task.pk)
        board[task.lead_unit.name if task.lead_unit else (plan.owner_name or "—")].append(
            {"task": task, "state": progress.get_state_display() if progress else _("Not reported"),
             "state_key": progress.state if progress else "none", "percent": progress.percent if progress else 0,
             "overdue": task.deadline and task.deadline < timezone.localdate() and
             (not progress or progress.state != "done")})
    return sorted(board.items())


class PlanDetailView(PlanMixin, PageMixin, TemplateView):
    """The plan's dashboard: status at a glance, each indicator's trend against its path,
    the task board by unit, the reporting rounds."""

    required_capability = "plans.view_plan"
    template_name = "plans/plan_detail.html"

    def get_title(self):
        return self.get_plan().title

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.get_plan()
        user = self.request.user
        as_of = _as_of(self.request)
        # the dashboard shows no part's explanation: a plan decomposed over 200 units has thousands
        result = _decorate(evaluate_for(user, plan, as_of, explain_parts=False))
        ids = dict(plan.indicators.values_list("code", "pk"))
        for item in result["indicators"]:
            item["pk"] = ids.get(item["code"])
        context.update(_status_context(result))
        can_manage = _can(user, "plans.manage_plan", plan.org_unit, plan.owner_unit)
        context.update({
            "plan": plan, "result": result, "as_of": as_of, "can_manage": can_manage,
            "charts": {"charts": _chart_series(plan, result, None), "pie": context["pie"]},
            "board": _task_board(plan, user),
            "rounds": Round.objects.filter(plan=plan).prefetch_related("reports"),
            "report_year": min(timezone.localdate().year - 1, plan.period_end),
            "computed_missing": sorted({i.computation for i in plan.indicators.filter(method="computed")}
                                       - set(computations.AVAILABLE)),
        })
        return context


class PlanEvaluationView(PlanMixin, PageMixin, TemplateView):
    """Every indicator evaluated as of a date, with the explanation of each number."""

    required_capability = "plans.view_plan"
    template_name = "plans/plan_evaluation.html"
    title = gettext_lazy("Evaluation")

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            plan = self.get_plan()
            response = HttpResponse(documents.plan_workbook(plan, _as_of(request), request.user),
                                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            return _attachment(response, f"{plan.code}-indicators.xlsx")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.get_plan()
        as_of = _as_of(self.request)
        # each indicator's parts are counted here and listed on demand (IndicatorPartsView)
        result = _decorate(evaluate_for(self.request.user, plan, as_of, explain_parts=False))
        ids = dict(plan.indicators.values_list("code", "pk"))
        for item in result["indicators"]:
            item["pk"] = ids.get(item["code"])
        context.update({"plan": plan, "result": result, "as_of": as_of,
                        "full": True})
        context.update(_status_context(result))
        return context


class IndicatorDetailView(PageMixin, TemplateView):
    """One indicator: its targets, its evaluation, every value with its history."""

    required_capability = "plans.view_plan"
    template_name = "plans/indicator_detail.html"

    def get_indicator(self):
        if not hasattr(self, "_indicator"):
            self._indicator = access_indicator(self.request.user, self.kwargs["pk"])
        return self._indicator

    def get_title(self):
        return self.get_indicator().name

    def get_breadcrumbs(self):
        ind = self.get_indicator()
        return [(_("Plans"), reverse("plans:plan_list")), (ind.plan.title, ind.plan.get_absolute_url()),
                (ind.name, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ind = self.get_indicator()
        plan = ind.plan
        user = self.request.user
        as_of = _as_of(self.request)
        result = _decorate(evaluate_for(user, plan, as_of, indicator=ind.code))
        item = next((i for i in result["indicators"] if i["code"] == ind.code), None)
        values = (Value.objects.visible_to(user).known().filter(series=ind.series)
                  .select_related("org_unit", "entered_by", "indicator"))
        if plan.org_unit is not None:  # a catalogue series is shared: only this plan's place and below
            values = values.filter(org_unit__path__startswith=plan.org_unit.path)
        if restricted_codes(user, plan) is not None:
            from .evaluation import user_units

            units = set(user_units(user).values_list("pk", flat=True))
            place = plan.org_unit_id
            mine = {r.value_unit_id for r in ind.responsibilities.filter(org_unit__in=units) if r.value_unit_id}
            values = values.filter(org_unit__in=units | mine | ({place} if not mine else set()))
        history = list(values.order_by("org_unit__code", "-year", "-quarter", "-known_at"))
        current = {}
        for v in sorted(history, key=lambda v: v.known_at):
            current[(v.org_unit_id, v.year, v.quarter)] = v.pk
        for v in history:
            v.is_current = current[(v.org_unit_id, v.year, v.quarter)] == v.pk
            v.known_local = timezone.localtime(v.known_at)
        can_manage = _can(user, "plans.manage_plan", plan.org_unit, plan.owner_unit)
        context.update({"indicator": ind, "plan": plan, "item": item, "history": history, "as_of": as_of,
                        "targets": ind.targets.all(), "can_manage": can_manage,
                        "responsibilities": ind.responsibilities.select_related("org_unit", "value_unit"),
                        "override_form": forms.OverrideForm(initial={
                            "unit": plan.org_unit.code if plan.org_unit else "", "year": as_of.year - 1})
                        if can_manage and ind.method == "computed" else None,
                        "charts": {"charts": _chart_series(plan, {"indicators": [item]}, None) if item else []}})
        if item:
            item["chip"] = _chip(item["status"])
        return context

    def post(self, request, *args, **kwargs):
        """The manual override of a computed indicator (reason required)."""
        from kechuang.apps.accounts.models import OrgUnit

        ind = self.get_indicator()
        plan = ind.plan
        if not _can(request.user, "plans.manage_plan", plan.org_unit, plan.owner_unit) or ind.method != "computed":
            raise Http404
        form = forms.OverrideForm(request.POST)
        if form.is_valid():
            unit = OrgUnit.objects.visible_to(request.user, "plans.manage_plan").filter(
                code=form.cleaned_data["unit"].strip()).first()
            try:
                if unit is None:
                    raise ValidationError(_("Unknown unit code, or outside your units."))
                actions.do_override_value(ind, org_unit=unit, year=form.cleaned_data["year"],
                                          value=form.cleaned_data["value"], reason=form.cleaned_data["reason"],
                                          acting_user=request.user)
                messages.success(request, _("The value was overridden."))
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
        else:
            messages.error(request, _("Fill in every field of the override, including the reason."))
        return HttpResponseRedirect(ind.get_absolute_url())


class IndicatorPartsView(CapabilityRequiredMixin, TemplateView):
    """A fragment of the evaluation page: one indicator's decomposed targets, unit by unit,
    each with its status and why; those furthest behind first. The evaluation page loads it
    on demand (htmx), since a plan decomposed over 200 units has thousands of parts.

    Scoped like the page: the indicator must be visible to the user (``access_indicator``)
    and a unit that answers only for some lines sees only its own parts (``restrict``)."""

    required_capability = "plans.view_plan"
    template_name = "plans/_indicator_parts.html"

    def get_context_data(self, **kwargs):
        from kechuang.engine.indicators.status import SEVERITY

        context = super().get_context_data(**kwargs)
        ind = access_indicator(self.request.user, self.kwargs["pk"])
        as_of = _as_of(self.request)
        result = _decorate(evaluate_for(self.request.user, ind.plan, as_of, indicator=ind.code))
        item = next((i for i in result["indicators"] if i["code"] == ind.code), None)
        parts = sorted(item["parts"] if item else [], key=lambda p: -SEVERITY[p["status"]])  # stable: plan order
        for part in parts:
            part["achievement_pct"] = "—" if part["achievement"] is None else f"{part['achievement'] * 100:.1f}%"
        context.update({"indicator": ind, "parts": parts, "as_of": as_of})
        return context


class PlanPublishView(CapabilityRequiredMixin, PlanMixin, View):
    required_capability = "plans.manage_plan"
    plan_capability = "plans.manage_plan"

    def post(self, request, pk):
        plan = self.get_plan()
        try:
            actions.do_publish_plan(plan, published=request.POST.get("published") == "1", acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return HttpResponseRedirect(plan.get_absolute_url())


class PlanRefreshView(CapabilityRequiredMixin, PlanMixin, View):
    """Recompute the computed indicators from the registries."""

    required_capability = "plans.manage_plan"
    plan_capability = "plans.manage_plan"

    def post(self, request, pk):
        plan = self.get_plan()
        last = min(timezone.localdate().year, plan.period_end)
        try:
            summary = actions.do_refresh_computed(plan, years=range(plan.period_start - 1, last + 1),
                                                  acting_user=request.user)
            messages.success(request, _("%(added)s new computed value(s); %(unchanged)s unchanged.") % summary)
            if summary["unavailable"]:
                messages.warning(request, _("Not yet available: %(names)s") % {"names": ", ".join(summary["unavailable"])})
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return HttpResponseRedirect(plan.get_absolute_url())


class PlanReportFileView(CapabilityRequiredMixin, PlanMixin, View):
    """The annual evaluation report: ?year=YYYY, as .docx or .pdf."""

    required_capability = "plans.view_plan"
    kind = "docx"

    def get(self, request, pk):
        plan = self.get_plan()
        year = _year(request, plan)
        as_of = _as_of(request)
        if self.kind == "pdf":
            response = HttpResponse(documents.pdf_report(plan, year, as_of, request.user), content_type="application/pdf")
            return _attachment(response, f"{plan.code}-{year}.pdf")
        response = HttpResponse(documents.word_report(plan, year, as_of, request.user), content_type=(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
        return _attachment(response, f"{plan.code}-{year}.docx")


# --- rounds and reports ---------------------------------------------------------------


class RoundOpenView(PlanMixin, ActionFormView):
    required_capability = "plans.manage_plan"
    plan_capability = "plans.manage_plan"
    form_class = forms.RoundForm
    title = gettext_lazy("Open a reporting round")
    submit_label = gettext_lazy("Open the round")
    success_message = gettext_lazy("The round is open; each responsible unit has its report.")

    def perform(self, form):
        round_ = actions.do_open_round(self.get_plan(), acting_user=self.request.user, **form.cleaned_data)
        return round_.get_absolute_url()


class RoundDetailView(PageMixin, TemplateView):
    required_capability = "plans.view_plan"
    template_name = "plans/round_detail.html"

    def get_round(self) -> Round:
        if not hasattr(self, "_round"):
            self._round = access_round(self.request.user, self.kwargs["pk"])
        return self._round

    def get_title(self):
        return self.get_round().period_label

    def get_breadcrumbs(self):
        r = self.get_round()
        return [(_("Plans"), reverse("plans:plan_list")), (r.plan.title, r.plan.get_absolute_url()),
                (r.period_label, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round_ = self.get_round()
        reports = UnitReport.objects.visible_to(self.request.user).filter(round=round_).select_related("org_unit")
        context.update({"round": round_, "reports": reports,
                        "can_manage": _can(self.request.user, "plans.manage_plan", round_.plan.org_unit)})
        return context

    def post(self, request, pk):
        round_ = self.get_round()
        if not _can(request.user, "plans.manage_plan", round_.plan.org_unit):
            raise Http404
        actions.do_close_round(round_, acting_user=request.user)
        messages.success(request, _("The round is closed."))
        return HttpResponseRedirect(round_.get_absolute_url())


class ReportMixin:
    def get_report(self) -> UnitReport:
        if not hasattr(self, "_report"):
            self._report = access_report(self.request.user, self.kwargs["pk"])
        return self._report

    def get_breadcrumbs(self):
        r = self.get_report()
        return [(_("Plans"), reverse("plans:plan_list")), (r.round.plan.title, r.round.plan.get_absolute_url()),
                (r.round.period_label, r.round.get_absolute_url()), (r.org_unit.name, None)]


class ReportDetailView(ReportMixin, PageMixin, TemplateView):
    """A unit's report: enter values and task progress, submit; the bureau approves or returns."""

    required_capability = "plans.view_plan"
    template_name = "plans/report_detail.html"

    def get_title(self):
        r = self.get_report()
        return f"{r.org_unit.name} · {r.round.period_label}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.get_report()
        user = self.request.user
        can_report = _can(user, "plans.report", report.org_unit)
        can_manage = _can(user, "plans.manage_plan", report.round.plan.org_unit, report.round.plan.owner_unit)
        context.update({"report": report, "lines": value_lines(report), "tasks": task_lines(report),
                        "states": TaskReport.State.choices, "can_edit": can_report and report.editable,
                        "can_manage": can_manage, "return_form": forms.ReturnForm(),
                        "upload_form": forms.UploadForm(),
                        "can_request_revision": can_report and report.status == UnitReport.Status.APPROVED,
                        "revisions": RevisionRequest.objects.visible_to(user).filter(report=report)
                        .select_related("value", "value__indicator", "requested_by", "decided_by")})
        context.setdefault("import_errors", None)
        return context

    def post(self, request, pk):
        report = self.get_report()
        if not _can(request.user, "plans.report", report.org_unit):
            raise Http404
        values, tasks = [], []
        for line in value_lines(report):
            raw = request.POST.get(f"value__{line.key}", "").strip()
            try:
                number = actions._number(raw)
            except ValueError:
                messages.error(request, _("Not a number: “%(value)s”.") % {"value": raw})
                return HttpResponseRedirect(report.get_absolute_url())
            values.append(actions.LineInput(line.key, number, request.POST.get(f"note__{line.key}", "").strip(),
                                            request.FILES.get(f"file__{line.key}")))
        for line in task_lines(report):
            number = line.task.number
            try:
                percent = int(request.POST.get(f"percent__{number}", "0") or 0)
            except ValueError:
                percent = -1
            tasks.append(actions.TaskInput(number, request.POST.get(f"state__{number}", "not_started"), percent,
                                           request.POST.get(f"tasknote__{number}", "").strip()))
        try:
            missing_note = [v.key for v in values if v.value is not None and not v.source_note]
            if missing_note:
                raise ValidationError(_("Say where each value comes from (source note)."))
            actions.do_save_report(report, acting_user=request.user, values=values, tasks=tasks)
            if "submit" in request.POST:
                actions.do_submit_report(report, acting_user=request.user)
                messages.success(request, _("The report was submitted to the bureau."))
            else:
                messages.success(request, _("Saved."))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return HttpResponseRedirect(report.get_absolute_url())


class ReportDecisionView(CapabilityRequiredMixin, ReportMixin, View):
    """Approve (values become known and locked) or return with a reason."""

    required_capability = "plans.manage_plan"
    decision = "approve"

    def post(self, request, pk):
        report = self.get_report()
        try:
            if self.decision == "approve":
                actions.do_approve_report(report, acting_user=request.user)
                messages.success(request, _("Approved; the values are locked."))
            else:
                actions.do_return_report(report, reason=request.POST.get("reason", ""), acting_user=request.user)
                messages.success(request, _("Returned to the unit."))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return HttpResponseRedirect(report.get_absolute_url())


class ReportTemplateView(CapabilityRequiredMixin, ReportMixin, View):
    required_capability = "plans.view_plan"

    def get(self, request, pk):
        report = self.get_report()
        response = HttpResponse(actions.report_workbook(report),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return _attachment(response, f"{report.round.plan.code}-{report.round.period}-{report.org_unit.code}.xlsx")


class ReportUploadView(ReportMixin, PageMixin, FormView):
    """Upload the filled template: every row checked, all saved or nothing."""

    required_capability = "plans.report"
    form_class = forms.UploadForm
    template_name = "plans/report_upload.html"
    title = gettext_lazy("Upload the filled template")

    def form_valid(self, form):
        report = self.get_report()
        upload = form.cleaned_data["file"]
        try:
            actions.do_import_report(report, upload.read(), upload.name, acting_user=self.request.user)
        except ImportRejected as rejected:
            return self.render_to_response(self.get_context_data(form=form, errors=rejected.errors))
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            return self.form_invalid(form)
        messages.success(self.request, _("The file was read and saved."))
        return HttpResponseRedirect(report.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["report"] = self.get_report()
        return context


class ValueReviseView(ActionFormView):
    """Correct an approved value: a new row with the reason; the old value stays."""

    required_capability = "plans.manage_plan"
    form_class = forms.ReviseForm
    title = gettext_lazy("Revise a value")
    submit_label = gettext_lazy("Record the revision")
    success_message = gettext_lazy("The revision is recorded; the previous value is kept in the history.")

    def get_value(self) -> Value:
        if not hasattr(self, "_value"):
            self._value = access_value(self.request.user, self.kwargs["pk"], "plans.manage_plan")
        return self._value

    def get_initial(self):
        value = self.get_value()
        return {"value": value.value, "source_note": value.source_note}

    def get_title(self):
        v = self.get_value()
        return f"{_('Revise a value')}：{v.indicator.name if v.indicator else v.series} · {v.org_unit.name} · {v.period}"

    def perform(self, form):
        value = self.get_value()
        actions.do_revise_value(value, new_value=form.cleaned_data["value"], reason=form.cleaned_data["reason"],
                                source_note=form.cleaned_data["source_note"], acting_user=self.request.user)
        return value.indicator.get_absolute_url() if value.indicator else reverse("plans:plan_list")


class RevisionRequestView(ActionFormView):
    """A unit asks the bureau to reopen a value of its approved (locked) report."""

    required_capability = "plans.report"
    form_class = forms.RevisionRequestForm
    title = gettext_lazy("Request a revision")
    submit_label = gettext_lazy("Send the request")
    success_message = gettext_lazy("The request was sent to the bureau.")

    def get_value(self) -> Value:
        if not hasattr(self, "_value"):
            self._value = access_reported_value(self.request.user, self.kwargs["pk"], "plans.report")
        return self._value

    def get_title(self):
        v = self.get_value()
        return (f"{_('Request a revision')}：{v.indicator.name if v.indicator else v.series} · "
                f"{v.org_unit.name} · {v.period} = {v.value:g}")

    def perform(self, form):
        request = actions.do_request_revision(self.get_value(), reason=form.cleaned_data["reason"],
                                              acting_user=self.request.user)
        return request.get_absolute_url()


class RevisionDetailView(PageMixin, TemplateView):
    """A revision request: the bureau approves or refuses it; once approved, the unit
    re-enters the value (the old one stays in the history)."""

    required_capability = "plans.view_plan"
    template_name = "plans/revision_detail.html"
    title = gettext_lazy("Revision request")

    def get_revision(self) -> RevisionRequest:
        if not hasattr(self, "_revision"):
            self._revision = access_revision(self.request.user, self.kwargs["pk"])
        return self._revision

    def get_breadcrumbs(self):
        r = self.get_revision()
        return [(_("Plans"), reverse("plans:plan_list")), (r.report.round.plan.title,
                r.report.round.plan.get_absolute_url()), (str(r.report.org_unit.name), r.report.get_absolute_url()),
                (self.get_title(), None)]

    def _rights(self, revision: RevisionRequest) -> tuple[bool, bool]:
        user, plan = self.request.user, revision.report.round.plan
        return (_can(user, "plans.manage_plan", plan.org_unit, plan.owner_unit),
                _can(user, "plans.report", revision.report.org_unit))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        revision = self.get_revision()
        can_decide, can_enter = self._rights(revision)
        context.update({"revision": revision, "can_decide": can_decide and revision.status == "pending",
                        "can_enter": can_enter and revision.status == "approved",
                        "decision_form": kwargs.get("decision_form") or forms.RevisionDecisionForm(),
                        "entry_form": kwargs.get("entry_form") or forms.RevisionEntryForm(
                            initial={"value": revision.value.value})})
        return context

    def post(self, request, pk):
        revision = self.get_revision()
        can_decide, can_enter = self._rights(revision)
        decision = request.POST.get("decision")
        form = forms.RevisionEntryForm(request.POST) if decision == "enter" else forms.RevisionDecisionForm(request.POST)
        if (decision == "enter" and not can_enter) or (decision in ("approve", "refuse") and not can_decide) \
                or decision not in ("enter", "approve", "refuse"):
            raise Http404
        key = "entry_form" if decision == "enter" else "decision_form"
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(**{key: form}))
        try:
            if decision == "enter":
                actions.do_enter_revision(revision, new_value=form.cleaned_data["value"],
                                          source_note=form.cleaned_data["source_note"], acting_user=request.user)
                messages.success(request, _("The corrected value is recorded; the previous value is kept."))
            else:
                actions.do_decide_revision(revision, approve=decision == "approve", note=form.cleaned_data["note"],
                                           acting_user=request.user)
                messages.success(request, _("The decision is recorded."))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.render_to_response(self.get_context_data(**{key: form}))
        return HttpResponseRedirect(revision.get_absolute_url())


class MyReportsView(PageMixin, TemplateView):
    """The reports the user's units owe or have sent, with deadlines; overdue ones first."""

    required_capability = "plans.report"
    template_name = "plans/my_reports.html"
    title = gettext_lazy("Plan reporting")
    overdue_only = False

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reports = (UnitReport.objects.visible_to(self.request.user, self.required_capability)
                   .select_related("round", "round__plan", "org_unit").order_by("round__deadline", "org_unit__code"))
        today = timezone.localdate()
        if self.overdue_only:
            reports = reports.filter(status__in=["draft", "returned"], round__deadline__lt=today,
                                     round__status=Round.Status.OPEN)
        context.update({"reports": reports, "today": today, "overdue_only": self.overdue_only})
        return context


class OverdueView(MyReportsView):
    required_capability = "plans.view_plan"
    title = gettext_lazy("Overdue reports")
    overdue_only = True


# --- public ---------------------------------------------------------------------------


class PublicPlanListView(TemplateView):
    required_capability = PUBLIC
    template_name = "plans/public_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plans"] = Plan.objects.published().select_related("org_unit")
        context["title"] = _("Plan progress")
        return context


class PublicPlanView(TemplateView):
    """A published plan's progress, read-only, for anyone."""

    required_capability = PUBLIC
    template_name = "plans/public_plan.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = access_public_plan(self.kwargs["pk"])
        result = _decorate(evaluate_plan(plan, timezone.localdate(), explain_parts=False))  # no parts shown
        context.update({"plan": plan, "result": result, "title": plan.title,
                        "charts": {"charts": _chart_series(plan, result, None),
                                   "pie": _status_context(result)["pie"]}})
        context.update(_status_context(result))
        return context
