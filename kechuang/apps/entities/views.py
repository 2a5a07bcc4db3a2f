"""Pages of the entity registry."""

from __future__ import annotations

import io

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
from .filtersets import EntityFilterSet
from .models import Entity


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
    same rules the batch runs), or the reason it cannot be computed."""
    from kechuang.engine.assess import explain
    from kechuang.engine.exchange import ExchangeRejected, exchange_from_rows

    from .facts import exchange_rows

    rows = list(exchange_rows(Entity.objects.filter(pk=entity.pk), years=range(year - 3, year)))
    if not rows:
        return None, _("No facts for the fiscal years %(first)s–%(last)s.") % {"first": year - 3, "last": year - 1}
    try:
        return explain(exchange_from_rows(rows, source=entity.name), entity.uscc, year), None
    except ExchangeRejected as rejected:
        return None, "；".join(str(e) for e in rejected.errors[:5])


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
