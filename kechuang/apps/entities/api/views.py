"""API of the entity registry: /api/entities/…"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from kechuang.apps.accounts.models import OrgUnit

from .. import actions
from ..filtersets import EntityFilterSet
from ..models import Entity, EntityFact
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
