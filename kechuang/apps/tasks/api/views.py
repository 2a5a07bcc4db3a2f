from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from ..models import Task


class TaskSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Task
        fields = ["id", "name", "label", "status", "status_display", "done", "total", "percent", "message",
                  "result", "error", "result_url", "created_at", "started_at", "finished_at"]
        read_only_fields = fields


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Status of background tasks: poll ``/api/tasks/<id>/`` until ``status`` is final."""

    required_capability = "tasks.view_task"
    serializer_class = TaskSerializer

    def get_queryset(self):
        return Task.objects.visible_to(self.request.user).select_related("created_by")

    @extend_schema(responses=TaskSerializer)
    def retrieve(self, request, *args, **kwargs):
        return Response(self.get_serializer(self.get_object()).data)
