"""Following a task: a page with a progress bar that polls the status endpoint."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from kechuang.apps.common.views import Column, ObjectListView, PageMixin

from .models import Task


class TaskListView(ObjectListView):
    required_capability = "tasks.view_task"
    model = Task
    title = gettext_lazy("Background tasks")
    export_name = "tasks"
    default_sort = "-created_at"
    columns = [
        Column("label", gettext_lazy("Description"), link=True),
        Column("status", gettext_lazy("Status"), sort="status"),
        Column("percent", gettext_lazy("Progress (%)")),
        Column("created_by", gettext_lazy("Started by")),
        Column("created_at", gettext_lazy("Created at"), sort="created_at"),
        Column("finished_at", gettext_lazy("Finished at"), sort="finished_at"),
    ]

    def base_queryset(self):
        return Task.objects.visible_to(self.request.user).select_related("created_by")


class TaskDetailView(PageMixin, DetailView):
    required_capability = "tasks.view_task"
    template_name = "tasks/task_detail.html"
    context_object_name = "task"

    def get_object(self, queryset=None):
        try:
            return Task.objects.visible_to(self.request.user).get(pk=self.kwargs["pk"])
        except (Task.DoesNotExist, ValueError):
            raise Http404 from None

    def get_title(self) -> str:
        return str(self.object)

    def get_breadcrumbs(self):
        return [(_("Background tasks"), reverse("tasks:task_list")), (self.get_title(), None)]
