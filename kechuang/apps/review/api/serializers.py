from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..actions import INITIAL_STATUSES
from ..models import Document, Finding


class DocumentSerializer(serializers.ModelSerializer):
    drafting_unit_code = serializers.CharField(source="org_unit.code", read_only=True)
    drafting_unit_name = serializers.CharField(source="org_unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    file_name = serializers.CharField(read_only=True)

    class Meta:
        model = Document
        fields = ["id", "title", "number", "drafting_unit_code", "drafting_unit_name", "status", "status_display",
                  "drafted_on", "published_on", "repealed_on", "source", "file_name", "reviewed_at",
                  "violation_count", "suspect_count", "note_count", "open_count", "confirmed_count",
                  "created_at", "updated_at"]
        read_only_fields = fields


class DocumentDetailSerializer(DocumentSerializer):
    run = serializers.SerializerMethodField()

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "text", "run"]
        read_only_fields = fields

    def get_run(self, document) -> int | None:
        run = document.latest_run()
        return run.number if run else None


class DocumentCreateSerializer(serializers.Serializer):
    """JSON with ``text``, or multipart with ``file``: one of the two."""

    title = serializers.CharField(max_length=300)
    number = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    drafting_unit_code = serializers.CharField(max_length=20)
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in INITIAL_STATUSES],
                                     required=False, default=Document.Status.DRAFT)
    drafted_on = serializers.DateField(required=False, allow_null=True, default=None)
    published_on = serializers.DateField(required=False, allow_null=True, default=None)
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    file = serializers.FileField(required=False, allow_empty_file=True, default=None)


class FindingSerializer(serializers.ModelSerializer):
    run = serializers.IntegerField(source="run.number", read_only=True)
    location_label = serializers.CharField(read_only=True)
    level_zh = serializers.CharField(read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)

    class Meta:
        model = Finding
        fields = ["id", "run", "position", "clause", "location", "location_label", "article", "item", "level",
                  "level_zh", "title", "reason", "evidence", "regulation_text", "exception_prompt", "context", "rule",
                  "decision", "decision_reason", "decided_by", "decided_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    finding = serializers.IntegerField()
    decision = serializers.ChoiceField(choices=[("confirm", _("Confirm")), ("dismiss", _("Dismiss"))])
    reason = serializers.CharField(max_length=2000)


class CheckSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    min_level = serializers.ChoiceField(choices=["note", "suspect", "violation"], required=False, default="note")


class EngineFindingSerializer(serializers.Serializer):
    """A finding as the engine returns it (``findings_to_dicts``), for the schema."""

    clause = serializers.CharField()
    location = serializers.DictField()
    article = serializers.CharField()
    item = serializers.CharField()
    level = serializers.CharField()
    level_zh = serializers.CharField()
    title = serializers.CharField()
    reason = serializers.CharField()
    evidence = serializers.DictField()
    regulation_text = serializers.CharField()
    exception_prompt = serializers.CharField(allow_null=True)
    context = serializers.CharField(allow_null=True)
    rule = serializers.CharField()
    rules = serializers.ListField(child=serializers.CharField())


class CheckResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    findings = EngineFindingSerializer(many=True)
