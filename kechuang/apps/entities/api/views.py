"""API of the entity registry: /api/entities/…"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.tasks.runner import enqueue

from .. import actions
from ..filtersets import AssessmentResultFilterSet, AssessmentRunFilterSet, EntityFilterSet
from ..models import AssessmentResult, AssessmentRun, Entity, EntityFact
from ..validators import validate_uscc


class EntityFactSerializer(serializers.ModelSerializer):
    class Meta:
        model = EntityFact
        exclude = ["id", "entity", "created_at", "updated_at", "created_by", "modified_by"]


class EntitySerializer(serializers.ModelSerializer):
    division_code = serializers.CharField(source="org_unit.code")

    class Meta:
        model = Entity
        fields = ["id", "uscc", "name", "kind", "division_code", "registered_on", "industry_code", "tech_field",
                  "ownership", "listed", "deregistered_on"]
        read_only_fields = ["id"]

    def validate_uscc(self, value: str) -> str:
        value = value.strip().upper()
        try:
            validate_uscc(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return value


def _errors(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError({k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()})
    return serializers.ValidationError({"non_field_errors": exc.messages})


class EntityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                    viewsets.GenericViewSet):
    """Innovation entities in the caller's units (an enterprise user: its own)."""

    required_capability = "entities.view_entity"
    action_capabilities = {"create": "entities.manage_entity", "facts": "entities.view_entity"}
    serializer_class = EntitySerializer
    filterset_class = EntityFilterSet

    def get_queryset(self):
        return Entity.objects.visible_to(self.request.user).select_related("org_unit").order_by("name")

    def create(self, request, *args, **kwargs):
        serializer = EntitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        code = data.pop("org_unit")["code"]
        unit = OrgUnit.objects.visible_to(request.user, "entities.manage_entity").filter(code=code).first()
        if unit is None:
            raise serializers.ValidationError({"division_code": [f"{code}"]})
        try:
            entity = actions.do_create_entity(acting_user=request.user, uscc=data.pop("uscc"),
                                              name=data.pop("name"), org_unit=unit, **data)
        except DjangoValidationError as exc:
            raise _errors(exc) from None
        return Response(EntitySerializer(entity).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=EntityFactSerializer(many=True))
    @action(detail=True, methods=["get"])
    def facts(self, request, pk=None):
        """The entity's yearly facts, oldest first."""
        entity = self.get_object()
        return Response(EntityFactSerializer(entity.facts.order_by("year"), many=True).data)


# --- stored assessments ------------------------------------------------------------------

class AssessmentRunSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="org_unit.code", read_only=True)

    class Meta:
        model = AssessmentRun
        fields = ["id", "year", "on", "unit_code", "status", "rule_version", "criteria_source", "options",
                  "entity_count", "counts", "created_at", "finished_at", "seconds"]
        read_only_fields = fields


class AssessmentRunInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="application year Y (fiscal years Y−3…Y−1)")
    unit = serializers.CharField(help_text="code of the unit whose entities (and those below it) are assessed")
    on = serializers.DateField(required=False, allow_null=True, help_text="application date; default 30 June of Y")

    def validate(self, data):
        if data.get("on") and data["on"].year != data["year"]:
            raise serializers.ValidationError({"on": [_("The application date must fall in the application year.")]})
        return data


class AssessmentResultSerializer(serializers.ModelSerializer):
    """One entity's stored result: the engine's record (the same keys as ``kechuang assess``),
    its candidate-pool entry and where it was stored."""

    entity = serializers.IntegerField(source="entity_id", read_only=True)
    name = serializers.CharField(source="entity.name", read_only=True)
    division_code = serializers.CharField(source="entity.org_unit.code", read_only=True)
    run = serializers.IntegerField(source="run_id", read_only=True)
    hte = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentResult
        fields = ["id", "run", "entity", "uscc", "name", "division_code", "year", "current", "stage", "hte", "tsme",
                  "three_zeros", "candidate", "gaps", "pending"]
        read_only_fields = fields

    def get_hte(self, result) -> dict:
        return {"eligible": result.hte_eligible, **result.hte}


class AssessmentResultApiFilterSet(AssessmentResultFilterSet):
    """The results page's filters, plus the year itself, the candidate flag and one run."""

    year = django_filters.NumberFilter(field_name="year")
    within = django_filters.CharFilter(method="filter_within", help_text="unit code: its entities and those below")
    candidate = django_filters.BooleanFilter(field_name="candidate")
    run = django_filters.NumberFilter(field_name="run_id")

    class Meta(AssessmentResultFilterSet.Meta):
        fields = ["year", "q", "within", "stage", "hte", "tsme_eligible", "three_zeros", "candidate", "run"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["within"].extra.pop("choices", None)   # any code; the queryset is already scoped


class ResultPages(PageNumberPagination):
    """50 a page unless ``?page_size=`` (at most 1,000) asks for more."""

    page_size_query_param = "page_size"
    max_page_size = 1000


class AssessmentRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Stored assessment runs over the caller's units (``?year=``); POST starts a run as a
    background task and answers with the task to poll (``/api/tasks/<id>/``)."""

    required_capability = "entities.run_assessment"
    serializer_class = AssessmentRunSerializer
    filterset_class = AssessmentRunFilterSet

    def get_queryset(self):
        return AssessmentRun.objects.visible_to(self.request.user, "entities.run_assessment").select_related(
            "org_unit")

    @extend_schema(request=AssessmentRunInputSerializer, responses={202: dict})
    def create(self, request, *args, **kwargs):
        data = AssessmentRunInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        unit = OrgUnit.objects.visible_to(request.user, "entities.run_assessment").filter(
            code=values["unit"], kind__in=OrgUnit.PLACE_KINDS).first()
        if unit is None:
            raise serializers.ValidationError({"unit": [_("“%(unit)s” is outside your units.") % {"unit": values["unit"]}]})
        task = enqueue("entities.run_assessment", acting_user=request.user,
                       label=_("Assessment of %(unit)s for %(year)s") % {"unit": unit.name, "year": values["year"]},
                       params={"year": values["year"], "unit": unit.code,
                               "on": values["on"].isoformat() if values.get("on") else None})
        return Response({"task": str(task.pk), "status_url": f"/api/tasks/{task.pk}/"},
                        status=status.HTTP_202_ACCEPTED)


class AssessmentResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Stored assessment results of the caller's entities. By default the current result of
    each entity (``?run=<id>`` for one run's, current or not); filters ``year``, ``within``
    (unit code), ``stage``, ``hte`` (yes/no/undecided), ``tsme_eligible`` (yes/no),
    ``three_zeros`` (yes/no), ``candidate`` (true/false), ``q`` (name or credit code)."""

    required_capability = "entities.view_entity"
    serializer_class = AssessmentResultSerializer
    filterset_class = AssessmentResultApiFilterSet
    pagination_class = ResultPages

    def get_queryset(self):
        rows = AssessmentResult.objects.visible_to(self.request.user).select_related("entity__org_unit").order_by(
            "-year", "uscc", "-run_id")
        if self.action == "list" and not self.request.query_params.get("run"):
            rows = rows.filter(current=True)
        return rows
