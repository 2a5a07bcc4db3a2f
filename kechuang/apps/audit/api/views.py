from __future__ import annotations

from rest_framework import serializers, viewsets

from ..filtersets import AuditEntryFilterSet
from ..models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor_username", "ip", "request_id", "verb", "object_type", "object_id",
                  "object_repr", "before", "after", "note", "row_count"]
        read_only_fields = fields


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, read-only: no method of the API changes an entry."""

    required_capability = "audit.view_auditentry"
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilterSet

    def get_queryset(self):
        return AuditEntry.objects.visible_to(self.request.user)
