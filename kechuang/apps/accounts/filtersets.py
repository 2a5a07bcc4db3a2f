"""One FilterSet per list: the page, its Excel export and the API use the same one."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.apps.common.forms import FilterForm

from .models import OrgUnit, User
from .roles import Role


class OrgUnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name, alias or code"), method="search")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OrgUnit.Kind.choices, empty_label=_("All"))
    within = django_filters.CharFilter(label=_("Within unit (code)"), method="filter_within")
    status = django_filters.ChoiceFilter(
        label=_("Status"), method="filter_status", empty_label=_("All"),
        choices=[("active", _("Active")), ("closed", _("Closed"))],
    )

    class Meta:
        model = OrgUnit
        fields = ["q", "kind", "within", "status"]
        form = FilterForm

    def search(self, queryset, name, value):
        value = value.strip()
        # Aliases are a JSON list; a text match on its serialised form works on both
        # SQLite and PostgreSQL (json text keeps non-ASCII characters as typed).
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value) | Q(aliases__icontains=value))

    def filter_within(self, queryset, name, value):
        unit = OrgUnit.objects.filter(code=value.strip()).first()
        return queryset.filter(path__startswith=unit.path) if unit else queryset.none()

    def filter_status(self, queryset, name, value):
        today = timezone.localdate()
        if value == "active":
            return queryset.active(today)
        if value == "closed":
            return queryset.filter(valid_to__lte=today)
        return queryset


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("User name or name"), method="search")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices, field_name="roles__role", distinct=True,
                                       empty_label=_("All"))
    unit = django_filters.CharFilter(label=_("Unit code"), method="filter_unit")
    is_active = django_filters.ChoiceFilter(
        label=_("Active"), method="filter_active", empty_label=_("All"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
    )

    class Meta:
        model = User
        fields = ["q", "role", "unit", "is_active"]
        form = FilterForm

    def search(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(name__icontains=value))

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=(value == "yes"))

    def filter_unit(self, queryset, name, value):
        unit = OrgUnit.objects.filter(code=value.strip()).first()
        if unit is None:
            return queryset.none()
        return queryset.filter(roles__org_unit__path__startswith=unit.path).distinct()
