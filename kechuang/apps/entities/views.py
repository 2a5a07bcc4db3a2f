"""Pages of the entity registry."""

from __future__ import annotations

import io

from django.db.models import F
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from kechuang.apps.accounts.forms import ImportForm
from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.common.views import (
    ActionFormView,
    CapabilityRequiredMixin,
    Column,
    ObjectListView,
    PageMixin,
    excel_value,
)
from kechuang.apps.tasks.runner import enqueue

from . import actions, forms
from .access import access_entity
from .filtersets import (
    AssessmentResultFilterSet,
    AssessmentRunFilterSet,
    EntityFilterSet,
    TransitionFilterSet,
)
from .models import AssessmentResult, AssessmentRun, Entity


class EntityListView(ObjectListView):
    required_capability = "entities.view_entity"
    model = Entity
    filterset_class = EntityFilterSet
    title = gettext_lazy("Entity registry")
    export_name = "entities"
    template_name = "entities/entity_list.html"
    create_url_name = "entities:entity_create"
    create_capability = "entities.manage_entity"
    columns = [
        Column("uscc", gettext_lazy("Unified social credit code"), sort="uscc"),
        Column("name", gettext_lazy("Name"), sort="name", link=True),
        Column("kind", gettext_lazy("Kind"), sort="kind"),
        Column("org_unit.name", gettext_lazy("Division")),
        Column("registered_on", gettext_lazy("Registration date"), sort="registered_on"),
        Column("tech_field", gettext_lazy("High-tech field")),
    ]

    def base_queryset(self):
        return super().base_queryset().select_related("org_unit")


class EntityMixin:
    def get_entity(self) -> Entity:
        if not hasattr(self, "_entity"):
            self._entity = access_entity(self.request.user, self.kwargs["pk"], self.required_capability)
        return self._entity

    def get_breadcrumbs(self):
        entity = self.get_entity()
        return [(_("Entity registry"), reverse("entities:entity_list")),
                (entity.name, entity.get_absolute_url()), (self.get_title(), None)]


