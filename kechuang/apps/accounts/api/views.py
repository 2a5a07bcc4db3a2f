"""API of the accounts app: /api/accounts/…, the same checks as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from kechuang.apps.common.views import SIGNED_IN

from .. import actions
from ..access import users_visible_to
from ..filtersets import OrgUnitFilterSet, UserFilterSet
from ..models import OrgUnit
from .serializers import (
    OrgUnitCreateSerializer,
    OrgUnitSerializer,
    UserCreateSerializer,
    UserSerializer,
)


def _unit_by_code(user, code: str, capability: str, field: str) -> OrgUnit:
    unit = OrgUnit.objects.visible_to(user, capability).filter(code=code).first()
    if unit is None:
        raise serializers.ValidationError({field: [_("No unit with the code %(code)s in your units.") % {"code": code}]})
    return unit


def _as_api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError({"non_field_errors": exc.messages})


class MeView(APIView):
    """The signed-in user, with its roles."""

    required_capability = SIGNED_IN

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class OrgUnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     viewsets.GenericViewSet):
    """Org units in the caller's scope; administrators create units below theirs."""

    required_capability = "accounts.view_orgunit"
    action_capabilities = {"create": "accounts.manage_orgunit"}
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilterSet

    def get_queryset(self):
        return OrgUnit.objects.visible_to(self.request.user).select_related("parent")

    def get_serializer_class(self):
        return OrgUnitCreateSerializer if self.action == "create" else OrgUnitSerializer

    @extend_schema(request=OrgUnitCreateSerializer, responses={201: OrgUnitSerializer})
    def create(self, request, *args, **kwargs):
        serializer = OrgUnitCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = _unit_by_code(request.user, data["parent_code"], "accounts.manage_orgunit", "parent_code")
        try:
            unit = actions.do_create_org_unit(
                acting_user=request.user, code=data["code"], name=data["name"], kind=data["kind"],
                parent=parent, aliases=data["aliases"], valid_from=data["valid_from"], source=data["source"],
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from None
        return Response(OrgUnitSerializer(unit).data, status=status.HTTP_201_CREATED)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    """Users in the administrator's units."""

    required_capability = "accounts.manage_user"
    serializer_class = UserSerializer
    filterset_class = UserFilterSet

    def get_queryset(self):
        return users_visible_to(self.request.user).prefetch_related("roles__org_unit").order_by("username")

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request, *args, **kwargs):
        serializer = UserCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unit = _unit_by_code(request.user, data["org_unit_code"], "accounts.manage_user", "org_unit_code")
        try:
            user = actions.do_create_user(
                acting_user=request.user, username=data["username"], name=data["name"], password=data["password"],
                email=data["email"], phone=data["phone"], roles=[(data["role"], unit)],
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from None
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


__all__ = ["MeView", "OrgUnitViewSet", "UserViewSet"]
