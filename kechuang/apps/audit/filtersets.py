from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from kechuang.apps.common.forms import FilterForm

from .models import AuditEntry


class AuditEntryFilterSet(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=_("User name"), field_name="actor_username", lookup_expr="icontains")
    verb = django_filters.CharFilter(label=_("Action"), field_name="verb", lookup_expr="startswith")
    object_type = django_filters.CharFilter(label=_("Object type"), field_name="object_type")
    object_id = django_filters.CharFilter(label=_("Object id"), field_name="object_id")
    since = django_filters.DateFilter(label=_("From"), field_name="at", lookup_expr="date__gte",
                                      widget=forms.DateInput(attrs={"type": "date"}))
    until = django_filters.DateFilter(label=_("To"), field_name="at", lookup_expr="date__lte",
                                      widget=forms.DateInput(attrs={"type": "date"}))
    request_id = django_filters.CharFilter(label=_("Request id"), field_name="request_id")

    class Meta:
        model = AuditEntry
        fields = ["actor", "verb", "object_type", "object_id", "since", "until", "request_id"]
        form = FilterForm
