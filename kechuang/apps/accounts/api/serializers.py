from __future__ import annotations

from rest_framework import serializers

from ..models import OrgUnit, RoleAssignment, User


class OrgUnitSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "kind", "parent_code", "aliases", "valid_from", "valid_to",
                  "is_active", "source"]
        read_only_fields = fields


class OrgUnitCreateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices)
    parent_code = serializers.CharField(max_length=20)
    aliases = serializers.ListField(child=serializers.CharField(max_length=100), required=False, default=list)
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    source = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class RoleAssignmentSerializer(serializers.ModelSerializer):
    org_unit_code = serializers.CharField(source="org_unit.code", read_only=True)
    org_unit_name = serializers.CharField(source="org_unit.name", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "org_unit_code", "org_unit_name"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    roles = RoleAssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "phone", "is_active", "last_login", "roles"]
        read_only_fields = fields


class UserCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150)
    name = serializers.CharField(max_length=100)
    email = serializers.EmailField(required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, default="", allow_blank=True)
    password = serializers.CharField(write_only=True)
    role = serializers.ChoiceField(choices=RoleAssignment._meta.get_field("role").choices)
    org_unit_code = serializers.CharField(max_length=20)
