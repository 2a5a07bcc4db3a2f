"""Administrators browse the audit trail; nothing here changes it."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView

from kechuang.apps.common.views import CapabilityRequiredMixin, Column, ObjectListView, PageMixin

from .filtersets import AuditEntryFilterSet
from .models import AuditEntry


class AuditEntryListView(ObjectListView):
    required_capability = "audit.view_auditentry"
    model = AuditEntry
    filterset_class = AuditEntryFilterSet
    title = gettext_lazy("Audit trail")
    export_name = "audit"
    default_sort = "-at"
    columns = [
        Column("at", gettext_lazy("Time"), sort="at", link=True),
        Column("actor_username", gettext_lazy("User name"), sort="actor_username"),
        Column("ip", gettext_lazy("IP address")),
        Column("verb", gettext_lazy("Action"), sort="verb"),
        Column("object_repr", gettext_lazy("Object")),
        Column("row_count", gettext_lazy("Rows")),
    ]


class AuditEntryDetailView(PageMixin, DetailView):
    required_capability = "audit.view_auditentry"
    template_name = "audit/auditentry_detail.html"
    context_object_name = "entry"

    def get_queryset(self):
        return AuditEntry.objects.visible_to(self.request.user)

    def get_title(self) -> str:
        return _("Audit entry %(id)s") % {"id": self.object.pk}

    def get_breadcrumbs(self):
        return [(_("Audit trail"), reverse("audit:auditentry_list")), (self.get_title(), None)]


class AuditFileView(CapabilityRequiredMixin, View):
    """The file an import was made from, as it was uploaded."""

    required_capability = "audit.view_auditentry"

    def get(self, request, pk):
        entry = AuditEntry.objects.visible_to(request.user).filter(pk=pk).first()
        if entry is None or not entry.batch_file:
            raise Http404
        return FileResponse(entry.batch_file.open("rb"), as_attachment=True,
                            filename=entry.batch_file.name.rsplit("/", 1)[-1])
