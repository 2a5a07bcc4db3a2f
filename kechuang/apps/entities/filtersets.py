from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kechuang.apps.accounts.models import OrgUnit
from kechuang.apps.common.forms import FilterForm

from .models import Entity


class EntityFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or credit code"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Entity.Kind.choices, empty_label=_("All"))
    within = django_filters.CharFilter(label=_("Within unit (code)"), method="filter_within")
    tech_field = django_filters.CharFilter(label=_("High-tech field"), field_name="tech_field")

    class Meta:
        model = Entity
        fields = ["q", "kind", "within", "tech_field"]
        form = FilterForm

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(uscc__startswith=value.upper()))

    def filter_within(self, queryset, name, value):
        unit = OrgUnit.objects.filter(code=value.strip()).first()
        return queryset.filter(org_unit__path__startswith=unit.path) if unit else queryset.none()