class EntityDetailView(PageMixin, EntityMixin, TemplateView):
    required_capability = "entities.view_entity"
    template_name = "entities/entity_detail.html"

    def get_title(self) -> str:
        return self.get_entity().name

    def get_breadcrumbs(self):
        return [(_("Entity registry"), reverse("entities:entity_list")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entity = self.get_entity()
        user = self.request.user
        facts = list(entity.facts.order_by("-year"))
        context.update(
            entity=entity,
            facts=facts,
            fact_rows=[(field.verbose_name, [getattr(f, field.name) for f in facts])
                       for field in forms.FactForm._meta.model._meta.concrete_fields
                       if field.name in actions.FACT_FIELDS],
            changes=entity.changes.all(),
            stored_results=entity.assessments.select_related("run", "run__org_unit").order_by(
                "-year", "-run__created_at", "-pk"),
            can_manage=Entity.objects.visible_to(user, "entities.manage_entity").filter(pk=entity.pk).exists()
            and user.has_capability("entities.manage_entity"),
            can_edit_facts=user.has_capability("entities.edit_facts")
            and Entity.objects.visible_to(user, "entities.edit_facts").filter(pk=entity.pk).exists(),
        )
        if facts:
            year = self._assessment_year(facts)
            context["assessment_year"] = year
            context["assessment"], context["assessment_error"] = explain_entity(entity, year)
        return context

    def _assessment_year(self, facts) -> int:
        try:
            return int(self.request.GET.get("year", ""))
        except ValueError:
            return facts[0].year + 1  # the application year after the latest fiscal year


class UnitChoices:
    def units(self):
        return OrgUnit.objects.visible_to(self.request.user, "entities.manage_entity").active().filter(
            kind__in=OrgUnit.PLACE_KINDS)


class EntityCreateView(UnitChoices, ActionFormView):
    required_capability = "entities.manage_entity"
    form_class = forms.EntityForm
    title = gettext_lazy("New entity")
    success_message = gettext_lazy("The entity has been registered.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "units": self.units()}

    def get_breadcrumbs(self):
        return [(_("Entity registry"), reverse("entities:entity_list")), (self.get_title(), None)]

    def perform(self, form) -> str:
        data = dict(form.cleaned_data)
        entity = actions.do_create_entity(acting_user=self.request.user, uscc=data.pop("uscc"),
                                          name=data.pop("name"), org_unit=data.pop("org_unit"), **data)
        return entity.get_absolute_url()


class EntityEditView(UnitChoices, EntityMixin, ActionFormView):
    required_capability = "entities.manage_entity"
    form_class = forms.EntityForm
    title = gettext_lazy("Edit")
    success_message = gettext_lazy("The entity has been saved.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "units": self.units(), "editing": True}

    def get_initial(self):
        entity = self.get_entity()
        return {name: getattr(entity, name) for name in [*actions.ENTITY_FIELDS, "uscc", "org_unit"]}

    def perform(self, form) -> str:
        data = dict(form.cleaned_data)
        data.pop("uscc", None)
        entity = actions.do_update_entity(self.get_entity(), acting_user=self.request.user,
                                          org_unit=data.pop("org_unit"), **data)
        return entity.get_absolute_url()


class EntityFactsView(EntityMixin, ActionFormView):
    """The facts of one fiscal year: created or corrected by the bureau or the enterprise."""

    required_capability = "entities.edit_facts"
    form_class = forms.FactForm

    def get_title(self) -> str:
        return _("Facts for %(year)s") % {"year": self.kwargs["year"]}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.get_entity().facts.filter(year=self.kwargs["year"]).first()
        return kwargs

    def perform(self, form) -> str:
        entity = self.get_entity()
        actions.do_save_facts(entity, self.kwargs["year"], acting_user=self.request.user, **form.cleaned_data)
        return entity.get_absolute_url()


class EntityImportView(ActionFormView):
    """Upload an exchange table (.xlsx, .csv, .json); a background task checks and writes it."""

    required_capability = "entities.manage_entity"
    form_class = ImportForm
    template_name = "entities/entity_import.html"
    title = gettext_lazy("Import entity facts")
    submit_label = gettext_lazy("Upload and import")

    def get_breadcrumbs(self):
        return [(_("Entity registry"), reverse("entities:entity_list")), (self.get_title(), None)]

    def perform(self, form) -> str:
        upload = form.cleaned_data["file"]
        task = enqueue("entities.import_exchange", acting_user=self.request.user,
                       label=_("Import entity facts from %(file)s") % {"file": upload.name},
                       params={"filename": upload.name}, input_file=upload)
        return task.get_absolute_url()


class ExchangeTemplateView(CapabilityRequiredMixin, View):
    """The Excel template of the exchange table, with a sheet that explains every column."""

    required_capability = "entities.view_entity"

    def get(self, request):
        from openpyxl import Workbook
        from openpyxl.styles import Font

        from kechuang.engine.exchange import COLUMNS

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("Facts")
        sheet.append([spec.header for spec in COLUMNS])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        notes = workbook.create_sheet(_("Notes"))
        notes.append([_("Column"), _("Key"), _("Type"), _("Level"), _("Notes")])
        for spec in COLUMNS:
            notes.append([spec.header, spec.key, spec.kind, spec.level, spec.note])
        notes.append([])
        notes.append([_("Money in yuan (up to two decimals), never 万元; dates as YYYY-MM-DD; yes/no as 是/否; "
                        "a blank cell means unknown. One row per entity and fiscal year.")])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return _xlsx_response(buffer.getvalue(), "entity-facts-template.xlsx")


class ExchangeExportView(CapabilityRequiredMixin, View):
    """The visible registry's yearly facts as an exchange table (.xlsx), ready to re-import."""

    required_capability = "entities.view_entity"

    def get(self, request):
        from openpyxl import Workbook

        from kechuang.engine.exchange import COLUMNS

        from .facts import exchange_rows

        entities = EntityFilterSet(request.GET or None, queryset=Entity.objects.visible_to(request.user),
                                   request=request).qs
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Facts"))
        sheet.append([spec.header for spec in COLUMNS])
        for row in exchange_rows(entities):
            sheet.append([excel_value(row[spec.key]) for spec in COLUMNS])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return _xlsx_response(buffer.getvalue(), "entity-facts.xlsx")


def explain_entity(entity: Entity, year: int):
    """The assessment trace of one entity for application year ``year`` (explain mode of the
    same rules the batch runs, on the same facts: ``facts.assessment_facts`` as of the
    default application date, handed over already typed: ``AssessmentFacts.canonical``),
    or the reason it cannot be computed."""
    from kechuang.engine.assess import default_application_date, explain

    from .facts import assessment_facts

    facts = assessment_facts(Entity.objects.filter(pk=entity.pk), year, default_application_date(year))
    if not any(year - 3 <= y < year for y in facts.columns["year"]):
        return None, _("No facts for the fiscal years %(first)s–%(last)s.") % {"first": year - 3, "last": year - 1}
    return explain(facts.canonical(), entity.uscc, year), None


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- stored assessments -------------------------------------------------------------------

class AssessmentTabsMixin:
    """The tabs over the assessment pages, and the application year they show: ``?year=``,
    else the latest year with results the reader may see."""

    tab = ""

    def get_year(self) -> int | None:
        if not hasattr(self, "_year"):
            try:
                self._year = int(self.request.GET.get("year", ""))
            except ValueError:
                latest = (AssessmentResult.objects.visible_to(self.request.user).filter(current=True)
                          .order_by("-year").values_list("year", flat=True).first())
                self._year = latest
        return self._year

    def get_breadcrumbs(self):
        return [(_("Assessments"), reverse("entities:assessment_list")), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tab"] = self.tab
        context["year"] = self.get_year()
        context["can_run"] = self.request.user.has_capability("entities.run_assessment")
        return context


class AssessmentListView(AssessmentTabsMixin, ObjectListView):
    """The current stored results of a year (or one run's, ``?run=``), filtered and exported."""

    required_capability = "entities.view_entity"
    model = AssessmentResult
    filterset_class = AssessmentResultFilterSet
    template_name = "entities/assessment_list.html"
    title = gettext_lazy("Assessment results")
    export_name = "assessments"
    tab = "results"
    columns = [
        Column("uscc", gettext_lazy("Unified social credit code"), sort="uscc"),
        Column("entity.name", gettext_lazy("Name"), sort="entity__name", link=True),
        Column("entity.org_unit.name", gettext_lazy("Division")),
        Column("year", gettext_lazy("Application year")),
        Column("stage", gettext_lazy("Ladder stage"), sort="stage_rank"),
        Column("hte_eligible_display", gettext_lazy("High-tech enterprise")),
        Column("tsme_eligible", gettext_lazy("Tech-SME eligible"), sort="tsme_eligible"),
        Column("tsme_score", gettext_lazy("Tech-SME score"), sort="tsme_score"),
        Column("three_zeros_display", gettext_lazy("Three zeros")),
        Column("candidate", gettext_lazy("High-tech candidate")),
    ]

    def base_queryset(self):
        queryset = AssessmentResult.objects.visible_to(self.request.user).select_related("entity__org_unit")
        run = self.request.GET.get("run", "")
        if run.isdigit():
            return queryset.filter(run_id=int(run))
        return queryset.filter(current=True, year=self.get_year())


class CandidatePoolView(AssessmentListView):
    """The high-tech candidate pool (高企培育库) of a year, each with its gaps in Chinese."""

    title = gettext_lazy("High-tech candidate pool")
    export_name = "hte-candidates"
    tab = "pool"
    columns = [
        Column("uscc", gettext_lazy("Unified social credit code"), sort="uscc"),
        Column("entity.name", gettext_lazy("Name"), sort="entity__name", link=True),
        Column("entity.org_unit.name", gettext_lazy("Division")),
        Column("stage", gettext_lazy("Ladder stage"), sort="stage_rank"),
        Column("tsme_score", gettext_lazy("Tech-SME score"), sort="tsme_score"),
        Column("gaps_text", gettext_lazy("Gaps to close")),
        Column("pending_text", gettext_lazy("Still to be decided")),
    ]

    def base_queryset(self):
        return super().base_queryset().filter(candidate=True)


class TransitionListView(AssessmentListView):
    """Changes between the current results of Y−1 and Y: promoted (a higher stage),
    dropped (a lower stage), and certificates expiring in Y (issued in Y−3, none later:
    办法 国科发火〔2016〕32号 第九条, valid three years)."""

    title = gettext_lazy("Ladder transitions")
    filterset_class = TransitionFilterSet
    export_name = "ladder-transitions"
    tab = "transitions"
    columns = [
        Column("uscc", gettext_lazy("Unified social credit code"), sort="uscc"),
        Column("entity.name", gettext_lazy("Name"), sort="entity__name", link=True),
        Column("entity.org_unit.name", gettext_lazy("Division")),
        Column("previous_stage_display", gettext_lazy("Stage in the previous year")),
        Column("stage", gettext_lazy("Ladder stage"), sort="stage_rank"),
        Column("transition_display", gettext_lazy("Change")),
    ]

    def base_queryset(self):
        from django.db.models import Exists, OuterRef, Q, Subquery

        from .models import HteCertificate

        year = self.get_year()
        queryset = super().base_queryset()
        if year is None:
            return queryset
        previous = AssessmentResult.objects.filter(entity=OuterRef("entity"), year=year - 1, current=True)
        queryset = queryset.annotate(
            previous_rank=Subquery(previous.values("stage_rank")[:1]),
            previous_stage=Subquery(previous.values("stage")[:1]),
            certificate_expiring=Exists(HteCertificate.objects.filter(entity=OuterRef("entity"),
                                                                      issued_on__year=year - 3))
            & ~Exists(HteCertificate.objects.filter(entity=OuterRef("entity"), issued_on__year__gt=year - 3)))
        promoted = Q(previous_rank__isnull=False, stage_rank__gt=F("previous_rank"))
        dropped = Q(previous_rank__isnull=False, stage_rank__lt=F("previous_rank"))
        expiring = Q(certificate_expiring=True)
        change = self.request.GET.get("change", "")
        condition = {"promoted": promoted, "dropped": dropped, "expiring": expiring}.get(
            change, promoted | dropped | expiring)
        return queryset.filter(condition)


class LadderView(AssessmentTabsMixin, PageMixin, TemplateView):
    """Counts per ladder stage and division for a year, with the transitions from Y−1."""

    required_capability = "entities.view_entity"
    template_name = "entities/ladder.html"
    title = gettext_lazy("Ladder stages")
    tab = "ladder"

    def get_context_data(self, **kwargs):
        from django.db.models import Count

        from .assessments import STAGE_LABELS

        context = super().get_context_data(**kwargs)
        year = self.get_year()
        results = AssessmentResult.objects.visible_to(self.request.user).filter(current=True, year=year)
        table: dict[str, dict] = {}
        for row in (results.order_by().values("entity__org_unit__code", "entity__org_unit__name", "stage")
                    .annotate(n=Count("pk", distinct=True))):
            entry = table.setdefault(row["entity__org_unit__code"], {
                "code": row["entity__org_unit__code"], "name": row["entity__org_unit__name"],
                "counts": dict.fromkeys(STAGE_LABELS, 0)})
            entry["counts"][row["stage"]] += row["n"]
        divisions = [table[code] for code in sorted(table)]
        for entry in divisions:
            entry["cells"] = [entry["counts"][s] for s in STAGE_LABELS]
            entry["total"] = sum(entry["cells"])
        totals = [sum(d["counts"][s] for d in divisions) for s in STAGE_LABELS]
        context.update(
            stages=[str(label) for label in STAGE_LABELS.values()], divisions=divisions, totals=totals,
            grand_total=sum(totals),
            chart={"divisions": [d["name"] for d in divisions],
                   "series": [{"name": str(label), "data": [d["counts"][code] for d in divisions]}
                              for code, label in STAGE_LABELS.items() if code != "none"]},
            transitions=self._transition_counts(year) if year else {})
        return context

    def _transition_counts(self, year: int) -> dict[str, int]:
        view = TransitionListView()
        view.request, view.kwargs, view._year = self.request, {}, year
        queryset = TransitionListView.base_queryset(view)
        return {
            "promoted": queryset.filter(previous_rank__isnull=False, stage_rank__gt=F("previous_rank")).count(),
            "dropped": queryset.filter(previous_rank__isnull=False, stage_rank__lt=F("previous_rank")).count(),
            "expiring": queryset.filter(certificate_expiring=True).count(),
        }


class AssessmentRunListView(AssessmentTabsMixin, ObjectListView):
    """The stored runs (history): who ran which year over which unit, with which rules."""

    required_capability = "entities.run_assessment"
    model = AssessmentRun
    filterset_class = AssessmentRunFilterSet
    title = gettext_lazy("Assessment runs")
    export_name = "assessment-runs"
    template_name = "entities/assessment_list.html"
    create_url_name = "entities:assessment_run_create"
    create_capability = "entities.run_assessment"
    tab = "runs"
    columns = [
        Column("year", gettext_lazy("Application year"), sort="year", link=True),
        Column("on", gettext_lazy("Application date")),
        Column("org_unit.name", gettext_lazy("Unit")),
        Column("entity_count", gettext_lazy("Entities")),
        Column("criteria_source", gettext_lazy("Ladder criteria")),
        Column("rule_version", gettext_lazy("Rule version")),
        Column("status", gettext_lazy("Status")),
        Column("created_by", gettext_lazy("Started by")),
        Column("created_at", gettext_lazy("Started at"), sort="created_at"),
        Column("seconds", gettext_lazy("Seconds")),
    ]

    def base_queryset(self):
        return AssessmentRun.objects.visible_to(self.request.user, "entities.run_assessment").select_related(
            "org_unit", "created_by")


class RunUnitChoices:
    def run_units(self):
        return OrgUnit.objects.visible_to(self.request.user, "entities.run_assessment").active().filter(
            kind__in=OrgUnit.PLACE_KINDS).order_by("path")


class AssessmentRunCreateView(RunUnitChoices, ActionFormView):
    """Start a run: a background task assesses the unit's entities and stores the results."""

    required_capability = "entities.run_assessment"
    form_class = forms.AssessmentRunForm
    title = gettext_lazy("New assessment run")
    submit_label = gettext_lazy("Start the run")

    def get_breadcrumbs(self):
        return [(_("Assessments"), reverse("entities:assessment_list")),
                (_("Assessment runs"), reverse("entities:assessment_runs")), (self.get_title(), None)]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "units": self.run_units()}

    def get_initial(self):
        import datetime

        return {"year": datetime.date.today().year, "org_unit": self.run_units().first()}

    def perform(self, form) -> str:
        data = form.cleaned_data
        unit = data["org_unit"]
        task = enqueue("entities.run_assessment", acting_user=self.request.user,
                       label=_("Assessment of %(unit)s for %(year)s") % {"unit": unit.name, "year": data["year"]},
                       params={"year": data["year"], "unit": unit.code,
                               "on": data["on"].isoformat() if data.get("on") else None})
        return task.get_absolute_url()


class LadderCriteriaView(RunUnitChoices, AssessmentTabsMixin, ActionFormView):
    """A bureau's own gazelle and leading-enterprise criteria, or the platform defaults."""

    required_capability = "entities.run_assessment"
    form_class = forms.LadderCriteriaForm
    template_name = "entities/ladder_criteria.html"
    title = gettext_lazy("Ladder criteria")
    success_message = gettext_lazy("The ladder criteria have been saved; the next run uses them.")
    tab = "criteria"

    def selected_unit(self):
        units = self.run_units()
        code = self.request.GET.get("unit") or self.request.POST.get("org_unit_code")
        return (units.filter(code=code).first() if code else None) or units.first()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "units": self.run_units()}

    def get_initial(self):
        from .assessments import LADDER_FIELDS, criteria_for

        unit = self.selected_unit()
        if unit is None:
            return {}
        criteria, _source, _setting = criteria_for(unit)
        return {"org_unit": unit, **{name: getattr(criteria, name) for name in LADDER_FIELDS}}

    def get_context_data(self, **kwargs):
        from kechuang.engine.assess import LadderCriteria

        from .assessments import criteria_for

        context = super().get_context_data(**kwargs)
        unit = self.selected_unit()
        context["unit"] = unit
        context["units"] = self.run_units()
        if unit is not None:
            context["criteria"], context["criteria_source"], context["setting"] = criteria_for(unit)
        context["defaults"] = LadderCriteria()
        return context

    def perform(self, form) -> str:
        from .assessments import LADDER_FIELDS

        data = form.cleaned_data
        values = None if data["use_defaults"] else {name: data[name] for name in LADDER_FIELDS}
        actions.do_set_ladder_criteria(data["org_unit"], acting_user=self.request.user, values=values)
        return reverse("entities:ladder_criteria") + f"?unit={data['org_unit'].code}"
